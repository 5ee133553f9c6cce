"""Count tables on every engine: identical to DuckDB's, frame for frame, and to
plain counts from the definitions.

The cases cover every breakdown, pairs of breakdowns, every organisation level,
every period, both ethnic groupings and the margins, each with every measure
(babies and deliveries); ``org_codes`` is checked at every organisation level.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from matequity import vocabulary as vocab
from matequity.counts.compute import ALL, count_table
from matequity.measures.catalogue import BY_NAME, MEASURES

#: (by, level, period, grouping, totals)
CASES = [
    ([], "england", "year", "msds", False),
    (["ethnic_group"], "lmns", "all", "msds", False),
    (["ethnic_group"], "region", "quarter", "ons", True),
    (["ethnic_category"], "trust", "month", "msds", False),
    (["imd_decile"], "site", "year", "msds", False),
    (["imd_quintile"], "england", "month", "ons", True),
    (["age_band"], "region", "all", "msds", False),
    (["imd_quintile", "age_band"], "region", "quarter", "ons", False),
    (["ethnic_category", "imd_decile"], "region", "quarter", "msds", False),
    (["ethnic_group", "imd_quintile"], "lmns", "year", "ons", True),
    (["baby_sex"], "trust", "year", "msds", False),
    (["multiplicity", "gestation_band"], "england", "quarter", "ons", True),
]
KEYS = ["period", "org_level", "org_code", "org_name", "measure"]


def _id(case) -> str:
    by, level, period, grouping, totals = case
    return "-".join(["+".join(by) or "none", level, period, grouping, *(["totals"] * totals)])


def test_cases_cover_every_option():
    assert {b for c in CASES for b in c[0]} == set(vocab.BREAKDOWN)
    assert {c[1] for c in CASES} == set(vocab.LEVEL_NAMES)
    assert {c[2] for c in CASES} == set(vocab.PERIODS)
    assert {c[3] for c in CASES} == set(vocab.GROUPINGS)
    assert {m.unit for m in MEASURES} == {"babies", "deliveries"}


@pytest.fixture(scope="module")
def england_totals(duck) -> pd.DataFrame:
    return count_table(duck, MEASURES, level="england", period="all")


@pytest.mark.parametrize(
    ("by", "level", "period", "grouping", "totals"), CASES, ids=[_id(c) for c in CASES]
)
def test_count_tables_identical(engine, duck, england_totals, by, level, period, grouping, totals):
    kw = dict(by=by, level=level, period=period, grouping=grouping, totals=totals)
    got = count_table(engine, MEASURES, **kw)
    want = count_table(duck, MEASURES, **kw)
    assert len(got) > 0
    assert set(got["measure"]) == {m.name for m in MEASURES}
    pd.testing.assert_frame_equal(got, want)
    # whatever the breakdown, level and period, the cells add up to England's totals
    cells = got
    for b in by:
        cells = cells[cells[b] != ALL]
    summed = cells.groupby("measure")[["numerator", "denominator"]].sum().sort_index()
    ref = england_totals.set_index("measure")[["numerator", "denominator"]].sort_index()
    pd.testing.assert_frame_equal(summed, ref, check_dtype=False)


@pytest.mark.parametrize("level", ["site", "trust", "lmns", "region"])
def test_org_codes_filter_in_the_engine(engine, duck, level):
    """Filtered in the engine, the rows kept are exactly the unfiltered table's
    rows for those organisations, on every engine."""
    full = count_table(duck, MEASURES, by=["ethnic_group"], level=level, period="year")
    codes = sorted(full["org_code"].unique())[:2]
    kw = dict(by=["ethnic_group"], level=level, period="year", org_codes=codes)
    got = count_table(engine, MEASURES, **kw)
    want = full[full["org_code"].isin(codes)].reset_index(drop=True)
    assert set(got["org_code"]) == set(codes)
    pd.testing.assert_frame_equal(got, want)


def test_counts_match_plain_sql_from_the_rules(engine, synthetic_store):
    """Stillbirths, total births and maternities by year, counted with plain SQL
    from the definitions over the DuckDB store's records (which the Spark store
    holds too: see test_ingested_tables_identical)."""
    con = duckdb.connect(str(synthetic_store), read_only=True)
    viable = "(gestation_days >= 168 OR (gestation_days IS NULL AND birthweight_g >= 400))"
    kept = "NOT coalesce(termination, false)"
    ref = con.execute(
        f"""SELECT CAST(year(birth_date) AS VARCHAR) AS period,
          count(*) FILTER (WHERE outcome = 'still' AND {kept} AND {viable}) AS sb,
          count(*) FILTER (WHERE {kept} AND {viable}) AS tb
        FROM babies GROUP BY 1 ORDER BY 1"""
    ).df()
    maternities = con.execute(
        f"SELECT count(DISTINCT delivery_id) FROM babies WHERE {kept}"
        " AND (outcome = 'live' OR gestation_days >= 168)"
    ).fetchone()[0]
    con.close()
    sb = count_table(engine, [BY_NAME["stillbirth"]], period="year")
    assert sb["period"].tolist() == ref["period"].tolist()
    assert sb["numerator"].tolist() == ref["sb"].tolist()
    assert sb["denominator"].tolist() == ref["tb"].tolist()
    mm = count_table(engine, [BY_NAME["maternal_mortality"]], period="all")
    assert mm["denominator"].tolist() == [maternities]
