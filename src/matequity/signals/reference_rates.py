"""Reference rates for MOSS's expected counts, in the two ways NHS England's code
has read them (nhsengland/Maternity-MOSS, ``MOSS Calculations.r``):

* **England's rate** (MOSS v1, to February 2026): for event year Y, England's
  events / term births over Y-3..Y-1 (the period label ``"Y-3-Y-1"``, joined on
  the period only), from a monthly table that covers every site;
* **a rate per site** (MOSS since commit 82102b5, "Read in new reference rates by
  site", 27 February 2026): the reference table is joined on the site code *and*
  the period, so each site-year has its own rate. How NHS England derives the
  per-site rates is not published; matequity takes them from the user.

A per-site table has the columns ``site_code, year, ref_rate``: ``year`` is the
event year the rate is used for (``2025``), or MOSS's period label for it
(``2022-2024``, three years ending the year before); ``ref_rate`` is events per
term birth, strictly between 0 and 1. MOSS's own file spells the columns
``Site_Code, Year, Ref_Rate``; column names are matched without regard to case.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matequity.errors import InputFileError, UserError

REFERENCE_YEARS = 3
COLUMNS = ("site_code", "year", "ref_rate")


def england_rates(monthly: pd.DataFrame) -> dict[int, float]:
    """England's rate for each event year Y: events / births over Y-3..Y-1, from
    a monthly table (``_p`` month periods, ``events``, ``births``) covering every
    site (the national picture)."""
    y = monthly["_p"].dt.year
    per_year = monthly.assign(_y=y).groupby("_y")[["events", "births"]].sum()
    rates = {}
    for year in sorted(per_year.index):
        window = [year - i for i in range(1, REFERENCE_YEARS + 1)]
        if all(w in per_year.index for w in window):
            e, b = per_year.loc[window, "events"].sum(), per_year.loc[window, "births"].sum()
            if b > 0:
                rates[year] = e / b
    return rates


def _event_year(text: str) -> int | None:
    """2025 -> 2025; MOSS's period label '2022-2024' -> 2025; else None."""
    t = text.strip()
    if t.isdigit() and len(t) == 4:
        return int(t)
    parts = t.split("-")
    if len(parts) == 2 and all(p.isdigit() and len(p) == 4 for p in parts):
        a, b = int(parts[0]), int(parts[1])
        if b - a == REFERENCE_YEARS - 1:
            return b + 1
    return None


def site_rates(table: pd.DataFrame, source: str = "reference rates") -> pd.DataFrame:
    """Check a per-site table and return ``site_code, year (int), ref_rate``.

    Errors are one line naming ``source``, the row (counting the header as row 1)
    and the column."""
    t = table.copy()
    t.columns = [str(c).strip().lower() for c in t.columns]
    missing = [c for c in COLUMNS if c not in t.columns]
    if missing:
        raise UserError(
            f"{source}: missing column(s) {', '.join(missing)} "
            f"(a reference-rate table needs {', '.join(COLUMNS)})"
        )
    if t.empty:
        raise UserError(f"{source}: no rows (one rate per site and year is needed)")
    out = pd.DataFrame({"site_code": t["site_code"].astype(str).str.strip()})
    years, rates = [], []
    for i, (y, r) in enumerate(zip(t["year"], t["ref_rate"], strict=True)):
        row = i + 2
        year = _event_year(str(y))
        if year is None:
            raise UserError(
                f"{source}: row {row}, column 'year': expected an event year (2025) "
                "or MOSS's three-year period (2022-2024)"
            )
        try:
            rate = float(str(r).strip())
        except ValueError:
            raise UserError(f"{source}: row {row}, column 'ref_rate': expected a number") from None
        if not (0.0 < rate < 1.0):
            raise UserError(
                f"{source}: row {row}, column 'ref_rate': expected a rate per term birth "
                "strictly between 0 and 1"
            )
        years.append(year)
        rates.append(rate)
    out["year"] = years
    out["ref_rate"] = rates
    if (out["site_code"] == "").any():
        row = int((out["site_code"] == "").to_numpy().argmax()) + 2
        raise UserError(f"{source}: row {row}, column 'site_code': empty")
    dup = out.duplicated(["site_code", "year"])
    if dup.any():
        row = int(dup.to_numpy().argmax()) + 2
        raise UserError(f"{source}: row {row}: a second rate for the same site and year")
    return out


def read_site_rates(path: str | Path) -> pd.DataFrame:
    """Read and check a per-site reference-rate CSV (see :func:`site_rates`)."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(str(p), "no such file")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(str(p), "not valid UTF-8 text; save the file as UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            str(p), f"not a CSV table ({str(exc).splitlines()[0][:120]})"
        ) from None
    return site_rates(df, str(p))


def rates_for(
    rates: pd.DataFrame, needed: pd.DataFrame, source: str = "reference rates"
) -> pd.Series:
    """The rate for each (site_code, year) row of ``needed``; every one must be
    in ``rates`` (a one-line error names the first missing and counts the rest)."""
    look = rates.set_index(["site_code", "year"])["ref_rate"]
    keys = pd.MultiIndex.from_arrays(
        [needed["site_code"].astype(str), needed["year"].astype(int)], names=["site_code", "year"]
    )
    got = look.reindex(keys)
    if got.isna().any():
        absent = sorted(set(keys[got.isna().to_numpy()]))
        s, y = absent[0]
        more = f" (and {len(absent) - 1} more site-years)" if len(absent) > 1 else ""
        raise UserError(f"{source}: no reference rate for site {s} in {y}{more}")
    return pd.Series(got.to_numpy(), index=needed.index)
