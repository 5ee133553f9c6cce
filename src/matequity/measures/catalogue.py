"""The measures matequity computes, each declared once (definitions: MBRRACE-UK
technical manual; NHS England CQIM specifications; MOSS SOP; MBRRACE-UK Saving
Lives, Improving Mothers' Care). Rates of deaths use the exact-Poisson/Byar's
interval; shares of a population (percentages) use Wilson's score interval, as
PHEindicatormethods.

``shown_in`` places a measure in the analyses: the LMNS equity analysis
(:data:`LMNS`), its yearly gaps (:data:`LMNS_YEARLY`), the national pledge
measures (:data:`NATIONAL`), the funnels among peers (:data:`FUNNEL`), the
board's SPC charts (:data:`BOARD_SPC`) and the gaps analyses lead with
(:data:`HEADLINE`). Analyses take their measures from a
:class:`Catalogue` (the built-in one unless told otherwise), so a new measure is
one declaration here (or in a catalogue of the user's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matequity.measures.definition import Measure

#: analyses a measure can be shown in
LMNS = "lmns"
LMNS_YEARLY = "lmns_yearly"
NATIONAL = "national"
FUNNEL = "funnel"
BOARD_SPC = "board_spc"
#: the gaps an analysis leads with (its summary; the dashboard's home page)
HEADLINE = "headline"
ROLES: tuple[str, ...] = (LMNS, LMNS_YEARLY, NATIONAL, FUNNEL, BOARD_SPC, HEADLINE)

_MBRRACE = "MBRRACE-UK perinatal mortality surveillance"

MEASURES: tuple[Measure, ...] = (
    Measure(
        name="stillbirth",
        title="Stillbirth rate",
        numerator="stillbirth",
        denominator="total_birth",
        statistic="rate",
        multiplier=1000,
        per="per 1,000 total births",
        source=_MBRRACE,
        shown_in={LMNS, NATIONAL, FUNNEL, HEADLINE},
    ),
    Measure(
        name="neonatal_mortality",
        title="Neonatal mortality rate",
        numerator="neonatal_death",
        denominator="live_birth_24",
        statistic="rate",
        multiplier=1000,
        per="per 1,000 live births",
        source=_MBRRACE,
        shown_in={LMNS, NATIONAL, FUNNEL, HEADLINE},
    ),
    Measure(
        name="extended_perinatal_mortality",
        title="Extended perinatal mortality rate",
        numerator="perinatal_death",
        denominator="total_birth",
        statistic="rate",
        multiplier=1000,
        per="per 1,000 total births",
        source=_MBRRACE,
        denominator_text="total births",
        shown_in={LMNS},
    ),
    Measure(
        name="moss_events",
        title="MOSS events (term stillbirths and neonatal deaths)",
        numerator="moss_event",
        denominator="term_birth",
        statistic="rate",
        multiplier=1000,
        per="per 1,000 term births",
        source="NHS England Maternity Outcomes Signal System SOP",
    ),
    Measure(
        name="preterm_birth",
        title="Preterm birth",
        numerator="preterm",
        denominator="preterm_denominator",
        statistic="proportion",
        multiplier=100,
        per="% of live singleton births",
        source="NHS England CQIMPreterm",
        shown_in={LMNS, LMNS_YEARLY, BOARD_SPC, HEADLINE},
    ),
    Measure(
        name="low_birthweight_term",
        title="Low birthweight at term",
        numerator="low_birthweight_term",
        denominator="term_live_weighed",
        statistic="proportion",
        multiplier=100,
        per="% of term live births",
        source="NHS England Maternity Services Monthly Statistics (BirthweightTermGroup2500)",
        shown_in={LMNS},
    ),
    Measure(
        name="maternal_mortality",
        title="Maternal mortality rate",
        numerator="maternal_death",
        denominator="maternity",
        statistic="rate",
        multiplier=100000,
        per="per 100,000 maternities",
        source="MBRRACE-UK Saving Lives, Improving Mothers' Care",
        shown_in={NATIONAL},
    ),
    Measure(
        name="severe_maternal_morbidity",
        title="Severe maternal morbidity",
        numerator="severe_maternal_morbidity",
        denominator="maternity",
        statistic="rate",
        multiplier=1000,
        per="per 1,000 maternities",
        source="Local severe maternal morbidity flag (near miss)",
        denominator_text="maternities",
        shown_in={NATIONAL},
    ),
    Measure(
        name="booked_by_10_weeks",
        title="Booked by 10+0 weeks",
        numerator="booked_by_10_weeks",
        denominator="booking_known",
        statistic="proportion",
        multiplier=100,
        per="% of maternities with a booking gestation",
        source="NHS England Maternity Services Monthly Statistics "
        "(GestAgeFormalAntenatalBookingGroup)",
        higher_is_better=True,
        shown_in={LMNS, LMNS_YEARLY, BOARD_SPC},
    ),
)


#: every measure known by name: the built-in ones and those of any catalogue
#: made since (so that statistics on a count table find a measure's statistic,
#: multiplier and polarity from its name)
BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}


def register(measures: Iterable[Measure]) -> None:
    """Make ``measures`` known by name; a name may not mean two measures."""
    for m in measures:
        known = BY_NAME.get(m.name)
        if known is not None and known != m:
            raise ValueError(f"measure {m.name!r} is already declared differently")
        BY_NAME[m.name] = m


@dataclass(frozen=True)
class Catalogue:
    """An ordered set of measures, looked up by name or by the analysis showing them."""

    measures: tuple[Measure, ...]

    def __post_init__(self) -> None:
        names = [m.name for m in self.measures]
        if len(set(names)) != len(names):
            raise ValueError("measure names must be unique")
        register(self.measures)

    def __iter__(self):
        return iter(self.measures)

    def __len__(self) -> int:
        return len(self.measures)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.measures)

    def get(self, name: str) -> Measure:
        from matequity.errors import UserError

        for m in self.measures:
            if m.name == name:
                return m
        raise UserError(f"unknown measure '{name}': expected one of {', '.join(self.names)}")

    def shown_in(self, role: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if role in m.shown_in)

    def with_measures(self, extra: Iterable[Measure]) -> Catalogue:
        return Catalogue((*self.measures, *extra))


CATALOGUE = Catalogue(MEASURES)


def get(name: str) -> Measure:
    return CATALOGUE.get(name)


def markdown(catalogue: Catalogue = CATALOGUE) -> str:
    """The measures table of docs/data-model.md, generated from the declarations."""
    lines = [
        "| name | measure | numerator | denominator | unit | interval | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in catalogue:
        lines.append(
            f"| `{m.name}` | {m.title} | {m.numerator_text} | {m.denominator_text} | {m.per} "
            f"| {m.interval} | {m.source} |"
        )
    return "\n".join(lines) + "\n"
