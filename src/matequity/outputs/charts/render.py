"""Chart rendering through vl-convert: SVG and PNG for print, and the inline
Vega-Embed bundle for self-contained interactive HTML (no network needed;
:mod:`matequity.outputs.charts.bundle`)."""

from __future__ import annotations

import json

import vl_convert as vlc

from matequity.outputs.charts.bundle import embed_bundle
from matequity.outputs.charts.spec import ChartSpec

__all__ = ["embed_bundle", "script_json", "spec_json", "to_png", "to_svg"]


def to_svg(c: ChartSpec) -> str:
    return vlc.vegalite_to_svg(json.dumps(c.spec()))


def to_png(c: ChartSpec, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(json.dumps(c.spec()), scale=scale)


#: characters that could end or break a <script> block (or a JS string) when a
#: spec's text (an organisation's name) holds them: written as JSON escapes
SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: object) -> str:
    """JSON safe inside ``<script>`` (as the OWASP cheat sheet and Django's
    ``json_script`` escape it): ``<``, ``>``, ``&`` and the line separators
    U+2028/U+2029 as ``\\uXXXX``, so that ``</script>`` or ``<!--`` in a name can
    neither end the block nor start a comment in it."""
    text = json.dumps(value)
    for ch, esc in SCRIPT_ESCAPES.items():
        text = text.replace(ch, esc)
    return text


def spec_json(c: ChartSpec) -> str:
    return script_json(c.spec())
