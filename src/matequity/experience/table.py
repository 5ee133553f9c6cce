"""Checks shared by the experience loaders, on top of
:func:`matequity.tablefiles.read_counts` (file, header, numbers, counts >= 0):
required text columns, allowed values, period labels and numerator <= denominator.
Every problem is one line naming the file, the row (1 = the first data row) and
the column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from matequity.errors import InputFileError
from matequity.tablefiles import read_counts

YEAR = re.compile(r"^\d{4}(/\d{2})?$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def read_table(
    path: str | Path,
    text: tuple[str, ...],
    numbers: tuple[str, ...],
    optional_numbers: tuple[str, ...] = (),
    counts: bool = True,
    what: str = "table",
) -> pd.DataFrame:
    """Read ``path``; ``text`` columns must be present and non-blank, ``numbers``
    present and numeric (blank allowed only in ``optional_numbers``)."""
    df = read_counts(path, required=numbers, counts=counts)
    missing = [c for c in text if c not in df.columns]
    if missing:
        raise InputFileError(
            str(path),
            f"required column(s) missing: {', '.join(missing)} "
            f"(a {what} needs {', '.join((*text, *numbers))})",
        )
    for c in text:
        df[c] = df[c].astype(str).str.strip()
        blank = df[c].eq("")
        if blank.any():
            raise InputFileError(str(path), f"row {_first(blank)}, column '{c}': empty")
    for c in numbers:
        if c in optional_numbers:
            continue
        nan = df[c].isna()
        if nan.any():
            raise InputFileError(str(path), f"row {_first(nan)}, column '{c}': expected a number")
    for c in optional_numbers:
        if c in df.columns and not pd.api.types.is_numeric_dtype(df[c]):
            raise InputFileError(str(path), f"column '{c}': expected numbers")
    return df


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.asarray(mask).nonzero()[0][0]) + 1


def check_allowed(
    df: pd.DataFrame, path: str | Path, column: str, allowed: Iterable[str], what: str
) -> None:
    """Every value of ``column`` is one of ``allowed`` (compared case-insensitively;
    the canonical spelling is written back)."""
    canon = {a.lower(): a for a in allowed}
    low = df[column].astype(str).str.strip().str.lower()
    bad = ~low.isin(canon)
    if bad.any():
        row = _first(bad)
        raise InputFileError(
            str(path),
            f"row {row}, column '{column}': unknown {what} "
            f"(expected one of {', '.join(canon.values())})",
        )
    df[column] = low.map(canon)


def check_not_above(df: pd.DataFrame, path: str | Path, part: str, whole: str) -> None:
    """``part`` <= ``whole`` on every row (a percentage needs it)."""
    over = (df[part] > df[whole]).to_numpy()
    if over.any():
        raise InputFileError(
            str(path),
            f"row {_first(over)}, column '{part}': larger than '{whole}' "
            f"(expected {part} <= {whole})",
        )


def check_periods(df: pd.DataFrame, path: str | Path, column: str, monthly: bool | None) -> None:
    """Period labels: 'YYYY' or 'YYYY/YY' (years), 'YYYY-MM' (months), or
    either (``monthly=None``)."""
    s = df[column].astype(str).str.strip()
    if monthly is None:
        bad = ~(s.str.match(YEAR) | s.str.match(MONTH))
        want = "YYYY, YYYY/YY or YYYY-MM"
    else:
        pat, want = (MONTH, "YYYY-MM") if monthly else (YEAR, "YYYY or YYYY/YY")
        bad = ~s.str.match(pat)
    if bad.any():
        raise InputFileError(str(path), f"row {_first(bad)}, column '{column}': expected {want}")


def check_unique(df: pd.DataFrame, path: str | Path, keys: list[str]) -> None:
    dup = df.duplicated(subset=keys, keep="first")
    if dup.any():
        raise InputFileError(
            str(path), f"row {_first(dup)}: repeats an earlier row's {', '.join(keys)}"
        )


def period_time(label: str) -> float:
    """'2023' -> 2023; '2023/24' -> 2023 (the year it starts); '2024-07' -> 2024.5."""
    s = str(label).strip()
    if MONTH.match(s):
        y, m = s.split("-")
        return int(y) + (int(m) - 1) / 12
    return float(s[:4])
