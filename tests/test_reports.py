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

from matequity.cli.main import app
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import POLICIES
from matequity.engine.backend import duckdb_engine
from matequity.measures.catalogue import BY_NAME
from matequity.outputs.reports import board, render
from matequity.signals.from_store import monthly_events
from matequity.signals.moss import moss, signal_summary
from matequity.stats.rates import add_rates

CHROMIUM = shutil.which("chromium")
RATE = 0.002


@pytest.fixture(scope="module")
def board_report(synthetic_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("board") / "s.duckdb"
    shutil.copy(synthetic_store, store)
    eng = duckdb_engine(store)
    trust = eng.execute(eng.table("organisations"))["trust_code"].iloc[0]
    eng.backend.disconnect()
    rep, data = board.build(store, trust, POLICIES["nhs"], "2023-01:2023-12", RATE)
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
    eng = duckdb_engine(store)
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


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (scripts/install-browser.sh)"
)
def test_board_renders_in_headless_chromium(board_report):
    from playwright.sync_api import sync_playwright

    _s, _t, _r, _d, html, out = board_report
    problems = []
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
            timeout=30000,
        )
        shot = out / "board.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert problems == []
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
            "--no-pdf",
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
    from matequity.outputs.reports import lmns

    eng = duckdb_engine(synthetic_store)
    code = sorted(eng.execute(eng.table("organisations"))["lmns_code"])[0]
    eng.backend.disconnect()
    rep, data = lmns.build(synthetic_store, code, POLICIES["nhs"], "2022:2023")
    out = tmp_path_factory.mktemp("lmns_out")
    return synthetic_store, code, rep, data, render.write_html(rep, out / "l.html"), out


def test_lmns_numbers_equal_the_api(lmns_report):
    from matequity.stats.compare import compare

    store, code, rep, _data, _h, _o = lmns_report
    eng = duckdb_engine(store)
    m = BY_NAME["stillbirth"]
    c = count_table(eng, [m], by=["ethnic_group"], level="lmns", period="all")
    c = c[c.org_code == code]
    c["period"] = "2022-2023"
    rel = apply_policy(add_rates(c, "rate", 1000.0), POLICIES["nhs"], ["ethnic_group"])
    cmp_ = compare(
        c[~c.ethnic_group.isin(["Not stated", "Not known", "Missing"])], "ethnic_group", "White"
    ).set_index("ethnic_group")
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
    for by, rel in data.released.items():
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


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (scripts/install-browser.sh)"
)
def test_lmns_renders_in_headless_chromium(lmns_report):
    from playwright.sync_api import sync_playwright

    _s, _c, _r, _d, html, out = lmns_report
    problems = []
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
            timeout=30000,
        )
        page.screenshot(path=str(out / "lmns.png"), full_page=True)
        browser.close()
    assert problems == []


def test_national_report_numbers_disclosure_and_render(synthetic_store, tmp_path):
    from matequity.outputs.reports import national
    from matequity.stats.compare import compare

    rep, data = national.build(synthetic_store, POLICIES["nhs"], "2022:2023")
    eng = duckdb_engine(synthetic_store)
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
    lm = count_table(eng, [BY_NAME["stillbirth"]], by=["ethnic_group"], level="lmns", period="all")
    lm = lm[~lm.ethnic_group.isin(["Not stated", "Not known", "Missing"])]
    ex = compare(lm, "ethnic_group", "White").groupby("org_code")["excess_events"].sum()
    top = data.excess_lmns.dropna(subset=["excess_events"])
    assert np.allclose(top["excess_events"], ex.loc[top["org_code"]].to_numpy())
    for m, r in data.by_year.items():
        assert (r["disclosure_policy"] == "nhs").all(), m
        assert r.loc[r["numerator"] <= 5, "value"].isna().all(), m
    html = render.write_html(rep, tmp_path / "n.html")
    doc = tinyhtml5.parse(html.read_text())
    assert doc.find(".//{http://www.w3.org/1999/xhtml}h1").text == rep.title
    text = " ".join(
        p.extract_text() for p in PdfReader(render.write_pdf(rep, tmp_path / "n.pdf")).pages
    )
    assert "National equity progress report" in text and "most against least deprived" in text
