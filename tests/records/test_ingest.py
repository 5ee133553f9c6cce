"""Ingest: reconciliation, quarantine reasons, unusable files, atomic loads."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import baby, write_csv
from matequity.errors import InputFileError
from matequity.ingest.load import ingest
from matequity.ingest.reasons import REASON_CODES
from matequity.model import schema

BAD = Path(__file__).parents[1] / "data" / "bad"
BAD_CASES = {
    "empty.csv": "the file is empty",
    "header_only.csv": "has a header but no data rows",
    "semicolon.csv": "contains ';': expected ','",
    "missing_column.csv": "required column(s) missing: birth_date",
    "no_deprivation.csv": "needs a deprivation column",
    "wrong_types.csv": "column 'birth_date': none of its 12 values is a date",
    "latin1.csv": "not valid UTF-8 text (line 4)",
    "binary.csv": "binary content, not a CSV table",
    "duplicate_header.csv": "column 'outcome' appears more than once",
    "not_parquet.parquet": "not a readable Parquet file",
}


def store_digest(path: Path) -> dict[str, str]:
    """A content fingerprint of every table in the store."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            rows = con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            out[t] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def quarantine(store: Path) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(
            "SELECT raw_baby_id, reason, reasons FROM quarantine ORDER BY source_row, source_line"
        ).fetchall()
    finally:
        con.close()


def test_each_reason_and_reconciliation(tmp_path, orgs_csv):
    rows = [
        baby(baby_id="ok1"),
        baby(baby_id=""),
        baby(baby_id="dup", gestation_days="280"),
        baby(baby_id="dup", gestation_days="281"),
        baby(baby_id="same"),
        baby(baby_id="same"),
        baby(baby_id="nosite", site_code="XX1"),
        baby(baby_id="nodate", birth_date=""),
        baby(baby_id="baddate", birth_date="2024-02-30"),
        baby(baby_id="future", birth_date="2031-01-01"),
        baby(baby_id="outc", outcome="alive"),
        baby(baby_id="dbb", death_date="2024-01-01"),
        baby(baby_id="eth", ethnic_category="Q"),
        baby(baby_id="gest", gestation_days="400"),
        baby(baby_id="gestx", gestation_days="forty"),
        baby(baby_id="gestf", gestation_days="280.5"),
        baby(baby_id="bw", birthweight_g="0"),
        baby(baby_id="bw9999", birthweight_g="9999"),
        baby(baby_id="uk_date", birth_date="05/01/2024", ethnic_category="a1"),
        baby(baby_id="term", termination="perhaps"),
        baby(baby_id="sex", sex="Q"),
        baby(
            baby_id="blank_opt",
            gestation_days="",
            ethnic_category="",
            imd_decile="",
            mother_age="",
            sex="",
        ),
    ]
    births = write_csv(tmp_path / "births.csv", rows)
    store = tmp_path / "s.duckdb"
    reps = ingest(store, [births, orgs_csv], load_date=dt.date(2026, 1, 1))
    rep = next(r for r in reps if r.kind == "births")
    assert rep.rows_read == len(rows) == rep.accepted + rep.quarantined
    q = {r[0] or "": r[1] for r in quarantine(store)}
    assert q == {
        "": "missing_baby_id",
        "dup": "duplicate_baby_id",
        "same": "duplicate_row",
        "nosite": "unknown_site",
        "nodate": "missing_birth_date",
        "baddate": "unparseable_birth_date",
        "future": "birth_date_in_future",
        "outc": "invalid_outcome",
        "dbb": "death_before_birth",
        "eth": "unknown_ethnic_code",
        "gest": "gestation_out_of_range",
        "gestx": "invalid_gestation",
        "gestf": "invalid_gestation",
        "bw": "birthweight_out_of_range",
        "term": "invalid_termination",
        "sex": "invalid_sex",
    }
    # both conflicting 'dup' rows are quarantined, only the second identical 'same'
    reasons = [r[1] for r in quarantine(store)]
    assert reasons.count("duplicate_baby_id") == 2
    assert reasons.count("duplicate_row") == 1
    assert set(reasons) <= set(REASON_CODES)
    con = duckdb.connect(str(store), read_only=True)
    kept = dict(con.execute("SELECT baby_id, birthweight_g FROM babies").fetchall())
    assert set(kept) == {"ok1", "same", "bw9999", "uk_date", "blank_opt"}
    assert kept["bw9999"] == 9999  # the MSDS default code stays in the store
    eth, bd = con.execute(
        "SELECT ethnic_category, birth_date FROM babies WHERE baby_id = 'uk_date'"
    ).fetchone()
    assert (eth, bd) == ("A", dt.date(2024, 1, 5))
    recon = con.execute(
        "SELECT outcome, sum(rows) FROM reconciliation WHERE file_name = 'births.csv' GROUP BY 1"
    ).fetchall()
    assert dict(recon) == {"accepted": 5, "quarantined": 17}


def test_malformed_lines_are_quarantined_not_dropped(tmp_path, orgs_csv):
    p = write_csv(tmp_path / "b.csv", [baby(baby_id="a"), baby(baby_id="b")])
    with p.open("a") as fh:
        fh.write("c,d,m,S1,2024-01-05\n")  # too few fields
        fh.write(",".join(baby(baby_id="d").values()) + ",extra\n")  # too many
    store = tmp_path / "s.duckdb"
    rep = next(r for r in ingest(store, [orgs_csv, p]) if r.kind == "births")
    assert (rep.rows_read, rep.accepted, rep.quarantined) == (4, 2, 2)
    assert rep.by_reason == {"malformed_row": 2}


def test_loading_twice_does_not_double_count(tmp_path, orgs_csv):
    p = write_csv(tmp_path / "b.csv", [baby(baby_id="a"), baby(baby_id="b")])
    store = tmp_path / "s.duckdb"
    ingest(store, [orgs_csv, p])
    second = ingest(store, [orgs_csv, p])
    assert all(r.status.startswith("skipped") for r in second)
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM babies").fetchone() == (2,)
    # the same babies in a different file are quarantined as already loaded
    p2 = write_csv(tmp_path / "b2.csv", [baby(baby_id="a"), baby(baby_id="c")])
    con.close()
    rep = next(r for r in ingest(store, [p2]) if r.kind == "births")
    assert rep.by_reason == {"baby_id_already_loaded": 1}


@pytest.mark.parametrize(("name", "message"), sorted(BAD_CASES.items()))
def test_bad_input_folder(tmp_path, orgs_csv, name, message):
    store = tmp_path / "s.duckdb"
    good = write_csv(tmp_path / "good.csv", [baby(baby_id="a")])
    ingest(store, [orgs_csv, good])
    before = store_digest(store)
    with pytest.raises(InputFileError) as err:
        # a good file alongside: the load is all or nothing
        ingest(store, [write_csv(tmp_path / "g2.csv", [baby(baby_id="z")]), BAD / name])
    assert message in str(err.value)
    assert str(err.value).startswith(str(BAD / name))
    assert "\n" not in str(err.value)
    assert store_digest(store) == before


def test_all_bad_files_are_covered():
    assert {p.name for p in BAD.iterdir() if p.name != "README.md"} == set(BAD_CASES)


def test_parquet_input_with_float_integers(tmp_path, orgs_csv):
    """Parquet from pandas stores integer columns with gaps as floats: 280.0 is 280."""
    rows = [baby(baby_id="p1"), baby(baby_id="p2", gestation_days="")]
    cols = {k: [r[k] or None for r in rows] for k in rows[0]}
    cols["gestation_days"] = [280.0, None]
    cols["birth_date"] = [dt.date(2024, 1, 5)] * 2
    cols["termination"] = [False, True]
    p = tmp_path / "b.parquet"
    pq.write_table(pa.table(cols), p)
    store = tmp_path / "s.duckdb"
    rep = next(r for r in ingest(store, [orgs_csv, p]) if r.kind == "births")
    assert (rep.accepted, rep.quarantined) == (2, 0)
    con = duckdb.connect(str(store), read_only=True)
    got = con.execute(
        "SELECT baby_id, gestation_days, termination FROM babies ORDER BY 1"
    ).fetchall()
    assert got == [("p1", 280, False), ("p2", None, True)]
    # the staged file leaves nothing behind in the store
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    assert views == []


def test_cli_error_is_one_line_without_traceback(tmp_path):
    store = tmp_path / "s.duckdb"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "matequity.cli.main",
            "ingest",
            str(BAD / "semicolon.csv"),
            "--store",
            str(store),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip() and "ingest" not in line]
    assert len(lines) == 1, proc.stderr
    assert "semicolon.csv" in lines[0] and "expected ','" in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


def test_reference_file_errors(tmp_path):
    bad_orgs = tmp_path / "orgs.csv"
    bad_orgs.write_text(
        "site_code,site_name,trust_code,trust_name,lmns_code,lmns_name,region_code,region_name\n"
        "S1,a,b,c,d,e,f,g\nS1,a,b,c,d,e,f,g\n"
    )
    with pytest.raises(InputFileError, match="site_code is not unique"):
        ingest(tmp_path / "s.duckdb", [bad_orgs])
    lk = tmp_path / "lk.csv"
    lk.write_text("lsoa_code,imd_decile\nE1,11\n")
    with pytest.raises(InputFileError, match="row 1: imd_decile is not a whole number 1-10"):
        ingest(tmp_path / "s.duckdb", [lk])


def test_births_file_missing_baby_id_is_not_taken_for_a_lookup(tmp_path, orgs_csv):
    # found by the fuzz test: a births file without baby_id but with lsoa_code and
    # imd_decile was once recognised as the LSOA->IMD lookup
    header = [c for c in schema.BIRTH_FIELD_NAMES if c != "baby_id"]
    p = write_csv(tmp_path / "b.csv", [baby()], header)
    with pytest.raises(InputFileError, match="required column"):
        ingest(tmp_path / "s.duckdb", [orgs_csv, p])
