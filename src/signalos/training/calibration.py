"""Calibrating a learned parser's confidence on the validation split.

A model's raw score (a class probability, a mean token probability) is not the chance that its
answer is right. Isotonic regression of "the answer matched the label" on the raw score, fitted
on the validation split, gives a monotone map the chain's threshold can trust. It is stored as
JSON breakpoints in the manifest, so loading needs no fitting library and no pickle.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import attrs


@attrs.frozen
class Calibration:
    """Piecewise-constant increasing map from a raw score to a probability of being right."""

    thresholds: tuple[float, ...] = ()  # lower bound of each block's raw scores
    values: tuple[float, ...] = ()
    n: int = 0

    def __call__(self, raw: float) -> float:
        if not self.thresholds:
            return float(raw)
        i = bisect.bisect_right(self.thresholds, raw) - 1
        return self.values[max(i, 0)]

    def to_dict(self) -> dict[str, Any]:
        return {"method": "isotonic", "thresholds": list(self.thresholds), "values": list(self.values), "n": self.n}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Calibration:
        if not data:
            return cls()
        return cls(tuple(data.get("thresholds", ())), tuple(data.get("values", ())), int(data.get("n", 0)))


def fit(raw: Sequence[float], correct: Sequence[bool], prior: float = 1.0) -> Calibration:
    """Pool-adjacent-violators on (raw score, correct) pairs. ``prior`` pseudo-counts pull each
    block towards the overall accuracy, so a block of two messages does not claim 100%."""
    if not raw:
        return Calibration()
    pairs = sorted(zip(raw, (1.0 if c else 0.0 for c in correct)))
    base = sum(c for _, c in pairs) / len(pairs)
    blocks: list[list[float]] = []  # [lower raw, sum correct, count]
    for r, c in pairs:
        blocks.append([r, c, 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    values = [(s + prior * base) / (n + prior) for _, s, n in blocks]
    for i in range(1, len(values)):
        values[i] = max(values[i], values[i - 1])  # the prior may break monotony slightly
    thresholds = [-1e30] + [b[0] for b in blocks[1:]]
    return Calibration(tuple(thresholds), tuple(round(v, 4) for v in values), len(pairs))
