"""The statistics of A/B experiments: plain functions over counts and samples.

Fixed-horizon tests (two-proportion z-test, Fisher's exact test, Mann-Whitney U, McNemar) answer
"is there a difference in this sample"; they are valid only when looked at once, at a sample size
fixed in advance (``min_sample_size``). The decision rule of a running experiment is the mixture
sequential probability ratio test (mSPRT, Johari et al. 2017, "Always valid inference"): its
p-value stays valid however often it is looked at, so checking a dashboard every hour does not
inflate false positives.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from signalos.evaluation.stats import mcnemar_exact

SRM_THRESHOLD = 0.001


def _rate(successes: int, n: int) -> float:
    return successes / n if n else 0.0


def two_proportion_ztest(s_a: int, n_a: int, s_b: int, n_b: int) -> dict[str, Any]:
    """Two-sided z-test of p_b = p_a with the pooled standard error (statsmodels'
    ``proportions_ztest``)."""
    from statsmodels.stats.proportion import proportions_ztest

    pooled = (s_a + s_b) / (n_a + n_b) if n_a and n_b else 0.0
    if pooled in (0.0, 1.0):  # no data, or no variance: statsmodels answers NaN, there is no evidence
        return {"z": 0.0, "p_value": 1.0, "test": "two-proportion z-test"}
    z, p = proportions_ztest([s_b, s_a], [n_b, n_a])
    return {"z": round(float(z), 4), "p_value": float(p), "test": "two-proportion z-test"}


def fisher_exact(s_a: int, n_a: int, s_b: int, n_b: int) -> dict[str, Any]:
    """Fisher's exact test on the 2x2 table (successes, failures) x (A, B); two-sided."""
    table = [[s_b, n_b - s_b], [s_a, n_a - s_a]]
    odds, p = stats.fisher_exact(table)
    odds = float(odds)
    return {"odds_ratio": round(odds, 4) if math.isfinite(odds) else None, "p_value": float(p),
            "test": "Fisher exact"}


def diff_ci(s_a: int, n_a: int, s_b: int, n_b: int, confidence: float = 0.95) -> list[float]:
    """Newcombe's hybrid score interval of p_b - p_a (Wilson intervals of each rate combined;
    statsmodels' ``confint_proportions_2indep(method="newcomb")``); unlike the Wald interval it
    keeps its coverage near 0 and 1 and with small samples."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    if n_a == 0 or n_b == 0:
        # statsmodels divides by the count; an arm without data has Wilson interval [0, 1] and rate 0.
        return _newcombe_one_empty(s_a, n_a, s_b, n_b, confidence)
    lo, hi = confint_proportions_2indep(s_b, n_b, s_a, n_a, method="newcomb", compare="diff",
                                        alpha=1 - confidence)
    return [round(float(lo), 6), round(float(hi), 6)]


def _newcombe_one_empty(s_a: int, n_a: int, s_b: int, n_b: int, confidence: float) -> list[float]:
    from statsmodels.stats.proportion import proportion_confint

    def wilson(s: int, n: int) -> tuple[float, float]:
        return (0.0, 1.0) if n == 0 else tuple(float(v) for v in proportion_confint(s, n, 1 - confidence, "wilson"))

    pa, pb = _rate(s_a, n_a), _rate(s_b, n_b)
    (la, ua), (lb, ub) = wilson(s_a, n_a), wilson(s_b, n_b)
    d = pb - pa
    lo = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    hi = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return [round(lo, 6), round(hi, 6)]


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """Mann-Whitney U (two-sided) of two latency samples, with their medians and 95th percentiles.
    Rank-based, so a few slow outliers do not dominate as they would a t-test on means."""
    out: dict[str, Any] = {"test": "Mann-Whitney U", "n_a": len(a), "n_b": len(b)}
    if len(a) == 0 or len(b) == 0:
        return {**out, "u": None, "p_value": 1.0}
    res = stats.mannwhitneyu(np.asarray(a, float), np.asarray(b, float), alternative="two-sided")
    qa, qb = np.percentile(a, [50, 95]), np.percentile(b, [50, 95])
    return {**out, "u": float(res.statistic), "p_value": float(res.pvalue),
            "median_a": round(float(qa[0]), 4), "median_b": round(float(qb[0]), 4),
            "p95_a": round(float(qa[1]), 4), "p95_b": round(float(qb[1]), 4)}


def srm_check(counts: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD) -> dict[str, Any]:
    """Sample-ratio mismatch: chi-square goodness of fit of the observed assignment counts to the
    configured weights. ``flagged`` below ``threshold`` (0.001): the assignment or the logging is
    broken and no comparison of this experiment can be trusted."""
    counts = [int(c) for c in counts]
    total = sum(counts)
    w = np.asarray(weights, float)
    expected = (w / w.sum() * total).tolist()
    if total == 0 or len(counts) < 2:
        return {"chi2": 0.0, "p_value": 1.0, "flagged": False, "observed": counts,
                "expected": [round(e, 2) for e in expected], "threshold": threshold}
    chi2, p = stats.chisquare(counts, expected)
    return {"chi2": round(float(chi2), 4), "p_value": float(p), "flagged": bool(p < threshold),
            "observed": counts, "expected": [round(e, 2) for e in expected], "threshold": threshold}


def min_sample_size(p_base: float, mde: float, *, alpha: float = 0.05, power: float = 0.8,
                    ratio: float = 1.0) -> dict[str, int]:
    """Messages with an outcome needed per arm to detect an absolute change ``mde`` of a base
    success rate ``p_base`` with a two-sided test at ``alpha`` and the given ``power``.
    ``ratio`` is n_b / n_a (1.0 for an even split).

    statsmodels' ``samplesize_proportions_2indep_onetail``: the pooled variance under the null
    and the unpooled one under the alternative (Fleiss, without continuity correction). Its
    ``NormalIndPower`` on Cohen's arcsine effect size is another approximation and gives other
    figures (2,031 instead of 2,036 per arm for 85% -> 88%), so it is not the one used.
    """
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    if mde == 0:
        raise ValueError("the minimum detectable effect must not be 0")
    p1 = min(max(p_base, 1e-9), 1 - 1e-9)
    p2 = min(max(p_base + mde, 1e-9), 1 - 1e-9)
    # statsmodels counts its first group (here B, the changed rate) and takes nobs2 / nobs1.
    n_b = float(samplesize_proportions_2indep_onetail(p2 - p1, p1, power, ratio=1 / ratio, alpha=alpha,
                                                      alternative="two-sided"))
    n_a = math.ceil(n_b / ratio)
    return {"n_a": n_a, "n_b": math.ceil(n_a * ratio), "total": n_a + math.ceil(n_a * ratio)}


def msprt_log_lambda(theta_hat: float, variance: float, tau2: float) -> float:
    """Log of the mixture likelihood ratio for a normal estimate ``theta_hat`` with sampling
    ``variance`` of a difference whose null value is 0, mixing over N(0, tau2) alternatives."""
    if variance <= 0 or not math.isfinite(variance):
        return 0.0
    return 0.5 * math.log(variance / (variance + tau2)) + tau2 * theta_hat ** 2 / (2 * variance * (variance + tau2))


def msprt_proportions(s_a: int, n_a: int, s_b: int, n_b: int, *, tau: float, alpha: float = 0.05,
                      previous_p: float = 1.0) -> dict[str, Any]:
    """The always-valid test of p_b = p_a at one look.

    ``tau`` is the spread of plausible effects (about the minimum effect worth detecting).
    ``previous_p`` is the always-valid p-value of the last look: the p-value only ever falls, and
    the test rejects once it is below ``alpha``, at whatever look that happens.
    """
    if n_a == 0 or n_b == 0:
        return {"log_lambda": 0.0, "p_value": previous_p, "significant": previous_p < alpha,
                "threshold": round(1 / alpha, 4), "test": "mSPRT (always-valid)"}
    # Rates kept off 0 and 1 so that a tiny sample with no failures does not claim zero variance.
    pa, pb = (s_a + 0.5) / (n_a + 1), (s_b + 0.5) / (n_b + 1)
    variance = pa * (1 - pa) / n_a + pb * (1 - pb) / n_b
    log_lambda = msprt_log_lambda(_rate(s_b, n_b) - _rate(s_a, n_a), variance, tau * tau)
    p = min(previous_p, 1.0, math.exp(-log_lambda))
    return {"log_lambda": round(log_lambda, 4), "p_value": p, "significant": p < alpha,
            "threshold": round(1 / alpha, 4), "test": "mSPRT (always-valid)"}


def msprt_paired(only_a: int, only_b: int, n_pairs: int, *, tau: float, alpha: float = 0.05,
                 previous_p: float = 1.0) -> dict[str, Any]:
    """The always-valid test for paired binary outcomes (shadow mode): the per-message difference
    B - A is +1 on ``only_b`` pairs, -1 on ``only_a`` pairs and 0 elsewhere."""
    if n_pairs == 0:
        return {"log_lambda": 0.0, "p_value": previous_p, "significant": previous_p < alpha,
                "threshold": round(1 / alpha, 4), "test": "mSPRT paired (always-valid)"}
    mean = (only_b - only_a) / n_pairs
    second = (only_a + only_b + 1) / (n_pairs + 1)  # E[d^2], kept above 0 for tiny samples
    variance = max(second - mean * mean, 1e-12) / n_pairs
    log_lambda = msprt_log_lambda(mean, variance, tau * tau)
    p = min(previous_p, 1.0, math.exp(-log_lambda))
    return {"log_lambda": round(log_lambda, 4), "p_value": p, "significant": p < alpha,
            "threshold": round(1 / alpha, 4), "test": "mSPRT paired (always-valid)"}


def mcnemar(only_a: int, only_b: int) -> dict[str, Any]:
    """McNemar's exact test (statsmodels'; a binomial test on the discordant pairs) for shadow
    comparisons."""
    return mcnemar_exact(only_a, only_b)


def compare_proportions(s_a: int, n_a: int, s_b: int, n_b: int, *, confidence: float = 0.95) -> dict[str, Any]:
    """Every fixed-horizon figure of two success rates at once (rates, difference and its
    interval, z-test, Fisher)."""
    return {
        "rate_a": round(_rate(s_a, n_a), 6), "rate_b": round(_rate(s_b, n_b), 6),
        "difference": round(_rate(s_b, n_b) - _rate(s_a, n_a), 6),
        "ci": diff_ci(s_a, n_a, s_b, n_b, confidence), "confidence": confidence,
        "ztest": two_proportion_ztest(s_a, n_a, s_b, n_b), "fisher": fisher_exact(s_a, n_a, s_b, n_b),
    }


def simulate_aa(*, runs: int = 200, looks: int = 20, n_per_look: int = 500, rate: float = 0.85,
                tau: float = 0.02, alpha: float = 0.05, seed: int = 0) -> dict[str, Any]:
    """A/A experiments simulated from counts: how often the always-valid rule, and a naive z-test
    peeked at on every look, declare a winner between two identical arms. Each look adds
    ``n_per_look`` outcomes to each arm."""
    rng = np.random.default_rng(seed)
    increments = rng.binomial(n_per_look, rate, size=(runs, looks, 2))
    cum = increments.cumsum(axis=1)
    n = n_per_look * np.arange(1, looks + 1)
    sequential = naive = 0
    first_look: list[int] = []
    for r in range(runs):
        p, hit, naive_hit = 1.0, None, False
        for k in range(looks):
            s_a, s_b = int(cum[r, k, 0]), int(cum[r, k, 1])
            res = msprt_proportions(s_a, int(n[k]), s_b, int(n[k]), tau=tau, alpha=alpha, previous_p=p)
            p = res["p_value"]
            if hit is None and res["significant"]:
                hit = k + 1
            naive_hit |= two_proportion_ztest(s_a, int(n[k]), s_b, int(n[k]))["p_value"] < alpha
        if hit is not None:
            sequential += 1
            first_look.append(hit)
        naive += naive_hit
    return {"runs": runs, "looks": looks, "n_per_arm": int(n[-1]), "rate": rate, "alpha": alpha,
            "sequential_false_positive_rate": sequential / runs, "naive_peeking_false_positive_rate": naive / runs,
            "sequential_first_looks": first_look}
