"""The dashboard's analyses against independent derivations from the engine's
own count tables (``count_table`` with ``period='all'`` over every year held
equals the analyses' pooled span): the worst group against the best by hand
(Katz log-Wald intervals, excess events O - E at the best rate), IMD quintiles
summed from deciles against the engine's quintile column, each organisation's
row of a mixed table under its own policy, the units' excess deaths against
the national analysis and a hand sum, completeness against the service's
quality query, the slope index against ``stats.inequality`` on the engine's
decile table, and the exact policy as a property."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matequity import engine
from matequity import vocabulary as vocab
from matequity.analyses import dashboard_counts as dc
from matequity.analyses import home, org_quality, organisation_view, organisations, peers, queries
from matequity.analyses.exact import EXACT, resolve
from matequity.analyses.national import national
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import POLICIES
from matequity.measures.catalogue import BY_NAME, CATALOGUE
from matequity.stats.inequality.table import inequality

NHS = POLICIES["nhs"]
PERIOD = "2020:2023"  # every year the store holds


@pytest.fixture(scope="module")
def eng(dashboard_store):
    with engine.open("duckdb", dashboard_store) as e:
        yield e


@pytest.fixture(scope="module")
def orgs(eng):
    return dc.organisations(eng)


def _find(orgs, level, code=None):
    col = vocab.LEVEL[level].code_column
    if code is None:
        code = vocab.ENGLAND_CODE if col is None else sorted(orgs[col])[0]
    return organisations.find(orgs, level, code)


def _busiest_lmns(eng, orgs):
    c = count_table(eng, [BY_NAME["stillbirth"]], level="lmns", period="all")
    return organisations.find(orgs, "lmns", c.sort_values("numerator").iloc[-1]["org_code"])


def test_worst_group_against_the_best_by_hand(eng, orgs):
    org = _find(orgs, "england")
    got = organisation_view.organisation_summary(eng, org, PERIOD, policy=None).gaps
    got = got[got["by"] == "ethnic_group"].set_index("measure")
    ms = [m for m in CATALOGUE if not m.higher_is_better]
    raw = count_table(eng, ms, by=["ethnic_group"], level="england", period="all")
    checked = 0
    for m in ms:
        t = raw[(raw["measure"] == m.name) & ~raw["ethnic_group"].isin(vocab.UNKNOWN_GROUPS)]
        t = t[t["denominator"] > 0]
        p = t["numerator"] / t["denominator"]
        eligible = t["numerator"] >= 10
        if not eligible.any():
            assert m.name not in got.index
            continue
        best = p[eligible].idxmin()
        a, n1 = t["numerator"].astype(float), t["denominator"].astype(float)
        c, n0 = float(t.loc[best, "numerator"]), float(t.loc[best, "denominator"])
        ratio = p / p[best]
        worst = ratio[(a > 0) & (ratio > 1)].idxmax()
        row = got.loc[m.name]
        assert row["group"] == t.loc[worst, "ethnic_group"]
        assert row["best"] == t.loc[best, "ethnic_group"]
        assert row["ratio"] == pytest.approx(ratio[worst], rel=1e-12)
        if m.statistic == "proportion":
            se = math.sqrt(1 / a[worst] - 1 / n1[worst] + 1 / c - 1 / n0)
        else:
            se = math.sqrt(1 / a[worst] + 1 / c)
        assert row["ratio_lower_95"] == pytest.approx(ratio[worst] * math.exp(-1.959964 * se), 1e-5)
        assert row["ratio_upper_95"] == pytest.approx(ratio[worst] * math.exp(1.959964 * se), 1e-5)
        excess = a - n1 * c / n0
        assert row["excess_events"] == pytest.approx(excess[worst], rel=1e-9)
        assert row["excess_all_groups"] == pytest.approx(excess.sum(), rel=1e-9)
        assert row["disclosure_policy"] == EXACT.name
        checked += 1
    assert checked >= 3


def test_quintiles_summed_from_deciles_equal_the_engine_quintiles(eng):
    ours = dc.level_counts(eng, "lmns", "imd_quintile")
    theirs = count_table(eng, list(CATALOGUE), by=["imd_quintile"], level="lmns", period="year")
    keys = ["period", "org_code", "imd_quintile", "measure"]
    a = ours.sort_values(keys).reset_index(drop=True)
    b = theirs.sort_values(keys).reset_index(drop=True)
    assert len(a) == len(b) > 0
    for c in [*keys, "numerator", "denominator"]:
        assert (a[c].to_numpy() == b[c].to_numpy()).all(), c


def test_each_organisation_of_a_mixed_funnel_under_its_own_policy(eng, orgs):
    org = _find(orgs, "trust")
    mine = [org.code, sorted(orgs["trust_code"])[1]]
    p = peers.peers(eng, org, PERIOD, "stillbirth", NHS, exact_codes=mine)
    raw = count_table(eng, [BY_NAME["stillbirth"]], level="trust", period="all")
    raw = raw[raw["denominator"] > 0].set_index("org_code")
    pts = p.funnel.points.set_index("org_code")
    assert set(pts.index) == set(raw.index)
    for code, r in pts.iterrows():
        true_n = raw.loc[code, "numerator"]
        if code in mine:
            assert r["numerator"] == true_n and r["disclosure_policy"] == EXACT.name
            assert r["value"] == pytest.approx(1000 * true_n / raw.loc[code, "denominator"])
        else:
            assert r["numerator"] == NHS.count(np.array([true_n]))[0]
            assert r["disclosure_policy"] == "nhs"
            assert (true_n < 8) == np.isnan(r["value"])
    assert p.funnel.policy.startswith("mixed") and p.funnel.highlight == org.code
    assert set(p.exact_for) == set(mine)


def test_units_excess_deaths_by_hand_and_as_the_national_analysis(eng, orgs):
    h = home.home(eng, _find(orgs, "england"), PERIOD, None, NHS, exact_codes=())
    units = h.units.table
    sb = units[units["measure"] == "stillbirth"].set_index("org_code")
    raw = count_table(eng, [BY_NAME["stillbirth"]], by=["ethnic_group"], level="lmns", period="all")
    raw = raw[~raw["ethnic_group"].isin(vocab.UNKNOWN_GROUPS)]
    for code, part in raw.groupby("org_code"):
        w = part[part["ethnic_group"] == "White"].iloc[0]
        if w["denominator"] == 0:
            continue
        excess = (part["numerator"] - part["denominator"] * w["numerator"] / w["denominator"]).sum()
        if part["numerator"].sum() >= 8:
            assert sb.loc[code, "excess_events"] == pytest.approx(excess, rel=1e-9)
        else:
            assert np.isnan(sb.loc[code, "excess_events"])
    assert set(sb["disclosure_policy"]) == {"nhs"}
    # exact, the ten LMNS with most excess stillbirths are the national analysis's
    exact = home.home(eng, _find(orgs, "england"), PERIOD, None, None)
    nat = national(eng, EXACT, PERIOD).excess_lmns
    top = exact.excess[exact.excess["measure"] == "stillbirth"]
    assert len(nat) == len(top) == 10
    np.testing.assert_allclose(
        top["excess_events"].to_numpy(float), nat["excess_events"].to_numpy(float), rtol=1e-9
    )
    # the same LMNS (ties in the excess may be listed in another order)
    a = dict(zip(top["org_code"], top["excess_events"], strict=True))
    b = dict(zip(nat["org_code"], nat["excess_events"], strict=True))
    for code in set(a) ^ set(b):
        assert a.get(code, b.get(code)) == pytest.approx(float(nat["excess_events"].iloc[-1]))
    for code in set(a) & set(b):
        assert a[code] == pytest.approx(b[code], rel=1e-9)


def test_rates_by_year_and_the_ambition(eng, orgs):
    org = _busiest_lmns(eng, orgs)
    d = organisation_view.measure_detail(eng, org, PERIOD, "stillbirth", None)
    raw = count_table(
        eng, [BY_NAME["stillbirth"]], level="lmns", period="year", org_codes=[org.code]
    )
    got = d.by_year.set_index("period")
    for _, r in raw.iterrows():
        assert got.loc[r["period"], "numerator"] == r["numerator"]
        assert got.loc[r["period"], "value"] == pytest.approx(
            1000 * r["numerator"] / r["denominator"]
        )
    amb = d.ambition.iloc[0]
    last = raw.sort_values("period").iloc[-1]
    assert amb["target"] == 2.5
    assert amb["latest_value"] == pytest.approx(1000 * last["numerator"] / last["denominator"])
    released = organisation_view.measure_detail(eng, org, PERIOD, "stillbirth", NHS)
    assert set(released.by_year["disclosure_policy"]) == {"nhs"}
    small = raw["numerator"] < 8
    assert (released.by_year["value"].isna().to_numpy() == small.to_numpy()).all()


def test_the_slope_index_is_the_engine_deciles(eng, orgs):
    org = _find(orgs, "england")
    d = organisation_view.measure_detail(eng, org, PERIOD, "preterm_birth", None)
    raw = count_table(eng, [BY_NAME["preterm_birth"]], by=["imd_decile"], period="all")
    raw = raw[~raw["imd_decile"].isin(vocab.UNKNOWN_GROUPS)]
    iq = inequality(raw, "imd_decile", True).set_index("summary_measure")["estimate"]
    assert d.gradient.sii == pytest.approx(iq["sii_phe"], rel=1e-9)
    assert d.gradient.rii == pytest.approx(iq["rii_phe"], rel=1e-9)
    assert d.gradient.deciles["imd_decile"].iloc[0] == "1 (most deprived)"


def test_organisation_quality_matches_the_service_quality_query(eng, orgs):
    org = _find(orgs, "trust")
    q = org_quality.organisation_quality(eng, org, PERIOD, NHS)
    ref = queries.quality_summary(eng, level="trust", org_codes=[org.code], policy="nhs")
    a = q.completeness.set_index("dimension")
    b = ref.completeness.set_index("dimension")
    for dim in ("ethnicity", "deprivation"):
        assert a.loc[dim, "known"] == b.loc[dim, "known"]
        assert a.loc[dim, "percent"] == pytest.approx(b.loc[dim, "percent"])
    assert set(q.mis_summary["trust_code"]) <= {org.code}
    mis = dc.mis(eng).table
    mine = mis[(mis["trust_code"] == org.code) & mis["month"].str[:4].between("2020", "2023")]
    if len(mine):
        s = q.mis_summary.iloc[0]
        assert s["months"] == len(mine) and s["months_passing"] == int(mine["pass"].sum())
    assert set(q.completeness["disclosure_policy"]) == {"nhs"}
    exact = org_quality.organisation_quality(eng, org, PERIOD, None)
    assert set(exact.completeness["disclosure_policy"]) == {EXACT.name}


def test_the_home_lists_widening_gaps_only(eng, orgs):
    h = home.home(eng, _find(orgs, "england"), PERIOD)
    assert set(h.widening["direction"]) <= {"widening"}
    assert set(h.gaps["measure"]) <= {m.name for m in CATALOGUE if "headline" in m.shown_in}
    assert h.units.level == "lmns"


def test_periods_outside_the_data_are_refused(eng, orgs):
    from matequity.errors import UserError

    with pytest.raises(UserError, match="the data hold births 2020 to 2023"):
        organisation_view.organisation_summary(eng, _find(orgs, "england"), "2030:2031")


counts = st.lists(st.integers(0, 10_000), min_size=1, max_size=20)


@given(counts, st.data())
def test_the_exact_policy_changes_nothing(nums, data):
    dens = [n + data.draw(st.integers(0, 50_000)) for n in nums]
    df = pd.DataFrame(
        {"group": [f"g{i}" for i in range(len(nums))], "numerator": nums, "denominator": dens}
    )
    df["measure"] = "stillbirth"
    pos = df["denominator"].to_numpy() > 0
    df["value"] = np.where(pos, 1000 * df["numerator"] / df["denominator"].where(pos, 1), np.nan)
    out = apply_policy(df, resolve(None), ["group"])
    np.testing.assert_array_equal(out["numerator"].to_numpy(float), np.array(nums, float))
    np.testing.assert_array_equal(out["denominator"].to_numpy(float), np.array(dens, float))
    # the rate rederived from the (exact) counts: the same to rounding error,
    # none where there are no births
    np.testing.assert_allclose(out["value"].to_numpy(float), df["value"], rtol=1e-12)
    assert set(out["disclosure_policy"]) == {EXACT.name}
    assert EXACT.name not in POLICIES


@pytest.mark.parametrize("level", ["trust", "site"])
def test_no_small_count_recoverable_from_a_measure_page(eng, orgs, level):
    """Every table of counts a dashboard measure page shows for one organisation
    (its rates by group and year for every breakdown, by year, overall, the groups
    compared, the deprivation deciles) is released under the policy; together, with
    the organisations table, they give no count of 1-7 away (differencing the year
    totals against the groups, or a pooled total against its years). The trends and
    the ambition show no counts (their rates are withheld below the policy's minimum
    of events)."""
    import dataclasses

    from matequity.disclosure.attack import Published, attack

    org = _find(orgs, level)
    d = organisation_view.measure_detail(eng, org, PERIOD, "stillbirth", NHS)

    def frames(obj):
        if isinstance(obj, pd.DataFrame):
            yield obj
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for f in dataclasses.fields(obj):
                yield from frames(getattr(obj, f.name))
        elif isinstance(obj, dict):
            for v in obj.values():
                yield from frames(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                yield from frames(v)

    tables = [
        Published(f"t{i}", f.reset_index(drop=True))
        for i, f in enumerate(frames(d))
        if {"numerator", "denominator"} <= set(f.columns) and len(f)
    ]
    assert len(tables) >= 6
    small = [t for t in tables if t.frame["numerator"].lt(8).any()]
    assert small, "the page should hold small cells to protect"
    result = attack(tables, orgs)
    assert result.findings == [], result.frame().to_string()
    assert result.undecided == []
