"""Making Data Count SPC against NHSRplotthedots' published test cases
(shared/reference/nhs_ecosystem.md §4.2) and the rules' definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.errors import UserError
from matequity.spc.chart import assurance, spc
from matequity.spc.rules import back_fill, shift_ends, trend_ends, two_in_three

RNORM20 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
    -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
    -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


def frame(values, **extra):
    return pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=len(values), freq="MS"),
            "value": values,
            **extra,
        }
    )


def test_rnorm_series_limits_and_common_cause():
    out = spc(frame(RNORM20))
    first = out.iloc[0]
    assert first["mean"] == pytest.approx(0.1416238, abs=1e-7)
    assert first["lpl"] == pytest.approx(-3.01138, abs=1e-5)
    assert first["upl"] == pytest.approx(3.294627, abs=1e-6)
    assert (out["point_type"] == "common_cause").all()
    assert out["variation_type"].iloc[0] == "common_cause"


def test_outlier_screening_matches_snapshot():
    y = list(RNORM20)
    y[14] = 10
    s = spc(frame(y)).iloc[0]
    assert (s["mean"], s["lpl"], s["upl"]) == pytest.approx(
        (0.6694159, -2.383666, 3.722497), abs=1e-6
    )
    u = spc(frame(y), screen_outliers=False).iloc[0]
    assert (u["lpl"], u["upl"]) == pytest.approx((-4.596625, 5.935457), abs=1e-6)


def test_excel_deviation_vignette():
    y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    s = spc(frame(y))
    assert round(s["mean"].iloc[0], 2) == 1.94
    assert (round(s["lpl"].iloc[0], 2), round(s["upl"].iloc[0], 2)) == (-0.72, 4.60)
    e = spc(frame(y), screen_outliers=False)
    assert (round(e["lpl"].iloc[0], 2), round(e["upl"].iloc[0], 2)) == (-3.06, 6.95)
    flagged = s[s["point_type"] != "common_cause"]
    assert flagged.index.tolist() == [4]
    assert flagged["point_type"].iloc[0] == "special_cause_improvement"
    assert flagged["special_cause_type"].iloc[0] == "Above UCL"


def test_rule_units():
    assert trend_ends(np.arange(1, 8)).tolist() == [0] * 6 + [1]
    assert trend_ends(np.arange(7, 0, -1)).tolist() == [0] * 6 + [-1]
    assert trend_ends(np.array([1, 2, 3, 3, 4, 5, 6])).tolist() == [0] * 7
    assert back_fill(trend_ends(np.arange(1, 8))).all()
    sides = np.array([1] * 8 + [-1])
    assert shift_ends(sides).tolist() == [0] * 6 + [1, 1, 0]
    assert back_fill(shift_ends(sides)).tolist() == [True] * 8 + [False]
    assert two_in_three(np.array([1, 0, 1]), np.array([1, 1, 1])).tolist() == [1, 1, 1]
    assert two_in_three(np.array([1, 0, 1]), np.array([1, -1, 1])).tolist() == [0, 0, 0]
    assert two_in_three(np.array([1, 0, 0, 1]), np.array([1, 1, 1, 1])).tolist() == [0] * 4


@pytest.mark.parametrize(
    ("direction", "want"),
    [
        (1, ["consistent_fail", "consistent_pass", "inconsistent"]),
        (-1, ["consistent_pass", "consistent_fail", "inconsistent"]),
        (0, [None, None, None]),
    ],
)
def test_assurance_cases(direction, want):
    got = [assurance(4, lo, hi, direction) for lo, hi in [(1, 3), (5, 7), (1, 5)]]
    assert got == want


def test_shift_trend_and_precedence_on_a_series():
    # 20 stable points then 8 points above the mean (a shift) for a lower-is-better measure
    y = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6] + [6.2] * 8
    out = spc(frame(y), improvement="decrease")
    tail = out.iloc[-8:]
    assert (tail["special_cause_type"] == "7 Points Above CL").all()
    assert (tail["point_type"] == "special_cause_concern").all()
    assert out["variation_type"].iloc[0] == "special_cause_concern_high"
    up = spc(frame(list(range(1, 15))), improvement="neutral")
    assert up["special_cause_type"].str.startswith("7 Point Trend (Increasing)").any()
    assert set(up["point_type"]) <= {
        "common_cause",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
    }


def test_rebase_fix_and_short_warning():
    y = list(RNORM20) + [v + 5 for v in RNORM20]
    df = frame(y)
    rebased = spc(df, rebase=[str(df["date"].iloc[20].date())])
    assert rebased["rebase_group"].tolist() == [0] * 20 + [1] * 20
    assert rebased["mean"].iloc[-1] == pytest.approx(0.1416238 + 5, abs=1e-6)
    fixed = spc(frame(RNORM20), fix_after=12)
    assert fixed["mean"].iloc[0] == pytest.approx(np.mean(RNORM20[:12]))
    with pytest.raises(UserError, match="at least 12"):
        spc(frame(RNORM20), fix_after=5)
    short = spc(frame(RNORM20[:10]))
    assert short["short_series_warning"].all()
    two = spc(frame(RNORM20 * 2, series_id=["a"] * 20 + ["b"] * 20))
    assert two.groupby("series_id")["mean"].first().tolist() == pytest.approx([0.1416238] * 2)


def test_spc_cli(tmp_path):
    p = tmp_path / "s.csv"
    frame(RNORM20).assign(date=lambda d: d["date"].dt.date).to_csv(p, index=False)
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(app, ["spc", str(p), "-o", str(out), "--target", "4"])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    for c in (
        "mean",
        "lpl",
        "upl",
        "special_cause_type",
        "point_type",
        "variation_type",
        "assurance_type",
    ):
        assert c in got.columns
    assert (got["assurance_type"] == "consistent_fail").all()
