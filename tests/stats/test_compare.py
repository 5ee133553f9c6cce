"""Group comparisons against independent derivations and published worked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep

from matequity.errors import UserError
from matequity.stats.compare import compare, excess_totals


def table(rows):
    return pd.DataFrame(rows, columns=["org", "group", "numerator", "denominator"])


def test_best_reference_and_excess_events():
    df = table(
        [
            ("X", "White", 30, 10000),
            ("X", "Black", 14, 2000),
            ("X", "Asian", 12, 3000),
            ("X", "Not known", 1, 100),
        ]
    )
    out = compare(df, "group", statistic="rate", multiplier=1000).set_index("group")
    # best = lowest rate among known groups with >= 10 events: White 3.0 per 1,000
    assert (out["reference"] == "White").all()
    assert out.loc["Black", "ratio"] == pytest.approx((14 / 2000) / (30 / 10000))
    assert out.loc["Black", "expected_at_reference"] == pytest.approx(6.0)
    assert out.loc["Black", "excess_events"] == pytest.approx(8.0)
    assert out.loc["Asian", "excess_events"] == pytest.approx(3.0)
    assert out["excess_share"].sum() == pytest.approx((8 + 3 + 0.7) / 57)
    assert out.loc["White", "excess_events"] == 0


def test_poisson_rate_ratio_interval_by_hand():
    df = table([("X", "A", 40, 10000), ("X", "B", 20, 10000)])
    r = compare(df, "group", reference="B", statistic="rate", multiplier=1000).set_index("group")
    se = np.sqrt(1 / 40 + 1 / 20)
    assert r.loc["A", "ratio_lower_95"] == pytest.approx(2 * np.exp(-1.959963984540054 * se))
    assert r.loc["A", "ratio_upper_95"] == pytest.approx(2 * np.exp(1.959963984540054 * se))
    assert r.loc["A", "difference"] == pytest.approx(2.0)


def test_newcombe_matches_statsmodels():
    """Newcombe's hybrid score interval equals statsmodels' 'newcomb' method."""
    df = table([("X", "A", 56, 70), ("X", "B", 48, 80)])
    r = compare(df, "group", reference="B", statistic="proportion", multiplier=1).set_index("group")
    lo, hi = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    assert r.loc["A", "difference_lower_95"] == pytest.approx(lo, abs=1e-10)
    assert r.loc["A", "difference_upper_95"] == pytest.approx(hi, abs=1e-10)
    # Newcombe (1998) Table II example (56/70 vs 48/80): 0.0524 to 0.3339
    assert round(lo, 4) == 0.0524 and round(hi, 4) == 0.3339


def test_katz_risk_ratio_matches_statsmodels():
    df = table([("X", "A", 56, 70), ("X", "B", 48, 80)])
    r = compare(df, "group", reference="B", statistic="proportion", multiplier=1).set_index("group")
    lo, hi = confint_proportions_2indep(56, 70, 48, 80, method="log", compare="ratio")
    assert r.loc["A", "ratio_lower_95"] == pytest.approx(lo, rel=1e-9)
    assert r.loc["A", "ratio_upper_95"] == pytest.approx(hi, rel=1e-9)


def test_higher_is_better_picks_the_highest():
    df = pd.DataFrame(
        {
            "measure": "booked_by_10_weeks",
            "group": ["A", "B"],
            "numerator": [600, 400],
            "denominator": [1000, 1000],
        }
    )
    out = compare(df, "group")
    assert (out["reference"] == "A").all()


def test_named_reference_missing_is_a_user_error():
    df = table([("X", "A", 4, 100)])
    with pytest.raises(UserError, match="reference group 'White'"):
        compare(df, "group", reference="White", statistic="rate", multiplier=1)


@given(
    a=st.integers(1, 500),
    n1=st.integers(1000, 100000),
    c=st.integers(1, 500),
    n0=st.integers(1000, 100000),
    k=st.integers(2, 5),
)
def test_merging_equal_rate_groups_leaves_ratio_unchanged(a, n1, c, n0, k):
    """Splitting the compared group into k parts with the same rate leaves each
    part's ratio equal to the merged group's ratio."""
    merged = table([("X", "G", a * k, n1 * k), ("X", "R", c, n0)])
    split = table([("X", f"G{i}", a, n1) for i in range(k)] + [("X", "R", c, n0)])
    rm = compare(merged, "group", reference="R", statistic="rate", multiplier=1)
    rs = compare(split, "group", reference="R", statistic="rate", multiplier=1)
    g = rm.set_index("group").loc["G", "ratio"]
    assert np.allclose(rs[rs["group"] != "R"]["ratio"], g, rtol=1e-12)
    # and the excess events add up
    assert rs["excess_events"].sum() == pytest.approx(rm["excess_events"].sum())


@given(rate=st.floats(0.001, 0.2), ns=st.lists(st.integers(100, 10000), min_size=2, max_size=6))
def test_equal_rates_mean_ratio_one_and_no_excess(rate, ns):
    df = table([("X", f"g{i}", rate * n * 10, n * 10) for i, n in enumerate(ns)])
    out = compare(df, "group", statistic="rate", multiplier=1, min_events=0)
    assert np.allclose(out["ratio"], 1.0) and np.allclose(out["excess_events"], 0.0, atol=1e-9)


def test_reference_without_events_gives_no_ratio_and_no_error():
    # found building the LMNS report on a small area: a named reference group with
    # zero events raised ZeroDivisionError
    df = pd.DataFrame(
        {
            "group": ["White", "Black"],
            "measure": "stillbirth",
            "numerator": [0, 4],
            "denominator": [500, 400],
        }
    )
    out = compare(df, "group", "White").set_index("group")
    assert np.isnan(out.loc["Black", "ratio"]) and np.isnan(out.loc["Black", "ratio_lower_95"])
    assert out.loc["Black", "excess_events"] == 4


def test_excess_totals_sum_the_groups_excess_at_the_reference_rate():
    """Independent derivation: sum over groups of O - n x (O_ref / n_ref)."""
    df = pd.DataFrame(
        {
            "measure": "stillbirth",
            "org_code": ["A"] * 3 + ["B"] * 3,
            "group": ["White", "Black", "Asian"] * 2,
            "numerator": [30, 20, 12, 10, 9, 4],
            "denominator": [10_000, 2_500, 3_000, 5_000, 1_000, 2_000],
        }
    )
    out = excess_totals(compare(df, "group", "White"), ["org_code"]).set_index("org_code")
    for code, part in df.groupby("org_code"):
        ref = part[part["group"] == "White"].iloc[0]
        want = (
            part["numerator"] - part["denominator"] * ref["numerator"] / ref["denominator"]
        ).sum()
        assert out.loc[code, "excess_events"] == pytest.approx(want)
        assert out.loc[code, "events"] == part["numerator"].sum()
        assert out.loc[code, "excess_share"] == pytest.approx(want / part["numerator"].sum())
        assert out.loc[code, "reference"] == "White"
