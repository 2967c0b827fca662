"""The workspace: one directory holding ``signalos.db`` (SQLite, WAL) and ``models/``.

The directory comes from ``--workspace``, else ``$SIGNALOS_WORKSPACE``, else the configuration's
``workspace``, else ``./.signalos`` (see ``Host.workspace``). Migrations run on every open.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from signalos.errors import SignalosError
from signalos.migrations import migrate

DB_NAME = "signalos.db"


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
    """Open (creating) a workspace database in WAL mode and bring its schema up to date."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(p)
        # A second process (a bot logging parses while an evaluation runs) waits instead of failing.
        db.execute("PRAGMA busy_timeout = 5000")
        db.enable_wal()
        # In WAL mode NORMAL never corrupts the database; a power cut may only lose the last
        # commits. It saves an fsync per transaction, which is most of an import's time.
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
    except (OSError, sqlite3.Error) as exc:
        raise WorkspaceError(f"cannot open workspace database {p}: {exc}") from exc
    return db
