"""How unsure the chain is of one message, so a person labels the most useful messages first.

A message scores higher when the chain did not accept its answer, answered with low confidence,
when other parsers read it differently, and when its answer looks unlikely for what the text
holds (noise in a message full of prices, a signal without a stop or a target). Messages that
share a template (numbers and symbols masked) are spread out: the second message of a layout
ranks below the first message of every other layout of the same score, because ten labels of one
layout teach less than one label each of ten.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import regex

from signalos.models import ChainOutcome, ParseResult

# A price-like number: digits with an optional decimal part (not a date or a clock time).
_NUMBER = regex.compile(r"(?<![\p{Nd}:/])\p{Nd}+(?:[.,]\p{Nd}+)?(?![\p{Nd}:/])")

# What each doubt adds to the score; "not accepted" alone outranks any combination of the others
# but disagreement, which is the strongest sign the message teaches something.
WEIGHTS = {"not_accepted": 1.0, "low_confidence": 0.6, "disagreement": 0.8, "noise_with_prices": 0.7,
           "signal_without_levels": 0.4}


@attrs.frozen
class Doubt:
    """One message's uncertainty: ``score`` (higher = label it sooner), the ``reasons`` behind it
    and the chain's answer, proposed as the label to correct."""

    message_id: int
    score: float
    reasons: tuple[str, ...]
    proposed: dict[str, Any]
    template: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _same(a: ParseResult | None, b: ParseResult | None) -> bool:
    # the fields a person would have to correct; confidence and spans are no disagreement
    if a is None or b is None:
        return a is b
    return a.to_schema() == b.to_schema()


def assess(message_id: int, text: str, outcome: ChainOutcome, others: Sequence[ParseResult | None] = (),
           template: str | None = None) -> Doubt:
    """The doubt of one message from the chain's ``outcome`` and other parsers' answers."""
    result = outcome.result
    reasons: list[str] = []
    score = 0.0
    if not result.accepted:
        reasons.append("not_accepted")
        score += WEIGHTS["not_accepted"]
    if result.confidence < 0.8:
        reasons.append("low_confidence")
        score += WEIGHTS["low_confidence"] * (1.0 - max(0.0, min(1.0, result.confidence)))
    answered = [o for o in others if o is not None]
    if answered:
        differ = sum(1 for o in answered if not _same(o, result))
        if differ:
            reasons.append("disagreement")
            score += WEIGHTS["disagreement"] * differ / len(answered)
    prices = len(_NUMBER.findall(text))
    if result.kind == "noise" and prices >= 2:
        reasons.append("noise_with_prices")
        score += WEIGHTS["noise_with_prices"] * min(1.0, prices / 4)
    if result.kind == "signal" and (result.stop_loss is None or not result.take_profits):
        reasons.append("signal_without_levels")
        score += WEIGHTS["signal_without_levels"]
    return Doubt(message_id, round(score, 4), tuple(reasons), result.to_schema(), template)


def rank(doubts: Iterable[Doubt]) -> list[Doubt]:
    """Most doubtful first; each further message of a template counts half as much again."""
    pending = sorted(doubts, key=lambda d: (-d.score, d.message_id))
    seen: Counter[str | None] = Counter()
    keyed = []
    for d in pending:
        repeats = seen[d.template] if d.template else 0
        seen[d.template] += 1
        keyed.append((-(d.score / (1 + repeats)), repeats, d.message_id, d))
    return [d for *_, d in sorted(keyed, key=lambda k: k[:3])]
