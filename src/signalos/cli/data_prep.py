"""``signalos data align | dedup | split``: prepare a dataset for training.

Added to the ``data`` group by ``signalos.cli.data_cmd`` through ``register(data_app)``. The work
is in ``signalos.dataset.align``, ``.dedup`` and ``.split``; this module only reads options,
shows progress and prints the reports.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from signalos.cli import common

_WORKSPACE_HELP = "Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos)."


def register(data_app: typer.Typer) -> None:
    """Add ``align``, ``dedup`` and ``split`` to the ``data`` command group."""
    data_app.command("align")(align_command)
    data_app.command("dedup")(dedup_command)
    data_app.command("split")(split_command)


def _dataset(workspace: Optional[Path]):
    import os

    from signalos.dataset.repository import Dataset
    from signalos.store import Workspace

    # These commands need no parser: the host (and every plugin) is built only when the
    # workspace has to come from the configuration, as `signalos data import` does.
    where = workspace or os.environ.get("SIGNALOS_WORKSPACE")
    ws = Workspace(where) if where else Workspace.for_host(common.make_host())
    return ws, Dataset.open(ws)


def align_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
    redo: bool = typer.Option(False, "--redo", help="Re-align labels that already have spans too."),
    show: int = typer.Option(20, "--show", min=0, help="Unaligned messages to list (all of them with --json)."),
) -> None:
    """Derive per-field character spans from the value labels and store them with the labels.

    Prices are found by value whatever the writing (27,400; 1,0850; 4785-90; Persian digits),
    symbols through their aliases (GOLD = XAUUSD), directions through the keyword tables.
    Reports the share of label values that got a span and lists what could not be aligned.

    \b
      signalos data align
      signalos data align --redo --json
    """
    from signalos.dataset.align import align_dataset

    ws, ds = _dataset(workspace)
    err = common.console(stderr=True)
    total = ds.db.execute("SELECT count(DISTINCT message_id) FROM labels").fetchone()[0]
    with common.progress_bar(err) as progress:
        task = progress.add_task("aligning labels", total=total)
        report = align_dataset(ds, redo=redo, progress=lambda n: progress.advance(task, n))
    if as_json:
        common.print_json({"workspace": str(ws.path), **report.to_dict()})
        return
    rate = f"{report.rate:.2%}" if report.rate is not None else "-"
    typer.echo(f"aligned {report.aligned_fields}/{report.fields} label values ({rate}); "
               f"{report.aligned_labels} of {report.labels - report.kept} labels complete"
               + (f"; {report.kept} labels kept their spans (--redo to re-align)" if report.kept else ""))
    if report.per_field:
        table = common.table(title="per field")
        for col in ("field", "aligned", "missing"):
            table.add_column(col, justify="left" if col == "field" else "right")
        for field, c in sorted(report.per_field.items()):
            table.add_row(field, str(c["aligned"]), str(c["missing"]))
        common.console().print(table)
    if report.unaligned and show:
        typer.echo(f"not aligned ({len(report.unaligned)} messages):")
        for u in report.unaligned[:show]:
            text = u["text"].replace("\n", " ⏎ ")[:90]
            typer.echo(f"  {u['id']}: {', '.join(u['missing'])}  | {text}")
        if len(report.unaligned) > show:
            typer.echo(f"  ... and {len(report.unaligned) - show} more (--json lists them all)")


def dedup_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
    threshold: float = typer.Option(0.8, "--threshold", min=0.0, max=1.0,
                                    help="Jaccard similarity at which two templates are one (MinHash LSH)."),
    num_perm: int = typer.Option(64, "--num-perm", min=16, help="MinHash permutations."),
    top: int = typer.Option(10, "--top", min=0, help="Biggest clusters to show."),
) -> None:
    """Mark exact duplicates and cluster messages of one template (numbers and symbols masked).

    Copies of a text after the first are marked duplicates (trainers skip them); messages of one
    channel template, or of near-identical templates, share a cluster, which `signalos data split`
    keeps in one split. Running it again replaces the previous clusters.

    \b
      signalos data dedup
      signalos data dedup --threshold 0.9 --json
    """
    from signalos.dataset.dedup import dedup_dataset

    ws, ds = _dataset(workspace)
    err = common.console(stderr=True)
    with common.progress_bar(err, bar=False) as progress:
        task = progress.add_task("dedup")
        report = dedup_dataset(ds, threshold=threshold, num_perm=num_perm, biggest=top,
                               progress=lambda stage: progress.update(task, description=f"dedup: {stage}"))
    if as_json:
        common.print_json({"workspace": str(ws.path), **report.to_dict()})
        return
    typer.echo(f"{report.messages} messages: {report.duplicates} exact duplicates marked "
               f"({report.exact_groups} texts written more than once)")
    typer.echo(f"{report.templates} templates; {report.near_merges} merged as near-duplicates; "
               f"{report.clusters} clusters hold {report.clustered_messages} messages")
    if report.biggest:
        table = common.table(title="biggest clusters")
        for col, width in (("id", 4), ("kind", 13), ("size", 5), ("templates", 9)):
            table.add_column(col, justify="left" if col == "kind" else "right", no_wrap=True, min_width=width)
        table.add_column("example", overflow="ellipsis", no_wrap=True, max_width=60)
        for c in report.biggest:
            table.add_row(str(c["cluster_id"]), c["kind"], str(c["size"]), str(c["templates"]),
                          c["example"].replace("\n", " ⏎ ")[:70])
        common.console().print(table)


def split_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
    seed: int = typer.Option(13, "--seed", help="Random seed: the same data and seed give the same split."),
    ratios: str = typer.Option("0.8,0.1,0.1", "--ratios", metavar="TRAIN,VAL,TEST", help="Split proportions."),
    stratify: str = typer.Option("provider,language,kind", "--stratify", metavar="KEYS",
                                 help="Comma-separated keys among provider, language, kind, origin."),
) -> None:
    """Assign every message to train, validation or test: seeded, stratified, group-safe.

    Strata are provider x language x kind by default; a template cluster (from `signalos data
    dedup`) never spans two splits; strata of one or two messages are fine; augmented rows only
    go to train. The split hash is recorded in the workspace and printed.

    \b
      signalos data split
      signalos data split --seed 7 --ratios 0.7,0.15,0.15 --json
    """
    from signalos.dataset.split import parse_ratios, split_dataset

    keys = [k.strip() for k in stratify.split(",") if k.strip()]
    parsed = parse_ratios(ratios)
    ws, ds = _dataset(workspace)
    err = common.console(stderr=True)
    with common.progress_bar(err, bar=False) as progress:
        progress.add_task("splitting")
        report = split_dataset(ds, seed=seed, ratios=parsed, stratify=keys)
    if as_json:
        common.print_json({"workspace": str(ws.path), **report.to_dict()})
        return
    total = sum(report.counts.values())
    parts = ", ".join(f"{s} {c} ({report.proportions[s]:.1%})" for s, c in report.counts.items())
    typer.echo(f"split {total} messages: {parts}")
    typer.echo(f"{report.strata} strata ({' x '.join(report.stratify)}), {report.groups} groups, seed {report.seed}")
    if total and not report.clustered_messages:
        common.warn("no template clusters: run `signalos data dedup` first, or one template may span splits")
    if report.augmented_held_out:
        typer.echo(f"{report.augmented_held_out} augmented rows left out: their source is in validation or test")
    typer.echo(f"split hash {report.split_hash}  (run {report.run_id})")
