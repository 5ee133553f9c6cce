"""Synthetic staff and families' experience and the community profile, for
the synthetic England's trusts and LMNS, in the documented CSV layouts of
:mod:`matequity.experience` (docs/data-model.md).

Calibration: :mod:`matequity.synth.experience_calibration` (published figures
where cited, ASSUMPTION elsewhere). Deterministic for a seed. Sizes follow each
trust's births in the synthetic births table; ethnic mixes follow its region's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from matequity.model import ethnicity
from matequity.synth import experience_calibration as cal
from matequity.synth.calibration import REGIONS

DIR = "experience"
FILES = {
    "wres": "wres.csv",
    "cqc_survey": "cqc_maternity_survey.csv",
    "cqc_national": "cqc_national_by_ethnicity.csv",
    "fft": "fft_maternity.csv",
    "family_survey": "family_survey_by_ethnicity.csv",
    "population": "population.csv",
}
#: the generator's broad groups in matequity's (MSDS) labels
LABELS = (ethnicity.WHITE, ethnicity.MIXED, ethnicity.ASIAN, ethnicity.BLACK, ethnicity.OTHER)


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


def births_per_year(births: pa.Table, organisations: pd.DataFrame, years: range) -> pd.DataFrame:
    """Mean births a year per trust (and its LMNS and region)."""
    counts = births.group_by("site_code").aggregate([("site_code", "count")]).to_pandas()
    counts.columns = ["site_code", "births"]
    o = organisations.merge(counts, on="site_code", how="left").fillna({"births": 0})
    t = o.groupby(["trust_code", "lmns_code", "region_code"], as_index=False)["births"].sum()
    t["births"] = t["births"] / len(years)
    return t


def _mix(region_code: str) -> np.ndarray:
    r = next(r for r in REGIONS if r.code == region_code)
    return np.asarray(r.ethnic_mix, float)


def _wres(rng: np.random.Generator, trusts: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    rows = []
    # the trust's BME share relative to the national: its region's non-White births share
    rel = np.array([1 - _mix(rc)[0] for rc in trusts["region_code"]])
    rel = rel / np.average(rel, weights=trusts["births"])
    eff = {k: rng.normal(0, cal.TRUST_SD, len(trusts)) for k in ("a", "d", "t", "s")}
    drift = rng.normal(0, 0.03, len(trusts))
    board = rng.integers(*cal.BOARD_SIZE, size=len(trusts))
    for i, tr in trusts.reset_index(drop=True).iterrows():
        head = cal.HEADCOUNT_BASE + cal.HEADCOUNT_PER_BIRTH * tr["births"]
        for y in years:
            share = float(np.clip(cal.BME_WORKFORCE_SHARE[y] * rel[i], 0.02, 0.75))
            n = round(head * rng.uniform(0.97, 1.03))
            nb = int(rng.binomial(n, share))
            nw = int(rng.binomial(n - nb, 0.97))  # about 3% not stated
            k = (y - years[0]) * drift[i]

            def add(ind, group, num, den, band="All", org=tr["trust_code"], period=str(y)):
                rows.append(
                    {
                        "org_code": org,
                        "period": period,
                        "indicator": ind,
                        "band": band,
                        "group": group,
                        "numerator": int(num),
                        "denominator": int(den),
                    }
                )

            # indicator 1: bands, their BME shares relative to the workforce's
            sizes = np.array([b[1] for b in cal.BANDS])
            band_n = rng.multinomial(n, sizes / sizes.sum())
            for (band, _s, r), bn in zip(cal.BANDS, band_n, strict=True):
                p = min(0.95, share * r)
                b_bme = rng.binomial(bn, p)
                b_white = rng.binomial(bn - b_bme, 0.97)
                add(1, "BME", b_bme, bn, band)
                add(1, "White", b_white, bn, band)
            add(1, "BME", nb, n)
            add(1, "White", nw, n)
            # indicator 2: appointed from shortlisting
            short = int(n * cal.SHORTLISTED_PER_STAFF)
            sb = int(rng.binomial(short, min(0.9, share * cal.SHORTLISTED_BME_RELATIVE)))
            sw = short - sb
            rl2 = cal.RL_APPOINTED[y] * np.exp(eff["a"][i] + k)
            add(2, "White", rng.binomial(sw, cal.APPOINTED_RATE), sw)
            add(2, "BME", rng.binomial(sb, cal.APPOINTED_RATE / rl2), sb)
            # indicator 3: formal disciplinary process
            rl3 = cal.RL_DISCIPLINARY * np.exp(eff["d"][i] + k)
            add(3, "White", rng.binomial(nw, cal.DISCIPLINARY_RATE), nw)
            add(3, "BME", rng.binomial(nb, min(0.5, cal.DISCIPLINARY_RATE * rl3)), nb)
            # indicator 4: non-mandatory training and CPD
            rl4 = cal.RL_TRAINING * np.exp(eff["t"][i] + k)
            add(4, "White", rng.binomial(nw, min(0.95, cal.TRAINING_RATE * rl4)), nw)
            add(4, "BME", rng.binomial(nb, cal.TRAINING_RATE), nb)
            # indicators 5-8: NHS Staff Survey
            rw = int(rng.binomial(nw, cal.SURVEY_RESPONSE))
            rb = int(rng.binomial(nb, cal.SURVEY_RESPONSE))
            for ind, (pw, pb) in cal.STAFF_SURVEY.items():
                e = eff["s"][i] * 0.5
                add(ind, "White", rng.binomial(rw, _expit(_logit(pw) + e)), rw)
                add(ind, "BME", rng.binomial(rb, _expit(_logit(pb) + e + k)), rb)
            # indicator 9: board voting membership beside the workforce
            bsize = int(board[i])
            b_bme = int(rng.binomial(bsize, min(0.9, share * cal.BOARD_RELATIVE_SHARE)))
            add(9, "BME", b_bme, bsize, "Voting")
            add(9, "White", bsize - b_bme, bsize, "Voting")
    return pd.DataFrame(rows)


def _cqc(rng: np.random.Generator, trusts: pd.DataFrame, years: list[int]):
    rows, nat = [], []
    eff = rng.normal(0, cal.CQC_TRUST_SD, (len(trusts), len(cal.CQC_QUESTIONS)))
    for y in years:
        if y < cal.CQC_FIRST_YEAR:
            continue
        yshift = rng.normal(0, 0.1)
        for j, (qid, text, score) in enumerate(cal.CQC_QUESTIONS):
            s_nat = float(np.clip(score + yshift, 0, 10))
            for g, d in cal.CQC_GROUP_SHIFT.items():
                nat.append(
                    {
                        "period": str(y),
                        "question_id": qid,
                        "question_text": text,
                        "ethnic_group": g,
                        "score": round(float(np.clip(s_nat + d, 0, 10)), 1),
                    }
                )
            for i, tr in trusts.reset_index(drop=True).iterrows():
                s = float(np.clip(s_nat + eff[i, j] + rng.normal(0, 0.15), 0, 10))
                rows.append(
                    {
                        "org_code": tr["trust_code"],
                        "period": str(y),
                        "question_id": qid,
                        "question_text": text,
                        "score": round(s, 1),
                        "expected_lower": round(max(0.0, s_nat - cal.CQC_EXPECTED_HALF_WIDTH), 1),
                        "expected_upper": round(min(10.0, s_nat + cal.CQC_EXPECTED_HALF_WIDTH), 1),
                        "respondents": int(rng.integers(*cal.CQC_RESPONDENTS)),
                    }
                )
    return pd.DataFrame(rows), pd.DataFrame(nat)


def _fft(rng: np.random.Generator, trusts: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    rows = []
    eff = rng.normal(0, 0.3, len(trusts))
    for i, tr in trusts.reset_index(drop=True).iterrows():
        monthly = tr["births"] / 12
        for y in years:
            for m in range(1, 13):
                for tp, p in cal.FFT_POSITIVE.items():
                    n = int(rng.poisson(monthly * cal.FFT_RESPONSE[tp]))
                    rows.append(
                        {
                            "org_code": tr["trust_code"],
                            "period": f"{y}-{m:02d}",
                            "touchpoint": tp,
                            "positive": int(rng.binomial(n, _expit(_logit(p) + eff[i]))),
                            "responses": n,
                        }
                    )
    return pd.DataFrame(rows)


def _own_survey(rng: np.random.Generator, trusts: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    rows = []
    eff = rng.normal(0, 0.2, len(trusts))
    for i, tr in trusts.reset_index(drop=True).iterrows():
        mix = _mix(tr["region_code"])
        for y in years:
            k = 0.03 * (y - years[0])  # a slow improvement: ASSUMPTION
            for g, share in zip(LABELS, mix, strict=True):
                n = int(rng.poisson(tr["births"] * share * cal.OWN_SURVEY_RESPONSE))
                lp = _logit(cal.OWN_SURVEY_WHITE) + cal.OWN_SURVEY_LOGIT_SHIFT[g] + eff[i] + k
                rows.append(
                    {
                        "org_code": tr["trust_code"],
                        "period": str(y),
                        "ethnic_group": g,
                        "measure": cal.OWN_SURVEY_MEASURE,
                        "numerator": int(rng.binomial(n, _expit(lp))),
                        "denominator": n,
                    }
                )
    return pd.DataFrame(rows)


def _population(trusts: pd.DataFrame) -> pd.DataFrame:
    """Women aged 15-44 and all residents by LMNS and group, from the LMNS's
    births, the general fertility rate and each group's relative fertility."""
    rows = []
    lm = trusts.groupby(["lmns_code", "region_code"], as_index=False)["births"].sum()
    fert = np.array([cal.RELATIVE_FERTILITY[g] for g in LABELS])
    for _, r in lm.iterrows():
        mix = _mix(r["region_code"])
        women_share = (mix / fert) / (mix / fert).sum()
        women = r["births"] / (cal.GENERAL_FERTILITY_PER_1000 / 1000)
        for g, s in zip(LABELS, women_share, strict=True):
            w = round(women * s)
            everyone = round(w * cal.RESIDENTS_PER_WOMAN_15_44)
            for grp, value in (("Women aged 15-44", w), ("All residents", everyone)):
                rows.append(
                    {
                        "org_code": r["lmns_code"],
                        "period": str(cal.POPULATION_YEAR),
                        "population_group": grp,
                        "ethnic_group": g,
                        "population": value,
                    }
                )
    return pd.DataFrame(rows)


def write_experience(
    births: pa.Table, organisations: pd.DataFrame, out: Path, years: range, seed: int
) -> dict[str, Path]:
    """Write the experience CSVs under ``out/experience/``; returns their paths."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 18]))
    trusts = births_per_year(births, organisations, years)
    ys = [y for y in years if y in cal.BME_WORKFORCE_SHARE]
    d = out / DIR
    d.mkdir(parents=True, exist_ok=True)
    cqc, nat = _cqc(rng, trusts, ys)
    tables = {
        "wres": _wres(rng, trusts, ys),
        "cqc_survey": cqc,
        "cqc_national": nat,
        "fft": _fft(rng, trusts, ys),
        "family_survey": _own_survey(rng, trusts, ys),
        "population": _population(trusts),
    }
    paths = {}
    for k, df in tables.items():
        p = d / FILES[k]
        df.to_csv(p, index=False)
        paths[f"experience_{k}"] = p
    meta = {
        k: getattr(cal, k)
        for k in dir(cal)
        if k.isupper() and isinstance(getattr(cal, k), (int, float, dict, tuple))
    }
    (d / "calibration.json").write_text(json.dumps(meta, indent=1, default=str))
    paths["experience_calibration"] = d / "calibration.json"
    return paths


__all__ = ["DIR", "FILES", "births_per_year", "write_experience"]
