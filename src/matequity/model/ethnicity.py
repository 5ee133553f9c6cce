"""NHS ethnic category codes (mother) and their published groupings.

Source: NHS Data Dictionary, ETHNIC CATEGORY (2001 census "16+1" code set),
used by MSDS v2 ``EthnicCategoryMother`` (MSD001). ``Z`` = Not stated (asked and
declined), ``99`` = Not known (not asked), per Data Dictionary change request CR406.

Two groupings are offered:

* ``msds`` (default): the grouping in NHS England's Maternity Services Monthly
  Statistics (``EthnicCategoryMotherGroup``): Chinese (R) sits in "Any other
  ethnic group".
* ``ons``: the ONS 2011/2021 census five-group grouping: Chinese sits in Asian.

Unknowns are never dropped: ``Z`` -> "Not stated", ``99`` -> "Not known", blank ->
"Missing".
"""

from __future__ import annotations

from dataclasses import dataclass

ETHNIC_CATEGORY_LABELS: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other ethnic groups - Chinese",
    "S": "Other ethnic groups - Any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}

NOT_STATED = "Not stated"
NOT_KNOWN = "Not known"
MISSING = "Missing"

WHITE = "White"
MIXED = "Mixed"
ASIAN = "Asian or Asian British"
BLACK = "Black or Black British"
OTHER = "Any other ethnic group"


@dataclass(frozen=True)
class EthnicGrouping:
    """A mapping from ethnic category code to a published group label."""

    name: str
    title: str
    groups: dict[str, str]
    #: display order of the group labels, unknowns last
    order: tuple[str, ...]
    source: str


_BASE = {c: WHITE for c in "ABC"} | {c: MIXED for c in "DEFG"}
_BASE |= {c: ASIAN for c in "HJKL"} | {c: BLACK for c in "MNP"}
_UNKNOWN = {"Z": NOT_STATED, "99": NOT_KNOWN}

MSDS_GROUPING = EthnicGrouping(
    name="msds",
    title="MSDS publication grouping (Chinese in 'Any other ethnic group')",
    groups=_BASE | {"R": OTHER, "S": OTHER} | _UNKNOWN,
    order=(WHITE, MIXED, ASIAN, BLACK, OTHER, NOT_STATED, NOT_KNOWN, MISSING),
    source="NHS England, Maternity Services Monthly Statistics, EthnicCategoryMotherGroup",
)

ONS_GROUPING = EthnicGrouping(
    name="ons",
    title="ONS census five-group grouping (Chinese in Asian)",
    groups=_BASE | {"R": ASIAN, "S": OTHER} | _UNKNOWN,
    order=(WHITE, MIXED, ASIAN, BLACK, OTHER, NOT_STATED, NOT_KNOWN, MISSING),
    source="ONS, Ethnic group classifications (2011 and 2021 censuses)",
)

GROUPINGS: dict[str, EthnicGrouping] = {g.name: g for g in (MSDS_GROUPING, ONS_GROUPING)}
