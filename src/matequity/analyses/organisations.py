"""Organisations as analyses see them: one organisation of the hierarchy (site,
trust, LMNS, region, England) with its name, its parents and its sites."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity import vocabulary as vocab
from matequity.engine.base import Engine
from matequity.engine.tables import COLUMNS
from matequity.errors import UserError


@dataclass(frozen=True, kw_only=True)
class Organisation:
    level: str
    code: str
    name: str
    #: the site codes it holds (every site for England)
    sites: tuple[str, ...]
    #: (level, code, name) of each organisation above it, nearest first
    parents: tuple[tuple[str, str, str], ...] = ()

    @property
    def title(self) -> str:
        return f"{self.name} ({self.code})"


def table(engine: Engine) -> pd.DataFrame:
    """The organisations table (one row per site with its hierarchy), read as
    plain rows (a small table: no query to compile)."""
    return pd.DataFrame(engine.rows("organisations"), columns=list(COLUMNS["organisations"]))


def find(orgs: pd.DataFrame, level: str, code: str) -> Organisation:
    """The organisation ``code`` at ``level``; a one-line error when unknown."""
    lv = vocab.level(level)
    if lv.code_column is None:
        if code != vocab.ENGLAND_CODE:
            raise UserError(f"'{code}': England's code is {vocab.ENGLAND_CODE}")
        return Organisation(
            level="england",
            code=vocab.ENGLAND_CODE,
            name=vocab.ENGLAND_NAME,
            sites=tuple(sorted(orgs["site_code"])),
        )
    mine = orgs[orgs[lv.code_column] == code]
    if mine.empty:
        word = "LMNS" if level == "lmns" else level
        raise UserError(f"unknown {word} '{code}': not in the organisations table")
    first = mine.iloc[0]
    parents = []
    up = lv.parent
    while up is not None:
        plv = vocab.LEVEL[up]
        if plv.code_column is None:
            parents.append(("england", vocab.ENGLAND_CODE, vocab.ENGLAND_NAME))
        else:
            parents.append((up, str(first[plv.code_column]), str(first[plv.name_column])))
        up = plv.parent
    return Organisation(
        level=level,
        code=code,
        name=str(first[lv.name_column]),
        sites=tuple(sorted(mine["site_code"])),
        parents=tuple(parents),
    )


def children(orgs: pd.DataFrame, org: Organisation) -> pd.DataFrame:
    """The organisations one level below ``org``: level, code, name."""
    below = {lv.parent: lv.name for lv in vocab.LEVELS if lv.parent}.get(org.level)
    if below is None:
        return pd.DataFrame(columns=["level", "code", "name"])
    lv = vocab.LEVEL[below]
    part = orgs[orgs["site_code"].isin(org.sites)]
    out = part[[lv.code_column, lv.name_column]].drop_duplicates()
    out.columns = ["code", "name"]
    out.insert(0, "level", below)
    return out.sort_values("code").reset_index(drop=True)
