"""MOSS: grid, ARL, thresholds and the chart against worked examples derived
independently of this code (shared/reference/moss_mbrrace.md §1.6, an
independent port of CUSUMdesign's Fortran), the Markov-chain ARL against
simulation, and the chart's invariants (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.signals.arl import arl
from matequity.signals.grid import rationalise
from matequity.signals.moss import moss, run_chart, signal_summary
from matequity.signals.thresholds import get_h, moss_thresholds, reference_value
from matequity.signals.vlad import vlad

# (mu0, k, d, h1, ARL at h1, h2, ARL at h2): reference notes, table "Illustrative thresholds"
THRESHOLDS = [
    (0.2, 2 / 7, 7, 9 / 7, 22.07, 19 / 7, 101.26),
    (0.5, 5 / 7, 7, 12 / 7, 23.96, 25 / 7, 111.48),
    (1.0, 10 / 7, 7, 13 / 7, 21.36, 28 / 7, 109.62),
    (0.6, 6 / 7, 7, 11 / 7, 20.32, 25 / 7, 102.22),
]


@pytest.mark.parametrize(("mu0", "k", "d", "h1", "a1", "h2", "a2"), THRESHOLDS)
def test_moss_thresholds_match_the_worked_table(mu0, k, d, h1, a1, h2, a2):
    t = moss_thresholds(mu0)
    assert t.d == d and t.k == pytest.approx(k, abs=1e-12)
    assert t.h1 == pytest.approx(h1, abs=1e-6) and t.h2 == pytest.approx(h2, abs=1e-6)
    assert t.arl1 == pytest.approx(a1, abs=0.005) and t.arl2 == pytest.approx(a2, abs=0.005)
    # h is the *smallest* grid value reaching the target
    assert arl(mu0, round(k * d), round(h1 * d) - 1, d) < 20
    assert arl(mu0, round(k * d), round(h2 * d) - 1, d) < 100


def test_getden_rule_by_hand():
    # k = 0.29 (mu0 = 0.2, k0 = 0.2885 rounded to 0.01): errors by d are 0.29, 0.58,
    # 0.87, 0.16, 0.45, 0.74, 0.03, ...: none < 0.01, smallest at d = 7 -> k = 2/7
    g = rationalise(0.29)
    assert (g.d, g.k_steps) == (7, 2) and g.k == pytest.approx(2 / 7)
    # an exact grid value is kept as it is
    assert rationalise(0.5).d == 2 and rationalise(0.5).k == 0.5
    # the Fortran MOD quirk: 0.98 is 0.02 below 1 but scores 0.98 at d = 1; the
    # smallest score is 0.80 at d = 10, so the grid is tenths
    g = rationalise(0.98)
    assert g.d == 10 and g.k == pytest.approx(1.0)
    assert reference_value(0.5) == pytest.approx(0.5 / math.log(2))


def test_markov_arl_against_simulation():
    rng = np.random.default_rng(20261123)
    mu, k, h = 0.5, 5 / 7, 12 / 7
    runs = []
    for _ in range(20000):
        s, t = 0.0, 0
        while True:
            t += 1
            s = max(0.0, s + rng.poisson(mu) - k)
            if s >= h - 1e-9:
                break
        runs.append(t)
    runs = np.array(runs)
    want = arl(mu, 5, 12, 7)
    assert want == pytest.approx(23.96, abs=0.005)
    assert abs(runs.mean() - want) < 3 * runs.std() / math.sqrt(len(runs))


def test_chart_worked_example_reset_and_levels():
    # reference notes §1.6: k = 5/7, h1 = 12/7, h2 = 25/7
    ev = np.array([0, 1, 2, 0, 3, 1, 2, 0, 0, 1], float)
    n = len(ev)
    s, lv, rs = run_chart(
        ev, np.full(n, 5 / 7), np.full(n, 7), np.full(n, 12 / 7), np.full(n, 25 / 7)
    )
    want = [0, 0.2857, 1.5714, 0.8571, 3.1429, 3.4286, 4.7143, 0, 0, 0.2857]
    assert np.allclose(s, want, atol=5e-5)
    assert lv.tolist() == [0, 0, 0, 0, 1, 1, 2, 0, 0, 0]
    assert rs.tolist() == [False] * 7 + [True, False, False]


def test_level_one_needs_an_event_that_month():
    # 4 events: S = 3.2857 (level 1); then none: S = 2.5714 >= h1 but no event -> 0
    ev = np.array([4, 0], float)
    s, lv, _ = run_chart(
        ev, np.full(2, 5 / 7), np.full(2, 7), np.full(2, 12 / 7), np.full(2, 25 / 7)
    )
    assert s[1] >= 12 / 7 and lv.tolist() == [1, 0]


def test_expected_count_the_moss_way():
    # two sites, 2021-2025; England's rate for 2025 = events / births over 2022-2024
    rows = []
    for y in range(2021, 2026):
        for m in range(1, 13):
            rows.append(("A", f"{y}-{m:02d}", 1 if m == 6 else 0, 100 + y - 2021))
            rows.append(("B", f"{y}-{m:02d}", 1 if m in (3, 9) else 0, 300))
    df = pd.DataFrame(rows, columns=["site_code", "month", "events", "births"])
    chart = moss(df)
    a25 = chart[(chart.site_code == "A") & chart.month.str.startswith("2025")]
    rate = (3 * 1 + 3 * 2) / (12 * (101 + 102 + 103) + 12 * 300 * 3)
    assert a25["expected"].iloc[0] == pytest.approx(rate * 103)  # A's 2024 mean monthly
    assert chart[chart.month < "2024-01"]["level"].isna().all()  # no reference rate yet
    # a user's national rate replaces England's; thresholds follow the rounded mu0
    user = moss(df, reference_rate=0.002)
    b = user[(user.site_code == "B") & (user.month == "2023-01")].iloc[0]
    assert b["expected"] == pytest.approx(0.6)
    t = moss_thresholds(0.6)
    assert (b["h1"], b["h2"]) == (t.h1, t.h2)


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(st.integers(0, 6), min_size=1, max_size=40),
    mu0=st.sampled_from([0.2, 0.5, 1.0, 2.5]),
)
def test_chart_invariants(events, mu0):
    t = moss_thresholds(mu0)
    n = len(events)
    ev = np.array(events, float)
    s, lv, rs = run_chart(ev, np.full(n, t.k), np.full(n, t.d), np.full(n, t.h1), np.full(n, t.h2))
    assert (s >= 0).all()
    assert ((lv == 2) == (s >= t.h2 - 1e-6)).all()
    assert not ((lv == 1) & (ev == 0)).any()
    # a month after a red month always restarts from zero
    assert (rs[1:] == (lv[:-1] == 2)).all()
    for i in np.nonzero(rs)[0]:
        assert s[i] == pytest.approx(max(0.0, ev[i] - t.k), abs=1e-6)
    # without resets the chart is the textbook recursion
    if not rs.any():
        ref, prev = [], 0.0
        for x in ev:
            prev = max(0.0, prev + x - t.k)
            ref.append(prev)
        assert np.allclose(s, ref, atol=1e-6)


def test_signal_summary_and_vlad():
    df = pd.DataFrame(
        {
            "site_code": "A",
            "month": [f"2025-{m:02d}" for m in range(1, 11)],
            "events": [0, 1, 2, 0, 3, 1, 2, 0, 0, 1],
            "expected": 0.5,
        }
    )
    chart = moss(df)
    summ = signal_summary(chart).iloc[0]
    # May-October: amber in May and June, red in July
    assert summ["level2_last_6_months"] == 1 and summ["level1_last_6_months"] == 2
    assert summ["level1_last_12_months"] == 2
    daily = pd.DataFrame(
        {"site_code": ["A", "A"], "date": ["2025-02-10", "2025-05-03"], "events": [1, 3]}
    )
    v = vlad(daily, chart)
    assert len(v) == 304  # every day of January to October 2025
    jan = v[v.date.str.startswith("2025-01")]
    assert jan["expected"].sum() == pytest.approx(0.5)
    end_may = v[v.date == "2025-05-31"]["cumulative_excess"].iloc[0]
    assert end_may == pytest.approx(4 - 5 * 0.5)
    assert v[v.date == "2025-05-03"]["level"].iloc[0] == 1  # May signalled amber
    assert v[v.date == "2025-05-04"]["level"].isna().all()  # no event that day


def test_cli_moss_and_thresholds(tmp_path):
    p = tmp_path / "m.csv"
    pd.DataFrame(
        {"site_code": "A", "month": ["2025-01", "2025-02"], "events": [4, 0], "expected": 0.5}
    ).to_csv(p, index=False)
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(app, ["signals", "moss", str(p), "-o", str(out)])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert list(got.columns) == [
        "site_code",
        "month",
        "events",
        "expected",
        "k",
        "h1",
        "h2",
        "cusum",
        "level",
        "reset",
    ]
    assert got["level"].tolist() == [1, 0]
    r = CliRunner().invoke(app, ["signals", "thresholds", "--mu0", "0.5", "--arl", "20"])
    assert r.exit_code == 0 and "h = 1.714286" in r.output and "grid 1/7" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("site_code,month,events,expected\nA,2025-01,x,0.5\n")
    r = CliRunner().invoke(app, ["signals", "moss", str(bad), "-o", str(out)])
    assert r.exit_code == 2 and "column 'events'" in r.output


def test_get_h_is_monotone_in_target():
    a = get_h(0.5, 0.71, 20.0)
    b = get_h(0.5, 0.71, 100.0)
    assert b.h > a.h and a.arl0 >= 20 and b.arl0 >= 100


@settings(max_examples=60, deadline=None)
@given(
    mu=st.floats(0.01, 20.0),
    k_steps=st.integers(0, 60),
    h_steps=st.integers(1, 40),
    d=st.integers(1, 12),
)
def test_transition_matrix_is_its_definition_cell_by_cell(mu, k_steps, h_steps, d):
    """Each cell of the Markov chain's matrix, from the chart's step
    S' = max(0, S + X - k) read directly: the probability that a count takes
    state i/d to j/d without reaching h (Brook & Evans 1972)."""
    from scipy import stats as sps

    from matequity.signals.arl import transition_matrix

    q = transition_matrix(mu, k_steps, h_steps, d)
    for i in range(h_steps):
        for j in range(h_steps):
            if j == 0:
                # every count whose step ends at or below 0
                xs = [x for x in range(0, k_steps // d + 2) if i + d * x - k_steps <= 0]
                want = float(sps.poisson.cdf(max(xs), mu)) if xs else 0.0
            else:
                x, r = divmod(j - i + k_steps, d)
                want = float(sps.poisson.pmf(x, mu)) if r == 0 and x >= 0 else 0.0
            assert q[i, j] == pytest.approx(want, rel=1e-12, abs=1e-300), (i, j)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    picks=st.lists(st.integers(0, 7), max_size=4),
    gap=st.booleans(),
)
def test_the_chart_of_some_sites_is_theirs_in_the_whole_chart(seed, picks, gap):
    """``moss(..., sites=S)`` (a board report's own sites) gives the rows the
    whole chart gives for S: England's reference rate and the months still
    come from every site (the picked sites may miss a month or a whole year)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(8):
        size = rng.choice([40, 150, 400])
        for y in range(2019, 2024):
            for m in range(1, 13):
                if gap and s == 0 and y == 2019:
                    continue
                births = int(rng.poisson(size))
                rows.append((f"S{s}", f"{y}-{m:02d}", int(rng.binomial(births, 0.004)), births))
    table = pd.DataFrame(rows, columns=["site_code", "month", "events", "births"])
    sites = sorted({f"S{i}" for i in picks} | {"NOT-A-SITE"})
    whole = moss(table)
    want = whole[whole["site_code"].isin(sites)].reset_index(drop=True)
    got = moss(table, sites=sites)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns) == list(whole.columns)
