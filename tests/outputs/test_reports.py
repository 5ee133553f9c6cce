"""Reports: every number equals the API's, the HTML parses, headless Chromium
renders it without console errors (screenshot taken), the PDF has pages and
text, published cells pass disclosure control."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import tinyhtml5
from pypdf import PdfReader
from typer.testing import CliRunner

from matequity import engine as engines
from matequity.cli.main import app
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import POLICIES
from matequity.measures.catalogue import BY_NAME
from matequity.outputs.reports import render
from matequity.pipeline.reports import ReportRequest, build
from matequity.signals.from_store import monthly_events
from matequity.signals.moss import moss, signal_summary
from matequity.stats.rates import add_rates

CHROMIUM = shutil.which("chromium")
RATE = 0.002


def render_in_chromium(html, shot) -> list[str]:
    """Open the report in Debian's chromium (Playwright), wait until every chart
    has drawn its SVG, take a full-page screenshot; the console errors seen."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(html.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('div.chart svg').length =="
            " document.querySelectorAll('div.chart').length",
            timeout=60000,
        )
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return problems


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (scripts/install-browser.sh)"
)


@pytest.fixture(scope="module")
def board_report(synthetic_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("board") / "s.duckdb"
    shutil.copy(synthetic_store, store)
    eng = engines.open("duckdb", store)
    trust = eng.execute(eng.table("organisations"))["trust_code"].iloc[0]
    eng.close()
    with engines.open("duckdb", store) as eng:
        rep, data = build(
            eng,
            ReportRequest(
                kind="board",
                org=trust,
                policy=POLICIES["nhs"],
                period="2023-01:2023-12",
                reference_rate=RATE,
            ),
        )
    out = tmp_path_factory.mktemp("board_out")
    return store, trust, rep, data, render.write_html(rep, out / "b.html"), out


def _table(rep, caption_start):
    for s in rep.sections:
        for t in s.tables:
            if t.caption.startswith(caption_start):
                return t
    raise AssertionError(caption_start)


def test_board_numbers_equal_the_api(board_report):
    store, trust, rep, _data, _html, _out = board_report
    eng = engines.open("duckdb", store)
    chart = moss(monthly_events(eng), RATE)
    sites = sorted(eng.execute(eng.table("organisations")).query("trust_code == @trust").site_code)
    chart = chart[
        chart.site_code.isin(sites) & (chart.month >= "2023-01") & (chart.month <= "2023-12")
    ]
    summ = signal_summary(chart)
    t = _table(rep, "Signal months per site")
    assert [r[0] for r in t.rows] == summ.site_code.tolist()
    assert [r[1:] for r in t.rows] == [
        tuple(str(v) for v in r[2:]) for r in summ.itertuples(index=False)
    ]
    m = BY_NAME["preterm_birth"]
    c = count_table(eng, [m], level="trust", period="month")
    c = c[(c.org_code == trust) & c.period.between("2023-01", "2023-12")]
    rel = apply_policy(add_rates(c, "proportion", 100.0), POLICIES["nhs"], []).sort_values("period")
    t = _table(rep, f"{m.title} (")
    for row, (_, r) in zip(t.rows, rel.iterrows(), strict=True):
        assert row[0] == r["period"]
        assert row[1] == f"{r['numerator']:,.0f}" and row[2] == f"{r['denominator']:,.0f}"
        assert row[3] == ("withheld" if pd.isna(r["value"]) else f"{r['value']:,.2f}")


def test_board_disclosure_on_published_cells(board_report):
    _s, _t, rep, data, _h, _o = board_report
    for m, pts in data.spc.items():
        assert (pts["disclosure_policy"] == "nhs").all()
        assert (pts["numerator"] % 5 == 0).all() and (pts["denominator"] % 5 == 0).all()
        assert pts.loc[pts["numerator"] <= 5, "value"].isna().all(), m
    assert "NHS England: 0 stays 0" in rep.disclosure and "not for publication" in rep.disclosure


def test_board_html_parses_and_states_its_metadata(board_report):
    _s, _t, rep, _d, html, _o = board_report
    text = html.read_text()
    doc = tinyhtml5.parse(text)
    ns = "{http://www.w3.org/1999/xhtml}"
    assert doc.find(f".//{ns}h1").text == rep.title
    charts = doc.findall(f".//{ns}div[@class='chart']")
    assert len(charts) >= 3 and all(c.get("aria-label") for c in charts)
    for needle in ("Data period", "Disclosure policy", "matequity", "Definitions", "2023-01"):
        assert needle in text
    assert "http://" not in text.split("<body>")[1].split("<script")[0]  # no external fetches


@needs_chromium
def test_board_renders_in_headless_chromium(board_report):
    _s, _t, _r, _d, html, out = board_report
    shot = out / "board.png"
    assert render_in_chromium(html, shot) == []
    assert shot.stat().st_size > 10_000


def test_board_pdf_has_pages_and_text(board_report):
    _s, _t, rep, _d, _h, out = board_report
    pdf = render.write_pdf(rep, out / "b.pdf")
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "safety report" in text and "Signal register" in text and "Definitions" in text


def test_report_board_cli(board_report, tmp_path):
    store, trust, *_ = board_report
    r = CliRunner().invoke(
        app,
        [
            "report",
            "board",
            "--store",
            str(store),
            "--org",
            trust,
            "-o",
            str(tmp_path),
            "--reference-rate",
            str(RATE),
            "--format",
            "html",
        ],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / f"board_{trust}.html").exists()
    r = CliRunner().invoke(
        app, ["report", "board", "--store", str(store), "--org", "NOPE", "-o", str(tmp_path)]
    )
    assert r.exit_code == 2 and "unknown trust" in r.output


@pytest.fixture(scope="module")
def lmns_report(synthetic_store, tmp_path_factory):
    with engines.open("duckdb", synthetic_store) as eng:
        code = sorted(eng.execute(eng.table("organisations"))["lmns_code"])[0]
        rep, data = build(
            eng, ReportRequest(kind="lmns", org=code, policy=POLICIES["nhs"], period="2022:2023")
        )
    out = tmp_path_factory.mktemp("lmns_out")
    return synthetic_store, code, rep, data, render.write_html(rep, out / "l.html"), out


def _released_known(rel: pd.DataFrame, by: str) -> pd.DataFrame:
    """The released counts of the known groups (what the report's comparisons use)."""
    cols = ["period", "org_level", "org_code", "org_name", by, "measure"]
    known = rel[~rel[by].isin(["Not stated", "Not known", "Missing"]) & rel["numerator"].notna()]
    return known[[*cols, "numerator", "denominator"]]


def test_lmns_numbers_equal_the_api(lmns_report):
    from matequity.stats.compare import compare

    store, code, rep, _data, _h, _o = lmns_report
    eng = engines.open("duckdb", store)
    m = BY_NAME["stillbirth"]
    c = count_table(eng, [m], by=["ethnic_group"], level="lmns", period="all")
    c = c[c.org_code == code]
    c["period"] = "2022-2023"
    rel = apply_policy(add_rates(c, "rate", 1000.0), POLICIES["nhs"], ["ethnic_group"])
    # ratios come from the released counts (from the true ones they gave the counts away)
    cmp_ = compare(_released_known(rel, "ethnic_group"), "ethnic_group", "White").set_index(
        "ethnic_group"
    )
    t = _table(rep, "Stillbirth rate (per 1,000 total births) by Ethnic group")
    rows = {r[0]: r for r in t.rows}
    for _, r in rel.iterrows():
        row = rows[r["ethnic_group"]]
        assert row[1] == f"{r['numerator']:,.0f}" and row[2] == f"{r['denominator']:,.0f}"
        assert row[3] == ("withheld" if pd.isna(r["value"]) else f"{r['value']:,.2f}")
        g = r["ethnic_group"]
        if row[5]:
            assert row[5].startswith(f"{cmp_.loc[g, 'ratio']:.2f} (")
        else:  # withheld with the rate, or no ratio at all
            assert (
                pd.isna(r["value"])
                or g not in cmp_.index
                or pd.isna(cmp_.loc[g, "ratio"])
                or pd.isna(rel.set_index("ethnic_group").loc["White", "value"])
            )


def test_lmns_narrative_numbers_come_from_the_tables(lmns_report):
    import re

    _s, _c, rep, _d, _h, _o = lmns_report
    cells = " ".join(v for s in rep.sections for t in s.tables for row in t.rows for v in row)
    checked = 0
    for sentence in rep.sections[0].paragraphs:
        for ratio, lo, hi in re.findall(
            r"was (\d+\.\d) times \(95% CI (\d+\.\d) to (\d+\.\d)\)", sentence
        ):
            # the sentence rounds the table's 2-decimal ratio and limits to 1 decimal
            found = re.findall(r"(\d+\.\d\d) \((\d+\.\d\d) to (\d+\.\d\d)\)", cells)
            assert any(
                f"{float(a):.1f}" == ratio and f"{float(b):.1f}" == lo and f"{float(c):.1f}" == hi
                for a, b, c in found
            ), sentence
            checked += 1
    assert checked >= 1


def test_lmns_disclosure_html_and_pdf(lmns_report):
    _s, _c, rep, data, html, out = lmns_report
    for by, rel in ((by, g.table) for by, g in data.groups.items()):
        assert (rel["disclosure_policy"] == "nhs").all()
        assert (rel["numerator"] % 5 == 0).all() and (rel["denominator"] % 5 == 0).all()
        small = rel["numerator"] <= 5
        assert rel.loc[small, ["value", "ratio", "excess_events"]].isna().all().all(), by
    doc = tinyhtml5.parse(html.read_text())
    ns = "{http://www.w3.org/1999/xhtml}"
    assert doc.find(f".//{ns}h1").text == rep.title
    assert all(c.get("aria-label") for c in doc.findall(f".//{ns}div[@class='chart']"))
    pdf = render.write_pdf(rep, out / "l.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Equity and equality analysis" in text and "Population profile" in text


@needs_chromium
def test_lmns_renders_in_headless_chromium(lmns_report):
    _s, _c, _r, _d, html, out = lmns_report
    shot = out / "lmns.png"
    assert render_in_chromium(html, shot) == []
    assert shot.stat().st_size > 10_000


def test_lmns_best_group_sentences_equal_the_api(lmns_report):
    import re

    from matequity.stats.compare import compare

    store, code, rep, _data, _h, _o = lmns_report
    eng = engines.open("duckdb", store)
    checked = 0
    for by in ("ethnic_group", "imd_quintile"):
        c = count_table(eng, [BY_NAME["preterm_birth"]], by=[by], level="lmns", period="all")
        c = c[c.org_code == code]
        api = compare(_released_known(apply_policy(c, POLICIES["nhs"], [by]), by), by, "best")
        best, excess = api["reference"].iloc[0], api["excess_events"].sum()
        sec = next(x for x in rep.sections if x.title == "Preterm birth")
        label = "ethnic group" if by == "ethnic_group" else "IMD quintile"
        for para in sec.paragraphs:
            if para.startswith(f"Best {label}:"):
                assert best in para
                n = re.search(r"there would have been ([\d,]+) fewer events", para).group(1)
                assert n == f"{excess:,.0f}"
                checked += 1
    assert checked >= 1


def test_lmns_gaps_by_year_equal_the_api(lmns_report):
    from matequity.stats.compare import compare

    store, code, rep, _data, _h, _o = lmns_report
    eng = engines.open("duckdb", store)
    m = BY_NAME["booked_by_10_weeks"]
    c = count_table(eng, [m], by=["ethnic_group"], level="lmns", period="year")
    c = c[c.org_code == code]
    rel = apply_policy(c, POLICIES["nhs"], ["ethnic_group"])
    api = compare(_released_known(rel, "ethnic_group"), "ethnic_group", "White").set_index(
        ["ethnic_group", "period"]
    )
    t = _table(rep, f"{m.title} by ethnic group: ratio to White")
    years = t.header[1:]
    for row in t.rows:
        for y, cell in zip(years, row[1:], strict=True):
            r = api.loc[(row[0], y)]
            if cell not in ("withheld", "-"):
                assert cell == (
                    f"{r['ratio']:.2f} ({r['ratio_lower_95']:.2f} to "
                    f"{r['ratio_upper_95']:.2f}); {r['excess_events']:+.1f}"
                )
            else:  # withheld only when the group's count is under the policy minimum
                assert cell == "-" or r["numerator"] < POLICIES["nhs"].min_numerator_for_rate


def test_lmns_funnel_compares_every_lmns(lmns_report):
    store, code, _rep, data, _h, _o = lmns_report
    eng = engines.open("duckdb", store)
    n_lmns = eng.execute(eng.table("organisations"))["lmns_code"].nunique()
    for m in ("stillbirth", "neonatal_mortality"):
        f = data.funnels[m].points
        assert code in set(f["org_code"]) and len(f) == f["org_code"].nunique() == n_lmns


@pytest.fixture(scope="module")
def national_report(synthetic_store, tmp_path_factory):
    with engines.open("duckdb", synthetic_store) as eng:
        rep, data = build(
            eng,
            ReportRequest(
                kind="national", org="E92000001", policy=POLICIES["nhs"], period="2022:2023"
            ),
        )
    out = tmp_path_factory.mktemp("national_out")
    return synthetic_store, rep, data, render.write_html(rep, out / "n.html"), out


def test_national_report_numbers_equal_the_api(national_report):
    from matequity.stats.compare import compare

    store, rep, data, _h, _o = national_report
    eng = engines.open("duckdb", store)
    c = count_table(
        eng, [BY_NAME["stillbirth"]], by=["ethnic_group"], level="england", period="year"
    )
    rel = apply_policy(add_rates(c, "rate", 1000.0), POLICIES["nhs"], ["ethnic_group"])
    t = _table(rep, "Stillbirth rate (per 1,000 total births) by ethnic group and year")
    rows = {r[0]: r[1:] for r in t.rows}
    for g, cells in rows.items():
        want = rel[rel.ethnic_group == g].sort_values("period")["value"]
        assert list(cells) == ["withheld" if pd.isna(v) else f"{v:,.2f}" for v in want]
    # excess stillbirths per LMNS against White: the API's sum over groups
    # (from the released counts: from the true ones the excess gave the counts away)
    lm = count_table(eng, [BY_NAME["stillbirth"]], by=["ethnic_group"], level="lmns", period="all")
    lm = _released_known(apply_policy(lm, POLICIES["nhs"], ["ethnic_group"]), "ethnic_group")
    ex = compare(lm, "ethnic_group", "White").groupby("org_code")["excess_events"].sum()
    top = data.excess_lmns.dropna(subset=["excess_events"])
    assert np.allclose(top["excess_events"], ex.loc[top["org_code"]].to_numpy())
    # LMNS by year (small multiples): the API's released rates
    ly = count_table(eng, [BY_NAME["stillbirth"]], level="lmns", period="year")
    want = apply_policy(add_rates(ly, "rate", 1000.0), POLICIES["nhs"], [])
    got = data.lmns_years.merge(want, on=["period", "org_code"], suffixes=("", "_api"))
    assert len(got) == len(want) == len(data.lmns_years)
    assert np.allclose(got["value"], got["value_api"], equal_nan=True)
    assert (got["denominator"] == got["denominator_api"]).all()


def test_national_funnels_equal_the_api(national_report):
    from matequity.stats.funnel import funnel

    store, rep, data, _h, _o = national_report
    eng = engines.open("duckdb", store)
    c = count_table(eng, [BY_NAME["neonatal_mortality"]], level="lmns", period="all")
    api, _disp = funnel(c, "rate", 1000.0)
    f = data.funnels["neonatal_mortality"].points.set_index("org_code")
    api = api.set_index("org_code").loc[f.index]
    shown = f["value"].notna()
    assert (f.loc[shown, "position_99_8"] == api.loc[shown, "position_99_8"]).all()
    assert (f.loc[shown, "position_95"] == api.loc[shown, "position_95"]).all()
    assert f.loc[~shown, "position_99_8"].isna().all()
    rel = apply_policy(add_rates(c, "rate", 1000.0), POLICIES["nhs"], []).set_index("org_code")
    assert np.allclose(f["value"], rel.loc[f.index, "value"], equal_nan=True)
    # the table lists every LMNS outside the 99.8% limits
    t = _table(rep, "LMNS outside the 99.8% limits")
    n_outside = sum(
        int(x.points["position_99_8"].isin(["above", "below"]).sum()) for x in data.funnels.values()
    )
    assert len([r for r in t.rows if r[0] != "None"]) == n_outside


def test_national_disclosure_on_published_cells(national_report):
    _s, _r, data, _h, _o = national_report
    frames = [
        *data.by_year.values(),
        *(f.points for f in data.funnels.values()),
        data.lmns_years,
        data.deciles,
    ]
    for r in frames:
        assert (r["disclosure_policy"] == "nhs").all()
        assert (r["numerator"] % 5 == 0).all() and (r["denominator"] % 5 == 0).all()
        assert r.loc[r["numerator"] <= 5, "value"].isna().all()
    assert (
        data.funnels["stillbirth"]
        .points.loc[data.funnels["stillbirth"].points["value"].isna(), "position_99_8"]
        .isna()
        .all()
    )


def test_national_html_and_pdf(national_report):
    _s, rep, _d, html, out = national_report
    doc = tinyhtml5.parse(html.read_text())
    ns = "{http://www.w3.org/1999/xhtml}"
    assert doc.find(f".//{ns}h1").text == rep.title
    charts = doc.findall(f".//{ns}div[@class='chart']")
    assert len(charts) >= 11 and all(c.get("aria-label") for c in charts)
    keys = [c.key for sec in rep.sections for c in sec.charts]
    assert len(set(keys)) == len(keys) == len(charts)  # one element id per chart
    for needle in ("Data period", "Disclosure policy", "Definitions", "matequity 0"):
        assert needle in html.read_text()
    text = " ".join(p.extract_text() for p in PdfReader(render.write_pdf(rep, out / "n.pdf")).pages)
    assert "National equity progress report" in text and "most against least deprived" in text
    assert "Variation between LMNS" in text


@needs_chromium
def test_national_renders_in_headless_chromium(national_report):
    _s, _r, _d, html, out = national_report
    shot = out / "national.png"
    assert render_in_chromium(html, shot) == []
    assert shot.stat().st_size > 10_000


def test_report_lmns_and_national_cli(synthetic_store, tmp_path):
    eng = engines.open("duckdb", synthetic_store)
    code = sorted(eng.execute(eng.table("organisations"))["lmns_code"])[0]
    eng.close()
    run = CliRunner().invoke
    base = ["--store", str(synthetic_store), "-o", str(tmp_path), "--format", "html"]
    r = run(app, ["report", "lmns", *base, "--org", code, "--overdispersion", "phi", "--images"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / f"lmns_{code}.html").exists()
    pngs = sorted((tmp_path / f"lmns_{code}_charts").glob("*.png"))
    svgs = sorted((tmp_path / f"lmns_{code}_charts").glob("*.svg"))
    assert len(pngs) == len(svgs) >= 10
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(s.read_text().lstrip().startswith("<svg") for s in svgs)
    r = run(app, ["report", "national", *base, "--period", "2023:2023"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "national_E92000001.html").exists()
    for args, message in (
        (["national", *base, "--org", "E12000007"], "covers England (E92000001) only"),
        (["national", *base, "--overdispersion", "huge"], "'huge' is not one of"),
        (["lmns", *base, "--org", "NOPE"], "unknown LMNS 'NOPE'"),
        (["national", *base, "--period", "2030:2031"], "the data hold births 2022 to 2023"),
    ):
        r = run(app, ["report", *args])
        assert r.exit_code == 2 and message in r.output, r.output
        assert "Traceback" not in r.output
