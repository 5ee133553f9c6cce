"""Derivations (MBRRACE classes, flags, labels) against an independent
pure-Python reading of the definitions, on random records (hypothesis), run
through each engine's backend. On Spark the derived frame must also equal
DuckDB's, column for column.

Spark answers a query in about a second whatever its size, so it checks its
records in fewer, larger batches: each example is a list of independent
batches of records (one batch on DuckDB, as many records per query as a
hypothesis example of the original test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matequity.engine import derive, derived
from matequity.ingest.validate import TYPED_COLUMNS
from matequity.model import age, baby, deprivation, ethnicity
from matequity.model.definitions import BIRTH_CLASSES

from .stores import Backend

ORGS = pd.DataFrame(
    [
        {
            "site_code": "S1",
            "site_name": "Site",
            "trust_code": "T1",
            "trust_name": "Trust",
            "lmns_code": "L1",
            "lmns_name": "LMNS",
            "region_code": "R1",
            "region_name": "Region",
        }
    ]
)
LOOKUP = pd.DataFrame({"lsoa_code": ["E1", "E2"], "imd_decile": [2, 9]})


def reference(b: dict) -> dict:
    """The MBRRACE definitions read directly, one baby at a time."""
    g, bw, term_ = b["gestation_days"], b["birthweight_g"], b["termination"]
    bw = None if bw == 9999 else bw  # the MSDS "not known" code
    viable = (g is not None and g >= 168) or (g is None and bw is not None and bw >= 400)
    if term_:
        cls = "excluded"
    elif b["outcome"] == "live":
        cls = "live_birth"
    elif viable:
        cls = "stillbirth"
    elif g is not None and 154 <= g <= 167:
        cls = "late_fetal_loss"
    elif (g is not None and g < 154) or (g is None and bw is not None and bw < 400):
        cls = "earlier_loss"
    else:
        cls = "excluded"
    live24 = cls == "live_birth" and viable
    died_days = (b["death_date"] - b["birth_date"]).days if b["death_date"] else None
    nnd = live24 and died_days is not None and died_days <= 27
    sb = cls == "stillbirth"
    term = g is not None and g >= 259
    pre_den = (
        cls == "live_birth" and b["babies_in_delivery"] == 1 and g is not None and 154 <= g <= 315
    )
    return {
        "birth_class": cls,
        "stillbirth": int(sb),
        "live_birth_24": int(live24),
        "total_birth": int(sb or live24),
        "neonatal_death": int(nnd),
        "moss_event": int((sb or nnd) and term),
        "term_birth": int((sb or live24) and term),
        "preterm": int(pre_den and g < 259),
        "preterm_denominator": int(pre_den),
    }


@st.composite
def babies(draw):
    n = draw(st.integers(1, 40))
    rows = []
    for i in range(n):
        bd = draw(st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31)))
        outcome = draw(st.sampled_from(["live", "still"]))
        death = None
        if outcome == "live" and draw(st.booleans()):
            death = bd + dt.timedelta(days=draw(st.sampled_from([0, 1, 26, 27, 28, 29, 100])))
        rows.append(
            {
                "baby_id": f"b{i}",
                "delivery_id": f"d{i // 2}",
                "mother_id": f"m{i // 2}",
                "site_code": "S1",
                "birth_date": bd,
                "gestation_days": draw(
                    st.one_of(
                        st.none(),
                        st.sampled_from(
                            [141, 153, 154, 160, 167, 168, 169, 250, 258, 259, 260, 280, 315]
                        ),
                    )
                ),
                "outcome": outcome,
                "termination": draw(st.sampled_from([None, False, False, True])),
                "death_date": death,
                "birthweight_g": draw(
                    st.one_of(st.none(), st.sampled_from([300, 399, 400, 401, 2499, 3500, 9999]))
                ),
                "sex": draw(st.sampled_from(["female", "male", "not_known", None])),
                "babies_in_delivery": draw(st.sampled_from([None, 1, 2])),
                "ethnic_category": draw(st.sampled_from([None, "A", "R", "N", "Z", "99", "J"])),
                "imd_decile": draw(st.one_of(st.none(), st.integers(1, 10))),
                "lsoa_code": draw(st.sampled_from([None, "E1", "E2", "E9"])),
                "mother_age": draw(st.one_of(st.none(), st.integers(10, 65))),
                "previous_births": 0,
                "booking_gestation_days": draw(st.one_of(st.none(), st.integers(40, 120))),
                "maternal_death": draw(st.booleans()),
                "severe_maternal_morbidity": draw(st.booleans()),
            }
        )
    return rows


def _connect(backend: Backend) -> Any:
    if backend.kind == "spark":
        return ibis.pyspark.connect(backend.session)
    return ibis.duckdb.connect()


def _derive(con: Any, rows: list[dict], grouping: str) -> pd.DataFrame:
    b = ibis.memtable(pd.DataFrame(rows), schema=TYPED_COLUMNS)
    o, lk = ibis.memtable(ORGS), ibis.memtable(LOOKUP)
    out = con.execute(derive.babies_derived(b, o, lk, grouping=grouping))
    return out.sort_values("baby_id").reset_index(drop=True)


def run_derive(backend: Backend, rows: list[dict], grouping: str = "msds") -> pd.DataFrame:
    """``babies_derived`` of ``rows`` on the backend (on Spark, checked equal to DuckDB's)."""
    out = _derive(_connect(backend), rows, grouping)
    if backend.kind != "duckdb":
        assert_same_frame(out, _derive(ibis.duckdb.connect(), rows, grouping))
    return out


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal frames; a column with no value at all only needs to be empty on
    both (Spark gives such an integer column as objects, DuckDB as floats)."""
    empty = [c for c in want.columns if want[c].isna().all()]
    assert list(got.columns) == list(want.columns)
    assert got[empty].isna().all().all()
    pd.testing.assert_frame_equal(got.drop(columns=empty), want.drop(columns=empty))


#: per engine: hypothesis examples, and batches of records per example (on
#: DuckDB the original test: 40 examples of one batch)
RUNS = {"duckdb": (40, 1), "spark": (5, 8)}


def _join(parts: list[list[dict]]) -> list[dict]:
    """Batches as one list of records, identifiers made unique per batch."""
    rows = []
    for k, part in enumerate(parts):
        for r in part:
            rows.append(
                {**r, **{c: f"{k}.{r[c]}" for c in ("baby_id", "delivery_id", "mother_id")}}
            )
    return rows


def check_on_examples(
    backend: Backend, check: Callable[[list[dict]], None], share: float = 1.0
) -> None:
    """Run ``check(rows)`` on the backend's hypothesis examples."""
    n, per = RUNS[backend.kind]
    strategy = st.lists(babies(), min_size=per, max_size=per).map(_join)
    run = settings(
        max_examples=max(1, round(n * share)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )(given(rows=strategy)(check))
    run()


def test_flags_match_reference(backend):
    def check(rows):
        out = run_derive(backend, rows).set_index("baby_id")
        for r in rows:
            ref = reference(r)
            got = out.loc[r["baby_id"]]
            for k, v in ref.items():
                assert got[k] == v, (k, r)
            # MSDS "not known" codes in the store read as unknown
            assert pd.isna(got["birthweight_g"]) == (r["birthweight_g"] in (None, 9999))
            assert pd.isna(got["sex"]) == (r["sex"] in (None, "not_known"))

    check_on_examples(backend, check)


def test_every_baby_in_exactly_one_class(backend):
    def check(rows):
        out = run_derive(backend, rows)
        assert len(out) == len(rows)
        assert out["birth_class"].isin(BIRTH_CLASSES).all()
        # the populations nest: stillbirths and live births >= 24 weeks make total births
        assert (out["total_birth"] == out["stillbirth"] + out["live_birth_24"]).all()
        assert (out["neonatal_death"] <= out["live_birth_24"]).all()
        assert (out["moss_event"] <= out["term_birth"]).all()
        assert (out["preterm"] <= out["preterm_denominator"]).all()

    check_on_examples(backend, check)


@pytest.mark.parametrize("grouping", ["msds", "ons"])
def test_labels_match_reference(backend, grouping):
    look = dict(zip(LOOKUP.lsoa_code, LOOKUP.imd_decile, strict=True))
    groups = ethnicity.GROUPINGS[grouping].groups

    def check(rows):
        out = run_derive(backend, rows, grouping).set_index("baby_id")
        for r in rows:
            got = out.loc[r["baby_id"]]
            code = r["ethnic_category"]
            want_group = ethnicity.MISSING if code is None else groups[code]
            assert got["ethnic_group"] == want_group
            want_label = (
                ethnicity.MISSING if code is None else ethnicity.ETHNIC_CATEGORY_LABELS[code]
            )
            assert got["ethnic_category_label"] == want_label
            dec = r["imd_decile"] if r["imd_decile"] is not None else look.get(r["lsoa_code"])
            want_dec = deprivation.NOT_KNOWN if dec is None else deprivation.decile_label(dec)
            assert got["imd_decile_label"] == want_dec
            assert got["age_band"] == age.age_band(r["mother_age"])
            assert got["baby_sex"] == baby.sex_label(r["sex"])
            assert got["multiplicity"] == baby.multiplicity(r["babies_in_delivery"])
            assert got["gestation_band"] == baby.gestation_band(r["gestation_days"])

    check_on_examples(backend, check, share=0.75)


def typed_baby(**over) -> dict:
    """One valid typed baby, with some fields replaced."""
    row = dict(
        baby_id="b",
        delivery_id="d",
        mother_id="m",
        site_code="S1",
        birth_date=dt.date(2024, 3, 1),
        gestation_days=280,
        outcome="live",
        termination=False,
        death_date=None,
        birthweight_g=3000,
        sex="male",
        babies_in_delivery=1,
        ethnic_category="A",
        imd_decile=5,
        lsoa_code=None,
        mother_age=30,
        previous_births=0,
        booking_gestation_days=60,
        maternal_death=False,
        severe_maternal_morbidity=False,
    )
    row.update(over)
    return row


def test_chinese_grouped_by_publication_convention(backend):
    rows = [typed_baby(ethnic_category="R", imd_decile=1)]
    msds = run_derive(backend, rows, "msds").iloc[0]
    assert msds["ethnic_group"] == "Any other ethnic group"
    assert run_derive(backend, rows, "ons")["ethnic_group"].iloc[0] == "Asian or Asian British"
    assert msds["imd_decile_label"] == "1 (most deprived)"
    assert msds["imd_quintile"] == "1 (most deprived)"


def test_neonatal_boundary_28_completed_days(backend):
    """Deaths at 0, 27 and 28 completed days (one query on each engine)."""
    born = dt.date(2024, 3, 1)
    rows = [
        typed_baby(baby_id=f"b{days}", death_date=born + dt.timedelta(days=days))
        for days in (0, 27, 28)
    ]
    got = run_derive(backend, rows).set_index("baby_id")["neonatal_death"]
    assert got.to_dict() == {"b0": 1, "b27": 1, "b28": 0}


def test_age_bands_reference():
    assert [age.age_band(a) for a in (None, 10, 11, 19, 20, 44, 45, 60, 61)] == [
        "Not known",
        age.OUTSIDE,
        "Under 20",
        "Under 20",
        "20 to 24",
        "40 to 44",
        "45 or Over",
        "45 or Over",
        age.OUTSIDE,
    ]


def test_period_labels(backend):
    t = ibis.memtable({"d": [dt.date(2024, 2, 9), dt.date(2023, 11, 30)]})
    got = _connect(backend).execute(
        t.select(
            y=derive.period_label(t.d, "year"),
            q=derive.period_label(t.d, "quarter"),
            m=derive.period_label(t.d, "month"),
            a=derive.period_label(t.d, "all"),
        )
    )
    assert got.to_dict("list") == {
        "y": ["2024", "2023"],
        "q": ["2024 Q1", "2023 Q4"],
        "m": ["2024-02", "2023-11"],
        "a": ["all", "all"],
    }


def test_baby_labels_reference():
    assert [baby.sex_label(s) for s in ("male", "female", "indeterminate", "not_known", None)] == [
        "Male",
        "Female",
        "Indeterminate",
        "Not known",
        "Not known",
    ]
    assert [baby.multiplicity(n) for n in (1, 2, 8, None)] == [
        "Singleton",
        "Multiple",
        "Multiple",
        "Not known",
    ]
    # MBRRACE-UK gestation bands at their boundaries (completed days)
    cases = {
        141: "Under 22+0 weeks",
        153: "Under 22+0 weeks",
        154: "22+0 to 23+6 weeks",
        167: "22+0 to 23+6 weeks",
        168: "24+0 to 27+6 weeks",
        195: "24+0 to 27+6 weeks",
        196: "28+0 to 31+6 weeks",
        224: "32+0 to 36+6 weeks",
        258: "32+0 to 36+6 weeks",
        259: "37+0 to 41+6 weeks",
        293: "37+0 to 41+6 weeks",
        294: "42+0 weeks and over",
        315: "42+0 weeks and over",
        None: "Not known",
    }
    assert {d: baby.gestation_band(d) for d in cases} == cases


def test_new_labels_in_the_engine_at_the_boundaries(backend):
    rows = [
        typed_baby(baby_id=f"b{i}", gestation_days=g, sex=s, babies_in_delivery=k)
        for i, (g, s, k) in enumerate(
            [(167, "male", 1), (168, "female", 2), (258, "not_known", None), (259, None, 3)]
        )
    ]
    out = run_derive(backend, rows)
    assert out["gestation_band"].tolist() == [
        "22+0 to 23+6 weeks",
        "24+0 to 27+6 weeks",
        "32+0 to 36+6 weeks",
        "37+0 to 41+6 weeks",
    ]
    assert out["baby_sex"].tolist() == ["Male", "Female", "Not known", "Not known"]
    assert out["multiplicity"].tolist() == ["Singleton", "Multiple", "Not known", "Multiple"]


def _delivery_reference(babies_of: list[dict]) -> dict:
    """One delivery read directly from the definitions: its first baby (lowest
    baby_id) gives the date and the mother's groups; a maternity has a live
    birth or a stillbirth; a maternal death or severe morbidity counts only in
    a maternity; booking is the earliest booking of its babies."""
    first = min(babies_of, key=lambda r: r["baby_id"])
    mat = any(reference(r)["birth_class"] in ("live_birth", "stillbirth") for r in babies_of)
    booking = [r["booking_gestation_days"] for r in babies_of]
    booking = min((v for v in booking if v is not None), default=None)
    code = first["ethnic_category"]

    def group(g: str) -> str:
        return (
            ethnicity.GROUPINGS[g].groups.get(code, ethnicity.MISSING)
            if code
            else ethnicity.MISSING
        )

    return {
        "birth_date": first["birth_date"],
        "ethnic_group": group("msds"),
        "ethnic_group_ons": group("ons"),
        "maternity": int(mat),
        "maternal_death": int(mat and any(r["maternal_death"] for r in babies_of)),
        "severe_maternal_morbidity": int(
            mat and any(r["severe_maternal_morbidity"] for r in babies_of)
        ),
        "booking_known": int(mat and booking is not None),
        "booked_by_10_weeks": int(mat and booking is not None and booking <= 70),
    }


def test_deliveries_match_reference(backend):
    """``deliveries_derived``: one row per delivery, its first baby's groups
    (babies of one delivery differ in ethnic code here), maternity and maternal
    flags as the definitions read them."""
    con = _connect(backend)

    def check(rows):
        b = ibis.memtable(pd.DataFrame(rows), schema=TYPED_COLUMNS)
        o, lk = ibis.memtable(ORGS), ibis.memtable(LOOKUP)
        got = con.execute(derived.deliveries(b, o, lk)).set_index("delivery_id")
        by_delivery: dict[str, list[dict]] = {}
        for r in rows:
            by_delivery.setdefault(r["delivery_id"], []).append(r)
        assert sorted(got.index) == sorted(by_delivery)
        for d, members in by_delivery.items():
            for k, v in _delivery_reference(members).items():
                g = got.loc[d, k]
                g = pd.Timestamp(g).date() if k == "birth_date" else g
                assert g == v, (k, d, members)

    check_on_examples(backend, check)
