"""Data-quality report: field validity, MIS safety action 2, plausibility,
completeness and missing-coding bounds, each against hand-worked data or an
independent derivation."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import baby, write_csv
from matequity import engine as engines
from matequity.cli.main import app
from matequity.errors import InputFileError
from matequity.ingest.load import ingest
from matequity.quality import birthweight_reference as bwref
from matequity.quality import report
from matequity.quality.mis import mis_ethnicity
from matequity.quality.plausibility import plausibility
from matequity.stats.missing_bounds import UNKNOWN_LABEL, bounds

LOAD_DATE = dt.date(2025, 1, 1)


def make_store(tmp_path: Path, orgs_csv: Path, rows: list[dict]) -> Path:
    store = tmp_path / "s.duckdb"
    births = write_csv(tmp_path / "births.csv", rows)
    ingest(store, [orgs_csv, births], load_date=LOAD_DATE)
    return store


def _fq(store: Path) -> pd.DataFrame:
    eng = engines.open("duckdb", store)
    orgs = eng.execute(eng.table("organisations"))
    return report.field_quality(eng, orgs)


def test_field_quality_by_hand(tmp_path, orgs_csv):
    rows = [
        baby(baby_id="a", ethnic_category="A", birthweight_g="3400", sex="F"),
        baby(baby_id="z", ethnic_category="Z", birthweight_g="9999", sex="X"),
        baby(baby_id="n", ethnic_category="99", birthweight_g="", sex=""),
        baby(baby_id="blank", ethnic_category="", site_code="S2"),
        # quarantined: birthweight out of range, ethnic code unknown
        baby(baby_id="bad_bw", birthweight_g="12000", site_code="S2"),
        baby(baby_id="bad_eth", ethnic_category="Q7", site_code="S3"),
        # quarantined, site unknown: counts at England only (site "Not known")
        baby(baby_id="nosite", site_code="XX9"),
    ]
    fq = _fq(make_store(tmp_path, orgs_csv, rows))
    month = "2024-01"

    def get(level, code, field):
        r = fq[(fq.org_level == level) & (fq.org_code == code) & (fq.month == month)]
        r = r[r.field == field].iloc[0]
        return tuple(int(r[c]) for c in ("valid", "default", "invalid", "missing", "denominator"))

    # England: every row read counts once for every field
    assert get("england", "E92000001", "ethnic_category") == (3, 2, 1, 1, 7)
    assert get("england", "E92000001", "birthweight_g") == (4, 1, 1, 1, 7)
    assert get("england", "E92000001", "sex") == (5, 1, 0, 1, 7)
    assert get("england", "E92000001", "site_code") == (6, 0, 1, 0, 7)
    # site S1 holds a, z, n; trust T1 = S1 + S2 (blank, bad_bw)
    assert get("site", "S1", "ethnic_category") == (1, 2, 0, 0, 3)
    assert get("trust", "T1", "ethnic_category") == (2, 2, 0, 1, 5)
    assert get("site", "S3", "ethnic_category") == (0, 0, 1, 0, 1)
    assert get("site", "Not known", "site_code") == (0, 0, 1, 0, 1)
    # the NHS layout adds up
    sums = fq[["valid", "default", "invalid", "missing"]].sum(axis=1)
    assert (sums == fq["denominator"]).all()


def test_field_quality_denominator_is_rows_read(synthetic_store):
    fq = _fq(synthetic_store)
    con = duckdb.connect(str(synthetic_store), read_only=True)
    read, malformed = con.execute(
        "SELECT (SELECT sum(rows_read) FROM loads WHERE kind = 'births'), "
        "(SELECT count(*) FROM quarantine WHERE reason = 'malformed_row')"
    ).fetchone()
    con.close()
    eng = fq[(fq.org_level == "england") & (fq.field == "baby_id")]
    assert eng["denominator"].sum() == read - malformed
    # each level partitions the rows with a known site
    for level in ("site", "trust", "lmns", "region"):
        part = fq[(fq.org_level == level) & (fq.field == "outcome") & (fq.org_code != "Not known")]
        known = (
            eng["denominator"].sum()
            - fq[(fq.org_level == "site") & (fq.org_code == "Not known") & (fq.field == "outcome")][
                "denominator"
            ].sum()
        )
        assert part["denominator"].sum() == known


def _independent_mis(store: Path) -> pd.DataFrame:
    """MIS SA2 read directly from the store with pandas, one woman at a time."""
    con = duckdb.connect(str(store), read_only=True)
    b = con.execute("SELECT * FROM babies").df()
    orgs = con.execute("SELECT site_code, trust_code FROM organisations").df()
    # women quarantined only for an invalid ethnic code are booked, not valid
    q = con.execute(
        "SELECT raw_baby_id, raw_delivery_id, raw_site_code, raw_birth_date, "
        "raw_gestation_days, raw_booking_gestation_days FROM quarantine "
        "WHERE reasons = 'unknown_ethnic_code'"
    ).df()
    con.close()
    first, last = b.birth_date.min(), b.birth_date.max()
    q = pd.DataFrame(
        {
            "baby_id": q.raw_baby_id,
            "delivery_id": q.raw_delivery_id,
            "site_code": q.raw_site_code,
            "birth_date": pd.to_datetime(q.raw_birth_date),
            "gestation_days": pd.to_numeric(q.raw_gestation_days),
            "booking_gestation_days": pd.to_numeric(q.raw_booking_gestation_days),
            "ethnic_category": "invalid",
        }
    )
    b = pd.concat([b.assign(birth_date=pd.to_datetime(b.birth_date)), q], ignore_index=True)
    b = b.sort_values("baby_id").drop_duplicates("delivery_id").merge(orgs, on="site_code")
    rows = {}
    for r in b.itertuples():
        if pd.isna(r.gestation_days) or pd.isna(r.booking_gestation_days):
            continue
        if r.booking_gestation_days > r.gestation_days:
            continue
        booked = r.birth_date - pd.Timedelta(days=int(r.gestation_days - r.booking_gestation_days))
        start = booked.replace(day=1)
        end = start + pd.offsets.MonthEnd(0)
        if start < first or end + pd.Timedelta(days=315) > last:
            continue
        key = (r.trust_code, f"{booked.year}-{booked.month:02d}")
        v, n = rows.get(key, (0, 0))
        ok = isinstance(r.ethnic_category, str) and r.ethnic_category in "ABCDEFGHJKLMNPRS"
        rows[key] = (v + ok, n + 1)
    return pd.DataFrame(
        [(t, m, v, n) for (t, m), (v, n) in rows.items()],
        columns=["trust_code", "month", "valid", "booked"],
    )


def test_mis_matches_independent_derivation(synthetic_store):
    got = mis_ethnicity(engines.open("duckdb", synthetic_store)).table
    want = _independent_mis(synthetic_store)
    m = got.merge(want, on=["trust_code", "month"], how="outer", suffixes=("", "_ref"))
    assert len(m) == len(got) == len(want) > 100
    assert (m["valid"] == m["valid_ref"]).all()
    assert (m["booked"] == m["booked_ref"]).all()
    assert (m["pass"] == (m["valid_ref"] / m["booked_ref"] >= 0.9)).all()


def test_mis_threshold_and_codes_by_hand(tmp_path, orgs_csv):
    # ten women booked in 2023-03 at trust T1; the data run 2023-01-01 to 2024-12-31
    span = [
        baby(baby_id="first", delivery_id="f", birth_date="2023-01-01", booking_gestation_days=""),
        baby(baby_id="last", delivery_id="l", birth_date="2024-12-31", booking_gestation_days=""),
    ]
    codes = ["A", "B1", "S", "R", "H", "J", "N", "P", "M", "Z"]  # 9 valid of 10 = 90%
    women = [
        baby(
            baby_id=f"w{i}",
            delivery_id=f"d{i}",
            birth_date="2023-10-20",
            gestation_days="280",
            booking_gestation_days="70",  # booked 2023-03-24
            ethnic_category=c,
        )
        for i, c in enumerate(codes)
    ]
    # trust T2: 99, blank and an invalid code (quarantined, still a booked woman)
    t2 = [
        baby(
            baby_id=f"x{i}",
            delivery_id=f"e{i}",
            site_code="S3",
            birth_date="2023-10-20",
            gestation_days="280",
            booking_gestation_days="70",
            ethnic_category=c,
        )
        for i, c in enumerate(["99", "", "Q", "A"])
    ]
    late = [baby(baby_id="late", delivery_id="late", birth_date="2024-12-01")]  # booked 2024-04-30
    res = mis_ethnicity(
        engines.open("duckdb", make_store(tmp_path, orgs_csv, span + women + t2 + late))
    )
    t = res.table.set_index(["trust_code", "month"])
    assert tuple(t.loc[("T1", "2023-03"), ["valid", "booked"]]) == (9, 10)
    assert t.loc[("T1", "2023-03"), "percent"] == 90.0
    assert bool(t.loc[("T1", "2023-03"), "pass"]) is True
    assert tuple(t.loc[("T2", "2023-03"), ["valid", "booked"]]) == (1, 4)
    assert bool(t.loc[("T2", "2023-03"), "pass"]) is False
    assert res.undated == 2  # the two span babies have no booking gestation
    assert res.incomplete_months == ("2024-04",)  # its births would run past the data


def test_plausibility_by_hand(tmp_path, orgs_csv):
    rows = [
        # whole years 2022 and 2023 at S1: 40 births then 10
        *[baby(baby_id=f"a{i}", birth_date=f"2022-{1 + i % 12:02d}-01") for i in range(40)],
        *[baby(baby_id=f"b{i}", birth_date=f"2023-{1 + i % 12:02d}-02") for i in range(10)],
        baby(baby_id="first", birth_date="2022-01-01"),
        baby(baby_id="last", birth_date="2023-12-31"),
        baby(baby_id="sb", outcome="still", gestation_days="160", birth_date="2023-05-05"),
        baby(baby_id="dbb", death_date="2023-05-01", birth_date="2023-05-05"),
    ]
    store = make_store(tmp_path, orgs_csv, rows)
    # the same baby again from another site, in a second load
    ingest(
        store,
        [
            write_csv(
                tmp_path / "b2.csv", [baby(baby_id="a3", site_code="S3", birth_date="2022-04-01")]
            )
        ],
        load_date=LOAD_DATE,
    )
    p = plausibility(engines.open("duckdb", store))
    got = {(r.check, r.site_code, r.period): (r.flagged, r.of) for r in p.itertuples()}
    assert got[("stillbirth_under_24_weeks", "S1", "2023-05")][0] == 1
    assert got[("death_before_birth", "S1", "2023-05")][0] == 1
    assert got[("same_baby_two_sites", "S1", "2022-04")][0] == 1
    assert got[("same_baby_two_sites", "S3", "2022-04")][0] == 1
    # 2023 at S1: ten, "last" and the stillbirth (the death-before-birth row is quarantined)
    assert got[("births_below_previous_year", "S1", "2023")] == (12, 41)


def test_lms_z_against_the_inverse_formula():
    # Cole's LMS: the value at z is M (1 + L S z)^(1/L), or M exp(S z) when L = 0
    import ibis

    cases = [(-1.2, 3400.0, 0.13, z) for z in (-4.5, -1, 0, 2, 4.2)] + [
        (0.0, 1200.0, 0.2, z) for z in (-3, 0.5, 4.1)
    ]
    xs = [
        m * math.exp(s * z) if lam == 0 else m * (1 + lam * s * z) ** (1 / lam)
        for lam, m, s, z in cases
    ]
    t = ibis.memtable(
        pd.DataFrame(
            {
                "x": xs,
                "l": [c[0] for c in cases],
                "m": [c[1] for c in cases],
                "s": [c[2] for c in cases],
            }
        )
    )
    got = ibis.duckdb.connect().execute(t.select(z=bwref.lms_z(t.x, t.l, t.m, t.s)))["z"]
    assert np.allclose(got, [c[3] for c in cases], atol=1e-9)


def test_lms_reference_file_and_its_errors(tmp_path, synthetic_store):
    bad = tmp_path / "ref.csv"
    bad.write_text("sex,gestation_weeks,l,m\nmale,40,1,3500\n")
    with pytest.raises(InputFileError, match="missing column"):
        bwref.read_lms(bad)
    bad.write_text("sex,gestation_weeks,l,m,s\nboy,40,1,3500,0.1\n")
    with pytest.raises(InputFileError, match="row 2: sex"):
        bwref.read_lms(bad)
    # a reference centred far from the data flags (nearly) every scored baby
    good = tmp_path / "ok.csv"
    rows = [f"{s},{w},1,{40000},0.05" for s in ("male", "female") for w in range(20, 46)]
    good.write_text("sex,gestation_weeks,l,m,s\n" + "\n".join(rows) + "\n")
    ref = bwref.read_lms(good)
    p = plausibility(engines.open("duckdb", synthetic_store), ref)
    bw = p[p.check == "birthweight_for_gestation"]
    assert bw["flagged"].sum() == bw["of"].sum() > 1000
    assert bw["detail"].str.contains("ok.csv").all()


@settings(max_examples=200, deadline=None)
@given(
    og=st.integers(0, 6),
    ng_extra=st.integers(1, 6),
    ou=st.integers(0, 4),
    nu_extra=st.integers(0, 4),
)
def test_manski_bounds_are_the_extremes_of_every_allocation(og, ng_extra, ou, nu_extra):
    ng, nu = og + ng_extra, ou + nu_extra
    counts = pd.DataFrame(
        {
            "org_level": "england",
            "org_code": "E",
            "period": "all",
            "measure": "stillbirth",
            "ethnic_group": ["Black or Black British", "White", "Not known"],
            "numerator": [og, 3, ou],
            "denominator": [ng, 10, nu],
        }
    )
    b = bounds(counts, "ethnic_group", "White").set_index("ethnic_group")
    # brute force: a of the unknown events and c of the unknown non-events are in g
    rates = [1000 * (og + a) / (ng + a + c) for a in range(ou + 1) for c in range(nu - ou + 1)]
    g = b.loc["Black or Black British"]
    assert math.isclose(g["rate_lower_bound"], min(rates))
    assert math.isclose(g["rate_upper_bound"], max(rates))
    assert g["rate_lower_bound"] <= g["rate"] <= g["rate_upper_bound"]
    if nu:
        assert b.loc[UNKNOWN_LABEL, "rate"] == pytest.approx(1000 * ou / nu)
    else:
        assert math.isnan(b.loc[UNKNOWN_LABEL, "rate"])
    w = b.loc["White"]
    assert g["gap_lower_bound"] == pytest.approx(g["rate_lower_bound"] - w["rate_upper_bound"])


def test_quality_cli_writes_every_file_with_its_policy(tmp_path, synthetic_store):
    r = CliRunner().invoke(
        app, ["quality", "--store", str(synthetic_store), "-o", str(tmp_path), "--policy", "nhs"]
    )
    assert r.exit_code == 0, r.output
    assert "MIS SA2 ethnicity" in r.output
    for name in report.FILES:
        df = pd.read_csv(tmp_path / name)
        assert len(df) > 0, name
        assert (df["disclosure_policy"] == "nhs").all()
    fq = pd.read_csv(tmp_path / "field_quality.csv")
    released = fq[["valid", "default", "invalid", "missing", "denominator"]].to_numpy()
    assert (released % 5 == 0).all()
    eb = pd.read_csv(tmp_path / "equity_bounds.csv")
    small = eb["numerator"] < 8  # released 0 or 5: the rate may be withheld
    assert eb.loc[eb["numerator"] == 5, "rate"].isna().all()
    assert small.any()
    r = CliRunner().invoke(app, ["quality", "--store", str(synthetic_store), "-o", str(tmp_path)])
    assert r.exit_code == 0
    assert (
        pd.read_csv(tmp_path / "mis_ethnicity.csv")["disclosure_policy"]
        .str.startswith("none: analyst-only")
        .all()
    )
