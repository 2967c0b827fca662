"""Small statistics for evaluation: bootstrap intervals, McNemar's exact test, P/R/F1, percentiles.

The bootstrap is scipy's and McNemar's test statsmodels'; bootstraps are seeded so the same data
and seed give the same interval on every machine.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import warnings

import numpy as np


def prf(correct: int, incorrect: int, missed: int, spurious: int) -> dict[str, float]:
    """Precision, recall and F1 in the MUC manner: a wrong value costs both precision and recall."""
    predicted = correct + incorrect + spurious
    labelled = correct + incorrect + missed
    p = correct / predicted if predicted else 0.0
    r = correct / labelled if labelled else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _percentile_bootstrap(data: tuple[np.ndarray, ...], statistic, *, n_resamples: int, seed: int,
                          confidence: float, paired: bool = False) -> list[float]:
    """scipy's percentile bootstrap, in batches that keep memory near 16 MB whatever the size."""
    from scipy.stats import DegenerateDataWarning, bootstrap

    n = len(data[0])
    if n == 1:
        # scipy needs two observations; every resample of one is that observation.
        value = float(np.asarray(statistic(*(d[None, :] for d in data), axis=-1)).ravel()[0])
        return [round(value, 4), round(value, 4)]
    with warnings.catch_warnings():
        # A sample with one value (all right, all wrong) has a degenerate distribution; its
        # percentile interval is that value, which is the answer wanted here.
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = bootstrap(data, statistic, n_resamples=n_resamples, batch=max(1, 2_000_000 // (n * len(data))),
                        vectorized=True, paired=paired, confidence_level=confidence, method="percentile",
                        rng=np.random.default_rng(seed))
    ci = res.confidence_interval
    return [round(float(ci.low), 4), round(float(ci.high), 4)]


def proportion_ci(successes: int, n: int, *, confidence: float = 0.95, n_resamples: int = 10000,
                  seed: int = 0) -> list[float]:
    """Percentile bootstrap interval of a proportion (``scipy.stats.bootstrap`` on the n outcomes).

    It costs n × ``n_resamples`` draws: about 0.7 s for 10,000 messages and 10,000 resamples.
    """
    if n == 0:
        return [0.0, 0.0]
    outcomes = np.zeros(n, dtype=np.float64)
    outcomes[:successes] = 1.0  # the order of the outcomes does not matter to their mean
    return _percentile_bootstrap((outcomes,), _mean, n_resamples=n_resamples, seed=seed, confidence=confidence)


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return x.mean(axis=axis)


def paired_bootstrap(columns: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], *,
                     n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> list[float]:
    """Percentile interval of ``statistic`` over messages resampled together (paired), by
    ``scipy.stats.bootstrap``.

    ``columns`` is an (n × k) array of per-message counts; ``statistic`` maps an (b × k) array of
    resampled column sums to b values (e.g. the F1 of run B minus that of run A).
    """
    n = columns.shape[0]
    if n == 0:
        return [0.0, 0.0]

    def on_sums(*resampled: np.ndarray, axis: int = -1) -> np.ndarray:
        # Each of the k columns arrives resampled as a (b × n) array, the same rows in all of them.
        sums = np.stack([c.sum(axis=axis) for c in resampled], axis=-1)
        return statistic(sums.reshape(-1, len(resampled))).reshape(sums.shape[:-1])

    return _percentile_bootstrap(tuple(np.asarray(columns, float).T), on_sums, n_resamples=n_resamples,
                                 seed=seed, confidence=confidence, paired=True)


def mcnemar_exact(only_a: int, only_b: int) -> dict[str, Any]:
    """McNemar's exact test on the discordant pairs of two paired binary outcomes (statsmodels').

    ``only_a``: messages A gets right and B wrong; ``only_b`` the reverse. Under the null
    hypothesis each discordant pair is a fair coin, so the p-value is a two-sided binomial test.
    """
    from statsmodels.stats.contingency_tables import mcnemar

    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(mcnemar([[0, only_a], [only_b, 0]], exact=True).pvalue)
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
