"""The input contract: one flat table of babies, and a table of organisations.

Each field names its MSDS v2 source (table and data item) so that an analyst can
build the extract from MSDS or any equivalent local system. The contract is
documented for people in docs/data-model.md, which is checked against this module
by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["string", "integer", "date", "boolean", "code"]

#: stored value of the MSDS sex "not known" code (X): kept so that data-quality
#: reports count it as a default; derivations read it as unknown
SEX_NOT_KNOWN = "not_known"


@dataclass(frozen=True)
class Field:
    """One input column."""

    name: str
    type: FieldType
    required: bool
    msds_source: str
    description: str
    #: inclusive valid range for integers (values outside are quarantined)
    valid_min: int | None = None
    valid_max: int | None = None
    #: integer values meaning "not known" (the MSDS default: kept in the store,
    #: read as unknown by the derivations)
    not_known_values: tuple[int, ...] = ()


BIRTH_FIELDS: tuple[Field, ...] = (
    Field(
        "baby_id",
        "string",
        True,
        "MSD401 Person_ID_Baby (pseudonymised)",
        "Unique identifier of the baby.",
    ),
    Field(
        "delivery_id",
        "string",
        True,
        "MSD301 LabourDeliveryID",
        "Identifier of the labour and delivery (shared by babies of a multiple birth).",
    ),
    Field(
        "mother_id",
        "string",
        True,
        "MSD001 Person_ID_Mother (pseudonymised)",
        "Identifier of the mother.",
    ),
    Field(
        "site_code",
        "string",
        True,
        "MSD401 OrgSiteIDActualDelivery",
        "ODS site code of the site of birth; must be in the organisations table.",
    ),
    Field(
        "birth_date",
        "date",
        True,
        "MSD401 PersonBirthDateBaby",
        "Date of birth (YYYY-MM-DD or DD/MM/YYYY).",
    ),
    Field(
        "gestation_days",
        "integer",
        False,
        "MSD401 GestationLengthBirth",
        "Gestation at birth in completed days (valid 141-315).",
        141,
        315,
    ),
    Field(
        "outcome",
        "code",
        True,
        "MSD401 PregOutcome (01 = live; 02-04 = still)",
        "'live' or 'still' (MSDS codes 01 and 02-04 are also accepted).",
    ),
    Field(
        "termination",
        "boolean",
        False,
        "Notification of termination of pregnancy",
        "True when the birth followed a termination of pregnancy (excluded from mortality).",
    ),
    Field(
        "death_date",
        "date",
        False,
        "MSD401 PersonDeathDateBaby",
        "Date of death of a live-born baby who died; blank otherwise.",
    ),
    Field(
        "birthweight_g",
        "integer",
        False,
        "MSD405 ObsValue for SNOMED 364589006",
        "Birthweight in grams (valid 1-9998; 9999 = not known).",
        1,
        9998,
        (9999,),
    ),
    Field(
        "sex",
        "code",
        False,
        "MSD401 PersonPhenSex",
        "1/M = male, 2/F = female, 9 = indeterminate, X/blank = not known.",
    ),
    Field(
        "babies_in_delivery",
        "integer",
        False,
        "MSD301 BirthsPerLabandDel",
        "Number of babies born in the delivery (1 = singleton; valid 1-8).",
        1,
        8,
    ),
    Field(
        "ethnic_category",
        "code",
        False,
        "MSD001 EthnicCategoryMother",
        "Mother's NHS ethnic category code A-S, Z (not stated), 99 (not known) or blank.",
    ),
    Field(
        "imd_decile",
        "integer",
        False,
        "MSD001 Rank_IMD_Decile (derived from postcode)",
        "IMD decile of the mother's residence, 1 = most deprived (valid 1-10).",
        1,
        10,
    ),
    Field(
        "lsoa_code",
        "string",
        False,
        "MSD001 LSOAMother2011",
        "LSOA of residence; mapped to an IMD decile through the lookup when imd_decile is blank.",
    ),
    Field(
        "mother_age",
        "integer",
        False,
        "MSD401 AgeAtBirthMother",
        "Mother's age in years at the birth (valid 10-65).",
        10,
        65,
    ),
    Field(
        "previous_births",
        "integer",
        False,
        "MSD101 PreviousLiveBirths + PreviousStillBirths",
        "Number of previous births (valid 0-30).",
        0,
        30,
    ),
    Field(
        "booking_gestation_days",
        "integer",
        False,
        "MSD101 GestAgeBooking",
        "Gestation at the booking appointment in days (valid 0-315).",
        0,
        315,
    ),
    Field(
        "maternal_death",
        "boolean",
        False,
        "MSD001 PersonDeathDateMother (within 42 days)",
        "True when the mother died during or within 42 days of the end of pregnancy "
        "(per delivery).",
    ),
    Field(
        "severe_maternal_morbidity",
        "boolean",
        False,
        "MSD302 MatCritInd / local severe maternal morbidity flag",
        "True when the delivery had a severe maternal morbidity (near miss).",
    ),
)

ORGANISATION_FIELDS: tuple[Field, ...] = tuple(
    Field(name, "string", True, "ODS / NHS England organisation hierarchy", desc)
    for name, desc in (
        ("site_code", "ODS site code"),
        ("site_name", "Site name"),
        ("trust_code", "ODS trust code"),
        ("trust_name", "Trust name"),
        ("lmns_code", "Local maternity and neonatal system code"),
        ("lmns_name", "Local maternity and neonatal system name"),
        ("region_code", "NHS England region code"),
        ("region_name", "NHS England region name"),
    )
)

#: optional organisation columns: a file without them loads, the store keeps them blank
ORGANISATION_OPTIONAL_FIELDS: tuple[Field, ...] = (
    Field(
        "neonatal_unit_level",
        "code",
        False,
        "Neonatal operational delivery network designation of the site's unit",
        "Highest neonatal unit at the site: NICU_surgical (level 3 NICU with neonatal "
        "surgery), NICU (level 3), LNU (local neonatal unit), SCU (special care unit); "
        "case-insensitive; blank = not known or none.",
    ),
)

IMD_LOOKUP_FIELDS: tuple[Field, ...] = (
    Field("lsoa_code", "string", True, "ONS LSOA code", "Lower-layer super output area."),
    Field(
        "imd_decile",
        "integer",
        True,
        "English Indices of Deprivation",
        "IMD decile, 1 = most deprived.",
        1,
        10,
    ),
)

BIRTH_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in BIRTH_FIELDS)
REQUIRED_BIRTH_COLUMNS: tuple[str, ...] = tuple(f.name for f in BIRTH_FIELDS if f.required)
ORGANISATION_COLUMNS: tuple[str, ...] = tuple(f.name for f in ORGANISATION_FIELDS)
#: the organisations table in the store: the required columns, then the optional ones
ORGANISATION_STORE_COLUMNS: tuple[str, ...] = ORGANISATION_COLUMNS + tuple(
    f.name for f in ORGANISATION_OPTIONAL_FIELDS
)
IMD_LOOKUP_COLUMNS: tuple[str, ...] = tuple(f.name for f in IMD_LOOKUP_FIELDS)
#: organisation columns a file may carry; blank when absent
OPTIONAL_ORGANISATION_COLUMNS: tuple[str, ...] = tuple(f.name for f in ORGANISATION_OPTIONAL_FIELDS)

#: at least one of these must be present to derive deprivation
DEPRIVATION_COLUMNS: tuple[str, ...] = ("imd_decile", "lsoa_code")


def field(name: str) -> Field:
    for f in BIRTH_FIELDS:
        if f.name == name:
            return f
    raise KeyError(name)
