"""Making Data Count point types as NHSRplotthedots 0.2.x computes them
(``R/ptd_calculate_point_type.R``, read at commit 050b07d): the rule texts,
their precedence (outside > trend > two of three > shift) and the point type
read from the text, so that a trend is oriented by its direction and not by the
side of the mean. Each expected value is derived by hand from those functions
(the comments give the steps); during development the same series were also run
through the R functions themselves, with identical results, as were 18,000
points of random series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matequity.spc.chart import spc, variation_type
from matequity.spc.rules import point_type, shift_ends, special_cause_type, two_in_three

TREND_UP = "7 Point Trend (Increasing)"
TREND_DOWN = "7 Point Trend (Decreasing)"
IMPROVE, CONCERN = "special_cause_improvement", "special_cause_concern"


def frame(values):
    return pd.DataFrame(
        {"date": pd.date_range("2021-01-01", periods=len(values), freq="MS"), "value": values}
    )


# 14 points alternating 10, 12, then exactly 7 rising points, all below the mean:
# mean = (154 + 72.1) / 21 = 10.767; moving ranges 13 x 2, 2, 6 x 0.1: mean 1.43
# (none >= 3.267 x 1.43), limits 10.767 +/- 3.80, 2-sigma lines +/- 2.54, so the
# rising points are inside and not close. They end a trend (index 20) and a run
# of 7 below the mean; trend takes precedence.
RISING_BELOW = [10, 12] * 7 + [10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6]


@pytest.mark.parametrize(
    ("direction", "want", "icon"),
    [
        ("increase", IMPROVE, "special_cause_improvement_high"),
        ("decrease", CONCERN, "special_cause_concern_high"),
        ("neutral", "special_cause_neutral_high", "special_cause_neutral_high"),
    ],
)
def test_seven_rising_points_below_the_mean(direction, want, icon):
    out = spc(frame(RISING_BELOW), improvement=direction)
    tail = out.iloc[-7:]
    assert (tail["value"] < tail["mean"]).all()  # all below the mean
    assert ((tail["value"] > tail["lpl"]) & (tail["value"] < tail["upl"])).all()
    assert (tail["special_cause_type"] == TREND_UP).all()
    assert (tail["point_type"] == want).all()
    assert (out.iloc[:-7]["point_type"] == "common_cause").all()
    assert out["variation_type"].iloc[0] == icon


# falling the other way: 7 points from 12.0 to 11.4, all above the mean 11.233
FALLING_ABOVE = [10, 12] * 7 + [12.0, 11.9, 11.8, 11.7, 11.6, 11.5, 11.4]


@pytest.mark.parametrize(
    ("direction", "want", "icon"),
    [
        ("increase", CONCERN, "special_cause_concern_low"),
        ("decrease", IMPROVE, "special_cause_improvement_low"),
        ("neutral", "special_cause_neutral_low", "special_cause_neutral_low"),
    ],
)
def test_seven_falling_points_above_the_mean(direction, want, icon):
    out = spc(frame(FALLING_ABOVE), improvement=direction)
    tail = out.iloc[-7:]
    assert (tail["value"] > tail["mean"]).all()
    assert (tail["special_cause_type"] == TREND_DOWN).all()
    assert (tail["point_type"] == want).all()
    assert out["variation_type"].iloc[0] == icon


def test_a_peak_shared_by_a_rising_and_a_falling_trend_reads_as_falling():
    # wide limits (baseline 0, 10: mean about 4.7, limits about +/- 26);
    # rising 3.0 .. 6.0 (indices 16-22), falling 6.0 .. 3.0 (22-28). The peak is
    # part of both; the next point is part of a trend too, so its direction is
    # read to its right (6.0 -> 5.5): decreasing.
    y = [0, 10] * 8 + [3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 5.5, 5.0, 4.5, 4.0, 3.5, 3.0]
    out = spc(frame(y), improvement="increase")
    types = out["special_cause_type"].tolist()
    assert types[:16] == ["Common Cause"] * 16
    assert types[16:22] == [TREND_UP] * 6 and types[22:] == [TREND_DOWN] * 7
    assert out["point_type"].tolist()[16:] == [IMPROVE] * 6 + [CONCERN] * 7
    assert out["variation_type"].iloc[0] == "special_cause_concern_low"


def test_a_flat_step_between_two_rising_trends_reads_as_decreasing():
    # 1..7 then 7..13 after a wide baseline: both runs rise, but the last point
    # of the first is read to its right, where the step is 0: the R code labels
    # it "Decreasing" (sign 0 is not 1), so it is a concern when higher is better
    y = [-20, 30] * 8 + list(range(1, 8)) + list(range(7, 14))
    out = spc(frame([float(v) for v in y]), improvement="increase")
    types = out["special_cause_type"].tolist()
    assert types[16:22] == [TREND_UP] * 6
    assert types[22] == TREND_DOWN and out["point_type"].iloc[22] == CONCERN
    assert types[23:] == [TREND_UP] * 7


def test_outside_beats_trend_and_two_in_three_beats_shift():
    # a rising run whose last point is beyond the upper limit: "Above UCL" there,
    # the trend on the six before it
    y = [10, 12] * 10 + [10.5, 10.7, 10.9, 11.1, 11.3, 11.5, 40.0]
    out = spc(frame(y), improvement="decrease")
    types = out["special_cause_type"].tolist()
    assert types[-1] == "Above UCL" and out["point_type"].iloc[-1] == CONCERN
    assert types[-7:-1] == [TREND_UP] * 6
    assert (out["point_type"].iloc[-7:-1] == CONCERN).all()
    # points 1-2 of 3 beyond the 2-sigma line on the same side, inside the limits,
    # also part of a 7-point run above the mean: "2 in 3" for the close ones
    side = np.array([1] * 8)
    close = np.array([0, 0, 1, 1, 0, 0, 0, 0])
    text = special_cause_type(np.array([5, 6, 9, 9, 6, 5, 6, 5.0]), side, close, np.zeros(8))
    assert (
        text.tolist()
        == ["7 Points Above CL"] * 2 + ["2 in 3 Above CL"] * 2 + ["7 Points Above CL"] * 4
    )


def test_runs_need_seven_and_a_point_on_the_mean_breaks_them():
    assert shift_ends(np.array([1] * 6 + [-1])).tolist() == [0] * 7
    assert shift_ends(np.array([-1] * 8 + [1])).tolist() == [0] * 6 + [1, 1, 0]
    assert shift_ends(np.array([1, 1, 1, 0, 1, 1, 1, 1])).tolist() == [0] * 8
    y = [12, 10] * 7 + [11.5] * 7  # the last baseline point is below the mean
    out = spc(frame(y), improvement="increase")
    assert (out["special_cause_type"].iloc[-7:] == "7 Points Above CL").all()
    assert (out["point_type"].iloc[-7:] == IMPROVE).all()
    assert (spc(frame(y[:-1]))["point_type"] == "common_cause").all()  # only 6 above


def test_two_in_three_cases_from_the_package_tests():
    ones = np.ones(7, dtype=int)
    assert two_in_three(np.array([0, 0, 1, 0, 1, 0, 0]), ones).tolist() == [0, 0, 1, 1, 1, 0, 0]
    assert two_in_three(np.array([0, 0, 1, 1, 0, 0, 0]), ones).tolist() == [0, 1, 1, 1, 1, 0, 0]
    alt = np.array([1, -1, 1, -1, 1, -1, 1])
    assert two_in_three(np.array([0, 0, 1, 0, 1, 0, 0]), alt).tolist() == [0] * 7
    # ptd_special_cause_type's own test: its stubbed inputs in that order give
    # trend, trend, shift, shift, 2 in 3 below, below LCL, below LCL, common
    types = np.array(
        [
            TREND_UP,
            TREND_UP,
            "7 Points Above CL",
            "7 Points Above CL",
            "2 in 3 Below CL",
            "Below LCL",
            "Below LCL",
            "Common Cause",
        ]
    )
    assert point_type(types, 1).tolist() == [IMPROVE] * 4 + [CONCERN] * 3 + ["common_cause"]
    assert point_type(types, -1).tolist() == [CONCERN] * 4 + [IMPROVE] * 3 + ["common_cause"]


@pytest.mark.parametrize(
    ("last", "direction", "icon"),
    [
        (IMPROVE, 1, "special_cause_improvement_high"),
        (IMPROVE, -1, "special_cause_improvement_low"),
        (CONCERN, 1, "special_cause_concern_low"),
        (CONCERN, -1, "special_cause_concern_high"),
        ("special_cause_neutral_low", 0, "special_cause_neutral_low"),
        ("common_cause", 1, "common_cause"),
    ],
)
def test_variation_icon_as_geom_ptd_icon(last, direction, icon):
    assert variation_type(last, direction) == icon
