"""The dataset of a workspace: messages, their labels, clusters and splits, read and written here.

Every ``signalos data`` command, the trainers and the evaluator go through :class:`Dataset`; none
of them writes the ``messages`` / ``labels`` tables directly. The API contract:

Opening
    ``Dataset.open(where)`` or ``Dataset(where)``: ``where`` is a workspace directory, a :class:`signalos.host.Host`
    (its workspace), a :class:`signalos.store.Workspace` or an open ``sqlite_utils.Database``.
    Migrations run on open (``signalos.store``).

Writing
    ``add_batch(source, path=None, format=None, file_sha256=None) -> batch_id``: one row per
    import; a batch with the same file hash is reused, so re-running an interrupted import
    finishes the same batch. ``finish_batch(batch_id, ...)`` stamps ``finished_at``.

    ``add_messages(rows, batch_id) -> (added, skipped)``: ``rows`` is an iterable of dicts with
    ``text`` and optionally ``provider chat_id message_id reply_to date edited language origin
    source_pos augmented_from split natural_key extra`` (a dict) and the label keys ``label``
    (a SCHEMA.md dict, validated), ``label_source`` (default ``"import"``), ``verified``,
    ``spans``, ``uncertain``, ``multi``, ``note``. A row whose natural key (``keys.natural_key``:
    provider + channel message id when known, else provider + sha256 of the exact text) is
    already stored, or repeats an earlier row, is skipped; when the stored message has no label
    yet, the row's label is added to it. Rows are written in transactions of ``chunk_size`` (1000) holding the
    messages *and* their labels, so a killed process never leaves a message without the label it
    came with, and running the same rows again completes the work. A label that breaks the schema
    raises DatasetError and its chunk is not written (importers check labels first and report
    them by line). Inside a caller's transaction each chunk is a savepoint of it.

    ``add_label(message_id, label, source, verified=False, spans=None, uncertain=False,
    multi=False, note="") -> label_id``: a new label row; the newest label of a message
    (highest ``labels.id``) is its label, so corrections never destroy history.

    ``set_spans(label_id, spans)`` (``set_many_spans({label_id: spans})`` in one transaction): per-field character spans of a label, as
    ``{"symbol": [[start, end]], "entry": [[s, e], [s, e]], "take_profits": [[s, e], ...]}``
    (keys are SCHEMA.md field names, ``end`` exclusive, offsets into ``messages.text``).

    ``set_split({message_id: "train" | "validation" | "test" | None})``,
    ``record_split_run(seed, ratios, stratify, split_hash, counts) -> id``.

    ``set_clusters(clusters, replace=True) -> [cluster_id]``: each cluster a dict
    ``{"kind": "exact" | "template" | ..., "key": str, "members": [message ids],
    "representative": message id}``; sets ``messages.cluster_id`` of the members (with
    ``replace`` every old cluster is removed first). ``set_duplicates({message_id: bool})`` sets
    ``messages.is_duplicate``.

Reading
    ``rows(split=None, kinds=None, include_augmented=True, include_synthetic=True,
    only_labelled=False, include_duplicates=True, verified=None, ids=None)`` yields
    :class:`DataRow` in id order; ``count(...)`` takes the same filters. ``split`` is one name or
    a list (``"none"`` selects rows without a split, ``"all"`` every row); ``kinds`` filters on the label's kind
    (so it implies labelled rows). Augmented rows are those with ``augmented_from`` or origin
    ``augmented``; synthetic rows have origin ``synthetic``. ``get(message_id)`` is one row.
    Trainers should read ``rows(split="train", only_labelled=True, include_duplicates=False)``.

Keys (``signalos.dataset.keys``, re-exported here): ``text_hash(text)`` (sha256 of the text with
digits ASCII, case-folded, whitespace collapsed) and ``template_key`` / ``template_hash`` (numbers
and instruments masked), stored on every message.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from signalos.dataset.keys import natural_key, template_hash, template_key, text_hash  # noqa: F401 (re-exported)
from signalos.dataset.rows import COUNT_SQL, ROW_SQL, DataRow, data_row, row_filter  # noqa: F401 (DataRow re-exported)
from signalos.errors import SignalosError
from signalos.jsonlines import nonfinite_field
from signalos.models import ParseResult
from signalos.store import WorkspaceError, write_transaction

SPLITS = ("train", "validation", "test")
CHUNK_SIZE = 1000
# SQLite's default limit on bound variables is 32766 (999 before 3.32); stay well under it.
_IN_CHUNK = 900
MESSAGE_KEYS = ("provider", "chat_id", "message_id", "reply_to", "date", "edited", "language", "origin",
                "source_pos", "augmented_from", "split")
# What one row can raise while it is prepared or bound (a label breaking the schema, a lone
# surrogate, an int too big for SQLite, nesting too deep for JSON): that row is bad, not the chunk.
ROW_ERRORS = (SignalosError, ValueError, TypeError, KeyError, OverflowError, RecursionError,
              sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.IntegrityError, sqlite3.DataError)


class DatasetError(SignalosError):
    """A dataset operation cannot be done (unknown message, bad label, bad split name). Seen by
    CLI users as one line and by API callers (trainers, plugins) as an exception."""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class ValidLabel(dict):
    """A label ``validate_label`` already checked: checking it again is free (an importer checks
    each label to report its line, then ``add_messages`` would check it a second time)."""


def validate_label(label: Any) -> dict[str, Any]:
    """The SCHEMA.md object of ``label`` in its canonical form (entries sorted, numbers as floats);
    raises DatasetError naming what is wrong."""
    if isinstance(label, ValidLabel):
        return label
    if isinstance(label, str):
        try:
            label = json.loads(label)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"label is not JSON: {exc.msg}") from None
    if not isinstance(label, dict):
        raise DatasetError(f"label must be an object, got {type(label).__name__}")
    try:
        result = ParseResult.from_schema(label)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        raise DatasetError(f"invalid label: {exc}") from None
    bad = nonfinite_field(result)
    if bad:
        raise DatasetError(f"invalid label: {bad} holds a number that is not finite (NaN or infinity)")
    return ValidLabel(result.to_schema())


def spans_json(spans: Any) -> str | None:
    """Spans as stored (``{"field": [[start, end], ...]}``); DatasetError when they are not that."""
    if spans is None:
        return None
    try:
        if isinstance(spans, str):
            spans = json.loads(spans)
        return json.dumps({str(k): [[int(s), int(e)] for s, e in v] for k, v in spans.items()})
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise DatasetError(f"invalid spans: {type(exc).__name__}: {exc}") from None


_spans_json = spans_json


def chunked(seq: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


class Dataset:
    """The dataset tables of one workspace database (see the module docstring for the contract)."""

    def __init__(self, where: Any):
        db = _database(where)
        self.db = db
        self.path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:").parent
        # Three indexes on random hashes make inserts touch pages all over the file; SQLite's
        # default 2 MB page cache makes a 100k import several times slower. NORMAL is crash-safe
        # in WAL mode (a killed process loses nothing committed; only a power cut may lose the
        # last transactions, never consistency).
        db.execute("PRAGMA cache_size = -65536")
        db.execute("PRAGMA synchronous = NORMAL")

    @classmethod
    def open(cls, where: Any) -> Dataset:
        """A dataset over a workspace directory, a Host, a Workspace or a Database."""
        return cls(where)

    # --- batches ---------------------------------------------------------------------------------

    def add_batch(self, source: str, path: str | None = None, format: str | None = None,
                  file_sha256: str | None = None) -> int:
        """A batch row for one import; the batch of a file already imported (same hash) is
        reused, so a re-run after a crash finishes it instead of starting another."""
        # the look-up is inside the write lock: two importers of one file share one batch
        with write_transaction(self.db) as conn:
            if file_sha256:
                row = conn.execute("SELECT id FROM batches WHERE file_sha256 = ? ORDER BY id LIMIT 1",
                                   [file_sha256]).fetchone()
                if row:
                    return int(row[0])
            cur = conn.execute(
                "INSERT INTO batches (created_at, source, path, format, file_sha256, added, skipped, problems) "
                "VALUES (?, ?, ?, ?, ?, 0, 0, 0)", [now(), source, path, format, file_sha256])
            return int(cur.lastrowid)

    def batch(self, batch_id: int) -> dict[str, Any]:
        try:
            return dict(self.db["batches"].get(batch_id))
        except sqlite_utils.db.NotFoundError:
            raise DatasetError(f"no batch {batch_id}") from None

    def finish_batch(self, batch_id: int, *, skipped: int = 0, problems: int = 0) -> dict[str, Any]:
        """Stamp ``finished_at`` and the batch's figures (``added`` = its messages in the database)."""
        with write_transaction(self.db) as conn:
            added = conn.execute("SELECT count(*) FROM messages WHERE batch_id = ?", [batch_id]).fetchone()[0]
            conn.execute("UPDATE batches SET added = ?, skipped = ?, problems = ?, finished_at = ? WHERE id = ?",
                         [added, skipped, problems, now(), batch_id])
        return self.batch(batch_id)

    def drop_batch_if_empty(self, batch_id: int) -> bool:
        """Delete a batch that holds no message (an import that could not read its file)."""
        with write_transaction(self.db) as conn:
            cur = conn.execute("DELETE FROM batches WHERE id = ? AND NOT EXISTS "
                               "(SELECT 1 FROM messages WHERE batch_id = ?)", [batch_id, batch_id])
        return cur.rowcount > 0

    # --- messages and labels ---------------------------------------------------------------------

    def existing_keys(self, keys: Iterable[str]) -> dict[str, int]:
        """``{natural_key: message id}`` of the keys already stored (one query per 900 keys)."""
        out: dict[str, int] = {}
        keys = list(dict.fromkeys(keys))
        for part in chunked(keys, _IN_CHUNK):
            marks = ",".join("?" * len(part))
            for mid, key in self.db.execute(f"SELECT id, natural_key FROM messages WHERE natural_key IN ({marks})",
                                            list(part)):
                out[key] = mid
        return out

    def _labelled(self, ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        for part in chunked(list(ids), _IN_CHUNK):
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT message_id FROM labels WHERE message_id IN ({marks})", list(part)))
        return found

    def add_messages(self, rows: Iterable[dict[str, Any]], batch_id: int | None,
                     chunk_size: int = CHUNK_SIZE, progress=None,
                     on_error: Callable[[dict[str, Any], BaseException], None] | None = None) -> tuple[int, int]:
        """Store new messages (and their labels) in chunked transactions; returns
        ``(added, skipped)``. ``progress(n)`` is called after each chunk with its row count.

        Without ``on_error`` a bad row (a label that breaks the schema, a text that is not valid
        Unicode) raises and its chunk is not written. With it, the chunk is written again row by
        row, each bad row is handed to ``on_error(row, error)`` and every other row is kept."""
        added = skipped = 0
        chunk: list[dict[str, Any]] = []

        def write() -> None:
            nonlocal added, skipped
            a, s = self._write_chunk_or_rows(chunk, batch_id, on_error)
            added, skipped = added + a, skipped + s
            if progress:
                progress(len(chunk))

        for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                write()
                chunk = []
        if chunk:
            write()
        return added, skipped

    def _write_chunk_or_rows(self, chunk: list[dict[str, Any]], batch_id: int | None,
                             on_error: Callable[[dict[str, Any], BaseException], None] | None) -> tuple[int, int]:
        if on_error is None:
            return self._write_chunk(chunk, batch_id)
        try:
            return self._write_chunk(chunk, batch_id)
        except WorkspaceError:
            raise  # the database, not a row: nothing to skip
        except ROW_ERRORS:
            pass
        # The chunk was rolled back whole; one transaction per row finds the bad ones. Rare
        # (importers check what they can first), so the slower path costs nothing in practice.
        added = skipped = 0
        for row in chunk:
            try:
                a, s = self._write_chunk([row], batch_id)
            except WorkspaceError:
                raise
            except ROW_ERRORS as exc:
                on_error(row, exc)
                continue
            added, skipped = added + a, skipped + s
        return added, skipped

    def _write_chunk(self, chunk: list[dict[str, Any]], batch_id: int | None) -> tuple[int, int]:
        prepared = []
        for row in chunk:
            text = row.get("text")
            if not isinstance(text, str):
                raise DatasetError("a message needs a text string")
            th = text_hash(text)
            key = row.get("natural_key") or natural_key(row.get("provider"), text, message_id=row.get("message_id"),
                                                        chat_id=row.get("chat_id"))
            prepared.append((key, th, row))
        stamp = now()
        # One write transaction per chunk, taken before the existence check so two importers
        # cannot both decide a key is new; inside a caller's transaction, a savepoint of it.
        with write_transaction(self.db) as conn:
            existing = self.existing_keys(k for k, _, _ in prepared)
            unlabelled = set(existing.values()) - self._labelled(list(existing.values()))
            next_id = (conn.execute("SELECT max(id) FROM messages").fetchone()[0] or 0) + 1
            messages, labels = [], []
            skipped = 0
            for key, th, row in prepared:
                mid = existing.get(key)
                if mid is not None:
                    skipped += 1
                    if mid in unlabelled and row.get("label") is not None:
                        labels.append(self._label_row(mid, row, stamp))
                        unlabelled.discard(mid)
                    continue
                mid = existing[key] = next_id
                next_id += 1
                msg = {k: row.get(k) for k in MESSAGE_KEYS}
                for k in ("message_id", "chat_id", "reply_to"):
                    if msg[k] is not None:
                        msg[k] = str(msg[k])
                msg.update(id=mid, natural_key=key, text=row["text"], text_hash=th,
                           template_hash=row.get("template_hash") or template_hash(row["text"]),
                           batch_id=batch_id, is_duplicate=0, created_at=stamp,
                           extra=json.dumps(row["extra"], ensure_ascii=False, allow_nan=False)
                           if row.get("extra") else None)
                messages.append(msg)
                if row.get("label") is not None:
                    labels.append(self._label_row(mid, row, stamp))
            # plain executemany: sqlite-utils' insert_all spends more time building statements
            # than SQLite spends writing them, and the import benchmark writes 100k rows
            _insert_many(conn, "messages", messages)
            _insert_many(conn, "labels", labels)
        return len(messages), skipped

    @staticmethod
    def _label_row(message_id: int, row: dict[str, Any], stamp: str) -> dict[str, Any]:
        return {"message_id": message_id, "label": json.dumps(validate_label(row["label"]), ensure_ascii=False),
                "spans": _spans_json(row.get("spans")), "source": row.get("label_source") or "import",
                "verified": int(bool(row.get("verified"))), "uncertain": int(bool(row.get("uncertain"))),
                "multi": int(bool(row.get("multi"))), "note": row.get("note") or "", "created_at": stamp}

    def add_label(self, message_id: int, label: dict[str, Any], source: str, verified: bool = False,
                  spans: dict | None = None, uncertain: bool = False, multi: bool = False, note: str = "") -> int:
        """Give a message a new label (it becomes the message's label); returns the label id."""
        if not self.db.execute("SELECT 1 FROM messages WHERE id = ?", [message_id]).fetchone():
            raise DatasetError(f"no message {message_id}")
        row = self._label_row(message_id, {"label": label, "label_source": source, "verified": verified,
                                           "spans": spans, "uncertain": uncertain, "multi": multi,
                                           "note": note}, now())
        with write_transaction(self.db):
            table = self.db["labels"]
            table.insert(row)
            return int(table.last_pk)

    def set_spans(self, label_id: int, spans: dict[str, Any] | None) -> None:
        """Store the character spans of one label (None clears them)."""
        with write_transaction(self.db):
            self.db.execute("UPDATE labels SET spans = ? WHERE id = ?", [_spans_json(spans), label_id])

    def set_many_spans(self, spans_by_label: dict[int, dict[str, Any] | None]) -> None:
        """``set_spans`` for many labels in one transaction."""
        with write_transaction(self.db):
            self.db.conn.executemany("UPDATE labels SET spans = ? WHERE id = ?",
                                     [(_spans_json(s), lid) for lid, s in spans_by_label.items()])

    # --- splits and clusters ---------------------------------------------------------------------

    def set_split(self, assignments: dict[int, str | None]) -> None:
        """Assign messages to ``train``, ``validation``, ``test`` (None clears), in one transaction."""
        bad = {v for v in assignments.values() if v is not None and v not in SPLITS}
        if bad:
            raise DatasetError(f"unknown split {sorted(bad)[0]!r}; use one of {', '.join(SPLITS)}")
        with write_transaction(self.db):
            self.db.conn.executemany("UPDATE messages SET split = ? WHERE id = ?",
                                     [(s, mid) for mid, s in assignments.items()])

    def record_split_run(self, seed: int, ratios: Any, stratify: Any, split_hash: str, counts: Any) -> int:
        """One row of ``split_runs`` describing a split just made."""
        with write_transaction(self.db):
            table = self.db["split_runs"]
            table.insert({"created_at": now(), "seed": seed, "ratios": json.dumps(ratios),
                          "stratify": json.dumps(stratify), "split_hash": split_hash, "counts": json.dumps(counts)})
            return int(table.last_pk)

    def set_clusters(self, clusters: Iterable[dict[str, Any]], replace: bool = True) -> list[int]:
        """Store duplicate clusters and point their members at them; returns the cluster ids."""
        ids: list[int] = []
        stamp = now()
        with write_transaction(self.db):
            if replace:
                self.db.execute("UPDATE messages SET cluster_id = NULL WHERE cluster_id IS NOT NULL")
                self.db.execute("DELETE FROM clusters")
            updates = []
            for cluster in clusters:
                members = list(cluster.get("members") or ())
                rep = cluster.get("representative", members[0] if members else None)
                cur = self.db.execute(
                    "INSERT INTO clusters (kind, key, representative, size, created_at) VALUES (?, ?, ?, ?, ?)",
                    [cluster.get("kind"), cluster.get("key"), rep, len(members), stamp])
                cid = int(cur.lastrowid)
                ids.append(cid)
                updates.extend((cid, m) for m in members)
            self.db.conn.executemany("UPDATE messages SET cluster_id = ? WHERE id = ?", updates)
        return ids

    def set_duplicates(self, flags: dict[int, bool], reset: bool = False) -> None:
        """Set ``messages.is_duplicate`` (``reset`` first clears every flag)."""
        with write_transaction(self.db):
            if reset:
                self.db.execute("UPDATE messages SET is_duplicate = 0 WHERE is_duplicate != 0")
            self.db.conn.executemany("UPDATE messages SET is_duplicate = ? WHERE id = ?",
                                     [(int(bool(f)), mid) for mid, f in flags.items()])

    # --- reading ---------------------------------------------------------------------------------

    def rows(self, split: str | Sequence[str] | None = None, kinds: str | Sequence[str] | None = None,
             include_augmented: bool = True, include_synthetic: bool = True, only_labelled: bool = False,
             include_duplicates: bool = True, verified: bool | None = None,
             ids: Iterable[int] | None = None) -> Iterator[DataRow]:
        """The messages with their newest labels, in id order (filters: see the module docstring)."""
        where, params = row_filter(split, kinds, include_augmented, include_synthetic, only_labelled,
                                   include_duplicates, verified, ids)
        cursor = self.db.execute(ROW_SQL + where + " ORDER BY m.id", params)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield data_row(dict(zip(names, values)))

    def count(self, split: str | Sequence[str] | None = None, kinds: str | Sequence[str] | None = None,
              include_augmented: bool = True, include_synthetic: bool = True, only_labelled: bool = False,
              include_duplicates: bool = True, verified: bool | None = None,
              ids: Iterable[int] | None = None) -> int:
        """How many rows ``rows(...)`` with the same filters would yield."""
        where, params = row_filter(split, kinds, include_augmented, include_synthetic, only_labelled,
                                   include_duplicates, verified, ids)
        return int(self.db.execute(COUNT_SQL + where, params).fetchone()[0])

    def get(self, message_id: int) -> DataRow:
        """One row by message id; DatasetError when there is none."""
        for row in self.rows(ids=[message_id]):
            return row
        raise DatasetError(f"no message {message_id}")


def _database(where: Any) -> sqlite_utils.Database:
    from signalos.store import Workspace

    if isinstance(where, Dataset):
        return where.db
    if isinstance(where, sqlite_utils.Database):
        return where
    if isinstance(where, Workspace):
        return where.db
    if hasattr(where, "workspace") and not isinstance(where, (str, os.PathLike)):
        return Workspace(where.workspace).db  # a Host
    return Workspace(where).db


def _insert_many(conn, table: str, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    cols = list(records[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.executemany(sql, [[r[c] for c in cols] for r in records])
