"""Dated annotations: parsing, the rule and label layers in each chart's spec,
the label in the rendered SVG, SPC rebasing at an annotated change, and the
command line (spc --plot, signals moss --plot, report options)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.errors import UserError
from matequity.outputs.charts import render
from matequity.outputs.charts.annotations import (
    Annotation,
    combine,
    parse_annotation,
    read_annotations,
    rebase_dates,
)
from matequity.outputs.charts.moss import cusum_chart, excess_chart
from matequity.outputs.charts.spc import spc_chart
from matequity.outputs.charts.trend import trend_chart
from matequity.outputs.charts.write import write_chart
from matequity.signals.moss import moss
from matequity.signals.vlad import vlad
from matequity.spc.chart import spc

runner = CliRunner()
SBL = Annotation(dt.date(2019, 4, 1), "Saving Babies' Lives v2")


def test_parse_annotation_forms():
    assert parse_annotation("2019-04:Saving Babies' Lives v2") == SBL
    assert parse_annotation('2019-04-15: "New triage" ') == Annotation(
        dt.date(2019, 4, 15), "New triage"
    )
    assert parse_annotation("2020-03:A: with colon").label == "A: with colon"
    for bad in ("2019-13:x", "April:x", "2019-04", "2019-04:", "2019-04:" + "x" * 81):
        with pytest.raises(UserError, match="expected DATE:LABEL"):
            parse_annotation(bad)


def test_read_annotations_csv(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("date,label,rebase\n2021-06,Continuity of carer,yes\n2019-04,SBL v2,\n")
    got = read_annotations(p)
    assert got == (
        Annotation(dt.date(2019, 4, 1), "SBL v2", False),
        Annotation(dt.date(2021, 6, 1), "Continuity of carer", True),
    )
    assert rebase_dates(got) == ["2021-06-01"]
    assert all(a.rebase for a in combine(["2018-01:x"], p, rebase_all=True))
    bad = tmp_path / "b.csv"
    bad.write_text("date,label,rebase\n2019-04,ok,maybe\n")
    with pytest.raises(UserError, match="row 2, column 'rebase'"):
        read_annotations(bad)
    bad.write_text("when,label\n2019-04,ok\n")
    with pytest.raises(UserError, match="missing column"):
        read_annotations(bad)
    bad.write_text("date,label\n04/2019,ok\n")
    with pytest.raises(UserError, match="row 2, column 'date'"):
        read_annotations(bad)


def _layers(spec: dict) -> list[dict]:
    """Every layer of a (possibly concatenated) chart spec."""
    out = []

    def walk(node):
        for key in ("layer", "hconcat", "vconcat"):
            for child in node.get(key, []):
                walk(child)
        if "mark" in node:
            out.append(node)

    walk(spec)
    return out


def _rows(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]] if "data" in layer else []


def _annotation_layers(spec: dict):
    rules, texts = [], []
    for ly in _layers(spec):
        rows = _rows(spec, ly)
        if not rows or "annotation" not in rows[0]:
            continue
        kind = ly["mark"]["type"] if isinstance(ly["mark"], dict) else ly["mark"]
        (rules if kind == "rule" else texts).append((ly, rows))
    return rules, texts


def _spc_points():
    y = list(np.r_[np.full(12, 5.0), np.full(12, 8.0)] + np.tile([0.3, -0.3], 12))
    dates = pd.date_range("2018-10-01", periods=24, freq="MS")
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "value": y})


def test_spc_chart_draws_a_labelled_rule_and_the_svg_has_the_label():
    pts = spc(_spc_points())
    early = Annotation(dt.date(2010, 1, 1), "Before the chart")
    c = spc_chart(pts, "Preterm birth", "per 100", annotations=(SBL, early))
    spec = c.spec()
    rules, texts = _annotation_layers(spec)
    assert len(rules) == 1
    ly, rows = rules[0]
    assert [r["annotation"] for r in rows] == ["Saving Babies' Lives v2"]  # 2010 is off the axis
    assert pd.Timestamp(rows[0]["date"]) == pd.Timestamp("2019-04-01")
    assert ly["encoding"]["x"]["field"] == "date" and ly["encoding"]["x"]["type"] == "temporal"
    assert [r["annotation"] for _, rs in texts for r in rs] == ["Saving Babies' Lives v2"]
    assert "2019-04-01 Saving Babies' Lives v2" in c.alt_text
    svg = render.to_svg(c)
    assert "Saving Babies" in svg and "Before the chart" not in svg


def test_spc_rebases_at_an_annotated_change():
    pts = _spc_points()
    change = Annotation(dt.date(2019, 10, 1), "New pathway", rebase=True)
    out = spc(pts, rebase=rebase_dates([SBL, change]))
    assert out["rebase_group"].tolist() == [0] * 12 + [1] * 12
    assert out["mean"].iloc[0] == pytest.approx(5.0) and out["mean"].iloc[-1] == pytest.approx(8.0)
    c = spc_chart(out, "x", "y", annotations=[change])
    lines = [ly for ly in _layers(c.spec()) if ly.get("encoding", {}).get("detail")]
    assert lines and all(ly["encoding"]["detail"]["field"] == "rebase_group" for ly in lines)


def _moss_table():
    rows = [
        ("A", f"{y}-{m:02d}", 2 if (m * 7 + y) % 4 == 0 else 0, 0.5)
        for y in (2019, 2020)
        for m in range(1, 13)
    ]
    return pd.DataFrame(rows, columns=["site_code", "month", "events", "expected"])


def test_moss_charts_take_annotations():
    chart = moss(_moss_table())
    c = cusum_chart(chart, "A", annotations=(SBL,))
    rules, _texts = _annotation_layers(c.spec())
    assert rules and pd.Timestamp(rules[0][1][0]["date"]) == pd.Timestamp("2019-04-01")
    assert "Saving Babies" in render.to_svg(c)
    daily = pd.DataFrame({"site_code": ["A"], "date": ["2019-05-02"], "events": [1]})
    e = excess_chart(vlad(daily, chart), "A", annotations=(SBL,))
    assert _annotation_layers(e.spec())[0] and "Saving Babies" in render.to_svg(e)
    assert not _annotation_layers(cusum_chart(chart, "A").spec())[0]  # none by default


def test_trend_chart_marks_the_annotation_year():
    rates = pd.DataFrame(
        {
            "period": ["2018", "2019", "2020"] * 2,
            "ethnic_group": ["White"] * 3 + ["Asian"] * 3,
            "value": [7.1, 7.0, 6.8, 8.5, 8.2, 8.0],
        }
    )
    c = trend_chart(
        rates,
        "ethnic_group",
        "Preterm birth",
        "per 100",
        ["White", "Asian"],
        annotations=(SBL, Annotation(dt.date(2023, 1, 1), "Later")),
    )
    rules, _ = _annotation_layers(c.spec())
    (ly, rows) = rules[0]
    assert [r["year"] for r in rows] == [2019] and ly["encoding"]["x"]["type"] == "ordinal"
    svg = render.to_svg(c)
    assert "Saving Babies" in svg and "Later" not in svg


def test_write_chart_formats(tmp_path):
    c = spc_chart(spc(_spc_points()), "Preterm birth", "per 100", annotations=(SBL,))
    assert "Saving Babies" in write_chart(c, tmp_path / "c.svg").read_text()
    assert write_chart(c, tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = write_chart(c, tmp_path / "c.html").read_text()
    assert "vegaEmbed" in page and "Saving Babies" in page and "<title>Preterm birth" in page
    with pytest.raises(UserError, match="expected a file ending"):
        write_chart(c, tmp_path / "c.pdf")


def test_cli_spc_plot_with_annotations_and_rebase(tmp_path):
    src, out, svg = tmp_path / "s.csv", tmp_path / "o.csv", tmp_path / "c.svg"
    _spc_points().to_csv(src, index=False)
    notes = tmp_path / "notes.csv"
    notes.write_text("date,label,rebase\n2019-10,New pathway,true\n")
    r = runner.invoke(
        app,
        [
            "spc",
            str(src),
            "-o",
            str(out),
            "--plot",
            str(svg),
            "--annotate",
            "2019-04:Saving Babies' Lives v2",
            "--annotations",
            str(notes),
        ],
    )
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert got["rebase_group"].tolist() == [0] * 12 + [1] * 12  # only the flagged one
    text = svg.read_text()
    assert "Saving Babies" in text and "New pathway" in text
    r = runner.invoke(
        app,
        [
            "spc",
            str(src),
            "-o",
            str(out),
            "--annotate",
            "2019-04:SBL v2",
            "--rebase-at-annotations",
        ],
    )
    assert r.exit_code == 0 and pd.read_csv(out)["rebase_group"].max() == 1
    gone = tmp_path / "never.csv"
    r = runner.invoke(app, ["spc", str(src), "-o", str(gone), "--annotate", "soon:x"])
    assert r.exit_code == 2 and "expected DATE:LABEL" in r.output and not gone.exists()
    r = runner.invoke(app, ["spc", str(src), "-o", str(gone), "--plot", str(tmp_path / "c.pdf")])
    assert r.exit_code == 2 and not gone.exists()


def test_cli_moss_plot(tmp_path):
    src, out, html = tmp_path / "m.csv", tmp_path / "o.csv", tmp_path / "moss.html"
    _moss_table().to_csv(src, index=False)
    r = runner.invoke(
        app,
        [
            "signals",
            "moss",
            str(src),
            "-o",
            str(out),
            "--plot",
            str(html),
            "--annotate",
            "2019-04:Saving Babies' Lives v2",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Saving Babies" in html.read_text()
    r = runner.invoke(
        app, ["signals", "moss", str(src), "-o", str(out), "--plot", str(html), "--site", "Z"]
    )
    assert r.exit_code == 2 and "--site Z" in r.output


def test_board_report_passes_annotations_to_its_charts(synthetic_store):
    from matequity import engine as engines
    from matequity.disclosure.policy import POLICIES
    from matequity.pipeline.reports import ReportRequest, build

    note = Annotation(dt.date(2023, 6, 1), "New triage line")
    with engines.open("duckdb", synthetic_store) as engine:
        orgs = engine.execute(engine.table("organisations"))
        trust = sorted(orgs["trust_code"])[0]
        rep, _ = build(
            engine,
            ReportRequest(
                kind="board",
                org=trust,
                policy=POLICIES["nhs"],
                period="2023-01:2023-12",
                reference_rate=0.002,
                annotations=(note,),
            ),
        )
    charts = [c for s in rep.sections for c in s.charts]
    marked = [c for c in charts if _annotation_layers(c.spec())[0]]
    kinds = {c.key.split("_")[0] for c in marked}
    assert {"moss", "excess", "spc"} <= kinds
    assert all("2023-06-01 New triage line" in c.alt_text for c in marked)
    assert "New triage line" in render.to_svg(marked[0])
