"""Intervals against PHEindicatormethods' published test values (transcribed in
shared/reference/stats_anchors.md, E1-E3), and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from matequity.stats.intervals import byars, exact_poisson, poisson_count_limits, wilson, z_value
from matequity.stats.rates import add_rates

REL = 1e-9

# E1: testdata_Byars_Wilson.xlsx (x, lower, upper, confidence)
BYARS_E1 = [
    (65, 50.163187710459454, 82.84913854593984, 0.95),
    (1045, 982.5932018073325, 1110.33121298565, 0.95),
    (1, 0.01307213290150435, 5.5637555824752605, 0.95),
    (65, 42.8802614714802, 94.00029084431802, 0.998),
    (1045, 947.9407035610374, 1148.806160988033, 0.998),
    (10, 2.916318374695686, 24.193724927880535, 0.998),
]
WILSON_E1 = [
    (65, 100, 0.5525444329688797, 0.7363575175690247, 0.95),
    (1045, 5000, 0.19795549880013297, 0.22049130373189027, 0.95),
    (0.445, 1, 0.04381744772058822, 0.9334621276979156, 0.95),
    (65, 100, 0.4954946574070431, 0.7783540614089697, 0.998),
    (1045, 5000, 0.19179381799015244, 0.22731562902525818, 0.998),
    (0.445, 1, 0.019347006132900975, 0.9702259947019541, 0.998),
]

# E2: phe_proportion, multiplier 1 (area, x, n, value, l95, u95, l998, u998)
PROPORTION_E2 = [
    (
        1,
        100,
        0.01,
        0.0017674320641406511,
        0.054486196178705294,
        0.000873065697299977,
        0.1045544528370582,
    ),
    (
        5,
        100,
        0.05,
        0.02154367915436798,
        0.11175046923191911,
        0.013865320725997183,
        0.16458852282596442,
    ),
    (
        20,
        100,
        0.2,
        0.1333669333310325,
        0.28882916559315885,
        0.10519162066711432,
        0.3471109417008601,
    ),
    (65, 100, 0.65, 0.5525444329688797, 0.7363575175690247, 0.4954946574070431, 0.7783540614089697),
    (
        9856,
        12345,
        0.7983799108950992,
        0.7912101752909069,
        0.8053640073614909,
        0.7869924108419063,
        0.8093061412589626,
    ),
    (
        7776456,
        7564336677,
        0.0010280420256339154,
        0.0010273201001641094,
        0.0010287644578977231,
        0.0010269040118442213,
        0.0010291812992698397,
    ),
    (
        222,
        3215,
        0.06905132192846034,
        0.060791690363636595,
        0.07833956681383633,
        0.05647101964624248,
        0.08418414185270134,
    ),
    (
        999,
        3456,
        0.2890625,
        0.27418951080009873,
        0.30440389662818057,
        0.26583995768074953,
        0.3134475449279985,
    ),
]

# E3: phe_rate, multiplier 100 (x, n, value, l95, u95, l998, u998, method)
RATE_E3 = [
    (
        1,
        100,
        1,
        0.025317807984289897,
        5.571643390938898,
        0.0010005003335835344,
        9.233413476451585,
        "Exact",
    ),
    (
        5,
        100,
        5,
        1.62348639011842,
        11.668332079322669,
        0.739371731917839,
        16.454745203680105,
        "Exact",
    ),
    (
        20,
        100,
        20,
        12.211428834875937,
        30.889880369197066,
        8.922802365144193,
        38.08503562504191,
        "Byars",
    ),
    (
        65,
        100,
        65,
        50.163187710459454,
        82.84913854593984,
        42.8802614714802,
        94.00029084431802,
        "Byars",
    ),
    (
        9856,
        12345,
        79.83799108950991,
        78.26949058976757,
        81.4300165427214,
        77.37590543271052,
        82.3544727709543,
        "Byars",
    ),
    (
        7776456,
        7564336677,
        0.10280420256339154,
        0.10273196005302074,
        0.10287648334092832,
        0.102690317308454,
        0.10291817639509068,
        "Byars",
    ),
    (
        222,
        3215,
        6.905132192846033,
        6.026574877652675,
        7.87572937087185,
        5.560737695259854,
        8.46104668173341,
        "Byars",
    ),
    (
        999,
        3456,
        28.90625,
        27.14130493609052,
        30.755833237378415,
        26.162147596445767,
        31.845604819822654,
        "Byars",
    ),
    (
        250,
        220,
        113.63636363636365,
        99.98494738532876,
        128.63114487455782,
        92.71000554438953,
        137.65123772147458,
        "Byars",
    ),
]


def assert_matches(out: pd.DataFrame, ref: pd.DataFrame, scale: float) -> None:
    """Every computed column equals the reference column times ``scale``."""
    pairs = {
        "value": "v",
        "lower_95": "l95",
        "upper_95": "u95",
        "lower_99_8": "l998",
        "upper_99_8": "u998",
    }
    for col, r in pairs.items():
        np.testing.assert_allclose(out[col], ref[r] * scale, rtol=1e-9)


def test_z_values():
    assert z_value(95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)


@pytest.mark.parametrize(("x", "lo", "hi", "c"), BYARS_E1)
def test_byars_e1(x, lo, hi, c):
    lcl, ucl = byars(x, c)
    assert float(lcl) == pytest.approx(lo, rel=REL)
    assert float(ucl) == pytest.approx(hi, rel=REL)


def test_byars_lower_na_when_negative():
    """E1 last row: x = 1 at 99.8% has no Byar's lower limit; upper 9.362180217908362."""
    lcl, ucl = byars(1, 0.998)
    assert np.isnan(lcl)
    assert float(ucl) == pytest.approx(9.362180217908362, rel=REL)


@pytest.mark.parametrize(("x", "n", "lo", "hi", "c"), WILSON_E1)
def test_wilson_e1(x, n, lo, hi, c):
    lcl, ucl = wilson(x, n, c)
    assert float(lcl) == pytest.approx(lo, rel=REL)
    assert float(ucl) == pytest.approx(hi, rel=REL)


def test_exact_poisson_small_counts():
    """Exact lower limit for 1 event at 95% is 0.0253178 (E1 note), zero count -> 0."""
    lcl, ucl = exact_poisson([0, 1], 0.95)
    assert lcl[0] == 0.0
    assert lcl[1] == pytest.approx(0.025317807984289897, rel=REL)
    assert ucl[0] == pytest.approx(-math.log(0.025), rel=1e-9)  # upper for 0 is -ln(alpha/2)


@pytest.mark.parametrize("mult", [1, 100])
def test_phe_proportion_e2(mult):
    df = pd.DataFrame(
        PROPORTION_E2, columns=["numerator", "denominator", "v", "l95", "u95", "l998", "u998"]
    )
    out = add_rates(df, "proportion", mult, levels=("95", "99_8"))
    assert_matches(out, df, mult)
    assert set(out["method"]) == {"Wilson"}


@pytest.mark.parametrize("mult", [100, 100000])
def test_phe_rate_e3(mult):
    df = pd.DataFrame(
        RATE_E3, columns=["numerator", "denominator", "v", "l95", "u95", "l998", "u998", "m"]
    )
    out = add_rates(df, "rate", mult, levels=("95", "99_8"))
    scale = mult / 100
    assert_matches(out, df, scale)
    assert list(out["method"]) == list(df["m"])


def test_phe_rate_grouped_switches_to_byars():
    """E3 grouped: Area2 doubled is 10 events -> Byar's, 95% per 100,000."""
    df = pd.DataFrame({"numerator": [2, 10], "denominator": [200, 200]})
    out = add_rates(df, "rate", 100000)
    assert list(out["method"]) == ["Exact", "Byars"]
    np.testing.assert_allclose(out["lower_95"], [121.10463927198258, 2393.7249569837822], rtol=1e-9)
    np.testing.assert_allclose(out["upper_95"], [3612.3438338619794, 9195.729302878237], rtol=1e-9)


def test_missing_values_give_missing_results():
    df = pd.DataFrame({"numerator": [None, 10, None], "denominator": [100, None, None]})
    out = add_rates(df, "proportion", 1)
    assert out[["value", "lower_95", "upper_95"]].isna().all().all()
    assert out["method"].isna().all()


def test_mbrrace_2021_crude_rates():
    """MBRRACE-UK 2021 births: 2,473 stillbirths in 698,909 births -> 3.54 per 1,000;
    1,151 neonatal deaths in 696,436 live births -> 1.65 (moss_mbrrace.md §2.6)."""
    df = pd.DataFrame(
        {"numerator": [2473, 1151, 3624], "denominator": [698909, 698909 - 2473, 698909]}
    )
    out = add_rates(df, "rate", 1000)
    assert [round(v, 2) for v in out["value"]] == [3.54, 1.65, 5.19]


@given(
    x=st.integers(0, 10_000),
    extra=st.integers(0, 100_000),
    c=st.sampled_from([0.95, 0.998]),
)
def test_wilson_matches_statsmodels_and_brackets(x, extra, c):
    n = x + extra
    if n == 0:
        return
    lcl, ucl = wilson(x, n, c)
    sl, su = proportion_confint(x, n, alpha=1 - c, method="wilson")
    assert float(lcl) == pytest.approx(sl, abs=1e-12)
    assert float(ucl) == pytest.approx(su, abs=1e-12)
    assert 0 <= float(lcl) <= x / n <= float(ucl) <= 1


@given(o=st.integers(0, 5000), c=st.sampled_from([0.95, 0.998]))
def test_poisson_limits_bracket_count(o, c):
    lcl, ucl, _m = poisson_count_limits(o, c)
    assert float(lcl) <= o <= float(ucl)


@given(
    x=st.integers(0, 500),
    n=st.integers(1, 100_000),
    m=st.sampled_from([1.0, 100.0, 1000.0, 1e5]),
    stat=st.sampled_from(["rate", "proportion"]),
)
def test_multiplier_only_rescales(x, n, m, stat):
    if stat == "proportion" and x > n:
        return
    df = pd.DataFrame({"numerator": [x], "denominator": [n]})
    one = add_rates(df, stat, 1.0)
    scaled = add_rates(df, stat, m)
    for col in ("value", "lower_95", "upper_95"):
        np.testing.assert_allclose(scaled[col], one[col] * m, rtol=1e-12)


@settings(max_examples=8, deadline=None)
@given(p=st.sampled_from([0.003, 0.02, 0.2]), n=st.sampled_from([500, 5000]))
def test_wilson_coverage_near_nominal(p, n):
    """Simulated coverage of the 95% Wilson interval is close to 95%."""
    rng = np.random.default_rng(12345)
    x = rng.binomial(n, p, size=4000)
    lcl, ucl = wilson(x, n, 0.95)
    cover = np.mean((lcl <= p) & (p <= ucl))
    assert 0.92 <= cover <= 0.975


@settings(max_examples=6, deadline=None)
@given(mu=st.sampled_from([2.0, 8.0, 30.0, 150.0]))
def test_poisson_coverage_at_least_nominal_ish(mu):
    """Exact limits are conservative; Byar's close to nominal."""
    rng = np.random.default_rng(99)
    o = rng.poisson(mu, size=4000)
    lcl, ucl, _m = poisson_count_limits(o, 0.95)
    cover = np.mean((lcl <= mu) & (mu <= ucl))
    assert 0.93 <= cover <= 0.995
