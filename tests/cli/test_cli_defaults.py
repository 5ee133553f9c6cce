"""What the statistics verbs do when an analyst gives the fewest options: the
defaults are the conventions (a ratio x 1, a rate per 1,000 births, a proportion
per 100, the measure's own multiplier when the table says which measure; IMD
ordered, ethnic group not; strata by age band; units by org_code). Values are
checked against the arithmetic written out here."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app

runner = CliRunner()


def run(*args, code=0):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r


def test_rates_ratio_defaults_to_times_one(tmp_path):
    p, o = tmp_path / "oe.csv", tmp_path / "o.csv"
    pd.DataFrame({"org": ["A", "B"], "observed": [12, 3], "expected": [8.0, 6.0]}).to_csv(
        p, index=False
    )
    r = run("rates", p, "-o", o, "--statistic", "ratio")
    got = pd.read_csv(o)
    assert got["value"].tolist() == pytest.approx([12 / 8, 3 / 6])
    assert (got["lower_95"] < got["value"]).all() and (got["value"] < got["upper_95"]).all()
    assert "ratio x 1" in r.output


@pytest.mark.parametrize(("statistic", "per"), [("rate", 1000), ("proportion", 100)])
def test_rates_on_a_published_table_default_multiplier(tmp_path, statistic, per):
    p, o = tmp_path / "pub.csv", tmp_path / "o.csv"
    # MBRRACE-UK 2021: 2,473 stillbirths in 698,909 births = 3.538 per 1,000
    p.write_text("area,numerator,denominator\nUK,2473,698909\n")
    run("rates", p, "-o", o, "--statistic", statistic)
    assert pd.read_csv(o)["value"].iloc[0] == pytest.approx(2473 / 698909 * per)
    run("rates", p, "-o", o, "--statistic", statistic, "--multiplier", "10000")
    assert pd.read_csv(o)["value"].iloc[0] == pytest.approx(2473 / 698909 * 10000)
    r = run("rates", p, "-o", o, "--statistic", statistic, "--multiplier", "0", code=2)
    assert "--multiplier 0" in r.output


def test_rates_with_built_in_measures_need_no_options(tmp_path):
    p, o = tmp_path / "m.csv", tmp_path / "o.csv"
    pd.DataFrame(
        {
            "measure": ["stillbirth", "preterm_birth"],
            "numerator": [35, 800],
            "denominator": [10000, 10000],
        }
    ).to_csv(p, index=False)
    r = run("rates", p, "-o", o)
    got = pd.read_csv(o).set_index("measure")["value"]
    assert got["stillbirth"] == pytest.approx(3.5)  # per 1,000 births
    assert got["preterm_birth"] == pytest.approx(8.0)  # per 100 births
    assert "rate x 1,000" in r.output and "proportion x 100" in r.output
    # a statistic that is not the measure's takes the statistic's own default
    run("rates", p, "-o", o, "--statistic", "proportion")
    assert pd.read_csv(o)["value"].tolist() == pytest.approx([0.35, 8.0])


def test_rates_unknown_measures_need_a_statistic(tmp_path):
    p = tmp_path / "pub.csv"
    p.write_text("area,numerator,denominator\nUK,2473,698909\n")
    r = run("rates", p, "-o", tmp_path / "o.csv", code=2)
    assert "give --statistic" in r.output and "Traceback" not in r.output


def _lmns_table(tmp_path):
    p = tmp_path / "lmns.csv"
    pd.DataFrame(
        {
            "org_code": ["L1", "L2", "L3", "L4"],
            "measure": "stillbirth",
            "numerator": [30, 45, 12, 70],
            "denominator": [9000, 12000, 4000, 15000],
        }
    ).to_csv(p, index=False)
    return p


def test_funnel_defaults_from_the_measure(tmp_path):
    p, o = _lmns_table(tmp_path), tmp_path / "f.csv"
    run("funnel", p, "-o", o)
    got = pd.read_csv(o)
    # target = pooled rate per 1,000: 157 / 40,000 x 1,000 = 3.925
    assert got["target"].iloc[0] == pytest.approx(157 / 40000 * 1000)
    assert got["value"].tolist() == pytest.approx([30 / 9, 45 / 12, 12 / 4, 70 / 15])
    two = tmp_path / "two.csv"
    df = pd.read_csv(p)
    pd.concat([df, df.assign(measure="preterm_birth")]).to_csv(two, index=False)
    r = run("funnel", two, "-o", o, code=2)
    assert "more than one measure" in r.output


def test_inequality_orders_deprivation_but_not_ethnicity(tmp_path):
    o = tmp_path / "i.csv"
    imd = tmp_path / "imd.csv"
    pd.DataFrame(
        {
            "measure": "stillbirth",
            "imd_quintile": [
                f"{q} - {'most' if q == 1 else 'least' if q == 5 else 'mid'}" for q in range(1, 6)
            ],
            "numerator": [60, 50, 40, 35, 30],
            "denominator": [10000] * 5,
        }
    ).to_csv(imd, index=False)
    run("inequality", imd, "-o", o, "--by", "imd_quintile")
    assert "sii_phe" in set(pd.read_csv(o)["summary_measure"])
    eth = tmp_path / "eth.csv"
    pd.DataFrame(
        {
            "measure": "stillbirth",
            "ethnic_group": ["White", "Asian or Asian British", "Black or Black British"],
            "numerator": [300, 80, 60],
            "denominator": [100000, 18000, 9000],
        }
    ).to_csv(eth, index=False)
    run("inequality", eth, "-o", o, "--by", "ethnic_group")
    got = set(pd.read_csv(o)["summary_measure"])
    assert "theil" in got and "sii_phe" not in got


def test_isr_strata_default_to_age_band(tmp_path):
    p, o = tmp_path / "age.csv", tmp_path / "isr.csv"
    pd.DataFrame(
        {
            "org_code": ["A", "A", "B", "B"],
            "age_band": ["<25", "25+", "<25", "25+"],
            "numerator": [10, 20, 5, 30],
            "denominator": [2000, 6000, 1000, 8000],
        }
    ).to_csv(p, index=False)
    run("isr", p, "-o", o, "--by", "org_code")
    got = pd.read_csv(o).set_index("org_code")
    # pooled rates: <25 15/3,000 = 0.005, 25+ 50/14,000; A expects 2,000 x 0.005 +
    # 6,000 x 50/14,000 = 10 + 21.43 = 31.43, so its ratio is 30 / 31.43
    assert got.loc["A", "expected"] == pytest.approx(2000 * 0.005 + 6000 * 50 / 14000)
    assert got.loc["A", "ratio"] == pytest.approx(30 / (10 + 6000 * 50 / 14000))
