"""Funnel limits against PHEindicatormethods (E8, E11) and FunnelPlotR (E12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matequity.stats import overdispersion as od
from matequity.stats.funnel import (
    exact_limits,
    funnel,
    phe_position,
    poisson_mean_limits,
    wilson_inverse,
)

AV_PROP = 0.8064244785714955
# E8 proportions: Population -> (lower 95, upper 95, lower 99.8, upper 99.8), x100, 6 d.p.
PROP_ROWS = {
    27: (65.739462, 95.545433, 57.145237, 100),
    75: (71.700657, 89.584239, 66.544121, 94.740774),
    211: (75.311383, 85.973512, 72.237075, 89.04782),
    1008: (78.203374, 83.081521, 76.796814, 84.488082),
    4818: (79.526814, 81.758082, 78.883452, 82.401444),
    38775: (80.249188, 81.035707, 80.022404, 81.262492),
    110000: (80.408963, 80.875933, 80.274317, 81.010578),
}


@pytest.mark.parametrize(("n", "expected"), sorted(PROP_ROWS.items()))
def test_phe_proportion_limits_e8(n, expected):
    lo95, hi95 = wilson_inverse(n, AV_PROP, 0.95)
    lo998, hi998 = wilson_inverse(n, AV_PROP, 0.998)
    got = np.array([lo95, hi95, lo998, hi998]) * 100
    np.testing.assert_allclose(got, expected, atol=5e-7)


def test_wilson_inverse_unit_cases_e11():
    assert wilson_inverse(100000, 0.9, 0.95)[0] * 100 == pytest.approx(89.81406149030842, rel=1e-9)
    assert wilson_inverse(300000, 0.85, 0.998)[1] * 1000 == pytest.approx(
        852.0145849882799, rel=1e-9
    )


def test_poisson_means_against_phe_ratio_rows_e8():
    """PHE's bisection mu values for O = 1, 9, 10, 100, 684 (rel 1e-4: its bisection error)."""
    rows = {
        1: (5.571644585, 0.025317898, 9.233410143, 0.001000547),
        9: (17.08479966, 4.11537405, 22.65737951, 2.452425215),
        10: (18.39035799, 4.795387629, 24.13397235, 2.960519925),
        100: (121.6268111, 81.36400699, 134.9243187, 71.92139974),
        684: (737.2376756, 633.6939776, 768.7368323, 606.0208883),
    }
    for o, (u95, l95, u998, l998) in rows.items():
        lo95, hi95 = poisson_mean_limits(o, 0.95)
        lo998, hi998 = poisson_mean_limits(o, 0.998)
        np.testing.assert_allclose([hi95, lo95, hi998, lo998], [u95, l95, u998, l998], rtol=1e-4)


def test_phe_rate_funnel_rows_e8():
    """dsr funnel, av 116.1720835 per 100,000, 3 years of data: at the population
    on the 95% lower limit for E events (3 x the 1-year population), the lower
    limit is E / population."""
    av = 116.1720835 / 1e5
    for events, pop, limit in (
        (10, 5276.757672, 63.17010446),
        (159, 53290.17651, 99.45547842),
        (1360, 411529.9259, 110.158048),
    ):
        # population on the limit = mu_upper(E) / av; our limit at that population
        pop = pop * 3
        lo, _hi = exact_limits("rate", [pop], av, 0.95)
        assert lo[0] * 1e5 == pytest.approx(limit, rel=1e-6)
        assert lo[0] * pop == pytest.approx(events, rel=1e-6)
    for events, pop, limit in (
        (10, 1375.943768, 242.2579623),
        (159, 38806.26443, 136.5758874),
        (1360, 369759.5622, 122.6021934),
    ):
        _lo, hi = exact_limits("rate", [pop * 3], av, 0.95)
        assert hi[0] * 1e5 == pytest.approx(limit, rel=1e-6)
        assert hi[0] * pop * 3 == pytest.approx(events, rel=1e-6)


def test_funnelplotr_poisson_limits_e12():
    lo95, hi95 = exact_limits("ratio", [15, 20, 30], 1.0, 0.95)
    lo998, hi998 = exact_limits("ratio", [15, 20, 30], 1.0, 0.998)
    np.testing.assert_allclose(lo95, [0.5596924, 0.6108260, 0.6746958], atol=5e-8)
    np.testing.assert_allclose(hi95, [1.649348, 1.544419, 1.427562], atol=5e-7)
    np.testing.assert_allclose(lo998, [0.3862650, 0.4479107, 0.5289724], atol=5e-8)
    np.testing.assert_allclose(hi998, [2.082907, 1.902094, 1.702771], atol=5e-7)


def test_funnelplotr_phi_and_tau2_e12():
    o = np.array([100, 150, 180, 80, 120, 225])
    e = np.array([108, 112, 165, 95, 100, 220])
    disp, _z = od.estimate("ratio", o, e, 1.0)
    assert disp.n_used == 6  # nothing truncated with six units
    assert disp.phi == pytest.approx(2.948033175102358, rel=1e-12)
    assert disp.tau2 == pytest.approx(0.01947753057802157, rel=1e-9)
    lo, hi = od.limits("ratio", [100], 1.0, 1.959963984540054, disp, "tau2")
    assert lo[0] == pytest.approx(0.7142611, abs=5e-8)
    assert hi[0] == pytest.approx(1.4000482, abs=5e-8)


def test_phe_ratio_classification_examples_e8():
    cases = [
        (8, 6.239860227, "within", "within"),
        (151, 106.4429719, "above", "above"),
        (159, 232.9329036, "below", "below"),
        (150, 119.5695496, "above", "within"),
        (0, 240.6273499, "below", "below"),
    ]
    for o, e, p95, p998 in cases:
        assert phe_position("ratio", [o], [e], 1.0, 0.95)[0] == p95
        assert phe_position("ratio", [o], [e], 1.0, 0.998)[0] == p998


def test_phe_proportion_classification_examples_e8():
    cases = [
        (35078.488, 41980, "above", "above"),
        (24803.6256, 31824, "below", "below"),
        (50050.7443, 61921, "within", "within"),
    ]
    for o, n, p95, p998 in cases:
        assert phe_position("proportion", [o], [n], AV_PROP, 0.95)[0] == p95
        assert phe_position("proportion", [o], [n], AV_PROP, 0.998)[0] == p998


def test_funnel_table_and_overdispersion_choice():
    rng = np.random.default_rng(4)
    n = rng.integers(500, 8000, 60)
    p = np.clip(rng.normal(0.004, 0.0015, 60), 0.0005, None)  # overdispersed rates
    df = pd.DataFrame(
        {"unit": [f"u{i}" for i in range(60)], "numerator": rng.poisson(n * p), "denominator": n}
    )
    plain, disp = funnel(df, "rate", 1000, "none")
    adj, _ = funnel(df, "rate", 1000, "tau2")
    assert disp.phi > 1 and disp.tau2 > 0
    assert (adj["upper_95"] >= plain["upper_95"] - 1e-9).all()
    assert (adj["position_99_8"] != "within").sum() <= (plain["position_99_8"] != "within").sum()
    assert set(plain["position_95"]) <= {"above", "within", "below"}
    assert plain["target"].iloc[0] == pytest.approx(
        df.numerator.sum() / df.denominator.sum() * 1000
    )
    assert adj["limits"].iloc[0] == "overdispersed (tau2)"


@settings(max_examples=25, deadline=None)
@given(n=st.integers(5, 200000), t=st.floats(0.01, 0.99))
def test_proportion_limits_bracket_target_and_narrow(n, t):
    lo, hi = wilson_inverse(n, t, 0.95)
    lo2, hi2 = wilson_inverse(n * 4, t, 0.95)
    assert 0 <= lo <= t <= hi <= 1
    assert lo <= lo2 + 1e-12 and hi2 <= hi + 1e-12
    l998, h998 = wilson_inverse(n, t, 0.998)
    assert l998 <= lo + 1e-12 and hi <= h998 + 1e-12


@given(st.lists(st.floats(-5, 5), min_size=10, max_size=60))
def test_winsorising_bounds_phi(zs):
    """Winsorised phi never exceeds the raw mean square."""
    z = np.array(zs)
    assert np.mean(od._winsorise(z) ** 2) <= np.mean(z**2) + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5).map(lambda v: v / 2), min_size=1, max_size=60))
def test_truncation_ranks_as_scipy(zs):
    """FunnelPlotR's SHMI truncation ranks the z-scores with average ties
    (``rank()`` in R, ``scipy.stats.rankdata`` here): the units kept are those of
    that ranking, ties included."""
    from scipy.stats import rankdata

    from matequity.stats.overdispersion import _truncate

    z = np.array(zs)
    sp = np.floor(rankdata(z, method="average") * 10 / (z.size + 1))
    assert (_truncate(z) == ((sp > 0) & (sp < 9))).all()
