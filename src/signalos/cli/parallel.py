"""``signalos parse --input FILE --workers N``: chunks of input lines answered by worker processes.

The parent reads the input, cuts it into chunks of ``CHUNK_LINES`` physical lines and hands them
to a :class:`signalos.workers.WorkerPool`, at most two chunks per worker at a time. Each worker
runs the very function the one-process path runs (``parse.stream_jsonl``) on its chunk, numbering
lines from the chunk's first line, and sends back the text to write, the counts, the warnings for
bad lines and the errors its parsers raised; the parent writes them in input order. So the output
of N workers is byte for byte that of one, and memory does not grow with the input.
"""
from __future__ import annotations

import functools
import io
import itertools
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from signalos.cli import common
from signalos.workers import (
    MIN_ITEMS, HostRecipe, WorkerPool, default_workers, report_errors, take_worker_errors, worker_host,
)

# Lines a job. At ~100 µs a message a chunk is ~50 ms of work: the cost of sending it (a few
# hundred microseconds) is lost in it, and the parent's memory holds only a few of them.
CHUNK_LINES = 500
# An input this short is parsed in this process: starting the workers (each builds its own host,
# a few tenths of a second) would cost more than the second core saves.
MIN_LINES = MIN_ITEMS


def workers_for(requested: int | None, input_path: str) -> int:
    """How many processes parse ``input_path``: ``--workers`` when given; else every core for a
    file, and 1 for a pipe on stdin, whose lines are answered one by one as they arrive (workers
    answer in chunks, which a live feed would wait for)."""
    if requested is not None:
        return requested
    if input_path == "-" and not _stdin_is_file():
        return 1
    return default_workers()


def _stdin_is_file() -> bool:
    try:
        return stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no real stdin (a test runner's)
        return False


def host_factory() -> Callable[[], Any] | None:
    """How a worker builds the command's bare host: None for ``Host(config)``, else the host
    factory the app was built with (tests), called with the root ``--config``."""
    ctx = common._current_context()
    state = ctx.find_object(common.CliState) if ctx is not None else None
    if state is None or state.host_factory is None:
        return None
    return functools.partial(state.host_factory, state.config)


def recipe_for(host: Any) -> HostRecipe:
    """How a worker rebuilds the CLI's host, with the pipelines the command added (``--chain a,b``)."""
    return HostRecipe.of(host, host_factory())


def chunks(lines: Iterable[str], size: int = CHUNK_LINES, first_line: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(number of its first line, lines) for consecutive chunks of ``size`` physical lines."""
    it = iter(lines)
    while True:
        block = list(itertools.islice(it, size))
        if not block:
            return
        yield first_line, block
        first_line += len(block)


def _jsonl_chunk(first_line: int, lines: list[str], options: dict[str, Any]) -> tuple[str, Counter, list, list]:
    from signalos.cli.parse import stream_jsonl

    out = io.StringIO()
    warnings: list[str] = []
    counts = stream_jsonl(worker_host(), lines, out, first_line=first_line, warn=warnings.append, **options)
    return out.getvalue(), counts, warnings, take_worker_errors()


def stream_jsonl(host: Any, lines: Iterable[str], out: IO[str], workers: int, *, recipe: HostRecipe | None = None,
                 chunk: int = CHUNK_LINES, min_lines: int | None = None, inherit: bool = True,
                 **options: Any) -> Counter:
    """``parse.stream_jsonl`` on ``workers`` processes, with the same output, warnings and counts.
    ``options`` (pipeline, provider, attempts, batch) go to each worker's ``parse.stream_jsonl``
    and must pickle. An input of at most ``min_lines`` lines (default ``MIN_LINES``) is parsed
    here, by ``host``. Forked workers keep a copy of ``host`` instead of building their own
    (``inherit=False``: never; see ``signalos.workers.WorkerPool``)."""
    from signalos.cli import parse

    min_lines = MIN_LINES if min_lines is None else min_lines
    it = iter(lines)
    head = list(itertools.islice(it, min_lines + 1))
    if workers <= 1 or len(head) <= min_lines:
        return parse.stream_jsonl(host, itertools.chain(head, it), out, **options)
    counts: Counter = Counter()
    pool = WorkerPool(recipe or recipe_for(host), workers, pipelines=(options.get("pipeline"),),
                      inherit=host if inherit else None)
    with pool:
        jobs = ((first, block, options) for first, block in chunks(itertools.chain(head, it), chunk))
        del head  # the chunks hold these lines now
        for text, chunk_counts, warnings, errors in pool.imap(_jsonl_chunk, jobs):
            for warning in warnings:
                common.warn(warning)
            report_errors(host, errors)
            out.write(text)
            out.flush()
            counts.update(chunk_counts)
    return counts


def _rows_chunk(first_line: int, lines: list[str], provider: str | None, pipeline: str | None) -> tuple[list, list]:
    from signalos.cli.parse import parsed_rows

    return list(parsed_rows(worker_host(), lines, provider, pipeline, first_line)), take_worker_errors()


def parsed_rows(host: Any, lines: Iterable[str], workers: int, *, provider: str | None, pipeline: str | None,
                recipe: HostRecipe | None = None, chunk: int = CHUNK_LINES,
                min_lines: int | None = None) -> Iterator[tuple]:
    """``parse.parsed_rows`` on ``workers`` processes (the table of ``signalos parse --input``
    without ``--json``), in input order. The workers start before this returns: the caller may
    then start a progress bar's thread, which must not be running when they are forked."""
    rows = _parsed_rows(host, lines, workers, provider, pipeline, recipe, chunk, min_lines)
    first = next(rows, None)
    return iter(()) if first is None else itertools.chain((first,), rows)


def _parsed_rows(host, lines, workers, provider, pipeline, recipe, chunk, min_lines) -> Iterator[tuple]:
    from signalos.cli import parse

    min_lines = MIN_LINES if min_lines is None else min_lines
    it = iter(lines)
    head = list(itertools.islice(it, min_lines + 1))
    if workers <= 1 or len(head) <= min_lines:
        yield from parse.parsed_rows(host, itertools.chain(head, it), provider, pipeline)
        return
    with WorkerPool(recipe or recipe_for(host), workers, pipelines=(pipeline,), inherit=host) as pool:
        jobs = ((first, block, provider, pipeline) for first, block in chunks(itertools.chain(head, it), chunk))
        del head
        for rows, errors in pool.imap(_rows_chunk, jobs):
            report_errors(host, errors)
            yield from rows
