"""Which organisation is in which (site -> trust -> LMNS -> region -> England):
the public knowledge that lets an attacker subtract a trust's cells from its
LMNS's. Built from the organisations table (``docs/data-model.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from matequity.errors import UserError
from matequity.vocabulary import ENGLAND_CODE, LEVEL, LEVELS_UP

#: organisation levels from the finest to England
ORDER = LEVELS_UP


@dataclass(frozen=True)
class Hierarchy:
    """``members[(parent_level, parent_code, child_level)]``: the codes of the
    child level inside the parent."""

    members: dict[tuple[str, str, str], frozenset[str]] = field(default_factory=dict)
    codes: dict[str, frozenset[str]] = field(default_factory=dict)

    def children(self, level: str, code: str, child_level: str) -> frozenset[str] | None:
        """Codes of ``child_level`` inside (``level``, ``code``); None when unknown."""
        if level == "england":
            return self.codes.get(child_level)
        return self.members.get((level, code, child_level))

    @property
    def known(self) -> bool:
        return bool(self.codes)


def from_organisations(orgs: pd.DataFrame | None) -> Hierarchy:
    """The hierarchy of an organisations table (one row per site)."""
    if orgs is None:
        return Hierarchy()
    cols = {lv: LEVEL[lv].code_column for lv in ORDER if LEVEL[lv].code_column}
    missing = [c for c in cols.values() if c not in orgs.columns]
    if missing:
        raise UserError(
            f"the organisations table has no column(s) {', '.join(missing)}: "
            "expected site_code, trust_code, lmns_code, region_code"
        )
    t = orgs[list(cols.values())].dropna().astype(str)
    members: dict[tuple[str, str, str], set[str]] = {}
    for i, parent in enumerate(ORDER[1:-1], start=1):
        for child in ORDER[:i]:
            pc, cc = cols[parent], cols[child]
            for code, part in t.groupby(pc)[cc]:
                members.setdefault((parent, str(code), child), set()).update(part)
    codes = {lv: frozenset(t[c]) for lv, c in cols.items()}
    codes["england"] = frozenset({ENGLAND_CODE})
    return Hierarchy({k: frozenset(v) for k, v in members.items()}, codes)
