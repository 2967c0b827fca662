"""Following alias moves in a running process: a cheap, cached read of the ``aliases`` table.

A bot that embeds :class:`~signalos.host.Host` and serves ``spacy-ner@production`` must pick up
``signalos models deploy`` made by another process without a restart. The host asks an
:class:`AliasWatcher` which version an alias points at before each use of such a parser; the
watcher answers from memory and reads the database at most once every ``interval`` seconds, and
then only when ``PRAGMA data_version`` says another connection committed something.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

ENV_INTERVAL = "SIGNALOS_ALIAS_CHECK_S"
DEFAULT_INTERVAL = 2.0
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def check_interval() -> float:
    """Seconds between two reads of the aliases table: ``$SIGNALOS_ALIAS_CHECK_S`` or 2."""
    try:
        return max(0.0, float(os.environ.get(ENV_INTERVAL, DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def followed_alias(kind: str, name: str, options: dict[str, Any]) -> tuple[str, str] | None:
    """``(model, alias)`` when the component ``name`` built with ``options`` serves a moving alias.

    ``spacy-ner@production`` and ``spacy-ner`` (a bare learned parser serves ``production``)
    follow their alias; ``spacy-ner@1.2.0``, ``@latest`` and a ``path`` option are fixed.
    """
    if kind != "parsers" or options.get("path"):
        return None
    base, _, ref = name.partition("@")
    ref = ref or options.get("model") or "production"
    if not isinstance(ref, str) or ref == "latest" or _SEMVER.match(ref):
        return None
    return str(options.get("name") or base), ref


def warm(instance: Any) -> None:
    """Make a freshly built component load its model now, so it fails (or pays its load time)
    before it serves: ``instance.load()`` when it has one, else reading ``instance.version``."""
    load = getattr(instance, "load", None)
    if callable(load):
        load()
    else:
        getattr(instance, "version", None)


class AliasWatcher:
    """The aliases of one workspace database, re-read at most every ``interval`` seconds.

    Thread-safe; never creates the database and never writes to it. A workspace without a
    database (or without the table yet) has no aliases.
    """

    def __init__(self, db_path: str | os.PathLike, interval: float | None = None):
        self.db_path = Path(db_path)
        self.interval = check_interval() if interval is None else interval
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._checked = float("-inf")
        self._aliases: dict[tuple[str, str], str] = {}
        self.reads = 0  # how many times the table was actually read (for tests and diagnostics)

    def version(self, model: str, alias: str, *, fresh: bool = False) -> str | None:
        """The version ``alias`` of ``model`` points at; ``fresh`` skips the interval."""
        now = time.monotonic()
        if not fresh and now - self._checked < self.interval:
            # the common answer, asked before every parse: no lock (the table is replaced
            # whole by a refresh, never changed in place)
            return self._aliases.get((model, alias))
        with self._lock:
            if fresh or now - self._checked >= self.interval:
                self._checked = now
                self._refresh()
            return self._aliases.get((model, alias))

    def _refresh(self) -> None:
        try:
            if self._conn is None:
                if not self.db_path.is_file():
                    return
                # autocommit: a read must not leave a transaction open that pins an old snapshot
                self._conn = sqlite3.connect(self.db_path, timeout=1.0, isolation_level=None,
                                             check_same_thread=False)
            data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            if data_version == self._data_version:
                return
            rows = self._conn.execute("SELECT name, alias, version FROM aliases").fetchall()
        except sqlite3.Error:
            # busy, or the table does not exist yet: keep what is known and try at the next check
            return
        self._data_version = data_version
        self._aliases = {(n, a): v for n, a, v in rows}
        self.reads += 1

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
