"""Quality on every engine: field status, quarantine reasons, MIS safety action
2, plausibility, completeness and the bounds for unrecorded groups, identical to
DuckDB's, released or not; MIS against its independent derivation."""

from __future__ import annotations

import pandas as pd
import pytest

from analyses.test_quality import _independent_mis
from matequity.analyses.quality import quality
from matequity.disclosure.policy import get
from matequity.quality import report
from matequity.quality.mis import mis_ethnicity


def assert_same_quality(got, want) -> None:
    assert list(got.tables) == list(want.tables) == list(report.FILES)
    for name, df in want.tables.items():
        assert len(df) > 0 or name == "plausibility.csv", name
        pd.testing.assert_frame_equal(got.tables[name], df, obj=name)
    assert got.summary == want.summary
    assert (got.birthweight_reference, got.policy) == (want.birthweight_reference, want.policy)
    pd.testing.assert_frame_equal(
        got.loads.drop(columns="loaded_at"), want.loads.drop(columns="loaded_at")
    )
    pd.testing.assert_frame_equal(got.reasons, want.reasons)


@pytest.mark.parametrize("policy", [None, "nhs"])
def test_quality_tables_identical(engine, duck, policy):
    pol = get(policy) if policy else None
    assert_same_quality(quality(engine, pol), quality(duck, pol))


def test_mis_matches_independent_derivation(engine, synthetic_store):
    got = mis_ethnicity(engine).table
    want = _independent_mis(synthetic_store)
    m = got.merge(want, on=["trust_code", "month"], how="outer", suffixes=("", "_ref"))
    assert len(m) == len(got) == len(want) > 100
    assert (m["valid"] == m["valid_ref"]).all()
    assert (m["booked"] == m["booked_ref"]).all()
