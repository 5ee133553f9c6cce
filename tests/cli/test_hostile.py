"""Hostile names and paths, and things a user can cause: one line, exit 2, no
traceback, nothing changed (issue 12, parts 3-5)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import tinyhtml5
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ORG_HEADER, baby, write_csv
from matequity import engine as engines
from matequity.cli.main import app
from matequity.engine.base import write_lock
from matequity.errors import InputFileError, UserError
from matequity.ingest.load import ingest
from matequity.outputs.charts.render import script_json
from matequity.tablefiles import neutralise

runner = CliRunner()


def run(args: list[str]):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(r, needle: str) -> None:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    text = r.output.strip()
    assert text.startswith("error:") and needle in text, text
    assert len(text.splitlines()) <= 2  # Rich may wrap a long line once, never more


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path, orgs_csv) -> Path:
    s = tmp_path / "s.duckdb"
    births = write_csv(tmp_path / "b.csv", [baby(baby_id=f"b{i}") for i in range(20)])
    ingest(s, [orgs_csv, births])
    return s


@pytest.fixture
def counts_csv(tmp_path) -> Path:
    p = tmp_path / "counts.csv"
    pd.DataFrame(
        {
            "measure": ["stillbirth"] * 2,
            "group": ["a", "b"],
            "numerator": [3, 9],
            "denominator": [900, 1000],
        }
    ).to_csv(p, index=False)
    return p


def test_no_traceback_for_what_a_user_can_cause(tmp_path, store, counts_csv):
    """Every case: one line naming the problem, exit 2, the store as it was."""
    before = digest(store)
    folder = tmp_path / "folder"
    folder.mkdir()
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"\x00" * 8 + b"DUCK" + b"\x07" * 5000)
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    header_only = tmp_path / "monthly.csv"
    header_only.write_text("site_code,month,events,births\n")
    too_many = tmp_path / "over.csv"
    too_many.write_text("site_code,month,events,births\nS1,2024-01,1,10\nS1,2024-02,12,10\n")
    cases = [
        (["counts", "--store", folder, "-o", tmp_path / "o.csv"], "is a folder"),
        (["counts", "--store", counts_csv, "-o", tmp_path / "o.csv"], "not a DuckDB file"),
        (
            ["counts", "--store", tmp_path / "none.duckdb", "-o", tmp_path / "o.csv"],
            "no such store",
        ),
        (["counts", "--store", corrupt, "-o", tmp_path / "o.csv"], "cannot be opened"),
        (["counts", "--store", store, "-o", store], "would overwrite the store"),
        (["rates", counts_csv, "-o", counts_csv], "would overwrite the store or an input"),
        (["counts", "--store", store, "-o", a_file / "x.csv"], "plain.txt"),
        (
            ["counts", "--store", folder, "--engine", "spark", "-o", tmp_path / "o.csv"],
            "not a matequity store",
        ),
        (["signals", "moss", header_only, "-o", tmp_path / "m.csv"], "header but no rows"),
        (["signals", "moss", too_many, "-o", tmp_path / "m.csv"], "row 2: more events than births"),
        (
            ["rates", counts_csv, "--multiplier", "-5", "-o", tmp_path / "r.csv"],
            "expected a number > 0",
        ),
        (["report", "lmns", "--store", store, "--org", "../../x", "-o", tmp_path], "unknown LMNS"),
        (["report", "board", "--store", store, "--org", "T1", "-o", a_file], "is a file"),
        (["quality", "--store", store, "-o", store], "would overwrite the store"),
        (["ingest", store, "--store", store], "is the store itself"),
    ]
    for args, needle in cases:
        one_line_error(run(args), needle)
        assert digest(store) == before, args
    assert not (tmp_path / "none.duckdb").exists()


def test_a_store_being_written_names_the_writer(store, orgs_csv, tmp_path):
    lock = store.with_name(store.name + ".lock")
    with write_lock(lock, str(store)):
        r = run(["ingest", orgs_csv, "--store", store])
    one_line_error(r, "another matequity command is writing to this store")


def test_failed_first_ingest_leaves_no_store(tmp_path, orgs_csv):
    s = tmp_path / "new" / "s.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,births,file\n1,2,3,4\n")
    with pytest.raises(InputFileError):
        ingest(s, [orgs_csv, bad])
    assert not s.exists() and not s.with_name(s.name + ".lock").exists()
    assert list(s.parent.glob(".*staging*")) == []


def test_sql_is_never_built_from_a_path(tmp_path, store):
    """A folder name carrying SQL is just a name: the export works and runs nothing."""
    evil = tmp_path / "x'); COPY babies TO 'leak.csv' (FORMAT csv); --"
    r = run(["export", "--store", store, "--out", evil])
    assert r.exit_code == 0, r.output
    assert (evil / "matequity-store.json").exists()
    assert not list(tmp_path.rglob("leak.csv")) and not Path("leak.csv").exists()
    # and a store and input files whose names carry quotes load normally
    quoted = tmp_path / 'it\'s "quoted"; DROP TABLE babies'
    quoted.mkdir()
    orgs = quoted / "o'rgs.csv"
    shutil.copy(tmp_path / "orgs.csv", orgs)
    births = write_csv(quoted / "b'; --.csv", [baby(baby_id="q1")])
    ingest(quoted / "st'ore.duckdb", [orgs, births])
    with engines.open("duckdb", quoted / "st'ore.duckdb") as eng:
        assert len(eng.execute(eng.table("babies"))) == 1


def test_sql_is_never_built_from_a_header(tmp_path, orgs_csv):
    """Column names are identifiers, quoted: a header carrying SQL is an ignored column."""
    rows = [baby(baby_id="h1")]
    header = [*rows[0].keys(), 'x"; DROP TABLE babies; --']
    p = tmp_path / "b.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerow([*rows[0].values(), "1"])
    s = tmp_path / "s.duckdb"
    reps = ingest(s, [orgs_csv, p])
    births = next(r for r in reps if r.kind == "births")
    assert births.accepted == 1 and 'x"; DROP TABLE babies; --' in births.ignored_columns
    pq = tmp_path / "b.parquet"
    pd.DataFrame([{**rows[0], "baby_id": "h2", 'y"); DROP TABLE babies; --': 1}]).to_parquet(pq)
    ingest(s, [pq])
    with engines.open("duckdb", s) as eng:
        assert len(eng.execute(eng.table("babies"))) == 2


@pytest.mark.parametrize("code", ["../etc", "A/B", "S 1", "S1\x07", "..", "C:\\x"])
def test_organisation_codes_must_be_ods_shaped(tmp_path, code):
    p = tmp_path / "orgs.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ORG_HEADER)
        w.writerow([code, "Site", "T1", "Trust", "L1", "LMNS", "R1", "Region"])
    with pytest.raises(InputFileError, match="row 1, column 'site_code': expected an ODS-style"):
        ingest(tmp_path / "s.duckdb", [p])
    assert not (tmp_path / "s.duckdb").exists()


HOSTILE = '</script><!--<script>alert(1)</script> & "quotes" \u2028 <img src=x onerror=alert(2)>'


@pytest.fixture
def hostile_store(tmp_path) -> Path:
    p = tmp_path / "orgs.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ORG_HEADER)
        for i in (1, 2):
            w.writerow([f"S{i}", HOSTILE, f"T{i}", HOSTILE, "L1", HOSTILE, "R1", HOSTILE])
    rows = [
        baby(
            baby_id=f"b{i}",
            site_code=f"S{1 + i % 2}",
            birth_date=f"{2021 + i % 3}-{1 + i % 12:02d}-05",
            outcome="still" if i % 40 == 0 else "live",
            ethnic_category="ABHMZ"[i % 5],
            imd_decile=str(1 + i % 10),
        )
        for i in range(600)
    ]
    s = tmp_path / "s.duckdb"
    ingest(s, [p, write_csv(tmp_path / "b.csv", rows)], load_date=dt.date(2025, 1, 1))
    return s


@pytest.mark.parametrize(("kind", "org"), [("board", "T1"), ("lmns", "L1"), ("national", None)])
def test_every_report_builds_for_any_name(hostile_store, tmp_path, kind, org):
    out = tmp_path / "out"
    args = ["report", kind, "--store", hostile_store, "-o", out, "--format", "html"]
    r = run([*args, *(["--org", org] if org else [])])
    assert r.exit_code == 0, r.output
    html = next(out.glob("*.html")).read_text()
    # the name never opens a tag or ends a script: it is escaped text or JSON escapes
    assert "<script>alert" not in html and "<img src=x" not in html
    decoder = json.JSONDecoder()
    starts = [m.end() for m in re.finditer(r'vegaEmbed\("#[\w-]+", ', html)]
    assert starts
    for i in starts:  # every chart's JSON is intact, and holds the name as text
        spec, _end = decoder.raw_decode(html, i)
        assert isinstance(spec, dict)
    doc = tinyhtml5.parse(html)
    ns = "{http://www.w3.org/1999/xhtml}"
    assert doc.find(f".//{ns}h1") is not None


def test_json_in_script_escapes_what_could_end_it():
    text = script_json({"name": HOSTILE})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": HOSTILE}


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_spreadsheet_formula_leaders_are_neutralised(lead):
    df = pd.DataFrame({f"{lead}col": [f"{lead}1+1", "plain"]})
    out = neutralise(df)
    assert out.columns[0] == f"'{lead}col" and out.iloc[0, 0] == f"'{lead}1+1"
    assert out.iloc[1, 0] == "plain"


_CELLS = st.one_of(
    st.none(),
    st.floats(allow_nan=True),
    st.integers(),
    st.booleans(),
    st.text(alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "a", "1", " ", "'"])),
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(_CELLS, max_size=12), as_string=st.booleans())
def test_neutralise_is_the_cell_rule_on_every_column(cells, as_string):
    """A whole column is neutralised as each of its cells would be on its own: a
    text cell starting with a formula leader gets an apostrophe, nothing else
    changes (mixed, numeric, missing and pandas string columns)."""
    col = pd.Series(cells, dtype=object)
    if as_string:
        col = col.map(lambda v: v if v is None or isinstance(v, str) else str(v))
        col = col.astype("string")
    out = neutralise(pd.DataFrame({"c": col}))["c"]
    leaders = ("=", "+", "-", "@", "\t", "\r")
    for got, v in zip(out.tolist(), col.tolist(), strict=True):
        if isinstance(v, str) and v.startswith(leaders):
            assert got == "'" + v
        elif isinstance(v, float) and v != v:
            assert got != got or got is pd.NA
        else:
            assert got is v or got == v


def test_one_bad_value_in_a_sparse_column_quarantines_its_row(tmp_path, orgs_csv):
    rows = [baby(baby_id=f"b{i}") for i in range(30)]
    rows.append(baby(baby_id="d1", outcome="live", death_date="last tuesday"))
    reps = ingest(tmp_path / "s.duckdb", [orgs_csv, write_csv(tmp_path / "b.csv", rows)])
    births = next(r for r in reps if r.kind == "births")
    assert births.by_reason == {"unparseable_death_date": 1} and births.accepted == 30


def test_an_unclosed_quote_is_refused_naming_its_line(tmp_path, orgs_csv):
    p = write_csv(tmp_path / "b.csv", [baby(baby_id=f"b{i}") for i in range(5)])
    lines = p.read_text().splitlines()
    lines[3] = lines[3].replace("b2,", '"b2,', 1)  # line 4 opens a quote it never closes
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InputFileError, match=r"line 4: a quote opened on this line is never closed"
    ):
        ingest(tmp_path / "s.duckdb", [orgs_csv, p])


def test_implausible_dates_are_quarantined(tmp_path, orgs_csv):
    rows = [
        baby(baby_id="old", birth_date="1850-06-01"),
        baby(baby_id="later", death_date="2031-01-01"),
        baby(baby_id="ok"),
    ]
    reps = ingest(
        tmp_path / "s.duckdb",
        [orgs_csv, write_csv(tmp_path / "b.csv", rows)],
        load_date=dt.date(2026, 1, 1),
    )
    births = next(r for r in reps if r.kind == "births")
    assert births.by_reason == {"birth_date_implausible": 1, "death_date_in_future": 1}


def test_engine_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="unknown engine"):
        engines.open("oracle", tmp_path)


def test_a_typed_whole_number_too_large_is_quarantined_not_an_overflow(tmp_path, orgs_csv):
    """Found by the fuzz test: a typed Parquet integer beyond 32 bits."""
    row = {k: v for k, v in baby(baby_id="big").items()}
    df = pd.DataFrame([row, {**row, "baby_id": "ok"}])
    df["imd_decile"] = pd.array([-4571068089, 3], dtype="int64")
    p = tmp_path / "b.parquet"
    df.to_parquet(p)
    reps = ingest(tmp_path / "s.duckdb", [orgs_csv, p])
    births = next(r for r in reps if r.kind == "births")
    assert births.by_reason == {"imd_decile_out_of_range": 1} and births.accepted == 1


ENGINE_VERBS = [
    ["ingest", "b.csv"],
    ["counts", "-o", "o.csv"],
    ["reconciliation"],
    ["quality", "-o", "q"],
    ["experience", "load", "e.csv"],
    ["signals", "run", "-o", "s"],
    ["signals", "list"],
    ["signals", "remind"],
    ["signals", "check", "--id", "x", "--by", "y", "--findings", "f", "--actions", "a"],
    ["report", "lmns", "--org", "X", "-o", "r"],
    ["users", "list"],
    ["serve"],
]


@pytest.mark.parametrize("verb", ENGINE_VERBS, ids=lambda v: " ".join(v[:2]))
def test_every_verb_takes_only_a_known_engine(tmp_path, verb):
    """``--engine`` is a choice on every verb that opens a store (duckdb or
    spark), refused before anything is opened or written."""
    r = run([*verb, "--store", tmp_path / "s.duckdb", "--engine", "nope"])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert "--engine" in r.output and "duckdb" in r.output and "spark" in r.output
    assert not list(tmp_path.iterdir())
