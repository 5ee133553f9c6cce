"""Chart rendering through vl-convert: SVG and PNG for print, and the inline
Vega-Embed bundle for self-contained interactive HTML (no network needed)."""

from __future__ import annotations

import json
from functools import lru_cache

import vl_convert as vlc

from matequity.outputs.charts.spec import ChartSpec


def to_svg(c: ChartSpec) -> str:
    return vlc.vegalite_to_svg(json.dumps(c.spec()))


def to_png(c: ChartSpec, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(json.dumps(c.spec()), scale=scale)


@lru_cache(maxsize=1)
def embed_bundle() -> str:
    """The vega-embed JavaScript bundle (Vega and Vega-Lite included), once per page."""
    return vlc.javascript_bundle()


def spec_json(c: ChartSpec) -> str:
    # safe inside <script>: no closing tag can appear
    return json.dumps(c.spec()).replace("</", "<\\/")
