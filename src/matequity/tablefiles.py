"""Reading and writing count tables as files (CSV, .xlsx), including published aggregates.

A count table has breakdown columns, then ``numerator`` and ``denominator``
(and usually ``measure``). A table of published aggregates in that shape loads
straight in: every statistic in matequity starts from one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matequity.errors import InputFileError

if TYPE_CHECKING:  # imported where a frame is read or written (write_rows needs neither)
    import pandas as pd

NUMERIC = ("numerator", "denominator")


def read_counts(
    path: str | Path, required: tuple[str, ...] = NUMERIC, counts: bool = True
) -> pd.DataFrame:
    """Read and check a table; one-line errors name the file, row or column.
    ``required`` columns must be numbers (counts >= 0 unless ``counts`` is False)."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputFileError(str(p), "no such file")
    if p.stat().st_size == 0:
        raise InputFileError(str(p), "the file is empty; expected a count table with a header")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(str(p), "not valid UTF-8 text; save the file as UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            str(p), f"not a CSV table ({str(exc).splitlines()[0][:120]})"
        ) from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputFileError(
            str(p),
            f"required column(s) missing: {', '.join(missing)} "
            f"(a count table needs {', '.join(required)})",
        )
    for col in required:
        raw = df[col].str.strip()
        num = pd.to_numeric(raw.replace("", None), errors="coerce")
        bad = raw.ne("") & num.isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise InputFileError(str(p), f"row {row}, column '{col}': expected a number")
        if counts and (num < 0).any():
            row = int((num < 0).to_numpy().nonzero()[0][0]) + 1
            raise InputFileError(str(p), f"row {row}, column '{col}': expected a count >= 0")
        df[col] = num
    return df


#: leaders a spreadsheet reads as a formula (OWASP "CSV Injection": =, +, -, @,
#: and Tab and CR, which some spreadsheets strip before reading the rest)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells (and column names) beginning with =, +, -, @, Tab or CR get a leading
    apostrophe, so that a spreadsheet opening the file never runs them as
    formulas (CSV injection; OWASP "CSV Injection")."""
    import pandas as pd

    out = df.copy()
    out.columns = _neutralised(pd.Series([str(c) for c in out.columns], dtype=object)).tolist()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = _neutralised(out[c])
    return out


def _neutralised(s: pd.Series) -> pd.Series:
    """A leading apostrophe on every text cell that begins with one of
    :data:`FORMULA_STARTS`, tested on the whole column at once (a cell at a
    time costs seconds for a table of a million cells)."""

    try:
        risky = s.str.startswith(FORMULA_STARTS)  # missing where a cell is not text
    except AttributeError:  # a column with no text at all
        return s
    risky = risky.to_numpy(dtype=bool, na_value=False)
    if not risky.any():
        return s
    out = s.copy()
    out[risky] = "'" + s[risky]
    return out


#: count columns written as whole numbers when every value is whole
WHOLE_COLUMNS = ("numerator", "denominator", "observed", "events", "births")


def whole_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Count columns held as floats (a withheld count is NaN) written as whole
    numbers with blanks: 185, not 185.0."""
    import pandas as pd

    out = df
    for c in WHOLE_COLUMNS:
        if c in df.columns and pd.api.types.is_float_dtype(df[c]):
            v = df[c].to_numpy(dtype=float)
            finite = v[~pd.isna(v)]
            if (finite == finite.round()).all() and (abs(finite) < 2**53).all():
                out = out if out is not df else df.copy()
                out[c] = df[c].astype("Int64")
    return out


def write_counts(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV, or as an Excel workbook when ``path`` ends .xlsx;
    either way formula-like text is neutralised and whole counts are written
    as whole numbers."""

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    df = whole_counts(df)
    if p.suffix.lower() == ".xlsx":
        neutralise(df).to_excel(p, index=False, engine="openpyxl")
    else:
        repeated_floats_as_text(neutralise(df)).to_csv(p, index=False)
    return p


def repeated_floats_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each float column that repeats its values (at least half the
    rows repeat another's) as the text pandas writes for it.

    pandas writes a float column as NumPy's text of each value
    (``astype(str)``), about two seconds a million values. A column with few
    distinct values (MOSS's expected events: one value per site-month,
    repeated every day) is formatted here a distinct value at a time with the
    same ``astype(str)``, so the file is the same; missing values stay
    missing. Values are told apart by their bits (0.0 and -0.0 are written
    differently). Other columns are left to pandas."""
    import numpy as np
    import pandas as pd

    out = df
    for i, (c, dtype) in enumerate(df.dtypes.items()):
        if dtype != np.float64:
            continue
        v = np.ascontiguousarray(df.iloc[:, i].to_numpy())
        bits, where = np.unique(v.view(np.int64), return_inverse=True)
        if 2 * len(bits) > len(v):
            continue
        text = bits.view(np.float64).astype(str).astype(object)[where.reshape(-1)]
        text[np.isnan(v)] = None
        out = out if out is not df else df.copy()
        out.isetitem(i, pd.Series(text, index=df.index, name=c, dtype=object))
    return out


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], path: str | Path) -> Path:
    """:func:`write_counts` for a table of plain Python rows (whole numbers as
    ``int``, missing values as None): the same bytes for CSV (pandas writes
    through the same :mod:`csv` dialect), written without pandas; .xlsx
    through :func:`write_counts`."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        import pandas as pd

        return write_counts(pd.DataFrame(list(rows), columns=list(columns)), p)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow([_neutral(str(c)) for c in columns])
        out.writerows(
            [_neutral(v) if v.__class__ is str and v.startswith(FORMULA_STARTS) else v for v in r]
            for r in rows
        )
    return p


def _neutral(text: str) -> str:
    """Text as :func:`neutralise` leaves it: with a leading apostrophe where it
    begins with one of :data:`FORMULA_STARTS`."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
