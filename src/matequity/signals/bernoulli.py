"""A risk-adjusted Bernoulli CUSUM of MOSS events (matequity's own method, not
part of MOSS).

Steiner, Cook, Farewell & Treasure (2000), Biostatistics 1:441: for a birth with
expected risk p (from a case-mix model) and outcome y, the log-likelihood-ratio
weight for an odds ratio R is

    W = y ln R - ln(1 - p + R p),

and S_t = max(0, S_{t-1} + W_t) signals at S >= h. Here the weights are summed
per site and day **in the engine** (record-level work stays there) and the chart
moves day by day. After a level-2 signal it restarts from zero, as MOSS.

Case-mix model: the expected risk of a term birth is the national rate of MOSS
events in its cell of ethnic group x IMD quintile x maternal age band x
singleton/multiple over the reference years, shrunk towards the overall rate
with the weight of :data:`PRIOR_BIRTHS` births (indirect standardisation by
cells; covariates that are not recorded form their own "not known" cells).

Thresholds: for small p the daily sum of W is ln R times a Poisson CUSUM
increment with reference value k = mu0 (R - 1)/ln R, which is MOSS's k for
R = 2. The decision intervals are therefore ln R x MOSS's h1 and h2 for the
site-year's expected monthly count (Sigma p per month), so that the in-control
behaviour is comparable with MOSS; ``matequity signals evaluate`` measures the
real false-signal rate.
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd

from matequity.engine.base import Engine
from matequity.signals.thresholds import moss_thresholds

PRIOR_BIRTHS = 2000.0
CELLS = ("ethnic_group", "imd_quintile", "age_band", "multiple")


def _babies(engine: Engine):
    b = engine.table("babies_derived")
    b = b.filter(b.term_birth == 1)
    return b.mutate(multiple=(b.babies_in_delivery.fill_null(1) > 1).cast("int64"))


def case_mix_rates(engine: Engine, years: tuple[int, int]) -> pd.DataFrame:
    """Cell rates over the reference years (inclusive)."""
    b = _babies(engine)
    b = b.filter(b.birth_date.year().between(*years))
    cells = engine.execute(
        b.group_by(list(CELLS)).aggregate(events=b.moss_event.sum(), births=b.count())
    )
    overall = cells["events"].sum() / max(cells["births"].sum(), 1)
    cells["risk"] = (cells["events"] + PRIOR_BIRTHS * overall) / (cells["births"] + PRIOR_BIRTHS)
    cells.attrs["overall"] = overall
    return cells


def daily_weights(engine: Engine, rates: pd.DataFrame, odds_ratio: float) -> pd.DataFrame:
    """site_code, date, events, expected (Sigma p), penalty (Sigma ln(1 - p + R p))."""
    b = _babies(engine)
    look = ibis.memtable(rates[[*CELLS, "risk"]])
    j = b.left_join(look, [b[c] == look[c] for c in CELLS])
    p = j.risk.fill_null(float(rates.attrs.get("overall", rates["risk"].mean())))
    j = j.mutate(_p=p, _pen=(1 - p + odds_ratio * p).ln())
    agg = j.group_by(site_code=j.site_code, date=j.birth_date).aggregate(
        events=j.moss_event.sum(), expected=j._p.sum(), penalty=j._pen.sum()
    )
    df = engine.execute(agg)
    df["date"] = pd.to_datetime(df["date"])
    return df.sort_values(["site_code", "date"]).reset_index(drop=True)


def chart(daily: pd.DataFrame, odds_ratio: float = 2.0) -> pd.DataFrame:
    """Per site and month: events, expected, cusum at month end, highest level."""
    lnr = math.log(odds_ratio)
    d = daily.copy()
    d["month"] = d["date"].dt.to_period("M").astype(str)
    d["year"] = d["date"].dt.year
    monthly_exp = d.groupby(["site_code", "year"])["expected"].sum() / 12.0
    out = []
    for site, part in d.groupby("site_code", sort=True):
        part = part.sort_values("date")
        s, levels, sums = 0.0, [], []
        restart = False
        for r in part.itertuples():
            mu = monthly_exp.get((site, r.year), np.nan)
            if not (np.isfinite(mu) and round(mu, 2) > 0):
                levels.append(0)
                sums.append(np.nan)
                continue
            th = moss_thresholds(float(mu), odds_ratio)
            w = r.events * lnr - r.penalty
            s = max(0.0, (0.0 if restart else s) + w)
            lv = 2 if s >= lnr * th.h2 else (1 if r.events > 0 and s >= lnr * th.h1 else 0)
            restart = lv == 2
            levels.append(lv)
            sums.append(s)
        part = part.assign(level=levels, cusum=sums)
        m = part.groupby("month").agg(
            events=("events", "sum"),
            expected=("expected", "sum"),
            cusum=("cusum", "last"),
            level=("level", "max"),
        )
        m.insert(0, "site_code", site)
        out.append(m.reset_index())
    return pd.concat(out, ignore_index=True)
