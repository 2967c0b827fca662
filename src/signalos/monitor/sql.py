"""Small database helpers of the monitor: short write transactions and its key/value cursors."""
from __future__ import annotations

import contextlib
from typing import Any

import sqlite_utils


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database):
    """``BEGIN IMMEDIATE`` … commit (rollback on error). Kept short: bots log parses into the same
    database and wait at most the busy timeout for the lock."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM monitor_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: Any) -> None:
    db.execute("INSERT INTO monitor_meta (key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, str(value)])
