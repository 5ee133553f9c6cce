"""Ingest on every engine: the same quarantine rows and reasons, the same
reconciliation, the same de-duplication, and all or nothing.

One store per engine (DuckDB, a Spark folder store, a Spark catalog database)
goes through the cases of tests/test_ingest.py in turn (:mod:`.scenario`); each
step's results are checked against what the cases expect, and the Spark stores
against the DuckDB store, table for table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest

from conftest import baby
from matequity.ingest.load import FileReport
from matequity.ingest.reasons import REASON_CODES
from matequity.ingest.validate import validate
from matequity.model import schema

from .scenario import FAILURES, REASONS, ROWS, Run
from .stores import SPARK_MARKS, Backend, reports, spark_only


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("spark", id="spark", marks=SPARK_MARKS),
        pytest.param("spark-catalog", id="spark-catalog", marks=SPARK_MARKS),
    ]
)
def run(request, history) -> Run:
    if request.param == "duckdb":
        return history(Backend("duckdb"))
    spark = request.getfixturevalue("spark")
    return history(Backend("spark", spark, catalog=request.param == "spark-catalog"))


def _births(reps: list[FileReport], name: str) -> FileReport:
    return next(r for r in reps if Path(r.file).name == name)


def test_each_reason_and_reconciliation(run):
    rep = _births(run.first, "births.csv")
    assert rep.rows_read == len(ROWS) == rep.accepted + rep.quarantined
    q = run.after_first["quarantine"]
    births = q[q["source_file"] == "births.csv"]
    assert dict(zip(births["raw_baby_id"].fillna(""), births["reason"], strict=True)) == REASONS
    # both conflicting 'dup' rows are quarantined, only the second identical 'same'
    assert (births["reason"] == "duplicate_baby_id").sum() == 2
    assert (births["reason"] == "duplicate_row").sum() == 1
    assert set(q["reason"]) <= set(REASON_CODES)
    kept = run.after_first["babies"].set_index("baby_id")
    assert set(kept.index) == {"ok1", "same", "bw9999", "uk_date", "blank_opt", "m_a", "m_b"}
    assert kept.loc["bw9999", "birthweight_g"] == 9999  # the MSDS default code stays
    assert kept.loc["uk_date", "ethnic_category"] == "A"
    assert pd.Timestamp(kept.loc["uk_date", "birth_date"]) == pd.Timestamp(2024, 1, 5)
    recon = run.after_first["reconciliation"]
    per = recon[recon["file_name"] == "births.csv"].groupby("outcome")["rows"].sum()
    assert per.to_dict() == {"accepted": 5, "quarantined": 17}


def test_malformed_lines_are_quarantined_not_dropped(run):
    rep = _births(run.first, "malformed.csv")
    assert (rep.rows_read, rep.accepted, rep.quarantined) == (4, 2, 2)
    assert rep.by_reason == {"malformed_row": 2}
    q = run.after_first["quarantine"]
    lines = q[q["reason"] == "malformed_row"]
    assert lines["source_line"].tolist() == [4, 5]
    assert lines["raw_line"].str.startswith(("c,d,m,S1", "m_d,")).all()


def test_loading_twice_does_not_double_count(run):
    assert all(r.status.startswith("skipped: already loaded") for r in run.second)
    for name, want in run.after_first.items():
        pd.testing.assert_frame_equal(run.after_second[name], want, obj=name)
    # the same babies in a different file are quarantined as already loaded
    rep = _births(run.third, "again.csv")
    assert (rep.accepted, rep.by_reason) == (1, {"baby_id_already_loaded": 1})
    assert len(run.after_third["babies"]) == len(run.after_first["babies"]) + 1


def test_version_changes_with_every_load(run):
    """A load changes the content version; loading nothing new leaves it."""
    v = run.versions
    assert v["second"] == v["first"] != v["third"]


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_load_leaves_the_store_as_it_was(run, case):
    """Every file of the store byte for byte as before (so every table and the
    content version too), and no staging left behind."""
    message, before, after = run.failed[case]
    assert FAILURES[case][1] in message and "\n" not in message
    assert after == before
    assert before  # the store is there, file by file


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_first_load_leaves_no_store(run, case):
    message, exists = run.failed_first[case]
    assert FAILURES[case][1] in message
    assert not exists


#: columns that differ between two stores loaded from the same files
WHEN = {"loads": ["loaded_at"], "derived_meta": ["built_at"]}


@spark_only
@pytest.mark.parametrize("catalog", [False, True], ids=["folder", "catalog"])
def test_spark_store_equals_duckdb_store(history, spark, catalog):
    """Every report and every table after every step, as on DuckDB."""
    got_run = history(Backend("spark", spark, catalog=catalog))
    want_run = history(Backend("duckdb"))
    for step in ("first", "second", "third"):
        assert reports(getattr(got_run, step)) == reports(getattr(want_run, step)), step
        got, want = getattr(got_run, f"after_{step}"), getattr(want_run, f"after_{step}")
        assert set(got) == set(want)
        for name in want:
            drop = WHEN.get(name, [])
            pd.testing.assert_frame_equal(
                got[name].drop(columns=drop), want[name].drop(columns=drop), obj=name
            )
    assert {c: f[0] for c, f in got_run.failed.items()} == {
        c: f[0] for c, f in want_run.failed.items()
    }
    assert got_run.versions == want_run.versions


@spark_only
def test_validation_expression_identical(spark):
    """Row validation is portable Ibis: the same typed values and reasons from
    the expression itself on both backends."""
    rows = [
        baby(baby_id="a"),
        baby(baby_id="b", birth_date="05/01/2024", ethnic_category="n2"),
        baby(baby_id="c", gestation_days="12.5"),
        baby(baby_id="d", birth_date="2024-02-30"),
        baby(baby_id="e", site_code="NOPE"),
        baby(baby_id="e", site_code="NOPE"),
        baby(baby_id="f", death_date="2023-12-31"),
        baby(baby_id="g", outcome="02", sex="x"),
        baby(baby_id="", imd_decile="0"),
    ]
    raw = pd.DataFrame(rows)[list(schema.BIRTH_FIELD_NAMES)]
    raw["_row"] = range(1, len(raw) + 1)
    sites = pd.DataFrame({"site_code": ["S1"]})
    ids = pd.DataFrame({"baby_id": ["g"]})
    results = []
    for con in (ibis.duckdb.connect(), ibis.pyspark.connect(spark)):
        r = con.create_view("raw_births", ibis.memtable(raw), overwrite=True)
        s = con.create_view("sites", ibis.memtable(sites), overwrite=True)
        i = con.create_view("ids", ibis.memtable(ids), overwrite=True)
        out = con.execute(validate(r, s.site_code, i.baby_id, dt.date(2026, 1, 1)))
        results.append(out.sort_values("_row").reset_index(drop=True))
    pd.testing.assert_frame_equal(results[0], results[1], check_dtype=False)
    got = results[0].set_index("_row")["reason"]
    assert got.loc[3] == "invalid_gestation"
    assert got.loc[[5, 6]].tolist() == ["unknown_site", "duplicate_row"]
    assert got.loc[7] == "death_before_birth"
    assert got.loc[8] == "baby_id_already_loaded"
