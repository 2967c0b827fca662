"""``signalos archive parse|eval``: a partitioned archive through a Dask cluster (``signalos[dask]``)."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Optional

import typer

from signalos.cli import common
from signalos.cli.exitcodes import exit_if_skipped


def register(app: typer.Typer) -> None:
    """Add the ``archive`` command group to ``app``."""
    archive_app = typer.Typer(add_completion=False, no_args_is_help=True,
                              help="Parse or evaluate a partitioned archive on a Dask cluster (signalos[dask]).")
    archive_app.command("parse")(parse_command)
    archive_app.command("eval")(eval_command)
    app.add_typer(archive_app, name="archive")


SCHEDULER_HELP = ("Address of a running Dask scheduler (tcp://host:8786); default: a cluster of --workers "
                  "processes on this machine.")
WORKERS_HELP = "Worker processes of the local cluster (default: every core); ignored with --scheduler."


def parse_command(
    source: str = typer.Argument(..., help="The archive: a directory of .jsonl or .parquet files, a glob, or a URL."),
    dest: str = typer.Argument(..., help="Where the answers go: one file per partition, same names."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="jsonl|parquet",
                                      help="The archive's format (default: parquet when it holds .parquet files)."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p", help="Pipeline of signalos.toml to use."),
    chain: Optional[str] = typer.Option(None, "--chain", metavar="A,B", help="Parser names to try in order."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Provider of messages whose line names none."),
    attempts: bool = typer.Option(False, "--attempts", help="Include every parser's attempt (JSON Lines)."),
    text_column: str = typer.Option("text", "--text-column", help="Parquet: the column holding the message."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, metavar="N", help=WORKERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Parse every message of an archive, partition by partition, on Dask workers.

    Each worker builds its host once and streams its partitions through it; the answers of a
    JSON Lines partition are what `signalos parse --input FILE --json` writes for it. Bad lines
    are named (file: line N) and skipped; the exit status is then 3.

    \b
      signalos archive parse archive/ parsed/ --workers 4
      signalos archive parse s3://bucket/messages/ s3://bucket/parsed/ --scheduler tcp://10.0.0.5:8786
    """
    from signalos import dask as archive
    from signalos.cli import parallel
    from signalos.cli.parse import _pipeline_name

    archive.require_dask()
    host = common.make_host()
    pipeline_name = _pipeline_name(host, pipeline, chain)
    with _client(scheduler, workers) as client, _progress(as_json) as tick:
        report = archive.parse_archive(source, dest, host, client=client, pipeline=pipeline_name, provider=provider,
                                       attempts=attempts, fmt=fmt, text_column=text_column,
                                       host_factory=parallel.host_factory(), progress=tick)
    for line in report.get("bad_lines", ()):
        common.warn(line)
    if as_json:
        common.print_json(report)
    else:
        _show(report, f"{report['messages']} messages in {report['partitions']} partitions of {source} → {dest}",
              report["counts"])
    exit_if_skipped(report["counts"].get("error", 0))


def eval_command(
    source: str = typer.Argument(..., help="The labelled archive: a directory of .jsonl files ({'id', 'text', 'label'})."),
    dest: str = typer.Argument(..., help="Where the verdicts go: one file per partition, one line per message."),
    chain: Optional[str] = typer.Option(None, "--chain", metavar="PIPELINE|A,B",
                                        help="A configured pipeline, or parser names tried in order."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=1.0,
                                              help="Confidence threshold of a chain given as parser names."),
    fallback: Optional[str] = typer.Option(None, "--fallback", metavar="first|vote", help="As for signalos eval."),
    keep_uncertain: bool = typer.Option(False, "--keep-uncertain", help="Evaluate rows labelled uncertain too."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, metavar="N", help=WORKERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Evaluate a chain on a labelled archive on Dask workers: exact match, kinds and fields over
    every message (the figures of `signalos eval`), and one verdict per message in DEST.

    \b
      signalos archive eval labelled/ verdicts/ --chain regex --json
    """
    from signalos import dask as archive
    from signalos.cli import parallel

    archive.require_dask()
    host = common.make_host()
    with _client(scheduler, workers) as client, _progress(as_json) as tick:
        report = archive.evaluate_archive(source, dest, host, client=client, chain=chain, threshold=threshold,
                                          fallback=fallback, keep_uncertain=keep_uncertain,
                                          host_factory=parallel.host_factory(), progress=tick)
    for line in report["problems"]:
        common.warn(f"{line} (line skipped)")
    if as_json:
        common.print_json(report)
    else:
        s = report["summary"]
        _show(report, f"{report['chain']} on {s['n']} messages in {report['partitions']} partitions of {source}: "
                      f"exact match {100 * (s['exact_match'] or 0):.1f}%, kind accuracy "
                      f"{100 * (s['kind_accuracy'] or 0):.1f}%", {k: v["n"] for k, v in s["by_kind"].items()})
    exit_if_skipped(report["n_problems"])


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None):
    """A Dask client: of the scheduler at ``scheduler``, or of a cluster of ``workers`` local
    processes (one thread each: the regex chain holds the GIL) made for this command."""
    import logging

    from distributed import Client, LocalCluster

    from signalos.workers import default_workers

    # distributed logs every worker start and stop at INFO; the command's own report is enough
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _progress(as_json: bool):
    with common.progress_bar(bar=False, show=not as_json) as progress:
        yield common.progress_task(progress, "partitions done", None)


def _show(report: dict[str, Any], headline: str, counts: dict[str, int]) -> None:

    console = common.console()
    console.print(headline)
    table = common.table("kind", "messages")
    for kind, n in sorted(counts.items()):
        table.add_row(kind, str(n))
    console.print(table)
    for worker, w in (report.get("workers") or {}).items():
        console.print(f"worker {worker}: {w['partitions']} partitions, {w['hosts']} host built")
    for e in report.get("errors") or ():
        console.print(f"[yellow]parser error[/] {e['component']}: {e['error']} (first in {e['partition']})")
    if report.get("dest"):
        console.print(f"written to {Path(report['dest'])}")
