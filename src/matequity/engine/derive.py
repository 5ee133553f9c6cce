"""Record-level derivations, written once as Ibis expressions.

Every engine (DuckDB, Spark) runs these same expressions. They turn the typed
``babies`` table into a table with the organisation hierarchy, labelled
breakdowns (ethnic group, IMD decile/quintile, maternal age band, periods) and
0/1 flags for each MBRRACE population, and a per-delivery table for the
maternal measures (which count maternities, not babies).

Definitions: see :mod:`matequity.model.definitions` (MBRRACE-UK technical
manual; MSDS; NHS England MOSS SOP).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from matequity import vocabulary as vocab
from matequity.model import age, baby, deprivation, ethnicity
from matequity.model.definitions import DEFINITIONS, PerinatalDefinitions
from matequity.model.schema import ORGANISATION_COLUMNS, SEX_NOT_KNOWN

ENGLAND_CODE = vocab.ENGLAND_CODE
ENGLAND_NAME = vocab.ENGLAND_NAME


def _label_cases(value: ir.Value, mapping: dict, default: str) -> ir.StringValue:
    return ibis.cases(
        *[(value == k, ibis.literal(v)) for k, v in mapping.items()], else_=ibis.literal(default)
    )


def ethnic_group(code: ir.StringValue, grouping: str = "msds") -> ir.StringValue:
    """Group label for a normalised code; blank -> 'Missing'."""
    g = ethnicity.GROUPINGS[grouping]
    return ibis.cases(
        (code.isnull(), ibis.literal(ethnicity.MISSING)),
        else_=_label_cases(code, g.groups, ethnicity.MISSING),
    )


def ethnic_category_label(code: ir.StringValue) -> ir.StringValue:
    return ibis.cases(
        (code.isnull(), ibis.literal(ethnicity.MISSING)),
        else_=_label_cases(code, ethnicity.ETHNIC_CATEGORY_LABELS, ethnicity.MISSING),
    )


def imd_decile_label(decile: ir.IntegerValue) -> ir.StringValue:
    return _label_cases(
        decile, {d: deprivation.decile_label(d) for d in range(1, 11)}, deprivation.NOT_KNOWN
    )


def imd_quintile_label(decile: ir.IntegerValue) -> ir.StringValue:
    return _label_cases(
        decile,
        {d: deprivation.quintile_label(deprivation.decile_to_quintile(d)) for d in range(1, 11)},
        deprivation.NOT_KNOWN,
    )


def age_band_label(a: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(
        (a.isnull(), ibis.literal(age.NOT_KNOWN)),
        *[(a.between(b.lower, b.upper), ibis.literal(b.label)) for b in age.AGE_BANDS],
        else_=ibis.literal(age.OUTSIDE),
    )


def baby_sex_label(sex: ir.StringValue) -> ir.StringValue:
    """Male / Female / Indeterminate; blank or the MSDS not-known code -> Not known."""
    return _label_cases(sex, baby.SEX_LABELS, baby.NOT_KNOWN)


def multiplicity_label(babies_in_delivery: ir.IntegerValue) -> ir.StringValue:
    """Singleton (1 baby in the delivery), Multiple (2 or more), Not known (blank)."""
    return ibis.cases(
        (babies_in_delivery.isnull(), ibis.literal(baby.NOT_KNOWN)),
        (babies_in_delivery == 1, ibis.literal(baby.SINGLETON)),
        else_=ibis.literal(baby.MULTIPLE),
    )


def gestation_band_label(days: ir.IntegerValue) -> ir.StringValue:
    """MBRRACE-UK gestation band of a gestation in completed days."""
    return ibis.cases(
        *[(days.between(b.lower, b.upper), ibis.literal(b.label)) for b in baby.GESTATION_BANDS],
        else_=ibis.literal(baby.NOT_KNOWN),
    )


def _pad2(v: ir.IntegerValue) -> ir.StringValue:
    s = v.cast("string")
    return ibis.cases((v < 10, "0" + s), else_=s)


def period_label(d: ir.DateValue, period: str) -> ir.StringValue:
    """Label of the period containing date ``d``: '2024', '2024 Q1', '2024-01', 'all'."""
    y = d.year().cast("string")
    if period == "year":
        return y
    if period == "quarter":
        return y + " Q" + d.quarter().cast("string")
    if period == "month":
        return y + "-" + _pad2(d.month())
    if period == "all":
        return ibis.literal("all")
    raise ValueError(f"unknown period {period!r}: expected year, quarter, month or all")


def _flag(e: ir.BooleanValue) -> ir.IntegerValue:
    return e.fill_null(False).cast("int64")


def babies_derived(
    babies: ir.Table,
    organisations: ir.Table,
    imd_lookup: ir.Table,
    grouping: str = "msds",
    defs: PerinatalDefinitions = DEFINITIONS,
) -> ir.Table:
    """One row per baby with hierarchy, labels, ``birth_class`` and 0/1 flags."""
    orgs = organisations.select(*ORGANISATION_COLUMNS)
    look = imd_lookup.select(_lsoa="lsoa_code", _lookup_decile="imd_decile")
    b = babies.left_join(orgs, "site_code").left_join(look, babies.lsoa_code == look._lsoa)
    b = b.mutate(_imd=ibis.coalesce(b.imd_decile, b._lookup_decile.cast("int32")))

    g = b.gestation_days
    # the store keeps MSDS "not known" codes (9999 g, sex X); here they are unknown
    bw = ibis.cases(
        (b.birthweight_g == defs.birthweight_not_known, ibis.null("int32")),
        else_=b.birthweight_g,
    )
    sex = ibis.cases((b.sex == SEX_NOT_KNOWN, ibis.null("string")), else_=b.sex)
    termination = b.termination.fill_null(False)
    live = (b.outcome == "live") & ~termination
    still = (b.outcome == "still") & ~termination
    viable = (g >= defs.stillbirth_min_days) | (g.isnull() & (bw >= defs.viability_weight_g))
    viable = viable.fill_null(False)
    stillbirth = still & viable
    late_loss = still & g.between(defs.late_fetal_loss_min_days, defs.stillbirth_min_days - 1)
    earlier = still & (
        (g < defs.late_fetal_loss_min_days) | (g.isnull() & (bw < defs.viability_weight_g))
    )
    birth_class = ibis.cases(
        (termination, ibis.literal("excluded")),
        (live, ibis.literal("live_birth")),
        (stillbirth, ibis.literal("stillbirth")),
        (late_loss.fill_null(False), ibis.literal("late_fetal_loss")),
        (earlier.fill_null(False), ibis.literal("earlier_loss")),
        else_=ibis.literal("excluded"),
    )
    live24 = live & viable
    age_at_death = b.death_date.delta(b.birth_date, unit="day")
    nnd = live24 & b.death_date.notnull() & (age_at_death <= defs.neonatal_max_age_days)
    term = g >= defs.term_min_days
    singleton = b.babies_in_delivery == 1
    preterm_den = live & singleton & g.between(defs.preterm_min_days, defs.gestation_valid_max)
    term_live_weighed = live & term & bw.notnull()
    plain = [c for c in babies.columns if c not in ("birthweight_g", "sex")]
    return b.select(
        *plain,
        *ORGANISATION_COLUMNS[1:],
        birthweight_g=bw,
        sex=sex,
        imd_decile_resolved=b._imd,
        ethnic_group=ethnic_group(b.ethnic_category, grouping),
        ethnic_category_label=ethnic_category_label(b.ethnic_category),
        imd_decile_label=imd_decile_label(b._imd),
        imd_quintile=imd_quintile_label(b._imd),
        age_band=age_band_label(b.mother_age),
        baby_sex=baby_sex_label(sex),
        multiplicity=multiplicity_label(b.babies_in_delivery),
        gestation_band=gestation_band_label(g),
        birth_class=birth_class,
        live_birth_24=_flag(live24),
        stillbirth=_flag(stillbirth),
        total_birth=_flag(stillbirth | live24),
        neonatal_death=_flag(nnd),
        perinatal_death=_flag(stillbirth | nnd),
        term_birth=_flag((stillbirth | live24) & term),
        moss_event=_flag((stillbirth | nnd) & term),
        preterm_denominator=_flag(preterm_den),
        preterm=_flag(preterm_den & (g < defs.term_min_days)),
        term_live_weighed=_flag(term_live_weighed),
        low_birthweight_term=_flag(term_live_weighed & (bw < defs.low_birthweight_g)),
    )


_CARRIED = (
    *ORGANISATION_COLUMNS,
    "ethnic_group",
    "ethnic_category_label",
    "imd_decile_label",
    "imd_quintile",
    "age_band",
    "multiplicity",
    "gestation_band",
)


def deliveries_derived(
    b: ir.Table, defs: PerinatalDefinitions = DEFINITIONS, carry: tuple[str, ...] = ()
) -> ir.Table:
    """One row per delivery (maternity) from :func:`babies_derived` output.

    A maternity is a delivery with at least one live birth (any gestation) or a
    stillbirth, terminations excluded (MBRRACE-UK, Saving Lives, Improving
    Mothers' Care: rates per 100,000 maternities). The delivery takes the site,
    date and the mother's characteristics of its first baby (lowest baby_id),
    and any columns named in ``carry`` from that baby too.

    The first baby is found with one aggregate (the lowest baby_id of each
    delivery, beside the delivery's other aggregates) and an equi-join back to
    it: no window, so no sort of every baby by delivery (baby_id is unique in
    the store, so the join finds exactly one baby).
    """
    born = ((b.birth_class == "live_birth") | (b.birth_class == "stillbirth")).cast("int64")
    t = b.mutate(_born=born)
    agg = t.group_by(_did=t.delivery_id).aggregate(
        _first_baby=t.baby_id.min(),
        _maternity=t._born.max(),
        _death=t.maternal_death.cast("int64").max(),
        _smm=t.severe_maternal_morbidity.cast("int64").max(),
        _booking=t.booking_gestation_days.min(),
    )
    kept = tuple(dict.fromkeys(("delivery_id", "birth_date", *_CARRIED, *carry)))
    firsts = b.select("baby_id", *kept)
    d = firsts.join(
        agg, [firsts.delivery_id == agg._did, firsts.baby_id == agg._first_baby]
    ).select(*kept, "_maternity", "_death", "_smm", "_booking")
    mat = d._maternity == 1
    known = mat & d._booking.notnull()
    return d.select(
        "delivery_id",
        "birth_date",
        *_CARRIED,
        *carry,
        # a delivery has no one baby's sex: maternal measures by baby_sex are all Not known
        baby_sex=ibis.literal(baby.NOT_KNOWN),
        maternity=_flag(mat),
        maternal_death=_flag(mat & (d._death == 1)),
        severe_maternal_morbidity=_flag(mat & (d._smm == 1)),
        booking_known=_flag(known),
        booked_by_10_weeks=_flag(known & (d._booking <= defs.early_booking_max_days)),
    )
