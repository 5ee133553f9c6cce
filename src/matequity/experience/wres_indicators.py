"""The nine Workforce Race Equality Standard (WRES) indicators, as frozen
definitions.

Source for every definition: NHS England, *NHS Workforce Race Equality Standard
(WRES) technical guidance*, and the indicator wording of NHS England's annual
*WRES data analysis report for NHS trusts* (2022 and 2023 editions,
england.nhs.uk). The WRES compares two groups: White (White British, White Irish,
any other White background) and BME (every other stated ethnic group); staff
whose ethnicity is not stated are left out of both.

How a value reads, as the WRES defines it:

* Indicators 2 and 4 are relative likelihoods with White on top: above 1 means
  White applicants (2) are more likely to be appointed from shortlisting, or
  White staff (4) more likely to access non-mandatory training and CPD, than BME
  applicants or staff: above 1 favours White.
* Indicator 3 has BME on top: above 1 means BME staff are more likely to enter
  the formal disciplinary process (measured by entry into a formal disciplinary
  investigation) than White staff: above 1 favours White. The guidance bases it
  on a two-year rolling average of the current and the previous year.
* Indicators 5 to 8 are NHS Staff Survey percentages by group (5, 6 and 8 are
  bad experiences: lower is better; 7 is a belief in equal opportunities:
  higher is better).
* Indicators 1 and 9 are representation: the BME share of staff in each Agenda
  for Change band and very senior managers (1), or of the board's voting
  membership (9), beside the BME share of the overall workforce (9 is defined as
  the percentage-point difference between the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

WHITE = "White"
BME = "BME"
UNKNOWN = "Unknown"
GROUPS = (WHITE, BME, UNKNOWN)

SOURCE = (
    "NHS England, NHS Workforce Race Equality Standard (WRES) technical guidance; "
    "WRES data analysis report for NHS trusts (2022, 2023)"
)

#: Agenda for Change bands and the other rows of indicator 1 ("All" = the whole
#: workforce, the benchmark); medical and dental staff are reported by grade.
AFC_BANDS = (
    "Under Band 1",
    "Band 1",
    "Band 2",
    "Band 3",
    "Band 4",
    "Band 5",
    "Band 6",
    "Band 7",
    "Band 8a",
    "Band 8b",
    "Band 8c",
    "Band 8d",
    "Band 9",
    "VSM",
    "Consultant",
    "Non-consultant career grade",
    "Medical trainee",
    "Other",
    "All",
)
#: rows of indicator 9: the board's voting membership (and its executive and
#: non-executive parts) and "Workforce", the overall workforce it is set beside
BOARD_ROWS = ("Voting", "Executive", "Non-executive", "Workforce")
#: indicator 1 may be split into clinical and non-clinical staff
STAFF_GROUPS = ("All", "Clinical", "Non-clinical")

Kind = Literal["representation", "relative_likelihood", "percentage"]


@dataclass(frozen=True)
class WresIndicator:
    number: int
    title: str
    kind: Kind
    numerator: str
    denominator: str
    #: relative likelihoods: the group whose likelihood is divided by the other's
    top: str | None = None
    #: percentages: a higher percentage is the better experience; relative
    #: likelihoods: the outcome counted is a good one (appointment, training) rather
    #: than a bad one (the disciplinary process)
    higher_is_better: bool | None = None
    #: how the WRES reads a value above 1 (likelihoods) or a positive gap
    reading: str = ""
    source: str = SOURCE


INDICATORS: dict[int, WresIndicator] = {
    i.number: i
    for i in (
        WresIndicator(
            number=1,
            title="Staff in each Agenda for Change band and VSM compared with the overall "
            "workforce",
            kind="representation",
            numerator="staff of the group in the band (headcount)",
            denominator="all staff in the band, every ethnic group (headcount)",
            reading="a BME share in the band below the workforce's: BME staff under-represented",
        ),
        WresIndicator(
            number=2,
            title="Relative likelihood of White applicants being appointed from shortlisting "
            "compared with BME applicants",
            kind="relative_likelihood",
            numerator="applicants of the group appointed from shortlisting",
            denominator="applicants of the group shortlisted",
            top=WHITE,
            higher_is_better=True,
            reading="above 1: White applicants more likely to be appointed (favours White)",
        ),
        WresIndicator(
            number=3,
            title="Relative likelihood of BME staff entering the formal disciplinary process "
            "compared with White staff",
            kind="relative_likelihood",
            numerator="staff of the group entering a formal disciplinary investigation",
            denominator="staff of the group (headcount)",
            top=BME,
            higher_is_better=False,
            reading="above 1: BME staff more likely to enter the formal disciplinary process "
            "(favours White)",
        ),
        WresIndicator(
            number=4,
            title="Relative likelihood of White staff accessing non-mandatory training and CPD "
            "compared with BME staff",
            kind="relative_likelihood",
            numerator="staff of the group accessing non-mandatory training and CPD",
            denominator="staff of the group (headcount)",
            top=WHITE,
            higher_is_better=True,
            reading="above 1: White staff more likely to access training and CPD (favours White)",
        ),
        WresIndicator(
            number=5,
            title="Staff experiencing harassment, bullying or abuse from patients, relatives or "
            "the public in the last 12 months",
            kind="percentage",
            numerator="respondents of the group saying they did (NHS Staff Survey)",
            denominator="respondents of the group answering the question",
            higher_is_better=False,
            reading="BME percentage above White: BME staff fare worse (favours White)",
        ),
        WresIndicator(
            number=6,
            title="Staff experiencing harassment, bullying or abuse from staff in the last "
            "12 months",
            kind="percentage",
            numerator="respondents of the group saying they did (NHS Staff Survey)",
            denominator="respondents of the group answering the question",
            higher_is_better=False,
            reading="BME percentage above White: BME staff fare worse (favours White)",
        ),
        WresIndicator(
            number=7,
            title="Staff believing that the trust provides equal opportunities for career "
            "progression or promotion",
            kind="percentage",
            numerator="respondents of the group answering yes (NHS Staff Survey)",
            denominator="respondents of the group answering the question",
            higher_is_better=True,
            reading="BME percentage below White: BME staff fare worse (favours White)",
        ),
        WresIndicator(
            number=8,
            title="Staff personally experiencing discrimination at work from a manager, team "
            "leader or other colleagues in the last 12 months",
            kind="percentage",
            numerator="respondents of the group answering yes (NHS Staff Survey)",
            denominator="respondents of the group answering the question",
            higher_is_better=False,
            reading="BME percentage above White: BME staff fare worse (favours White)",
        ),
        WresIndicator(
            number=9,
            title="Percentage difference between the board's voting membership and its overall "
            "workforce",
            kind="representation",
            numerator="board members of the group (voting, executive or non-executive row); "
            "staff of the group (Workforce row)",
            denominator="all board members of that row; all staff (Workforce row)",
            reading="a BME share on the board below the workforce's: BME people "
            "under-represented on the board",
        ),
    )
}
