"""Charts: what each chart draws is the API's numbers (limits, rates, icons),
deprivation axes say which end is most deprived, every chart has alt text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matequity.analyses.funnel import peer_funnel
from matequity.disclosure.policy import POLICIES
from matequity.measures.catalogue import BY_NAME
from matequity.model import deprivation
from matequity.outputs.charts.funnel import funnel_of, population_label
from matequity.outputs.charts.small_multiples import small_multiples
from matequity.outputs.charts.spc import spc_chart
from matequity.outputs.charts.trend import gradient_chart
from matequity.spc.chart import spc
from matequity.stats.funnel import curve, funnel


def _layer_data(spec: dict, layer: dict, parent: dict | None = None) -> pd.DataFrame:
    """A layer's rows (its own data, else its parent's)."""
    node = layer if "data" in layer else parent
    return pd.DataFrame(spec["datasets"][node["data"]["name"]])


def released_funnel(
    units, measure, policy, overdispersion="none", highlight=None, unit_label="organisations"
):
    """The analysis's funnel and the chart the reports draw from it."""
    f = peer_funnel(units, BY_NAME[measure], policy, overdispersion, highlight)
    return f.points, funnel_of(f, BY_NAME[measure], unit_label)


def _units(extra_over: float = 0.0) -> pd.DataFrame:
    """20 LMNS with 3.5 stillbirths per 1,000; QS20 has twice that; QS19 is tiny."""
    rng = np.random.default_rng(3)
    n = rng.integers(5_000, 20_000, size=20).astype(float)
    n[18] = 300
    o = np.round(n * 0.0035 * (1 + extra_over * rng.normal(size=20)).clip(0.2))
    o[19] = round(n[19] * 0.007)
    return pd.DataFrame(
        {
            "period": "2021-2023",
            "org_level": "lmns",
            "org_code": [f"QS{i:02d}" for i in range(1, 21)],
            "org_name": [f"LMNS {i}" for i in range(1, 21)],
            "measure": "stillbirth",
            "numerator": o,
            "denominator": n,
        }
    )


def test_funnel_chart_draws_the_api_limits_and_positions():
    units = _units()
    rel, chart = released_funnel(
        units, "stillbirth", POLICIES["nhs"], highlight="QS05", unit_label="LMNS"
    )
    api, _disp = funnel(units, "rate", 1000.0)
    assert (rel["position_99_8"].dropna() == api.loc[rel["value"].notna(), "position_99_8"]).all()
    assert api.set_index("org_code").loc["QS20", "position_99_8"] == "above"
    spec = chart.spec()
    lines = next(ly for ly in spec["layer"] if ly["mark"]["type"] == "line")
    drawn = _layer_data(spec, lines).pivot_table(index="denominator", columns="limit", values="y")
    want = curve("rate", units["denominator"].max(), api["target"].iloc[0] / 1000, 1000.0)
    want = want.set_index("denominator").loc[drawn.index]
    for col in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        assert np.allclose(drawn[col], want[col])
    assert drawn.index.min() >= 0.5 * units["denominator"].min()
    points = next(ly for ly in spec["layer"] if ly["mark"]["type"] == "circle")
    shown = _layer_data(spec, points)
    # QS19 (about one stillbirth) is withheld: not drawn, counted in the alt text
    assert "QS19" not in set(shown["org_code"]) and "1 LMNS with too few events" in chart.alt_text
    assert {t["field"] for t in points["encoding"]["tooltip"]} >= {"org_name", "org_code"}
    assert any(ly["mark"].get("shape") == "diamond" for ly in spec["layer"])
    assert "LMNS 20" in chart.alt_text and "above the 99.8% limit (LMNS 20)" in chart.alt_text


def test_funnel_chart_overdispersed_limits_when_chosen():
    units = _units(extra_over=0.6)
    rel, chart = released_funnel(units, "stillbirth", POLICIES["nhs"], "phi")
    api, disp = funnel(units, "rate", 1000.0, "phi")
    assert disp.phi > 1 and (rel["limits"] == "overdispersed (phi)").all()
    assert "overdispersed (phi)" in chart.alt_text
    spec = chart.spec()
    lines = next(ly for ly in spec["layer"] if ly["mark"]["type"] == "line")
    drawn = _layer_data(spec, lines).pivot_table(index="denominator", columns="limit", values="y")
    want = (
        curve("rate", units["denominator"].max(), api["target"].iloc[0] / 1000, 1000.0, "phi", disp)
        .set_index("denominator")
        .loc[drawn.index]
    )
    assert np.allclose(drawn["upper_99_8"], want["upper_99_8"])


def test_population_label():
    assert population_label("per 1,000 total births") == "Total births"
    assert population_label("% of term live births") == "Term live births"


@pytest.mark.parametrize(
    ("shift", "target", "glyph", "assurance"),
    [(3.0, 9.0, "H", "F"), (-3.0, 12.0, "L", "P"), (0.0, None, "~", None)],
)
def test_spc_chart_carries_the_making_data_count_icons(shift, target, glyph, assurance):
    rng = np.random.default_rng(1)
    y = np.r_[rng.normal(10, 0.5, 16), rng.normal(10 + shift, 0.5, 8)]
    df = pd.DataFrame({"date": pd.date_range("2022-01-01", periods=24, freq="MS"), "value": y})
    pts = spc(df, improvement="decrease", target=target)
    spec = spc_chart(pts, "t", "Rate (per 1,000)", target).spec()
    icons = spec["hconcat"][1]
    d = _layer_data(spec, icons["layer"][0], icons)
    assert d["glyph"].iloc[0] == glyph
    want_variation = pts["variation_type"].iloc[-1]
    assert (glyph == "~") == (want_variation == "common_cause")
    if glyph == "H":  # higher is worse here: a concern, in the concern colour
        assert want_variation == "special_cause_concern_high"
        assert d["colour"].iloc[0] == "#e46c0a"
    if assurance:
        assert d["glyph"].iloc[1] == assurance and d["kind"].iloc[1] == "Assurance"
    else:
        assert len(d) == 1


def test_gradient_axis_reads_most_deprived_first():
    labels = [deprivation.decile_label(d) for d in range(1, 11)]
    rates = pd.DataFrame(
        {"imd_decile": labels, "value": np.linspace(6, 2, 10), "lower_95": 1.0, "upper_95": 7.0}
    )
    fitted = pd.DataFrame({"imd_decile": labels, "fit": np.linspace(6, 2, 10)})
    spec = gradient_chart(rates, fitted, "g", "per 1,000", -4.0, 0.3).spec()
    x = spec["layer"][0]["encoding"]["x"]
    assert x["sort"][0] == "1 (most deprived)" and x["sort"][-1] == "10 (least deprived)"
    assert "1 = most deprived" in x["title"]
    assert "slope index of inequality -4.00" in spec["description"]


def test_small_multiples_one_panel_per_organisation_with_england():
    rates = pd.DataFrame(
        {
            "org_name": ["A", "A", "B", "B"],
            "period": ["2022", "2023", "2022", "2023"],
            "value": [3.0, np.nan, 4.0, 5.0],
        }
    )
    eng = pd.DataFrame({"period": ["2022", "2023"], "value": [3.5, 3.4]})
    c = small_multiples(rates, eng, "SB by LMNS", "per 1,000", series_label="LMNS")
    spec = c.spec()
    assert spec["facet"]["field"] == "org_name"
    d = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert set(d["org_name"]) == {"A", "B"}
    e = d[d["series"] == "England"].groupby("period")["value"].agg(["min", "max"])
    assert (e["min"] == e["max"]).all() and list(e["min"]) == [3.5, 3.4]
    assert "3 of 4 organisation-years are shown" in c.alt_text


def test_funnel_positions_belong_to_their_organisations_whatever_the_index():
    """Count tables filtered upstream keep their index: each released point keeps
    its own position (found by the 1M-birth benchmark's LMNS report)."""
    units = _units()
    shuffled = pd.concat([units.iloc[:0], units]).set_axis(range(100, 120)).iloc[::-1]
    got = peer_funnel(shuffled, BY_NAME["stillbirth"], POLICIES["nhs"]).points
    exact, _ = funnel(units, "rate", 1000)
    want = exact.set_index("org_code")["position_99_8"]
    shown = got[got["value"].notna()].set_index("org_code")["position_99_8"]
    assert len(shown) == len(units) - 1  # QS19's one stillbirth is withheld
    assert shown.to_dict() == want[shown.index].to_dict()
