"""Count tables: breakdowns reconcile with totals, shape, published aggregates."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matequity import engine as engines
from matequity.counts.compute import ALL, BREAKDOWN_COLUMNS, count_table
from matequity.errors import InputFileError, UserError
from matequity.measures.catalogue import BY_NAME, MEASURES
from matequity.msds_import import import_msds
from matequity.tablefiles import read_counts

KEYS = ["period", "org_level", "org_code", "org_name", "measure"]


@pytest.fixture(scope="module")
def engine(synthetic_store):
    return engines.open("duckdb", synthetic_store)


@pytest.fixture(scope="module")
def totals(engine):
    return count_table(engine, MEASURES, by=[], level="england", period="year")


def test_shape(engine):
    df = count_table(
        engine, MEASURES, by=["ethnic_group", "imd_quintile"], level="lmns", period="all"
    )
    assert list(df.columns) == [
        "period",
        "org_level",
        "org_code",
        "org_name",
        "ethnic_group",
        "imd_quintile",
        "measure",
        "numerator",
        "denominator",
    ]
    assert set(df["measure"]) == {m.name for m in MEASURES}
    assert df["org_code"].nunique() == 42
    assert (df["numerator"] <= df["denominator"]).all()
    assert df[["ethnic_group", "imd_quintile"]].notna().all().all()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    by=st.lists(st.sampled_from(list(BREAKDOWN_COLUMNS)), min_size=1, max_size=2, unique=True),
    level=st.sampled_from(["england", "region", "lmns", "trust", "site"]),
)
def test_breakdowns_reconcile_with_totals(engine, totals, by, level):
    df = count_table(engine, MEASURES, by=by, level=level, period="year")
    summed = df.groupby(["period", "measure"])[["numerator", "denominator"]].sum()
    ref = totals.set_index(["period", "measure"])[["numerator", "denominator"]]
    pd.testing.assert_frame_equal(summed.sort_index(), ref.sort_index(), check_dtype=False)


def test_totals_rows_equal_sums(engine):
    df = count_table(
        engine,
        [BY_NAME["stillbirth"]],
        by=["ethnic_group", "age_band"],
        level="region",
        period="all",
        totals=True,
    )
    grand = df[(df["ethnic_group"] == ALL) & (df["age_band"] == ALL)].set_index("org_code")
    cells = df[(df["ethnic_group"] != ALL) & (df["age_band"] != ALL)]
    s = cells.groupby("org_code")[["numerator", "denominator"]].sum()
    pd.testing.assert_frame_equal(
        grand[["numerator", "denominator"]].sort_index(), s.sort_index(), check_dtype=False
    )


def test_counts_match_an_independent_sql_count(engine, synthetic_store):
    """Stillbirths and total births by year, counted with plain SQL from the rules."""
    con = duckdb.connect(str(synthetic_store), read_only=True)
    sql = """
        SELECT CAST(year(birth_date) AS VARCHAR) AS period,
          count(*) FILTER (WHERE outcome = 'still' AND NOT coalesce(termination, false)
            AND (gestation_days >= 168 OR (gestation_days IS NULL AND birthweight_g >= 400)))
            AS sb,
          count(*) FILTER (WHERE NOT coalesce(termination, false)
            AND (gestation_days >= 168 OR (gestation_days IS NULL AND birthweight_g >= 400)))
            AS tb
        FROM babies GROUP BY 1 ORDER BY 1"""
    ref = con.execute(sql).df().set_index("period")
    got = count_table(engine, [BY_NAME["stillbirth"]], period="year").set_index("period")
    assert list(got["numerator"]) == list(ref["sb"])
    assert list(got["denominator"]) == list(ref["tb"])


def test_maternal_measures_count_deliveries(engine, synthetic_store):
    con = duckdb.connect(str(synthetic_store), read_only=True)
    n_deliveries = con.execute(
        "SELECT count(DISTINCT delivery_id) FROM babies WHERE NOT coalesce(termination, false)"
        " AND (outcome = 'live' OR gestation_days >= 168)"
    ).fetchone()[0]
    n_babies = con.execute("SELECT count(*) FROM babies").fetchone()[0]
    got = count_table(engine, [BY_NAME["maternal_mortality"]], period="all")
    assert got["denominator"].iloc[0] == n_deliveries
    assert n_deliveries < n_babies


@pytest.mark.parametrize("level", ["trust", "lmns"])
def test_org_filter_in_the_engine_equals_filtering_the_table(engine, level):
    """``org_codes`` filters in the engine; the rows kept are exactly those of the
    unfiltered table for those organisations (babies and delivery measures)."""
    full = count_table(engine, MEASURES, by=["ethnic_group"], level=level, period="year")
    codes = sorted(full["org_code"].unique())[:2]
    part = count_table(
        engine, MEASURES, by=["ethnic_group"], level=level, period="year", org_codes=codes
    )
    want = full[full["org_code"].isin(codes)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.reset_index(drop=True), want)
    with pytest.raises(UserError, match="needs an organisation level"):
        count_table(engine, MEASURES, level="england", org_codes=["X"])


def test_unknown_names_are_user_errors(engine):
    with pytest.raises(UserError, match="unknown breakdown 'colour'"):
        count_table(engine, MEASURES, by=["colour"])
    with pytest.raises(UserError, match="unknown level"):
        count_table(engine, MEASURES, level="ward")


def test_published_aggregates_load_and_check(tmp_path):
    p = tmp_path / "pub.csv"
    p.write_text("org_code,ethnic_group,numerator,denominator\nX,White,10,5000\nX,Black,7,\n")
    df = read_counts(p)
    assert df["numerator"].tolist() == [10, 7]
    assert pd.isna(df["denominator"].iloc[1])
    p.write_text("org_code,numerator,denominator\nX,ten,100\n")
    with pytest.raises(InputFileError, match="row 1, column 'numerator': expected a number"):
        read_counts(p)
    p.write_text("org_code,events\nX,1\n")
    with pytest.raises(InputFileError, match="required column"):
        read_counts(p)


def test_msds_monthly_importer(tmp_path):
    p = tmp_path / "msds.csv"
    p.write_text(
        "ReportingPeriodStartDate,ReportingPeriodEndDate,Dimension,Org_Level,Org_Code,Org_Name,"
        "Measure,Count_Of,Final_value\n"
        "2024-06-01,2024-06-30,EthnicCategoryMotherGroup,Provider,RAA,TRUST A,White,Women,400\n"
        "2024-06-01,2024-06-30,EthnicCategoryMotherGroup,Provider,RAA,TRUST A,Black or Black British,Women,55\n"
        "2024-06-01,2024-06-30,EthnicCategoryMotherGroup,Provider,RAA,TRUST A,Not Stated,Women,*\n"
        "2024-06-01,2024-06-30,TotalBookings,Provider,RAA,TRUST A,Total,Women,460\n"
    )
    df = import_msds(p, "EthnicCategoryMotherGroup")
    assert df["numerator"].tolist()[:2] == [400, 55]
    assert (df["denominator"] == 455).all()
    assert df["suppressed"].tolist() == [False, False, True]
    with pytest.raises(InputFileError, match="no rows for Dimension 'Nope'"):
        import_msds(p, "Nope")
