"""Write one chart to a file: SVG or PNG (through vl-convert, as the reports'
images) or a self-contained interactive HTML page (the Vega-Embed bundle
inlined, so the page opens with no network)."""

from __future__ import annotations

import html
from pathlib import Path

from matequity.errors import UserError
from matequity.outputs.charts import render
from matequity.outputs.charts.spec import ChartSpec

SUFFIXES = (".svg", ".png", ".html")


def check_path(path: str | Path) -> Path:
    """The path, if its suffix is one this module writes (checked before any work)."""
    p = Path(path)
    if p.suffix.lower() not in SUFFIXES:
        raise UserError(f"--plot {p}: expected a file ending {', '.join(SUFFIXES)}")
    return p


def page(c: ChartSpec) -> str:
    """A standalone HTML page holding the chart, its title and its alt text."""
    title = html.escape(c.title)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<script type="text/javascript">{render.embed_bundle()}</script>\n'
        "</head>\n<body>\n"
        f'<h1 style="font-family: sans-serif; font-size: 1.2em">{title}</h1>\n'
        f'<figure><div id="chart" role="img" aria-label="{html.escape(c.alt_text)}"></div>'
        f"<figcaption>{html.escape(c.alt_text)}</figcaption></figure>\n"
        '<script type="text/javascript">\n'
        f'vegaEmbed("#chart", {render.spec_json(c)}, '
        '{"actions": false, "renderer": "svg"}).catch(console.error);\n'
        "</script>\n</body>\n</html>\n"
    )


def write_chart(c: ChartSpec, path: str | Path) -> Path:
    """Write ``c`` as SVG, PNG or HTML, chosen by the file's suffix."""
    p = check_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    suffix = p.suffix.lower()
    if suffix == ".svg":
        p.write_text(render.to_svg(c), encoding="utf-8")
    elif suffix == ".png":
        p.write_bytes(render.to_png(c))
    else:
        p.write_text(page(c), encoding="utf-8")
    return p
