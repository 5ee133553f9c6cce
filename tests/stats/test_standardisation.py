"""DSR and ISR against PHEindicatormethods' published test values (E5, E7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matequity.errors import UserError
from matequity.stats.dsr import dsr
from matequity.stats.isr import isr
from matequity.stats.standard_populations import ESP2013_BANDS, normalise_band

POP = [
    636,
    558,
    609,
    543,
    384,
    594,
    669,
    843,
    660,
    576,
    606,
    522,
    426,
    273,
    300,
    288,
    153,
    123,
    207,
]
BIG = [127, 25, 18, 21, 12, 27, 48, 27, 29, 32, 32, 34, 45, 65, 38, 68, 74, 82, 91]
SMALL = [12, 4, 3, 2, 3, 4, 8, 2, 2, 3, 4, 5, 6, 8, 5, 6, 5, 5, 4]
TINY = [0, 0, None, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 2, 3]
REF_COUNT = [
    10303,
    2824,
    0,
    3615,
    3641,
    3490,
    3789,
    3213,
    3031,
    2771,
    3089,
    3490,
    3595,
    4745,
    5514,
    7125,
    5694,
    6210,
    5757,
]
REF_POP = [
    50520,
    57173,
    60213,
    54659,
    44345,
    50128,
    62163,
    67423,
    62899,
    55463,
    60479,
    49974,
    44140,
    40888,
    37239,
    30819,
    18136,
    15325,
    13918,
]


def areas() -> pd.DataFrame:
    rows = []
    for area, counts in (("big", BIG), ("small", SMALL), ("tiny", TINY)):
        for band, n, o in zip(ESP2013_BANDS, POP, counts, strict=True):
            rows.append({"area": area, "age_band": band, "numerator": o, "denominator": n})
    return pd.DataFrame(rows)


def test_dsr_e5_per_100000():
    out = dsr(areas(), ["area"], "esp2013", 100_000, levels=("95", "99_8")).set_index("area")
    exp = {
        "big": (
            895,
            10430.247991469423,
            9717.709067985681,
            11178.94091547925,
            9323.287880219903,
            11620.595999522058,
        ),
        "small": (
            91,
            1103.212025300104,
            877.455767536709,
            1367.0882227251795,
            763.6420357939879,
            1530.0328948244762,
        ),
    }
    for area, (count, v, l95, u95, l998, u998) in exp.items():
        r = out.loc[area]
        assert r["total_count"] == count and r["total_pop"] == 8970
        np.testing.assert_allclose(
            [r["value"], r["lower_95"], r["upper_95"], r["lower_99_8"], r["upper_99_8"]],
            [v, l95, u95, l998, u998],
            rtol=1e-9,
        )
    assert np.isnan(out.loc["tiny", "value"]) and out.loc["tiny", "total_count"] == 9
    assert "below 10" in out.loc["tiny", "method"]


def test_dsr_e5_user_standard_esp1976():
    esp1976 = [
        8000,
        7000,
        7000,
        7000,
        7000,
        7000,
        7000,
        7000,
        7000,
        7000,
        7000,
        6000,
        5000,
        4000,
        3000,
        2000,
        1000,
        1000,
    ]
    bands = [*ESP2013_BANDS[:17], "85+"]
    df = pd.DataFrame(
        {"age_band": bands, "numerator": [*BIG[:17], 82], "denominator": [*POP[:17], 123]}
    )
    std = pd.DataFrame({"age_band": bands, "standard_population": esp1976})
    r = dsr(df, [], std, 10_000, levels=("95",)).iloc[0]
    assert r["total_count"] == 804 and r["total_pop"] == 8763
    np.testing.assert_allclose(
        [r["value"], r["lower_95"], r["upper_95"]],
        [859.2097585022366, 799.1160931442103, 922.5253880318318],
        rtol=1e-9,
    )


def test_band_labels_are_normalised_and_checked():
    assert normalise_band("90 and over") == "90+"
    assert normalise_band("5 – 9") == "5-9"
    assert normalise_band("10 to 14") == "10-14"
    bad = areas().replace({"age_band": {"0-4": "0-5"}})
    with pytest.raises(UserError, match="'0-5' is not in the standard population"):
        dsr(bad, ["area"])


def test_isr_e7():
    local = areas()
    ref = pd.DataFrame(
        {"age_band": ESP2013_BANDS, "ref_numerator": REF_COUNT, "ref_denominator": REF_POP}
    )
    out = isr(
        local, ["area"], "age_band", ref, refvalue=1, rate_multiplier=100_000, levels=("95", "99_8")
    ).set_index("area")
    assert out.loc["big", "expected"] == pytest.approx(835.8835612311743, rel=1e-12)
    assert out.loc["big", "ref_rate"] == pytest.approx(9349.88309221102, rel=1e-12)
    np.testing.assert_allclose(
        out.loc[
            "big",
            ["ratio", "ratio_lower_95", "ratio_upper_95", "ratio_lower_99_8", "ratio_upper_99_8"],
        ].astype(float),
        [
            1.0707232939020275,
            1.0017147712553987,
            1.143233287249895,
            0.9635155619614437,
            1.1860070415876287,
        ],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        out.loc[
            "tiny", ["rate", "rate_lower_95", "rate_upper_95", "rate_lower_99_8", "rate_upper_99_8"]
        ].astype(float),
        [
            100.6706576523123,
            46.03303513307893,
            191.10426659054028,
            27.43190862554234,
            253.4369635219236,
        ],
        rtol=1e-9,
    )
    assert out.loc["tiny", "method"] == "Exact" and out.loc["small", "method"] == "Byars"


def test_isr_zero_population_band():
    """testdata_err2: Area1's 5-9 population set to 0 -> expected 808.3217400918253."""
    local = areas()
    local = local[local["area"] == "big"].copy()
    local.loc[local["age_band"] == "5-9", "denominator"] = 0
    ref = pd.DataFrame(
        {"age_band": ESP2013_BANDS, "ref_numerator": REF_COUNT, "ref_denominator": REF_POP}
    )
    out = isr(local, ["area"], "age_band", ref, refvalue=100)
    assert out["expected"].iloc[0] == pytest.approx(808.3217400918253, rel=1e-12)
    np.testing.assert_allclose(
        out[["ratio", "ratio_lower_95", "ratio_upper_95"]].iloc[0].astype(float),
        [110.72323749430866, 103.58708281676485, 118.22147841228508],
        rtol=1e-9,
    )


@given(k=st.floats(0.1, 10), mult=st.sampled_from([1000.0, 100_000.0]))
def test_dsr_scales_with_counts_and_multiplier(k, mult):
    """Multiplying every band's rate by k multiplies the DSR by k; the
    multiplier only rescales."""
    df = areas()
    df = df[df["area"] == "big"]
    base = dsr(df, [], "esp2013", mult)["value"].iloc[0]
    scaled = df.assign(denominator=df["denominator"] / k)
    assert dsr(scaled, [], "esp2013", mult)["value"].iloc[0] == pytest.approx(base * k, rel=1e-9)
    assert dsr(df, [], "esp2013", 1.0)["value"].iloc[0] * mult == pytest.approx(base, rel=1e-12)


def test_internal_reference_ratio_is_one_overall():
    df = areas()
    out = isr(df, [], "age_band")
    assert out["ratio"].iloc[0] == pytest.approx(1.0)
