"""The command line end to end: every verb has help; synth -> ingest -> counts -> rates."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app

runner = CliRunner()
VERBS = [
    "synth",
    "ingest",
    "counts",
    "rates",
    "import-msds",
    "export",
    "reconciliation",
    "measures",
    "demo",
]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb):
    res = runner.invoke(app, [verb, "--help"])
    assert res.exit_code == 0
    assert "Usage" in res.output and len(res.output.splitlines()) > 4


def test_pipeline_through_the_cli(tmp_path):
    data, store = tmp_path / "data", tmp_path / "s.duckdb"
    r = runner.invoke(
        app, ["synth", "--out", str(data), "--years", "2023", "--seed", "5", "--scale", "0.01"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "ingest",
            str(data / "births.parquet"),
            str(data / "organisations.csv"),
            str(data / "lsoa_imd_lookup.csv"),
            "--store",
            str(store),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Reconciliation" in r.output and "unknown_site" in r.output
    counts = tmp_path / "counts.csv"
    r = runner.invoke(
        app,
        [
            "counts",
            "--store",
            str(store),
            "--measure",
            "stillbirth",
            "--measure",
            "preterm_birth",
            "--by",
            "ethnic_group,imd_quintile",
            "--level",
            "region",
            "--period",
            "all",
            "-o",
            str(counts),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(counts)
    assert set(df["measure"]) == {"stillbirth", "preterm_birth"}
    out = tmp_path / "rates.csv"
    r = runner.invoke(app, ["rates", str(counts), "-o", str(out), "--confidence", "both"])
    assert r.exit_code == 0, r.output
    rates = pd.read_csv(out)
    for col in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "method"):
        assert col in rates
    sb = rates[rates["measure"] == "stillbirth"]
    pt = rates[rates["measure"] == "preterm_birth"]
    ok = sb["denominator"] > 0
    want = sb.loc[ok, "numerator"] / sb.loc[ok, "denominator"] * 1000
    assert ok.sum() > 10
    assert ((sb.loc[ok, "value"] - want).abs() < 1e-9).all()
    assert set(pt["method"].dropna()) == {"Wilson"}
    has = rates["value"].notna()
    assert (rates.loc[has, "lower_99_8"] <= rates.loc[has, "lower_95"] + 1e-12).all()
    assert (rates.loc[has, "upper_99_8"] >= rates.loc[has, "upper_95"] - 1e-12).all()
    r = runner.invoke(app, ["reconciliation", "--store", str(store)])
    assert r.exit_code == 0 and "births.parquet" in r.output


def test_rates_on_a_published_table_needs_statistic(tmp_path):
    p = tmp_path / "pub.csv"
    p.write_text("area,numerator,denominator\nA,2473,698909\n")
    r = runner.invoke(app, ["rates", str(p), "-o", str(tmp_path / "o.csv")])
    assert r.exit_code == 2
    assert "give --statistic" in r.output
    r = runner.invoke(
        app,
        [
            "rates",
            str(p),
            "-o",
            str(tmp_path / "o.csv"),
            "--statistic",
            "rate",
            "--multiplier",
            "1000",
        ],
    )
    assert r.exit_code == 0
    assert round(pd.read_csv(tmp_path / "o.csv")["value"].iloc[0], 2) == 3.54


def test_user_errors_exit_2_with_one_line(tmp_path):
    r = runner.invoke(
        app, ["counts", "--store", str(tmp_path / "none.duckdb"), "-o", str(tmp_path / "x.csv")]
    )
    assert r.exit_code == 2
    assert "no such store" in r.output
    r = runner.invoke(app, ["synth", "--out", str(tmp_path), "--years", "1990-1991"])
    assert r.exit_code == 2 and "covers" in r.output


def test_demo_small(tmp_path):
    out = tmp_path / "demo"
    r = runner.invoke(app, ["demo", "--out", str(out), "--years", "2023-2024", "--scale", "0.01"])
    assert r.exit_code == 0, r.output
    html = (out / "summary.html").read_text()
    assert "Reconciliation by file" in html and "Stillbirth rate" in html
    assert "Disclosure policy" in html and "Data quality" in html
    assert "MIS SA2 ethnicity" in html
    eng = pd.read_csv(out / "tables" / "rates_england_ethnic_group.csv")
    lm = pd.read_csv(out / "tables" / "rates_lmns_imd_quintile.csv")
    assert eng["org_code"].unique().tolist() == ["E92000001"]
    assert lm["org_code"].nunique() == 42
    # every number in the HTML table for England stillbirth comes from the CSV
    white = eng[(eng["measure"] == "stillbirth") & (eng["ethnic_group"] == "White")].iloc[0]
    assert f"{white['value']:,.2f}" in html
    # published tables are released under nhs: counts 0 or multiples of 5,
    # rates withheld below 8 events, the policy recorded on every row
    for name in ("counts_lmns_ethnic_group.csv", "rates_england_ethnic_group.csv"):
        t = pd.read_csv(out / "tables" / name)
        assert (t["disclosure_policy"] == "nhs").all()
        assert (t["numerator"] % 5 == 0).all() and (t["denominator"] % 5 == 0).all()
    assert lm.loc[lm["numerator"] <= 5, "value"].isna().all()
    for kind in ("board", "lmns", "national"):
        files = sorted((out / "reports").glob(f"{kind}_*"))
        assert [p.suffix for p in files] == [".html", ".pdf"] and "report:" in r.output
    for name in ("field_quality.csv", "mis_ethnicity.csv", "equity_bounds.csv"):
        q = pd.read_csv(out / "quality" / name)
        assert (q["disclosure_policy"] == "nhs").all()
    # the second run reuses the data and skips the loaded files
    import duckdb

    def load_counts():
        with duckdb.connect(str(out / "store.duckdb"), read_only=True) as con:
            return dict(con.execute("SELECT kind, count(*) FROM loads GROUP BY kind").fetchall())

    before = load_counts()
    assert before["births"] == 1 and before["organisations"] == 1 and before["imd_lookup"] == 1
    r2 = runner.invoke(app, ["demo", "--out", str(out), "--years", "2023-2024", "--scale", "0.01"])
    assert r2.exit_code == 0
    after = load_counts()
    assert after == before
