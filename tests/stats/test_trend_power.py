"""Trends (against closed forms and simulated data) and power (closed forms checked
by simulation)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from matequity.errors import UserError
from matequity.stats import power
from matequity.stats.trend import no_finite_slope, time_value, trend


def test_time_labels():
    assert [time_value(x) for x in ("2024", "2024 Q3", "2024-07")] == [2024.0, 2024.5, 2024.5]


def _series(rate0, apc, years, births, group="All", measure="stillbirth"):
    t = np.arange(len(years))
    rates = rate0 * (1 + apc / 100) ** t
    return pd.DataFrame(
        {
            "measure": measure,
            "group": group,
            "period": [str(y) for y in years],
            "numerator": rates * births,
            "denominator": births,
        }
    )


def test_apc_recovered_exactly_from_an_exact_series():
    df = _series(0.004, -3.0, range(2015, 2025), 600_000)
    out = trend(df, "period").set_index("result")
    assert out.loc["trend", "estimate"] == pytest.approx(-3.0, abs=1e-6)


def test_ambition_projection_and_year_reached():
    """Rate 4.0 per 1,000 in 2015 falling 3% a year: reaches 2.5 when
    4 x 0.97^t = 2.5, t = ln(0.625)/ln(0.97) = 15.43 -> 2031."""
    df = _series(0.004, -3.0, range(2015, 2025), 600_000)
    amb = trend(df, "period").query("result == 'ambition'").iloc[0]
    assert amb["target"] == 2.5
    assert amb["projected_value"] == pytest.approx(4 * 0.97**10, rel=1e-6)
    assert amb["year_reached"] == str(math.ceil(2015 + math.log(0.625) / math.log(0.97)))
    rising = trend(_series(0.004, 1.0, range(2015, 2025), 600_000), "period")
    assert rising.query("result == 'ambition'")["year_reached"].iloc[0] == "not at the current pace"


def test_events_only_in_the_last_year_give_no_finite_trend():
    """Regression: a group whose events all fall in its last year has no finite
    slope (the Poisson fit diverges); the national report crashed with
    OverflowError. The trend is then NaN, the other groups unaffected."""
    years = ["2021", "2022", "2023"]
    rare = pd.DataFrame(
        {
            "measure": "maternal_mortality",
            "group": "Mixed",
            "period": years,
            "numerator": [0, 0, 1],
            "denominator": [900, 950, 1000],
        }
    )
    common = _series(0.0001, -3.0, range(2021, 2024), 500_000, "White", "maternal_mortality")
    out = trend(pd.concat([rare, common]), "period", by="group", reference="White")
    t = out[out["result"] == "trend"].set_index("group")
    assert np.isnan(t.loc["Mixed", ["estimate", "lower_95", "upper_95"]].astype(float)).all()
    assert t.loc["Mixed", "note"].startswith("no finite trend")
    assert out.query("result == 'gap' and group == 'Mixed'")["estimate"].isna().all()
    assert no_finite_slope(np.array([3, 0, 0])) and not no_finite_slope(np.array([0, 2, 0]))
    assert t.loc["White", "estimate"] == pytest.approx(-3.0, abs=1e-6)


def test_gap_narrowing_detected():
    years = range(2015, 2025)
    a = _series(0.008, -6.0, years, 50_000, "Black")
    b = _series(0.003, -1.0, years, 400_000, "White")
    out = trend(pd.concat([a, b]), "period", by="group", reference="White")
    gap = out.query("result == 'gap'").iloc[0]
    assert gap["group"] == "Black" and gap["direction"] == "narrowing"
    trends = out.query("result == 'trend'").set_index("group")["estimate"]
    assert trends["Black"] == pytest.approx(-6.0, abs=1e-6)
    assert gap["estimate"] == pytest.approx(0.94 / 0.99, rel=1e-6)


@pytest.mark.parametrize("results", [("ambition",), ("trend",), ("gap",), ("trend", "gap")])
def test_asking_for_some_results_gives_those_rows_of_the_whole_table(results):
    """``results`` fits only what is asked for (the national report wants the
    ambition alone); the rows are those of the whole table, in the same order."""
    years = range(2015, 2025)
    parts = [
        _series(0.008, -6.0, years, 50_000, "Black"),
        _series(0.003, -1.0, years, 400_000, "White"),
        _series(0.005, 2.0, years, 80_000, "Asian"),
        _series(0.0001, 1.0, years, 80_000, "Asian", "maternal_mortality"),
        _series(0.0001, -2.0, years, 400_000, "White", "maternal_mortality"),
    ]
    df = pd.concat(parts, ignore_index=True)
    whole = trend(df, "period", by="group", reference="White")
    some = trend(df, "period", by="group", reference="White", results=results)
    want = whole[whole["result"].isin(results)].reset_index(drop=True)
    assert len(want) and set(some["result"]) == set(results)
    pd.testing.assert_frame_equal(some, want, check_dtype=False)  # all-missing columns
    with pytest.raises(UserError, match="results"):
        trend(df, "period", results=("trends",))


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    years=st.integers(3, 12),
    rate=st.floats(1e-4, 0.05),
    apc=st.floats(-15, 15),
    births=st.integers(200, 700_000),
)
def test_log_linear_estimates_are_statsmodels_glm(seed, years, rate, apc, births):
    """The ambition's trend (intercept and slope of the Poisson log-linear model)
    is the maximum-likelihood fit statsmodels' GLM gives."""
    from matequity.stats.trend import log_linear

    rng = np.random.default_rng(seed)
    t = np.arange(2015, 2015 + years, dtype=float)
    n = rng.integers(births // 2 + 1, births + 2, size=years).astype(float)
    o = rng.poisson(rate * n * (1 + apc / 100) ** (t - t[0])).astype(float)
    if no_finite_slope(o) or o.sum() == 0:
        return
    a, b = log_linear(t, o, n)
    x = sm.add_constant(t - t.mean())
    res = sm.GLM(o, x, family=sm.families.Poisson(), offset=np.log(n)).fit(tol=1e-14)
    assert b == pytest.approx(res.params[1], rel=1e-8, abs=1e-10)
    assert a == pytest.approx(res.params[0] - res.params[1] * t.mean(), rel=1e-8, abs=1e-8)


def test_trend_interval_matches_statsmodels_on_noisy_counts():
    rng = np.random.default_rng(1)
    years = np.arange(2015, 2025)
    n = np.full(10, 100_000)
    o = rng.poisson(0.004 * n * 0.97 ** (years - 2015))
    df = pd.DataFrame(
        {"measure": "x", "period": years.astype(str), "numerator": o, "denominator": n}
    )
    got = trend(df, "period", statistic="rate", multiplier=1000).query("result == 'trend'").iloc[0]
    x = sm.add_constant(years - years.mean())
    res = sm.GLM(o, x, family=sm.families.Poisson(), offset=np.log(n)).fit()
    scale = max(1.0, res.pearson_chi2 / res.df_resid)
    res = sm.GLM(o, x, family=sm.families.Poisson(), offset=np.log(n)).fit(scale=scale)
    assert got["estimate"] == pytest.approx(100 * math.expm1(res.params[1]), rel=1e-9)
    assert got["p_value"] == pytest.approx(res.pvalues[1], rel=1e-6)


@settings(max_examples=10, deadline=None)
@given(
    births=st.sampled_from([3000, 6000, 40000]),
    rate=st.sampled_from([0.0035, 0.0017]),
    years=st.sampled_from([1, 3, 5]),
)
def test_detectable_change_closed_form_has_80_percent_power(births, rate, years):
    up, down = power.detectable_change(births, rate, years)
    assert up > 1
    assert math.isnan(down) or 0 < down < 1
    if not math.isnan(down):
        assert power.power_of_change(births, rate, years, down) == pytest.approx(0.8, abs=1e-6)
    assert power.power_of_change(births, rate, years, up) == pytest.approx(0.8, abs=1e-6)
    # simulation: Poisson counts in two periods, Wald test of the log rate ratio
    rng = np.random.default_rng(7)
    e0 = rate * births * years
    o0 = rng.poisson(e0, 20000)
    o1 = rng.poisson(e0 * up, 20000)
    ok = (o0 > 0) & (o1 > 0)
    z = np.log(o1[ok] / o0[ok]) / np.sqrt(1 / o1[ok] + 1 / o0[ok])
    sim_power = np.mean(np.abs(z) > 1.959964) * ok.mean()
    if e0 >= 15:
        assert sim_power == pytest.approx(0.8, abs=0.05)
    else:  # with very few events the normal approximation is conservative
        assert 0.75 <= sim_power <= 0.95


def test_more_years_detect_smaller_changes():
    changes = [power.detectable_change(4000, 0.0035, y)[0] for y in (1, 3, 5)]
    assert changes[0] > changes[1] > changes[2] > 1


def test_years_to_detect_gap_narrowing_by_simulation():
    b1, r1, b0, r0 = 40_000, 0.007, 300_000, 0.003
    y = power.years_to_detect_narrowing(b1, r1, b0, r0, 0.5)
    assert y is not None and power.gap_power(b1, r1, b0, r0, 0.5, y) >= 0.8
    assert y == 1 or power.gap_power(b1, r1, b0, r0, 0.5, y - 1) < 0.8
    rng = np.random.default_rng(3)
    rr1 = 1 + (r1 / r0 - 1) * 0.5
    sims = 20000
    o1a, o0a = rng.poisson(r1 * b1 * y, sims), rng.poisson(r0 * b0 * y, sims)
    o1b, o0b = rng.poisson(r0 * rr1 * b1 * y, sims), rng.poisson(r0 * b0 * y, sims)
    lr = np.log(o1b / o0b) - np.log(o1a / o0a)
    se = np.sqrt(1 / o1a + 1 / o0a + 1 / o1b + 1 / o0b)
    assert np.mean(np.abs(lr / se) > 1.959964) == pytest.approx(
        power.gap_power(b1, r1, b0, r0, 0.5, y), abs=0.03
    )
