"""The experience verbs end to end on the synthetic England's experience files,
and one-line errors (exit 2, no output written) for bad input to every loader."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.experience import family_format as ff
from matequity.experience.population import read_population
from matequity.experience.wres_format import read_wres
from matequity.synth import experience_calibration as cal
from matequity.synth.experience import write_experience
from matequity.synth.generate import generate

runner = CliRunner()


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("exp")
    years = range(2021, 2024)
    res = generate(years, seed=5, scale=0.05, episodes_per_year=0, defects=False)
    paths = write_experience(res.births, res.organisations, out, years, seed=5)
    return paths


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


def test_synthetic_files_load_and_follow_the_calibration(synth):
    w = read_wres(synth["experience_wres"])
    wf = w[(w.indicator == 1) & (w.band == "All") & (w.group == "BME")]
    for y in ("2021", "2022", "2023"):
        part = wf[wf.period == y]
        share = part.numerator.sum() / part.denominator.sum()
        assert share == pytest.approx(cal.BME_WORKFORCE_SHARE[int(y)], abs=0.03)
    two = (
        w[(w.indicator == 2) & (w.period == "2023")]
        .groupby("group")[["numerator", "denominator"]]
        .sum()
    )
    pooled = (two.loc["White", "numerator"] / two.loc["White", "denominator"]) / (
        two.loc["BME", "numerator"] / two.loc["BME", "denominator"]
    )
    assert pooled == pytest.approx(cal.RL_APPOINTED[2023], rel=0.1)
    fft = ff.read_fft(synth["experience_fft"])
    birth = fft[fft.touchpoint == "Birth"]
    assert birth.positive.sum() / birth.responses.sum() == pytest.approx(0.93, abs=0.02)
    ff.read_cqc_survey(synth["experience_cqc_survey"])
    ff.read_cqc_national(synth["experience_cqc_national"])
    ff.read_family_counts(synth["experience_family_survey"])
    pop = read_population(synth["experience_population"])
    assert set(pop.population_group) == {"All residents", "Women aged 15-44"}
    meta = json.loads(synth["experience_calibration"].read_text())
    assert meta["RL_APPOINTED"]["2023"] == cal.RL_APPOINTED[2023]


def test_experience_verbs_end_to_end(synth, tmp_path):
    o = tmp_path / "w.csv"
    t = tmp_path / "wt.csv"
    run(
        "experience",
        "wres",
        synth["experience_wres"],
        "-o",
        o,
        "--trend",
        t,
        "--period",
        "2021:2023",
    )
    w = pd.read_csv(o)
    assert set(w.indicator) == set(range(1, 10)) and (w.disclosure_policy == "nhs").all()
    rl = w[(w.indicator == 2) & w.estimate.notna()]
    assert ((rl.estimate_lower_95 <= rl.estimate) & (rl.estimate <= rl.estimate_upper_95)).all()
    assert set(pd.read_csv(t).change_reading.dropna()) <= {
        "narrowed",
        "widened",
        "no clear change",
        "withheld",
    }
    c = tmp_path / "c.csv"
    r = run(
        "experience",
        "family",
        synth["experience_cqc_survey"],
        "--source",
        "cqc",
        "--national",
        synth["experience_cqc_national"],
        "-o",
        c,
    )
    assert "national subgroup" in r.output
    assert (pd.read_csv(c).ethnicity_note.str.contains("only as national")).all()
    assert (tmp_path / "c_national.csv").exists()
    f = tmp_path / "f.csv"
    run(
        "experience",
        "family",
        synth["experience_fft"],
        "--source",
        "fft",
        "-o",
        f,
        "--trend",
        tmp_path / "ft.csv",
        "--policy",
        "none",
    )
    assert (pd.read_csv(f).disclosure_policy.str.startswith("none")).all()
    s = tmp_path / "s.csv"
    run(
        "experience",
        "family",
        synth["experience_family_survey"],
        "--source",
        "counts",
        "-o",
        s,
        "--period",
        "2021:2023",
        "--trend",
        tmp_path / "st.csv",
    )
    assert pd.read_csv(s).best_group.notna().any()
    births = tmp_path / "births.csv"
    pop = pd.read_csv(synth["experience_population"])
    lm = pop[pop.population_group == "Women aged 15-44"]
    pd.DataFrame(
        {
            "org_code": lm.org_code,
            "period": "2023",
            "ethnic_group": lm.ethnic_group,
            "births": (lm.population * 0.052).round(),
        }
    ).to_csv(births, index=False)
    p = tmp_path / "p.csv"
    run("experience", "population", synth["experience_population"], "--births", births, "-o", p)
    pt = pd.read_csv(p)
    assert pt.population_group.eq("Women aged 15-44").all()
    big = pt[pt.births >= 200]
    assert np.allclose(big.births_per_1000, 52, atol=1.0)


HEAD = "org_code,period,indicator,group,numerator,denominator\n"
CQC = "org_code,period,question_id,score,expected_lower,expected_upper\n"
FFT = "org_code,period,touchpoint,positive,responses\n"
CNT = "org_code,period,ethnic_group,measure,numerator,denominator\n"
POP = "org_code,period,ethnic_group,population\n"
BAD = [
    # (verb args, file text, what the one line must say)
    (
        ["wres"],
        "org_code,period,indicator,numerator,denominator\nT,2022,2,1,2\n",
        "required column(s) missing: group",
    ),
    (["wres"], HEAD + "T,2022,2,White,x,2\n", "row 1, column 'numerator': expected a number"),
    (["wres"], HEAD + "T,2022,2,White,3,2\n", "row 1, column 'numerator': larger than"),
    (
        ["wres"],
        HEAD + "T,2022,2,White,1,2\nT,2022,10,BME,1,2\n",
        "row 2, column 'indicator': unknown indicator",
    ),
    (["wres"], HEAD + "T,2022,2,Asian,1,2\n", "row 1, column 'group': unknown group"),
    (["wres"], HEAD + "T,22,2,White,1,2\n", "row 1, column 'period': expected YYYY"),
    (["wres"], HEAD + "T,2022,2,White,1,2\nT,2022,2,White,1,2\n", "row 2: repeats"),
    (
        ["wres"],
        "org_code,period,indicator,band,group,numerator,denominator\nT,2022,1,Band 12,BME,1,2\n",
        "row 1, column 'band': unknown band",
    ),
    (
        ["family", "--source", "cqc"],
        "org_code,period,question_id,score\nT,2023,B1,8\n",
        "required column(s) missing",
    ),
    (
        ["family", "--source", "cqc"],
        CQC + "T,2023,B1,eight,7,9\n",
        "column 'score': expected a number",
    ),
    (["family", "--source", "cqc"], CQC + "T,2023,B1,11,7,9\n", "expected a score from 0 to 10"),
    (
        ["family", "--source", "cqc"],
        CQC + "T,2023,B1,8,9,7\n",
        "column 'expected_lower': larger than",
    ),
    (["family", "--source", "fft"], FFT + "T,2024-13,Birth,1,2\n", "expected YYYY-MM"),
    (["family", "--source", "fft"], FFT + "T,2024-01,Labour,1,2\n", "unknown touchpoint"),
    (
        ["family", "--source", "fft"],
        FFT + "T,2024-01,Birth,3,2\n",
        "column 'positive': larger than",
    ),
    (["family", "--source", "counts"], CNT + "T,2023,Purple,q,1,2\n", "unknown ethnic group"),
    (["family", "--source", "counts"], CNT + "T,2023,White,q,5,2\n", "larger than"),
    (["family", "--source", "counts"], CNT + "T,2023,White,q,-1,2\n", "expected a count >= 0"),
    (
        ["population", "--births", "BIRTHS"],
        POP + "QS01,2021,White,lots\n",
        "column 'population': expected a number",
    ),
    (["population", "--births", "BIRTHS"], POP + "QS01,2021,Martian,5\n", "unknown ethnic group"),
]


@pytest.mark.parametrize(("args", "text", "says"), BAD)
def test_bad_input_gets_one_line_and_exit_2(tmp_path, args, text, says):
    f = tmp_path / "in.csv"
    f.write_text(text)
    births = tmp_path / "births.csv"
    births.write_text("org_code,period,ethnic_group,births\nQS01,2023,White,10\n")
    out = tmp_path / "out.csv"
    argv = ["experience", args[0], str(f), *[str(births) if a == "BIRTHS" else a for a in args[1:]]]
    r = runner.invoke(app, [*argv, "-o", str(out)])
    assert r.exit_code == 2, r.output
    line = " ".join(r.output.split())
    assert says in line and "Traceback" not in r.output
    assert str(f) in line
    assert not out.exists()


def test_bad_births_file(tmp_path):
    pop = tmp_path / "pop.csv"
    pop.write_text(POP + "QS01,2021,White,100\n")
    births = tmp_path / "b.csv"
    births.write_text("org_code,period,ethnic_group,count\nQS01,2023,White,10\n")
    r = runner.invoke(
        app,
        [
            "experience",
            "population",
            str(pop),
            "--births",
            str(births),
            "-o",
            str(tmp_path / "o.csv"),
        ],
    )
    assert r.exit_code == 2 and "births" in r.output and not (tmp_path / "o.csv").exists()


def test_unknown_policy_and_period(tmp_path):
    f = tmp_path / "w.csv"
    f.write_text(HEAD + "T,2022,2,White,1,2\nT,2022,2,BME,1,2\n")
    r = runner.invoke(
        app, ["experience", "wres", str(f), "-o", str(tmp_path / "o.csv"), "--policy", "secret"]
    )
    assert r.exit_code == 2 and "unknown disclosure policy" in r.output
    r = runner.invoke(
        app, ["experience", "wres", str(f), "-o", str(tmp_path / "o.csv"), "--period", "soon"]
    )
    assert r.exit_code == 2 and "period" in r.output
