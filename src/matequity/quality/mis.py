"""NHS Resolution Maternity Incentive Scheme, safety action 2: mother's ethnic
category recorded for at least 90% of women booked in the month.

Rule (NHS England's MIS SA2 data-quality criterion, as described in the MIS
year 5/6 guidance; see docs/quality.md): numerator = women with a booking
appointment in the month whose ``EthnicCategoryMother`` has a valid national
code, i.e. first character in A-H, J-N, P, R, S; Z (not stated), 99 (not known),
blank and invalid codes are not valid; denominator = all women booked in the
month; pass when the percentage is at least 90.

matequity's input has no booking date, so the booking date is *derived*:
birth date - (gestation at birth - gestation at booking). A woman is counted
once per pregnancy (delivery), at the trust where she gave birth, with the
mother's ethnic category of the delivery's first baby. Women whose booking date
cannot be derived (gestation or booking gestation missing) are counted apart
(``undated``), and only *complete* booking months are reported: months whose
women would all have given birth inside the data (from the first birth date to
the last, allowing the 315-day gestation maximum). Rows quarantined only for an
invalid ethnic code are included (as not valid), as NHS England counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from matequity.engine import derive
from matequity.engine.base import Engine
from matequity.ingest import parse
from matequity.model.definitions import DEFINITIONS
from matequity.model.ethnicity import ETHNIC_CATEGORY_LABELS
from matequity.quality.field_status import ETHNIC_DEFAULTS

THRESHOLD_PERCENT = 90.0
VALID_CODES: tuple[str, ...] = tuple(c for c in ETHNIC_CATEGORY_LABELS if c not in ETHNIC_DEFAULTS)
COLUMNS = ("trust_code", "month", "valid", "booked", "percent", "pass")


@dataclass(frozen=True)
class MisResult:
    table: pd.DataFrame
    #: women (deliveries) whose booking month could not be derived
    undated: int
    #: booking months dropped because the data do not cover all their births
    incomplete_months: tuple[str, ...]


def _women(t: ir.Table) -> ir.Table:
    """One row per delivery: site, booking date, whether the code is valid."""
    first = ibis.row_number().over(ibis.window(group_by=t.delivery_id, order_by=t.baby_id))
    t = t.mutate(_first=first)
    t = t.filter(t._first == 0)
    offset = (t.gestation_days - t.booking_gestation_days).cast("int64")
    dated = t.gestation_days.notnull() & t.booking_gestation_days.notnull() & (offset >= 0)
    booked = ibis.cases((dated, t.birth_date - offset.as_interval("D")), else_=ibis.null("date"))
    valid = t.ethnic_category.isin(list(VALID_CODES)).fill_null(False)
    return t.select("site_code", booking_date=booked, valid=valid.cast("int64"))


def _quarantined_ethnicity(q: ir.Table) -> ir.Table:
    """Rows quarantined *only* for an invalid ethnic code, parsed from raw text."""
    q = q.filter(q.reasons == "unknown_ethnic_code")
    return q.select(
        baby_id=parse.clean(q.raw_baby_id),
        delivery_id=parse.clean(q.raw_delivery_id),
        site_code=parse.clean(q.raw_site_code),
        birth_date=parse.parse_date(parse.clean(q.raw_birth_date)),
        gestation_days=parse.parse_int(parse.clean(q.raw_gestation_days)),
        booking_gestation_days=parse.parse_int(parse.clean(q.raw_booking_gestation_days)),
        ethnic_category=ibis.literal("invalid"),
    )


def mis_ethnicity(engine: Engine) -> MisResult:
    """Per trust and complete booking month: valid, booked, percent, pass."""
    cols = [
        "baby_id",
        "delivery_id",
        "site_code",
        "birth_date",
        "gestation_days",
        "booking_gestation_days",
        "ethnic_category",
    ]
    b = engine.table("babies")
    rows = b.select(*cols).cast({"gestation_days": "int64", "booking_gestation_days": "int64"})
    if engine.has_table("quarantine"):
        rows = rows.union(_quarantined_ethnicity(engine.table("quarantine")).select(*cols))
    women = _women(rows)
    orgs = engine.table("organisations").select("site_code", "trust_code")
    w = women.join(orgs, "site_code")
    month = derive.period_label(w.booking_date, "month")
    agg = w.group_by(trust_code=w.trust_code, month=month).aggregate(
        valid=w.valid.sum(), booked=w.valid.count()
    )
    counts = engine.execute(agg)
    span = engine.execute(b.aggregate(first=b.birth_date.min(), last=b.birth_date.max()))
    undated = int(counts.loc[counts["month"].isna(), "booked"].sum())
    counts = counts[counts["month"].notna()].copy()
    first, last = pd.Timestamp(span["first"].iloc[0]), pd.Timestamp(span["last"].iloc[0])
    complete = counts["month"].map(lambda m: _complete(m, first.date(), last.date()))
    incomplete = tuple(sorted(set(counts.loc[~complete, "month"])))
    counts = counts[complete]
    counts["valid"] = counts["valid"].astype("int64")
    counts["booked"] = counts["booked"].astype("int64")
    counts["percent"] = (100 * counts["valid"] / counts["booked"]).round(1)
    counts["pass"] = 100 * counts["valid"] >= THRESHOLD_PERCENT * counts["booked"]
    table = counts.sort_values(["trust_code", "month"])[list(COLUMNS)].reset_index(drop=True)
    return MisResult(table, undated, incomplete)


def _complete(month: str, first: dt.date, last: dt.date) -> bool:
    start = dt.date(int(month[:4]), int(month[5:7]), 1)
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
    return start >= first and end + dt.timedelta(days=DEFINITIONS.gestation_valid_max) <= last
