"""The statistics of A/B experiments: known values, and the false-positive rate of the
sequential rule when an A/A experiment is looked at 20 times."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from signalos import abstats


def test_two_proportion_ztest_matches_the_pooled_formula():
    res = abstats.two_proportion_ztest(850, 1000, 880, 1000)
    pooled = 1730 / 2000
    z = 0.03 / np.sqrt(pooled * (1 - pooled) * 2 / 1000)
    assert res["z"] == pytest.approx(z, abs=1e-4)
    assert res["p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert abstats.two_proportion_ztest(0, 0, 5, 10)["p_value"] == 1.0


def test_fisher_exact_is_scipys_on_the_two_by_two_table():
    res = abstats.fisher_exact(3, 10, 9, 10)
    assert res["p_value"] == pytest.approx(stats.fisher_exact([[9, 1], [3, 7]])[1])


def test_difference_interval_is_newcombes():
    # Newcombe (1998), example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    lo, hi = abstats.diff_ci(48, 80, 56, 70)
    assert lo == pytest.approx(0.0524, abs=1e-4) and hi == pytest.approx(0.3339, abs=1e-4)
    lo, hi = abstats.diff_ci(0, 10, 10, 10)  # stays within [-1, 1] at the extremes
    assert -1 <= lo < hi <= 1


def test_mann_whitney_sees_a_slower_sample():
    rng = np.random.default_rng(0)
    fast, slow = rng.exponential(1.0, 400), rng.exponential(1.5, 400)
    res = abstats.mann_whitney(fast, slow)
    assert res["p_value"] < 0.01 and res["median_b"] > res["median_a"]
    assert abstats.mann_whitney([], [1.0])["p_value"] == 1.0


def test_sample_ratio_mismatch_is_flagged_below_0_001():
    balanced = abstats.srm_check([5000, 5050], [1, 1])
    assert not balanced["flagged"] and balanced["p_value"] > 0.5
    skewed = abstats.srm_check([5000, 5400], [1, 1])
    assert skewed["flagged"] and skewed["p_value"] < 0.001
    weighted = abstats.srm_check([2500, 7500], [1, 3])  # weights are respected
    assert weighted["p_value"] == pytest.approx(1.0)


def test_minimum_sample_size_is_the_classical_formula():
    # 50 % -> 60 %, alpha 0.05 two-sided, power 0.8: 388 per arm (Fleiss, without continuity correction).
    assert abstats.min_sample_size(0.5, 0.1)["n_a"] == 388
    small, large = abstats.min_sample_size(0.85, 0.03), abstats.min_sample_size(0.85, 0.01)
    assert large["n_a"] > 8 * small["n_a"]
    assert abstats.min_sample_size(0.85, 0.03, ratio=2.0)["n_b"] == 2 * abstats.min_sample_size(0.85, 0.03, ratio=2.0)["n_a"]


def test_mcnemar_is_a_binomial_test_on_discordant_pairs():
    res = abstats.mcnemar(5, 20)
    assert res["p_value"] == pytest.approx(stats.binomtest(20, 25, 0.5).pvalue, abs=1e-6)


def test_always_valid_p_value_never_rises():
    first = abstats.msprt_proportions(800, 1000, 860, 1000, tau=0.02)
    later = abstats.msprt_proportions(1600, 2000, 1610, 2000, tau=0.02, previous_p=first["p_value"])
    assert first["significant"] and later["p_value"] == first["p_value"]


def test_aa_experiment_checked_20_times_declares_a_winner_in_at_most_5_percent_of_200_runs():
    # The done-when of the A/B router: one version twice, 20 looks as data arrives, 200 runs.
    res = abstats.simulate_aa(runs=200, looks=20, n_per_look=500, rate=0.85, tau=0.02, seed=2026)
    assert res["sequential_false_positive_rate"] <= 0.05
    # The same runs judged by a fixed-horizon z-test at every look: peeking inflates the rate.
    assert res["naive_peeking_false_positive_rate"] > 0.10


@pytest.mark.parametrize("rate", [0.5, 0.95])
def test_aa_false_positives_stay_low_at_other_base_rates(rate):
    res = abstats.simulate_aa(runs=200, looks=20, n_per_look=500, rate=rate, tau=0.02, seed=11)
    assert res["sequential_false_positive_rate"] <= 0.05


def test_a_three_point_difference_is_found_within_20000_messages():
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(40):
        p = 1.0
        s = np.cumsum(rng.binomial(500, [0.85, 0.88], size=(20, 2)), axis=0)
        for k in range(20):
            res = abstats.msprt_proportions(int(s[k, 0]), 500 * (k + 1), int(s[k, 1]), 500 * (k + 1), tau=0.02,
                                            previous_p=p)
            p = res["p_value"]
        found += p < 0.05
    assert found >= 36  # power of about 90 % or more


def test_paired_msprt_keeps_aa_false_positives_low():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(200):
        p = 1.0
        only_a = only_b = n = 0
        for _ in range(20):
            a, b = rng.random(500) < 0.85, rng.random(500) < 0.85
            only_a += int(np.sum(a & ~b))
            only_b += int(np.sum(b & ~a))
            n += 500
            p = abstats.msprt_paired(only_a, only_b, n, tau=0.02, previous_p=p)["p_value"]
        hits += p < 0.05
    assert hits / 200 <= 0.05
