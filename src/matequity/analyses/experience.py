"""Experience beside outcomes, for one organisation: staff experience (WRES),
families' experience (CQC maternity survey, Friends and Family Test, a trust's
own survey by ethnic group) and the community profile (births by ethnic group
beside the resident population), from the store's experience tables
(:mod:`matequity.experience.store`), released under the policy
(:mod:`matequity.experience.analysis`).

An LMNS is its trusts for staff and families' experience (they are reported by
trust) and itself for the population it serves. Each part is None when the
store holds no table for it, or none for the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses import organisations
from matequity.analyses.periods import Years
from matequity.counts.compute import count_table
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.experience import store
from matequity.experience.analysis import (
    CommunityProfile,
    FamilyExperience,
    StaffExperience,
    community_profile,
    family_experience,
    staff_experience,
)
from matequity.measures import catalogue as cat


@dataclass(frozen=True, kw_only=True)
class Experience:
    staff: StaffExperience | None
    families: FamilyExperience | None
    community: CommunityProfile | None


def _trusts(org: organisations.Organisation, orgs: pd.DataFrame) -> list[str]:
    if org.level == "trust":
        return [org.code]
    return sorted(orgs.loc[orgs["site_code"].isin(org.sites), "trust_code"].unique())


def _of(df: pd.DataFrame | None, codes: list[str]) -> pd.DataFrame | None:
    if df is None:
        return None
    part = df[df["org_code"].isin(codes)]
    return part if len(part) else None


def _period(years: Years, df: pd.DataFrame) -> str | None:
    """The span if the table has a period in it, else its latest period."""
    held = {str(p)[:4] for p in df["period"]}
    return (
        f"{years.first}:{years.last}"
        if any(years.first <= int(y) <= years.last for y in held)
        else None
    )


def experience(
    engine: Engine,
    org: organisations.Organisation,
    years: Years,
    policy: Policy,
    orgs: pd.DataFrame | None = None,
) -> Experience:
    """Staff, families' experience and the community profile of ``org``."""
    orgs = organisations.table(engine) if orgs is None else orgs
    trusts = _trusts(org, orgs)
    wres = _of(store.table(engine, "wres"), trusts)
    staff = (
        staff_experience(wres, trusts, _period(years, wres), policy) if wres is not None else None
    )
    cqc = _of(store.table(engine, "cqc_survey"), trusts)
    fft = _of(store.table(engine, "fft"), trusts)
    counts = _of(store.table(engine, "family_counts"), trusts)
    national = store.table(engine, "cqc_national")
    families = None
    if any(x is not None for x in (cqc, fft, counts)):
        spans = [x for x in (cqc, fft, counts) if x is not None]
        families = family_experience(
            cqc=cqc,
            cqc_national=national,
            fft=fft,
            counts=counts,
            org_codes=trusts,
            period=_period(years, pd.concat([s[["period"]] for s in spans])),
            policy=policy,
        )
    community = None
    pop = store.table(engine, "population")
    if (
        pop is not None
        and org.level in ("lmns", "region", "trust")
        and (pop["org_code"] == org.code).any()
    ):
        births = count_table(
            engine,
            [cat.get("stillbirth")],
            by=["ethnic_group"],
            level=org.level,
            period="year",
            org_codes=[org.code],
        )
        births = births[years.holds(births["period"])]
        births = births[~births["ethnic_group"].isin(vocab.UNKNOWN_GROUPS)]
        frame = births.rename(columns={"denominator": "births"})[
            ["org_code", "period", "ethnic_group", "births"]
        ]
        try:
            community = community_profile(
                frame, pop, [org.code], f"{years.first}:{years.last}", policy
            )
        except UserError:
            community = None  # no population estimate for these years
    return Experience(staff=staff, families=families, community=community)
