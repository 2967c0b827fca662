"""Archives beyond one machine: parse and evaluate a partitioned archive on a Dask cluster.

Needs the ``dask`` extra (``pip install 'signalos[dask]'``: dask with its dataframe, and
distributed). An archive is a directory (or glob, or list) of files, one partition each:

- JSON Lines (``*.jsonl``), one message a line as ``signalos parse --input`` reads them. The
  archive is a Dask bag of its files; each file streams, line by line, through the ``Host`` of
  the worker that takes it, and its answers are written to a file of the same name under the
  destination, line for line what ``signalos parse --input FILE --json`` writes.
- Parquet (``*.parquet``), one message a row, read with ``dask.dataframe.read_parquet``; each
  partition goes through the worker's host and comes out as a Parquet partition with the input's
  columns (less the text) and the answer's (nested values as JSON text): see
  :mod:`signalos.dask_parquet`.

Every worker process builds its host once, the first time a task needs it, from a
:class:`signalos.workers.HostRecipe` sent with the tasks (the client's configuration and
pipelines), and keeps it for every later partition. Nothing here depends on where the workers
run: a ``distributed.LocalCluster`` on one machine, or a scheduler with workers on many, which
must then all reach the archive and the destination (a shared file system, or any URL fsspec
knows: ``s3://``, ``gs://``, with its package installed).

    from distributed import Client, LocalCluster
    from signalos import Host
    from signalos.dask import parse_archive

    with Client(LocalCluster(n_workers=4, threads_per_worker=1)) as client:
        report = parse_archive("archive/", "parsed/", Host(), client=client)
    print(report["counts"], report["bad_lines"])
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from signalos.errors import InputError, MissingDependencyError, SignalosError
from signalos.workers import HostRecipe

if TYPE_CHECKING:
    from signalos.evaluation.scoring import Tolerance
    from signalos.host import Host

BAD_LINES_KEPT = 100  # per partition: a broken archive must not send millions of warnings back
ERRORS_KEPT = 50
EVAL_BATCH = 32  # Chain.parse_many batches, as signalos eval uses
FORMATS = ("jsonl", "parquet")


def require_modules(modules: tuple[str, ...]) -> None:
    """Raise MissingDependencyError naming the ``dask`` extra when one of ``modules`` is missing."""
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            raise MissingDependencyError(module.split(".")[0], "dask") from None


def require_dask() -> None:
    """Raise MissingDependencyError naming the extra when dask or distributed is missing."""
    require_modules(("dask", "dask.bag", "distributed"))


# the worker side ------------------------------------------------------------------------------

# Hosts of this worker process by recipe token: built once each, kept for every later task.
_hosts: dict[str, Host] = {}
_hosts_lock = threading.Lock()
# The errors a host records go to the list of the task running in that thread.
_task = threading.local()


def _collect_error(recorded: Any) -> None:
    errors = getattr(_task, "errors", None)
    if errors is not None and len(errors) < ERRORS_KEPT:
        errors.append(recorded)


def worker_host(recipe: HostRecipe, token: str) -> Host:
    """The host of this worker process for ``recipe`` (``token`` names it), built on first use."""
    host = _hosts.get(token)
    if host is None:
        with _hosts_lock:  # a worker with several threads builds it once
            host = _hosts.get(token)
            if host is None:
                host = recipe.build()
                host.error_listeners[:] = [_collect_error]
                _hosts[token] = host
    return host


def _task_report(host: Host) -> dict[str, Any]:
    return {"worker": f"{os.uname().nodename}:{os.getpid()}", "host": id(host)}


def _errors_of_task() -> list[dict[str, Any]]:
    return [{"component": e.component, "plugin": e.plugin, "error": e.error, "stage": e.stage}
            for e in getattr(_task, "errors", None) or ()]


def _open(path: str, mode: str):
    import fsspec

    return fsspec.open(path, mode, encoding="utf-8-sig" if "r" in mode else "utf-8",
                       errors="replace" if "r" in mode else "backslashreplace")


def parse_jsonl_file(source: str, dest: str, recipe: HostRecipe, token: str,
                     options: dict[str, Any]) -> dict[str, Any]:
    """One partition: parse ``source`` (JSON Lines) into ``dest``, as ``signalos parse --input
    --json`` would; returns what happened (counts, bad lines, parser errors, which worker)."""
    from signalos.cli.parse import stream_jsonl

    host = worker_host(recipe, token)
    _task.errors = []
    bad: list[str] = []
    try:
        with _open(source, "r") as lines, _open(dest, "w") as out:
            counts = stream_jsonl(host, lines, _Unflushed(out), warn=_keep_first(bad), **options)  # type: ignore[arg-type]
    finally:
        errors = _errors_of_task()
        _task.errors = None
    return {"source": source, "output": dest, "counts": dict(counts), "bad_lines": bad, "errors": errors,
            **_task_report(host)}


class _Unflushed:
    """A file whose flush() waits for close: stream_jsonl flushes every line for a terminal or a
    pipe, which for a partition file (perhaps on object storage) is only cost."""

    def __init__(self, out: Any):
        self.write = out.write

    def flush(self) -> None:
        pass


def _keep_first(kept: list[str]) -> Callable[[str], None]:
    def warn(text: str) -> None:
        if len(kept) < BAD_LINES_KEPT:
            kept.append(text)
    return warn


def evaluate_jsonl_file(source: str, dest: str, recipe: HostRecipe, token: str, pipeline: str,
                        tolerance: Tolerance, keep_uncertain: bool) -> dict[str, Any]:
    """One partition of a labelled archive: parse each row with ``pipeline``, judge it against its
    label, write one verdict a row to ``dest``; returns the verdicts' tally (see :func:`_tally`)."""
    from signalos.evaluation.data import parse_line
    from signalos.models import Message

    host = worker_host(recipe, token)
    chain = host.chain(pipeline)
    _task.errors = []
    tally: Counter = Counter()
    problems: list[str] = []
    n_problems = skipped = 0
    try:
        with _open(source, "r") as lines, _open(dest, "w") as out:
            rows: list[Any] = []
            for line_no, raw in enumerate(lines, 1):
                if not raw.strip():
                    continue
                try:
                    row = parse_line(line_no, raw, len(rows))
                except ValueError as exc:
                    n_problems += 1
                    if len(problems) < BAD_LINES_KEPT:
                        problems.append(f"line {line_no}: {exc}")
                    continue
                if row.uncertain and not keep_uncertain:
                    skipped += 1
                    continue
                rows.append(row)
                if len(rows) >= EVAL_BATCH:
                    _judge(chain, rows, tolerance, tally, out, Message)
                    rows = []
            if rows:
                _judge(chain, rows, tolerance, tally, out, Message)
    finally:
        errors = _errors_of_task()
        _task.errors = None
    return {"source": source, "output": dest, "tally": list(tally.items()), "problems": problems,
            "n_problems": n_problems, "skipped_uncertain": skipped, "errors": errors, **_task_report(host)}


def _judge(chain: Any, rows: list, tolerance: Any, tally: Counter, out: Any, message_cls: Any) -> None:
    from signalos.evaluation.scoring import score_row

    outcomes = chain.parse_many([message_cls(text=r.text, provider=r.provider, message_id=r.id) for r in rows])
    for row, outcome in zip(rows, outcomes):
        prediction = outcome.result.to_schema()
        score = score_row(row.label, prediction, tolerance)
        tally[_score_key(score)] += 1
        out.write(json.dumps({"id": row.id, "line": row.line, "kind": score.kind, "predicted_kind": score.pred_kind,
                              "exact": score.exact, "kind_ok": score.kind_ok, "fields": score.fields,
                              "prediction": outcome.result.to_dict()}, ensure_ascii=False) + "\n")


def _score_key(score: Any) -> tuple:
    # A RowScore as a hashable tuple: an archive's millions of verdicts fall into a few hundred
    # distinct ones, so a partition sends back counts, not rows.
    return (score.kind, score.pred_kind, score.kind_ok, score.exact,
            tuple(sorted(score.fields.items())), tuple(sorted(score.optional.items())))


# the client side -------------------------------------------------------------------------------

def _token(recipe: HostRecipe) -> str:
    import cloudpickle

    try:
        blob = cloudpickle.dumps(recipe)
    except Exception as exc:
        raise SignalosError(f"the host cannot be sent to Dask workers: {type(exc).__name__}: {exc}") from None
    return hashlib.sha256(blob).hexdigest()[:16]


def archive_files(source: str | os.PathLike | Sequence[str], fmt: str) -> list[str]:
    """The partition files of an archive: a directory's ``*.jsonl`` / ``*.parquet`` files (sorted),
    a glob, or a list of paths/URLs."""
    import fsspec

    if isinstance(source, (list, tuple)):
        return [str(s) for s in source]
    source = str(source)
    fs, _, paths = fsspec.get_fs_token_paths(source)
    if len(paths) == 1 and fs.isdir(paths[0]):
        paths = sorted(p for p in fs.find(paths[0]) if p.endswith(f".{fmt}"))
    if not paths:
        raise InputError(f"{source}: no .{fmt} file in this archive")
    protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
    return [p if protocol in ("file", "local") else f"{protocol}://{p}" for p in paths]


def guess_format(source: Any) -> str:
    """``parquet`` when the archive holds .parquet files, else ``jsonl``."""
    try:
        archive_files(source, "parquet")
        return "parquet"
    except (InputError, OSError, ValueError):
        return "jsonl"


def _dest_path(dest: str, source: str, root: str | None) -> str:
    # The output of a partition keeps the partition's path under the archive's root, so two
    # files of the same name in two folders do not overwrite each other.
    rel = os.path.relpath(source, root) if root else os.path.basename(source)
    return dest.rstrip("/") + "/" + rel.replace(os.sep, "/")


def _root(source: Any) -> str | None:
    if isinstance(source, (list, tuple)):
        return os.path.commonpath([os.path.dirname(str(s)) for s in source]) if source else None
    path = str(source)
    return path if os.path.isdir(path) else os.path.dirname(path)


def _run(tasks: list[Any], client: Any, progress: Callable[[int], None] | None) -> list[Any]:
    """Compute dask delayed ``tasks``: on ``client`` (or the default client) as futures, ticking
    ``progress(1)`` as each partition ends, else with dask's default scheduler."""
    import dask

    if client is None:
        try:
            from distributed import get_client

            client = get_client()
        except (ImportError, ValueError):
            client = None
    if client is None:
        return list(dask.compute(*tasks))
    from distributed import as_completed

    futures = client.compute(tasks)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    for future in as_completed(futures):
        results[index[future.key]] = future.result()
        if progress is not None:
            progress(1)
    return results


def parse_archive(source: Any, dest: str | os.PathLike, host: Host, *, client: Any = None,
                  pipeline: str | None = None, provider: str | None = None, attempts: bool = False,
                  fmt: str | None = None, text_column: str = "text",
                  host_factory: Callable[[], Host] | None = None,
                  progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Parse every partition of ``source`` on the Dask workers into ``dest`` (a directory, made
    if missing); returns a report: partitions, counts by kind, bad lines (the first of each
    partition, named ``file:line``), parser errors, and the workers that took part.

    ``host`` gives the configuration and pipelines; each worker builds its own from it (or with
    ``host_factory``, as :class:`~signalos.workers.HostRecipe` says). ``client``: a
    ``distributed.Client`` (default: the current one; without one, dask's local scheduler)."""
    require_dask()
    fmt = fmt or guess_format(source)
    if fmt not in FORMATS:
        raise SignalosError(f"unknown archive format {fmt!r}; expected one of {', '.join(FORMATS)}")
    pipeline = host.chain(pipeline).pipeline.name  # a typo fails here, before any worker starts
    recipe = HostRecipe.of(host, host_factory)
    token = _token(recipe)
    options = {"pipeline": pipeline, "provider": provider, "attempts": attempts}
    dest = str(dest)
    if fmt == "parquet":
        from signalos.dask_parquet import parse_parquet

        return parse_parquet(source, dest, recipe, token, options, text_column, client)
    import dask
    import dask.bag

    files = archive_files(source, "jsonl")
    root = _root(source)
    _makedirs(dest, [_dest_path(dest, f, root) for f in files])
    bag = dask.bag.from_sequence([(f, _dest_path(dest, f, root)) for f in files], npartitions=len(files))
    parts = bag.map(lambda pair: parse_jsonl_file(pair[0], pair[1], recipe, token, options))
    reports = _run(parts.to_delayed(), client, progress)
    reports = [r for part in reports for r in part]
    counts: Counter = Counter()
    for r in reports:
        counts.update(r["counts"])
    bad = [f"{r['source']}: {line}" for r in reports for line in r["bad_lines"]]
    return {"format": "jsonl", "source": str(source), "dest": dest, "pipeline": pipeline,
            "partitions": len(reports), "messages": sum(counts.values()) - counts["error"],
            "counts": dict(counts), "bad_lines": bad, "errors": _merge_errors(reports),
            "workers": _workers(reports), "outputs": [r["output"] for r in reports]}


def _makedirs(dest: str, outputs: Iterable[str]) -> None:
    import fsspec

    fs, _, _ = fsspec.get_fs_token_paths(dest)
    for folder in sorted({o.rsplit("/", 1)[0] for o in outputs} | {dest}):
        fs.makedirs(folder, exist_ok=True)


def _merge_errors(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple, dict[str, Any]] = {}
    for r in reports:
        for e in r["errors"]:
            key = (e["component"], e["error"])
            if key not in seen:
                seen[key] = {**e, "partition": r["source"]}
    return list(seen.values())


def _workers(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Per worker process: how many partitions it took and how many hosts it built (one)."""
    out: dict[str, Any] = {}
    for r in reports:
        w = out.setdefault(r["worker"], {"partitions": 0, "hosts": set()})
        w["partitions"] += 1
        w["hosts"].add(r["host"])
    return {k: {"partitions": v["partitions"], "hosts": len(v["hosts"])} for k, v in sorted(out.items())}


def evaluate_archive(source: Any, dest: str | os.PathLike, host: Host, *, client: Any = None,
                     chain: str | None = None, threshold: float | None = None, fallback: str | None = None,
                     tolerance: Tolerance | None = None, keep_uncertain: bool = False,
                     host_factory: Callable[[], Host] | None = None,
                     progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Evaluate ``chain`` on a labelled JSON Lines archive (the ``signalos eval --data`` format,
    one file a partition) on the Dask workers: one verdict a row to ``dest``, and the summary of
    ``signalos eval`` (exact match, kind accuracy, per-kind and per-field figures) over all rows."""
    require_dask()
    import dask.bag

    from signalos.evaluation.run import resolve_chain
    from signalos.evaluation.scoring import DEFAULT_TOLERANCE, RowScore, summarize

    tolerance = tolerance or DEFAULT_TOLERANCE
    pipeline = resolve_chain(host, chain or host.config.default_pipeline, threshold, fallback).pipeline.name
    recipe = HostRecipe.of(host, host_factory)
    token = _token(recipe)
    files = archive_files(source, "jsonl")
    root = _root(source)
    dest = str(dest)
    _makedirs(dest, [_dest_path(dest, f, root) for f in files])
    bag = dask.bag.from_sequence([(f, _dest_path(dest, f, root)) for f in files], npartitions=len(files))
    parts = bag.map(lambda pair: evaluate_jsonl_file(pair[0], pair[1], recipe, token, pipeline, tolerance,
                                                     keep_uncertain))
    reports = [r for part in _run(parts.to_delayed(), client, progress) for r in part]
    tally: Counter = Counter()
    for r in reports:
        for key, n in r["tally"]:
            tally[_as_key(key)] += n

    def verdicts():
        for (kind, pred_kind, kind_ok, exact, fields, optional), n in tally.items():
            score = RowScore(kind, pred_kind, kind_ok, exact, dict(fields), dict(optional))
            for _ in range(n):
                yield score

    return {"source": str(source), "dest": dest, "chain": pipeline, "partitions": len(reports),
            "summary": summarize(verdicts()),
            "problems": [f"{r['source']}: {p}" for r in reports for p in r["problems"]],
            "n_problems": sum(r["n_problems"] for r in reports),
            "skipped_uncertain": sum(r["skipped_uncertain"] for r in reports),
            "errors": _merge_errors(reports), "workers": _workers(reports),
            "tolerance": tolerance.to_dict()}


def _as_key(key: Any) -> tuple:
    # a tally key comes back as lists when a scheduler serialises it as msgpack
    kind, pred_kind, kind_ok, exact, fields, optional = key
    return (kind, pred_kind, kind_ok, exact, tuple(map(tuple, fields)), tuple(map(tuple, optional)))


__all__ = ["archive_files", "evaluate_archive", "evaluate_jsonl_file", "parse_archive", "parse_jsonl_file",
           "require_dask", "worker_host"]
