"""The DuckDB store writes a derived table's text columns with few values as ENUM
types (labels, organisation codes and names) and its identifiers as text, never
dictionary-compressed (nor are the records' identifiers): they read back as the
same text, in the same order, on a store built from scratch, from hostile
organisation names, from a load with no accepted baby, and after a rebuild; no
named type is left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from conftest import ORG_HEADER, ORGS, baby, write_csv
from matequity import engine as engines
from matequity.counts.compute import count_table
from matequity.engine import derived, tables
from matequity.ingest.load import ingest
from matequity.measures.catalogue import MEASURES


def _column_types(store: Path, table: str) -> dict[str, str]:
    """The DuckDB types of ``table``'s columns, read by a new connection, which
    also reads every row (a type DuckDB cannot read back fails here)."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        con.execute(f"SELECT * FROM {table}").fetchall()
        rows = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $1",
            [table],
        ).fetchall()
        assert con.execute("SELECT count(*) FROM duckdb_types() WHERE NOT internal").fetchone() == (
            0,
        )
    finally:
        con.close()
    return dict(rows)


def _unencoded(eng: engines.Engine) -> dict[str, pd.DataFrame]:
    """The derived tables computed afresh from the record tables (text columns as
    text), sorted as the stored ones are compared."""
    rec, orgs, imd = (eng.table(t) for t in ("babies", "organisations", "imd_lookup"))
    return {
        "babies_derived": eng.execute(derived.babies(rec, orgs, imd)),
        "deliveries_derived": eng.execute(derived.deliveries(rec, orgs, imd)),
    }


def _sorted(df: pd.DataFrame, key: str) -> pd.DataFrame:
    return df.sort_values(key, kind="stable").reset_index(drop=True)


def test_few_valued_columns_are_enums_and_read_as_text(synthetic_store):
    with engines.open("duckdb", synthetic_store) as eng:
        fresh = _unencoded(eng)
        for name, key in (("babies_derived", "baby_id"), ("deliveries_derived", "delivery_id")):
            types = _column_types(synthetic_store, name)
            # a delivery's columns carried from its first baby keep their encoding;
            # its baby_sex, one value for every delivery, is text
            few = [
                c
                for c in derived.few_valued(eng.table(name))
                if c in eng.table("babies_derived").columns
                and (name, c) != ("deliveries_derived", "baby_sex")
            ]
            assert "trust_name" in few and "ethnic_group" in few and key not in few
            assert all(types[c].startswith("ENUM(") for c in few), name
            assert types[key] == "VARCHAR"
            stored = eng.execute(eng.table(name))
            assert all(isinstance(v, str) for v in stored["trust_name"].dropna())
            pd.testing.assert_frame_equal(
                _sorted(stored, key), _sorted(fresh[name][stored.columns], key), obj=name
            )


def test_encoded_columns_order_and_compare_as_text(synthetic_store):
    with engines.open("duckdb", synthetic_store) as eng:
        t = eng.table("babies_derived")
        for col in ("site_name", "age_band", "imd_decile_label", "ethnic_group"):
            got = eng.execute(t.select(col).distinct().order_by(col))[col].tolist()
            text = [v for v in got if v is not None]
            assert text == sorted(text), col
        # a value no row has, and a range comparison, as on text
        assert int(eng.execute(t.filter(t.trust_code == "NO-SUCH").count())) == 0
        some = eng.execute(t.select("trust_code").distinct())["trust_code"]
        cut = sorted(some)[len(some) // 2]
        n_after = int(eng.execute(t.filter(t.trust_code > cut).count()))
        counts = eng.execute(t.group_by("trust_code").aggregate(n=t.count()))
        assert n_after == int(counts.loc[counts.trust_code > cut, "n"].sum())


def _hostile_orgs(folder: Path) -> Path:
    names = ["Site 'one'); DROP TABLE babies; --", 'Trust "two" \\ ;', "LMNS\u00e9 ''"]
    rows = [list(r) for r in ORGS]
    rows[0][1], rows[0][3], rows[0][5] = names
    p = folder / "orgs.csv"
    write_csv(p, [dict(zip(ORG_HEADER, r, strict=True)) for r in rows], ORG_HEADER)
    return p


def test_hostile_names_round_trip_and_a_rebuild_leaves_no_types(tmp_path):
    orgs = _hostile_orgs(tmp_path)
    store = tmp_path / "store.duckdb"
    births = write_csv(
        tmp_path / "births.csv",
        [baby(baby_id=f"b{i}", delivery_id=f"d{i}", site_code=f"S{1 + i % 3}") for i in range(9)],
    )
    ingest(store, [orgs, births])
    with engines.open("duckdb", store) as eng:
        t = eng.table("babies_derived")
        got = eng.execute(t.filter(t.site_code == "S1").select("site_name", "trust_name"))
        assert set(got.site_name) == {"Site 'one'); DROP TABLE babies; --"}
        assert set(got.trust_name) == {'Trust "two" \\ ;'}
        before = count_table(eng, MEASURES, by=["ethnic_group"], level="site")
    # a second load rebuilds both derived tables in the same store
    more = write_csv(tmp_path / "more.csv", [baby(baby_id="b99", delivery_id="d99")])
    ingest(store, [more])
    with engines.open("duckdb", store) as eng:
        assert derived.is_current(eng)
        assert int(eng.execute(eng.table("babies_derived").count())) == 10
        after = count_table(eng, MEASURES, by=["ethnic_group"], level="site")
    assert len(after) == len(before)
    assert (after["denominator"] >= before["denominator"]).all()
    for name in tables.DERIVED:
        if name != "derived_meta":
            assert _column_types(store, name)["site_name"].startswith("ENUM(")


def test_no_accepted_baby_gives_empty_derived_tables(tmp_path, orgs_csv):
    store = tmp_path / "store.duckdb"
    births = write_csv(tmp_path / "births.csv", [baby(baby_id=""), baby(site_code="XX9")])
    ingest(store, [orgs_csv, births])
    with engines.open("duckdb", store) as eng:
        for name in ("babies_derived", "deliveries_derived"):
            assert int(eng.execute(eng.table(name).count())) == 0
            assert len(eng.execute(eng.table(name))) == 0
        counts = count_table(eng, MEASURES, by=["ethnic_group"], level="trust")
    assert int(counts["denominator"].sum()) == 0
    for name in ("babies_derived", "deliveries_derived"):
        assert set(_column_types(store, name).values()) <= {
            "VARCHAR",
            "DATE",
            "BIGINT",
            "INTEGER",
            "SMALLINT",
            "TINYINT",
            "BOOLEAN",
        }


def test_a_column_with_no_value_stays_text(tmp_path, orgs_csv):
    """Every baby's ethnic code blank: that column has no value to encode and is
    stored as text, and the store reads back in a new connection."""
    store = tmp_path / "store.duckdb"
    rows = [baby(baby_id=f"b{i}", delivery_id=f"d{i}", ethnic_category="") for i in range(4)]
    ingest(store, [orgs_csv, write_csv(tmp_path / "births.csv", rows)])
    types = _column_types(store, "babies_derived")
    assert types["ethnic_category"] == "VARCHAR"
    assert types["ethnic_group"].startswith("ENUM(")
    with engines.open("duckdb", store) as eng:
        got = eng.execute(eng.table("babies_derived"))
    assert got["ethnic_category"].isna().all()
    assert set(got["ethnic_group"]) == {"Missing"}


def _text_compressions(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT column_name, compression FROM pragma_storage_info($t) "
        "WHERE segment_type = 'VARCHAR'",
        {"t": table},
    ).fetchall()
    out: dict[str, set[str]] = {}
    for col, comp in rows:
        out.setdefault(col, set()).add(comp)
    return out


def test_identifiers_are_stored_without_dictionary_compression(synthetic_store, tmp_path):
    """The records' identifiers are declared FSST, the derived tables' text
    (identifiers only) is written with dictionary compression off, and the
    setting is back to DuckDB's default once the write is done; the
    few-valued text of the records may still be dictionary-compressed."""
    store = tmp_path / "store.duckdb"
    shutil.copy(synthetic_store, store)
    with engines.writer("duckdb", store) as w:
        # a rebuild inside this connection: the setting must not outlive it
        derived.build(w)
        con = w.duckdb()
        assert con.execute("SELECT current_setting('disabled_compression_methods')").fetchone()[
            0
        ] in ("", None)
        # text a dictionary would compress best (two values, repeated) is not
        # dictionary-compressed in a derived table
        w.replace("repeated_derived", pd.DataFrame({"baby_id": ["B0001", "B0002"] * 50_000}))
        assert "Dictionary" not in _text_compressions(con, "repeated_derived")["baby_id"]
        # ... as it is elsewhere, once the derived table is written
        con.execute("CREATE TABLE repeated AS SELECT * FROM repeated_derived")
        con.execute("CHECKPOINT")
        assert "Dictionary" in _text_compressions(con, "repeated")["baby_id"]
        # records whose identifiers repeat two values, where a dictionary would win
        w.insert(
            "babies", pd.DataFrame({c: ["X0001", "X0002"] * 50_000 for c in tables.IDENTIFIERS})
        )
        con.execute("CHECKPOINT")
        records = _text_compressions(con, "babies")
        for col in tables.IDENTIFIERS:
            assert records[col] == {"FSST"}, col
        for name, ids in (
            ("babies_derived", {"baby_id", "delivery_id"}),
            ("deliveries_derived", {"delivery_id"}),
        ):
            text = _text_compressions(con, name)
            assert ids <= set(text), name
            assert all("Dictionary" not in c for c in text.values()), (name, text)
