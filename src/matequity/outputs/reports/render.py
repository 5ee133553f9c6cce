"""Render a :class:`Report` as a self-contained HTML file (interactive charts,
the Vega-Embed bundle inlined: no network needed) and as a PDF (WeasyPrint, with
the same charts as static SVG from vl-convert)."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from matequity.outputs.charts import render as chart_render
from matequity.outputs.reports.document import Report

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("matequity.outputs", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


def html(report: Report, interactive: bool = True) -> str:
    charts = {}
    for s in report.sections:
        for c in s.charts:
            if interactive:
                charts[c.key] = {"spec": chart_render.spec_json(c)}
            else:
                svg = chart_render.to_svg(c)
                charts[c.key] = {"img": base64.b64encode(svg.encode()).decode()}
    return _ENV.get_template("report.html.j2").render(
        r=report,
        charts=charts,
        interactive=interactive,
        bundle=chart_render.embed_bundle() if interactive else "",
    )


def write_html(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html(report, interactive=True), encoding="utf-8")
    return path


def write_images(report: Report, folder: Path) -> list[Path]:
    """Every chart as SVG and PNG (vl-convert) for slides and print, named by its key."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for s in report.sections:
        for c in s.charts:
            svg, png = folder / f"{c.key}.svg", folder / f"{c.key}.png"
            svg.write_text(chart_render.to_svg(c), encoding="utf-8")
            png.write_bytes(chart_render.to_png(c))
            out += [svg, png]
    return out


def write_pdf(report: Report, path: Path) -> Path:
    from weasyprint import HTML

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html(report, interactive=False)).write_pdf(str(path))
    return path
