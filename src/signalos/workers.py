"""Parsing on every core: a pool of worker processes, each with its own ``Host``.

``signalos parse --input --workers N`` and ``signalos eval --workers N`` hand work to a
:class:`WorkerPool`. Each worker process builds its host once, when it starts, from a
:class:`HostRecipe` (the parent's configuration, ad hoc ``--chain`` pipelines included), and
then answers chunks of work. :meth:`WorkerPool.imap` sends the chunks out in input order, keeps
at most ``in_flight`` of them out at a time, and gives the answers back in the same order: the
output of N workers is the output of one, and memory stays flat however long the input is.

Processes, not threads: the regex chain is pure Python (or mypyc-compiled Python) holding the
GIL, so threads would share one core. Processes are forked where the platform can (Linux), so a
worker starts with the parent's modules already imported and a recipe needs no pickling; elsewhere
they are spawned and the recipe must pickle (``Host(config)`` does; a test's lambda does not).
"""
from __future__ import annotations

import collections
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from signalos.errors import SignalosError

if TYPE_CHECKING:
    from signalos.config import Config
    from signalos.host import Host, RecordedError
    from signalos.models import ChainOutcome, Message


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@attrs.frozen
class HostRecipe:
    """How a worker builds a host that answers as the parent's does.

    ``config`` is the parent host's configuration as it is now, pipelines added at run time
    (``--chain a,b``) included. ``factory`` builds the bare host when plugins come from somewhere
    other than the installed entry points (tests pass ``lambda: Host(load_entrypoints=False,
    plugins=[...])``); by default it is ``Host(config)``.
    """

    config: Config
    factory: Callable[[], Host] | None = None

    @classmethod
    def of(cls, host: Host, factory: Callable[[], Host] | None = None) -> HostRecipe:
        """The recipe of a host built by ``factory`` (None: ``Host(config)``) whose pipelines are
        those of ``host`` now."""
        return cls(host.config, factory)

    def build(self) -> Host:
        if self.factory is None:
            from signalos.host import Host

            return Host(self.config)
        host = self.factory()
        host.config = self.config  # the pipelines the parent added at run time
        return host


# The one host of a worker process, built by _start_worker; the parent never sets it. Its errors
# (a parser that raised) are kept here and sent back with the chunk that raised them, so the
# parent reports each distinct error once, in order, instead of N workers printing it N times.
_worker_host: Host | None = None
_worker_start_error: str | None = None
_worker_errors: list[RecordedError] = []


_worker_barrier: Any = None


def _start_worker(recipe: HostRecipe, barrier: Any, inherited: Host | None = None) -> None:
    global _worker_host, _worker_start_error, _worker_barrier
    _worker_barrier = barrier
    # Ctrl-C goes to the whole process group: the parent stops the pool, the workers must not
    # each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if "torch" in sys.modules:
        # A forked child that runs torch on the OpenMP threads its parent started hangs; one
        # thread a worker avoids them (torch's DataLoader workers do the same), and N processes
        # of one thread each are what --workers asks for anyway.
        sys.modules["torch"].set_num_threads(1)
    try:
        # A forked worker may keep the parent's started host: its own copy, written to by no one
        # else, and no second build of every parser (a few tenths of a second each).
        host = inherited if inherited is not None else recipe.build()
        host.error_listeners[:] = [_worker_errors.append]
        _worker_host = host
    except BaseException as exc:  # reported by the parent through _ready, naming the cause
        _worker_start_error = f"{type(exc).__name__}: {exc}"


def _ready(pipelines: Sequence[str | None]) -> str | None:
    """Run once in each worker: start the chains (the parsers load their models), or say why
    not. The barrier holds each worker here until all have started, so no worker takes two."""
    problem = _worker_start_error
    if problem is None:
        try:
            for name in pipelines:
                worker_host().chain(name)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
    try:
        _worker_barrier.wait(timeout=_START_TIMEOUT_S)
    except Exception:  # threading.BrokenBarrierError: a sibling never started
        problem = problem or f"the other workers did not start within {_START_TIMEOUT_S} s"
    return problem


# A learned parser may take a minute to load (the llm de-quantises); a worker that has not
# started after this long is taken for hung.
_START_TIMEOUT_S = 900


def worker_host() -> Host:
    """The host of the current worker process (for a chunk function running in a pool)."""
    if _worker_start_error is not None:
        raise SignalosError(f"this worker process could not start: {_worker_start_error}")
    if _worker_host is None:
        raise RuntimeError("worker_host() is only available inside a WorkerPool worker")
    return _worker_host


def take_worker_errors() -> list[RecordedError]:
    """The errors the worker's host recorded since the last call (a chunk function returns them)."""
    errors = list(_worker_errors)
    _worker_errors.clear()
    return errors


def report_errors(host: Host, errors: Iterable[RecordedError]) -> None:
    """Record errors a worker's host raised as if ``host`` had raised them: kept in
    ``host.errors`` and passed to its listeners (the CLI prints each distinct one once)."""
    for recorded in errors:
        # Through host.record_error, the one door every error takes (a test suite watches it),
        # with an exception of the same type name and text as the worker's: the same line.
        name, _, text = recorded.error.partition(": ")
        replayed = type(name, (Exception,), {})(text)
        host.record_error(recorded.component, recorded.plugin, replayed, recorded.traceback, stage=recorded.stage)


def _before_fork(host: Host) -> None:
    """Close what a forked copy of ``host`` must not share: the workspace database connections
    of its alias watchers (every parser follows its model's alias). SQLite forbids using a
    connection in a child of the process that opened it; closed here, each process (the parent
    too) opens its own on its next check."""
    for watcher in getattr(host, "_alias_watchers", {}).values():  # the host's only connections
        watcher.close()


def _context(start_method: str | None = None):
    import multiprocessing

    if start_method is not None:
        return multiprocessing.get_context(start_method)

    # Linux: fork. A worker starts with every module the parent imported, in milliseconds, keeps
    # the parent's started host, and nothing is pickled. A lock another thread of the parent
    # holds at the fork stays locked in the child; the only threads a command runs (a progress
    # bar's refresher, a Dask client's event loop) hold the console's and their own, which a
    # worker never takes. Elsewhere the platform's default (spawn: fork is unsafe on macOS),
    # where the recipe must pickle.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class WorkerPool:
    """``workers`` processes, each with the host of ``recipe``; use as a context manager.

    Entering starts every worker and waits until each has built its host and started
    ``pipelines``; a worker that cannot is a SignalosError naming the cause. Leaving stops them.
    With ``inherit`` (the parent's started host), forked workers keep their copy of it instead
    of building one (``inherited`` then says so); workers started otherwise build from ``recipe``.
    """

    def __init__(self, recipe: HostRecipe, workers: int, *, pipelines: Sequence[str | None] = (None,),
                 in_flight: int | None = None, inherit: Host | None = None, start_method: str | None = None):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.recipe = recipe
        self.inherit = inherit
        self.start_method = start_method  # None: fork on Linux, else the platform's default
        self.workers = workers
        self.pipelines = tuple(pipelines)
        # Two chunks a worker: one being answered, one waiting, so no worker idles while the
        # parent writes; more would only hold more memory.
        self.in_flight = in_flight or 2 * workers
        self._executor: Any = None
        self.inherited = False

    def __enter__(self) -> WorkerPool:
        from concurrent.futures import ProcessPoolExecutor

        context = _context(self.start_method)
        # The parent's host goes to forked workers as it is, never pickled.
        inherited = self.inherit if context.get_start_method() == "fork" else None
        if inherited is not None:
            _before_fork(inherited)
        self.inherited = inherited is not None
        self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=_start_worker,
                                             initargs=(self.recipe, context.Barrier(self.workers), inherited))
        forking = context.get_start_method() == "fork"
        if forking:
            # Everything the parent holds so far goes to the permanent generation: a worker's
            # garbage collector then never walks the inherited heap, which would copy its pages
            # into every worker (the gc.freeze() recipe of the gc module's documentation).
            gc.freeze()
        try:
            # One _ready per worker: the first submit starts every worker, and the barrier in
            # _ready makes each worker answer exactly one of them.
            futures = [self._executor.submit(_ready, self.pipelines) for _ in range(self.workers)]
            problems = {f.result() for f in futures} - {None}
        except BaseException as exc:
            self.__exit__(None, None, None)
            raise SignalosError(f"the worker processes could not start: {type(exc).__name__}: {exc}") from exc
        finally:
            if forking:
                gc.unfreeze()  # in the parent; the workers, forked by now, keep theirs frozen
        if problems:
            self.__exit__(None, None, None)
            raise SignalosError(f"a worker process could not start: {sorted(problems)[0]}")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def imap(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        """``fn(*job)`` for each job, run in the workers, answered in the order of ``jobs``; at
        most ``in_flight`` jobs are out at once, so ``jobs`` is read only as fast as answers are
        taken. ``fn`` must be a module-level function (it travels by name)."""
        from concurrent.futures.process import BrokenProcessPool

        if self._executor is None:
            raise RuntimeError("WorkerPool.imap outside its with-block")
        pending: collections.deque = collections.deque()
        try:
            for job in jobs:
                pending.append(self._executor.submit(fn, *job))
                if len(pending) >= self.in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool as exc:
            raise SignalosError("a worker process died (killed, or out of memory); "
                                f"run again with --workers 1 to see where: {exc}") from None
        finally:
            for future in pending:
                future.cancel()


# Evaluation: messages to outcomes --------------------------------------------------------------

EVAL_CHUNK = 256  # messages a job; Chain.parse_many batches inside it
# Fewer items than this are parsed in the calling process: each worker builds its own host (a
# few tenths of a second for the regex chain), which a short input would not pay back.
MIN_ITEMS = 2000


def _parse_messages(pipeline: str, messages: list[Message], batch: int) -> tuple[list[ChainOutcome], list]:
    chain = worker_host().chain(pipeline)
    outcomes: list[ChainOutcome] = []
    for k in range(0, len(messages), batch):
        outcomes.extend(chain.parse_many(messages[k:k + batch]))
    return outcomes, take_worker_errors()


def parse_messages_parallel(host: Host, pipeline: str, messages: Iterable[Message], workers: int, *,
                            batch: int = 32, chunk: int = EVAL_CHUNK,
                            recipe: HostRecipe | None = None) -> Iterator[list[ChainOutcome]]:
    """``host.chain(pipeline).parse_many`` over ``messages`` on ``workers`` processes: yields the
    outcomes chunk by chunk, in order (no ``parse_completed`` events, as for ``Chain.parse_many``).
    ``recipe`` builds the workers' hosts (default: ``Host(host.config)``)."""
    recipe = recipe or HostRecipe.of(host)
    with WorkerPool(recipe, workers, pipelines=(pipeline,), inherit=host) as pool:
        jobs = ((pipeline, block, batch) for block in blocks(messages, chunk))
        for outcomes, errors in pool.imap(_parse_messages, jobs):
            report_errors(host, errors)
            yield outcomes


def blocks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of ``size`` items (the last one shorter)."""
    block: list[Any] = []
    for item in items:
        block.append(item)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def describe_start_method() -> str:
    """How workers start here: ``fork`` on Linux, else the platform's default."""
    return _context().get_start_method()
