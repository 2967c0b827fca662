"""Calibrating a learned parser's confidence on the validation split.

A model's raw score (a class probability, a mean token probability) is not the chance that its
answer is right. Isotonic regression of "the answer matched the label" on the raw score, fitted
on the validation split, gives a monotone map the chain's threshold can trust. scipy fits it; it
is stored as JSON breakpoints in the manifest, so loading needs no fitting library and no pickle.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np


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
    """Isotonic regression (``scipy.optimize.isotonic_regression``, pool-adjacent-violators) of
    "correct" on the raw score. ``prior`` pseudo-counts pull each block towards the overall
    accuracy, so a block of two messages does not claim 100%."""
    from scipy.optimize import isotonic_regression

    if not raw:
        return Calibration()
    scores = np.asarray(raw, dtype=float)
    right = np.fromiter((1.0 if c else 0.0 for c in correct), dtype=float, count=len(scores))
    # Sorted by score, and among equal scores wrong before right, so that blocks split the same
    # way on every run whatever the input order.
    order = np.lexsort((right, scores))
    scores, right = scores[order], right[order]
    starts = isotonic_regression(right, increasing=True).blocks[:-1]
    sums = np.add.reduceat(right, starts)
    counts = np.diff(np.append(starts, len(right)))
    base = right.mean()
    values = ((sums + prior * base) / (counts + prior)).tolist()
    for i in range(1, len(values)):
        values[i] = max(values[i], values[i - 1])  # the prior may break monotony slightly
    thresholds = [-1e30] + scores[starts[1:]].tolist()
    return Calibration(tuple(thresholds), tuple(round(v, 4) for v in values), len(scores))
