"""A count table as plain rows: the period labels, the zero rows of categories
nobody fell in, the 'All' margins and the order, in plain Python.

The engine's GROUP BY returns a few thousand groups; laying them out needs no
data-frame library, so ``matequity counts`` imports neither pandas nor Ibis
(about half a second of a one-second command). :func:`matequity.counts.compute.count_table`
gives the same rows as a pandas frame to the analyses.

A row is a tuple in the order of :func:`columns`: ``period``, ``org_level``,
``org_code``, ``org_name``, one column per breakdown, ``measure``,
``numerator``, ``denominator``.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matequity import vocabulary as vocab

#: the columns that identify a row, besides its breakdowns
KEYS = ("period", "org_level", "org_code", "org_name", "measure")
COUNT_COLUMNS = ("measure", "numerator", "denominator")

Row = tuple[Any, ...]


@dataclass(frozen=True, kw_only=True)
class CountRows:
    """A tidy count table: its columns and its rows (plain Python values)."""

    columns: tuple[str, ...]
    rows: list[Row]


def columns(by: Sequence[str]) -> tuple[str, ...]:
    return ("period", "org_level", "org_code", "org_name", *by, *COUNT_COLUMNS)


def period_label(period: str, year: Any = None, quarter: Any = None, month: Any = None) -> str:
    """'2024', '2024 Q1', '2024-01' or 'all', from the period of birth."""
    if period == "all":
        return "all"
    if period == "year":
        return str(int(year))
    if period == "quarter":
        return f"{int(year)} Q{int(quarter)}"
    return f"{int(year)}-{int(month):02d}"


def category_order(breakdown: str) -> list[str]:
    return list(vocab.breakdown(breakdown).order)


def _getter(indices: Sequence[int]):
    """A row's values at ``indices``, as a tuple (of one value for one index)."""
    if len(indices) == 1:
        i = indices[0]
        return lambda r: (r[i],)
    return operator.itemgetter(*indices)


def complete(cols: Sequence[str], rows: list[Row], by: Sequence[str]) -> list[Row]:
    """Every (period, organisation, measure) with a row for every category of
    each breakdown (the vocabulary's, then any other seen, in order of
    appearance), zero counts where nobody fell in it, so that a group with no
    events reads 0 rather than vanishing. A row without a category is dropped."""
    if not by or not rows:
        return rows
    at = {c: i for i, c in enumerate(cols)}
    key_of = _getter([at[k] for k in (*KEYS, *by)])
    base_of = _getter([at[k] for k in KEYS])
    found: dict[tuple, list[Row]] = {}
    for r in rows:
        found.setdefault(key_of(r), []).append(r)
    levels = [
        list(dict.fromkeys([*category_order(b), *(r[at[b]] for r in rows if r[at[b]] is not None)]))
        for b in by
    ]
    # where each column of a missing row comes from: its key, or a zero count
    source = [(*KEYS, *by).index(c) if c in (*KEYS, *by) else None for c in cols]
    out: list[Row] = []
    for base in dict.fromkeys(map(base_of, rows)):
        for combo in itertools.product(*levels):
            key = (*base, *combo)
            matches = found.get(key)
            if matches:
                out.extend(matches)
            else:
                out.append(tuple(0 if j is None else key[j] for j in source))
    return out


def with_totals(cols: Sequence[str], rows: list[Row], by: Sequence[str]) -> list[Row]:
    """``rows`` and their margins: for every non-empty subset of ``by``, rows with
    that subset set to 'All' (sums of counts, so they reconcile by construction),
    each subset's groups in order of first appearance."""
    at = {c: i for i, c in enumerate(cols)}
    num, den = at["numerator"], at["denominator"]
    out = list(rows)
    for r in range(1, len(by) + 1):
        for subset in itertools.combinations(by, r):
            group_of = _getter([at[k] for k in KEYS] + [at[b] for b in by if b not in subset])
            sums: dict[tuple, list] = {}
            for row in rows:
                key = group_of(row)
                s = sums.get(key)
                if s is None:
                    sums[key] = [row, row[num], row[den]]
                else:
                    s[1] += row[num]
                    s[2] += row[den]
            blank = {at[b] for b in subset}
            for first, n, d in sums.values():
                out.append(
                    tuple(
                        n if i == num else d if i == den else vocab.ALL if i in blank else v
                        for i, v in enumerate(first)
                    )
                )
    return out


def ordered(
    cols: Sequence[str], rows: list[Row], by: Sequence[str], measure_order: Sequence[str]
) -> list[Row]:
    """Rows by measure (in ``measure_order``), period, organisation code and each
    breakdown's category order (then 'All'); a stable sort."""
    at = {c: i for i, c in enumerate(cols)}
    m_rank = {m: i for i, m in enumerate(measure_order)}
    ranks = [(at[b], {v: i for i, v in enumerate([*category_order(b), vocab.ALL])}) for b in by]
    m, p, o = at["measure"], at["period"], at["org_code"]

    def key(r: Row) -> tuple:
        return (m_rank.get(r[m], 999), r[p], r[o], *[rank.get(r[i], 998) for i, rank in ranks])

    return sorted(rows, key=key)
