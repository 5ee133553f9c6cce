"""The Spark engine's catalog mode (``catalog:DATABASE``) in a local
SparkSession whose warehouse is a temporary folder: a store that matequity
ingest wrote there (the ingest cases, see test_ingest.py) and one that a
platform's own pipeline saved there table by table both read as the DuckDB
store, count tables included."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from matequity import engine as engines
from matequity.counts.compute import count_table
from matequity.engine import derived, tables
from matequity.engine.spark_store import MANIFEST
from matequity.errors import UserError
from matequity.measures.catalogue import MEASURES

from .stores import SPARK_MARKS, Backend, frame

pytestmark = list(SPARK_MARKS)


def test_an_ingested_catalog_store_reads_and_counts(history, spark):
    catalog = history(Backend("spark", spark, catalog=True))
    duck = history(Backend("duckdb"))
    assert str(catalog.location).startswith("catalog:")
    with (
        engines.open("spark", catalog.location, spark) as eng,
        engines.open("duckdb", duck.location) as ref,
    ):
        assert eng.version() == ref.version()
        for kw in (
            dict(level="england", period="all"),
            dict(by=["ethnic_group", "age_band"], level="trust", period="month", totals=True),
            dict(by=["imd_quintile"], level="site", period="quarter", grouping="ons"),
        ):
            got = count_table(eng, MEASURES, **kw)
            assert got["denominator"].sum() > 0
            pd.testing.assert_frame_equal(got, count_table(ref, MEASURES, **kw))


def test_a_store_saved_into_the_catalog_reads_as_the_folder_store(
    spark, spark_synthetic_store, duck
):
    """Every table of the folder store saved with ``saveAsTable`` into a
    database, as a lakehouse pipeline would: the catalog store needs no
    rebuild and counts as DuckDB does."""
    spark.sql("CREATE DATABASE mq_saved")
    doc = json.loads((spark_synthetic_store / MANIFEST).read_text())
    for name, dirs in doc["tables"].items():
        df = spark.read.parquet(*[str(spark_synthetic_store / d) for d in dirs])
        df.write.saveAsTable(f"mq_saved.{name}")
    with engines.open("spark", "catalog:mq_saved", spark, derive=False) as eng:
        assert derived.is_current(eng)
        assert all(eng.has_table(n) for n in tables.ALL_TABLES)
        pd.testing.assert_frame_equal(frame(eng, "babies"), frame(duck, "babies"))
        kw = dict(by=["ethnic_group"], level="lmns", period="year")
        pd.testing.assert_frame_equal(
            count_table(eng, MEASURES, **kw), count_table(duck, MEASURES, **kw)
        )


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("catalog:no_such_db", "no such database in the Spark catalog"),
        ("catalog:bad-name", "a catalog store is catalog:DATABASE"),
        ("catalog:", "a catalog store is catalog:DATABASE"),
        ("catalog:mq_empty", "the database has no 'babies' table"),
    ],
)
def test_catalog_locations_that_are_not_stores(spark, location, message):
    spark.sql("CREATE DATABASE IF NOT EXISTS mq_empty")
    with pytest.raises(UserError, match=message):
        engines.open("spark", location, spark)
