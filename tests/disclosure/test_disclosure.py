"""Disclosure control: no small count recoverable by differencing; rounding
properties; the policy recorded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matequity.counts.compute import ALL, add_totals
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import POLICIES

BASE = {
    "period": "2024",
    "org_level": "lmns",
    "org_code": "L1",
    "org_name": "LMNS",
    "measure": "stillbirth",
}


@st.composite
def tables(draw):
    two = draw(st.booleans())
    a = [f"a{i}" for i in range(draw(st.integers(1, 4)))]
    b = [f"b{i}" for i in range(draw(st.integers(1, 3)))] if two else [None]
    rows = []
    for x in a:
        for y in b:
            num = draw(st.integers(0, 40))
            rows.append(
                {
                    **BASE,
                    "ga": x,
                    **({"gb": y} if two else {}),
                    "numerator": num,
                    "denominator": num + draw(st.integers(0, 60)),
                }
            )
    by = ["ga", "gb"] if two else ["ga"]
    return pd.DataFrame(rows), by


def _attack(df_true, released, policy, by):
    """Interval attack on every margin: can a cell of 1-7 be pinned to one value?"""
    keys = list(BASE)
    for col in ("numerator", "denominator"):
        if col not in released:
            return
        for _i, row in released[released[by].eq(ALL).any(axis=1)].iterrows():
            mask = np.ones(len(released), bool)
            for k in keys:
                mask &= released[k] == row[k]
            for b in by:
                mask &= (released[b] != ALL) if row[b] == ALL else (released[b] == row[b])
            cells = released[mask]
            if policy.totals == "recompute":
                continue  # released total = sum of released cells: no constraint
            t_lo, t_hi = policy.possible(row[col])
            ranges = [policy.possible(v) for v in cells[col]]
            for j, idx in enumerate(cells.index):
                others_lo = sum(r[0] for k, r in enumerate(ranges) if k != j)
                others_hi = sum(r[1] for k, r in enumerate(ranges) if k != j)
                lo = max(ranges[j][0], t_lo - others_hi)
                hi = min(ranges[j][1], t_hi - others_lo)
                true = df_true.loc[idx, col]
                assert not (lo == hi and 1 <= true <= 7), (col, true)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), name=st.sampled_from(sorted(POLICIES)))
def test_no_small_count_recoverable_by_differencing(data, name):
    df, by = data
    full = add_totals(df, by).reset_index(drop=True)
    # reconciliation holds before disclosure control
    for _, row in full[full[by].eq(ALL).all(axis=1)].iterrows():
        assert row["numerator"] == df["numerator"].sum()
    policy = POLICIES[name]
    released = apply_policy(full, policy, by)
    assert (released["disclosure_policy"] == name).all()
    assert len(released) == len(full)
    _attack(full, released, policy, by)
    if policy.releases_counts:
        shown = released["numerator"].dropna()
        true = full.loc[shown.index, "numerator"]
        small = (true >= 1) & (true <= 7)
        # a released small count never shows its true value exactly (nhs: 5; midpoint6: 3)
        assert not ((shown[small] == true[small]) & ~true[small].isin([5, 3])).any()


def test_nhs_rounding_rules_and_unbiased():
    p = POLICIES["nhs"]
    assert list(p.count([0, 1, 7, 8, 16, 57, 10023])) == [0, 5, 5, 10, 15, 55, 10025]
    for start in range(8, 200):  # over any 5 consecutive counts the error averages 0
        x = np.arange(start, start + 5)
        assert np.mean(p.count(x) - x) == 0


def test_midpoint6_bounds():
    p = POLICIES["midpoint6"]
    x = np.arange(0, 500)
    r = p.count(x)
    assert r[0] == 0 and list(r[1:7]) == [3] * 6 and r[7] == 9
    assert np.all((x[1:] >= r[1:] - 2) & (x[1:] <= r[1:] + 3))


def test_nhs_rates_withheld_below_8_and_opensafely_recomputes_totals():
    df = add_totals(
        pd.DataFrame(
            [
                {**BASE, "ga": g, "numerator": n, "denominator": d}
                for g, n, d in (("A", 3, 900), ("B", 40, 12000))
            ]
        ),
        ["ga"],
    )
    df["value"] = df["numerator"] / df["denominator"] * 1000
    nhs = apply_policy(df, POLICIES["nhs"], ["ga"]).set_index("ga")
    assert np.isnan(nhs.loc["A", "value"]) and nhs.loc["A", "numerator"] == 5
    assert nhs.loc["B", "value"] == pytest.approx(3.3)
    os_ = apply_policy(df, POLICIES["opensafely"], ["ga"]).set_index("ga")
    assert np.isnan(os_.loc["A", "numerator"])
    assert os_.loc[ALL, "numerator"] == os_.loc["B", "numerator"] == 40
    ons = apply_policy(df, POLICIES["ons-rates"], ["ga"]).set_index("ga")
    assert "numerator" not in ons and ons.loc["A", "reliability"] == "u"


def test_cli_disclose_and_formula_cells_neutralised(tmp_path):
    from typer.testing import CliRunner

    from matequity.cli.main import app

    p = tmp_path / "c.csv"
    pd.DataFrame(
        {
            "group": ["=cmd|' /C calc'!A0", "B"],
            "measure": "stillbirth",
            "numerator": [3, 40],
            "denominator": [900, 12000],
        }
    ).to_csv(p, index=False)
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(app, ["disclose", str(p), "-o", str(out), "--policy", "nhs"])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert got["group"].iloc[0].startswith("'=")
    assert list(got["numerator"]) == [5, 40] and (got["disclosure_policy"] == "nhs").all()
    r = CliRunner().invoke(app, ["disclose", str(p), "-o", str(out), "--policy", "nope"])
    assert r.exit_code == 2 and "unknown disclosure policy" in r.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exported_cells_and_headers_are_neutralised(tmp_path, suffix):
    from matequity.tablefiles import FORMULA_STARTS, write_counts

    nasty = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "safe"]
    df = pd.DataFrame({"group": nasty, "=HYPERLINK(1)": nasty, "numerator": range(5)})
    p = write_counts(df, tmp_path / f"t{suffix}")
    back = pd.read_excel(p) if suffix == ".xlsx" else pd.read_csv(p)
    cells = [*back.columns, *back["group"], *back.iloc[:, 1]]
    assert not any(str(c).startswith(FORMULA_STARTS) for c in cells)
    assert back["group"].str.lstrip("'").tolist() == nasty  # nothing lost
    if suffix == ".xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(p).active
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def _docs_bias_rows() -> dict[int, list[str]]:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "methods.md").read_text()
    part = text[text.index("### 9.4") : text.index("### 9.5")]
    rows = {}
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            rows[int(cells[0])] = [c.replace("−", "-") for c in cells[1:]]
    return rows


def test_bias_of_released_rates_stated_in_the_docs():
    """docs/methods.md 9.4, recomputed from the closed forms of the rounding errors
    (nearest 5: residue 0,1,2,3,4 -> 0,-1,-2,+2,+1; midpoint-6: 2 - (x-1) mod 6),
    over a Poisson numerator given that the rate is shown."""
    from scipy import stats

    x = np.arange(1, 3000)
    nearest5 = np.array([0, -1, -2, 2, 1])[x % 5]
    midpoint6 = 2 - (x - 1) % 6
    # the closed forms are the policies' rules
    assert np.array_equal(POLICIES["nhs"].count(x[x >= 8]) - x[x >= 8], nearest5[x >= 8])
    assert np.array_equal(POLICIES["midpoint6"].count(x) - x, midpoint6)
    rows = _docs_bias_rows()
    assert sorted(rows) == [10, 20, 50, 100]
    for mu, cells in rows.items():
        got = []
        for err, shown in ((nearest5, x >= 8), (midpoint6, x >= 1)):
            w = stats.poisson.pmf(x, mu) * shown
            w = w / w.sum()
            got += [
                f"{np.sum(w * np.abs(err) / x) * 100:.1f}%",
                f"{np.sum(w * err) / np.sum(w * x) * 100:+.1f}%",
            ]
        assert got == cells, (mu, got, cells)


def test_period_decompositions():
    from matequity.disclosure.periods import decompositions

    assert decompositions(["2023", "2024", "2023-2024"]) == [("2023-2024", ["2023", "2024"])]
    # a year beside two of its quarters: the year is all four (two not published)
    got = dict(decompositions(["2024", "2024 Q1", "2024 Q2"]))
    assert got == {"2024": ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"]}
    # 'all' is the years from the first to the last shown
    assert dict(decompositions(["all", "2022", "2024"]))["all"] == ["2022", "2023", "2024"]
    # months of a quarter; labels that are not periods are left alone
    assert dict(decompositions(["2024 Q1", "2024-02"]))["2024 Q1"] == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    assert decompositions(["A", "B"]) == []


def test_statistics_come_from_the_released_counts():
    """nhs: 31/3003 is released as 30/3005, and the rate and interval are those of
    30 in 3005 (exact Poisson limits below 10 events, Byar's from 10)."""
    from matequity.disclosure.release import release
    from matequity.disclosure.spec import Rates, TableSpec
    from matequity.stats.intervals import byars

    df = pd.DataFrame([{**BASE, "ga": "A", "numerator": 31, "denominator": 3003}])
    got = release(df, POLICIES["nhs"], TableSpec(derived=(Rates(),))).iloc[0]
    lo, hi = byars(np.array([30.0]))
    assert (got["numerator"], got["denominator"]) == (30, 3005)
    assert got["value"] == round(30 / 3005 * 1000, 1)
    assert got["lower_95"] == round(lo[0] / 3005 * 1000, 1)
    assert got["upper_95"] == round(hi[0] / 3005 * 1000, 1)


def test_undeclared_statistics_are_refused():
    from matequity.disclosure.release import release
    from matequity.disclosure.spec import TableSpec
    from matequity.errors import UserError

    df = pd.DataFrame([{**BASE, "ga": "A", "numerator": 3, "denominator": 30}])
    with pytest.raises(UserError, match="column 'smr' holds numbers"):
        release(df.assign(smr=1.37), POLICIES["nhs"])
    with pytest.raises(UserError, match="column 'ratio' is a statistic"):
        release(df.assign(ratio=1.5), POLICIES["nhs"], TableSpec())
    with pytest.raises(UserError, match="no 'reference' column"):
        apply_policy(df.assign(excess_events=0.4), POLICIES["nhs"])
    with pytest.raises(UserError, match="breakdown column 'gx' is not in the table"):
        apply_policy(df, POLICIES["nhs"], ["gx"])


def test_ons_rates_interval_only_from_20_events():
    df = pd.DataFrame(
        [
            {**BASE, "ga": g, "numerator": x, "denominator": 4000}
            for g, x in zip("ABC", (2, 9, 25), strict=True)
        ]
    )
    df = df.assign(value=df["numerator"] / 4)
    got = apply_policy(df, POLICIES["ons-rates"], []).set_index("ga")
    assert np.isnan(got.loc["A", "value"]) and got.loc["A", "suppressed"] == "rate"
    assert got.loc["B", "value"] == 2.2 and np.isnan(got.loc["B", "lower_95"])
    assert got.loc["B", "reliability"] == "u"
    assert got.loc["C", "value"] == 6.2 and got.loc["C", "lower_95"] > 0
    assert got.loc["C", "reliability"] == ""
