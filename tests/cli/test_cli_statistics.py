"""The statistics verbs end to end on count tables from the synthetic store."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def tables(synthetic_store, tmp_path_factory):
    d = tmp_path_factory.mktemp("tables")
    out = {}
    for name, args in {
        "eth": ["--by", "ethnic_group", "--period", "all"],
        "imd_year": ["--by", "imd_quintile", "--period", "year"],
        "eth_year": ["--by", "ethnic_group", "--period", "year"],
        "eth_quarter": ["--by", "ethnic_group", "--period", "quarter"],
        "trust": ["--level", "trust", "--period", "all"],
        "age": ["--by", "age_band", "--level", "region", "--period", "all"],
    }.items():
        p = d / f"{name}.csv"
        r = runner.invoke(app, ["counts", "--store", str(synthetic_store), "-o", str(p), *args])
        assert r.exit_code == 0, r.output
        out[name] = p
    return out


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


def test_compare(tables, tmp_path):
    o = tmp_path / "c.csv"
    run("compare", tables["eth"], "-o", o, "--by", "ethnic_group", "--reference", "White")
    df = pd.read_csv(o)
    sb = df[(df.measure == "stillbirth") & (df.ethnic_group == "Black or Black British")].iloc[0]
    assert sb["reference"] == "White" and sb["ratio"] > 1
    assert sb["ratio_lower_95"] < sb["ratio"] < sb["ratio_upper_95"]


def test_inequality_ordered_and_unordered(tables, tmp_path):
    o = tmp_path / "i.csv"
    run("inequality", tables["imd_year"], "-o", o, "--by", "imd_quintile", "--ordered")
    df = pd.read_csv(o)
    assert {"sii_phe", "rii_phe", "sii_who", "aci", "paf"} <= set(df["summary_measure"])
    sii = df[(df.measure == "stillbirth") & (df.summary_measure == "sii_phe")]
    assert (sii["estimate"] < 0).mean() > 0.5  # falls from most to least deprived
    o2 = tmp_path / "u.csv"
    run("inequality", tables["eth"], "-o", o2, "--by", "ethnic_group", "--unordered")
    assert {"bgv", "theil", "mld", "idisw"} <= set(pd.read_csv(o2)["summary_measure"])


def test_trend_and_ambition(tables, tmp_path):
    o = tmp_path / "t.csv"
    run("trend", tables["eth_quarter"], "-o", o, "--by", "ethnic_group", "--reference", "White")
    df = pd.read_csv(o)
    assert {"trend", "gap", "ambition"} <= set(df["result"])
    amb = df[(df.result == "ambition") & (df.measure == "stillbirth")].iloc[0]
    assert amb["target"] == 2.5


def test_power(tables, tmp_path):
    o = tmp_path / "p.csv"
    run("power", tables["eth_year"], "-o", o, "--by", "ethnic_group", "--reference", "White")
    df = pd.read_csv(o)
    row = df[(df.measure == "stillbirth") & (df.ethnic_group == "Black or Black British")].iloc[0]
    assert row["detectable_increase_1y_pct"] > row["detectable_increase_5y_pct"] > 0
    assert "years_to_detect_50pct_narrowing" in df


def test_funnel_with_curve(tables, tmp_path):
    df = pd.read_csv(tables["trust"])
    df[df.measure == "stillbirth"].to_csv(tmp_path / "sb.csv", index=False)
    o, c = tmp_path / "f.csv", tmp_path / "curve.csv"
    r = run(
        "funnel",
        tmp_path / "sb.csv",
        "-o",
        o,
        "--unit",
        "org_code",
        "--statistic",
        "rate",
        "--multiplier",
        "1000",
        "--overdispersion",
        "tau2",
        "--curve",
        c,
    )
    assert "phi =" in r.output
    f = pd.read_csv(o)
    assert {"position_95", "position_99_8", "lower_99_8", "target"} <= set(f.columns)
    assert len(pd.read_csv(c)) > 100


def test_isr_and_dsr(tables, tmp_path):
    age = pd.read_csv(tables["age"])
    sb = age[(age.measure == "stillbirth") & (age.denominator > 0)]
    sb.to_csv(tmp_path / "age.csv", index=False)
    o = tmp_path / "isr.csv"
    run(
        "isr",
        tmp_path / "age.csv",
        "-o",
        o,
        "--stratum",
        "age_band",
        "--by",
        "org_code",
        "--rate-multiplier",
        "1000",
    )
    isr = pd.read_csv(o)
    assert len(isr) == 7 and (isr["expected"] > 0).all()
    # the internal reference: observed and expected totals agree
    assert isr["observed"].sum() == pytest.approx(isr["expected"].sum())
    std = pd.DataFrame({"age_band": sb["age_band"].unique(), "standard_population": 1000})
    std.to_csv(tmp_path / "std.csv", index=False)
    o2 = tmp_path / "dsr.csv"
    run(
        "dsr",
        tmp_path / "age.csv",
        "-o",
        o2,
        "--by",
        "org_code",
        "--standard",
        tmp_path / "std.csv",
        "--multiplier",
        "1000",
    )
    assert len(pd.read_csv(o2)) == 7
