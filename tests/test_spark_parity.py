"""The same Ibis code on DuckDB and on Spark (local mode) gives identical results."""

from __future__ import annotations

import datetime as dt
import shutil

import ibis
import pandas as pd
import pytest

from conftest import baby
from matequity import engine as engine_api
from matequity.counts.compute import count_table
from matequity.engine.export import export_store
from matequity.ingest.validate import validate
from matequity.measures.catalogue import MEASURES
from matequity.model import schema

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (CI has Java 17)"),
]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("matequity-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def engines(synthetic_store, tmp_path_factory, spark):
    folder = tmp_path_factory.mktemp("parquet")
    export_store(synthetic_store, folder)
    return engine_api.open("duckdb", synthetic_store), engine_api.open("spark", folder, spark)


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


@pytest.mark.parametrize(
    ("by", "level", "period", "grouping"),
    [
        ([], "england", "year", "msds"),
        (["ethnic_group"], "lmns", "all", "msds"),
        (["imd_quintile", "age_band"], "region", "quarter", "ons"),
        (["ethnic_category", "imd_decile"], "trust", "quarter", "msds"),
    ],
)
def test_count_tables_identical(engines, by, level, period, grouping):
    duck, spark = engines
    a = count_table(duck, MEASURES, by=by, level=level, period=period, grouping=grouping)
    b = count_table(spark, MEASURES, by=by, level=level, period=period, grouping=grouping)
    assert len(a) > 0
    pd.testing.assert_frame_equal(_norm(a), _norm(b))


def test_validation_identical(spark):
    """Row validation is portable Ibis too: same typed values and reasons."""
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
        results.append(_norm(out.drop(columns=[c for c in out if c.startswith("raw_")])))
    pd.testing.assert_frame_equal(results[0], results[1], check_dtype=False)
    assert results[0].set_index("_row").loc[3, "reason"] == "invalid_gestation"
