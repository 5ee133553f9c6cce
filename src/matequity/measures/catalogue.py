"""The measures matequity computes (definitions: MBRRACE-UK technical manual;
NHS England CQIM specifications; MOSS SOP; MBRRACE-UK Saving Lives, Improving
Mothers' Care). Rates of deaths use the exact-Poisson/Byar's interval; shares of
a population (percentages) use Wilson's score interval, as PHEindicatormethods.
"""

from __future__ import annotations

from matequity.measures.definition import Measure

MEASURES: tuple[Measure, ...] = (
    Measure(
        "stillbirth",
        "Stillbirth rate",
        "stillbirth",
        "total_birth",
        "babies",
        "rate",
        1000,
        "per 1,000 total births",
        "MBRRACE-UK perinatal mortality surveillance",
        "stillbirths at or after 24+0 weeks (terminations excluded)",
        "total births: stillbirths plus live births at or after 24+0 weeks",
    ),
    Measure(
        "neonatal_mortality",
        "Neonatal mortality rate",
        "neonatal_death",
        "live_birth_24",
        "babies",
        "rate",
        1000,
        "per 1,000 live births",
        "MBRRACE-UK perinatal mortality surveillance",
        "deaths before 28 completed days of babies born alive at or after 24+0 weeks",
        "live births at or after 24+0 weeks (terminations excluded)",
    ),
    Measure(
        "extended_perinatal_mortality",
        "Extended perinatal mortality rate",
        "perinatal_death",
        "total_birth",
        "babies",
        "rate",
        1000,
        "per 1,000 total births",
        "MBRRACE-UK perinatal mortality surveillance",
        "stillbirths plus neonatal deaths",
        "total births",
    ),
    Measure(
        "moss_events",
        "MOSS events (term stillbirths and neonatal deaths)",
        "moss_event",
        "term_birth",
        "babies",
        "rate",
        1000,
        "per 1,000 term births",
        "NHS England Maternity Outcomes Signal System SOP",
        "stillbirths and neonatal deaths of babies born at 37+0 weeks or later",
        "births (live and still) at 37+0 weeks or later",
    ),
    Measure(
        "preterm_birth",
        "Preterm birth",
        "preterm",
        "preterm_denominator",
        "babies",
        "proportion",
        100,
        "% of live singleton births",
        "NHS England CQIMPreterm",
        "live singleton births at 22+0 to 36+6 weeks (154-258 days)",
        "live singleton births at 22+0 to 45+0 weeks (154-315 days)",
    ),
    Measure(
        "low_birthweight_term",
        "Low birthweight at term",
        "low_birthweight_term",
        "term_live_weighed",
        "babies",
        "proportion",
        100,
        "% of term live births",
        "NHS England Maternity Services Monthly Statistics (BirthweightTermGroup2500)",
        "live births at term weighing under 2,500 g",
        "live births at term with a recorded birthweight",
    ),
    Measure(
        "maternal_mortality",
        "Maternal mortality rate",
        "maternal_death",
        "maternity",
        "deliveries",
        "rate",
        100000,
        "per 100,000 maternities",
        "MBRRACE-UK Saving Lives, Improving Mothers' Care",
        "mothers who died during or within 42 days of the end of pregnancy",
        "maternities: deliveries with a live birth or a stillbirth (terminations excluded)",
    ),
    Measure(
        "severe_maternal_morbidity",
        "Severe maternal morbidity",
        "severe_maternal_morbidity",
        "maternity",
        "deliveries",
        "rate",
        1000,
        "per 1,000 maternities",
        "Local severe maternal morbidity flag (near miss)",
        "maternities with a severe maternal morbidity",
        "maternities",
    ),
    Measure(
        "booked_by_10_weeks",
        "Booked by 10+0 weeks",
        "booked_by_10_weeks",
        "booking_known",
        "deliveries",
        "proportion",
        100,
        "% of maternities with a booking gestation",
        "NHS England Maternity Services Monthly Statistics (GestAgeFormalAntenatalBookingGroup)",
        "maternities booked at or before 70 days (10+0 weeks)",
        "maternities with a recorded booking gestation",
        higher_is_better=True,
    ),
)

BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}


def get(name: str) -> Measure:
    from matequity.errors import UserError

    try:
        return BY_NAME[name]
    except KeyError:
        raise UserError(f"unknown measure '{name}': expected one of {', '.join(BY_NAME)}") from None
