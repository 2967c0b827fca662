"""Numbers a signal's reading left out: the parser's own measure of doubt.

A price written in the message that no field took ("BUY @ 3310 / BETTER 3305", a second signal's
entry, a target on a line the layout rules skipped) means the reading may be wrong. On the real
corpus about half of the signals with such a number were read wrongly, against 2.5% of the others,
so the parser says so in a warning and lowers its confidence: a chain with learned parsers then
asks them for a second opinion.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import Final

from signalos.normalize import parse_number
from signalos.validate import median

from signalos_regex.tokens import Tok

# Confidence of a reading that left a price-like number out: about the share of such readings
# that were right on the real corpus.
UNSURE: Final = 0.5
NEAR: Final = 1.18  # within this factor of the median level a number reads as a price of the same trade
MAX_INDEX: Final = 20  # "TP 3", "Signal no.7": small integers are labels' numbers, not prices
_UNIT: Final = re.compile(r"\s*(?:%|pips?\b|pts\b|points?\b|p\b|x\b)", re.IGNORECASE)


def unread_prices(text: str, toks: Iterable[Tok], levels: Sequence[float], used: Collection[int]) -> list[tuple[float, Tok]]:
    """The numbers of ``text`` that look like prices of the same trade as ``levels`` but are none
    of the tokens the reading used (``used``: their start offsets) and equal none of the levels,
    with their tokens."""
    if not levels:
        return []
    ref = median(levels)
    low, high = ref / NEAR, ref * NEAR
    out: list[tuple[float, Tok]] = []
    for tok in toks:
        if tok.kind != "num" or tok.skip or tok.start in used:
            continue
        value = parse_number(tok.text)
        if value is None or not low <= value <= high or any(abs(value - v) <= 1e-6 * abs(v) for v in levels):
            continue
        if value <= MAX_INDEX and value.is_integer() and not any(c in tok.text for c in ".,"):
            continue
        if _UNIT.match(text, tok.end):
            continue  # "150 pips", "60%", "20x": a distance, a share or leverage
        # (the empty string is "in" every string: a number that opens the text has no sign)
        before = text[tok.start - 1] if tok.start else " "
        if before in "+-" and (tok.start < 2 or text[tok.start - 2].isspace()):
            continue  # "+300", "-70": a result in pips or money, not a level
        out.append((value, tok))
    return out
