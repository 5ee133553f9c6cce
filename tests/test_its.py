"""Interrupted time series against independent fits: R's glm() (fixtures in
tests/reference/glm/, re-run live when Rscript is present), hand-derived exact
cases, and simulated series whose known effects are recovered within the
intervals at the stated coverage."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from matequity.errors import UserError
from matequity.stats.its import its, month_index

REF = Path(__file__).parent / "reference" / "glm"


def _months(first: str, n: int) -> list[str]:
    y, m = int(first[:4]), int(first[5:]) - 1
    return [f"{(y * 12 + m + i) // 12}-{(y * 12 + m + i) % 12 + 1:02d}" for i in range(n)]


def _check_against_r(res: pd.DataFrame) -> None:
    d = pd.read_csv(REF / "data_its.csv")
    for disp in ("poisson", "quasi"):
        for k in (0, 1):
            out = its(d, "month", "2020-07", "ethnic_group", "White", "rate", 1000, disp, k)
            r = res[(res.dispersion == disp) & (res.seasonality == k)]
            for model, analysis, groups in (
                ("group", "its_group", ("White", "Black")),
                ("gap", "its_gap", ("Black",)),
            ):
                for g in groups:
                    v = r[(r.analysis == analysis) & (r.group == g)]
                    v = v.set_index("quantity")["value"].astype(float)
                    q = sps.t.ppf(0.975, v["df_resid"]) if disp == "quasi" else sps.norm.ppf(0.975)
                    rows = out[(out.model == model) & (out.group == g)].set_index("term")
                    for term, name, scale in (
                        ("level_change", "post", 1),
                        ("slope_change", "tpost", 12),
                    ):
                        o = rows.loc[term]
                        b, se = v[f"{name}_coef"] * scale, v[f"{name}_se"] * scale
                        assert np.log(o.estimate) == pytest.approx(b, abs=1e-8)
                        assert np.log(o.upper_95) - np.log(o.estimate) == pytest.approx(
                            q * se, rel=1e-6
                        )
                        assert np.log(o.estimate) - np.log(o.lower_95) == pytest.approx(
                            q * se, rel=1e-6
                        )
                        assert o.p_value == pytest.approx(v[f"{name}_p"], rel=1e-5)
                    if model == "group":
                        assert rows["dispersion"].iloc[0] == pytest.approx(
                            v["pearson_dispersion"], rel=1e-8
                        )


def test_matches_r_glm():
    _check_against_r(pd.read_csv(REF / "glm_results.csv", keep_default_na=False))


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_live_r_glm(tmp_path):
    out = tmp_path / "glm.csv"
    subprocess.run(
        ["Rscript", str(REF / "fit_glm.R"), str(REF), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    _check_against_r(pd.read_csv(out, keep_default_na=False))


def test_hand_derived_four_months():
    """Four months, intervention in the third: four parameters, four points, an exact
    fit. log r0 = b0; log r1 = b0 + b1; log r2 = b0 + 2 b1 + b2; log r3 = b0 + 3 b1 +
    b2 + b3, so b2 = log r2 − log r0 − 2(log r1 − log r0) and b3 = log r3 − log r2 −
    (log r1 − log r0)."""
    y = np.array([20, 25, 15, 30])
    n = np.array([10_000, 10_000, 12_000, 11_000])
    d = pd.DataFrame({"month": _months("2023-11", 4), "numerator": y, "denominator": n})
    lr = np.log(y / n)
    b1 = lr[1] - lr[0]
    b2 = lr[2] - lr[0] - 2 * b1
    b3 = lr[3] - lr[2] - b1
    # 4 points and 4 parameters leave no residual df: the Poisson fit still gives
    # the estimates; no dispersion or autocorrelation check is possible
    out = its(d, "month", "2024-01", multiplier=1000).set_index("term")
    assert out.loc["level_change", "estimate"] == pytest.approx(np.exp(b2), rel=1e-9)
    assert out.loc["slope_change", "estimate"] == pytest.approx(np.exp(12 * b3), rel=1e-8)
    assert out.loc["level_change", "months_pre"] == 2
    assert np.isnan(out.loc["level_change", "dispersion"])
    assert np.isnan(out.loc["level_change", "durbin_watson"])


@settings(max_examples=25, deadline=None)
@given(
    level=st.floats(0.5, 2.0),
    slope=st.floats(0.7, 1.3),
    trend=st.floats(-0.01, 0.01),
    start=st.integers(4, 30),
    gap_level=st.floats(0.6, 1.4),
    gap_slope=st.floats(0.8, 1.2),
)
def test_noise_free_series_recover_their_effects_exactly(
    level, slope, trend, start, gap_level, gap_slope
):
    """Expected counts (non-integer) equal to n × the model's rate: the fit is exact."""
    months = _months("2019-01", 36)
    rows = []
    for g, base, lv, sl in (
        ("ref", 0.003, level, slope),
        ("grp", 0.006, level * gap_level, slope * gap_slope),
    ):
        for i, m in enumerate(months):
            post = i >= start
            tp = i - start if post else 0
            rate = base * np.exp(trend * i) * (lv if post else 1.0) * sl ** (tp / 12)
            rows.append((g, m, 5000 * rate, 5000))
    d = pd.DataFrame(rows, columns=["eth", "month", "numerator", "denominator"])
    out = its(d, "month", months[start], "eth", "ref", multiplier=1000)
    grp = out[out.model == "group"].set_index(["group", "term"])["estimate"]
    gap = out[out.model == "gap"].set_index("term")["estimate"]
    assert grp["ref", "level_change"] == pytest.approx(level, rel=1e-6)
    assert grp["ref", "slope_change"] == pytest.approx(slope, rel=1e-6)
    assert grp["grp", "level_change"] == pytest.approx(level * gap_level, rel=1e-6)
    assert gap["level_change"] == pytest.approx(gap_level, rel=1e-6)
    assert gap["slope_change"] == pytest.approx(gap_slope, rel=1e-6)


def test_simulated_effects_are_covered_at_the_stated_rate():
    """400 simulated Poisson series (known level change 0.8, slope change 0.9 per
    year): the 95% intervals cover the truth in 92-98% of them (the binomial 99.9%
    range for 400 draws at 0.95 is about 0.92 to 0.98)."""
    rng = np.random.default_rng(17)
    months = _months("2018-01", 48)
    rows = []
    for rep in range(400):
        for i, m in enumerate(months):
            post = i >= 24
            tp = i - 24 if post else 0
            rate = 0.004 * np.exp(-0.002 * i) * (0.8 if post else 1) * 0.9 ** (tp / 12)
            n = int(rng.integers(3000, 5000))
            rows.append((rep, m, int(rng.poisson(n * rate)), n))
    d = pd.DataFrame(rows, columns=["rep", "month", "numerator", "denominator"])
    out = its(d, "month", "2020-01", multiplier=1000)
    for term, truth in (("level_change", 0.8), ("slope_change", 0.9)):
        r = out[out.term == term]
        assert len(r) == 400
        covered = ((r.lower_95 <= truth) & (truth <= r.upper_95)).mean()
        assert 0.92 <= covered <= 0.98, (term, covered)


def test_quasi_widens_intervals_for_overdispersed_series_and_autocorrelation_is_checked():
    rng = np.random.default_rng(3)
    months = _months("2018-01", 60)
    n = np.full(60, 4000)
    lam = n * 0.004 * rng.gamma(5.0, 1 / 5.0, 60)  # strong extra-Poisson variation
    d = pd.DataFrame({"month": months, "numerator": rng.poisson(lam), "denominator": n})
    p = its(d, "month", "2020-07", multiplier=1000, dispersion="poisson").set_index("term")
    q = its(d, "month", "2020-07", multiplier=1000, dispersion="quasi").set_index("term")
    phi = q.loc["level_change", "dispersion"]
    assert phi > 2
    wp = np.log(p.loc["level_change", "upper_95"] / p.loc["level_change", "lower_95"])
    wq = np.log(q.loc["level_change", "upper_95"] / q.loc["level_change", "lower_95"])
    tq = sps.t.ppf(0.975, 60 - 4) / sps.norm.ppf(0.975)
    assert wq / wp == pytest.approx(np.sqrt(phi) * tq, rel=1e-6)
    # an unmodelled yearly cycle leaves autocorrelated residuals: Durbin-Watson well
    # below 2 and a small Ljung-Box p-value; with one Fourier pair it is gone
    big = np.full(60, 200_000)
    cal = np.arange(60) % 12 + 1
    cycle = np.exp(0.15 * np.cos(2 * np.pi * cal / 12))
    d2 = pd.DataFrame(
        {"month": months, "numerator": rng.poisson(big * 0.004 * cycle), "denominator": big}
    )
    a = its(d2, "month", "2020-07", multiplier=1000).iloc[0]
    assert a["durbin_watson"] < 1.2 and a["ljung_box_p"] < 0.001
    b = its(d2, "month", "2020-07", multiplier=1000, seasonality=1).iloc[0]
    assert 1.3 < b["durbin_watson"] < 2.7 and b["ljung_box_p"] > 0.01  # sd of DW ~ 0.26
    assert b["note"].endswith("1 Fourier pair(s); slope_change per year")


def test_counterfactual_rate_is_the_pre_trend_projected():
    months = _months("2019-01", 24)
    rate = [0.003 * np.exp(0.01 * i) * (0.5 if i >= 12 else 1) for i in range(24)]
    d = pd.DataFrame(
        {"month": months, "numerator": [10_000 * r for r in rate], "denominator": 10_000}
    )
    out = its(d, "month", "2020-01", multiplier=1000).iloc[0]
    assert out["fitted_rate_end"] == pytest.approx(rate[-1] * 1000, rel=1e-6)
    assert out["counterfactual_rate_end"] == pytest.approx(rate[-1] * 2 * 1000, rel=1e-6)


def test_bad_input():
    d = pd.DataFrame({"month": _months("2020-01", 12), "numerator": 5, "denominator": 1000})
    with pytest.raises(UserError, match="--intervention"):
        its(d, "month", "2024-13", multiplier=1)
    with pytest.raises(UserError, match=r"after the first"):
        its(d, "month", "2019-06", multiplier=1)
    with pytest.raises(UserError, match="row 3, column 'month'"):
        its(d.assign(month=d.month.where(d.index != 2, "March")), "month", "2020-06", multiplier=1)
    with pytest.raises(UserError, match="poisson or quasi"):
        its(d, "month", "2020-06", multiplier=1, dispersion="negbin")
    with pytest.raises(UserError, match="--reference needs --by"):
        its(d, "month", "2020-06", reference="White", multiplier=1)
    short = its(d, "month", "2020-12", multiplier=1)
    assert "at least 2 months" in short["note"].iloc[0]
    assert month_index("2024-07") == 2024 * 12 + 6
