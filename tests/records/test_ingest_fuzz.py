"""Fuzzing ingest with malformed CSV and Parquet (hypothesis).

Whatever the bytes: ingest either refuses the file with a one-line user error and
leaves the store exactly as it was, or loads it with rows read = rows accepted +
rows quarantined, and the rows it keeps are exactly those the whole validation
expression accepts, with its typed values (ingest inserts them straight from the
file, not from validation's output). Never any other exception (which the CLI
would show as a traceback).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ORG_HEADER, ORGS, baby
from matequity.cli.main import app
from matequity.engine import files
from matequity.errors import UserError
from matequity.ingest.load import ingest
from matequity.ingest.validate import TYPED_COLUMNS, validate
from matequity.model import schema
from records.test_ingest import store_digest

HEADER = list(schema.BIRTH_FIELD_NAMES)
NASTY = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "+SUM(1)",
            "@A1",
            "-1",
            '"',
            '""',
            ",",
            ",,,",
            "\n",
            "\r\n",
            ";",
            "\t",
            "\x00",
            "é",
            "\ufeff",
            "NaN",
            "1e400",
            "99999999999999999999",
            "2024-02-30",
            "31/12/2024",
            "x" * 200_000,
        ]
    ),
)


def _orgs(folder: Path) -> Path:
    p = folder / "orgs.csv"
    with p.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ORG_HEADER)
        w.writerows(ORGS)
    return p


def _csv_bytes(rows: list[dict[str, str]], header: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode("utf-8")


@st.composite
def malformed_csv(draw) -> bytes:
    n = draw(st.integers(0, 6))
    rows = [baby(baby_id=f"b{i}", delivery_id=f"d{i}") for i in range(n)]
    for r in rows:
        for col in draw(st.lists(st.sampled_from(HEADER), max_size=4)):
            r[col] = draw(NASTY)
    header = list(HEADER)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 5)) == 0:
        header.append(draw(st.sampled_from(HEADER)))  # duplicate header
    if draw(st.integers(0, 5)) == 0:
        header.remove(draw(st.sampled_from(HEADER)))  # missing column
    data = _csv_bytes(rows, header)
    mutation = draw(
        st.sampled_from(["none", "truncate", "latin1", "utf16", "bytes", "delimiter", "bom"])
    )
    if mutation == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif mutation == "latin1":
        data = data.decode("utf-8").encode("latin-1", errors="replace") + b"caf\xe9\n"
    elif mutation == "utf16":
        data = data.decode("utf-8").encode("utf-16")
    elif mutation == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    elif mutation == "delimiter":
        lines = data.split(b"\n")
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i] + draw(st.sampled_from([b",", b",,extra", b";", b'"']))
        data = b"\n".join(lines)
    elif mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def malformed_parquet(draw) -> bytes:
    n = draw(st.integers(0, 5))
    cols = {}
    for h in HEADER:
        kind = draw(st.sampled_from(["str", "int", "float", "bool", "null", "skip", "binary"]))
        if kind == "skip":
            continue
        if kind == "str":
            cols[h] = pa.array([baby(baby_id=f"b{i}")[h] for i in range(n)], pa.string())
        elif kind == "int":
            cols[h] = pa.array(draw(st.lists(st.integers(-(2**40), 2**40), min_size=n, max_size=n)))
        elif kind == "float":
            cols[h] = pa.array(
                draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n)), pa.float64()
            )
        elif kind == "bool":
            cols[h] = pa.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        elif kind == "binary":
            cols[h] = pa.array(
                draw(st.lists(st.binary(max_size=8), min_size=n, max_size=n)), pa.binary()
            )
        else:
            cols[h] = pa.nulls(n)
    buf = io.BytesIO()
    pq.write_table(pa.table(cols) if cols else pa.table({"x": pa.nulls(n)}), buf)
    data = buf.getvalue()
    if draw(st.integers(0, 3)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _check_one(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        store = folder / "s.duckdb"
        ingest(store, [_orgs(folder)])
        before = store_digest(store)
        f = folder / f"births{suffix}"
        f.write_bytes(data)
        try:
            ingest(store, [f])
        except UserError as e:
            msg = str(e)
            assert msg and "\n" not in msg.strip(), msg
            assert store_digest(store) == before
            return
        con = duckdb.connect(str(store), read_only=True)
        try:
            read, acc, quar = con.execute(
                "SELECT rows_read, rows_accepted, rows_quarantined FROM loads WHERE kind = 'births'"
            ).fetchone()
            babies, quarantined = con.execute(
                "SELECT (SELECT count(*) FROM babies), (SELECT count(*) FROM quarantine)"
            ).fetchone()
        finally:
            con.close()
        assert read == acc + quar
        assert (babies, quarantined) == (acc, quar)
        kept = ibis.duckdb.connect(str(store), read_only=True)
        try:
            t = kept.table("babies")
            got = kept.execute(t.select(_row=t.source_row, **{c: t[c] for c in TYPED_COLUMNS}))
        finally:
            kept.disconnect()
        pd.testing.assert_frame_equal(_sorted(got), _sorted(_accepted_by_validation(f)))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("_row").reset_index(drop=True)


def _accepted_by_validation(f: Path) -> pd.DataFrame:
    """The rows of ``f`` that :func:`validate` accepts, with its typed values, on a
    fresh connection (the sites of :data:`ORGS`, no baby loaded before)."""
    con = ibis.duckdb.connect()
    try:
        raw = con.table(files.read_table(con.con, f, "raw").table)
        sites = ibis.memtable(pd.DataFrame({"site_code": [o[0] for o in ORGS]}))
        none = ibis.memtable(pd.DataFrame({"baby_id": pd.Series([], dtype=object)}))
        v = validate(raw, sites.site_code, none.baby_id.cast("string"), dt.date.today())
        return con.execute(v.filter(v.reason.isnull()).select("_row", *TYPED_COLUMNS))
    finally:
        con.disconnect()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=malformed_csv())
def test_fuzzed_csv_is_refused_or_reconciled(data):
    _check_one(data, ".csv")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=malformed_parquet())
def test_fuzzed_parquet_is_refused_or_reconciled(data):
    _check_one(data, ".parquet")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=malformed_csv())
def test_cli_never_shows_a_traceback(data):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        f = folder / "births.csv"
        f.write_bytes(data)
        r = CliRunner().invoke(
            app, ["ingest", str(_orgs(folder)), str(f), "--store", str(folder / "s.duckdb")]
        )
        assert r.exit_code in (0, 2), (r.exit_code, r.output)
        assert "Traceback" not in r.output
        if r.exit_code == 2:  # one error line (after any transient progress line)
            errors = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
            assert len(errors) == 1 and r.output.strip().endswith(errors[0])
