"""Reading a labelled corpus: one JSON object a line, ``{"id", "text", "label", ...}``.

A line that is not JSON, has no text, or holds a label that breaks the schema is reported with its
line number and left out; the rest is evaluated. JSON is read strictly (``signalos.jsonlines``):
``NaN``, ``Infinity``, a label number that converts to one, a lone surrogate, a thousands-deep
nesting are each a bad line, never an exception and never a number that equals nothing.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import InputError
from signalos.jsonlines import LineError, load_line, nonfinite_field
from signalos.models import ParseResult

KNOWN_KEYS = ("id", "text", "label", "provider", "language", "origin", "uncertain", "multi", "note")


@attrs.frozen
class LabelledRow:
    """One labelled message. ``label`` is the schema dict as written; ``expected`` the same as a
    ParseResult (proof that it follows the schema)."""

    line: int
    id: str
    text: str
    label: dict[str, Any]
    expected: ParseResult
    index: int = 0  # position among the file's non-blank lines, which pairs a prediction file by order
    provider: str | None = None
    language: str | None = None
    origin: str | None = None
    uncertain: bool = False
    multi: bool = False
    note: str = ""


@attrs.frozen
class DataProblem:
    """A line that could not be evaluated, and why."""

    line: int
    error: str
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "id": self.id, "error": self.error}


@attrs.frozen
class LabelledData:
    """The rows to evaluate, the uncertain ones left out (unless kept) and the lines in error."""

    path: str
    sha256: str
    rows: tuple[LabelledRow, ...]
    skipped_uncertain: int
    keep_uncertain: bool
    problems: tuple[DataProblem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "sha256": self.sha256, "evaluated": len(self.rows),
            "skipped_uncertain": self.skipped_uncertain, "keep_uncertain": self.keep_uncertain,
            "problems": [p.to_dict() for p in self.problems],
        }


def parse_line(line_no: int, raw: str, index: int = 0) -> LabelledRow:
    """One labelled row from one line of text; raises ValueError saying what is wrong."""
    obj = load_line(raw)  # LineError is a ValueError
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError("no 'text' string")
    label = obj.get("label")
    if not isinstance(label, dict):
        raise ValueError("no 'label' object")
    try:
        expected = ParseResult.from_schema(label)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        raise ValueError(f"label breaks the schema: {type(exc).__name__}: {exc}") from None
    bad = nonfinite_field(expected)
    if bad:
        raise ValueError(f"label breaks the schema: {bad} holds a number that is not finite (NaN or infinity)")
    return LabelledRow(
        line=line_no, id=str(obj.get("id") if obj.get("id") is not None else f"line{line_no}"),
        text=text, label=label, expected=expected, index=index,
        provider=_opt_str(obj.get("provider")), language=_opt_str(obj.get("language")),
        origin=_opt_str(obj.get("origin")), uncertain=bool(obj.get("uncertain")),
        multi=bool(obj.get("multi")), note=str(obj.get("note") or ""),
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _line_id(raw: str) -> str | None:
    try:
        obj = load_line(raw, unicode=False)
    except LineError:
        return None
    if not isinstance(obj, dict) or obj.get("id") is None:
        return None
    # the id goes to --json output, the report and the database: never a lone surrogate
    return str(obj["id"]).encode("utf-8", "backslashreplace").decode("utf-8")


def load_labelled(path: str | os.PathLike, *, keep_uncertain: bool = False) -> LabelledData:
    """Read a labelled JSONL file. Raises InputError only when the file cannot be read at all."""
    p = Path(path)
    try:
        blob = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    text = blob.decode("utf-8", errors="replace")
    rows: list[LabelledRow] = []
    problems: list[DataProblem] = []
    skipped = 0
    index = -1
    # Not splitlines(): U+2028 and friends may sit unescaped inside a JSON string.
    for line_no, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        index += 1
        try:
            row = parse_line(line_no, raw, index)
        except ValueError as exc:
            problems.append(DataProblem(line_no, str(exc), _line_id(raw)))
            continue
        if row.uncertain and not keep_uncertain:
            skipped += 1
            continue
        rows.append(row)
    return LabelledData(str(p), hashlib.sha256(blob).hexdigest(), tuple(rows), skipped,
                        keep_uncertain, tuple(problems))
