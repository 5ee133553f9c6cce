"""Stabilised & adjusted rates as a report section: each trust's rate as
MBRRACE-UK publishes it (its comparator group's rate x its stabilised SMR) beside
its crude rate, with its band against the group's average, and the funnel of
every trust's observed / expected deaths.

Layout only: every figure comes from
:func:`matequity.analyses.stabilised_rates.stabilised`, released under the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from matequity.analyses.stabilised_rates import StabilisedSet
from matequity.measures.definition import Measure
from matequity.outputs.charts.funnel import funnel_chart
from matequity.outputs.reports.document import Section, Table

EXPLAIN = (
    "Stabilised & adjusted rates take account of who was born where (mother's age, "
    "deprivation and ethnic group, the baby's sex and multiple birth) and of chance: a "
    "trust with few births is drawn towards its comparator group's average, as MBRRACE-UK "
    "publishes them. A band says whether the trust's rate is above or below its group's "
    "average by more than 10% (MBRRACE-UK's bands for 2013-15 births). The crude rate is "
    "what was observed."
)


def _f(v, d: int = 2) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{d}f}"


def stabilised_section(
    found: StabilisedSet,
    measures: Callable[[str], Measure],
    trusts: Sequence[str] | None = None,
    highlight: str | None = None,
    title: str = "Stabilised and adjusted rates",
) -> Section:
    """``trusts``: the trusts whose rows the table shows (None: every trust, as
    counts of trusts per band and comparator group)."""
    tables, charts = [], []
    for name, r in found.results.items():
        m = measures(name)
        u = r.units
        if trusts is not None:
            rows = u[u["org_code"].isin(list(trusts))].sort_values("org_code")
            tables.append(
                Table(
                    f"{m.title} ({m.per}), births {r.period.replace(':', '-')}: stabilised & "
                    "adjusted rate (95% CI) beside the crude rate, by comparator group",
                    (
                        "Trust",
                        "Comparator group",
                        "Deaths",
                        "Crude rate",
                        "Stabilised & adjusted rate (95% CI)",
                        "Group average",
                        "Band",
                    ),
                    tuple(
                        (
                            f"{x.org_name} ({x.org_code})",
                            str(x.comparator_group),
                            _f(x.observed, 0),
                            _f(x.crude_rate),
                            "withheld"
                            if pd.isna(x.stabilised_rate)
                            else f"{x.stabilised_rate:.2f} ({x.lower_95:.2f} to {x.upper_95:.2f})",
                            _f(x.comparator_rate),
                            str(x.band or "withheld"),
                        )
                        for x in rows.itertuples()
                    ),
                )
            )
        else:
            shown = u[u["band"].astype(str) != ""]
            table = shown.groupby(["comparator_group", "band"]).size().unstack(fill_value=0)
            bands = list(table.columns)
            tables.append(
                Table(
                    f"{m.title}: trusts by band against their comparator group's average, "
                    f"births {r.period.replace(':', '-')}",
                    ("Comparator group", *bands, "Withheld (few deaths)"),
                    tuple(
                        (
                            str(g),
                            *(str(int(table.loc[g, b])) for b in bands),
                            str(
                                int(
                                    (
                                        (u["comparator_group"] == g) & (u["band"].astype(str) == "")
                                    ).sum()
                                )
                            ),
                        )
                        for g in table.index
                    ),
                )
            )
        charts.append(
            funnel_chart(
                r.funnel,
                r.limits,
                f"{m.title}: observed against expected deaths, every trust",
                "Observed / expected deaths",
                "Expected deaths (case mix)",
                "exact Poisson limits for an indirectly standardised ratio",
                highlight,
                "trusts",
            )
        )
    unfitted = tuple(
        f"{measures(name).title}: no model could be fitted ({why})."
        for name, why in found.unfitted.items()
    )
    return Section(title, (EXPLAIN, *unfitted), tables=tuple(tables), charts=tuple(charts))
