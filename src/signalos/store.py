"""The workspace: one directory holding ``signalos.db`` (SQLite, WAL) and ``models/``.

The directory comes from ``--workspace``, else ``$SIGNALOS_WORKSPACE``, else the configuration's
``workspace``, else ``./.signalos`` (see ``Host.workspace``). Migrations run on every open.
"""
from __future__ import annotations

import contextlib
import os
import random
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from signalos.errors import SignalosError
from signalos.migrations import migrate

DB_NAME = "signalos.db"
# How long a writer waits in all for another process's write lock before giving up, in seconds:
# an import beside seven others, or beside a bot's parse log, waits its turn instead of failing.
# SIGNALOS_BUSY_WAIT_S changes it (a test of the give-up path sets it low).
BUSY_WAIT_S = 600.0
# SQLite's own wait per attempt; past it the attempt is retried with backoff until BUSY_WAIT_S.
BUSY_TIMEOUT_MS = 5000
_T = TypeVar("_T")


class WorkspaceError(SignalosError):
    """The workspace directory or database cannot be opened or written. Seen by CLI users."""


class Workspace:
    """A workspace directory and its database, opened (and migrated) on first use."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._db: sqlite_utils.Database | None = None

    @classmethod
    def for_host(cls, host, override: str | os.PathLike | None = None) -> Workspace:
        return cls(override if override else host.workspace)

    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    @property
    def models_dir(self) -> Path:
        return self.path / "models"

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_database(self.db_path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def open_database(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open (creating) a workspace database in WAL mode and bring its schema up to date; waits
    (see ``retry_busy``) while other processes hold the write lock."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(p)
        # A second process (a bot logging parses while an evaluation runs) waits instead of failing.
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

        def prepare() -> None:
            # Switching to WAL and migrating both need the write lock: seven other importers
            # starting at the same moment make either one meet a busy database.
            db.enable_wal()
            # In WAL mode NORMAL never corrupts the database; a power cut may only lose the last
            # commits. It saves an fsync per transaction, which is most of an import's time.
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db)

        retry_busy(prepare)
    except (OSError, sqlite3.Error) as exc:
        raise WorkspaceError(f"cannot open workspace database {p}: {exc}") from exc
    return db


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy": another process holds the
    write lock and the statement may simply be tried again."""
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def busy_wait_s() -> float:
    """``BUSY_WAIT_S``, or ``$SIGNALOS_BUSY_WAIT_S`` when it holds a number."""
    try:
        return max(0.0, float(os.environ.get("SIGNALOS_BUSY_WAIT_S", BUSY_WAIT_S)))
    except ValueError:
        return BUSY_WAIT_S


def retry_busy(fn: Callable[[], _T], wait_s: float | None = None) -> _T:
    """``fn()``, tried again with jittered backoff (5 ms doubling to 1 s) while the database is
    busy, for up to ``wait_s`` seconds in all (default ``busy_wait_s()``); then WorkspaceError.
    ``fn`` must leave nothing half done when it raises (a transaction it rolled back)."""
    limit = busy_wait_s() if wait_s is None else wait_s
    delay, started = 0.005, time.monotonic()
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() - started >= limit:
                raise WorkspaceError(f"the workspace database stayed busy for {limit:.0f} s (another "
                                     f"process holds its write lock): {exc}") from exc
        time.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, 1.0)


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database | sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: ``BEGIN IMMEDIATE`` (waiting while another process writes, see
    ``retry_busy``), the block, ``COMMIT``; any exception rolls everything back, so a failure or a
    kill mid-write leaves the database as it was. Inside a caller's transaction it is a savepoint.

    Every dataset write goes through here: a deferred transaction that reads, then writes, fails
    at once with "database is locked" when another process committed in between, because SQLite
    cannot wait for a lock its snapshot has already lost.
    """
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    if conn.in_transaction:
        name = f"signalos_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        retry_busy(lambda: conn.execute("COMMIT"))  # a failed COMMIT leaves the transaction open
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
