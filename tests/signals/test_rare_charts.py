"""g- and t-charts for rare events: limits against a published worked example
(Montgomery, Introduction to Statistical Quality Control, example 7.6, as
qicharts2's own test fixture ex_7.6_1.rds gives it) and independent
derivations, the Making Data Count rules on them, the values built from event
dates, and the command line."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.errors import UserError
from matequity.spc.between_events import g_from_monthly, g_values, t_values
from matequity.spc.chart import spc
from matequity.spc.rare_limits import g_limits, t_limits

runner = CliRunner()

# Montgomery example 7.6: hours between failures of a valve (table 7.14)
VALVE = [286, 948, 536, 124, 816, 729, 4, 143, 431, 8, 2837, 596, 81, 227, 603, 492, 1199, 1214,
         2831, 96]  # fmt: skip


def frame(values, start="2022-01-01"):
    return pd.DataFrame(
        {"date": pd.date_range(start, periods=len(values), freq="W"), "value": values}
    )


def test_t_limits_reproduce_qicharts2_on_montgomery_7_6():
    # qicharts2 (0.8, qic.t): I chart on y^(1/3.6) with sigma = mean mR / 1.128,
    # no screening; its fixture holds cl 430.0409518, lcl 0, ucl 6937.933488
    lim = t_limits(np.array(VALVE, float), screen=False, factor=3 / 1.128)
    assert lim.mean == pytest.approx(430.0409518, abs=5e-8)
    assert lim.upl == pytest.approx(6937.933488, abs=5e-7)
    assert lim.lpl == 0.0
    # Making Data Count's 2.66 (the default) differs only in the factor
    z = np.array(VALVE, float) ** (1 / 3.6)
    amr = np.mean(np.abs(np.diff(z)))
    mdc = t_limits(np.array(VALVE, float))
    assert mdc.upl == pytest.approx((z.mean() + 2.66 * amr) ** 3.6)
    assert mdc.near_upl == pytest.approx((z.mean() + 2 * 2.66 / 3 * amr) ** 3.6)
    assert z.mean() - 2.66 * amr < 0 and mdc.lpl == 0.0  # negative lower line -> 0


def test_g_limits_by_hand():
    # values 3, 0, 8, 1, 12: mean 4.8; sd = sqrt(4.8 x 5.8) = sqrt(27.84) = 5.2763624;
    # limits 4.8 + 3 x 5.2763624 = 20.6290872 and max(0, 4.8 - 15.83) = 0;
    # 2-sigma line 4.8 + 10.5527248 = 15.3527248; centre line the median, 3
    lim = g_limits(np.array([3, 0, 8, 1, 12], float))
    assert lim.mean == pytest.approx(4.8)
    assert lim.upl == pytest.approx(20.6290872, abs=1e-7)
    assert lim.near_upl == pytest.approx(15.3527248, abs=1e-7)
    assert (lim.lpl, lim.near_lpl, lim.centre_line) == (0.0, 0.0, 3.0)


@pytest.mark.parametrize("p", [0.001, 0.01, 0.2, 0.5])
def test_g_sigma_is_the_geometric_standard_deviation(p):
    # births before the next event ~ geometric on 0, 1, 2, ... (scipy's geom
    # shifted by one): its sd equals sqrt(m (m + 1)) at its mean m (Benneyan 2001)
    m = stats.geom.mean(p, loc=-1)
    assert math.sqrt(m * (m + 1)) == pytest.approx(stats.geom.std(p, loc=-1))
    lim = g_limits(np.array([m, m]))
    assert lim.upl == pytest.approx(m + 3 * stats.geom.std(p, loc=-1))


def test_g_chart_rules_use_the_median():
    # 12 gaps, then 7 long ones: the median of all 19 is 40 (the 10th), the mean
    # 38.42; the 7 are a run above the centre line (the median), an improvement
    # when longer gaps are better
    y = [30, 10, 50, 30, 5, 60, 30, 20, 40, 30, 25, 35, 48, 61, 44, 55, 45, 60, 52]
    out = spc(frame(y), chart="g")
    assert (out["centre"] == 40.0).all() and np.allclose(out["mean"], np.mean(y))
    assert (out["special_cause_type"].iloc[-7:] == "7 Points Above CL").all()
    assert (out["point_type"].iloc[-7:] == "special_cause_improvement").all()
    assert out["variation_type"].iloc[0] == "special_cause_improvement_high"
    # a very long gap is beyond the upper limit: fewer events than usual
    spike = spc(frame([20, 5, 30, 12, 8, 25, 15, 400]), chart="g")
    assert spike["special_cause_type"].iloc[-1] == "Above UCL"


def test_short_gaps_trend_down_is_a_concern_on_a_t_chart():
    y = [40.0, 35, 52, 30, 45, 38, 50, 33, 47, 41, 39, 37, 35, 33, 31, 29, 27]
    out = spc(frame(y), chart="t", improvement="increase")
    assert (out["special_cause_type"].iloc[-7:] == "7 Point Trend (Decreasing)").all()
    assert (out["point_type"].iloc[-7:] == "special_cause_concern").all()
    assert out["variation_type"].iloc[0] == "special_cause_concern_low"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.5, 500.0, allow_nan=False), min_size=3, max_size=40))
def test_t_chart_is_an_xmr_chart_of_the_transformed_times(times):
    t = spc(frame(times), chart="t")
    z = spc(frame([v ** (1 / 3.6) for v in times]))
    assert t["special_cause_type"].tolist() == z["special_cause_type"].tolist()
    assert t["point_type"].tolist() == z["point_type"].tolist()
    assert t["mean"].iloc[0] == pytest.approx(z["mean"].iloc[0] ** 3.6, rel=1e-9)
    if len(set(times)) == 1:  # no variation: no limits (NaN), as NHSRplotthedots
        assert t["upl"].isna().all() and z["upl"].isna().all()
        return
    assert t["upl"].iloc[0] == pytest.approx(z["upl"].iloc[0] ** 3.6, rel=1e-9)
    assert 0 <= t["lpl"].iloc[0] <= t["centre"].iloc[0] <= t["upl"].iloc[0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=2, max_size=40))
def test_g_limits_invariants(values):
    lim = g_limits(np.array(values, float))
    m = float(np.mean(values))
    assert 0 <= lim.lpl <= lim.near_lpl <= m <= lim.near_upl <= lim.upl
    assert lim.upl - m == pytest.approx(1.5 * (lim.near_upl - m))


# --- values from events ---------------------------------------------------------


def test_g_values_from_a_daily_table():
    # events: 1 on 1 Jan, 2 on 3 Jan, 1 on 5 Jan; births 10, 8, 9, (none on 4th), 7.
    # Each event is the last birth of its day: the second event gets the births
    # of 2-3 Jan (8 + 9 = 17), the third (same day) 1, the fourth 4-5 Jan (0 + 7)
    daily = pd.DataFrame(
        {
            "date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"],
            "events": [1, 0, 2, 1],
            "births": [10, 8, 9, 7],
        }
    )
    g = g_values(daily)
    assert g["value"].tolist() == [17, 1, 7]
    assert [str(d.date()) for d in g["date"]] == ["2024-01-03", "2024-01-03", "2024-01-05"]


def test_g_values_from_monthly_births_as_moss_spreads_them():
    # January 310 births (10 a day), February 290 (10 a day): events 10 Jan,
    # 20 Jan, two on 5 Feb -> 10 days x 10 = 100; 11 + 5 days -> 160; then 1
    monthly = pd.DataFrame({"month": ["2024-01", "2024-02"], "births": [310, 290]})
    events = pd.DataFrame({"date": ["2024-01-10", "2024-01-20", "2024-02-05"], "events": [1, 1, 2]})
    assert g_from_monthly(events, monthly)["value"].tolist() == [100, 160, 1]


def test_t_values_from_event_dates():
    t = t_values(pd.DataFrame({"date": ["2024-03-01", "2024-01-01", "2024-01-11", "2024-03-02"]}))
    assert t["value"].tolist() == [10, 50, 1]  # 2024 is a leap year
    counted = t_values(pd.DataFrame({"date": ["2024-01-01", "2024-01-11"], "events": [1, 1]}))
    assert counted["value"].tolist() == [10]
    with pytest.raises(UserError, match="two events on 2024-01-11"):
        t_values(pd.DataFrame({"date": ["2024-01-01", "2024-01-11"], "events": [1, 2]}))
    given_ = t_values(pd.DataFrame({"date": ["2024-01-01"], "time_between": ["6.5"]}))
    assert given_["value"].tolist() == [6.5]


@pytest.mark.parametrize(
    ("table", "fn", "message"),
    [
        (pd.DataFrame({"date": ["2024-01-01"], "births_between": [-1]}), g_values, "row 2"),
        (pd.DataFrame({"date": ["x"], "births_between": [3]}), g_values, "column 'date'"),
        (pd.DataFrame({"date": ["2024-01-01"]}), g_values, "births_between"),
        (pd.DataFrame({"date": ["2024-01-01"], "time_between": [0]}), t_values, "> 0"),
    ],
)
def test_bad_event_tables(table, fn, message):
    with pytest.raises(UserError, match=message):
        fn(table)


def test_g_chart_input_from_the_store(synthetic_store):
    from matequity import engine as engines
    from matequity.signals.from_store import daily_events, g_chart_input, monthly_events

    with engines.open("duckdb", synthetic_store) as engine:
        monthly, daily = monthly_events(engine), daily_events(engine)
    site = daily.groupby("site_code")["events"].sum().idxmax()
    g = g_chart_input(monthly, daily, site)
    n_events = int(daily.loc[daily["site_code"] == site, "events"].sum())
    assert len(g) == n_events - 1 and (g["value"] >= 1).all()
    # all the values together are the site's births from the first event's day on
    m = monthly[monthly["site_code"] == site]
    assert g["value"].sum() <= m["births"].sum()
    out = spc(g, chart="g")
    assert {"centre", "upl", "point_type"} <= set(out.columns)
    with pytest.raises(UserError, match="no births"):
        g_chart_input(monthly, daily, "NOPE")


# --- command line ----------------------------------------------------------------


def test_cli_t_chart_with_plot_and_annotation(tmp_path):
    src = tmp_path / "events.csv"
    days = np.cumsum([5, 9, 3, 14, 7, 11, 2, 8, 6, 13, 10, 4, 9, 12, 7])
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D")
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d")}).to_csv(src, index=False)
    out, svg = tmp_path / "t.csv", tmp_path / "t.svg"
    r = runner.invoke(
        app,
        [
            "spc",
            str(src),
            "-o",
            str(out),
            "--chart",
            "t",
            "--plot",
            str(svg),
            "--annotate",
            "2023-03-01:New escalation policy",
        ],
    )
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert got["value"].tolist() == np.diff(days).tolist()
    assert {"centre", "lpl", "upl", "point_type"} <= set(got.columns)
    assert "New escalation policy" in svg.read_text()


def test_cli_g_chart_from_a_daily_table_and_errors(tmp_path):
    src = tmp_path / "daily.csv"
    pd.DataFrame(
        {
            "date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"],
            "events": [1, 0, 2, 1],
            "births": [10, 8, 9, 7],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "g.csv"
    r = runner.invoke(app, ["spc", str(src), "-o", str(out), "--chart", "g"])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out)["value"].tolist() == [17, 1, 7]
    bad = tmp_path / "same_day.csv"
    pd.DataFrame({"date": ["2024-01-01", "2024-01-01"]}).to_csv(bad, index=False)
    r = runner.invoke(app, ["spc", str(bad), "-o", str(tmp_path / "x.csv"), "--chart", "t"])
    assert r.exit_code == 2 and "two events on 2024-01-01" in r.output
    assert not (tmp_path / "x.csv").exists()
    r = runner.invoke(app, ["spc", str(src), "-o", str(out), "--chart", "p"])
    assert r.exit_code == 2
