"""The store on every engine: what Spark ingest writes equals what DuckDB ingest
writes, table for table; the derived tables are rebuilt when stale; the content
version changes with every load and every rebuild; an exported store reads as
the original."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import duckdb
import pandas as pd

from matequity import engine as engines
from matequity.counts.compute import count_table
from matequity.engine import derived, tables
from matequity.engine.export import export_store
from matequity.engine.spark_store import MANIFEST
from matequity.measures.catalogue import MEASURES

from .stores import Backend, frame, spark_only

#: columns that record when something was written, not what
WHEN = {"loads": ["loaded_at"], "derived_meta": ["built_at"]}


def test_ingested_tables_identical(engine, duck):
    """Every table of the store, the audit tables and the derived tables too."""
    for name in tables.ALL_TABLES:
        assert engine.has_table(name), name
        got = frame(engine, name, WHEN.get(name, ()))
        want = frame(duck, name, WHEN.get(name, ()))
        assert len(want) > 0, name
        pd.testing.assert_frame_equal(got, want, obj=name)
    assert derived.is_current(engine)


@spark_only
def test_exported_store_reads_as_the_original(spark, duck, synthetic_store, tmp_path):
    """``matequity export`` copies every table, derived ones included: the Spark
    engine reads it without rebuilding, with the same tables and counts."""
    folder = tmp_path / "exported"
    export_store(synthetic_store, folder)
    with engines.open("spark", folder, spark, derive=False) as eng:
        assert derived.is_current(eng)
        for name in tables.ALL_TABLES:
            pd.testing.assert_frame_equal(frame(eng, name), frame(duck, name), obj=name)
        kw = dict(by=["imd_quintile", "age_band"], level="region", period="quarter")
        pd.testing.assert_frame_equal(
            count_table(eng, MEASURES, **kw), count_table(duck, MEASURES, **kw)
        )


def _drop_derived(backend: Backend, location: Path) -> None:
    """Remove the derived tables and their stamp, as a store written before the
    derived store existed has none."""
    if backend.kind == "duckdb":
        con = duckdb.connect(str(location))
        for name in tables.DERIVED:
            con.execute(f"DROP TABLE {name}")
        con.close()
        return
    doc = json.loads((location / MANIFEST).read_text())
    for name in tables.DERIVED:
        del doc["tables"][name]
    (location / MANIFEST).write_text(json.dumps(doc))


def _stamp(eng: engines.Engine) -> dict:
    return eng.execute(eng.table("derived_meta")).drop(columns="built_at").iloc[0].to_dict()


def test_stale_derived_store_is_rebuilt(backend, synthetic_location, tmp_path, monkeypatch):
    location = backend.copy(synthetic_location, tmp_path)
    with backend.open(location) as eng:
        before = {n: frame(eng, n) for n in ("babies_derived", "deliveries_derived")}
        stamp, version = _stamp(eng), eng.version()

    # a stamp from other definitions: rebuilt when opened, stamped again, the same tables
    with engines.writer(backend.kind, location, backend.session, create=False) as w:
        stale = {**stamp, "definitions": "stale", "built_at": dt.datetime(2020, 1, 1)}
        w.replace("derived_meta", pd.DataFrame([stale]))
    with backend.open(location, derive=False) as eng:
        assert not derived.is_current(eng)
    with backend.open(location) as eng:
        assert derived.is_current(eng)
        assert _stamp(eng) == stamp
        assert eng.version() == version
        for name, want in before.items():
            pd.testing.assert_frame_equal(frame(eng, name), want, obj=name)

    # no derived tables at all (a store from before the derived store), opened by a
    # new matequity whose definitions changed: built, and the version says so
    _drop_derived(backend, location)
    with backend.open(location, derive=False) as eng:
        assert not eng.has_table("babies_derived")
    monkeypatch.setattr(derived, "definitions_hash", lambda: "new-definitions")
    with backend.open(location) as eng:
        assert _stamp(eng) == {**stamp, "definitions": "new-definitions"}
        assert eng.version() != version
        for name, want in before.items():
            pd.testing.assert_frame_equal(frame(eng, name), want, obj=name)


def test_the_spark_master_comes_from_the_environment():
    """A cluster from the command line: MATEQUITY_SPARK_MASTER, or the master
    PYSPARK_SUBMIT_ARGS gives spark-submit; local mode otherwise."""
    from matequity.engine.spark_store import spark_master

    assert spark_master({}) == "local[2]"
    assert spark_master({"MATEQUITY_SPARK_MASTER": "yarn"}) == "yarn"
    assert spark_master({"PYSPARK_SUBMIT_ARGS": "--master spark://h:7077 pyspark-shell"}) is None
    both = {"MATEQUITY_SPARK_MASTER": "local[4]", "PYSPARK_SUBMIT_ARGS": "--master yarn x"}
    assert spark_master(both) == "local[4]"


@spark_only
def test_a_folder_store_vacuums_what_it_no_longer_lists(
    spark, spark_synthetic_store, tmp_path, monkeypatch
):
    """A replaced table's old folder stays for readers until its retention has
    passed, then a later write deletes it; a killed writer's leftovers are
    retired when a write finds them and go a day later; nothing listed is ever
    deleted, and the store reads the same."""
    from matequity.engine import spark_store

    backend = Backend("spark", spark)
    location = backend.copy(spark_synthetic_store, tmp_path)

    def manifest() -> dict:
        return json.loads((location / MANIFEST).read_text())

    def rewrite_meta(meta) -> None:
        with engines.writer("spark", location, spark, create=False) as w:
            w.replace("derived_meta", meta)

    with backend.open(location) as eng:
        meta = eng.execute(eng.table("derived_meta"))
        before = frame(eng, "babies_derived")
    first = manifest()["tables"]["derived_meta"]
    rewrite_meta(meta)
    assert set(manifest()["retired"]) == set(first)  # retired, not deleted: readers
    assert all((location / d).is_dir() for d in first)
    second = manifest()["tables"]["derived_meta"]

    # a killed writer's folders, however old: retired when found, not deleted
    orphans = [location / "data" / "babies" / "killed-writer", location / "staging" / "9-x"]
    for d in orphans:
        d.mkdir(parents=True)
        (d / "part.parquet").write_bytes(b"")
        os.utime(d, (0, 0))
    rewrite_meta(meta)
    retired = manifest()["retired"]
    assert {"data/babies/killed-writer", "staging/9-x", *first, *second} == set(retired)
    assert all(d.exists() for d in orphans)
    third = manifest()["tables"]["derived_meta"]

    # a day later: everything retired a day ago is deleted, the last replaced waits
    later = time.time() + spark_store.RETENTION_SECONDS + 1
    monkeypatch.setattr(spark_store, "_now", lambda: later)
    rewrite_meta(meta)
    doc = manifest()
    assert set(doc["retired"]) == set(third)
    for d in [*first, *second]:
        assert not (location / d).exists()
    assert not any(d.exists() for d in orphans)
    listed = [d for ds in doc["tables"].values() for d in ds]
    assert listed and all((location / d).is_dir() for d in listed)
    with backend.open(location) as eng:
        pd.testing.assert_frame_equal(frame(eng, "babies_derived"), before)


def test_a_damaged_retired_entry_deletes_nothing_early(monkeypatch):
    """A manifest's retired times that are not times count as retired now."""
    from matequity.engine import spark_store

    monkeypatch.setattr(spark_store, "_now", lambda: 1000.0)
    got = spark_store._retired({"a": None, "b": "nan", "c": 5, "d": "soon"})
    assert got == {"a": 1000.0, "b": 1000.0, "c": 5.0, "d": 1000.0}
    assert spark_store._retired(["data/x"]) == {} and spark_store._retired(None) == {}
