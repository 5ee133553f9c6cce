"""The registry of derived 0/1 flags that measures count.

A flag is a property of a baby or of a delivery (the unit it counts). The
built-in flags are columns the derivations make once
(:func:`matequity.engine.derive.babies_derived` and
:func:`~matequity.engine.derive.deliveries_derived`) and the derived store
materialises; a new flag can instead carry an Ibis expression over the derived
table, which the engine sums at count time. Either way a measure names its
numerator and denominator by flags from here (or passes a :class:`Flag`).

Definitions: MBRRACE-UK Perinatal Mortality Surveillance technical manual §1.1;
MBRRACE-UK Saving Lives, Improving Mothers' Care; NHS England CQIM
specifications; NHS England MOSS SOP (see :mod:`matequity.model.definitions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import ibis.expr.types as ir

Unit = Literal["babies", "deliveries"]


@dataclass(frozen=True, kw_only=True)
class Flag:
    """A 0/1 property of one unit; ``expr`` (given a derived table, an Ibis
    boolean or 0/1 value) for a flag the derivations do not make themselves."""

    name: str
    unit: Unit
    text: str
    expr: Callable[[ir.Table], ir.Value] | None = None

    def value(self, table: ir.Table) -> ir.IntegerValue:
        """The flag as a 0/1 integer column of ``table``."""
        v = table[self.name] if self.expr is None else self.expr(table)
        if v.type().is_boolean():
            v = v.fill_null(False).cast("int64")
        return v


FLAGS: tuple[Flag, ...] = (
    Flag(
        name="live_birth_24",
        unit="babies",
        text="live births at or after 24+0 weeks (terminations excluded)",
    ),
    Flag(
        name="stillbirth",
        unit="babies",
        text="stillbirths at or after 24+0 weeks (terminations excluded)",
    ),
    Flag(
        name="total_birth",
        unit="babies",
        text="total births: stillbirths plus live births at or after 24+0 weeks",
    ),
    Flag(
        name="neonatal_death",
        unit="babies",
        text="deaths before 28 completed days of babies born alive at or after 24+0 weeks",
    ),
    Flag(name="perinatal_death", unit="babies", text="stillbirths plus neonatal deaths"),
    Flag(name="term_birth", unit="babies", text="births (live and still) at 37+0 weeks or later"),
    Flag(
        name="moss_event",
        unit="babies",
        text="stillbirths and neonatal deaths of babies born at 37+0 weeks or later",
    ),
    Flag(
        name="preterm_denominator",
        unit="babies",
        text="live singleton births at 22+0 to 45+0 weeks (154-315 days)",
    ),
    Flag(
        name="preterm",
        unit="babies",
        text="live singleton births at 22+0 to 36+6 weeks (154-258 days)",
    ),
    Flag(
        name="term_live_weighed",
        unit="babies",
        text="live births at term with a recorded birthweight",
    ),
    Flag(
        name="low_birthweight_term",
        unit="babies",
        text="live births at term weighing under 2,500 g",
    ),
    Flag(
        name="maternity",
        unit="deliveries",
        text="maternities: deliveries with a live birth or a stillbirth (terminations excluded)",
    ),
    Flag(
        name="maternal_death",
        unit="deliveries",
        text="mothers who died during or within 42 days of the end of pregnancy",
    ),
    Flag(
        name="severe_maternal_morbidity",
        unit="deliveries",
        text="maternities with a severe maternal morbidity",
    ),
    Flag(
        name="booking_known",
        unit="deliveries",
        text="maternities with a recorded booking gestation",
    ),
    Flag(
        name="booked_by_10_weeks",
        unit="deliveries",
        text="maternities booked at or before 70 days (10+0 weeks)",
    ),
)
FLAG: dict[str, Flag] = {f.name: f for f in FLAGS}


def flag(ref: str | Flag) -> Flag:
    """The flag a measure names (or the flag itself)."""
    if isinstance(ref, Flag):
        return ref
    from matequity.errors import UserError

    try:
        return FLAG[ref]
    except KeyError:
        raise UserError(f"unknown flag '{ref}': expected one of {', '.join(FLAG)}") from None
