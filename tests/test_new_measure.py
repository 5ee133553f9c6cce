"""Adding a measure is one declaration: declared here, it gets its count table,
its rates, its row in the documentation's measures table and its section in
the LMNS report, with no other change anywhere."""

from __future__ import annotations

import pandas as pd
import pytest

from matequity import engine as engines
from matequity.analyses.lmns import lmns
from matequity.analyses.tables import rates
from matequity.counts.compute import count_table
from matequity.disclosure.policy import POLICIES
from matequity.measures import catalogue as cat
from matequity.measures.definition import Measure
from matequity.measures.flags import Flag
from matequity.outputs.reports.lmns import report

TERM_STILLBIRTH = Measure(
    name="term_stillbirth",
    title="Term stillbirth rate",
    numerator=Flag(
        name="term_stillbirth",
        unit="babies",
        text="stillbirths at 37+0 weeks or later",
        expr=lambda t: (t.stillbirth == 1) & (t.term_birth == 1),
    ),
    denominator="term_birth",
    statistic="rate",
    multiplier=1000,
    per="per 1,000 term births",
    source="matequity test: a measure declared in one place",
    shown_in={cat.LMNS},
)


@pytest.fixture
def catalogue():
    """The built-in catalogue and the new measure; the name is forgotten after the
    test (declaring a measure makes it known by name everywhere)."""
    yield cat.CATALOGUE.with_measures([TERM_STILLBIRTH])
    cat.BY_NAME.pop(TERM_STILLBIRTH.name, None)


def test_a_declared_measure_has_counts_rates_docs_and_a_report_section(synthetic_store, catalogue):
    with engines.open("duckdb", synthetic_store) as eng:
        counts = count_table(eng, [TERM_STILLBIRTH], by=["ethnic_group"], level="england")
        # the numerator is exactly the term stillbirths, counted independently
        b = eng.table("babies_derived")
        sb = b.filter((b.stillbirth == 1) & (b.gestation_days >= 259))
        want = eng.execute(sb.group_by("year").aggregate(n=sb.count()))
        code = sorted(eng.execute(eng.table("organisations"))["lmns_code"])[0]
        analysis = lmns(eng, code, POLICIES["nhs"], "2022:2023", catalogue=catalogue)
    got = counts.groupby("period")["numerator"].sum()
    assert got.to_dict() == {str(y): n for y, n in zip(want["year"], want["n"], strict=True)}
    r = rates(counts, catalogue)
    ok = r["denominator"] > 0
    assert (
        r.loc[ok, "value"] - 1000 * r.loc[ok, "numerator"] / r.loc[ok, "denominator"]
    ).abs().max() < 1e-9
    row = next(line for line in cat.markdown(catalogue).splitlines() if "`term_stillbirth`" in line)
    assert "stillbirths at 37+0 weeks or later" in row and "per 1,000 term births" in row
    rep = report(analysis)
    section = next(s for s in rep.sections if s.title == "Term stillbirth rate")
    assert section.tables and section.charts
    assert any("Term stillbirth rate" in d for d in rep.definitions)
    assert isinstance(analysis.groups["ethnic_group"].table, pd.DataFrame)
