"""``Engine.sums`` and ``Engine.rows`` on every engine: the one GROUP BY a count
table is made of, and small tables as plain Python.

Each result is checked against an independent derivation: the same table read
whole into pandas and grouped there (``dropna=False``, so a missing key is a
group of its own, as in SQL). DuckDB answers ``sums`` with its own SQL; the
Ibis expression every other engine uses is checked on DuckDB too, so both
paths agree with pandas and with each other.
"""

from __future__ import annotations

import pandas as pd
import pytest

from matequity.engine import tables
from matequity.engine.base import IbisStore, plain
from matequity.measures.flags import FLAG as FLAGS
from matequity.measures.flags import Flag

BABY_FLAGS = [FLAGS[n] for n in ("stillbirth", "live_birth_24", "neonatal_death", "moss_event")]

#: (by, within): breakdowns with missing keys (ethnic group, IMD), none, and a filter
CASES = [
    ([], None),
    (["year"], None),
    (["trust_code", "ethnic_group"], None),
    (["imd_decile", "year", "quarter"], None),
    (["site_code"], ("trust_code", None)),  # None: the first two trusts, from the data
    ([], ("trust_code", None)),
]


def _flag_values(df: pd.DataFrame, flags: list[Flag]) -> pd.DataFrame:
    out = df.copy()
    for f in flags:
        out[f.name] = out[f.name].astype("boolean").fillna(False).astype("int64")
    return out


def _expected(frame: pd.DataFrame, by, flags, within) -> list[tuple]:
    """The sums by pandas, as sorted plain tuples."""
    df = _flag_values(frame, flags)
    if within is not None:
        df = df[df[within[0]].isin(within[1])]
    names = [f.name for f in flags]
    if not by:
        return [tuple(int(df[n].sum()) for n in names)] if len(df) else []
    g = df.groupby(by, dropna=False, sort=False)[names].sum().reset_index()
    return sorted((tuple(plain(v) for v in r) for r in g.itertuples(index=False)), key=repr)


def _within(frame: pd.DataFrame, within):
    if within is None:
        return None
    codes = sorted(frame[within[0]].dropna().unique())[:2]
    assert len(codes) == 2
    return (within[0], codes)


@pytest.fixture(scope="module")
def babies(duck) -> pd.DataFrame:
    return duck.execute(duck.table("babies_derived"))


@pytest.mark.parametrize(("by", "within"), CASES, ids=lambda c: repr(c))
def test_sums_equal_pandas(engine, babies, by, within):
    within = _within(babies, within)
    want = _expected(babies, by, BABY_FLAGS, within)
    got = engine.sums("babies_derived", by, BABY_FLAGS, within=within)
    assert all(type(v) in (int, str, type(None)) for r in got for v in r)
    assert sorted(got, key=repr) == want
    if by:  # the sums add up to the whole table's
        whole = _expected(babies, [], BABY_FLAGS, within)[0]
        assert tuple(sum(r[len(by) + i] for r in got) for i in range(len(BABY_FLAGS))) == whole


@pytest.mark.parametrize("by", [[], ["site_code", "birth_date"], ["year"]], ids=repr)
@pytest.mark.parametrize("within", [None, ("trust_code", None)], ids=["all", "two-trusts"])
def test_sums_among_the_rows_with_a_flag(engine, duck, babies, by, within):
    """``among``: only rows with the flag set (MOSS's days with an event), so a
    group without one has no row."""
    within = _within(babies, within)
    among = FLAGS["moss_event"]
    flags = [among, FLAGS["stillbirth"]]
    subset = babies[_flag_values(babies, [among])[among.name] == 1]
    want = _expected(subset, by, flags, within)
    got = engine.sums("babies_derived", by, flags, within=within, among=among)
    assert all(not hasattr(v, "hour") for r in got for v in r)  # dates as dates
    want = [tuple(v.date() if hasattr(v, "hour") else v for v in r) for r in want]
    assert sorted(got, key=repr) == sorted(want, key=repr)
    assert all(r[len(by)] >= 1 for r in got)
    if engine is not duck:
        return
    ibis_path = IbisStore.sums(duck, "babies_derived", by, flags, within=within, among=among)
    assert sorted(got, key=repr) == sorted(ibis_path, key=repr)


@pytest.mark.parametrize(("by", "within"), CASES, ids=lambda c: repr(c))
def test_sums_with_the_count_of_rows(engine, duck, babies, by, within):
    """``count``: each group's number of rows last (every row, whatever its
    flags: completeness counts babies of any outcome)."""
    within = _within(babies, within)
    flags = [FLAGS["stillbirth"]]
    df = babies if within is None else babies[babies[within[0]].isin(within[1])]
    if by:
        g = df.groupby(by, dropna=False, sort=False)
        want = g[["stillbirth"]].sum().join(g.size().rename("n")).reset_index()
        want = sorted((tuple(plain(v) for v in r) for r in want.itertuples(index=False)), key=repr)
    else:
        want = [(int(df["stillbirth"].fillna(False).sum()), len(df))]
    got = engine.sums("babies_derived", by, flags, within=within, count=True)
    assert sorted(got, key=repr) == want
    assert sum(r[-1] for r in got) == len(df)
    only_rows = engine.sums("babies_derived", by, [], within=within, count=True)
    assert sorted(only_rows, key=repr) == sorted((r[:-2] + r[-1:] for r in want), key=repr)
    if engine is duck:
        ibis_path = IbisStore.sums(duck, "babies_derived", by, flags, within=within, count=True)
        assert sorted(ibis_path, key=repr) == want


@pytest.mark.parametrize(("by", "within"), CASES, ids=lambda c: repr(c))
def test_duckdb_sql_and_ibis_agree(duck, babies, by, within):
    within = _within(babies, within)
    sql = duck.sums("babies_derived", by, BABY_FLAGS, within=within)
    ibis_path = IbisStore.sums(duck, "babies_derived", by, BABY_FLAGS, within=within)
    assert sorted(sql, key=repr) == sorted(ibis_path, key=repr)


def test_sums_with_an_expression_flag(engine, babies):
    """A flag with its own expression (not a column) is summed too."""
    heavy = Flag(
        name="heavy",
        unit="babies",
        text="birthweight of 4,000 g or more",
        expr=lambda t: t.birthweight_g >= 4000,
    )
    got = engine.sums("babies_derived", ["year"], [heavy, FLAGS["stillbirth"]])
    df = babies.assign(heavy=(babies.birthweight_g >= 4000).astype("boolean"))
    assert sorted(got) == _expected(df, ["year"], [heavy, FLAGS["stillbirth"]], None)


@pytest.mark.parametrize("by", [[], ["year"]], ids=["whole", "grouped"])
def test_sums_of_no_rows(engine, by):
    """Nothing matches: no row, whether grouped or not."""
    assert engine.sums("babies_derived", by, BABY_FLAGS, within=("trust_code", ["NOPE"])) == []
    assert engine.sums("babies_derived", by, BABY_FLAGS, within=("trust_code", [])) == []


@pytest.mark.parametrize(
    "hostile",
    ["x' OR '1'='1", "') OR 1=1 --", "R1A'; DROP TABLE babies; --", "%", "*", "\\", '"'],
)
def test_within_values_are_data_not_sql(engine, hostile):
    """A value in ``within`` is compared, never run: it matches nothing and the
    store is unchanged."""
    before = engine.sums("babies_derived", [], BABY_FLAGS)
    assert engine.sums("babies_derived", [], BABY_FLAGS, within=("trust_code", [hostile])) == []
    assert all(engine.has_table(t) for t in tables.ALL_TABLES)
    assert engine.sums("babies_derived", [], BABY_FLAGS) == before


def test_sums_need_a_table_of_the_store(engine):
    from matequity.errors import UserError

    with pytest.raises(UserError, match="no table 'nosuch'"):
        engine.sums("nosuch", [], BABY_FLAGS)


def test_rows_are_the_table_as_plain_python(engine, duck):
    """``rows`` is the table's frame, value for value, as plain Python; the
    organisations (loaded from the same file) are the same on every engine."""
    for name in ("loads", "derived_meta", "organisations"):
        frame = engine.execute(engine.table(name))
        got = engine.rows(name)
        assert [list(r) for r in got] == [list(frame.columns)] * len(frame)
        want = [
            {c: plain(v) for c, v in zip(frame.columns, r, strict=True)}
            for r in frame.itertuples(index=False)
        ]
        key = lambda r: repr(sorted(r.items()))  # noqa: E731
        assert sorted(got, key=key) == sorted(want, key=key)
        assert all(not hasattr(v, "item") for r in got for v in r.values())
    key = lambda r: r["site_code"]  # noqa: E731
    assert sorted(engine.rows("organisations"), key=key) == sorted(
        duck.rows("organisations"), key=key
    )


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
        (3, 3),
        ("x", "x"),
    ],
)
def test_plain_values(value, want):
    assert plain(value) is want or plain(value) == want


def test_plain_numpy_scalars_are_python():
    import numpy as np

    for v, t in ((np.int64(4), int), (np.float64(0.5), float), (np.bool_(True), bool)):
        assert type(plain(v)) is t and plain(v) == v.item()
