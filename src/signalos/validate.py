"""One validator for every parser: a signal's levels must make a tradeable order.

``validate(result)`` returns the problems as sentences (empty when the order is sound); the chain
rejects an attempt with problems and records them as warnings.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Final

from signalos.models import ParseResult
from signalos.normalize import UNSPACED, default_symbols, expand_shorthand, normalize_text, parse_number

# A level further than this factor from the entry is a misread (a TP of 2 on gold at 2350,
# a pip count taken for a price), not a bold target.
MAGNITUDE_FACTOR: Final = 3.0


def median(values: Iterable[float]) -> float:
    """``statistics.median`` of a few numbers, the same float, without its checks and conversions
    (it runs on every parse)."""
    data = sorted(values)
    n = len(data)
    if n % 2:
        return data[n // 2]
    return (data[n // 2 - 1] + data[n // 2]) / 2


def infer_direction(entry: Sequence[float], stop_loss: float | None, take_profits: Iterable[float]) -> str | None:
    """Direction implied by the levels alone: SL below and TPs above the entry is a buy."""
    ref = median(entry) if entry else None
    tps = list(take_profits)
    if ref is None and stop_loss is not None and tps:
        return "buy" if tps[0] > stop_loss else "sell" if tps[0] < stop_loss else None
    if ref is None:
        return None
    if stop_loss is not None and stop_loss != ref:
        return "buy" if stop_loss < ref else "sell"
    if tps and tps[0] != ref:
        return "buy" if tps[0] > ref else "sell"
    return None


def validate(result: ParseResult) -> list[str]:
    """Problems that make a result unsafe to trade; ``[]`` when it is sound."""
    if result.kind == "update":
        return [] if result.actions else ["update without any action"]
    if result.kind != "signal":
        return []
    problems: list[str] = []
    if not result.symbol:
        problems.append("signal without a symbol")
    direction = result.direction
    if direction not in ("buy", "sell"):
        problems.append("signal without a direction")
    entry, sl, tps = result.entry, result.stop_loss, result.take_profits
    levels: tuple[float, ...] = (*entry, *tps) if sl is None else (*entry, *tps, sl)
    # one pass: every number finite (every comparison with NaN is false, so the side checks
    # below would pass it), and the lowest and highest level
    finite = True
    lowest = highest = 0.0
    for k, v in enumerate(levels):
        if not math.isfinite(v):
            finite = False
            break
        if k == 0 or v < lowest:
            lowest = v
        if k == 0 or v > highest:
            highest = v
    if finite:
        finite = _all_finite(result.take_profit_pips) and _finite_or_none(result.leverage) \
            and _finite_or_none(result.stop_loss_pips)
    if not finite:
        problems.append("a number is not finite")
        return problems
    if not levels:
        return problems
    if lowest <= 0:
        problems.append("a price is zero or negative")
        return problems
    magnitude = default_symbols().magnitude(result.symbol) if result.symbol else None
    if magnitude is not None:
        # "BUY EURUSD 430739": levels the instrument never trades at are a misread, not an order
        ref = median(entry or levels)
        if not magnitude[0] <= ref <= magnitude[1]:
            problems.append(f"prices near {ref:g} do not fit {result.symbol} (it trades at {magnitude[0]:g}-{magnitude[1]:g})")
    ref = median(entry or levels)
    if highest > ref * MAGNITUDE_FACTOR or lowest < ref / MAGNITUDE_FACTOR:
        far = [p for p in levels if p > ref * MAGNITUDE_FACTOR or p < ref / MAGNITUDE_FACTOR]
        problems.append(f"price magnitudes inconsistent: {far} beside a reference of {ref}")
    # The stop lies beyond the near edge of the entry zone, and no target inside the zone: a buy
    # from 2340-2350 with a target at 2345 contradicts itself (one at 2350 is only odd).
    if direction == "buy":
        low = min(entry) if entry else None
        if low is not None and sl is not None and sl >= low:
            problems.append(f"buy with stop loss {sl} not below entry {low}")
        if low is not None and tps and min(tps) <= low:
            problems.append(f"buy with a take profit not above entry {low}")
        elif low is not None and tps and min(tps) < max(entry):
            problems.append(f"buy with a take profit inside the entry zone {low}-{max(entry)}")
        if sl is not None and tps and min(tps) <= sl:
            problems.append("buy with a take profit not above the stop loss")
        if any(b < a for a, b in zip(tps, tps[1:])):
            problems.append("buy take profits not ascending")
    elif direction == "sell":
        high = max(entry) if entry else None
        if high is not None and sl is not None and sl <= high:
            problems.append(f"sell with stop loss {sl} not above entry {high}")
        if high is not None and tps and max(tps) >= high:
            problems.append(f"sell with a take profit not below entry {high}")
        elif high is not None and tps and max(tps) > min(entry):
            problems.append(f"sell with a take profit inside the entry zone {min(entry)}-{high}")
        if sl is not None and tps and max(tps) >= sl:
            problems.append("sell with a take profit not below the stop loss")
        if any(b > a for a, b in zip(tps, tps[1:])):
            problems.append("sell take profits not descending")
    return problems


def _all_finite(values: Iterable[float]) -> bool:
    for v in values:
        if not math.isfinite(v):
            return False
    return True


def _finite_or_none(value: float | None) -> bool:
    return value is None or math.isfinite(value)


_WORDS: Final = re.compile(r"[^\W_]+")
_NUMBERS: Final = re.compile(r"\d+(?:[.,]\d+)*")
# runs of a script written without spaces (Chinese, Japanese, Korean, Thai): a name is any piece
_UNSPACED: Final = re.compile(f"[{UNSPACED}]+")
_MAX_UNSPACED_NAME: Final = 6


def unspaced_symbols(text: str) -> list[str]:
    """Canonical symbols the symbol table's names give in the runs of a script written without
    spaces ("大餅空遺憾止損" names BTC): a word-by-word lookup never sees them. In text order."""
    table = default_symbols()
    out: list[str] = []
    for m in _UNSPACED.finditer(text):
        run = m.group()
        for i in range(len(run)):
            for k in range(1, min(_MAX_UNSPACED_NAME, len(run) - i) + 1):
                canon = table.canonical(run[i:i + k])
                if canon:
                    out.append(canon)
    return list(dict.fromkeys(out))



def ungrounded(result: ParseResult, text: str) -> list[str]:
    """Values of a signal that are not written in ``text``: a symbol no word of the message names
    and prices that are none of its numbers. A learned parser can invent them (a language model
    writes "XAUUSD" under a message that names no symbol, an encoder joins "1435" and ".5");
    a reading that invents is not a reading of that message, however sound the order looks."""
    if result.kind != "signal":
        return []
    text = normalize_text(text)
    problems: list[str] = []
    if result.symbol and not _names_symbol(text, result.symbol):
        problems.append(f"symbol {result.symbol} is not written in the message")
    found = list(_NUMBERS.finditer(text))
    numbers = [n for n in (parse_number(m.group()) for m in found) if n is not None]
    for a, b in zip(found, found[1:]):
        if b.start() - a.end() <= 3:  # "4785-90": the shorthand's reading is written too
            numbers.append(expand_shorthand(a.group(), b.group()) or 0.0)
    digits = "".join(ch for ch in text if ch.isdigit())
    for value in [*result.entry, *([result.stop_loss] if result.stop_loss is not None else []), *result.take_profits]:
        if any(abs(value - n) <= 1e-6 * max(abs(value), 1.0) for n in numbers):
            continue
        written = repr(float(value)).removesuffix(".0").replace(".", "")
        if written in digits:
            continue  # written across a break ("@2373\n.3"), or as a shorthand the reader expanded
        problems.append(f"{value:g} is not written in the message")
    return problems


def grounded(result: ParseResult, text: str) -> ParseResult | None:
    """``result`` when every value it holds is written in ``text``, else None: for a parser that
    can invent, an invented reading is no answer and the chain asks the next parser."""
    return None if ungrounded(result, text) else result


def _names_symbol(text: str, symbol: str) -> bool:
    table = default_symbols()
    words = _WORDS.findall(text)
    upper = {w.upper() for w in words}
    base = next((symbol[: -len(q)] for q in table.quotes if symbol.endswith(q) and len(symbol) > len(q)), symbol)
    if symbol in upper or base in upper:
        return True
    for i in range(len(words)):
        for k in (1, 2, 3):
            chunk = words[i:i + k]
            if len(chunk) < k:
                break
            for written in (" ".join(chunk), "".join(chunk)):
                if table.canonical(written) in (symbol, base):
                    return True
    return not text.isascii() and any(s in (symbol, base) for s in unspaced_symbols(text))
