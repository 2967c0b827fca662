"""Agreement between parsers, for pipelines whose ``fallback`` is ``"vote"``.

When the first parser of such a pipeline is not sure of its answer, every other parser is asked
and the answer most of them give wins. Two parsers that learned differently (rules, NER, an
encoder, a language model) rarely make the same mistake, so an answer two of them agree on is
worth more than one parser's confidence.
"""
from __future__ import annotations

from collections.abc import Sequence

from signalos.evaluation.scoring import score_row
from signalos.models import ParseResult


def agree(a: ParseResult, b: ParseResult) -> bool:
    """The two answers would trade the same way: the same kind, and for a signal the same symbol,
    direction, entry, stop and targets; for an update the same actions (the exact-match rule of
    the evaluation, with one answer standing for the label)."""
    if a.kind != b.kind:
        return False
    return score_row(a.to_schema(), b.to_schema()).exact


def majority(results: Sequence[ParseResult], quorum: int = 2) -> tuple[int, list[int]] | None:
    """The answer the most ``results`` agree on, as (index of its first giver, indices of all that
    gave it); ties go to the larger summed confidence, then to the earlier parser. None when no
    answer reaches ``quorum`` givers."""
    best: tuple[tuple[int, float], int, list[int]] | None = None
    for i, result in enumerate(results):
        group = [j for j, other in enumerate(results) if j == i or agree(result, other)]
        if group[0] != i:
            continue  # the same answer was counted from an earlier parser
        key = (len(group), sum(results[j].confidence for j in group))
        if best is None or key > best[0]:
            best = (key, i, group)
    if best is None or best[0][0] < quorum:
        return None
    return best[1], best[2]
