"""Disclosure control against an attacker (issue 12).

The attacker (``matequity.disclosure.attack``) sees only published tables. It is
shown to be real, and sound, on the release rule matequity used before issue 12
(counts rounded, statistics from the unrounded counts to 1 d.p.; full-precision
ratios and excess events in report data): it recovers small counts, each equal
to the truth. Then property tests build random organisation hierarchies,
breakdowns and years, publish every table a user can publish together (counts
with and without margins at several levels, rates, multi-year periods, report
comparisons and best-group excess totals), release them with
``release_set`` and attack the result: no true count of 1-7 is recoverable
under any policy, for every combination the policy claims to protect; the
combinations it does not protect are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matequity.counts.compute import ALL, add_totals
from matequity.disclosure.attack import Published, attack
from matequity.disclosure.policy import POLICIES
from matequity.disclosure.release import release_set
from matequity.disclosure.spec import Comparison, Rates, TableSpec
from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME
from matequity.stats.compare import compare, excess_totals
from matequity.stats.rates import add_rates
from matequity.vocabulary import ENGLAND_CODE

YEARS = ("2023", "2024")
RANGE = "2023-2024"
GROUPS = ("White", "Asian", "Black")
QUINTILES = ("1 (most deprived)", "5 (least deprived)")
LEVEL_COLS = {"site": "site_code", "trust": "trust_code", "lmns": "lmns_code"}
COUNT_POLICIES = ("nhs", "opensafely", "midpoint6")
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class World:
    orgs: pd.DataFrame  # organisations table (one row per site)
    sites: pd.DataFrame  # true counts by site, group and year
    measure: str


def _orgs(shape: list[list[int]]) -> pd.DataFrame:
    rows = []
    for li, trusts in enumerate(shape):
        for ti, n_sites in enumerate(trusts):
            for si in range(n_sites):
                rows.append(
                    {
                        "site_code": f"S{li}{ti}{si}",
                        "site_name": f"Site {li}{ti}{si}",
                        "trust_code": f"T{li}{ti}",
                        "trust_name": f"Trust {li}{ti}",
                        "lmns_code": f"L{li}",
                        "lmns_name": f"LMNS {li}",
                        "region_code": "R1",
                        "region_name": "Region 1",
                    }
                )
    return pd.DataFrame(rows)


@st.composite
def worlds(draw, max_count: int = 12) -> World:
    """sites -> trusts -> LMNS -> England; a few ethnic groups (and, sometimes,
    two IMD quintiles inside each); two years; many small counts (denominators
    too)."""
    shape = draw(
        st.lists(st.lists(st.integers(1, 2), min_size=1, max_size=2), min_size=1, max_size=2)
    )
    orgs = _orgs(shape)
    groups = GROUPS[: draw(st.integers(2, 3))]
    quintiles = QUINTILES if draw(st.booleans()) else (ALL,)
    measure = draw(st.sampled_from(["stillbirth", "preterm_birth"]))
    rows = []
    for site in orgs["site_code"]:
        for g in groups:
            for q in quintiles:
                for y in YEARS:
                    # the edges of the rounding rule (1, 7) and zeros, often
                    x = draw(st.one_of(st.sampled_from([0, 1, 7]), st.integers(0, max_count)))
                    rows.append(
                        {
                            "site_code": site,
                            "ethnic_group": g,
                            "imd_quintile": q,
                            "period": y,
                            "numerator": x,
                            "denominator": x + draw(st.integers(0, 3 * max_count)),
                        }
                    )
    return World(orgs, pd.DataFrame(rows), measure)


def breakdowns(world: World) -> list[tuple[str, ...]]:
    """The breakdowns a world can be published by."""
    if (world.sites["imd_quintile"] == ALL).all():
        return [("ethnic_group",)]
    return [("ethnic_group",), ("imd_quintile",), ("ethnic_group", "imd_quintile")]


def counts_at(
    world: World,
    level: str,
    period: str | None = None,
    totals: bool = False,
    by: tuple[str, ...] = ("ethnic_group",),
):
    """A count table as ``matequity counts --level L --by B [--totals]`` writes it
    (years, or ``period`` summed over both years as the reports do)."""
    s = world.sites.merge(world.orgs, on="site_code")
    if level == "england":
        s = s.assign(org_code=ENGLAND_CODE, org_name="England")
    else:
        s = s.assign(org_code=s[LEVEL_COLS[level]], org_name=s[LEVEL_COLS[level]])
    keys = ["period", "org_code", "org_name", *by]
    out = s.groupby(keys, as_index=False)[["numerator", "denominator"]].sum()
    if period is not None:
        out = out.groupby(keys[1:], as_index=False)[["numerator", "denominator"]].sum()
        out["period"] = period
    out["org_level"] = level
    out["measure"] = world.measure
    cols = ["period", "org_level", "org_code", "org_name", *by, "measure"]
    out = out[[*cols, "numerator", "denominator"]]
    return add_totals(out, list(by)) if totals else out


def rates_of(counts: pd.DataFrame) -> pd.DataFrame:
    m = BY_NAME[counts["measure"].iloc[0]]
    return add_rates(counts, m.statistic, float(m.multiplier))


COUNTS = TableSpec(by=("ethnic_group",))
RATES = TableSpec(by=("ethnic_group",), derived=(Rates(),))
COMPARED = TableSpec(
    by=("ethnic_group",), derived=(Rates(), Comparison(by="ethnic_group", reference="White"))
)


def excess_table(released: pd.DataFrame) -> pd.DataFrame | None:
    """Best-group excess totals per organisation and period, from a released
    comparison table (as the LMNS report's best_group does)."""
    keys = ["period", "org_level", "org_code", "org_name", "ethnic_group", "measure"]
    known = released.loc[
        (released["ethnic_group"] != ALL) & released["numerator"].notna(),
        [*keys, "numerator", "denominator"],
    ]
    compared = compare(known, "ethnic_group", "best")
    if "excess_events" not in compared:  # no group has enough events to be the best
        return None
    out = excess_totals(compared, ["period", "org_level", "org_code", "measure"])
    out.insert(0, "by", "ethnic_group")
    return out.rename(columns={"reference": "best"}).drop(columns=["events"])


def assert_sound(result, truth: dict[str, pd.DataFrame]) -> None:
    """The attacker never pins a count to anything but its true value."""
    for f in result.findings:
        if f.table:
            assert truth[f.table].loc[f.row - 1, f.column] == f.value, f


def assert_truth_fits(tables, orgs, truth: dict[str, pd.DataFrame]) -> None:
    """Soundness of the attacker's model itself: the true counts satisfy every
    bound, sum, rate inequality and choice it derives from the published tables
    (so no finding can ever be wrong)."""
    result = attack(tables, orgs)
    model, var = result.model, result.var
    true: dict[int, float] = {}
    for name, frame in truth.items():
        ids = result.cells.rows[name]
        for col in ("numerator", "denominator"):
            for cid, v in zip(ids, frame[col].to_numpy(float), strict=True):
                true[var[(int(cid), col)]] = v
    for v, t in true.items():
        assert model.lo[v] <= t <= model.hi[v], (result.cells.describe(v // 2), t)
    for r in model.rows:
        if all(v in true for v in r.coefs):
            got = sum(c * true[v] for v, c in r.coefs.items())
            assert r.lo - 1e-6 <= got <= r.hi + 1e-6, (r, got)
    for vx, vn, pairs in model.choices:
        if vx in true and vn in true:
            assert ((pairs[:, 0] == true[vx]) & (pairs[:, 1] == true[vn])).any()


def assert_nothing_recoverable(tables, orgs) -> None:
    result = attack(tables, orgs)
    assert result.findings == [], result.frame().to_string()
    assert result.undecided == []


# -- the release rule before issue 12 (kept here to show the attacker is real) --


def prefix_release(df: pd.DataFrame) -> pd.DataFrame:
    """nhs before issue 12: counts rounded independently; rates and intervals from
    the unrounded counts to 1 d.p., withheld below 8 events."""
    p = POLICIES["nhs"]
    out = df.copy()
    x = df["numerator"].to_numpy(float)
    for c in [c for c in df.columns if c == "value" or c.startswith(("lower_", "upper_"))]:
        out[c] = np.where(x < 8, np.nan, np.round(df[c].to_numpy(float), 1))
    out["numerator"], out["denominator"] = p.count(x), p.count(df["denominator"])
    out["suppressed"] = np.where(x < 8, "rate", "")
    out["disclosure_policy"] = "nhs"
    return out


def prefix_report(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The LMNS report's data before issue 12: rates released as above, then
    full-precision ratios and excess events (withheld with the rate), and the
    best-group excess total (withheld below 8 events)."""
    keys = ["period", "org_level", "org_code", "org_name", "ethnic_group", "measure"]
    cmp_ = compare(counts, "ethnic_group", "White")
    rel = prefix_release(rates_of(counts))
    cols = ["ratio", "ratio_lower_95", "ratio_upper_95", "excess_events"]
    rel = rel.merge(cmp_[[*keys, "reference", *cols]], on=keys)
    ref_shown = rel.loc[rel["ethnic_group"] == "White", "value"].notna().all()
    rel.loc[rel["value"].isna() | (not ref_shown), cols] = np.nan
    best = excess_totals(compare(counts, "ethnic_group", "best"), ["measure"])
    best.loc[best["events"] < 8, ["excess_events", "excess_share"]] = np.nan
    best = best.rename(columns={"reference": "best"}).drop(columns=["events"])
    best.insert(0, "by", "ethnic_group")
    return rel, best


def _one_trust(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "period": "2024",
                "org_level": "trust",
                "org_code": "T1",
                "org_name": "Trust 1",
                "ethnic_group": g,
                "measure": "stillbirth",
                "numerator": x,
                "denominator": n,
            }
            for g, x, n in rows
        ]
    )


def test_attacker_recovers_small_counts_from_the_prefix_rule():
    """Rates from unrounded counts pin the large cells' numerators; the 'All'
    margin minus them leaves the small cell: the issue's attack, found."""
    counts = add_totals(
        _one_trust([("Asian", 31, 3003), ("Black", 27, 2401), ("White", 3, 412)]),
        ["ethnic_group"],
    ).reset_index(drop=True)
    released = prefix_release(rates_of(counts))
    result = attack([Published("rates.csv", released)])
    assert_sound(result, {"rates.csv": counts})
    got = result.frame()
    white = got[(got["column"] == "numerator") & got["cell"].str.contains("White")]
    assert white["value"].tolist() == [3]
    assert white["via"].iloc[0].startswith("sums")
    # the same table released under nhs now: nothing
    now = release_set({"rates.csv": rates_of(counts)}, POLICIES["nhs"], RATES)
    assert_nothing_recoverable([Published("rates.csv", now["rates.csv"])], None)


def test_attacker_recovers_small_counts_from_prefix_report_data():
    """Full-precision excess events pin each group's counts; the best-group total
    of excess events and its share give the events in all, and so the small group."""
    counts = _one_trust(
        [("Asian", 41, 4102), ("Black", 33, 2506), ("White", 52, 7013), ("Mixed", 4, 650)]
    ).assign(org_level="lmns", org_code="L1", org_name="LMNS 1", period="2022-2024")
    rel, best = prefix_report(counts)
    result = attack([Published("groups", rel), Published("best", best)])
    assert_sound(result, {"groups": counts})
    mixed = [f for f in result.findings if "Mixed" in f.cell and f.column == "numerator"]
    assert [f.value for f in mixed] == [4]
    # the report's own functions now derive everything from released counts
    from matequity.analyses.by_group import best_group, released_comparison

    policy = POLICIES["nhs"]
    now = released_comparison(counts, "ethnic_group", "White", policy)
    assert now["excess_events"].notna().any()
    tables = [
        Published("groups", now),
        Published("best", best_group(counts, "ethnic_group", policy)),
    ]
    assert_nothing_recoverable(tables, None)


@PROPERTY
@given(world=worlds())
def test_attacker_is_sound_on_the_prefix_rule(world):
    """Whatever it recovers from the pre-fix release of a trust and an LMNS table
    with margins is the true count."""
    truth = {
        lv: counts_at(world, lv, totals=True).reset_index(drop=True) for lv in ("trust", "lmns")
    }
    tables = [Published(lv, prefix_release(rates_of(t))) for lv, t in truth.items()]
    assert_sound(attack(tables, world.orgs), truth)
    assert_truth_fits(tables, world.orgs, truth)


# -- every table a user can publish, released together, attacked ------------------


@st.composite
def publications(draw):
    """A world and a set of tables published together: counts at two to four
    levels (each by ethnic group, IMD or both, with or without 'All' margins, by
    year and over both years), rates, a report comparison with its best-group
    excess totals."""
    world = draw(worlds())
    levels = draw(
        st.lists(
            st.sampled_from(["site", "trust", "lmns", "england"]),
            min_size=2,
            max_size=4,
            unique=True,
        )
    )
    frames, specs = {}, {}
    for lv in levels:
        by = draw(st.sampled_from(breakdowns(world)))
        name = f"counts_{lv}_{'_'.join(by)}"
        frames[name] = counts_at(world, lv, totals=draw(st.booleans()), by=by)
        specs[name] = TableSpec(by=by)
        if draw(st.booleans()):
            frames[f"{name}_range"] = counts_at(world, lv, RANGE, draw(st.booleans()), by)
            specs[f"{name}_range"] = TableSpec(by=by)
    lv = draw(st.sampled_from(levels))
    frames["rates"] = rates_of(counts_at(world, lv, totals=draw(st.booleans())))
    specs["rates"] = RATES
    if draw(st.booleans()):
        frames["compared"] = counts_at(world, "lmns", RANGE)
        specs["compared"] = COMPARED
    return world, frames, specs


@pytest.mark.parametrize("name", COUNT_POLICIES)
@settings(PROPERTY, max_examples=30)
@given(pub=publications())
def test_no_small_count_recoverable_from_tables_published_together(name, pub):
    world, frames, specs = pub
    released = release_set(frames, POLICIES[name], specs, world.orgs)
    assert set(released) == set(frames)
    for n, f in released.items():
        assert (f["disclosure_policy"] == name).all() and len(f) == len(frames[n])
        assert f["suppressed"].isin(["", "counts", "rate", "secondary"]).all()
    tables = [Published(n, f) for n, f in released.items()]
    if "compared" in released and (best := excess_table(released["compared"])) is not None:
        tables.append(Published("best", best))
    assert_nothing_recoverable(tables, world.orgs)
    assert_truth_fits(tables, world.orgs, {n: f.reset_index(drop=True) for n, f in frames.items()})


@pytest.mark.parametrize("name", COUNT_POLICIES)
@PROPERTY
@given(world=worlds())
def test_a_cell_shown_twice_is_released_the_same_in_both(name, world):
    """The LMNS totals appear in the LMNS table's 'All' rows and in the England
    breakdown... every occurrence of a cell carries the same released counts."""
    frames = {
        "lmns": counts_at(world, "lmns", totals=True),
        "lmns_rates": rates_of(counts_at(world, "lmns", totals=True)),
        "england": counts_at(world, "england", totals=True),
    }
    rel = release_set(
        frames, POLICIES[name], {"lmns": COUNTS, "lmns_rates": RATES, "england": COUNTS}, world.orgs
    )
    a, b = rel["lmns"], rel["lmns_rates"]
    for col in ("numerator", "denominator"):
        assert np.array_equal(a[col].to_numpy(), b[col].to_numpy(), equal_nan=True)


@PROPERTY
@given(world=worlds(), totals=st.booleans(), level=st.sampled_from(["trust", "lmns"]))
def test_ons_rates_protects_one_rates_table(world, totals, level):
    """ons-rates: a rates table at one level and one period grain (its margins
    included): nothing recoverable from the rates; no interval below 20 events."""
    t = rates_of(counts_at(world, level, totals=totals))
    rel = release_set({"rates": t}, POLICIES["ons-rates"], RATES)
    f = rel["rates"]
    assert "numerator" not in f and "denominator" not in f
    few = t["numerator"].to_numpy() < 20
    assert f.loc[few, "lower_95"].isna().all() and f.loc[few, "upper_95"].isna().all()
    assert f.loc[t["numerator"].to_numpy() < 3, "value"].isna().all()
    assert_nothing_recoverable([Published("rates", f)], world.orgs)
    if ((t["numerator"] >= 3) & (t["numerator"] <= 7)).any():
        assert any("ons-rates" in w and "denominators" in w for w in rel.warnings)


@PROPERTY
@given(world=worlds())
def test_combinations_a_policy_does_not_protect_are_refused(world):
    trust, lmns = counts_at(world, "trust"), counts_at(world, "lmns")
    # a rates-only policy protects one table at one level
    with pytest.raises(UserError, match="policy 'ons-rates' protects one table at one"):
        release_set({"t": rates_of(trust), "l": rates_of(lmns)}, POLICIES["ons-rates"], RATES)
    # ... and one period grain
    both = pd.concat([trust, counts_at(world, "trust", RANGE)], ignore_index=True)
    with pytest.raises(UserError, match="policy 'ons-rates' cannot protect periods"):
        release_set({"t": rates_of(both)}, POLICIES["ons-rates"], RATES)
    # ... and not beside published counts of the same cells
    counts = release_set({"c": trust}, POLICIES["nhs"], COUNTS)["c"]
    with pytest.raises(UserError, match="policy 'ons-rates' releases rates without counts"):
        release_set(
            {"t": rates_of(trust)},
            POLICIES["ons-rates"],
            RATES,
            published=[Published("counts.csv", counts)],
        )
    # two levels below England need the organisations table
    for name in COUNT_POLICIES:
        with pytest.raises(UserError, match=f"policy '{name}': tables at levels trust, lmns"):
            release_set({"t": trust, "l": lmns}, POLICIES[name], COUNTS)


@pytest.mark.parametrize("name", COUNT_POLICIES)
@PROPERTY
@given(world=worlds())
def test_a_release_beside_published_tables_protects_the_combination(name, world):
    """Tables released later, beside ones already published, are protected
    together with them (the earlier ones are never changed)."""
    first = release_set({"lmns": counts_at(world, "lmns", totals=True)}, POLICIES[name], COUNTS)
    before = Published("lmns", first["lmns"])
    later = release_set(
        {"trust": counts_at(world, "trust", totals=True)},
        POLICIES[name],
        COUNTS,
        world.orgs,
        published=[before],
    )
    assert_nothing_recoverable([before, Published("trust", later["trust"])], world.orgs)


# -- through the CLI ------------------------------------------------------------------


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(world=worlds())
def test_cli_rates_then_disclose_then_audit(tmp_path_factory, world):
    """``matequity rates`` on trust and LMNS count tables, ``matequity disclose``
    of both together, then ``disclose --audit`` (and the attacker) on the files."""
    from typer.testing import CliRunner

    from matequity.cli.main import app
    from matequity.disclosure.files import audit_files

    runner = CliRunner()
    d = tmp_path_factory.mktemp("cli")
    orgs = d / "organisations.csv"
    world.orgs.to_csv(orgs, index=False)
    rates = []
    for lv in ("trust", "lmns"):
        c = d / f"counts_{lv}.csv"
        counts_at(world, lv, totals=True).to_csv(c, index=False)
        r = d / f"rates_{lv}.csv"
        got = runner.invoke(app, ["rates", str(c), "-o", str(r)])
        assert got.exit_code == 0, got.output
        rates.append(str(r))
    out = d / "released"
    got = runner.invoke(
        app, ["disclose", *rates, "--policy", "nhs", "-o", str(out), "--organisations", str(orgs)]
    )
    assert got.exit_code == 0, got.output
    assert sorted(p.name for p in out.iterdir()) == ["rates_lmns.csv", "rates_trust.csv"]
    assert audit_files([out], orgs).findings == []
    got = runner.invoke(app, ["disclose", "--audit", str(out), "--organisations", str(orgs)])
    assert got.exit_code == 0 and "no count of 1-7 is recoverable" in got.output
    # the same tables released one by one under the rule before issue 12
    old = d / "old"
    old.mkdir()
    for r in rates:
        prefix_release(pd.read_csv(r, dtype={"period": str})).to_csv(
            old / r.rsplit("/", 1)[1], index=False
        )
    found = audit_files([old], orgs)
    truth = {
        str(old / f"rates_{lv}.csv"): pd.read_csv(d / f"counts_{lv}.csv")
        for lv in ("trust", "lmns")
    }
    assert_sound(found, truth)
    got = runner.invoke(app, ["disclose", "--audit", str(old), "--organisations", str(orgs)])
    assert got.exit_code == (1 if found.findings else 0), got.output
    for f in found.findings:
        assert f"{f.table}, row {f.row}, column '{f.column}'" in got.output


def test_cli_refuses_what_the_policy_cannot_protect(tmp_path):
    from typer.testing import CliRunner

    from matequity.cli.main import app

    world = World(
        _orgs([[2, 1]]),
        pd.DataFrame(
            [
                {
                    "site_code": s,
                    "ethnic_group": g,
                    "period": "2024",
                    "numerator": 4,
                    "denominator": 60,
                }
                for s in ("S000", "S001", "S010")
                for g in GROUPS
            ]
        ),
        "stillbirth",
    )
    paths = []
    for lv in ("trust", "lmns"):
        p = tmp_path / f"{lv}.csv"
        rates_of(counts_at(world, lv, totals=True)).to_csv(p, index=False)
        paths.append(str(p))
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(app, ["disclose", *paths, "--policy", "ons-rates", "-o", str(out)])
    assert r.exit_code == 2 and "policy 'ons-rates' protects one table" in r.output
    assert not out.exists()  # nothing written
    r = runner.invoke(app, ["disclose", *paths, "--policy", "nhs", "-o", str(out)])
    assert r.exit_code == 2 and "--organisations" in r.output and not out.exists()
    # beside published counts, a rates-only release is refused
    counts = tmp_path / "counts.csv"
    release_set({"c": counts_at(world, "trust")}, POLICIES["nhs"], COUNTS)["c"].to_csv(
        counts, index=False
    )
    r = runner.invoke(
        app,
        [
            "disclose",
            paths[0],
            "--policy",
            "ons-rates",
            "-o",
            str(tmp_path / "o.csv"),
            "--published",
            str(counts),
        ],
    )
    assert r.exit_code == 2 and "policy 'ons-rates' releases rates without counts" in r.output
    # one table still works as before
    r = runner.invoke(
        app, ["disclose", paths[0], "--policy", "ons-rates", "-o", str(tmp_path / "o.csv")]
    )
    assert r.exit_code == 0, r.output
    assert "warning" in r.output and "ons-rates" in r.output


def test_cli_audit_lists_what_the_prefix_rule_gave_away(tmp_path):
    """``disclose --audit`` on the pre-fix release of the issue's example names
    the file, row and column of the recovered count, and exits 1; on the same
    table released now it finds nothing."""
    from typer.testing import CliRunner

    from matequity.cli.main import app

    counts = add_totals(
        _one_trust([("Asian", 31, 3003), ("Black", 27, 2401), ("White", 3, 412)]),
        ["ethnic_group"],
    ).reset_index(drop=True)
    old = tmp_path / "old.csv"
    prefix_release(rates_of(counts)).to_csv(old, index=False)
    r = CliRunner().invoke(app, ["disclose", "--audit", str(old)])
    assert r.exit_code == 1
    white = counts.index[counts["ethnic_group"] == "White"][0] + 1
    assert f"{old}, row {white}, column 'numerator': 3" in r.output
    src = tmp_path / "rates.csv"
    rates_of(counts).to_csv(src, index=False)
    new = tmp_path / "new.csv"
    assert CliRunner().invoke(app, ["disclose", str(src), "-o", str(new)]).exit_code == 0
    r = CliRunner().invoke(app, ["disclose", "--audit", str(new)])
    assert r.exit_code == 0 and "no count of 1-7 is recoverable" in r.output


# -- the demo's published tables, attacked together -----------------------------


def test_no_small_count_recoverable_from_the_demo_tables(synthetic_store):
    """The demo publishes counts and rates for England and every LMNS by ethnic
    group and IMD quintile, and England by year: all of them, with the
    organisations table anyone has, give no count of 1-7 away."""
    from matequity import engine
    from matequity.analyses.summary import summary

    with engine.open("duckdb", synthetic_store) as eng:
        s = summary(eng, POLICIES["nhs"])
        orgs = eng.execute(eng.table("organisations"))
    tables = [Published(f"counts_{lv}_{by}", df) for (lv, by), df in s.counts.items()]
    tables += [Published(f"rates_{lv}_{by}", df) for (lv, by), df in s.rates.items()]
    tables.append(Published("rates_england_by_year", s.by_year))
    assert all((t.frame["disclosure_policy"] == "nhs").all() for t in tables)
    # the tables hold small cells to protect
    assert any(t.frame["numerator"].eq(5).any() for t in tables)
    assert_nothing_recoverable(tables, orgs)


# -- a report's data, attacked together -----------------------------------------


def _frames(obj, seen=None):
    """Every DataFrame in an analysis result (dataclass fields, dicts, tuples)."""
    import dataclasses

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, pd.DataFrame):
        yield obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _frames(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _frames(v, seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _frames(v, seen)


def test_no_small_count_recoverable_from_an_lmns_reports_data(synthetic_store):
    """Everything the LMNS report embeds is its analysis's released tables (the
    layout does no arithmetic: tests/test_layers.py): all of them together, with
    the organisations table, give no count of 1-7 away."""
    from matequity import engine
    from matequity.analyses.lmns import lmns

    with engine.open("duckdb", synthetic_store) as eng:
        orgs = eng.execute(eng.table("organisations"))
        code = sorted(orgs["lmns_code"])[0]
        a = lmns(eng, code, POLICIES["nhs"], with_stabilised=False)
    tables = [
        Published(f"t{i}", f.reset_index(drop=True))
        for i, f in enumerate(_frames(a))
        if {"numerator", "denominator"} <= set(f.columns) and len(f)
    ]
    assert len(tables) >= 5
    assert any(t.frame["numerator"].eq(5).any() for t in tables)
    assert_nothing_recoverable(tables, orgs)


def _reproduced_alone(rx, rn, stat, mult, shown) -> bool:
    """Whether one row's shown figures follow from its released counts, computed
    for that row alone (the attacker's check before it was made for whole tables)."""
    from matequity.disclosure import inversion
    from matequity.disclosure.spec import is_limit

    if rn <= 0 or (stat == "proportion" and rx > rn):
        return False
    levels = tuple(sorted({c.split("_", 1)[1] for c in shown if is_limit(c)})) or ("95",)
    stats = inversion.rate_statistics(np.array([rx]), np.array([rn]), stat, mult, levels)
    return bool(inversion.matching(stats, shown)[0])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.integers(-1, 40),  # released numerator (-1: a withheld marker)
            st.integers(0, 400),  # released denominator
            st.sampled_from(["proportion", "rate", "ratio", None]),
            st.sampled_from([1.0, 100.0, 1000.0, float("nan")]),
            st.integers(-1, 3),  # noise in the shown value's last decimal (-1: withheld)
            st.booleans(),  # 95% lower limit shown
            st.booleans(),  # 99.8% upper limit shown
        ),
        min_size=1,
        max_size=12,
    )
)
def test_reproduced_rows_agree_with_each_row_alone(rows):
    """The attacker's table-at-once check (which rows' figures follow from their
    released counts) gives, row by row, what each row's figures computed alone
    from its own counts give; withheld rows (even with a negative marker for a
    count) and limit columns no row fills are never computed."""
    from matequity.disclosure import attack as atk
    from matequity.disclosure import inversion

    x = np.array([r[0] for r in rows], dtype=float)
    n = np.array([r[1] for r in rows], dtype=float)
    stat = [r[2] for r in rows]
    mult = np.array([r[3] for r in rows])
    cols = {c: np.full(len(rows), np.nan) for c in ("value", "lower_95", "upper_99_8", "lower_90")}
    for i, (xi, ni, s_, m, noise, low, high) in enumerate(rows):
        if (
            xi < 0
            or s_ is None
            or not np.isfinite(m)
            or ni <= 0
            or (s_ == "proportion" and xi > ni)
        ):
            continue
        one = add_rates(
            pd.DataFrame({"numerator": [xi], "denominator": [ni]}), s_, m, levels=("95", "99_8")
        )
        if noise >= 0:
            cols["value"][i] = round(float(one["value"].iloc[0]), 1) + 0.1 * noise
        if low:
            cols["lower_95"][i] = round(float(one["lower_95"].iloc[0]), 1)
        if high:
            cols["upper_99_8"][i] = round(float(one["upper_99_8"].iloc[0]), 2)
    dec = {c: inversion.decimals(v) for c, v in cols.items()}
    got = atk._reproduced_rows({"numerator": x, "denominator": n}, stat, mult, cols, dec)
    for i in range(len(rows)):
        shown = {c: (float(v[i]), dec[c]) for c, v in cols.items() if np.isfinite(v[i])}
        want = bool(shown) and stat[i] is not None and bool(np.isfinite(mult[i]))
        want = want and _reproduced_alone(x[i], n[i], stat[i], mult[i], shown)
        assert got[i] == want, (i, rows[i])
    assert (
        got <= np.array([any(np.isfinite(v[i]) for v in cols.values()) for i in range(len(rows))])
    ).all()
