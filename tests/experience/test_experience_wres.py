"""WRES indicators against values derived by hand from the WRES technical
guidance's definitions, the narrowing tests against an independent fit, and
property tests of the invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from matequity.experience.wres import wres_indicators, wres_trend
from matequity.experience.wres_format import read_wres

Z = 1.959963984540054


def wilson(x, n):
    """Wilson score interval, written out from Wilson (1927)."""
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def table(rows) -> pd.DataFrame:
    df = pd.DataFrame(
        rows,
        columns=["org_code", "period", "indicator", "band", "group", "numerator", "denominator"],
    )
    df["staff_group"] = "All"
    return df


def one(res, indicator, period="2022", band="All"):
    r = res[(res.indicator == indicator) & (res.period == period) & (res.band == band)]
    assert len(r) == 1
    return r.iloc[0]


ROWS = [
    ("RAA", "2022", 1, "All", "BME", 1200, 5000),
    ("RAA", "2022", 1, "All", "White", 3700, 5000),
    ("RAA", "2022", 1, "Band 8a", "BME", 30, 250),
    ("RAA", "2022", 2, "All", "White", 300, 1000),
    ("RAA", "2022", 2, "All", "BME", 200, 1000),
    ("RAA", "2021", 3, "All", "White", 20, 3700),
    ("RAA", "2021", 3, "All", "BME", 15, 1200),
    ("RAA", "2022", 3, "All", "White", 18, 3700),
    ("RAA", "2022", 3, "All", "BME", 14, 1200),
    ("RAA", "2022", 4, "All", "White", 900, 3700),
    ("RAA", "2022", 4, "All", "BME", 250, 1200),
    ("RAA", "2022", 5, "All", "White", 250, 1000),
    ("RAA", "2022", 5, "All", "BME", 110, 350),
    ("RAA", "2022", 7, "All", "White", 600, 1000),
    ("RAA", "2022", 7, "All", "BME", 150, 350),
    ("RAA", "2022", 9, "Voting", "BME", 1, 12),
    ("RAA", "2022", 9, "Voting", "White", 11, 12),
    ("RAA", "2023", 2, "All", "White", 310, 1000),
    ("RAA", "2023", 2, "All", "BME", 240, 1000),
    ("RAA", "2024", 2, "All", "White", 310, 1000),
    ("RAA", "2024", 2, "All", "BME", 280, 1000),
]


@pytest.fixture(scope="module")
def res():
    return wres_indicators(table(ROWS))


def test_indicator_2_relative_likelihood_of_white_applicants_being_appointed(res):
    # Guidance: likelihood of White applicants being appointed from shortlisting
    # = White appointed / White shortlisted = 300/1000 = 0.30; BME: 200/1000 =
    # 0.20; relative likelihood = 0.30/0.20 = 1.5 (> 1: White more likely).
    # Katz: SE(ln RL) = sqrt(1/300 - 1/1000 + 1/200 - 1/1000) = 0.0795822.
    r = one(res, 2)
    se = math.sqrt(1 / 300 - 1 / 1000 + 1 / 200 - 1 / 1000)
    assert r.estimate == pytest.approx(1.5, rel=1e-12)
    assert r.estimate_lower_95 == pytest.approx(1.5 * math.exp(-Z * se), rel=1e-9)
    assert r.estimate_upper_95 == pytest.approx(1.5 * math.exp(Z * se), rel=1e-9)
    assert r.estimate_lower_95 == pytest.approx(1.28337, abs=1e-5)
    assert r.favours == "White" and r.clear
    assert r.white_value == pytest.approx(30.0) and r.bme_value == pytest.approx(20.0)
    lo, hi = wilson(300, 1000)
    assert (r.white_lower_95, r.white_upper_95) == pytest.approx((100 * lo, 100 * hi), rel=1e-9)


def test_indicator_3_bme_on_top_and_two_year_rolling(res):
    # BME on top: (BME entering / BME headcount) / (White entering / White
    # headcount). Two-year rolling (2021 + 2022): BME 29/2400, White 38/7400:
    # (29/2400) / (38/7400) = 2.353070; the 2021 row alone: (15/1200)/(20/3700).
    r = one(res, 3)
    assert r.estimate == pytest.approx((29 / 2400) / (38 / 7400), rel=1e-12)
    assert r.basis == "two-year rolling: 2021 and 2022"
    se = math.sqrt(1 / 29 - 1 / 2400 + 1 / 38 - 1 / 7400)
    assert r.estimate_upper_95 == pytest.approx(r.estimate * math.exp(Z * se), rel=1e-9)
    assert r.favours == "White"  # BME more likely to enter the process
    first = one(res, 3, "2021")
    assert first.estimate == pytest.approx((15 / 1200) / (20 / 3700)) and first.basis == "one year"
    single = wres_indicators(table(ROWS), rolling_disciplinary=False)
    assert one(single, 3).estimate == pytest.approx((14 / 1200) / (18 / 3700), rel=1e-12)


def test_indicator_4_white_on_top(res):
    # (900/3700) / (250/1200) = 1.167568: White more likely to access CPD
    r = one(res, 4)
    assert r.estimate == pytest.approx((900 / 3700) / (250 / 1200), rel=1e-12)
    assert r.favours == "White"


def test_staff_survey_percentages_gap_and_direction(res):
    # 5 (lower is better): White 250/1000 = 25%, BME 110/350 = 31.43%: gap
    # +6.43 points, BME worse off: favours White. Newcombe (1998, method 10):
    # d - sqrt((p1 - l1)^2 + (u0 - p0)^2), d + sqrt((u1 - p1)^2 + (p0 - l0)^2).
    r = one(res, 5)
    p1, p0 = 110 / 350, 250 / 1000
    l1, u1 = wilson(110, 350)
    l0, u0 = wilson(250, 1000)
    d = p1 - p0
    assert r.estimate == pytest.approx(100 * d, rel=1e-12)
    assert r.estimate_lower_95 == pytest.approx(100 * (d - math.hypot(p1 - l1, u0 - p0)), rel=1e-9)
    assert r.estimate_upper_95 == pytest.approx(100 * (d + math.hypot(u1 - p1, p0 - l0)), rel=1e-9)
    assert r.favours == "White"
    # 7 (higher is better): BME 150/350 = 42.86% below White 60%: favours White
    r7 = one(res, 7)
    assert r7.estimate == pytest.approx(100 * (150 / 350 - 0.6))
    assert r7.favours == "White"


def test_representation_indicators_1_and_9(res):
    # 1: BME share of Band 8a = 30/250 = 12% vs the workforce's 1200/5000 = 24%:
    # -12 points; interval = Wilson(30, 250) minus 24 (the workforce is the
    # fixed benchmark). 9: BME share of voting members 1/12 = 8.33% - 24%.
    r = one(res, 1, band="Band 8a")
    lo, hi = wilson(30, 250)
    assert r.estimate == pytest.approx(-12.0)
    assert r.estimate_lower_95 == pytest.approx(100 * lo - 24, rel=1e-9)
    assert r.estimate_upper_95 == pytest.approx(100 * hi - 24, rel=1e-9)
    assert r.benchmark_value == pytest.approx(24.0)
    assert "below the workforce" in r.reading
    r9 = one(res, 9, band="Voting")
    assert r9.estimate == pytest.approx(100 / 12 - 24)
    assert "board" in r9.reading
    wf = one(res, 1, band="All")
    assert wf.estimate == pytest.approx(24.0) and np.isnan(wf.gap)


def test_change_test_and_trend_narrowing_against_an_independent_fit():
    # Indicator 2: 1.5 (2022) -> 310/1000 over 280/1000 (2024). Change test on
    # the log scale: z = (ln RL24 - ln RL22) / sqrt(se22^2 + se24^2).
    tr = wres_trend(table(ROWS))
    r = tr[tr.indicator == 2].iloc[0]
    se22 = math.sqrt(1 / 300 - 1 / 1000 + 1 / 200 - 1 / 1000)
    se24 = math.sqrt(1 / 310 - 1 / 1000 + 1 / 280 - 1 / 1000)
    d = math.log((310 / 1000) / (280 / 1000)) - math.log(1.5)
    z = d / math.hypot(se22, se24)
    assert r.change == pytest.approx(d, rel=1e-9)
    assert r.change_p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-6)
    assert r.change_reading == "narrowed"  # towards 1 and p < 0.05
    # the weighted trend: statsmodels WLS with weights 1/se^2 and the scale fixed at 1
    ses, gs = [], []
    for w, b in ((300, 200), (310, 240), (310, 280)):
        ses.append(math.sqrt(1 / w - 1 / 1000 + 1 / b - 1 / 1000))
        gs.append(math.log(w / b))
    fit = sm.WLS(gs, sm.add_constant([2022, 2023, 2024]), weights=1 / np.square(ses)).fit(
        cov_type="fixed scale"
    )
    assert r.slope == pytest.approx(fit.params[1], rel=1e-8)
    assert r.slope_se == pytest.approx(fit.bse[1], rel=1e-6)
    assert r.trend_reading == "narrowed"


def test_widening_and_no_clear_change():
    rows = [
        ("T", "2021", 2, "All", "White", 300, 1000),
        ("T", "2021", 2, "All", "BME", 280, 1000),
        ("T", "2022", 2, "All", "White", 300, 1000),
        ("T", "2022", 2, "All", "BME", 150, 1000),
        ("T", "2021", 5, "All", "White", 25, 100),
        ("T", "2021", 5, "All", "BME", 27, 100),
        ("T", "2022", 5, "All", "White", 25, 100),
        ("T", "2022", 5, "All", "BME", 28, 100),
    ]
    tr = wres_trend(table(rows)).set_index("indicator")
    assert tr.loc[2, "change_reading"] == "widened"
    assert tr.loc[5, "change_reading"] == "no clear change"


counts = st.integers(1, 400)


@settings(deadline=None, max_examples=40)
@given(a=counts, n1=st.integers(400, 2000), c=counts, n0=st.integers(400, 2000))
def test_swapping_groups_inverts_a_relative_likelihood(a, n1, c, n0):
    def rl(w, nw, b, nb):
        rows = [("T", "2022", 2, "All", "White", w, nw), ("T", "2022", 2, "All", "BME", b, nb)]
        return one(wres_indicators(table(rows)), 2)

    r, s = rl(a, n1, c, n0), rl(c, n0, a, n1)
    assert s.estimate == pytest.approx(1 / r.estimate, rel=1e-9)
    assert s.estimate_lower_95 == pytest.approx(1 / r.estimate_upper_95, rel=1e-9)
    assert s.estimate_upper_95 == pytest.approx(1 / r.estimate_lower_95, rel=1e-9)
    assert (r.favours, s.favours) in {("White", "BME"), ("BME", "White"), ("neither", "neither")}


@settings(deadline=None, max_examples=60)
@given(
    ind=st.sampled_from([2, 3, 4, 5, 6, 7, 8]),
    a=st.integers(0, 300),
    c=st.integers(0, 300),
    n1=st.integers(300, 900),
    n0=st.integers(300, 900),
)
def test_intervals_contain_the_estimate(ind, a, c, n1, n0):
    rows = [("T", "2022", ind, "All", "White", a, n1), ("T", "2022", ind, "All", "BME", c, n0)]
    r = one(wres_indicators(table(rows)), ind)
    for pre in ("white", "bme"):
        assert r[f"{pre}_lower_95"] <= r[f"{pre}_value"] <= r[f"{pre}_upper_95"]
    if np.isfinite(r.estimate):
        assert r.estimate_lower_95 <= r.estimate <= r.estimate_upper_95
    else:
        assert a == 0 or c == 0  # no relative likelihood without events in both groups


def test_loader_reads_the_documented_csv(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text(
        "org_code,period,indicator,band,group,numerator,denominator\n"
        "RAA,2022/23,2,,White,30,100\nRAA,2022/23,2,,BAME,20,100\n"
        "RAA,2022/23,1,band 8A,Ethnic minority,3,25\n"
    )
    df = read_wres(p)
    assert list(df["group"]) == ["White", "BME", "BME"]
    assert list(df["band"]) == ["All", "All", "Band 8a"]
    assert one(wres_indicators(df), 2, "2022/23").estimate == pytest.approx(1.5)
