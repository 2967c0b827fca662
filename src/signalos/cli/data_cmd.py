"""``signalos data``: the dataset of the workspace (import, export, review, feedback, stats).

The ``data`` group is built here; ``signalos.cli.data_prep`` (align, dedup, split) and
``signalos.cli.data_gen`` (augment, synth) add their commands to it through ``register(data_app)``
when they are installed. The work itself is in ``signalos.dataset``; this module reads options,
shows progress and prints reports.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from signalos.cli import common
from signalos.cli.exitcodes import exit_if_skipped

_WORKSPACE_HELP = "Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos)."
# Below this many records a progress bar only flickers.
_PROGRESS_MIN = 1000


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group (and the groups' plug-in modules) to ``app``."""
    data_app = typer.Typer(add_completion=False, no_args_is_help=True,
                           help="The workspace dataset: import, align, dedup, split, augment, export, review.")
    data_app.command("import")(import_command)
    data_app.command("export")(export_command)
    review_app = typer.Typer(add_completion=False, no_args_is_help=True,
                             help="Round trip a slice through any annotation tool: export it, import the corrections.")
    review_app.command("export")(review_export_command)
    review_app.command("import")(review_import_command)
    data_app.add_typer(review_app, name="review")
    data_app.command("feedback")(feedback_command)
    data_app.command("stats")(stats_command)
    from signalos.cli import data_gen, data_prep

    data_prep.register(data_app)
    data_gen.register(data_app)
    app.add_typer(data_app, name="data")


def _dataset(workspace: Optional[Path]):
    import os

    from signalos.dataset.repository import Dataset
    from signalos.store import Workspace

    # Dataset commands need no parser: build the host (and load every plugin) only when the
    # workspace has to come from the configuration, so a broken plugin cannot block an import.
    where = workspace or os.environ.get("SIGNALOS_WORKSPACE")
    ws = Workspace(where) if where else Workspace.for_host(common.make_host())
    return ws, Dataset.open(ws)


def _progress(console: Console, description: str, total: int | None, enabled: bool = True):
    """A progress bar on stderr, shown only on a terminal and only for long work."""
    progress = common.progress_bar(console, show=enabled)
    return progress, common.progress_task(progress, description, total)


def import_command(
    file: Path = typer.Argument(..., metavar="FILE", help="The file to import."),
    fmt: str = typer.Option("auto", "--format", "-f", metavar="auto|jsonl|csv|text|telegram",
                            help="The file's format (auto: from its extension and content)."),
    provider: Optional[str] = typer.Option(None, "--provider", "-p",
                                           help="Provider of messages that do not name one (Telegram: instead of the chat name)."),
    source: str = typer.Option("import", "--source", metavar="human|import", help="Who made the file's labels."),
    verified: bool = typer.Option(False, "--verified", help="Mark the file's labels as checked by a human."),
    per_line: bool = typer.Option(False, "--per-line", help="Plain text: one message per line (default: per blank-line block)."),
    chunk_size: int = typer.Option(1000, "--chunk-size", min=1, help="Messages per database transaction."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Import messages (and their labels) from JSON Lines, CSV, plain text or a Telegram export.

    Importing the same file again adds nothing; an interrupted import is finished by running it
    again. A record that cannot be read is reported with its position and skipped, every other
    record is imported, and the exit status is then 3. Several imports into one workspace at
    once wait for each other.

    \b
      signalos data import labelled.jsonl
      signalos data import result.json --format telegram
      signalos data import posts.txt --provider my-channel --per-line
    """
    from signalos.dataset.importers import FORMATS, count_records, detect_format, import_file

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    ws, ds = _dataset(workspace)
    err = common.console(stderr=True)
    total = None
    if err.is_terminal and file.is_file():
        total = count_records(file, detect_format(file) if fmt == "auto" else fmt)
    progress, advance = _progress(err, f"importing {file.name}", total,
                                  enabled=total is None or total > _PROGRESS_MIN)
    with progress:
        report = import_file(ds, file, fmt, provider=provider, source=source, verified=verified,
                             per_line=per_line, chunk_size=chunk_size, progress=advance,
                             on_problem=lambda p: common.warn(
                                 f"{file}: {p.position}: {p.error}" + ("" if p.kept else " (skipped)")))
    if as_json:
        common.print_json({"workspace": str(ws.path), **report.to_dict()})
    else:
        note = " (already imported: nothing new)" if report.already_imported and not report.added else ""
        note = " (finished an interrupted import)" if report.resumed else note
        typer.echo(f"{file}: {report.records} records, {report.added} added, {report.skipped} already there, "
                   f"{len(report.problems)} problems; batch {report.batch_id} in {ws.path}{note}")
    exit_if_skipped(len(report.problems))


def export_command(
    fmt: str = typer.Option("jsonl", "--format", "-f", metavar="jsonl|hf|spacy",
                            help="jsonl: schema corpus lines; hf: tokens with BIO tags; spacy: DocBin files."),
    split: str = typer.Option("all", "--split", "-s", metavar="train|validation|test|all", help="Which split to write."),
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Directory to write into."),
    include_unlabelled: bool = typer.Option(False, "--include-unlabelled", help="jsonl: unlabelled messages too."),
    keep_duplicates: bool = typer.Option(False, "--keep-duplicates", help="Messages marked duplicate by dedup too."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Write the labelled dataset by split for a trainer: schema JSONL, Hugging Face or spaCy.

    Spans not on token boundaries are widened to whole tokens and counted, never dropped silently.

    \b
      signalos data export --format hf --out export/hf
      signalos data export --format spacy --split train --out export/spacy
    """
    from signalos.dataset.export import export_dataset

    ws, ds = _dataset(workspace)
    err = common.console(stderr=True)
    total = ds.count(split=None if split == "all" else split, only_labelled=not include_unlabelled,
                     include_duplicates=keep_duplicates) if err.is_terminal else None
    progress, advance = _progress(err, f"exporting {fmt}", total, enabled=bool(total and total > _PROGRESS_MIN))
    with progress:
        report = export_dataset(ds, fmt, out, split=split, include_unlabelled=include_unlabelled,
                                include_duplicates=keep_duplicates, progress=advance)
    figures = report.get("span_figures") or {}
    if figures.get("expanded_to_token") or figures.get("dropped_overlap"):
        common.warn(f"{figures['expanded_to_token']} spans widened to whole tokens, {figures['dropped_overlap']} "
                    f"dropped (overlapping) of {figures['spans']}")
    if isinstance(report.get("hf_dataset"), dict):
        common.warn(f"{report['hf_dataset']['error']}; the JSONL files are complete")
    left_out = report["left_out_without_spans"]["count"]
    if left_out:
        common.warn(f"{left_out} labelled rows have no spans and were left out (run `signalos data align`)")
    if as_json:
        common.print_json({"workspace": str(ws.path), **report})
        return
    rows = ", ".join(f"{k} {v}" for k, v in sorted(report["rows"].items())) or "no rows"
    typer.echo(f"{fmt} export of {report['total']} rows ({rows}) to {report['out']}")
    for path in report["files"]:
        typer.echo(f"  {path}")
    if isinstance(report.get("hf_dataset"), str):
        typer.echo(f"  {report['hf_dataset']} (datasets.load_from_disk)")
    if figures:
        typer.echo(f"spans: {figures['spans']}, on token boundaries {figures['exact']}, widened "
                   f"{figures['expanded_to_token']}, dropped {figures['dropped_overlap']}")


def review_export_command(
    out: Path = typer.Option(..., "--out", "-o", metavar="FILE.jsonl", help="Where to write the slice."),
    where: str = typer.Option("unverified", "--where", metavar="unverified|queue|uncertain|unlabelled|all",
                              help="Which messages: queue = the open review queue, worst template first."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", min=1, help="At most this many."),
    provider: Optional[str] = typer.Option(None, "--provider", "-p", help="Only this provider's messages."),
    split: Optional[str] = typer.Option(None, "--split", "-s", help="Only this split (none = unsplit)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Write a slice of the dataset to JSON Lines for annotation (edit each line's "label")."""
    from signalos.dataset.review import export_review

    ws, ds = _dataset(workspace)
    report = export_review(ds, out, where=where, limit=limit, provider=provider, split=split)
    if as_json:
        common.print_json({"workspace": str(ws.path), **report})
    else:
        typer.echo(f"{report['rows']} messages ({where}) written to {report['path']}; edit their labels, then "
                   f"`signalos data review import {report['path']}`")


def review_import_command(
    file: Path = typer.Argument(..., metavar="FILE.jsonl", help="The corrected file (from review export or any tool)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Read corrected labels back: each becomes the message's label, verified, by a human."""
    from signalos.dataset.review import import_review

    ws, ds = _dataset(workspace)
    report = import_review(ds, file)
    for p in report["problems"]:
        common.warn(f"{file}: {p['position']}: {p['error']} (skipped)")
    if as_json:
        common.print_json({"workspace": str(ws.path), **report})
    else:
        typer.echo(f"{report['labelled']} verified labels stored, {report['skipped']} lines skipped, "
                   f"{report['queue_closed']} queue entries closed, {len(report['problems'])} problems")
    exit_if_skipped(len(report["problems"]))


def feedback_command(
    corrections: Optional[Path] = typer.Option(None, "--corrections", metavar="FILE.jsonl",
                                               help='Corrections: {"text", "label", "provider"?} per line.'),
    from_log: bool = typer.Option(True, "--log/--no-log", help="Read the production parse log."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Queue failed and corrected parses for review, ranked by how often their template fails."""
    from signalos.dataset.feedback import collect_feedback

    ws, ds = _dataset(workspace)
    report = collect_feedback(ds, corrections, from_log=from_log)
    for p in report["problems"]:
        common.warn(f"{corrections}: {p['position']}: {p['error']}" + ("" if p["message_kept"] else " (skipped)"))
    if as_json:
        common.print_json({"workspace": str(ws.path), **report})
        exit_if_skipped(len(report["problems"]))
        return
    typer.echo(f"{report['failures']} failures, {report['queued']} queued ({report['already_queued']} already "
               f"queued), {report['open']} open in the review queue")
    if report["top_templates"]:
        table = common.table(title="templates that fail most")
        table.add_column("failures", justify="right")
        table.add_column("example")
        for t in report["top_templates"]:
            table.add_row(str(t["failures"]), t["example"].replace("\n", " ⏎ "))
        common.console().print(table)
    typer.echo("next: signalos data review export --where queue --out review.jsonl")
    exit_if_skipped(len(report["problems"]))


def stats_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help=_WORKSPACE_HELP),
) -> None:
    """Counts by provider, language, kind and split; verified rate; coverage; the quality score."""
    from signalos.dataset.stats import dataset_stats

    ws, ds = _dataset(workspace)
    s = dataset_stats(ds)
    if as_json:
        common.print_json({"workspace": str(ws.path), **s})
        return
    console = common.console()
    typer.echo(f"{s['messages']} messages in {ws.path}: {s['labelled']} labelled, {s['verified']} verified "
               f"({s['verified_rate']:.0%}), {s['uncertain']} uncertain, {s['duplicates_removed']} duplicates "
               f"removed, {s['augmented']} augmented, {s['synthetic']} synthetic")
    for title, key in (("kind", "by_kind"), ("split", "by_split"), ("language", "by_language"),
                       ("provider", "by_provider")):
        table = common.table(title=f"by {title}")
        table.add_column(title)
        table.add_column("messages", justify="right")
        items = list(s[key].items())
        for k, v in items[:15]:
            table.add_row(k, str(v))
        if len(items) > 15:
            table.add_row(f"... {len(items) - 15} more", str(sum(v for _, v in items[15:])))
        console.print(table)
    cov = s["coverage"]
    typer.echo(f"coverage: {cov['providers']} providers x {len(cov['languages'])} languages, "
               f"{cov['cells_filled']} of {cov['cells']} combinations have messages")
    q = s["quality"]
    typer.echo(f"quality score: {q['score']} / 100  ("
               + ", ".join(f"{k} {v:.0%}" for k, v in q["shares"].items()) + ")")
    typer.echo(q["definition"])
