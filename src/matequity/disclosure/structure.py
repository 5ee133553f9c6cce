"""The sums that tie published cells together, as an attacker knows them:

* margins: an 'All' cell is the sum of its breakdown's categories;
* organisation levels: a parent's cell is the sum of its children's (from the
  organisations table; England is the sum of every organisation of a level);
* periods: a year is the sum of its quarters or months, '2022-2024' of its
  years, 'all' of the years.

Children implied but not published (a trust of the LMNS that is not in the
tables, a year inside a published range) are added as unpublished cells: they
are unknowns too, and must not be recoverable either.
"""

from __future__ import annotations

from dataclasses import dataclass

from matequity.counts.compute import ALL
from matequity.disclosure import periods
from matequity.disclosure.cells import Cells
from matequity.disclosure.hierarchy import ORDER, Hierarchy


@dataclass(frozen=True)
class Equation:
    parent: int
    children: tuple[int, ...]
    #: 'margin', 'level' or 'period'
    kind: str


def equations(cells: Cells, hierarchy: Hierarchy) -> list[Equation]:
    """Every sum among ``cells`` (unpublished children are added to ``cells``).
    Levels and periods run twice so that an unpublished trust in an unpublished
    year is tied both ways; margins come last, over every cell."""
    found: dict[tuple[int, str, tuple[int, ...]], Equation] = {}
    for _ in range(2):
        for eq in (*_levels(cells, hierarchy), *_periods(cells)):
            found.setdefault((eq.parent, eq.kind, eq.children), eq)
    for eq in _margins(cells):
        found.setdefault((eq.parent, eq.kind, eq.children), eq)
    return list(found.values())


def _without(key: tuple[str, ...], *positions: int) -> tuple[str, ...]:
    return tuple(v for i, v in enumerate(key) if i not in positions)


def _margins(cells: Cells) -> list[Equation]:
    out = []
    for b in cells.breakdowns:
        j = cells.position(b)
        assert j is not None
        parts: dict[tuple[str, ...], list[int]] = {}
        for cid, key in enumerate(cells.keys):
            if key[j] != ALL:
                parts.setdefault(_without(key, j), []).append(cid)
        for cid, key in enumerate(list(cells.keys)):
            if key[j] == ALL and (kids := parts.get(_without(key, j))):
                out.append(Equation(cid, tuple(kids), "margin"))
    return out


def _levels(cells: Cells, hierarchy: Hierarchy) -> list[Equation]:
    jl, jc = cells.position("org_level"), cells.position("org_code")
    if jl is None or jc is None:
        return []
    groups: dict[tuple[str, ...], dict[str, dict[str, int]]] = {}
    for cid, key in enumerate(list(cells.keys)):
        if key[jl] in ORDER:
            groups.setdefault(_without(key, jl, jc), {}).setdefault(key[jl], {})[key[jc]] = cid
    out = []
    for by_level in groups.values():
        present = [lv for lv in ORDER if lv in by_level]
        for i, parent_level in enumerate(present[1:], start=1):
            child_level = present[i - 1]
            kids_here = by_level[child_level]
            for code, pid in by_level[parent_level].items():
                members = hierarchy.children(parent_level, code, child_level)
                if members is None:
                    if parent_level != "england":
                        continue
                    members = frozenset(kids_here)
                elif parent_level == "england":
                    # organisations outside the table (a 'Not known' trust) count too
                    members = members | frozenset(kids_here)
                kids = []
                template = list(cells.keys[pid])
                for m in sorted(members):
                    if m in kids_here:
                        kids.append(kids_here[m])
                    else:
                        key = list(template)
                        key[jl], key[jc] = child_level, m
                        kids.append(cells.add(tuple(key), implicit=True))
                out.append(Equation(pid, tuple(kids), "level"))
    return out


def _periods(cells: Cells) -> list[Equation]:
    jp = cells.position("period")
    if jp is None:
        return []
    groups: dict[tuple[str, ...], dict[str, int]] = {}
    for cid, key in enumerate(list(cells.keys)):
        groups.setdefault(_without(key, jp), {})[key[jp]] = cid
    out = []
    for by_label in groups.values():
        if len(by_label) < 2:
            continue
        for label, parts in periods.decompositions(list(by_label)):
            pid = by_label[label]
            kids = []
            for p in parts:
                if p in by_label:
                    kids.append(by_label[p])
                else:
                    key = list(cells.keys[pid])
                    key[jp] = p
                    kids.append(cells.add(tuple(key), implicit=True))
            out.append(Equation(pid, tuple(kids), "period"))
    return out
