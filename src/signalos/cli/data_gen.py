"""``signalos data augment | synth``: more training data, derived or generated.

Added to the ``data`` group by ``signalos.cli.data_cmd`` through ``register(data_app)``. The work
is in ``signalos.dataset.augment`` and ``signalos.dataset.synth``; this module reads options,
shows progress and prints the reports.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from signalos.cli import common

_WORKSPACE_HELP = "Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos)."
_PROGRESS_MIN = 1000


def register(data_app: typer.Typer) -> None:
    """Add ``augment`` and ``synth`` to the ``data`` command group."""
    data_app.command("augment")(augment_command)
    data_app.command("synth")(synth_command)


def _progress(description: str, total: int | None):
    progress = common.progress_bar(show=total is None or total >= _PROGRESS_MIN)
    return progress, common.progress_task(progress, description, total)


def augment_command(
    factor: float = typer.Option(2.0, "--factor", min=1.0, help="Size the train split should reach, as a multiple."),
    augmenter: Optional[list[str]] = typer.Option(None, "--augmenter", "-a", metavar="NAME",
                                                  help="Use only this augmenter (repeatable; default: all registered)."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed derives the same texts, so a re-run adds nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Derive new labelled messages from the train split with the registered augmenters.

    Every derived message keeps a true label with recomputed spans, is marked augmented (with the
    message it came from) and only ever goes to train. Run `signalos data split` first.

    \b
      signalos data augment
      signalos data augment --factor 3 --augmenter reprice --augmenter symbol-alias --seed 1
    """
    from signalos.dataset.augment import augment_dataset
    from signalos.dataset.repository import Dataset
    from signalos.store import Workspace

    host = common.make_host()
    for name in augmenter or ():
        host.augmenters.get(name)  # an unknown name fails here, listing the registered ones
    ws = Workspace.for_host(host, workspace)
    ds = Dataset.open(ws)
    sources = ds.count(split="train", include_augmented=False, only_labelled=True, include_duplicates=False)
    if not sources:
        raise typer.BadParameter("the train split has no labelled messages: import data and run "
                                 "`signalos data split` first", param_hint="workspace")
    expected = int(sources * (factor - 1)) or None
    progress, advance = _progress("augmenting", expected)
    with progress:
        report = augment_dataset(host, ds, names=augmenter, factor=factor, seed=seed, progress=advance)
    for error in report["errors"]:
        common.warn(f"augmenter failed: {error}")
    if as_json:
        common.print_json({"workspace": str(ws.path), **report})
        return
    by = ", ".join(f"{k} {v}" for k, v in report["by_augmenter"].items()) or "none"
    typer.echo(f"{report['sources']} train messages, {report['made']} derived ({by}); {report['added']} added, "
               f"{report['already_there']} already in the workspace; batch {report['batch_id']} in {ws.path}")
    if report["dropped"]:
        typer.echo("not made: " + ", ".join(f"{k} {v}" for k, v in report["dropped"].items()))


def synth_command(
    n: int = typer.Option(1000, "--n", "-n", min=0, help="How many messages."),
    seed: int = typer.Option(7, "--seed", help="Seed: the same seed gives the same messages."),
    languages: Optional[str] = typer.Option(None, "--languages", "-l", metavar="en,ru,...",
                                            help="Languages to write in (default: all the regex parser reads)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE.jsonl",
                                       help="Write corpus lines here instead of importing into the workspace."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Generate labelled synthetic messages (signals, updates, noise) in many layouts and languages.

    For a start without data: the labels are exact by construction, the output is marked
    synthetic (origin "synthetic"), and the same seed gives the same messages.

    \b
      signalos data synth --n 1000
      signalos data synth --n 100000 --seed 1 --out synth.jsonl
      signalos data synth --n 500 --languages en,ru,fa
    """
    from signalos.dataset.synth import import_synth, synth_records

    langs = [lang.strip() for lang in languages.split(",") if lang.strip()] if languages else None
    records = synth_records(n, seed, langs)  # checks the languages before anything is written
    if out is not None:
        kinds: dict[str, int] = {}
        progress, advance = _progress(f"writing {out.name}", n)
        with progress, out.open("w", encoding="utf-8") as fh:
            for i, rec in enumerate(records, 1):
                kinds[rec["label"]["kind"]] = kinds.get(rec["label"]["kind"], 0) + 1
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                if i % 1000 == 0:
                    advance(1000)
        report = {"generated": n, "out": str(out), "seed": seed, "kinds": kinds}
        if as_json:
            common.print_json(report)
        else:
            typer.echo(f"{n} synthetic messages ({_kinds(kinds)}) written to {out}")
        return
    from signalos.dataset.repository import Dataset
    from signalos.store import Workspace

    # like `data import`, no parser is needed: build the host only when the configuration must say
    # where the workspace is
    where = workspace or os.environ.get("SIGNALOS_WORKSPACE")
    ws = Workspace(where) if where else Workspace.for_host(common.make_host())
    ds = Dataset.open(ws)
    progress, advance = _progress("generating", n)
    with progress:
        report = import_synth(ds, n, seed, langs, progress=advance)
    if as_json:
        common.print_json({"workspace": str(ws.path), **report})
        return
    typer.echo(f"{n} synthetic messages ({_kinds(report['kinds'])}): {report['added']} added, "
               f"{report['already_there']} already there; batch {report['batch_id']} in {ws.path}")


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
