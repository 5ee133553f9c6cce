"""Chart specs for the pages: Vega-Lite JSON placed in ``<script
type="application/json">`` blocks, escaped so that no sequence in the data can
end the block or be read as markup (``<``, ``>``, ``&`` and the JavaScript line
separators U+2028/U+2029 as ``\\u`` escapes; the OWASP XSS Prevention Cheat
Sheet's rule for JSON in HTML)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(obj: Any) -> Markup:
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)
    for ch, esc in _ESCAPES.items():
        text = text.replace(ch, esc)
    return Markup(text)  # safe: escaped above for a JSON script block
