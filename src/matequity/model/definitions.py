"""Perinatal and maternal definitions (MBRRACE-UK conventions), in days.

Sources:
* MBRRACE-UK Perinatal Mortality Surveillance technical manual, section 1.1:
  late fetal loss = born 22+0 to 23+6 weeks with no signs of life; stillbirth =
  born at or after 24+0 weeks (or, where gestation is not known, weighing at
  least 400 g) with no signs of life; neonatal death = a live-born baby dying
  before 28 completed days; terminations of pregnancy are excluded from the
  reported mortality rates; rates are per 1,000 total births (stillbirth,
  extended perinatal) or per 1,000 live births (neonatal).
* MSDS ``GestationLengthBirth`` is in completed days; term = 259-315 days
  (37+0 to 45+0 weeks); preterm CQIM = 154-258 days among live singletons.
* NHS England MOSS SOP: a MOSS event is a term stillbirth or a term neonatal death.
* MBRRACE-UK Saving Lives, Improving Mothers' Care: maternal death = death during
  or within 42 days of the end of pregnancy, per 100,000 maternities.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PerinatalDefinitions:
    """Thresholds used by the derivations. Frozen: change by making a new one."""

    stillbirth_min_days: int = 24 * 7  # 24+0 weeks
    late_fetal_loss_min_days: int = 22 * 7  # 22+0 weeks
    viability_weight_g: int = 400  # used only when gestation is unknown
    term_min_days: int = 37 * 7  # 259
    preterm_min_days: int = 22 * 7  # CQIM preterm window starts at 154 days
    neonatal_max_age_days: int = 27  # died before 28 completed days
    low_birthweight_g: int = 2500
    early_booking_max_days: int = 70  # booked by 10+0 weeks
    gestation_valid_min: int = 141
    gestation_valid_max: int = 315
    birthweight_valid_min: int = 1
    birthweight_valid_max: int = 9998
    birthweight_not_known: int = 9999


DEFINITIONS = PerinatalDefinitions()

#: every baby is exactly one of these (see matequity.engine.derive.birth_class)
BIRTH_CLASSES: tuple[str, ...] = (
    "live_birth",
    "stillbirth",
    "late_fetal_loss",
    "earlier_loss",
    "excluded",
)
