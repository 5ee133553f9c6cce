"""MOSS across a change of year and with reference rates by site.

The reference is NHS England's code (nhsengland/Maternity-MOSS):
``Cusum_Poisson_Counts_Immediate`` in ``Functions.R`` and the loop and level
formatting in ``MOSS Calculations.r`` at the repository's newest commit 01e9554
(8 April 2026), and a later ``Functions.R`` that keeps the statistic in integer
grid steps (``year_change="regrid"``). The worked paths below are derived by
hand from those loops; the random run is checked against straightforward
re-implementations of the two loops written here, row by row as the R code
runs (during development the "carry" loop was also run in R on the same kind of
data, with the fetched function itself: identical on 1,488 site-months).

Thresholds (reference notes' port of CUSUMdesign, tests/test_moss.py):
mu0 0.84 -> k 6/5, h1 2, h2 19/5 (grid 1/5); mu0 0.87 -> k 5/4, h1 2, h2 4
(grid 1/4); mu0 0.95 -> k 4/3, h1 2, h2 13/3 (grid 1/3).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.errors import UserError
from matequity.signals.moss import moss, run_chart
from matequity.signals.reference_rates import site_rates
from matequity.signals.thresholds import moss_thresholds

DESIGNS = {0.84: (6 / 5, 5, 2.0, 3.8), 0.87: (5 / 4, 4, 2.0, 4.0), 0.95: (4 / 3, 3, 2.0, 13 / 3)}


def test_designs_used_below():
    for mu0, (k, d, h1, h2) in DESIGNS.items():
        t = moss_thresholds(mu0)
        assert (t.d, t.k, t.h1, t.h2) == (d, pytest.approx(k), h1, pytest.approx(h2, abs=1e-6))


def _two_years(mu_a: float, mu_b: float, events: list[int], mode: str):
    ka, da, h1a, h2a = DESIGNS[mu_a]
    kb, db, h1b, h2b = DESIGNS[mu_b]
    n = len(events)
    k = np.array([ka] * 12 + [kb] * (n - 12))
    d = np.array([da] * 12 + [db] * (n - 12))
    h1 = np.array([h1a] * 12 + [h1b] * (n - 12))
    h2 = np.array([round(h2a, 6)] * 12 + [round(h2b, 6)] * (n - 12))
    return run_chart(np.array(events, float), k, d, h1, h2, mode)


# Site A, 2024 (k 1.2, h1 2, h2 3.8) then 2025 (k 1.25, h1 2, h2 4):
#  2024  Jan 0 -> 0 | Feb 2 -> 0.8 | Mar 3 -> 2.6 amber | Apr 0 -> 1.4 | May 4 -> 4.2 red
#        Jun 1 -> reset (4.2 >= 3.8): max(0, 1 - 1.2) = 0 | Jul 1 -> 0 | Aug 2 -> 0.8
#        Sep 0 -> 0 | Oct 0 -> 0 | Nov 1 -> 0 | Dec 3 -> 1.8 (off the quarter grid)
#  2025 "carry" (MOSS's repository): 1.8 enters January unchanged
#        Jan 2 -> 1.8 + 2 - 1.25 = 2.55 amber | Feb 0 -> 1.30 | Mar 3 -> 3.05 amber
#        Apr 1 -> 2.80 amber | May 2 -> 3.55 amber | Jun 1 -> 3.30 amber
#        Jul 2 -> 4.05 red | Aug 0 -> reset: 0
#  2025 "regrid": 9 fifths -> 9 x 4 / 5 = 7.2 quarters -> 7 -> 1.75, then
#        2.50, 1.25, 3.00, 2.75, 3.50, 3.25, 4.00 red, reset 0
EVENTS_A = [0, 2, 3, 0, 4, 1, 1, 2, 0, 0, 1, 3, 2, 0, 3, 1, 2, 1, 2, 0]
YEAR1_A = [0, 0.8, 2.6, 1.4, 4.2, 0, 0, 0.8, 0, 0, 0, 1.8]
LEVELS1_A = [0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0]


def test_worked_path_carries_the_december_value_off_the_new_grid():
    s, lv, rs = _two_years(0.84, 0.87, EVENTS_A, "carry")
    assert s.tolist() == pytest.approx(
        [*YEAR1_A, 2.55, 1.3, 3.05, 2.8, 3.55, 3.3, 4.05, 0], abs=1e-9
    )
    assert lv.tolist() == [*LEVELS1_A, 1, 0, 1, 1, 1, 1, 2, 0]
    assert np.nonzero(rs)[0].tolist() == [5, 19]


def test_worked_path_regridded_as_the_later_code_does():
    s, lv, rs = _two_years(0.84, 0.87, EVENTS_A, "regrid")
    assert s.tolist() == pytest.approx(
        [*YEAR1_A, 2.5, 1.25, 3.0, 2.75, 3.5, 3.25, 4.0, 0], abs=1e-9
    )
    assert lv.tolist() == [*LEVELS1_A, 1, 0, 1, 1, 1, 1, 2, 0]
    assert np.nonzero(rs)[0].tolist() == [5, 19]


def test_red_december_does_not_reset_under_a_higher_january_threshold():
    # Dec 2024: 5 events from 0 -> 3.8 >= h2 3.8, red. January compares 3.8 with
    # 2025's h2 = 4 (the loop reads this month's threshold): no reset, so
    # Jan 0 -> 3.8 - 1.25 = 2.55 (no event: level 0); Feb 2 -> 3.30 amber
    events = [0] * 11 + [5] + [0, 2]
    s, lv, rs = _two_years(0.84, 0.87, events, "carry")
    assert s[11:].tolist() == pytest.approx([3.8, 2.55, 3.30])
    assert lv[11:].tolist() == [2, 0, 1] and not rs.any()
    # regridded: 19 fifths -> 15.2 quarters -> 15 (3.75 < 4): no reset either
    s, lv, rs = _two_years(0.84, 0.87, events, "regrid")
    assert s[11:].tolist() == pytest.approx([3.8, 2.50, 3.25]) and not rs.any()


def test_amber_december_resets_under_a_lower_january_threshold():
    # 2024 (k 4/3, h2 13/3): Oct 2 -> 2/3, Nov 3 -> 7/3 amber, Dec 3 -> 4 amber
    # (4 < 13/3). January's h2 is 4 and round(S, 6) = 4 >= 4: January restarts,
    # Jan 1 -> max(0, 1 - 1.25) = 0, although December was not red
    events = [0] * 9 + [2, 3, 3] + [1, 3]
    for mode in ("carry", "regrid"):
        s, lv, rs = _two_years(0.95, 0.87, events, mode)
        assert s[9:].tolist() == pytest.approx([2 / 3, 7 / 3, 4.0, 0.0, 1.75], abs=1e-6)
        assert lv[9:].tolist() == [0, 1, 1, 0, 0]
        assert np.nonzero(rs)[0].tolist() == [12]


def test_regrid_rounds_a_half_step_up():
    # grid halves (k 0.5) then whole numbers (k 1): December 0.5 is half-way;
    # the later code rounds half up (1), R's round() of the version before it
    # would give 0; "carry" keeps 0.5. January has 1 event.
    k, d = np.array([0.5, 1.0]), np.array([2, 1])
    h1, h2 = np.array([1.5, 2.0]), np.array([3.0, 4.0])
    ev = np.array([1.0, 1.0])
    assert run_chart(ev, k, d, h1, h2, "regrid")[0].tolist() == [0.5, 1.0]
    assert run_chart(ev, k, d, h1, h2, "carry")[0].tolist() == [0.5, 0.5]
    with pytest.raises(UserError, match="carry or regrid"):
        run_chart(ev, k, d, h1, h2, "snap")  # type: ignore[arg-type]


# --- independent re-implementations of the two R loops, month by month -------


def _reference_carry(rows: pd.DataFrame) -> tuple[list[float], list[int]]:
    """Cusum_Poisson_Counts_Immediate as in the repository, then the level
    formatting of MOSS Calculations.r (Cusum_Statistic rounded to 6 dp)."""
    stat, values, levels = 0.0, [], []
    for x, k, h1, h2 in zip(rows.events, rows.k, rows.h1, rows.h2, strict=True):
        stat = x - k if round(stat, 6) >= h2 else stat + x - k
        if stat < 0:
            stat = 0
        v = round(stat, 6)
        values.append(v)
        levels.append(2 if v >= h2 else 0 if x == 0 else 1 if v >= h1 else 0)
    return values, levels


def _reference_regrid(rows: pd.DataFrame) -> tuple[list[float], list[int]]:
    """The later Functions.R: scaled (integer) statistic, re-scaled with
    round-half-up when the grid changes."""
    scaled, prev, values, levels = 0, None, [], []
    for x, k, d, h1, h2 in zip(rows.events, rows.k, rows.d, rows.h1, rows.h2, strict=True):
        d = int(d)
        if prev is not None and d != prev:
            scaled = math.floor(Fraction(scaled * d, prev) + Fraction(1, 2))
        sx, sk, s1, s2 = round(x * d), round(k * d), round(h1 * d), round(h2 * d)
        scaled = sx - sk if scaled >= s2 else scaled + sx - sk
        scaled = max(0, scaled)
        values.append(scaled / d)
        levels.append(2 if scaled >= s2 else 0 if x == 0 else 1 if scaled >= s1 else 0)
        prev = d
    return values, levels


def _random_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(31):
        base = rng.choice([0.2, 0.35, 0.5, 0.8, 1.0, 1.4, 2.2, 3.1])
        for y in range(2021, 2025):
            mu = round(float(base * rng.uniform(0.75, 1.3)), 2)
            for m in range(1, 13):
                lam = mu * (2.5 if rng.random() < 0.2 else 1.0)
                rows.append((f"S{s:02d}", f"{y}-{m:02d}", int(rng.poisson(lam)), mu))
    return pd.DataFrame(rows, columns=["site_code", "month", "events", "expected"])


@pytest.mark.parametrize("seed", [3, 11])
def test_random_sites_and_years_match_the_reference_loops(seed):
    table = _random_table(seed)
    for mode, reference in (("carry", _reference_carry), ("regrid", _reference_regrid)):
        got = moss(table, year_change=mode)
        changed = 0
        for site, part in got.groupby("site_code", sort=True):
            part = part.sort_values("month")
            th = [moss_thresholds(e) for e in part["expected"]]
            rows = pd.DataFrame(
                {
                    "events": part["events"].to_numpy(float),
                    "k": [t.k for t in th],
                    "d": [t.d for t in th],
                    "h1": [t.h1 for t in th],
                    "h2": [t.h2 for t in th],
                }
            )
            values, levels = reference(rows)
            assert part["cusum"].to_numpy() == pytest.approx(values, abs=1e-6), (mode, site)
            assert part["level"].astype(int).tolist() == levels, (mode, site)
            changed += int((rows["d"].diff().fillna(0) != 0).sum())
        assert changed > 20  # the run crosses many changes of grid


def test_carry_and_regrid_part_after_a_change_of_grid_or_an_off_grid_k():
    # GETDEN keeps a k within 0.01 of a grid value unchanged (0.89 on ninths:
    # 0.89 x 9 = 8.01): the repository's loop then steps by 0.89 and the later
    # integer loop by 8/9. Otherwise the two agree until the grid changes.
    table = _random_table(5)
    a = moss(table, year_change="carry")
    b = moss(table, year_change="regrid")
    a["_d"] = [moss_thresholds(e).d for e in a["expected"]]
    differ = ~np.isclose(a["cusum"], b["cusum"], atol=1e-6)
    assert differ.any()
    reasons = set()
    for site, month in a[differ].groupby("site_code")["month"].min().items():
        part = a[a["site_code"] == site].set_index("month")
        row = part.loc[month]
        if abs(row["k"] * row["_d"] - round(row["k"] * row["_d"])) > 1e-9:
            reasons.add("off-grid k")
        else:
            assert (part.loc[part.index < month, "_d"] != row["_d"]).any(), (site, month)
            reasons.add("change of grid")
    assert reasons == {"off-grid k", "change of grid"}


# --- reference rates by site --------------------------------------------------


def _births_table() -> pd.DataFrame:
    rows = []
    for y in range(2023, 2026):
        for m in range(1, 13):
            rows.append(("A", f"{y}-{m:02d}", 1 if m == 5 else 0, 400 + 10 * (y - 2023)))
            rows.append(("B", f"{y}-{m:02d}", 1 if m in (2, 8) else 0, 250))
    return pd.DataFrame(rows, columns=["site_code", "month", "events", "births"])


def test_per_site_reference_rates_set_each_site_year():
    rates = pd.DataFrame(
        {
            "site_code": ["A", "A", "B", "B"],
            "year": ["2024", "2022-2024", "2024", "2025"],  # MOSS's period label = 2025
            "ref_rate": ["0.0015", "0.002", "0.003", "0.0024"],
        }
    )
    chart = moss(_births_table(), site_rates=rates)
    a25 = chart[(chart.site_code == "A") & (chart.month == "2025-03")].iloc[0]
    # expected = the site's own rate x its mean monthly births the year before
    assert a25["expected"] == pytest.approx(0.002 * 410)
    b24 = chart[(chart.site_code == "B") & (chart.month == "2024-01")].iloc[0]
    assert b24["expected"] == pytest.approx(0.003 * 250)
    assert b24["h2"] == moss_thresholds(0.75).h2
    assert chart[chart.month < "2024-01"]["level"].isna().all()  # no year before
    # England's rate (the default) needs three earlier years: no chart at all here
    assert moss(_births_table())["level"].isna().all()


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        (pd.DataFrame({"site_code": ["A"], "ref_rate": [0.002]}), "missing column"),
        (
            pd.DataFrame({"site_code": ["A"], "year": ["2024"], "ref_rate": ["1.5"]}),
            "row 2, column 'ref_rate'",
        ),
        (
            pd.DataFrame({"site_code": ["A"], "year": ["2024"], "ref_rate": ["0"]}),
            "strictly between 0 and 1",
        ),
        (
            pd.DataFrame({"site_code": ["A"], "year": ["24"], "ref_rate": ["0.002"]}),
            "column 'year'",
        ),
        (
            pd.DataFrame({"site_code": ["A", "A"], "year": [2024, 2024], "ref_rate": [0.1, 0.2]}),
            "row 3: a second rate",
        ),
        (
            pd.DataFrame(
                {"site_code": ["A", "A", "B"], "year": [2024, 2025, 2024], "ref_rate": 0.002}
            ),
            "no reference rate for site B in 2025$",
        ),
        (
            pd.DataFrame({"site_code": ["A"], "year": [2024], "ref_rate": 0.002}),
            r"site A in 2025 \(and 2 more site-years\)",
        ),
    ],
)
def test_bad_rate_tables_are_one_line_errors(rates, message):
    with pytest.raises(UserError, match=message) as e:
        moss(_births_table(), site_rates=rates, rates_source="rates.csv")
    assert "\n" not in str(e.value) and str(e.value).startswith("rates.csv")


def test_site_rates_accept_moss_column_names():
    t = site_rates(pd.DataFrame({"Site_Code": ["A"], "Year": ["2021-2023"], "Ref_Rate": ["0.1"]}))
    assert t.to_dict("records") == [{"site_code": "A", "year": 2024, "ref_rate": 0.1}]


def test_one_rate_or_a_table_not_both():
    rates = pd.DataFrame({"site_code": ["A"], "year": [2024], "ref_rate": [0.002]})
    with pytest.raises(UserError, match="not both"):
        moss(_births_table(), 0.002, site_rates=rates)
    with pytest.raises(UserError, match="strictly between 0 and 1"):
        moss(_births_table(), 2.0)


def test_cli_reference_rates_and_year_change(tmp_path):
    table = tmp_path / "m.csv"
    _births_table().to_csv(table, index=False)
    rates = tmp_path / "rates.csv"
    pd.DataFrame(
        {
            "site_code": ["A", "A", "B", "B"],
            "year": [2024, 2025, 2024, 2025],
            "ref_rate": [0.0015, 0.002, 0.003, 0.0024],
        }
    ).to_csv(rates, index=False)
    out = tmp_path / "o.csv"
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["signals", "moss", str(table), "-o", str(out), "--reference-rates", str(rates)],
    )
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    a25 = got[(got.site_code == "A") & (got.month == "2025-01")].iloc[0]
    assert a25["expected"] == pytest.approx(0.002 * 410)
    r = runner.invoke(
        app,
        [
            "signals",
            "moss",
            str(table),
            "-o",
            str(out),
            "--reference-rates",
            str(rates),
            "--year-change",
            "regrid",
        ],
    )
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("site_code,year,ref_rate\nA,2024,0.002\n")
    r = runner.invoke(
        app, ["signals", "moss", str(table), "-o", str(out), "--reference-rates", str(bad)]
    )
    assert r.exit_code == 2
    assert "no reference rate for site A in 2025" in r.output and "Traceback" not in r.output


def test_cli_run_on_the_store_with_rates_by_site(synthetic_store, tmp_path):
    import shutil

    from matequity import engine as engines
    from matequity.signals.from_store import monthly_events

    store = tmp_path / "store.duckdb"
    shutil.copy(synthetic_store, store)  # the run registers signals: not in the shared store
    with engines.open("duckdb", store) as engine:
        monthly = monthly_events(engine)
    sites = sorted(monthly["site_code"].unique())
    rates = tmp_path / "rates.csv"
    pd.DataFrame({"Site_Code": sites, "Year": "2020-2022", "Ref_Rate": 0.0015}).to_csv(
        rates, index=False
    )
    out = tmp_path / "out"
    r = runner_invoke(
        ["signals", "run", "--store", str(store), "-o", str(out), "--reference-rates", str(rates)]
    )
    assert r.exit_code == 0, r.output
    chart = pd.read_csv(out / "moss.csv")
    y23 = chart[chart["month"].str.startswith("2023")]
    assert (y23["expected"] > 0).all() and chart[chart.month < "2023"]["level"].isna().all()
    # every site-year with an expected count that rounds above 0 has a chart
    assert y23.loc[y23["expected"].round(2) > 0, "level"].notna().all()
    assert (y23["level"].notna()).mean() > 0.5
    first = monthly[(monthly.site_code == sites[0]) & monthly.month.str.startswith("2022")]
    got = y23[y23.site_code == sites[0]]["expected"].iloc[0]
    assert got == pytest.approx(0.0015 * first["births"].sum() / 12)
    r = runner_invoke(
        ["signals", "run", "--store", str(store), "--reference-rates", str(tmp_path / "no.csv")]
    )
    assert r.exit_code == 2 and "no such file" in r.output


def runner_invoke(args):
    return CliRunner().invoke(app, args)
