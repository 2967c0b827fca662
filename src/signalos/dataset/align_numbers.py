"""Number tokens for span alignment: every place a message writes a number, and the values it
may mean.

Channels write one price many ways: ``27,400``, ``1,0850``, ``2,345.50``, ``30K``, ``19.450`` on
DAX, ``42 350``, ``4785-90`` (the ``90`` is 4790), ``@2341`` with ``.1`` on the next line, a target
glued to its ordinal (``TP41.3100``), a list without spaces (``132.650,133.000``). Each token here
carries every reading, so ``align`` can match a label's value to the characters that wrote it.
The text given is already normalised (``normalize_text``), so offsets are the message's.
"""
from __future__ import annotations

import attrs
import regex

from signalos.normalize import expand_shorthand, parse_number

# A number as written: 2,345.50 / 1,0850 / 0.00002150 / 30K. A dot before a line's first digits
# is kept so ".1" continuing "@2341" on the line above can be recognised.
_NUMBER = regex.compile(r"(?<!\d)(?<!\d[.,])(?:(?<=(?:^|\n)[ \t]*)\.)?\d+(?:[.,]\d+)*½?(?:[kK](?![\p{L}]))?")
_SPACE_THOUSANDS = regex.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d]|[.,]\d)")
_SPACE_DECIMAL = regex.compile(r"(?<![\d.,])(\d{1,2}) (\d{4,})(?![\d]|[.,]\d)")
# What may sit between the two numbers of a range written in shorthand (4785-90, 1.0850/60).
_RANGE_JOIN = regex.compile(r"\s*(?:-|/|~|to|до|تا)\s*", regex.IGNORECASE)
# An annotation right after a number says it is not a price: 30 pips, 3%, 20x.
_AFTER_PIPS = regex.compile(r"\s*(?:pips?|points?|pts?|пипс\w*|пункт\w*|پیپ)\b", regex.IGNORECASE)
_AFTER_PERCENT = regex.compile(r"\s*%")
_BEFORE_NUMBER = regex.compile(r"[ \t]*[).:\-]?[ \t]*[@$]?\d")
_TIMESTAMP = regex.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|(?<![\d.,])\d{1,2}:\d{2}(?::\d{2})?(?![\d.,])"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}[./]\d{2}[./]\d{2}")
_LINE_BREAK = regex.compile(r"[ \t]*\n[ \t]*")
_URL = regex.compile(r"(?:https?://|www\.|t\.me/)\S+")


@attrs.define
class NumberToken:
    """A number token: its span, the values it may mean, and what surrounds it."""

    start: int
    end: int
    values: list[float]
    context: str | None = None      # the label category in force (entry, stop_loss, ..., dir)
    glued: bool = False             # right after a letter: TP1, US30, x20
    pips: bool = False              # followed by pips/points
    percent: bool = False           # followed by %
    masked: bool = False            # inside a timestamp or a link
    ordinal: bool = False           # a list number before a price: "1) 1.0148", "TP 1 151.01"
    parts: tuple[tuple[int, int], ...] = ()  # sub-tokens a combined token covers


def _candidates(raw: str) -> list[float]:
    """Every value a written number may mean: its reading by ``parse_number`` and, where one
    separator could be either kind, the other reading (``19.450`` is 19.45 or DAX's 19450)."""
    values = []
    v = parse_number(raw)
    if v is not None:
        values.append(v)
    core = raw.rstrip("kK")
    if core.endswith("½") and "." in core[:-1]:
        # 81.139½ is half of the last decimal place (81.1395), not 81.139 + 0.5
        digits = core[:-1]
        if (base := parse_number(digits)) is not None:
            values.append(base + 0.5 * 10.0 ** -len(digits.rsplit(".", 1)[1]))
        core = digits
    if core.count(".") + core.count(",") == 1 and not raw.startswith("."):
        head, tail = core.replace(",", ".").split(".")
        if len(tail) == 3 and head not in ("", "0"):
            values.append(float(head + tail))         # the separator as thousands
            values.append(float(head + "." + tail))   # the separator as decimal point
    return list(dict.fromkeys(values))


def number_tokens(norm: str) -> list[NumberToken]:
    """Every number token of ``norm``, with the readings and surroundings ``align`` scores."""
    masked = [m.span() for m in _TIMESTAMP.finditer(norm)] + [m.span() for m in _URL.finditer(norm)]
    nums: list[NumberToken] = []
    for m in _NUMBER.finditer(norm):
        raw = m.group()
        start, end = m.span()
        tok = NumberToken(start, end, _candidates(raw))
        before = norm[start - 1] if start else ""
        tok.glued = before.isalpha()
        after = norm[end:end + 12]
        tok.pips = bool(_AFTER_PIPS.match(after))
        tok.percent = bool(_AFTER_PERCENT.match(after))
        tok.ordinal = len(raw) <= 2 and raw.isdigit() and bool(_BEFORE_NUMBER.match(after))
        tok.masked = any(a <= start < b for a, b in masked)
        nums.append(tok)
        nums.extend(_pieces(raw, tok))
    _add_shorthand(norm, nums)
    _add_continuations(norm, nums)
    _add_dropped_hundreds(norm, nums)
    for m in _SPACE_THOUSANDS.finditer(norm):
        v = parse_number(m.group())
        parts = tuple((t.start, t.end) for t in nums if m.start() <= t.start < m.end())
        if v is not None and len(parts) > 1:
            nums.append(NumberToken(m.start(), m.end(), [v], parts=parts))
    for m in _SPACE_DECIMAL.finditer(norm):
        # "Sl 1 7786": a space typed for the decimal point (1.7786); only a candidate reading
        parts = tuple((t.start, t.end) for t in nums if m.start() <= t.start < m.end() and not t.parts)
        nums.append(NumberToken(m.start(), m.end(), [float(m.group(1) + "." + m.group(2))], parts=parts))
    return nums


def _pieces(raw: str, tok: NumberToken) -> list[NumberToken]:
    """Readings of a token that are only part of it: a comma-separated list written without
    spaces (``132.650,133.000``) and a target's number glued to its price (``TP41.3100``,
    ``Tp1.1.96600``: the first digit is the ordinal)."""
    out = []
    if "," in raw and "." in raw:
        pos = 0
        for piece in raw.split(","):
            if "." in piece and (v := parse_number(piece)) is not None:
                out.append(NumberToken(tok.start + pos, tok.start + pos + len(piece), [v], context=None,
                                pips=tok.pips, percent=tok.percent, masked=tok.masked))
            pos += len(piece) + 1
    if tok.glued and len(raw) > 2 and raw[0].isdigit():
        cut = 2 if raw[1] == "." else 1
        rest = raw[cut:]
        if rest[:1].isdigit() and "." in rest and (v := parse_number(rest)) is not None:
            out.append(NumberToken(tok.start + cut, tok.end, [v], pips=tok.pips, percent=tok.percent, masked=tok.masked))
    return out


def _add_shorthand(norm: str, nums: list[NumberToken]) -> None:
    """``4785-90``: the short number also means the full price it abbreviates (4790)."""
    base: NumberToken | None = None
    for prev, tok in zip(nums, nums[1:]):
        joined = _RANGE_JOIN.fullmatch(norm, prev.end, tok.start)
        if not joined:
            base = None
            continue
        if base is None or not norm[prev.start:prev.end].isdigit():
            base = prev  # a chain 2320/18/15 expands every short one from the first full price
        full, short = norm[base.start:base.end], norm[tok.start:tok.end]
        value = expand_shorthand(full, short) if short.isdigit() else None
        if value is not None:
            tok.values.append(value)


def _add_continuations(norm: str, nums: list[NumberToken]) -> None:
    """``@2341`` then ``.1`` at the start of the next line: one price, 2341.1, across the break."""
    for prev, tok in zip(nums, nums[1:]):
        if norm[tok.start] != "." or not _LINE_BREAK.fullmatch(norm, prev.end, tok.start):
            continue
        digits = norm[prev.start:prev.end]
        if digits.isdigit():
            nums.append(NumberToken(prev.start, tok.end, [float(digits + norm[tok.start:tok.end])],
                             parts=((prev.start, prev.end), (tok.start, tok.end))))


def _add_dropped_hundreds(norm: str, nums: list[NumberToken]) -> None:
    """``301 و 297 خرید / استاپ 94 / تی پی 5 ، 9 ، 13``: a one- or two-digit number after a
    whole price may be its last digits (294, 305, 309, 313), on either side of the hundred."""
    base = next((t for t in nums if norm[t.start:t.end].isdigit() and t.end - t.start >= 3), None)
    if base is None:
        return
    full = norm[base.start:base.end]
    for tok in nums:
        short = norm[tok.start:tok.end]
        if tok.start > base.start and short.isdigit() and len(short) <= 2 and len(full) > len(short):
            value = float(full[:-len(short)] + short)
            step = 10.0 ** len(short)
            tok.values.extend(v for v in (value, value - step, value + step) if v not in tok.values)
