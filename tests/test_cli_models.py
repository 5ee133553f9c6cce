"""The model verbs (adjusted, disparities, its) end to end: CSV in, CSV out, and
one-line errors with exit status 2 and nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.stats.disparities import disparities
from matequity.stats.its import its
from matequity.stats.stabilised import stabilised_rates

runner = CliRunner()
REF = Path(__file__).parent / "reference"


def run(*args, code: int = 0):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r


@pytest.fixture
def casemix(tmp_path) -> Path:
    d = pd.read_csv(REF / "lme4" / "data_casemix.csv")
    d = d.rename(columns={"deaths": "numerator", "births": "denominator"})
    d["group"] = np.where(d.org < "T21", "Level 3 NICU", "Under 2,000 births a year")
    p = tmp_path / "casemix.csv"
    d.to_csv(p, index=False)
    return p


def test_adjusted(casemix, tmp_path):
    o, m = tmp_path / "o.csv", tmp_path / "m.csv"
    r = run(
        "adjusted", casemix, "--unit", "org", "--comparator", "group", "--case-mix",
        "age_band,deprivation", "--multiplier", 1000, "-o", o, "--model", m,
    )  # fmt: skip
    assert "organisation SD" in r.output
    out = pd.read_csv(o)
    for c in ("observed", "denominator", "expected", "smr", "comparator_rate",
              "stabilised_rate", "lower_95", "upper_95", "band", "method"):  # fmt: skip
        assert c in out.columns
    api = stabilised_rates(
        pd.read_csv(casemix), "org", "group", ["age_band", "deprivation"], 1000
    ).units
    np.testing.assert_allclose(out["stabilised_rate"], api["stabilised_rate"], rtol=1e-9)
    model = pd.read_csv(m)
    assert set(model["component"]) == {"fixed", "random", "fit"}
    o2 = tmp_path / "agq.csv"
    run(
        "adjusted", casemix, "--unit", "org", "--comparator", "group", "--multiplier", 1000,
        "--method", "agq", "--nagq", 5, "--bands", 5, "-o", o2,
    )  # fmt: skip
    agq = pd.read_csv(o2)
    assert agq["method"].str.contains("adaptive Gauss-Hermite \\(5\\)").all()
    assert agq["band"].str.contains("5%").all()


def test_adjusted_errors_write_nothing(casemix, tmp_path):
    o = tmp_path / "o.csv"
    r = run(
        "adjusted", casemix, "--unit", "org", "--comparator", "nope", "--multiplier", 1000,
        "-o", o, code=2,
    )  # fmt: skip
    assert "no column 'nope'" in r.output and "Traceback" not in r.output
    r = run(
        "adjusted", casemix, "--unit", "org", "--comparator", "group", "--multiplier", 1000,
        "--method", "agq", "--nagq", 1, "-o", o, code=2,
    )  # fmt: skip
    assert "2 to 100" in r.output
    bad = tmp_path / "bad.csv"
    pd.read_csv(casemix).assign(numerator="x").to_csv(bad, index=False)
    r = run(
        "adjusted", bad, "--unit", "org", "--comparator", "group", "--multiplier", 1000,
        "-o", o, code=2,
    )  # fmt: skip
    assert "row 1, column 'numerator'" in r.output
    assert not o.exists()


def test_disparities(tmp_path):
    src = REF / "glm" / "data_disparities.csv"
    o = tmp_path / "d.csv"
    run(
        "disparities", src, "--by", "ethnic_group", "--reference", "White",
        "--adjust", "imd_quintile,age_band", "--multiplier", 1000, "-o", o,
    )  # fmt: skip
    out = pd.read_csv(o).set_index("ethnic_group")
    api = disparities(
        pd.read_csv(src), "ethnic_group", "White", ["imd_quintile", "age_band"], "rate", 1000
    ).set_index("ethnic_group")
    np.testing.assert_allclose(out["adjusted_rd"], api["adjusted_rd"], rtol=1e-9)
    assert out.loc["Black", "adjusted_rr"] < out.loc["Black", "crude_rr"]
    assert out.loc["Black", "share_rr_accounted"] > 0
    r = run(
        "disparities", src, "--by", "ethnic_group", "--reference", "Purple",
        "--multiplier", 1000, "-o", o, code=2,
    )  # fmt: skip
    assert "reference group 'Purple'" in r.output


def test_its(tmp_path):
    src = REF / "glm" / "data_its.csv"
    o = tmp_path / "its.csv"
    run(
        "its", src, "--time", "month", "--intervention", "2020-07", "--by", "ethnic_group",
        "--reference", "White", "--multiplier", 1000, "--dispersion", "quasi", "-o", o,
    )  # fmt: skip
    out = pd.read_csv(o)
    api = its(pd.read_csv(src), "month", "2020-07", "ethnic_group", "White", None, 1000, "quasi")
    np.testing.assert_allclose(out["estimate"], api["estimate"], rtol=1e-9)
    assert set(out["model"]) == {"group", "gap"}
    assert set(out["term"]) == {"level_change", "slope_change"}
    gap = out[out.model == "gap"]
    assert (gap["group"] == "Black").all() and (gap["reference"] == "White").all()
    r = run("its", src, "--intervention", "July 2020", "-o", o, code=2)
    assert "--intervention 'July 2020': expected YYYY-MM" in r.output


def test_help_texts():
    for verb in ("adjusted", "disparities", "its"):
        assert "Usage" in run(verb, "--help").output
