"""matequity's own signal methods: equity signals, the risk-adjusted Bernoulli
CUSUM, and the evaluation against injected episodes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity import engine as engines
from matequity.cli.main import app
from matequity.signals import bernoulli
from matequity.signals.equity import equity_signals
from matequity.signals.evaluate import score
from matequity.signals.thresholds import moss_thresholds


def _groups(shift_from: str | None = None, factor: float = 2.0, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for y in range(2019, 2025):
        for m in range(1, 13):
            month = f"{y}-{m:02d}"
            for g, r in (("White", 0.004), ("Black", 0.008), ("Asian", 0.006)):
                f = factor if (shift_from and g == "Black" and month >= shift_from) else 1.0
                rows.append(("E92000001", g, month, rng.poisson(2000 * r * f), 2000))
    return pd.DataFrame(rows, columns=["org_code", "ethnic_group", "month", "events", "births"])


def test_equity_expected_is_the_others_rate_times_the_baseline_gap():
    df = _groups()
    res = equity_signals(df, "ethnic_group")
    row = res[(res.group == "Black") & (res.month == "2023-05")].iloc[0]
    base = df[df.month.str.slice(0, 4).isin(["2020", "2021", "2022"])]
    gb = base[base.ethnic_group == "Black"][["events", "births"]].sum()
    ob = base[base.ethnic_group != "Black"][["events", "births"]].sum()
    rr = (gb.events / gb.births) / (ob.events / ob.births)
    now = df[df.month == "2023-05"]
    others = now[now.ethnic_group != "Black"][["events", "births"]].sum()
    assert row["rate_ratio_baseline"] == pytest.approx(rr)
    assert row["expected"] == pytest.approx(2000 * others.events / others.births * rr)
    assert (row["k"], row["h1"]) == (
        moss_thresholds(row["expected"], 1.5).k,
        moss_thresholds(row["expected"], 1.5).h1,
    )
    assert res[res.month < "2022-01"]["level"].isna().all()  # no baseline yet


def test_a_widening_gap_signals_and_a_shared_rise_does_not():
    wide = equity_signals(_groups("2024-03"), "ethnic_group")
    black = wide[(wide.group == "Black") & (wide.month >= "2024-03")]
    assert (black["level"] == 2).any()
    # everyone's rate doubles together: the gap is unchanged, so no red signal
    df = _groups()
    late = df.month >= "2024-03"
    df.loc[late, "events"] = np.random.default_rng(5).poisson(
        2
        * df.loc[late, "births"]
        * df.loc[late, "ethnic_group"].map({"White": 0.004, "Black": 0.008, "Asian": 0.006})
    )
    shared = equity_signals(df, "ethnic_group")
    late_black = shared[(shared.group == "Black") & (shared.month >= "2024-03")]
    # the widening gap keeps the chart high; the shared rise leaves it near zero
    assert (black["level"] == 2).sum() >= 3
    assert (late_black["level"] == 2).sum() <= 1
    assert black["cusum"].mean() > 3 * late_black["cusum"].mean()


def test_bernoulli_weights_match_a_per_birth_computation(synthetic_store):
    engine = engines.open("duckdb", synthetic_store)
    rates = bernoulli.case_mix_rates(engine, (2022, 2022))
    daily = bernoulli.daily_weights(engine, rates, 2.0)
    # independently: every term birth with its cell risk, summed in pandas
    from matequity.engine import derive

    b = engine.execute(
        derive.babies_derived(
            engine.table("babies"), engine.table("organisations"), engine.table("imd_lookup")
        ).filter(lambda t: t.term_birth == 1)
    )
    b["multiple"] = (b["babies_in_delivery"].fillna(1) > 1).astype(int)
    b = b.merge(rates, on=list(bernoulli.CELLS), how="left")
    # a cell unseen in the reference years takes the overall rate
    b["risk"] = b["risk"].fillna(rates.attrs["overall"])
    b["pen"] = np.log(1 - b["risk"] + 2 * b["risk"])
    want = b.groupby(["site_code", "birth_date"]).agg(
        events=("moss_event", "sum"), expected=("risk", "sum"), penalty=("pen", "sum")
    )
    got = daily.assign(birth_date=daily["date"].dt.date).set_index(["site_code", "birth_date"])
    want.index = want.index.set_levels(pd.to_datetime(want.index.levels[1]).date, level=1)
    joined = got.join(want, rsuffix="_ref", how="inner")
    assert len(joined) == len(got) == len(want)
    assert (joined["events"] == joined["events_ref"]).all()
    assert np.allclose(joined["penalty"], joined["penalty_ref"])
    # the shrunk cell risks stay between the raw cell rate and the overall rate
    raw = rates["events"] / rates["births"]
    lo, hi = np.minimum(raw, rates.attrs["overall"]), np.maximum(raw, rates.attrs["overall"])
    assert ((rates["risk"] >= lo - 1e-12) & (rates["risk"] <= hi + 1e-12)).all()


def test_bernoulli_chart_recursion_by_hand():
    # one site, constant risk: W = y ln 2 - n ln(1 + p)
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    p, n = 0.01, 20
    events = np.zeros(60, int)
    events[[5, 6, 7, 8, 9, 30]] = 1
    daily = pd.DataFrame(
        {
            "site_code": "A",
            "date": days,
            "events": events,
            "expected": n * p,
            "penalty": n * math.log(1 + p),
        }
    )
    out = bernoulli.chart(daily, 2.0)
    s = 0.0
    for d in range(31):
        s = max(0.0, s + events[d] * math.log(2) - n * math.log(1 + p))
    jan = out[out.month == "2024-01"].iloc[0]
    assert jan["cusum"] == pytest.approx(s)
    assert jan["events"] == 6 and jan["expected"] == pytest.approx(31 * n * p)


def test_score_counts_false_signals_and_detections():
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    chart = pd.DataFrame(
        {
            "site_code": ["A"] * 12 + ["B"] * 12,
            "month": months * 2,
            "level": [0, 0, 1, *[0] * 9, 0, 0, 0, 0, 2, *[0] * 7],
        }
    )
    episodes = pd.DataFrame(
        {"site_code": ["B"], "start": ["2024-03-01"], "end": ["2024-06-30"], "odds_ratio": [2.0]}
    )
    births = pd.DataFrame({"site_code": ["A", "B"], "month": ["2024-01"] * 2, "births": [100, 100]})
    s = score({"m": chart}, episodes, births).set_index(["level", "odds_ratio"])
    assert s.loc[(1, "none"), "signals"] == 1 and s.loc[(1, "none"), "n"] == 1.2
    assert s.loc[(1, "2.0"), "rate"] == 1.0 and s.loc[(1, "2.0"), "median_months"] == 3
    assert s.loc[(2, "none"), "signals"] == 0


def test_equity_and_evaluate_cli(tmp_path):
    p = tmp_path / "g.csv"
    _groups("2024-03").to_csv(p, index=False)
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(
        app, ["signals", "equity", str(p), "--by", "ethnic_group", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert {"expected", "level", "rate_ratio_baseline"} <= set(pd.read_csv(out).columns)
    ev = tmp_path / "ev.csv"
    r = CliRunner().invoke(
        app, ["signals", "evaluate", "-o", str(ev), "--scale", "0.02", "--years", "2019-2023"]
    )
    assert r.exit_code == 0, r.output
    res = pd.read_csv(ev)
    assert set(res["method"]) == {"moss", "bernoulli_risk_adjusted"}
    assert set(res["level"]) == {1, 2}
    assert ((res["rate"] >= 0) | res["rate"].isna()).all()
    false = res[res["odds_ratio"] == "none"]
    assert np.allclose(false["rate"], false["signals"] / false["n"], rtol=0.01)
