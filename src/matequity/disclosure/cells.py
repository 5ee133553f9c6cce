"""Cells across a set of published tables: one identity per (measure, period,
organisation, breakdown categories), whichever table shows it. A table without
a breakdown column shows that breakdown's 'All' (an LMNS's total in a funnel
table is the 'All' row of its table by ethnic group)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matequity.counts.compute import ALL
from matequity.disclosure.spec import KEY_COLUMNS

_FORMULA = ("=", "+", "-", "@")


def normalise(value: object) -> str:
    """A key value as text: integral floats without '.0', a CSV-neutralising
    apostrophe dropped, blanks and missing values as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    s = str(value).strip()
    if len(s) > 1 and s[0] == "'" and s[1] in _FORMULA:
        s = s[1:]
    return s


@dataclass
class Cells:
    """The cells of ``tables`` (name -> (frame, identity columns))."""

    schema: tuple[str, ...]
    breakdowns: tuple[str, ...]
    keys: list[tuple[str, ...]] = field(default_factory=list)
    ids: dict[tuple[str, ...], int] = field(default_factory=dict)
    implicit: list[bool] = field(default_factory=list)
    #: table name -> the cell of each row
    rows: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, tables: Sequence[tuple[str, pd.DataFrame, Sequence[str]]]) -> Cells:
        seen: list[str] = []
        for _name, _frame, identity in tables:
            for c in identity:
                if c not in KEY_COLUMNS and c not in seen:
                    seen.append(c)
        present = [k for k in KEY_COLUMNS if any(k in ident for _n, _f, ident in tables)]
        cells = cls(tuple(present + seen), tuple(seen))
        for name, frame, identity in tables:
            cols = []
            for c in cells.schema:
                if c in identity:
                    cols.append([normalise(v) for v in frame[c].tolist()])
                else:
                    cols.append([ALL if c in cells.breakdowns else ""] * len(frame))
            ids = [cells.add(tuple(k)) for k in zip(*cols, strict=True)] if cols else []
            cells.rows[name] = np.asarray(ids, dtype=int)
        return cells

    def add(self, key: tuple[str, ...], implicit: bool = False) -> int:
        got = self.ids.get(key)
        if got is not None:
            return got
        self.ids[key] = len(self.keys)
        self.keys.append(key)
        self.implicit.append(implicit)
        return len(self.keys) - 1

    def __len__(self) -> int:
        return len(self.keys)

    def position(self, column: str) -> int | None:
        return self.schema.index(column) if column in self.schema else None

    def describe(self, cid: int) -> str:
        """The cell's identity as text (its keys that say something)."""
        key = self.keys[cid]
        parts = [f"{c}={v}" for c, v in zip(self.schema, key, strict=True) if v not in ("",)]
        return ", ".join(parts)
