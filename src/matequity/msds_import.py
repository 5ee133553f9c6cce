"""Import NHS England's Maternity Services Monthly Statistics long CSV.

The published "measures" file is long: ``ReportingPeriodStartDate``,
``ReportingPeriodEndDate``, ``Dimension``, ``Org_Level``, ``Org_Code``,
``Org_Name``, ``Measure``, ``Count_Of``, ``Final_value`` (NHS England,
Maternity Services Monthly Statistics; layout as consumed by
nhsengland/msds-monthly-to-cml). For one ``Dimension`` (for example
``EthnicCategoryMotherGroup``) each ``Measure`` is a category and
``Final_value`` its (rounded) count. The importer turns that into a count
table: the category count is the numerator and the sum over the dimension's
categories for the same period and organisation is the denominator, so that
the share of, say, babies born to Black mothers gets an interval like any
other proportion. Values are already rounded and suppressed by NHS England;
the denominators are therefore sums of rounded counts, which the output says.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matequity.errors import InputFileError

MSDS_COLUMNS = (
    "ReportingPeriodStartDate",
    "ReportingPeriodEndDate",
    "Dimension",
    "Org_Level",
    "Org_Code",
    "Org_Name",
    "Measure",
    "Count_Of",
    "Final_value",
)
SUPPRESSED_MARKS = ("*", ":", "-", "z", "", "Suppressed")


def import_msds(path: str | Path, dimension: str, count_of: str | None = None) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise InputFileError(str(p), "no such file")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise InputFileError(str(p), "not a UTF-8 CSV table") from None
    missing = [c for c in MSDS_COLUMNS if c not in df.columns and c != "Count_Of"]
    if missing:
        raise InputFileError(
            str(p), f"not an MSDS monthly statistics file: missing {', '.join(missing)}"
        )
    part = df[df["Dimension"] == dimension].copy()
    if part.empty:
        dims = ", ".join(sorted(df["Dimension"].unique())[:12])
        raise InputFileError(str(p), f"no rows for Dimension '{dimension}' (found: {dims})")
    if count_of and "Count_Of" in part:
        part = part[part["Count_Of"] == count_of]
    val = part["Final_value"].str.strip()
    suppressed = val.isin(SUPPRESSED_MARKS)
    num = pd.to_numeric(val.where(~suppressed), errors="coerce")
    bad = ~suppressed & num.isna()
    if bad.any():
        raise InputFileError(
            str(p), f"Final_value is not a number on {int(bad.sum())} row(s) of '{dimension}'"
        )
    part["numerator"] = num
    keys = ["ReportingPeriodStartDate", "Org_Level", "Org_Code"]
    part["denominator"] = part.groupby(keys)["numerator"].transform("sum")
    out = pd.DataFrame(
        {
            "period": part["ReportingPeriodStartDate"].str.slice(0, 7),
            "org_level": part["Org_Level"],
            "org_code": part["Org_Code"],
            "org_name": part["Org_Name"],
            dimension: part["Measure"],
            "measure": f"share_by_{dimension}",
            "numerator": part["numerator"],
            "denominator": part["denominator"],
            "suppressed": suppressed.to_numpy(),
            "source": "NHS England Maternity Services Monthly Statistics (rounded, suppressed)",
        }
    )
    return out.reset_index(drop=True)
