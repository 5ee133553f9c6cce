"""The words every layer shares, defined once: organisation levels, periods,
breakdowns, ethnic groupings, overdispersion choices, the England code, the
labels of unknown groups and of margins.

The CLI's choices, the engine's derivations, the count tables, the statistics,
the analyses and the web service all read them from here.

Sources: NHS organisation hierarchy (site of birth -> trust -> local maternity
and neonatal system (LMNS) -> NHS England region -> England, ONS code
E92000001); MBRRACE-UK counts births by date of birth; MSDS/ONS ethnic groupings
(:mod:`matequity.model.ethnicity`); IMD deciles (:mod:`matequity.model.deprivation`);
maternal age bands (:mod:`matequity.model.age`).
"""

from __future__ import annotations

from dataclasses import dataclass

from matequity.model import age, baby, deprivation, ethnicity

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
#: a margin row (every category of a breakdown)
ALL = "All"
#: an organisation that is not in the organisations table
NOT_KNOWN_ORG = "Not known"


@dataclass(frozen=True, kw_only=True)
class OrgLevel:
    """One level of the organisation hierarchy and the columns that name it."""

    name: str
    title: str
    code_column: str | None
    name_column: str | None
    #: the level above (None for England)
    parent: str | None


LEVELS: tuple[OrgLevel, ...] = (
    OrgLevel(name="england", title="England", code_column=None, name_column=None, parent=None),
    OrgLevel(
        name="region",
        title="NHS England region",
        code_column="region_code",
        name_column="region_name",
        parent="england",
    ),
    OrgLevel(
        name="lmns",
        title="Local maternity and neonatal system",
        code_column="lmns_code",
        name_column="lmns_name",
        parent="region",
    ),
    OrgLevel(
        name="trust",
        title="Trust",
        code_column="trust_code",
        name_column="trust_name",
        parent="lmns",
    ),
    OrgLevel(
        name="site",
        title="Site of birth",
        code_column="site_code",
        name_column="site_name",
        parent="trust",
    ),
)
LEVEL: dict[str, OrgLevel] = {lv.name: lv for lv in LEVELS}
LEVEL_NAMES: tuple[str, ...] = tuple(LEVEL)
#: levels from the finest to England (the order of roll-ups)
LEVELS_UP: tuple[str, ...] = ("site", "trust", "lmns", "region", "england")

#: periods of birth: '2024', '2024 Q1', '2024-01', or the whole span
PERIODS: tuple[str, ...] = ("year", "quarter", "month", "all")

GROUPINGS: tuple[str, ...] = tuple(ethnicity.GROUPINGS)
DEFAULT_GROUPING = "msds"

#: funnel-plot limits: exact, or overdispersed by a multiplicative phi or an
#: additive tau^2 (Spiegelhalter 2005)
OVERDISPERSION: tuple[str, ...] = ("none", "phi", "tau2")


@dataclass(frozen=True, kw_only=True)
class Breakdown:
    """A way of splitting babies into groups, with its labels in display order."""

    name: str
    title: str
    #: the derived column holding the label
    column: str
    order: tuple[str, ...]
    #: the group other groups are compared with by default (None: the best group)
    reference: str | None = None


BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown(
        name="ethnic_group",
        title="Ethnic group",
        column="ethnic_group",
        order=ethnicity.MSDS_GROUPING.order,
        reference=ethnicity.WHITE,
    ),
    Breakdown(
        name="ethnic_category",
        title="Ethnic category",
        column="ethnic_category_label",
        order=(*ethnicity.ETHNIC_CATEGORY_LABELS.values(), ethnicity.MISSING),
        reference=ethnicity.ETHNIC_CATEGORY_LABELS["A"],
    ),
    Breakdown(
        name="imd_decile",
        title="IMD decile",
        column="imd_decile_label",
        order=deprivation.DECILE_ORDER,
        reference=deprivation.decile_label(10),
    ),
    Breakdown(
        name="imd_quintile",
        title="IMD quintile",
        column="imd_quintile",
        order=deprivation.QUINTILE_ORDER,
        reference=deprivation.quintile_label(5),
    ),
    Breakdown(
        name="age_band",
        title="Maternal age band",
        column="age_band",
        order=age.AGE_BAND_ORDER,
        reference=None,
    ),
    Breakdown(name="baby_sex", title="Baby's sex", column="baby_sex", order=baby.SEX_ORDER),
    Breakdown(
        name="multiplicity",
        title="Singleton or multiple birth",
        column="multiplicity",
        order=baby.MULTIPLICITY_ORDER,
    ),
    Breakdown(
        name="gestation_band",
        title="Gestation at birth",
        column="gestation_band",
        order=baby.GESTATION_ORDER,
    ),
)
BREAKDOWN: dict[str, Breakdown] = {b.name: b for b in BREAKDOWNS}

#: group labels that mean "not recorded": never a reference group, excluded from
#: inequality summaries (their rates are reported beside the known groups)
UNKNOWN_GROUPS: frozenset[str] = frozenset(
    {
        ethnicity.NOT_STATED,
        ethnicity.NOT_KNOWN,
        ethnicity.MISSING,
        deprivation.NOT_KNOWN,
        age.NOT_KNOWN,
        age.OUTSIDE,
        ALL,
    }
)


def level(name: str) -> OrgLevel:
    """The level called ``name``; a one-line error naming the choices otherwise."""
    from matequity.errors import UserError

    try:
        return LEVEL[name]
    except KeyError:
        raise UserError(
            f"unknown level '{name}': expected one of {', '.join(LEVEL_NAMES)}"
        ) from None


def breakdown(name: str) -> Breakdown:
    from matequity.errors import UserError

    try:
        return BREAKDOWN[name]
    except KeyError:
        raise UserError(
            f"unknown breakdown '{name}': expected one of {', '.join(BREAKDOWN)}"
        ) from None
