"""The plain-Python layout of a count table (:mod:`matequity.counts.tidy`)
against the same steps done with pandas, on generated GROUP BY results.

The pandas derivation below is the layout the count tables have always had
(a cross join of each breakdown's categories, a left merge, ``groupby`` margins
with ``dropna=False`` and a stable ``sort_values``); the plain-Python version
must give the same rows in the same order, whatever the groups, so that every
count table and CSV is unchanged.
"""

from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matequity import vocabulary as vocab
from matequity.counts import tidy

BREAKDOWNS = ["age_band", "imd_quintile", "baby_sex"]
MEASURES = ["stillbirth_rate", "neonatal_mortality_rate", "preterm_rate"]
ORGS = [("trust", "RAA", "Trust A"), ("trust", "RBB", "Trust B"), ("site", "RAA01", "Site")]
PERIODS = ["2022", "2023", "2022 Q1", "all"]


def _categories(b: str) -> st.SearchStrategy:
    """A category: the vocabulary's, an unexpected one, or missing."""
    return st.sampled_from([*tidy.category_order(b)[:3], "Unexpected", None])


@st.composite
def group_rows(draw) -> tuple[list[str], tuple[str, ...], list[tuple]]:
    """A GROUP BY result: breakdowns, columns and unique keyed rows."""
    by = draw(st.lists(st.sampled_from(BREAKDOWNS), max_size=2, unique=True))
    key = st.tuples(
        st.sampled_from(PERIODS),
        st.sampled_from(ORGS),
        *[_categories(b) for b in by],
        st.sampled_from(MEASURES),
    )
    keys = draw(st.lists(key, max_size=25, unique=True))
    rows = []
    for period, org, *rest in keys:
        *cats, measure = rest
        den = draw(st.integers(0, 500))
        num = draw(st.integers(0, den))
        rows.append((period, *org, *cats, measure, num, den))
    return by, tidy.columns(by), rows


def _frame(cols, rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(cols), dtype=object)
    return df.astype({"numerator": "int64", "denominator": "int64"})


def _pandas_complete(df: pd.DataFrame, by) -> pd.DataFrame:
    if not by or df.empty:
        return df
    keys = list(tidy.KEYS)
    grid = df[keys].drop_duplicates()
    for b in by:
        cats = list(dict.fromkeys([*tidy.category_order(b), *df[b].dropna().unique()]))
        grid = grid.merge(pd.DataFrame({b: cats}, dtype=object), how="cross")
    out = grid.merge(df, on=[*keys, *by], how="left")
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].fillna(0).astype("int64")
    return out[df.columns]


def _pandas_totals(df: pd.DataFrame, by) -> pd.DataFrame:
    keys = list(tidy.KEYS)
    parts = [df]
    for r in range(1, len(by) + 1):
        for subset in itertools.combinations(by, r):
            rest = [b for b in by if b not in subset]
            g = (
                df.groupby(keys + rest, dropna=False, sort=False)[["numerator", "denominator"]]
                .sum()
                .reset_index()
            )
            for s in subset:
                g[s] = vocab.ALL
            parts.append(g[df.columns])
    return pd.concat(parts, ignore_index=True)


def _pandas_ordered(df: pd.DataFrame, by) -> pd.DataFrame:
    df = df.copy()
    sort_keys = ["_m", "period", "org_code"]
    df["_m"] = df["measure"].map({m: i for i, m in enumerate(MEASURES[:2])}).fillna(999)
    for b in by:
        order = {v: i for i, v in enumerate([*tidy.category_order(b), vocab.ALL])}
        df[f"_o_{b}"] = df[b].map(order).fillna(998)
        sort_keys.append(f"_o_{b}")
    df = df.sort_values(sort_keys, kind="stable")
    return df.drop(columns=[c for c in df if c.startswith("_")]).reset_index(drop=True)


def _rows(df: pd.DataFrame) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in r) for r in df.itertuples(index=False)]


@settings(max_examples=150, deadline=None)
@given(group_rows())
def test_layout_equals_pandas(case):
    by, cols, rows = case
    df = _frame(cols, rows)

    done = tidy.complete(cols, rows, by)
    want = _pandas_complete(df, by)
    assert done == _rows(want)
    # only rows without a category are dropped: every other count is kept
    kept = [r for r in rows if None not in r[4 : 4 + len(by)]]
    assert sum(r[-2] for r in done) == sum(r[-2] for r in kept)

    totalled = tidy.with_totals(cols, done, by)
    want = _pandas_totals(want, by)
    assert totalled == _rows(want)

    # measures outside the order (here the third) go last, as before
    assert tidy.ordered(cols, totalled, by, MEASURES[:2]) == _rows(_pandas_ordered(want, by))


@settings(max_examples=100, deadline=None)
@given(group_rows())
def test_margins_reconcile(case):
    """Each margin is the sum of the rows it stands for."""
    by, cols, rows = case
    done = tidy.complete(cols, rows, by)
    out = tidy.with_totals(cols, done, by)
    assert len(out) >= len(done)
    at = {c: i for i, c in enumerate(cols)}
    for r in out[len(done) :]:
        blank = [b for b in by if r[at[b]] == vocab.ALL]
        assert blank
        members = [
            d
            for d in done
            if all(d[at[k]] == r[at[k]] for k in tidy.KEYS)
            and all(d[at[b]] == r[at[b]] for b in by if b not in blank)
        ]
        assert r[at["numerator"]] == sum(d[at["numerator"]] for d in members)
        assert r[at["denominator"]] == sum(d[at["denominator"]] for d in members)


def test_period_labels():
    assert tidy.period_label("all") == "all"
    assert tidy.period_label("year", 2024) == "2024"
    assert tidy.period_label("quarter", 2024, 1) == "2024 Q1"
    assert tidy.period_label("month", 2024, None, 3) == "2024-03"
    assert tidy.columns(["age_band"]) == (
        "period",
        "org_level",
        "org_code",
        "org_name",
        "age_band",
        "measure",
        "numerator",
        "denominator",
    )
