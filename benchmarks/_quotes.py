"""Corpus quotes in the repository: tracked files that hold a corpus message or a long line of one.

The corpus texts belong to their sources (../shared/corpus/README.md): measuring and training on
them is fine, copying them into the repository is not. A quote is found however it was written:
inside a JSON string (``\\n`` and ``\\uXXXX`` escapes), a Python string or a triple-quoted block
spread over several lines, in any letter case, with any run of whitespace.
"""
from __future__ import annotations

import bisect
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

MIN_CHARS = 30  # a shorter line ("TP1 hit", "Buy gold now") is something anyone writes
GENERIC_MESSAGES = 3  # a line found in this many corpus messages is a phrase of the trade, not a quote
RUN_NUMBERS = 3  # numbers a quote of several short lines must hold
MAX_FILE_BYTES = 5_000_000

_UNICODE_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
_CHAR_ESCAPES = re.compile(r"\\[nrt]")
_SPACES = re.compile(r"\s+")
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")


def _decode_escapes(match: re.Match[str]) -> str:
    # emoji are written as surrogate pairs in JSON: decode the run as a whole
    raw = match.group(0).encode("ascii").decode("unicode_escape")
    return raw.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def normalise(text: str) -> str:
    """``text`` as it is compared: escapes decoded, whitespace runs one space, lower case."""
    if "\\" in text:
        text = _UNICODE_ESCAPES.sub(_decode_escapes, text)
        text = _CHAR_ESCAPES.sub(" ", text)
    return _SPACES.sub(" ", text).strip().lower()


@attrs.frozen
class Quote:
    """A corpus text (a whole message, or lines of one 30+ characters together) found in a file."""

    file: str
    line: int
    ids: tuple[str, ...]  # the corpus messages holding the quoted text
    chars: int  # length of the quoted text, normalised
    whole_message: bool

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


@attrs.frozen
class Needles:
    """What to look for: normalised texts of at least ``min_chars`` characters, each with the
    messages it comes from; ``generic`` counts the lines left out as common phrases."""

    by_text: dict[str, tuple[tuple[str, ...], bool]]  # text -> (message ids, is a whole message)
    min_chars: int
    generic: int


def line_runs(text: str, min_chars: int) -> list[str]:
    """Each line of ``text`` joined with the lines after it until ``min_chars`` long: the
    shortest quotes of whole lines (a message of short lines is quoted by its first three).
    A run of several lines counts only when it holds ``RUN_NUMBERS`` numbers."""
    lines = [norm for norm in map(normalise, text.splitlines()) if norm]
    runs = []
    for i, run in enumerate(lines):
        j = i
        while len(run) < min_chars and j + 1 < len(lines):
            j += 1
            run += " " + lines[j]
        # several short lines of words alone ("leverage: cross 20x / entry zone") are the
        # layout every channel of a kind shares; their prices are what make them one message's
        if len(run) >= min_chars and (j == i or len(_NUMBERS.findall(run)) >= RUN_NUMBERS):
            runs.append(run)
    return runs


def corpus_needles(texts: Mapping[str, str], min_chars: int = MIN_CHARS,
                   generic_messages: int = GENERIC_MESSAGES) -> Needles:
    """Whole messages and lines of ``texts`` (id -> text) worth looking for. A text found in
    ``generic_messages`` or more different messages is left out: it is shown to be common."""
    whole = {mid: normalise(text) for mid, text in texts.items()}
    owners: dict[str, set[str]] = {}
    is_whole: dict[str, bool] = {}
    for mid, text in texts.items():
        for piece in [whole[mid], *line_runs(text, min_chars)]:
            if len(piece) >= min_chars:
                owners.setdefault(piece, set()).add(mid)
                is_whole[piece] = is_whole.get(piece, False) or piece == whole[mid]
    needles, generic = {}, 0
    for piece, ids in owners.items():
        holders = sum(piece in w for w in whole.values()) if len(ids) < generic_messages else len(ids)
        if holders >= generic_messages:
            generic += 1
            continue
        needles[piece] = (tuple(sorted(ids)), is_whole[piece])
    return Needles(needles, min_chars, generic)


def find_in_text(name: str, content: str, needles: Needles) -> list[Quote]:
    """The quotes in one file's ``content``, at most one per line (the longest)."""
    lines = content.split("\n")
    parts, starts, at = [], [], 0
    for line in lines:
        norm = normalise(line)
        starts.append(at)
        parts.append(norm)
        at += len(norm) + 1
    flat = " ".join(parts)  # a quote may run over several lines of the file
    k = needles.min_chars
    by_prefix: dict[str, list[str]] = {}
    for text in needles.by_text:
        by_prefix.setdefault(text[:k], []).append(text)
    best: dict[int, Quote] = {}
    for i in range(len(flat) - k + 1):
        candidates = by_prefix.get(flat[i:i + k])
        if candidates is None:
            continue
        for text in candidates:
            if flat.startswith(text, i):
                line_no = bisect.bisect_right(starts, i)
                ids, whole = needles.by_text[text]
                found = Quote(name, line_no, ids, len(text), whole)
                if line_no not in best or found.chars > best[line_no].chars:
                    best[line_no] = found
    return [best[n] for n in sorted(best)]


def tracked_files(root: Path) -> list[str]:
    """The files git tracks under ``root``; none when it is not a git checkout."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [p for p in out.decode("utf-8", "replace").split("\0") if p]


def find_quotes(root: Path, needles: Needles, files: Iterable[str] | None = None) -> list[Quote]:
    """Quotes in the tracked files of ``root`` (or the given relative paths); binary and very
    large files are skipped."""
    found: list[Quote] = []
    for rel in tracked_files(root) if files is None else files:
        path = root / rel
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            blob = path.read_bytes()
        except OSError:
            continue
        if b"\0" in blob:
            continue
        found.extend(find_in_text(rel, blob.decode("utf-8", "replace"), needles))
    return found
