"""The statistics moved onto statsmodels and scipy give the figures of the hand-written code they
replaced: every expected value below was computed by that code at f816319, before the swap.

Deterministic figures (z-test, Newcombe interval, McNemar, sample size, isotonic calibration) must
be equal to the last printed digit; bootstrap intervals draw other random numbers than before,
so they must agree within the Monte Carlo error of their resamples."""
from __future__ import annotations

import numpy as np
import pytest

from signalos import abstats
from signalos.evaluation import stats
from signalos.training import calibration

# (s_a, n_a, s_b, n_b) -> z, p, 95% interval, 90% interval
PROPORTIONS = [
    ((850, 1000, 880, 1000), 1.963, 0.04964038686536856, [1.4e-05, 0.060008], [0.004851, 0.055164]),
    ((48, 80, 56, 70), 2.6502, 0.00804508136819656, [0.052431, 0.333873], [0.076564, 0.313645]),
    ((0, 10, 10, 10), 4.4721, 7.74421643104407e-06, [0.607509, 1.0], [0.698855, 1.0]),
    ((3, 10, 9, 10), 2.7386, 0.006169899320544151, [0.170523, 0.809018], [0.242112, 0.789624]),
    ((10, 10, 10, 10), 0.0, 1.0, [-0.277533, 0.277533], [-0.212942, 0.212942]),
    ((0, 0, 5, 10), 0.0, 1.0, [-0.53411, 0.763407], [-0.526273, 0.730728]),
    ((5, 7, 0, 3), -2.0702, 0.03843393023678171, [-0.917781, -0.049791], [-0.900434, -0.150137]),
    ((1, 2, 2, 3), 0.3727, 0.7093881150142265, [-0.445781, 0.654829], [-0.394066, 0.623615]),
]


@pytest.mark.parametrize("counts,z,p,ci95,ci90", PROPORTIONS)
def test_ztest_and_newcombe_interval_keep_their_figures(counts, z, p, ci95, ci90):
    res = abstats.two_proportion_ztest(*counts)
    assert res["z"] == z and res["p_value"] == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert abstats.diff_ci(*counts) == pytest.approx(ci95, abs=1e-6)
    assert abstats.diff_ci(*counts, confidence=0.9) == pytest.approx(ci90, abs=1e-6)


@pytest.mark.parametrize("only_a,only_b,p", [(5, 20, 0.004077), (0, 0, 1.0), (3, 3, 1.0), (0, 7, 0.015625),
                                             (10, 12, 0.831812), (1, 40, 0.0)])
def test_mcnemar_keeps_its_figures(only_a, only_b, p):
    assert stats.mcnemar_exact(only_a, only_b)["p_value"] == p
    assert abstats.mcnemar(only_a, only_b)["discordant"] == only_a + only_b


@pytest.mark.parametrize("p_base,mde,ratio,alpha,power,n_a,n_b", [
    (0.5, 0.1, 1, 0.05, 0.8, 388, 388), (0.85, 0.03, 1, 0.05, 0.8, 2036, 2036),
    (0.85, 0.01, 1, 0.05, 0.8, 19461, 19461), (0.85, 0.03, 2, 0.05, 0.8, 1508, 3016),
    (0.85, -0.03, 1, 0.05, 0.8, 2402, 2402), (0.6, 0.05, 0.5, 0.01, 0.9, 4193, 2097),
    (0.02, 0.01, 1, 0.05, 0.8, 3826, 3826)])
def test_sample_size_keeps_its_figures(p_base, mde, ratio, alpha, power, n_a, n_b):
    res = abstats.min_sample_size(p_base, mde, ratio=ratio, alpha=alpha, power=power)
    assert (res["n_a"], res["n_b"], res["total"]) == (n_a, n_b, n_a + n_b)


# (successes, n) -> 95% interval (10,000 resamples, seed 0), 90% interval (2,000 resamples, seed 3)
BOOTSTRAP = [((850, 1000), [0.828, 0.872], [0.831, 0.868]), ((0, 10), [0.0, 0.0], [0.0, 0.0]),
             ((10, 10), [1.0, 1.0], [1.0, 1.0]), ((1, 1), [1.0, 1.0], [1.0, 1.0]),
             ((45, 50), [0.82, 0.98], [0.82, 0.96]), ((7000, 10000), [0.691, 0.7089], [0.6923, 0.7078])]


@pytest.mark.parametrize("counts,ci95,ci90", BOOTSTRAP)
def test_proportion_bootstrap_agrees_with_the_old_one_within_monte_carlo_error(counts, ci95, ci90):
    s, n = counts
    # One step of the sample's own grid (1/n; 2/n for the small samples, whose 2.5% quantile
    # falls on a step), or three Monte Carlo standard errors of the quantile, whichever is larger.
    tol = max(2.0 / n if n <= 100 else 1.0 / n, 0.002)
    assert stats.proportion_ci(s, n) == pytest.approx(ci95, abs=tol)
    assert stats.proportion_ci(s, n, confidence=0.9, n_resamples=2000, seed=3) == pytest.approx(ci90, abs=tol)
    assert stats.proportion_ci(s, n, seed=5) == stats.proportion_ci(s, n, seed=5)  # seeded


def test_paired_bootstrap_agrees_with_the_old_one():
    rng = np.random.default_rng(7)
    ea = (rng.random(300) < 0.8).astype(float)
    eb = (rng.random(300) < 0.86).astype(float)
    cols = np.stack([ea, eb], axis=1)
    delta = lambda s: (s[:, 1] - s[:, 0]) / 300  # noqa: E731
    assert stats.paired_bootstrap(cols, delta) == pytest.approx([0.0267, 0.1467], abs=0.007)
    assert stats.paired_bootstrap(cols, delta, n_resamples=5000, seed=1, confidence=0.9) == \
        pytest.approx([0.04, 0.1367], abs=0.007)
    # Paired: resampling the two columns together keeps their correlation. Identical columns
    # give a difference of exactly 0 in every resample, which unpaired resampling would not.
    assert stats.paired_bootstrap(np.stack([ea, ea], axis=1), delta) == [0.0, 0.0]
    assert stats.paired_bootstrap(cols[:1], delta) == [round(float(delta(cols[:1])[0]), 4)] * 2


def _calibration_data():
    rng = np.random.default_rng(3)
    raw = np.round(rng.random(200), 2).tolist()
    return raw, (rng.random(200) < np.array(raw)).tolist()


def test_isotonic_calibration_keeps_its_breakpoints():
    cal = calibration.fit([0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 0.95],
                          [False, False, True, False, True, True, True, True])
    assert cal == calibration.Calibration((-1e30, 0.3, 0.7), (0.2083, 0.5417, 0.925), 8)
    raw, ok = _calibration_data()
    thresholds = (-1e30, 0.02, 0.13, 0.21, 0.25, 0.33, 0.37, 0.39, 0.48, 0.54, 0.67, 0.68, 0.94)
    assert calibration.fit(raw, ok) == calibration.Calibration(thresholds, (
        0.125, 0.125, 0.175, 0.2143, 0.2188, 0.2778, 0.3571, 0.3611, 0.4643, 0.6324, 0.6324, 0.8396, 0.95), 200)
    assert calibration.fit(raw, ok, prior=0.0) == calibration.Calibration(thresholds, (
        0.0, 0.0625, 0.1579, 0.1667, 0.2, 0.25, 0.3333, 0.3529, 0.4615, 0.6364, 0.6667, 0.8462, 1.0), 200)
    # Equal scores: wrong answers sort first, whatever the input order.
    assert calibration.fit([0.5, 0.5, 0.5, 0.2], [True, False, True, True]) == \
        calibration.Calibration((-1e30, 0.5), (0.5833, 0.9167), 4)
    assert calibration.fit([0.2, 0.5, 0.5, 0.5], [True, True, True, False]) == \
        calibration.Calibration((-1e30, 0.5), (0.5833, 0.9167), 4)
