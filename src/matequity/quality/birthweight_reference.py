"""Birthweight-for-gestation z-scores, as Ibis expressions.

Two references:

* an **LMS table** (Cole & Green 1992, Stat Med 11:1305): for each sex and
  completed week of gestation the Box-Cox power L, median M (grams) and
  coefficient of variation S; z = ((x/M)^L - 1)/(L S), or ln(x/M)/S when L = 0.
  The UK reference is the British 1990 birthweight-for-gestation reference
  (Cole, Freeman & Preece 1998; refitted for preterm births by Cole et al. 2011),
  which the MRC licenses: matequity does not ship it. An analyst who holds it
  passes it as a CSV (``sex, gestation_weeks, l, m, s``; sex ``male``/``female``).
* by default an **internal robust reference**: for each sex and completed week,
  the median and the median absolute deviation (x 1.4826, the normal-consistency
  constant; Hampel 1974) of log birthweight among the babies in the store;
  z = (ln x - median) / (1.4826 MAD). Cells with fewer than
  :data:`MIN_CELL` babies are not scored. It finds values inconsistent with the
  rest of the data, which is what a data-quality check needs, but it is not a
  growth standard, and every output names which reference was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity.errors import InputFileError

MIN_CELL = 50
MAD_TO_SD = 1.4826
LMS_COLUMNS = ("sex", "gestation_weeks", "l", "m", "s")
INTERNAL_NAME = (
    "internal robust reference: median and MAD of log birthweight by sex and "
    "completed week in these data"
)


@dataclass(frozen=True)
class LmsReference:
    name: str
    table: pd.DataFrame


def read_lms(path: Path) -> LmsReference:
    """An LMS table from CSV; a one-line error names the problem."""
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise InputFileError(path, f"cannot be read as CSV ({e.__class__.__name__})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in LMS_COLUMNS if c not in df.columns]
    if missing:
        raise InputFileError(
            path, f"missing column(s) {', '.join(missing)}; expected {LMS_COLUMNS}"
        )
    df = df[list(LMS_COLUMNS)].copy()
    df["sex"] = df["sex"].astype(str).str.strip().str.lower()
    bad_sex = ~df["sex"].isin(["male", "female"])
    if bad_sex.any():
        row = int(bad_sex.idxmax()) + 2
        raise InputFileError(path, f"row {row}: sex must be male or female")
    for c in ("gestation_weeks", "l", "m", "s"):
        num = pd.to_numeric(df[c], errors="coerce")
        if num.isna().any():
            row = int(num.isna().idxmax()) + 2
            raise InputFileError(path, f"row {row}: column {c} must be a number")
        df[c] = num
    if (df["m"] <= 0).any() or (df["s"] <= 0).any():
        raise InputFileError(path, "M and S must be positive")
    df["gestation_weeks"] = df["gestation_weeks"].astype("int64")
    return LmsReference(f"LMS table {path.name}", df.reset_index(drop=True))


def lms_z(x: ir.NumericValue, lms_l, lms_m, lms_s) -> ir.FloatingValue:
    """Cole's LMS z-score of ``x`` (same units as M)."""
    ratio = x.cast("float64") / lms_m
    return ibis.cases(
        (lms_l == 0, ratio.ln() / lms_s),
        else_=((ratio**lms_l) - 1) / (lms_l * lms_s),
    )


def with_z(weighed: ir.Table, reference: LmsReference | None) -> tuple[ir.Table, str]:
    """``weighed`` (sex, week, birthweight_g) with a ``z`` column, and the
    reference's name. Rows that cannot be scored get z NULL."""
    if reference is not None:
        ref = ibis.memtable(reference.table).rename(
            _sex="sex", _week="gestation_weeks", _l="l", _m="m", _s="s"
        )
        j = weighed.left_join(ref, (weighed.sex == ref._sex) & (weighed.week == ref._week))
        return j.mutate(z=lms_z(j.birthweight_g, j._l, j._m, j._s)).drop(
            "_sex", "_week", "_l", "_m", "_s"
        ), reference.name
    w = weighed.mutate(_lx=weighed.birthweight_g.cast("float64").ln())
    centre = w.group_by("sex", "week").aggregate(_med=w._lx.median(), _n=w._lx.count())
    w = w.join(centre, ["sex", "week"])
    w = w.mutate(_dev=(w._lx - w._med).abs())
    spread = w.group_by("sex", "week").aggregate(_mad=w._dev.median())
    w = w.join(spread, ["sex", "week"])
    scored = (w._n >= MIN_CELL) & (w._mad > 0)
    z = ibis.cases((scored, (w._lx - w._med) / (MAD_TO_SD * w._mad)), else_=ibis.null("float64"))
    return w.mutate(z=z).drop("_lx", "_med", "_n", "_dev", "_mad"), INTERNAL_NAME
