"""Inequality summaries against PHEindicatormethods (E10) and healthequal (E13, E14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matequity.stats.inequality import ordered
from matequity.stats.inequality.common import paf_par
from matequity.stats.inequality.table import inequality
from matequity.stats.inequality.unordered import unordered

# E10 block A area1 (value type 0) and block B area1 (rates)
A_POP = np.array([7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534.0])
A_Y = np.array(
    [
        75.9334590103081,
        78.3442382727843,
        83.8360631041654,
        83.6375399664931,
        80.4655031529559,
        81.1156759857022,
        81.6930835718562,
        84.1900062060987,
        80.5955641081472,
        86.2894349578624,
    ]
)
A_SE = np.array(
    [
        1.638472426358545,
        1.578192884542907,
        1.5134355059640296,
        1.7754906175801293,
        1.7013390591981388,
        1.56412107376755,
        1.3681148366878566,
        1.4001418005940802,
        2.4328463975781616,
        1.5665181695934678,
    ]
)
B_POP = np.array([279012, 255993, 236961, 214315, 192812, 183546, 168593, 164822, 154836, 138165.0])
B_Y = np.array(
    [
        5.892219689475721,
        4.7345044591063035,
        3.827634083245766,
        3.8681380211371112,
        3.6771570234217785,
        3.1436261209723995,
        3.1258711808912585,
        2.942568346458604,
        2.82879950399132,
        2.7648101907140012,
    ]
)
B_SE = np.array(
    [
        0.02458749781093432,
        0.028651772387909245,
        0.03313428067829554,
        0.03465674221781768,
        0.03747737394554521,
        0.041552591866051265,
        0.04347834474318538,
        0.045324801522114426,
        0.04769567606225466,
        0.05107105401330555,
    ]
)


def test_phe_sii_point_estimates_e10():
    s, r, icpt = ordered.phe_sii(A_Y, A_POP, A_SE, "normal", repetitions=1000)
    assert s.estimate == pytest.approx(6.934616473668819, rel=1e-12)
    assert r.estimate == pytest.approx(1.0888180804446217, rel=1e-12)
    assert icpt == pytest.approx(78.07663078231671, rel=1e-12)
    s5, r5, _ = ordered.phe_sii(A_Y[:5], A_POP[:5], A_SE[:5], "normal", repetitions=1000)
    assert s5.estimate == pytest.approx(7.919334147100874, rel=1e-12)
    assert r5.estimate == pytest.approx(1.1037116952527257, rel=1e-12)


def test_phe_sii_rates_and_log_transform_e10():
    s, r, icpt = ordered.phe_sii(B_Y, B_POP, B_SE, "rate", repetitions=10_000, seed=3)
    assert s.estimate == pytest.approx(-3.2752012326471758, rel=1e-12)
    assert r.estimate == pytest.approx(0.40600068953980034, rel=1e-12)
    assert icpt == pytest.approx(5.513813189631011, rel=1e-12)
    # simulated limits: PHE's tests allow 5%
    assert s.lower == pytest.approx(-3.5868233016744155, rel=0.05)
    assert s.upper == pytest.approx(-2.9653170017272723, rel=0.05)
    assert r.lower == pytest.approx(0.36888170199068804, rel=0.05)
    assert r.upper == pytest.approx(0.44624776652446996, rel=0.05)
    st_, rt, it = ordered.phe_sii(
        B_Y, B_POP, B_SE, "rate", repetitions=10_000, seed=3, transform=True
    )
    assert st_.estimate == pytest.approx(-3.15590713895456, rel=1e-12)
    assert rt.estimate == pytest.approx(0.4418848436076823, rel=1e-12)
    assert it == pytest.approx(5.65458060546947, rel=1e-12)
    assert st_.lower == pytest.approx(-3.4809615490242884, rel=0.05)
    assert st_.upper == pytest.approx(-2.833237344763632, rel=0.05)


def test_phe_sii_normal_simulated_limits_e10():
    s, r, _ = ordered.phe_sii(A_Y, A_POP, A_SE, "normal", repetitions=20_000, seed=5)
    assert s.lower == pytest.approx(3.127594617650817, rel=0.05)
    assert s.upper == pytest.approx(10.7586873680794, rel=0.05)
    assert r.lower == pytest.approx(1.0383690591642838, rel=0.05)


E13_POP = np.array([78, 91, 162, 103, 105.0])
E13_EST = np.array([20, 30, 40, 50, 60.0])
E13_SE = np.array([5, 7, 10, 12, 14.0])


def test_healthequal_ordered_e13():
    events = np.round(E13_EST / 100 * np.ceil(E13_POP))
    sii, rii = ordered.who_sii_rii(events, E13_POP, 100)
    assert sii.estimate == pytest.approx(44.44502, rel=1e-6)
    assert sii.se == pytest.approx(0.02190822 * 100, rel=1e-6)  # matequity: indicator scale
    assert (sii.lower, sii.upper) == (
        pytest.approx(40.15109, rel=1e-6),
        pytest.approx(48.73895, rel=1e-6),
    )
    assert rii.estimate == pytest.approx(3.159506, rel=1e-6)
    assert rii.se == pytest.approx(0.07644001, rel=1e-6)
    assert (rii.lower, rii.upper) == (
        pytest.approx(2.719902, rel=1e-6),
        pytest.approx(3.67016, rel=1e-6),
    )
    aci, rci = ordered.concentration(E13_EST, E13_POP)
    assert aci.estimate == pytest.approx(7.3284202, rel=1e-6)
    assert aci.se == pytest.approx(0.29368517, rel=1e-6)
    assert rci.estimate == pytest.approx(0.17776859, rel=1e-6)
    assert (rci.lower, rci.upper) == (
        pytest.approx(0.16380545, rel=1e-3),
        pytest.approx(0.19173172, rel=1e-3),
    )
    mu = float(np.sum(E13_POP / E13_POP.sum() * E13_EST))
    paf, par = paf_par(60, 105, mu, E13_POP.sum(), 100, True, "5")
    assert paf.estimate == pytest.approx(45.544548, rel=1e-6)
    assert paf.se == pytest.approx(0.10689361 * 100, rel=1e-6)  # fixed: percentage scale
    assert par.estimate == pytest.approx(18.775509, rel=1e-6)
    assert par.se == pytest.approx(4.4066348, rel=1e-6)
    assert (par.lower, par.upper) == (
        pytest.approx(10.138505, rel=1e-2),
        pytest.approx(27.412513, rel=1e-2),
    )


E14_POP = np.array(
    [
        832,
        931,
        1468,
        1021,
        1039,
        1515,
        1138,
        620,
        794,
        866,
        1367,
        1108,
        1120,
        1033,
        833,
        1536,
        1149,
        410,
        1210,
        858,
        680,
        935,
        692,
        781,
        812.0,
    ]
)
E14_EST = np.array(
    [
        61,
        74,
        58,
        59,
        72,
        75,
        74,
        68,
        75,
        67,
        73,
        63,
        66,
        62,
        60,
        66,
        71,
        73,
        71,
        61,
        74,
        84,
        55,
        69,
        60.0,
    ]
)
E14_SE = np.array([5, 3, 3, 3, 4, 9, 2, 2, 2, 5, 5, 7, 5, 6, 4, 5, 6, 6, 9, 4, 3, 4, 1, 3, 7.0])


def test_healthequal_unordered_e14():
    res = {s.measure: s for s in unordered(E14_EST, E14_SE, E14_POP, True, 13, 100)}
    expected = {
        "bgsd": 6.7969351,
        "idisu": 8.7018175,
        "idisw": 8.6178417,
        "mdbu": 16.360001,
        "mdbw": 16.293156,
        "mdmu": 5.891726,
        "mdmw": 5.8348689,
        "mdru": 7.2399998,
        "mdrw": 7.2228465,
    }
    for k, v in expected.items():
        assert res[k].estimate == pytest.approx(v, rel=1e-4), k
    assert res["bgv"].estimate == pytest.approx(46.198326, rel=1e-6)
    assert res["bgv"].se == pytest.approx(17.134647, rel=1e-6)
    assert res["theil"].estimate == pytest.approx(5.0359201, rel=1e-4)
    assert res["theil"].se == pytest.approx(0.0014201 * 1000, rel=1e-3)  # fixed: x 1000
    assert res["mld"].estimate == pytest.approx(5.0524006, rel=1e-4)
    assert res["mld"].se == pytest.approx(0.0014242 * 1000, rel=1e-3)
    mu = float(np.sum(E14_POP / E14_POP.sum() * E14_EST))
    paf, par = paf_par(84, E14_POP[21], mu, E14_POP.sum(), 100, True, "best")
    assert paf.estimate == pytest.approx(24.06426, rel=1e-6)
    assert paf.se == pytest.approx(0.01771526 * 100, rel=1e-4)
    assert par.estimate == pytest.approx(16.293152, rel=1e-6)
    assert par.se == pytest.approx(1.1994447, rel=1e-4)


def _counts(rates, pops, groups=None):
    groups = groups or [f"{i + 1}" for i in range(len(rates))]
    return pd.DataFrame(
        {
            "area": "X",
            "imd": groups,
            "numerator": np.round(np.array(rates) * np.array(pops)),
            "denominator": pops,
        }
    )


@settings(max_examples=20, deadline=None)
@given(
    rate=st.floats(0.002, 0.2),
    pops=st.lists(st.integers(2000, 50000), min_size=3, max_size=10),
    ordered_dim=st.booleans(),
)
def test_all_measures_zero_when_groups_equal(rate, pops, ordered_dim):
    pops = [p * 10 for p in pops]
    df = _counts([rate] * len(pops), pops)
    df["numerator"] = df["denominator"] * rate  # exactly equal rates
    out = inequality(
        df, "imd", ordered_dim, statistic="rate", multiplier=1000, repetitions=2000
    ).set_index("summary_measure")
    zero = [
        "difference",
        "bgv",
        "bgsd",
        "mdmu",
        "mdmw",
        "mdbu",
        "mdbw",
        "idisu",
        "idisw",
        "theil",
        "mld",
        "paf",
        "par",
        "sii_phe",
        "sii_who",
        "aci",
        "rci",
    ]
    for m in zero:
        if m in out.index:
            assert abs(out.loc[m, "estimate"]) < 1e-6, m
    for m in ("ratio", "rii_phe", "rii_who"):
        if m in out.index:
            assert out.loc[m, "estimate"] == pytest.approx(1.0, abs=1e-6), m


def test_table_ordered_and_unknowns_left_out():
    df = _counts(
        [0.006, 0.005, 0.004, 0.0035, 0.003],
        [60000, 55000, 50000, 50000, 45000],
        ["1 (most deprived)", "2", "3", "4", "5 (least deprived)"],
    )
    df = pd.concat(
        [
            df,
            pd.DataFrame(
                {"area": ["X"], "imd": ["Not known"], "numerator": [9], "denominator": [1000]}
            ),
        ]
    )
    out = inequality(df, "imd", True, statistic="rate", multiplier=1000).set_index(
        "summary_measure"
    )
    assert out.loc["difference", "estimate"] == pytest.approx(3.0, rel=1e-9)  # 6 - 3 per 1,000
    assert out.loc["ratio", "estimate"] == pytest.approx(2.0, rel=1e-9)
    assert out.loc["sii_phe", "estimate"] < 0 < out.loc["difference", "estimate"]
    assert out.loc["rii_who", "estimate"] < 1
    assert (out["groups"] == 5).all()


def test_healthequal_sample_ordered_e15():
    """healthequal's Indonesian sample (births attended by skilled personnel, by
    wealth quintile), values computed by running the package source (E15)."""
    from matequity.stats.inequality.common import difference_ratio

    y = np.array([75.6053009, 91.01996613, 96.03958893, 97.0422287, 99.22405243])
    se = np.array([1.59961307, 1.135150433, 0.6461946368, 0.567620635, 0.2237682641])
    n = np.array([2072.436035, 2112.204102, 1983.059204, 2052.123779, 1884.509888])
    d, r = difference_ratio(y[4], se[4], y[0], se[0], "Q5 vs Q1")
    assert (d.estimate, d.se) == (
        pytest.approx(23.61875152588, rel=1e-8),
        pytest.approx(1.615188599289, rel=1e-8),
    )
    assert (r.estimate, r.lower, r.upper) == (
        pytest.approx(1.31239544375, rel=1e-8),
        pytest.approx(1.25879053393, rel=1e-8),
        pytest.approx(1.36828308949, rel=1e-8),
    )
    aci, rci = ordered.concentration(y, n)
    assert (aci.estimate, aci.se) == (
        pytest.approx(4.30051970377, rel=1e-8),
        pytest.approx(1.284030856912, rel=1e-8),
    )
    assert (rci.estimate, rci.se) == (
        pytest.approx(0.04695060157, rel=1e-6),
        pytest.approx(0.014018310650, rel=1e-6),
    )
    mu = float(np.sum(n / n.sum() * y))
    paf, par = paf_par(y[4], n[4], mu, n.sum(), 100, True, "Q5")
    assert paf.estimate == pytest.approx(8.32711561476, rel=1e-6)
    assert paf.se == pytest.approx(0.003681918735 * 100, rel=1e-6)
    assert (par.estimate, par.se) == (
        pytest.approx(7.62736228740, rel=1e-6),
        pytest.approx(0.337251569475, rel=1e-6),
    )


def test_sii_line_is_the_weighted_least_squares_fit_on_ridits():
    """Independent derivation: statsmodels WLS of y on the ridit, weights = population."""
    import statsmodels.api as sm

    from matequity.stats.inequality.ordered import sii_line

    pop = np.array([120_000, 90_000, 100_000, 80_000, 60_000], float)
    y = np.array([5.1, 4.2, 3.9, 3.1, 2.6])
    share = pop / pop.sum()
    ridit = np.cumsum(share) - share / 2
    fit = sm.WLS(y, sm.add_constant(ridit), weights=pop).fit()
    assert np.allclose(sii_line(y, pop), fit.fittedvalues)
