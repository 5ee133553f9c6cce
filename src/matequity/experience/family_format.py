"""Families' experience as documented CSVs (docs/data-model.md, "Families'
experience").

* CQC maternity survey, trust results: ``org_code, period, question_id, score,
  expected_lower, expected_upper`` (scores 0-10 as CQC publishes them, with the
  trust's expected range); optional ``question_text``, ``section``, ``band``
  (CQC's own banding), ``respondents``, ``org_name``. CQC's benchmark
  spreadsheets could not be read from public material here, so this is a long
  CSV that a trust fills from them, one row per question.
* CQC national subgroup results: ``period, question_id, ethnic_group, score``
  (optional ``respondents``, ``question_text``): CQC analyses ethnicity only
  nationally, not per trust.
* Friends and Family Test, maternity: ``org_code, period (YYYY-MM), touchpoint,
  positive, responses``; touchpoints Antenatal, Birth, Postnatal ward,
  Postnatal community, All (NHS England's four maternity questions). Positive =
  'very good' plus 'good' (before 2020: 'extremely likely' plus 'likely').
* A trust's own survey or complaints by ethnic group: a count table
  ``org_code, period, ethnic_group, measure, numerator, denominator``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matequity.errors import InputFileError
from matequity.experience.table import (
    _first,
    check_allowed,
    check_not_above,
    check_periods,
    check_unique,
    read_table,
)
from matequity.model import ethnicity

CQC_BANDS = (
    "Much better than expected",
    "Better than expected",
    "Somewhat better than expected",
    "About the same",
    "Somewhat worse than expected",
    "Worse than expected",
    "Much worse than expected",
)
FFT_TOUCHPOINTS = ("Antenatal", "Birth", "Postnatal ward", "Postnatal community", "All")
ETHNIC_GROUPS = ethnicity.MSDS_GROUPING.order


def _in_range(df: pd.DataFrame, path: str, col: str, lo: float, hi: float) -> None:
    bad = df[col].notna() & ~df[col].between(lo, hi)
    if bad.any():
        raise InputFileError(
            path, f"row {_first(bad)}, column '{col}': expected a score from {lo:g} to {hi:g}"
        )


def read_cqc_survey(path: str | Path) -> pd.DataFrame:
    p = str(path)
    df = read_table(
        path,
        ("org_code", "period", "question_id"),
        ("score", "expected_lower", "expected_upper"),
        what="CQC survey table",
    )
    for c in ("score", "expected_lower", "expected_upper"):
        _in_range(df, p, c, 0, 10)
    check_not_above(df, p, "expected_lower", "expected_upper")
    check_periods(df, p, "period", monthly=False)
    if "band" in df.columns:
        df["band"] = df["band"].astype(str).str.strip()
        given = df["band"] != ""
        if given.any():
            part = df.loc[given].copy()
            check_allowed(part, p, "band", CQC_BANDS, "CQC band")
            df.loc[given, "band"] = part["band"]
    if "respondents" in df.columns:
        df["respondents"] = pd.to_numeric(df["respondents"], errors="coerce")
    check_unique(df, p, ["org_code", "period", "question_id"])
    return df


def read_cqc_national(path: str | Path) -> pd.DataFrame:
    p = str(path)
    df = read_table(
        path, ("period", "question_id", "ethnic_group"), ("score",), what="CQC national table"
    )
    _in_range(df, p, "score", 0, 10)
    check_allowed(df, p, "ethnic_group", ETHNIC_GROUPS, "ethnic group")
    check_periods(df, p, "period", monthly=False)
    check_unique(df, p, ["period", "question_id", "ethnic_group"])
    return df


def read_fft(path: str | Path) -> pd.DataFrame:
    p = str(path)
    df = read_table(
        path, ("org_code", "period", "touchpoint"), ("positive", "responses"), what="FFT table"
    )
    check_allowed(df, p, "touchpoint", FFT_TOUCHPOINTS, "touchpoint")
    check_periods(df, p, "period", monthly=True)
    check_not_above(df, p, "positive", "responses")
    check_unique(df, p, ["org_code", "period", "touchpoint"])
    return df


def read_family_counts(path: str | Path) -> pd.DataFrame:
    p = str(path)
    df = read_table(
        path,
        ("org_code", "period", "ethnic_group", "measure"),
        ("numerator", "denominator"),
        what="family experience count table",
    )
    check_allowed(df, p, "ethnic_group", ETHNIC_GROUPS, "ethnic group")
    check_periods(df, p, "period", monthly=None)
    check_not_above(df, p, "numerator", "denominator")
    check_unique(df, p, ["org_code", "period", "ethnic_group", "measure"])
    return df
