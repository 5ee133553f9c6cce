"""Writing a table as CSV: the file is the one pandas writes for it, however
its float columns are formatted on the way (:func:`matequity.tablefiles.write_counts`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matequity.tablefiles import (
    neutralise,
    repeated_floats_as_text,
    whole_counts,
    write_counts,
    write_rows,
)

#: floats with the awkward ones: signed zeros, missing, infinite, tiny and huge
_FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-05, 1e16, 0.1, -2.5, 185.0]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)


@settings(max_examples=150, deadline=None)
@given(
    pool=st.lists(_FLOATS, min_size=1, max_size=6),
    picks=st.lists(st.integers(min_value=0, max_value=5), max_size=40),
    unique=st.lists(_FLOATS, max_size=10),
)
@example(pool=[np.nan, -0.0, 0.0], picks=[0, 0, 1, 1, 2, 2], unique=[])
@example(pool=[np.inf, 1e16, 1e-05], picks=[0, 1, 2, 0, 1, 2], unique=[0.1, np.nan])
def test_a_csv_is_what_pandas_writes(tmp_path_factory, pool, picks, unique):
    """Repeated floats (formatted once each), distinct floats (left to pandas),
    counts held as floats and text: the same bytes as pandas' own ``to_csv``."""
    repeated = [pool[i % len(pool)] for i in picks]
    n = len(repeated)
    df = pd.DataFrame(
        {
            "site": [f"-S{i % 3}" for i in range(n)],
            "expected": repeated,
            "numerator": [float(i % 4) for i in range(n)],
            "spread": (unique * (n // max(len(unique), 1) + 1))[:n] if unique else [0.5] * n,
        }
    )
    p = tmp_path_factory.mktemp("csv") / "t.csv"
    write_counts(df, p)
    assert p.read_text() == neutralise(whole_counts(df)).to_csv(index=False)


def test_only_repeating_float_columns_are_formatted_here():
    df = pd.DataFrame({"few": [0.25, 0.25, -0.0, 0.25], "many": [0.1, 0.2, 0.3, 0.4]})
    out = repeated_floats_as_text(df)
    assert out["few"].tolist() == ["0.25", "0.25", "-0.0", "0.25"]
    assert out["many"].dtype == np.float64
    assert df["few"].dtype == np.float64  # the frame given is not changed


_CELLS = st.one_of(
    st.none(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.text(max_size=8),
    st.sampled_from(["=1+1", "+A1", "-2", "@SUM(A1)", "\tx", "\rx", 'say "hi"', "a,b", "l1\nl2"]),
)


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(st.sampled_from(["period", "=org", "measure", "numerator", "x,y"]), min_size=1),
    cells=st.lists(st.lists(_CELLS, min_size=5, max_size=5), max_size=12),
)
def test_plain_rows_are_written_as_their_frame(tmp_path_factory, names, cells):
    """``write_rows`` (no pandas) writes the bytes ``write_counts`` writes for
    the same rows as a frame of objects: neutralised text, whole numbers and
    blanks for missing values, quoting and line ends alike."""
    names = list(dict.fromkeys(names))
    rows = [tuple(r[: len(names)]) for r in cells]
    out = tmp_path_factory.mktemp("rows")
    write_rows(names, rows, out / "rows.csv")
    write_counts(pd.DataFrame(rows, columns=names, dtype=object), out / "frame.csv")
    assert (out / "rows.csv").read_bytes() == (out / "frame.csv").read_bytes()


def test_plain_rows_to_a_workbook(tmp_path):
    p = write_rows(["measure", "numerator"], [("=bad", 3), ("ok", None)], tmp_path / "t.xlsx")
    back = pd.read_excel(p, dtype=object)
    assert back["measure"].tolist() == ["'=bad", "ok"]
    assert back["numerator"].iloc[0] == 3 and pd.isna(back["numerator"].iloc[1])
