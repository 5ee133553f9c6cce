"""Each role's organisation scope, from the store's organisation hierarchy
(site -> trust -> LMNS -> region):

* admin and national: everything;
* region: the region's LMNS, trusts and sites;
* LMNS: its trusts and sites;
* trust: its sites.

An organisation at any level is *in scope* when every one of its sites is: a
user sees exact figures for it. England is in scope only for national and admin
users. Everything else is outside scope: only figures released under the
publication policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from matequity.accounts.users import ORG_LEVEL, User

LEVEL_COLUMNS = {
    "site": "site_code",
    "trust": "trust_code",
    "lmns": "lmns_code",
    "region": "region_code",
}


@dataclass(frozen=True)
class Scope:
    role: str
    org_code: str | None
    everything: bool
    sites: frozenset[str]
    #: organisation codes in scope per level (site, trust, lmns, region)
    codes: dict[str, frozenset[str]]

    def sees_site(self, site_code: str) -> bool:
        return self.everything or site_code in self.sites

    def in_scope(self, level: str, code: str | None = None) -> bool:
        if level == "england":
            return self.everything
        return self.everything or (code in self.codes.get(level, frozenset()))

    def split(self, level: str, codes: Iterable[str]) -> tuple[list[str], list[str]]:
        """(in scope, outside scope) of ``codes`` at ``level``, order kept."""
        inside, outside = [], []
        for c in codes:
            (inside if self.in_scope(level, c) else outside).append(c)
        return inside, outside


def all_codes(orgs: pd.DataFrame) -> dict[str, frozenset[str]]:
    return {lvl: frozenset(orgs[col].dropna().astype(str)) for lvl, col in LEVEL_COLUMNS.items()}


def scope_for(user: User, orgs: pd.DataFrame) -> Scope:
    """The scope of ``user`` over the hierarchy ``orgs`` (the organisations table)."""
    if user.role in ("admin", "national"):
        return Scope(
            user.role, None, True, frozenset(orgs["site_code"].astype(str)), all_codes(orgs)
        )
    col = LEVEL_COLUMNS[ORG_LEVEL[user.role]]
    mine = orgs[orgs[col].astype(str) == str(user.org_code)]
    sites = frozenset(mine["site_code"].astype(str))
    codes: dict[str, frozenset[str]] = {"site": sites}
    for lvl in ("trust", "lmns", "region"):
        c = LEVEL_COLUMNS[lvl]
        every = orgs.groupby(c)["site_code"].apply(lambda s: set(s.astype(str)))
        codes[lvl] = frozenset(str(k) for k, v in every.items() if v and v <= sites)
    return Scope(user.role, user.org_code, False, sites, codes)
