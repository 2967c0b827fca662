"""Reading message files into the dataset: JSON Lines, CSV, plain text, Telegram Desktop exports.

A reader turns a file into a stream of :class:`Record` (a message row for ``Dataset.add_messages``
and where it was in the file) and :class:`Problem` (a record that could not be read, with its
position). ``import_file`` writes the records in chunked transactions and reports the problems;
nothing but the broken record is ever lost: a line that is not strict JSON (``signalos.jsonlines``),
holds a lone surrogate, a label or spans that break the schema, or a value of an unexpected type
is a Problem naming its position, and a row SQLite still refuses is found by writing its chunk
again row by row. Files may start with a byte order mark.
"""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from signalos.dataset.repository import Dataset, DatasetError, spans_json, validate_label
from signalos.jsonlines import LineError, load_line, unicode_problem

FORMATS = ("auto", "jsonl", "csv", "text", "telegram")
LABEL_SOURCES = ("human", "import")
# Keys of a JSON Lines / CSV record that become message columns; every other key but the label
# keys is kept in ``messages.extra`` (``id`` among them, so an export gives the ids back).
_COLUMNS = ("provider", "chat_id", "message_id", "reply_to", "date", "edited", "language", "origin")
_LABEL_FLAGS = ("uncertain", "multi", "verified")
_TRUE = {"1", "true", "yes", "y", "t"}


class ImportFormatError(DatasetError):
    """A whole file cannot be read in the format asked (not JSON, no ``text`` column, not a
    Telegram export). Seen by CLI users; a single bad record is a Problem instead."""


@attrs.frozen
class Record:
    position: str
    row: dict[str, Any]


@attrs.frozen
class Problem:
    """A record that was skipped (or whose label was dropped) and why, with its position."""

    position: str
    error: str
    kept: bool = False  # True when the message was imported without its broken label

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "error": self.error, "message_kept": self.kept}


@attrs.define
class ImportReport:
    """What one import did; ``to_dict`` is the ``--json`` output of ``signalos data import``."""

    path: str
    format: str
    file_sha256: str
    batch_id: int
    records: int = 0
    added: int = 0
    skipped: int = 0
    problems: list[Problem] = attrs.field(factory=list)
    already_imported: bool = False
    resumed: bool = False
    ignored: int = 0  # Telegram service and media-only messages: not problems, just not text

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "file_sha256": self.file_sha256,
                "batch_id": self.batch_id, "records": self.records, "added": self.added,
                "skipped": self.skipped, "ignored": self.ignored, "already_imported": self.already_imported,
                "resumed": self.resumed, "problems": [p.to_dict() for p in self.problems]}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def detect_format(path: Path) -> str:
    """The format from the extension, and for ``.json`` from the content (Telegram or a list)."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".json":
        with path.open("rb") as fh:
            head = fh.read(4096)
        # a byte order mark (Windows editors write one) is not content
        head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return "telegram" if head.startswith(b"{") else "jsonl"
    if suffix in (".txt", ".text", ".md", ""):
        return "text"
    raise ImportFormatError(f"cannot tell the format of {path.name}; give --format jsonl|csv|text|telegram")


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _row_from_object(obj: dict[str, Any], position: str, defaults: dict[str, Any]) -> tuple[dict | None, list[Problem]]:
    """A message row from a JSON/CSV object; a broken label is a problem, the message is kept."""
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, [Problem(position, "no 'text' string")]
    row: dict[str, Any] = {"text": text, "source_pos": position}
    for key in _COLUMNS:
        value = obj.get(key)
        if value not in (None, ""):
            row[key] = str(value)
    if not row.get("provider") and defaults.get("provider"):
        row["provider"] = defaults["provider"]
    for key in _LABEL_FLAGS:
        if key in obj:
            row[key] = _flag(obj[key])
    if defaults.get("verified"):
        row["verified"] = True
    row["note"] = str(obj.get("note") or "")
    extra = {k: v for k, v in obj.items()
             if k not in ("text", "label", "spans", *_COLUMNS, *_LABEL_FLAGS, "note") and v not in (None, "")}
    # the flags go to extra as well, so an unlabelled message keeps them until it gets a label
    extra.update({k: row[k] for k in ("uncertain", "multi") if row.get(k)})
    if obj.get("note"):
        extra["note"] = row["note"]
    row["extra"] = extra
    problems = []
    label = obj.get("label")
    if label not in (None, ""):
        try:
            row["label"] = validate_label(label)
            row["label_source"] = defaults.get("source") or "import"
            if obj.get("spans"):
                spans_json(obj["spans"])  # checked here, so that a bad one is named by its line
                row["spans"] = json.loads(obj["spans"]) if isinstance(obj["spans"], str) else obj["spans"]
        except (DatasetError, ValueError, TypeError, AttributeError, RecursionError) as exc:
            row.pop("label", None)
            row.pop("spans", None)
            problems.append(Problem(position, f"label dropped: {exc}", kept=True))
    return row, problems


def read_jsonl(path: Path, defaults: dict[str, Any]) -> Iterator[Record | Problem]:
    """One JSON object per line (a ``.json`` file holding one list of objects is read too)."""
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        first = fh.read(1)
        fh.seek(0)
        items: Any = None
        if first == "[":
            # one JSON list of objects, when the whole file is one; otherwise JSON Lines whose
            # first line happens to open with "[" (a bad line, named, and the rest kept)
            try:
                items = load_line(fh.read(), unicode=False)
            except LineError:
                items = None
            fh.seek(0)
        if isinstance(items, list):
            lines: Iterator[tuple[str, Any]] = ((f"item {i}", item) for i, item in enumerate(items))
        else:
            lines = _json_lines(fh)
        for position, obj in lines:
            if isinstance(obj, Problem):
                yield obj
                continue
            bad = unicode_problem(obj) if position.startswith("item") else None
            if bad:
                yield Problem(position, bad)
                continue
            if not isinstance(obj, dict):
                yield Problem(position, f"expected a JSON object, got {type(obj).__name__}")
                continue
            row, problems = _row_from_object(obj, position, defaults)
            yield from problems
            if row is not None:
                yield Record(position, row)


def json_objects(path: Path, problems: list[Problem]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(position, object)`` for each JSON object line of ``path``; a line that is not one is
    added to ``problems`` with its position and skipped (review and feedback files)."""
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        for position, obj in _json_lines(fh):
            if isinstance(obj, Problem):
                problems.append(obj)
            elif not isinstance(obj, dict):
                problems.append(Problem(position, f"expected a JSON object, got {type(obj).__name__}"))
            else:
                yield position, obj


def _json_lines(fh) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        position = f"line {number}"
        try:
            yield position, load_line(line)
        except LineError as exc:
            yield position, Problem(position, str(exc).replace("invalid JSON", "bad JSON", 1))


def read_csv(path: Path, defaults: dict[str, Any]) -> Iterator[Record | Problem]:
    """A ``text`` column; ``label`` (and ``spans``) hold JSON; other columns as in JSON Lines."""
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        header = fh.readline()
        fh.seek(0)
        # the delimiter is the one that makes a 'text' column in the header; sniffing the body
        # is fooled by the commas inside JSON label cells
        delimiter = next((d for d in (",", "\t", ";", "|")
                          if "text" in next(csv.reader([header], delimiter=d), [])),
                         "\t" if path.suffix.lower() == ".tsv" else ",")
        reader = csv.DictReader(fh, delimiter=delimiter)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise ImportFormatError(f"{path.name}: a CSV file needs a 'text' column (found: "
                                    f"{', '.join(reader.fieldnames or []) or 'none'})")
        while True:
            try:
                obj = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Problem(f"line {reader.line_num}", f"bad CSV: {exc}")
                continue
            position = f"line {reader.line_num}"
            bad = unicode_problem(obj)
            if bad:  # bytes that are not UTF-8 (read with surrogateescape)
                yield Problem(position, bad)
                continue
            if None in obj:  # more cells than headers
                yield Problem(position, f"{len(reader.fieldnames) + len(obj[None])} cells for "
                                        f"{len(reader.fieldnames)} columns")
                continue
            row, problems = _row_from_object({k: v for k, v in obj.items() if v not in (None, "")}, position,
                                             defaults)
            yield from problems
            if row is not None:
                yield Record(position, row)


def read_text(path: Path, defaults: dict[str, Any], per_line: bool = False) -> Iterator[Record | Problem]:
    """One message per blank-line-separated block, or one per line with ``per_line``."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline=None) as fh:
        block: list[str] = []
        start = 0
        for number, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if per_line:
                if line.strip():
                    yield Record(f"line {number}", _text_row(line, f"line {number}", defaults))
                continue
            if line.strip():
                if not block:
                    start = number
                block.append(line)
            elif block:
                yield Record(f"line {start}", _text_row("\n".join(block), f"line {start}", defaults))
                block = []
        if block:
            yield Record(f"line {start}", _text_row("\n".join(block), f"line {start}", defaults))


def _text_row(text: str, position: str, defaults: dict[str, Any]) -> dict[str, Any]:
    return {"text": text, "provider": defaults.get("provider"), "source_pos": position}


def telegram_text(value: Any) -> str:
    """The plain text of a Telegram export's ``text``: a string, or a list of strings and entity
    objects (``{"type": "bold", "text": "..."}``) concatenated."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else telegram_text(part.get("text", ""))
                       if isinstance(part, dict) else "" for part in value)
    return ""


def read_telegram(path: Path, defaults: dict[str, Any], report: ImportReport | None = None) -> Iterator[Record | Problem]:
    """Telegram Desktop's ``result.json``: one chat, or a full export with ``chats.list``.

    Exports are hand-edited and produced by other tools too: a chat or a message of an
    unexpected shape is a Problem naming it, and the rest of the export is read."""
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            data = load_line(fh.read(), unicode=False)
    except (LineError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path.name}: not a JSON file: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("chats"), dict):
        chats = data["chats"].get("list")
        if chats is None:
            chats = []
        if not isinstance(chats, list):
            raise ImportFormatError(f"{path.name}: 'chats.list' is a {type(chats).__name__}, expected a list of chats")
    elif isinstance(data, dict) and isinstance(data.get("messages"), list):
        chats = [data]
    else:
        raise ImportFormatError(f"{path.name}: not a Telegram Desktop export (no 'messages' list)")
    for number, chat in enumerate(chats):
        if not isinstance(chat, dict):
            yield Problem(f"chat {number}", f"expected an object, got {type(chat).__name__}")
            continue
        chat_name = _scalar(chat.get("name")) or _scalar(chat.get("id")) or "telegram"
        messages = chat.get("messages")
        if messages is None:
            messages = []
        if not isinstance(messages, list):
            yield Problem(f"chat {number} ({chat_name})", f"'messages' is a {type(messages).__name__}, expected a list")
            continue
        for index, msg in enumerate(messages):
            position = f"message {index}" + (f" (id {_scalar(msg['id'])})" if isinstance(msg, dict) and "id" in msg else "")
            if len(chats) > 1:
                position = f"chat {number} ({chat_name}): {position}"  # names repeat; numbers do not
            try:
                item = _telegram_message(msg, position, chat, chat_name, defaults, report)
            except (TypeError, ValueError, AttributeError, RecursionError) as exc:
                item = Problem(position, f"unreadable message: {type(exc).__name__}: {exc}")
            if item is not None:
                yield item


def _scalar(value: Any) -> str | None:
    """A column value from a JSON scalar; None for null, a list or an object."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _telegram_message(msg: Any, position: str, chat: dict[str, Any], chat_name: str, defaults: dict[str, Any],
                      report: ImportReport | None) -> Record | Problem | None:
    if not isinstance(msg, dict):
        return Problem(position, f"expected an object, got {type(msg).__name__}")
    if msg.get("type", "message") != "message":
        if report is not None:
            report.ignored += 1
        return None
    text = telegram_text(msg.get("text"))
    if not text.strip():
        if report is not None:
            report.ignored += 1  # a photo or sticker without a caption
        return None
    bad = unicode_problem(text, "text")
    if bad:
        return Problem(position, bad)
    for key in ("date", "edited", "id", "reply_to_message_id"):
        if isinstance(msg.get(key), (dict, list)):
            return Problem(position, f"{key!r} is a {type(msg[key]).__name__}, expected a string or a number")
    row = {"text": text, "provider": defaults.get("provider") or chat_name, "chat_id": _scalar(chat.get("id")),
           "source_pos": position, "message_id": _scalar(msg.get("id")),
           "reply_to": _scalar(msg.get("reply_to_message_id")), "date": _scalar(msg.get("date")),
           "edited": _scalar(msg.get("edited")), "origin": "telegram_export"}
    extra = {k: msg[k] for k in ("from", "from_id", "forwarded_from") if msg.get(k)}
    bad = unicode_problem(extra) or unicode_problem(row["provider"], "name")
    if bad:
        return Problem(position, bad)
    if extra:
        row["extra"] = extra
    return Record(position, row)


def read_records(path: Path, fmt: str, defaults: dict[str, Any], *, per_line: bool = False,
                 report: ImportReport | None = None) -> Iterator[Record | Problem]:
    """The records of ``path`` in format ``fmt`` (not ``auto``), as a stream."""
    if fmt == "jsonl":
        return read_jsonl(path, defaults)
    if fmt == "csv":
        return read_csv(path, defaults)
    if fmt == "text":
        return read_text(path, defaults, per_line=per_line)
    if fmt == "telegram":
        return read_telegram(path, defaults, report)
    raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def count_records(path: Path, fmt: str) -> int | None:
    """A cheap estimate of the number of records, for the progress bar (lines for JSON Lines)."""
    if fmt not in ("jsonl", "csv"):
        return None
    with path.open("rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


def import_file(dataset: Dataset, path: str | Path, fmt: str = "auto", *, provider: str | None = None,
                source: str = "import", verified: bool = False, per_line: bool = False,
                chunk_size: int = 1000, on_problem: Callable[[Problem], None] | None = None,
                progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import one file into ``dataset``; see the module docstring. Re-running it on the same file
    adds nothing, or finishes an import that was interrupted."""
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(f"no such file: {path}")
    if source not in LABEL_SOURCES:
        raise DatasetError(f"--source must be one of {', '.join(LABEL_SOURCES)}, got {source!r}")
    fmt = detect_format(path) if fmt == "auto" else fmt
    sha = file_sha256(path)
    previous = dataset.db.execute("SELECT id, finished_at FROM batches WHERE file_sha256 = ? ORDER BY id LIMIT 1",
                                  [sha]).fetchone()
    batch_id = dataset.add_batch(source, str(path), fmt, sha)
    report = ImportReport(path=str(path), format=fmt, file_sha256=sha, batch_id=batch_id,
                          already_imported=bool(previous and previous[1]),
                          resumed=bool(previous and not previous[1]))
    defaults = {"provider": provider, "source": source, "verified": verified}

    def problem(item: Problem) -> None:
        report.problems.append(item)
        if on_problem:
            on_problem(item)

    def rows():
        for item in read_records(path, fmt, defaults, per_line=per_line, report=report):
            if isinstance(item, Problem):
                problem(item)
                continue
            report.records += 1
            yield item.row

    def unwritable(row: dict[str, Any], exc: BaseException) -> None:
        # a record the readers let through but SQLite refused: it alone is skipped
        report.records -= 1
        problem(Problem(str(row.get("source_pos") or "a record"), f"not stored: {type(exc).__name__}: {exc}"))

    try:
        report.added, report.skipped = dataset.add_messages(rows(), batch_id, chunk_size=chunk_size,
                                                            progress=progress, on_error=unwritable)
    except ImportFormatError:
        if previous is None:
            dataset.drop_batch_if_empty(batch_id)  # a file we could not read leaves no trace
        raise
    dataset.finish_batch(batch_id, skipped=report.skipped, problems=len(report.problems))
    return report
