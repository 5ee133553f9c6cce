"""How well each signal method finds real deterioration, on a synthetic England
with injected episodes (``matequity signals evaluate``).

The synthetic England (:mod:`matequity.synth`) injects episodes of deteriorating
intrapartum care: for months at one site the odds of a term stillbirth or term
neonatal death are multiplied by 1.5, 2 or 3. Each method runs on the store as
it would on real data and is scored against that ground truth:

* **false signals per site-year**: signal months outside any episode and its
  12-month aftermath (a CUSUM carries an episode's evidence for a while),
  divided by the site-years so observed;
* **probability of detection** of an episode: a signal in a month from the
  episode's first to its last month; **months to detection**: from the
  episode's first month to the first such signal (1 = the first month).

By site size band (term births a year). Methods: MOSS level 1 and level 2 and
the risk-adjusted Bernoulli CUSUM (:mod:`matequity.signals.bernoulli`) at the
same two levels.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from matequity import engine as engines
from matequity.ingest.load import ingest
from matequity.signals import bernoulli
from matequity.signals.from_store import monthly_events
from matequity.signals.moss import REFERENCE_YEARS, moss
from matequity.synth import write as synth_write
from matequity.synth.generate import generate

AFTERMATH_MONTHS = 12
BANDS = ((0, 2000, "<2,000"), (2000, 4000, "2,000-3,999"), (4000, 6000, "4,000-5,999"),
         (6000, 10**9, "6,000+"))  # fmt: skip
COLUMNS = ("method", "level", "size_band", "odds_ratio", "n", "signals", "rate", "median_months")


def _band(births_per_year: float) -> str:
    return next(label for lo, hi, label in BANDS if lo <= births_per_year < hi)


def score(
    charts: dict[str, pd.DataFrame], episodes: pd.DataFrame, births: pd.DataFrame
) -> pd.DataFrame:
    """charts: method -> site_code, month, level; births: site_code, month, births."""
    rows = []
    ep = episodes.copy()
    ep["p0"] = pd.to_datetime(ep["start"]).dt.to_period("M")
    ep["p1"] = pd.to_datetime(ep["end"]).dt.to_period("M")
    for method, ch in charts.items():
        c = ch[["site_code", "month", "level"]].copy()
        c = c[c["level"].notna()]
        c["p"] = pd.PeriodIndex(c["month"], freq="M")
        window = (c["p"].min(), c["p"].max())
        years = (window[1] - window[0]).n / 12 + 1 / 12
        b = births[pd.PeriodIndex(births["month"], freq="M") >= window[0]]
        size = b.groupby("site_code")["births"].sum() / years
        c["band"] = c["site_code"].map(size).fillna(0).map(_band)
        affected = np.zeros(len(c), dtype=bool)
        for e in ep.itertuples():
            affected |= (
                (c["site_code"] == e.site_code)
                & (c["p"] >= e.p0)
                & (c["p"] <= e.p1 + AFTERMATH_MONTHS)
            ).to_numpy()
        clean = c[~affected]
        e_in = ep[(ep["p0"] >= window[0]) & (ep["p1"] <= window[1])]
        for level in (1, 2):
            for band, part in clean.groupby("band"):
                site_years = len(part) / 12
                n_sig = int((part["level"] >= level).sum())
                rows.append(
                    (
                        method,
                        level,
                        band,
                        "none",
                        round(site_years, 1),
                        n_sig,
                        n_sig / site_years if site_years else np.nan,
                        np.nan,
                    )
                )
            for (band, orr), grp in e_in.assign(
                band=e_in["site_code"].map(size).fillna(0).map(_band)
            ).groupby(["band", "odds_ratio"]):
                months = []
                for e in grp.itertuples():
                    s = c[
                        (c["site_code"] == e.site_code)
                        & (c["p"] >= e.p0)
                        & (c["p"] <= e.p1)
                        & (c["level"] >= level)
                    ]
                    if len(s):
                        months.append((s["p"].min() - e.p0).n + 1)
                rows.append(
                    (
                        method,
                        level,
                        band,
                        str(orr),
                        len(grp),
                        len(months),
                        len(months) / len(grp),
                        float(np.median(months)) if months else np.nan,
                    )
                )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def evaluate(
    years: range = range(2018, 2025),
    seed: int = 11,
    scale: float = 1.0,
    episodes_per_year: float = 30.0,
    step: Callable[[str], None] = lambda _m: None,
) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        step(f"generating a synthetic England {years.start}-{years.stop - 1} with episodes")
        res = generate(
            years, seed=seed, scale=scale, episodes_per_year=episodes_per_year, defects=False
        )
        paths = synth_write.write(res, folder / "data", years, seed, scale)
        step("ingesting")
        ingest(folder / "s.duckdb", [paths["organisations"], paths["imd_lookup"], paths["births"]])
        engine = engines.open("duckdb", folder / "s.duckdb")
        step("MOSS")
        monthly = monthly_events(engine)
        charts = {"moss": moss(monthly)}
        step("risk-adjusted Bernoulli CUSUM")
        ref = (years.start, years.start + REFERENCE_YEARS - 1)
        rates = bernoulli.case_mix_rates(engine, ref)
        daily = bernoulli.daily_weights(engine, rates, 2.0)
        daily = daily[daily["date"].dt.year > ref[1]]
        charts["bernoulli_risk_adjusted"] = bernoulli.chart(daily, 2.0)
        engine.close()
    step("scoring against the injected episodes")
    return score(charts, res.episodes, monthly)
