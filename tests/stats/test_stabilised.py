"""Stabilised & adjusted rates: SMRs, rates, intervals and bands; comparator groups;
the organisations contract's neonatal_unit_level; the store-to-table analysis."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from matequity import engine
from matequity.analyses.stabilised_rates import parse_period, stabilised_rates_for_store
from matequity.counts.case_mix import case_mix_counts, default_case_mix
from matequity.counts.compute import count_table
from matequity.errors import InputFileError, UserError
from matequity.ingest.load import ingest
from matequity.measures.catalogue import BY_NAME
from matequity.model import schema
from matequity.model.comparator_groups import (
    GROUP_ORDER,
    assign_comparator_groups,
    comparator_group,
    highest_level,
    normalise_level,
)
from matequity.stats.bands import MBRRACE_2013_15, BandScheme, symmetric_bands
from matequity.stats.stabilised import stabilised_rates


def cells(seed: int = 1, n_units: int = 20, sd: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    eff = rng.normal(0, sd, n_units)
    rows = []
    for j in range(n_units):
        for age, ea in (("20-34", 0.0), ("35+", 0.4), ("<20", 0.2)):
            n = int(rng.integers(300, 4000))
            y = int(rng.binomial(n, expit(-5.2 + ea + eff[j])))
            rows.append((f"T{j:02d}", "big" if j < 8 else "small", age, y, n))
    return pd.DataFrame(rows, columns=["trust", "group", "age", "numerator", "denominator"])


# ---------------------------------------------------------------- bands


def test_mbrrace_2013_15_bands_at_the_boundaries():
    ratios = [0.5, 0.8999, 0.9, 0.95, 1.0, 1.0001, 1.1, 1.1001, 2.0, np.nan]
    assert MBRRACE_2013_15.band(np.array(ratios)).tolist() == [
        "more than 10% lower",
        "more than 10% lower",
        "up to 10% lower",
        "up to 10% lower",
        "up to 10% lower",
        "up to 10% higher",
        "up to 10% higher",
        "more than 10% higher",
        "more than 10% higher",
        "",
    ]
    assert MBRRACE_2013_15.verified
    assert MBRRACE_2013_15.colours == ("green", "yellow", "amber", "red")


def test_configurable_bands():
    five = symmetric_bands(5)
    assert five.band(np.array([0.94, 0.96, 1.04, 1.06])).tolist() == [
        "more than 5% lower",
        "up to 5% lower",
        "up to 5% higher",
        "more than 5% higher",
    ]
    custom = BandScheme("three", (-0.05, 0.05), ("lower", "similar", "higher"))
    assert custom.band(np.array([0.9, 1.0, 1.2])).tolist() == ["lower", "similar", "higher"]
    with pytest.raises(ValueError):
        BandScheme("bad", (0.1, -0.1), ("a", "b", "c"))
    with pytest.raises(ValueError):
        symmetric_bands(0)


# ---------------------------------------------------------------- rates


def test_without_case_mix_the_rate_is_the_comparator_rate_times_the_smr():
    d = cells().groupby(["trust", "group"], as_index=False)[["numerator", "denominator"]].sum()
    res = stabilised_rates(d, "trust", "group", [], multiplier=1000)
    u = res.units.set_index("trust")
    b0 = res.fit.beta[0]
    # independent: the group's crude rate, and SMR = expit(b0 + b_j) / expit(b0)
    crude = d.groupby("group")[["numerator", "denominator"]].sum()
    want_comp = (crude.numerator / crude.denominator * 1000).reindex(u["group"]).to_numpy()
    np.testing.assert_allclose(u["comparator_rate"], want_comp, rtol=1e-12)
    smr = expit(b0 + res.fit.modes) / expit(b0)
    np.testing.assert_allclose(u["smr"], smr, rtol=1e-10)
    np.testing.assert_allclose(u["expected"], u["denominator"] * expit(b0), rtol=1e-10)
    np.testing.assert_allclose(u["stabilised_rate"], want_comp * smr, rtol=1e-10)
    assert (u["method"].str.startswith("stabilised: ")).all()
    assert (u["lower_95"] < u["stabilised_rate"]).all()
    assert (u["stabilised_rate"] < u["upper_95"]).all()


def test_interval_is_the_smr_at_the_mode_plus_or_minus_1_96_conditional_sds():
    d = cells(4)
    res = stabilised_rates(d, "trust", "group", ["age"], multiplier=1000)
    u = res.units.set_index("trust")
    x = res.fit
    # recompute the upper limit of one unit by hand from the model table
    fixed = res.model[res.model.component == "fixed"]
    intercept = fixed.loc[fixed.term == "(Intercept)", "estimate"].iloc[0]
    age = fixed[fixed.term == "age"].set_index("level")["estimate"]
    j = 5
    part = d[d.trust == f"T{j:02d}"]
    eta = intercept + part["age"].map(age).to_numpy()
    b_hi = x.modes[j] + 1.959963984540054 * np.sqrt(x.cond_var[j])
    want = np.sum(part.denominator * expit(eta + b_hi)) / np.sum(part.denominator * expit(eta))
    assert u["smr_upper_95"].iloc[j] == pytest.approx(want, rel=1e-9)
    assert u["band"].iloc[j] == MBRRACE_2013_15.band(u["smr"].iloc[j])[0]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 5000), order=st.permutations(list(range(60))))
def test_rows_order_and_unit_names_do_not_matter(seed, order):
    d = cells(seed)
    a = stabilised_rates(d, "trust", "group", ["age"]).units.set_index("trust")
    shuffled = d.iloc[list(order)].copy()
    shuffled["trust"] = "X" + shuffled["trust"]
    b = stabilised_rates(shuffled, "trust", "group", ["age"]).units
    b = b.assign(trust=b.trust.str[1:]).set_index("trust").loc[a.index]
    np.testing.assert_allclose(a["stabilised_rate"], b["stabilised_rate"], rtol=1e-6)


def test_category_without_events_is_set_aside_with_risk_zero():
    d = cells(2)
    extra = d[d.age == "<20"].assign(age="unknown", numerator=0)
    with_empty = pd.concat([d, extra], ignore_index=True)
    a = stabilised_rates(with_empty, "trust", "group", ["age"]).units.set_index("trust")
    b = stabilised_rates(d, "trust", "group", ["age"]).units.set_index("trust")
    np.testing.assert_allclose(a["smr"], b["smr"], rtol=1e-6)
    assert (a["denominator"] > b["denominator"]).all()
    model = stabilised_rates(with_empty, "trust", "group", ["age"]).model
    row = model[(model.term == "age") & (model.level == "unknown")].iloc[0]
    assert row["estimate"] == -np.inf and "no events" in row["note"]


def test_aliased_case_mix_is_dropped():
    d = cells(3).assign(age_copy=lambda x: x["age"])
    a = stabilised_rates(d, "trust", "group", ["age", "age_copy"])
    b = stabilised_rates(d, "trust", "group", ["age"])
    np.testing.assert_allclose(a.units["smr"], b.units["smr"], rtol=1e-8)
    assert a.model["note"].str.contains("aliased").sum() == 2


def test_model_table_has_fixed_effects_sd_and_fit():
    d = cells()
    res = stabilised_rates(d, "trust", "group", ["age"])
    m = res.model
    assert set(m.component) == {"fixed", "random", "fit"}
    ref = m[(m.term == "age") & (m.note == "reference")]
    assert ref["level"].tolist() == [d.groupby("age").denominator.sum().idxmax()]
    sd = m[m.component == "random"].iloc[0]
    assert sd["estimate"] == pytest.approx(res.fit.sd)
    assert m.loc[m.term == "converged", "estimate"].iloc[0] == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(numerator=d.denominator + 1), "exceeds"),
        (lambda d: d.assign(numerator=d.numerator + 0.5), "whole number"),
        (lambda d: d.assign(group=np.where(d.age == "35+", "other", d.group)), "more than one"),
        (lambda d: d.assign(group=""), "blank comparator"),
        (lambda d: d.assign(trust=""), "blank unit"),
        (lambda d: d.drop(columns="age"), "no column 'age'"),
        (lambda d: d.assign(numerator=0), "most common category"),
    ],
)
def test_bad_tables_get_one_line_errors(change, message):
    with pytest.raises(UserError, match=message):
        stabilised_rates(change(cells()), "trust", "group", ["age"])


# ---------------------------------------------------------------- comparator groups


def test_comparator_group_rules():
    assert comparator_group("NICU_surgical", 1500) == GROUP_ORDER[0]
    assert comparator_group("nicu", 9000) == GROUP_ORDER[1]
    assert [
        comparator_group(lv, b) for lv, b in [("LNU", 4000), ("SCU", 3999.9), (None, 2000)]
    ] == [
        GROUP_ORDER[2],
        GROUP_ORDER[3],
        GROUP_ORDER[3],
    ]
    assert comparator_group("", 1999.9) == GROUP_ORDER[4]
    assert highest_level(["SCU", None, "NICU", "LNU"]) == "NICU"
    assert highest_level(["", None]) is None
    assert normalise_level(" nicu_SURGICAL ") == "NICU_surgical"
    with pytest.raises(ValueError):
        normalise_level("level 3")


def test_assign_comparator_groups_on_a_count_table():
    births = pd.DataFrame(
        {"org_code": ["A", "A", "B", "C", "D"], "denominator": [5000, 3000, 7000, 2500, 9000]}
    )
    sites = pd.DataFrame(
        {
            "trust_code": ["A", "A", "B", "C", "D"],
            "neonatal_unit_level": ["SCU", "NICU", "LNU", "", None],
        }
    )
    got = assign_comparator_groups(births, sites, years=2).set_index("org_code")
    assert got["comparator_group"].tolist() == [
        GROUP_ORDER[1],  # A has a NICU at one of its sites
        GROUP_ORDER[1 + 2],  # B: 3,500 a year
        GROUP_ORDER[4],  # C: 1,250 a year
        GROUP_ORDER[2],  # D: 4,500 a year
    ]
    assert got.loc["B", "births_per_year"] == 3500
    no_levels = assign_comparator_groups(births, sites.drop(columns="neonatal_unit_level"))
    assert no_levels["neonatal_unit_level"].eq("").all()


# ---------------------------------------------------------------- organisations contract


def _orgs(path: Path, level: list[str] | None) -> Path:
    header = list(schema.ORGANISATION_COLUMNS) + (["Neonatal_Unit_Level"] if level else [])
    rows = [
        ["S1", "Site 1", "T1", "Trust 1", "L1", "LMNS 1", "R1", "Region 1"],
        ["S2", "Site 2", "T1", "Trust 1", "L1", "LMNS 1", "R1", "Region 1"],
        ["S3", "Site 3", "T2", "Trust 2", "L2", "LMNS 2", "R1", "Region 1"],
    ]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r, lv in zip(rows, level or [None] * 3, strict=True):
            w.writerow(r + ([lv] if level else []))
    return path


def test_organisations_with_and_without_neonatal_unit_level(tmp_path):
    store = tmp_path / "s.duckdb"
    ingest(store, [_orgs(tmp_path / "o.csv", ["nicu_surgical", " scu", "NA"])])
    con = duckdb.connect(str(store))
    got = con.execute(
        "SELECT site_code, neonatal_unit_level FROM organisations ORDER BY 1"
    ).fetchall()
    assert got == [("S1", "NICU_surgical"), ("S2", "SCU"), ("S3", None)]
    con.close()
    # a file without the column still loads (blank levels), replacing those sites
    ingest(store, [_orgs(tmp_path / "o2.csv", None)])
    con = duckdb.connect(str(store))
    got = con.execute("SELECT count(*), count(neonatal_unit_level) FROM organisations").fetchone()
    assert got == (3, 0)
    con.close()


def test_invalid_neonatal_unit_level_refused_and_nothing_changes(tmp_path):
    store = tmp_path / "s.duckdb"
    with pytest.raises(InputFileError, match="row 2: neonatal_unit_level is not one of"):
        ingest(store, [_orgs(tmp_path / "o.csv", ["NICU", "level 2", "SCU"])])
    assert not store.exists()  # a failed first load leaves no store behind


def test_a_store_made_before_the_column_gains_it(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE organisations ("
        + ", ".join(f"{c} VARCHAR" for c in schema.ORGANISATION_COLUMNS)
        + ", PRIMARY KEY (site_code))"
    )
    con.close()
    with engine.writer("duckdb", path, create=False):
        pass  # opening a store for a write brings its tables up to date
    con = duckdb.connect(str(path), read_only=True)
    cols = [r[0] for r in con.execute("DESCRIBE organisations").fetchall()]
    con.close()
    assert cols == list(schema.ORGANISATION_STORE_COLUMNS)


# ---------------------------------------------------------------- from the store


def test_case_mix_counts_add_up_to_the_count_table(synthetic_store):
    with engine.open("duckdb", synthetic_store) as eng:
        m = BY_NAME["neonatal_mortality"]
        cm = case_mix_counts(eng, m, years=(2022, 2023))
        ct = count_table(eng, [m], level="trust", period="all")
    assert list(cm.columns[2:8]) == list(default_case_mix(m))
    got = cm.groupby("org_code")[["numerator", "denominator"]].sum()
    want = ct.set_index("org_code")[["numerator", "denominator"]]
    want = want[want.denominator > 0]
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_dtype=False)
    assert (cm.denominator > 0).all() and not cm.duplicated(list(cm.columns[:8])).any()


def test_stabilised_rates_for_store(synthetic_store):
    with engine.open("duckdb", synthetic_store) as eng:
        raw = stabilised_rates_for_store(eng, "stillbirth", "2022:2023", policy=None)
        released = stabilised_rates_for_store(eng, "stillbirth", "2022:2023", policy="nhs")
        orgs = eng.execute(eng.table("organisations"))
        ct = count_table(eng, [BY_NAME["stillbirth"]], level="trust", period="all")
    u = raw.units
    assert raw.period == "2022:2023" and raw.years == (2022, 2023)
    assert u["org_code"].is_unique
    assert u["observed"].sum() == ct["numerator"].sum()
    assert (u["disclosure_policy"].str.startswith("none")).all()
    # comparator groups: the synthetic trusts' NICUs (synth assigns levels)
    nicu_trusts = set(orgs.loc[orgs.neonatal_unit_level == "NICU_surgical", "trust_code"])
    assert set(u.loc[u.comparator_group == GROUP_ORDER[0], "org_code"]) == nicu_trusts & set(
        u.org_code
    )
    assert set(u["comparator_group"]) <= set(GROUP_ORDER)
    np.testing.assert_allclose(u["stabilised_rate"], u["comparator_rate"] * u["smr"], rtol=1e-12)
    r = released.units.set_index("org_code").loc[u.org_code]
    assert (r["disclosure_policy"] == "nhs").all()
    assert (r["observed"] % 5 == 0).all()
    small = u["observed"].to_numpy() < 8
    assert r["stabilised_rate"].isna().to_numpy()[small].all()
    assert not r["stabilised_rate"].isna().to_numpy()[~small].any()
    assert (r["band"].to_numpy()[small] == "").all()
    assert raw.model["component"].eq("random").sum() == 1


def test_parse_period():
    assert parse_period("2024") == (2024, 2024)
    assert parse_period("2022:2024") == (2022, 2024)
    assert parse_period(None) is None
    for bad in ("2024:2022", "twenty", "2022:2023:2024"):
        with pytest.raises(UserError):
            parse_period(bad)


def test_synthetic_england_assigns_calibrated_neonatal_unit_levels():
    from matequity.synth.calibration import NICU_SURGICAL_TRUST_SHARE, NICU_TRUST_SHARE
    from matequity.synth.generate import generate

    a = generate(range(2023, 2024), seed=5, scale=0.01, defects=False)
    b = generate(range(2023, 2024), seed=5, scale=0.01, defects=False)
    o = a.organisations
    assert o["neonatal_unit_level"].equals(b.organisations["neonatal_unit_level"])
    assert set(o["neonatal_unit_level"]) <= {"NICU_surgical", "NICU", "LNU", "SCU"}
    per_trust = o.groupby("trust_code")["neonatal_unit_level"]
    n_trusts = o["trust_code"].nunique()
    top = per_trust.agg(highest_level)
    assert (top == "NICU_surgical").sum() == round(n_trusts * NICU_SURGICAL_TRUST_SHARE)
    assert (top == "NICU").sum() == round(n_trusts * NICU_TRUST_SHARE)
    nicu = o[o["neonatal_unit_level"].isin(["NICU", "NICU_surgical"])]
    assert nicu["trust_code"].is_unique  # one NICU per NICU trust


def test_synthetic_nicus_sit_at_the_busiest_site_of_larger_trusts():
    from matequity.synth.geography import neonatal_unit_levels

    rng = np.random.default_rng(0)
    site_trust = np.repeat(np.arange(60), 2)
    site_births = rng.uniform(500, 6000, 120)
    levels = neonatal_unit_levels(np.random.default_rng(1), site_trust, site_births)
    trust_births = np.bincount(site_trust, weights=site_births)
    nicu_trusts = []
    for t in range(60):
        mine = np.flatnonzero(site_trust == t)
        hi = [i for i in mine if levels[i] in ("NICU", "NICU_surgical")]
        if hi:
            assert hi == [mine[np.argmax(site_births[mine])]]
            nicu_trusts.append(t)
    assert len(nicu_trusts) == round(60 * 21 / 129) + round(60 * 22 / 129)
    # drawn with probability growing with size: NICU trusts are larger on average
    others = np.setdiff1d(np.arange(60), nicu_trusts)
    assert trust_births[nicu_trusts].mean() > trust_births[others].mean()


def test_an_sd_of_zero_is_said():
    ref = Path(__file__).parents[1] / "reference" / "lme4" / "data_nosd.csv"
    d = pd.read_csv(ref).rename(columns={"deaths": "numerator", "births": "denominator"})
    res = stabilised_rates(d, "org")
    assert res.fit.sd == 0.0
    np.testing.assert_allclose(res.units["smr"], 1.0, rtol=1e-12)
    assert res.units["method"].str.contains("every SMR is 1").all()
    # the average itself is "up to 10% lower" (not higher): docs/methods.md §10
    assert (res.units["band"] == "up to 10% lower").all()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(allow_nan=True), st.integers(), st.text(max_size=4)),
        max_size=30,
    )
)
def test_cells_are_read_as_stripped_text_whatever_their_type(values):
    """The factorised reading of the unit and case-mix columns is exactly
    ``astype(str).str.strip()`` (None as 'None', NaN as 'nan')."""
    from matequity.stats.stabilised import _stripped_text

    s = pd.Series(values, dtype=object)
    assert list(_stripped_text(s)) == list(s.astype(str).str.strip())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", " c", "1", "1.0", "None"]), min_size=1, max_size=40),
    st.data(),
)
def test_design_indicators_are_the_categories(values, data):
    """Each indicator column of the treatment design is 1 exactly where the cell's
    text is that category (the design compares codes, not strings)."""
    from matequity.stats.design import treatment_design

    df = pd.DataFrame({"v": values})
    w = pd.Series(
        data.draw(st.lists(st.integers(1, 9), min_size=len(values), max_size=len(values)))
    )
    design = treatment_design(df, ["v"], w, intercept=False)
    text = df["v"].astype(str)
    for j, t in enumerate(design.terms):
        np.testing.assert_array_equal(design.matrix[:, j], (text == t.level).to_numpy(float))
    assert {t.level for t in design.terms} == set(text) - {design.references["v"]}
