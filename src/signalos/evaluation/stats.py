"""Small statistics for evaluation: bootstrap intervals, McNemar's exact test, P/R/F1, percentiles.

Bootstraps are seeded so the same data and seed give the same interval on every machine.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def prf(correct: int, incorrect: int, missed: int, spurious: int) -> dict[str, float]:
    """Precision, recall and F1 in the MUC manner: a wrong value costs both precision and recall."""
    predicted = correct + incorrect + spurious
    labelled = correct + incorrect + missed
    p = correct / predicted if predicted else 0.0
    r = correct / labelled if labelled else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def proportion_ci(successes: int, n: int, *, confidence: float = 0.95, n_resamples: int = 10000,
                  seed: int = 0) -> list[float]:
    """Percentile bootstrap interval of a proportion.

    Resampling n booleans with replacement and counting the successes is exactly a draw from
    Binomial(n, successes/n), so the bootstrap needs no index arrays even for a million messages.
    """
    if n == 0:
        return [0.0, 0.0]
    rng = np.random.default_rng(seed)
    draws = rng.binomial(n, successes / n, size=n_resamples) / n
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha])
    return [round(float(lo), 4), round(float(hi), 4)]


def bootstrap_weights(n: int, n_resamples: int, seed: int, chunk: int = 256):
    """Yield (chunk × n) matrices of resampling weights: how often each row was drawn."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_resamples:
        b = min(chunk, n_resamples - done)
        idx = rng.integers(0, n, size=(b, n))
        offsets = (np.arange(b) * n)[:, None]
        yield np.bincount((idx + offsets).ravel(), minlength=b * n).reshape(b, n)
        done += b


def paired_bootstrap(columns: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], *,
                     n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> list[float]:
    """Percentile interval of ``statistic`` over messages resampled together (paired).

    ``columns`` is an (n × k) array of per-message counts; ``statistic`` maps an (b × k) array of
    resampled column sums to b values (e.g. the F1 of run B minus that of run A).
    """
    n = columns.shape[0]
    if n == 0:
        return [0.0, 0.0]
    values = [statistic(w @ columns) for w in bootstrap_weights(n, n_resamples, seed)]
    dist = np.concatenate(values)
    alpha = (1 - confidence) / 2
    lo, hi = np.nanquantile(dist, [alpha, 1 - alpha])
    return [round(float(lo), 4), round(float(hi), 4)]


def mcnemar_exact(only_a: int, only_b: int) -> dict[str, Any]:
    """McNemar's exact test on the discordant pairs of two paired binary outcomes.

    ``only_a``: messages A gets right and B wrong; ``only_b`` the reverse. Under the null
    hypothesis each discordant pair is a fair coin, so the p-value is a two-sided binomial test.
    """
    from scipy.stats import binomtest

    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(binomtest(only_b, discordant, 0.5).pvalue)
    return {"only_a": only_a, "only_b": only_b, "discordant": discordant,
            "p_value": round(p, 6), "test": "McNemar exact (two-sided binomial on discordant pairs)"}


def percentiles(values: Sequence[float], qs=(50, 95, 99)) -> dict[str, float]:
    if not len(values):
        return {f"p{q}_ms": 0.0 for q in qs}
    arr = np.asarray(values, dtype=float)
    return {f"p{q}_ms": round(float(v), 3) for q, v in zip(qs, np.percentile(arr, qs))}


def histogram(values: Sequence[float], bins: int = 20) -> dict[str, list]:
    """Counts over equal-width bins from 0 to the 99.5th percentile; the last bin takes the rest."""
    if not len(values):
        return {"edges": [], "counts": []}
    arr = np.asarray(values, dtype=float)
    top = float(np.percentile(arr, 99.5)) or float(arr.max()) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    counts, _ = np.histogram(np.clip(arr, 0.0, top), bins=edges)
    return {"edges": [round(float(e), 4) for e in edges], "counts": [int(c) for c in counts]}
