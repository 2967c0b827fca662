"""The production parse log: every parse written to ``parse_log`` without slowing the parse.

``ParseLog.log_parse`` only appends the message and the chain's outcome to a bounded queue; a
background thread wakes every ``interval_s`` (50 ms, sooner when a batch is full), turns what
arrived into rows and writes them in batches, one transaction per batch, so a bot pays
microseconds per parse instead of a disk sync. Several processes may log into one workspace at
once: the database is in WAL mode, SQLite waits ``busy_timeout`` for the write lock, and a batch
that still finds the database busy is retried with backoff (for up to ten minutes).

What can be lost, and what cannot:

- A row is durable once its batch is committed. A process killed (``kill -9``, a crash) before
  that loses the rows still queued: at most ``max_queue`` + ``batch_size`` rows (2,000 + 1,000 by
  default), because a full queue makes the caller wait for the writer (back-pressure). Set
  ``max_queue`` lower for a smaller window, or ``durable=True`` (``SIGNALOS_PARSE_LOG_DURABLE=1``)
  to have every ``log_*`` call return only once its row is committed: nothing acknowledged is
  lost, at the cost of one transaction per call. ``SIGNALOS_PARSE_LOG_MAX_QUEUE`` sets the default
  ``max_queue``. A clean exit writes everything (``close`` runs at exit).
- A row that cannot be written (a stuck workspace, a missing table, a text SQLite refuses such as
  one holding a lone surrogate) is appended to ``parse_log.unwritten.jsonl`` beside the
  database, one ``{"table", "row"}`` object a line (ASCII-escaped, so any text fits); the
  other rows of its batch are written. ``stats["spilled"]`` counts them and ``errors`` says why.

``flush()`` waits until everything logged so far is in the database; ``close()`` flushes and
stops the thread, and runs by itself when the process exits.

    log = ParseLog.for_workspace(".signalos")
    outcome = host.parse(message)
    log.log_parse(message, outcome)

``ParseLogger`` is the same as a plugin: registered on a host, it logs every ``Host.parse``
through the ``parse_completed`` event (without latency, which the event does not carry).
"""
from __future__ import annotations

import atexit
import collections
import contextvars
import datetime as dt
import itertools
import json
import os
import random
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from signalos.hookspecs import hookimpl
from signalos.models import ChainOutcome, Message, ParseResult

MAX_TEXT = 20_000  # a hostile megabyte message is logged cut, not stored whole
MAX_QUEUE = 2_000  # queued rows past which log_* waits: with batch_size, the most a kill -9 loses
SPILL_FILE = "parse_log.unwritten.jsonl"
_STOP = object()

# Set while the A/B router parses, so a ParseLogger on the same host does not log the parse a
# second time: the router logs it itself, with its experiment, variant and latency.
routing_active: contextvars.ContextVar[bool] = contextvars.ContextVar("signalos_routing_active", default=False)


_uid_state: list = [None, None, None]  # pid, random prefix, counter


def new_uid() -> str:
    """A fresh identifier for a parse (``parse_uid``) or a routed request (``request_uid``): a
    random per-process prefix and a counter, because uuid4 reads the system's random source on
    every call, which costs more than the parse on some machines."""
    pid = os.getpid()
    if _uid_state[0] != pid:
        _uid_state[:] = [pid, uuid.uuid4().hex[:16], itertools.count()]
    return f"{_uid_state[1]}{next(_uid_state[2]):08x}"


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="milliseconds")


def parse_row(message: Message, outcome: ChainOutcome | ParseResult, at: float,
              context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``parse_log`` row of one parse. ``context`` adds the router's columns (``experiment``,
    ``variant``, ``unit_id``, ``role``, ``parse_uid``, ``request_uid``, ``model_version``,
    ``pipeline``); a bare ParseResult (from the ``parse_completed`` event) has no latency."""
    from signalos.dataset.keys import text_hash

    context = context or {}
    if isinstance(outcome, ChainOutcome):
        result, pipeline, latency = outcome.result, outcome.pipeline, outcome.elapsed_ms
        errors = [f"{a.parser}: {a.error}" for a in outcome.attempts if a.error]
    else:
        result, pipeline, latency, errors = outcome, None, None, []
    text = message.text if isinstance(message.text, str) else str(message.text)
    parser = result.parser
    row = {
        "created_at": _iso(at), "text": text[:MAX_TEXT], "text_hash": text_hash(text),
        "provider": message.provider, "chat_id": message.chat_id, "user_id": message.user_id,
        "pipeline": pipeline, "parser": parser,
        "model_version": (parser.partition("@")[2] or None) if parser else None,
        "result": json.dumps(result.to_dict(), ensure_ascii=False), "kind": result.kind,
        "confidence": float(result.confidence), "accepted": int(bool(result.accepted)), "latency_ms": latency,
        "error": "; ".join(errors)[:2000] or None,
        "warnings": json.dumps(list(result.warnings), ensure_ascii=False) if result.warnings else None,
    }
    row.update({k: v for k, v in context.items() if v is not None})
    return row


class ParseLog:
    """A background writer of ``parse_log`` rows (and of the A/B tables' rows) for one database.

    One per process and database is enough; two are harmless (each has its own thread and
    connection). After a fork the child starts its own thread on its first write.

    :param batch_size: the most rows in one transaction.
    :param max_queue: queued items past which ``log_*`` waits for the writer; a kill loses at
        most ``max_queue + batch_size`` rows (default ``SIGNALOS_PARSE_LOG_MAX_QUEUE``, else 2,000).
    :param busy_timeout_ms: how long SQLite itself waits for another process's write lock
        before the batch is retried.
    :param interval_s: how long the writer sleeps when nothing fills a batch.
    :param durable: every ``log_*`` call returns once its row is committed (default
        ``SIGNALOS_PARSE_LOG_DURABLE=1``, else off).
    """

    def __init__(self, db_path: str | os.PathLike, *, batch_size: int = 1000, max_queue: int | None = None,
                 busy_timeout_ms: int = 5000, interval_s: float = 0.05, durable: bool | None = None):
        self.db_path = Path(db_path)
        self.batch_size = max(1, int(batch_size))
        self.max_queue = max(1, int(_env_number("SIGNALOS_PARSE_LOG_MAX_QUEUE", MAX_QUEUE)
                                    if max_queue is None else max_queue))
        self.durable = os.environ.get("SIGNALOS_PARSE_LOG_DURABLE") == "1" if durable is None else bool(durable)
        self.busy_timeout_ms = busy_timeout_ms
        self.interval_s = interval_s
        self.stats = {"logged": 0, "written": 0, "batches": 0, "busy_retries": 0, "spilled": 0, "max_batch": 0,
                      "waits": 0}
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._pending: collections.deque | None = None
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        _OPEN.add(self)

    @classmethod
    def for_workspace(cls, workspace: Any, **kw) -> ParseLog:
        """The log of a workspace (a ``Workspace``, or its directory); its migrations are run here,
        once, so that the writer thread finds every table."""
        from signalos.store import DB_NAME, Workspace, open_database

        path = workspace.db_path if isinstance(workspace, Workspace) else Path(workspace) / DB_NAME
        open_database(path).close()
        return cls(path, **kw)

    # the caller's side -------------------------------------------------------------------------
    def log_parse(self, message: Message | str, outcome: ChainOutcome | ParseResult, **context: Any) -> str:
        """Queue one parse; returns its ``parse_uid`` (given in ``context`` or made here)."""
        uid = context.get("parse_uid") or new_uid()
        context["parse_uid"] = uid
        self._put(("parse", Message.coerce(message), outcome, time.time(), context))
        return uid

    def log_row(self, table: str, row: dict[str, Any], *, or_ignore: bool = False) -> None:
        """Queue a row of another table (``assignments``, ``outcomes``); ``or_ignore`` keeps the row
        already there when the primary key exists."""
        self._put(("row", table, dict(row), or_ignore))

    def log_sql(self, statement: str, params: tuple | list = ()) -> None:
        """Queue one SQL statement (an UPDATE of a row queued before); it runs in the same
        transaction as the rows of its batch, after them."""
        self._put(("sql", statement, tuple(params)))

    def flush(self, timeout: float | None = 60.0) -> bool:
        """Wait until every row queued so far is written; False when ``timeout`` ran out first."""
        if self._pending is None or self._pid != os.getpid():
            return True
        done = threading.Event()
        self._put(("flush", done))
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        """Flush and stop the writer thread. Logging after close starts it again."""
        with self._lock:
            thread, pending = self._thread, self._pending
            if thread is None or self._pid != os.getpid():
                return
            self._thread = None
            self._pending = None
        pending.append(_STOP)
        self._wake.set()
        thread.join(timeout)

    def _put(self, item: tuple) -> None:
        pending = self._pending
        if pending is None or self._pid != os.getpid():
            pending = self._start()
        if item[0] != "flush":
            self.stats["logged"] += 1
        # deque.append is atomic: the parsing thread never takes a lock nor wakes the writer,
        # which collects what arrived every interval_s (sooner when a batch is full).
        pending.append(item)
        if self.durable and item[0] != "flush":
            self.flush(timeout=None)
            return
        size = len(pending)
        if size >= self.batch_size or size >= self.max_queue:
            self._wake.set()
            if size >= self.max_queue:
                self._wait_for_room(pending)

    def _wait_for_room(self, pending: collections.deque) -> None:
        # Back-pressure: a writer that cannot keep up slows the caller; it never drops a row.
        self.stats["waits"] += 1
        while len(pending) >= self.max_queue and self._thread is not None and self._thread.is_alive():
            self._wake.set()
            time.sleep(0.001)

    def _start(self) -> collections.deque:
        with self._lock:
            if self._pending is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._pending = collections.deque()
                self._wake = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._pending, self._wake),
                                                name=f"signalos-parselog-{self.db_path.name}", daemon=True)
                self._thread.start()
            return self._pending

    # the writer thread ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=self.busy_timeout_ms / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL with synchronous=NORMAL is durable against a process crash; only a power cut can
            # lose the last transactions, which is the right trade for a log.
            conn.execute("PRAGMA synchronous = NORMAL")
            return conn

        return self._retry_busy(connect)

    def _retry_busy(self, fn):
        """``fn()``, retried with backoff while another process holds the database lock: setting
        WAL mode or reading the schema can meet a writer too, not only an insert."""
        delay, started = 0.005, time.monotonic()
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() - started >= 600:
                    raise
                self.stats["busy_retries"] += 1
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 1.0)

    def _run(self, pending: collections.deque, wake: threading.Event) -> None:
        conn = None
        columns: dict[str, set[str]] = {}
        stop = False
        while not stop:
            wake.wait(self.interval_s)
            wake.clear()
            while pending and not stop:
                rows: list[tuple[str, bool, dict[str, Any]]] = []
                statements: list[tuple[str, tuple]] = []
                waiters: list[threading.Event] = []
                while pending and len(rows) < self.batch_size:
                    item = pending.popleft()
                    if item is _STOP:
                        stop = True
                        break
                    kind = item[0]
                    if kind == "flush":
                        waiters.append(item[1])
                        break  # what was queued before the flush is all in this batch
                    if kind == "parse":
                        _, message, outcome, at, context = item
                        try:
                            rows.append(("parse_log", False, parse_row(message, outcome, at, context)))
                        except Exception as exc:  # a row that cannot be built must not stop the log
                            self._spill([("parse_log", False, _bare_row(message, at, context))], exc)
                    elif kind == "sql":
                        statements.append((item[1], item[2]))
                    else:
                        rows.append((item[1], item[3], item[2]))
                if rows or statements:
                    try:
                        if conn is None:
                            conn = self._connect()
                        self._write(conn, rows, columns, statements)
                    except Exception as exc:
                        # The writer thread must never die with rows in hand: they go to the
                        # spill file, and the next batch starts on a fresh connection.
                        self._spill(rows, exc)
                        if conn is not None:
                            conn.close()
                        conn = None
                for event in waiters:
                    event.set()
        if conn is not None:
            conn.close()

    def _write(self, conn: sqlite3.Connection, rows: list[tuple[str, bool, dict[str, Any]]],
               columns: dict[str, set[str]], statements: list[tuple[str, tuple]] = ()) -> None:
        groups: dict[tuple[str, bool, tuple[str, ...]], list[tuple[tuple, tuple]]] = {}
        missing: list[tuple[str, bool, dict[str, Any]]] = []
        for entry in rows:
            table, or_ignore, row = entry
            if table not in columns:
                columns[table] = self._retry_busy(
                    lambda: {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")})
            known = columns[table]
            if not known:
                missing.append(entry)
                continue
            keys = tuple(sorted(k for k in row if k in known))
            if len(keys) < len(row):
                self._note(f"{table}: unknown columns {sorted(set(row) - known)} left out")
            groups.setdefault((table, or_ignore, keys), []).append((tuple(row[k] for k in keys), entry))
        if missing:
            columns.pop(missing[0][0], None)  # look again next time: a migration may add it
            self._spill(missing, LookupError(f"no table {missing[0][0]!r}"))
        error = self._transaction(conn, groups, statements)
        if error is not None:
            # One bad row must not cost the others theirs: each group is written on its own,
            # halved until the rows that fail are alone, and only those are spilled.
            for key, values in groups.items():
                self._write_halving(conn, key, values)
            for statement in statements:
                failed = self._transaction(conn, {}, [statement])
                if failed is not None:
                    self._note(f"statement not run: {type(failed).__name__}: {failed}")
        self.stats["batches"] += 1
        self.stats["max_batch"] = max(self.stats["max_batch"], len(rows))

    def _write_halving(self, conn: sqlite3.Connection, key: tuple, values: list) -> None:
        failed = self._transaction(conn, {key: values}, ())
        if failed is None:
            return
        if len(values) == 1 or _is_busy(failed):
            self._spill([entry for _, entry in values], failed)
            return
        half = len(values) // 2
        self._write_halving(conn, key, values[:half])
        self._write_halving(conn, key, values[half:])

    def _transaction(self, conn: sqlite3.Connection, groups: dict, statements) -> BaseException | None:
        """Write ``groups`` and run ``statements`` in one transaction, retrying while another
        process holds the lock; the error when it cannot be done, else None."""
        delay, started = 0.005, time.monotonic()
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                for (table, or_ignore, keys), values in groups.items():
                    cols = ", ".join(f"[{k}]" for k in keys)
                    marks = ", ".join("?" for _ in keys)
                    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
                    conn.executemany(f"{verb} INTO [{table}] ({cols}) VALUES ({marks})", [v for v, _ in values])
                for statement, params in statements:
                    conn.execute(statement, params)
                conn.execute("COMMIT")
            except Exception as exc:  # sqlite3.Error, or a value it cannot bind (a lone surrogate)
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                busy = _is_busy(exc)
                # Another process holds the lock past busy_timeout: wait and retry. After ten
                # minutes the workspace is stuck, and the rows go to the spill file instead.
                if busy and time.monotonic() - started < 600:
                    self.stats["busy_retries"] += 1
                    time.sleep(delay * random.uniform(0.5, 1.5))
                    delay = min(delay * 2, 1.0)
                    continue
                return exc
            self.stats["written"] += sum(len(v) for v in groups.values())
            return None

    def _spill(self, rows: Iterable[tuple[str, bool, dict[str, Any]]], exc: BaseException) -> None:
        path = self.db_path.parent / SPILL_FILE
        rows = list(rows)
        self._note(f"{len(rows)} rows not written ({type(exc).__name__}: {exc}); appended to {path}")
        try:
            # ASCII-escaped: a lone surrogate, which no UTF-8 file can hold, is written as \ud800
            lines = "".join(json.dumps({"table": table, "row": row}, ensure_ascii=True, default=str) + "\n"
                            for table, _, row in rows)
            with path.open("a", encoding="ascii") as fh:
                fh.write(lines)
            self.stats["spilled"] += len(rows)
        except Exception as err:  # the writer thread must survive even this
            self._note(f"cannot write {path}: {type(err).__name__}: {err}")

    def _note(self, text: str) -> None:
        if text not in self.errors[-20:]:
            self.errors.append(text)
        del self.errors[:-100]


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def _env_number(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _bare_row(message: Any, at: float, context: dict[str, Any] | None) -> dict[str, Any]:
    """What can be said of a parse whose row could not be built, for the spill file."""
    text = getattr(message, "text", message)
    return {"created_at": _iso(at), "text": str(text)[:MAX_TEXT],
            **{k: v for k, v in (context or {}).items() if v is not None}}


class ParseLogger:
    """A plugin that logs every ``Host.parse`` of its host to a workspace's ``parse_log``.

        host = Host(config, plugins=[ParseLogger(".signalos")])

    Parses made by the A/B router are skipped here: the router logs them with their experiment.
    """

    name = "parse-logger"

    def __init__(self, workspace: Any, **kw: Any):
        self.log = workspace if isinstance(workspace, ParseLog) else ParseLog.for_workspace(workspace, **kw)

    @hookimpl
    def parse_completed(self, message, result, host):
        if not routing_active.get():
            self.log.log_parse(message, result)

    def close(self) -> None:
        self.log.close()


_OPEN: weakref.WeakSet[ParseLog] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # A bot that exits without closing its log still gets every parse written.
    for log in list(_OPEN):
        try:
            log.close(timeout=30)
        except Exception:
            pass
