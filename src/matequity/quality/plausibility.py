"""Plausibility checks: values that pass validation but are unlikely to be true.

Each check counts records per site of birth and month (or year), in the engine:

* ``birthweight_for_gestation``: |z| > 4 for birthweight given sex and completed
  week of gestation (a common data-quality convention; the reference is named in
  the ``detail`` column, see :mod:`matequity.quality.birthweight_reference`);
* ``stillbirth_under_24_weeks``: coded as a stillbirth (MSDS PregOutcome 02-04)
  at under 24+0 weeks, which MBRRACE-UK classes as a late fetal loss or earlier;
* ``death_before_birth``: death date before birth date (such rows are
  quarantined at ingest; counted here by their raw site and month);
* ``same_baby_two_sites``: one baby_id submitted by two or more sites (NHS
  Digital's birth-site guidance: births reported by both the birthing and a
  receiving trust), among accepted and quarantined rows;
* ``births_below_previous_year``: a site's births in a calendar year below
  :data:`LOW_YEAR_SHARE` of its previous year (a sign of missing submissions;
  threshold after the MSDS coverage check of 70% of HES deliveries) and by more
  than chance (one-sided Poisson probability under :data:`LOW_YEAR_P`, so that
  small units are not flagged for noise). Only whole years in the data are
  compared.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity.engine import derive
from matequity.engine.base import Engine
from matequity.ingest import parse
from matequity.model.definitions import DEFINITIONS
from matequity.quality import birthweight_reference as bwref
from matequity.stats.distributions import poisson_cdf

Z_LIMIT = 4.0
LOW_YEAR_SHARE = 0.7
#: and the drop must be more than chance: P(X <= births | Poisson(previous)) below this
LOW_YEAR_P = 0.001
COLUMNS = ("check", "site_code", "period", "flagged", "of", "detail")


def _per_site_month(t: ir.Table, flag: ir.BooleanValue, date: ir.DateValue) -> ir.Table:
    t = t.mutate(
        _flag=flag.fill_null(False).cast("int64"), _month=derive.period_label(date, "month")
    )
    return t.group_by(site_code=t.site_code, period=t._month).aggregate(
        flagged=t._flag.sum(), of=t._flag.count()
    )


def _frame(df: pd.DataFrame, check: str, detail: str) -> pd.DataFrame:
    df = df[df["flagged"] > 0].copy()
    df.insert(0, "check", check)
    df["detail"] = detail
    df["flagged"] = df["flagged"].astype("int64")
    df["of"] = df["of"].astype("Int64")
    return df[list(COLUMNS)]


def birthweight_for_gestation(engine: Engine, reference: bwref.LmsReference | None) -> pd.DataFrame:
    b = engine.table("babies")
    weighed = b.filter(
        b.birthweight_g.notnull()
        & (b.birthweight_g != DEFINITIONS.birthweight_not_known)
        & b.gestation_days.notnull()
        & b.sex.isin(["male", "female"])
    ).select("site_code", "birth_date", "birthweight_g", "sex", week=(b.gestation_days // 7))
    scored, name = bwref.with_z(weighed, reference)
    scored = scored.filter(scored.z.notnull())
    agg = _per_site_month(scored, scored.z.abs() > Z_LIMIT, scored.birth_date)
    return _frame(engine.execute(agg), "birthweight_for_gestation", f"|z| > {Z_LIMIT:g}; {name}")


def stillbirth_under_24_weeks(engine: Engine) -> pd.DataFrame:
    b = engine.table("babies")
    flag = (
        (b.outcome == "still")
        & ~b.termination.fill_null(False)
        & (b.gestation_days < DEFINITIONS.stillbirth_min_days)
    )
    agg = _per_site_month(b, flag, b.birth_date)
    return _frame(
        engine.execute(agg),
        "stillbirth_under_24_weeks",
        "outcome stillbirth at under 24+0 weeks (a late fetal loss or earlier under MBRRACE-UK)",
    )


def _raw_rows(q: ir.Table) -> ir.Table:
    return q.select(
        baby_id=parse.clean(q.raw_baby_id),
        site_code=parse.clean(q.raw_site_code),
        birth_date=parse.parse_date(parse.clean(q.raw_birth_date)),
        reasons=q.reasons,
    )


def death_before_birth(engine: Engine) -> pd.DataFrame:
    q = _raw_rows(engine.table("quarantine"))
    q = q.filter(q.reasons.contains("death_before_birth"))
    agg = q.group_by(site_code=q.site_code, period=derive.period_label(q.birth_date, "month"))
    df = engine.execute(agg.aggregate(flagged=q.count()))
    df["of"] = pd.NA
    return _frame(df, "death_before_birth", "death date before birth date (quarantined)")


def same_baby_two_sites(engine: Engine) -> pd.DataFrame:
    b = engine.table("babies").select("baby_id", "site_code", "birth_date")
    q = _raw_rows(engine.table("quarantine")).drop("reasons")
    rows = b.union(q).filter(ibis._.baby_id.notnull() & ibis._.site_code.notnull())
    sites = rows.group_by("baby_id").aggregate(_sites=rows.site_code.nunique())
    dup = rows.join(sites.filter(sites._sites > 1), "baby_id")
    dup = dup.mutate(period=derive.period_label(dup.birth_date, "month"))
    agg = dup.group_by("site_code", "period").aggregate(flagged=dup.baby_id.nunique())
    df = engine.execute(agg)
    df["of"] = pd.NA
    return _frame(df, "same_baby_two_sites", "baby_id also submitted by another site")


def births_below_previous_year(engine: Engine) -> pd.DataFrame:
    b = engine.table("babies")
    per_year = engine.execute(
        b.group_by(site_code=b.site_code, year=b.birth_date.year()).aggregate(births=b.count())
    )
    span = engine.execute(b.aggregate(first=b.birth_date.min(), last=b.birth_date.max()))
    first, last = pd.Timestamp(span["first"].iloc[0]), pd.Timestamp(span["last"].iloc[0])
    first_whole = first.year if (first.month, first.day) == (1, 1) else first.year + 1
    last_whole = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    whole = set(range(first_whole, last_whole + 1))
    counts = per_year[per_year["year"].isin(whole)]
    grid = counts.pivot_table(index="site_code", columns="year", values="births", fill_value=0)
    rows = []
    for year in sorted(whole):
        if year - 1 not in grid.columns or year not in grid.columns:
            continue
        prev, now = grid[year - 1], grid[year]
        chance = pd.Series(poisson_cdf(now, prev), index=grid.index)
        low = (prev > 0) & (now < LOW_YEAR_SHARE * prev) & (chance < LOW_YEAR_P)
        for site in grid.index[low]:
            rows.append(
                {
                    "site_code": site,
                    "period": str(year),
                    "flagged": int(now[site]),
                    "of": int(prev[site]),
                    "detail": f"births {100 * now[site] / prev[site]:.0f}% of {year - 1} "
                    f"(threshold {100 * LOW_YEAR_SHARE:.0f}%, Poisson p < {LOW_YEAR_P:g})",
                }
            )
    df = pd.DataFrame(rows, columns=["site_code", "period", "flagged", "of", "detail"])
    df.insert(0, "check", "births_below_previous_year")
    return df[list(COLUMNS)]


def plausibility(engine: Engine, reference: bwref.LmsReference | None = None) -> pd.DataFrame:
    """All checks, one row per check x site x period with something flagged."""
    parts = [
        birthweight_for_gestation(engine, reference),
        stillbirth_under_24_weeks(engine),
        death_before_birth(engine),
        same_baby_two_sites(engine),
        births_below_previous_year(engine),
    ]
    found = [p for p in parts if len(p)]
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(COLUMNS))
    return out.sort_values(["check", "site_code", "period"], na_position="last").reset_index(
        drop=True
    )
