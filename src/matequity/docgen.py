"""Tables of the documentation made from the code, so they cannot drift.

A generated block in a Markdown file sits between ``<!-- generated:NAME -->``
and ``<!-- /generated:NAME -->``; :func:`update` rewrites every block from
:data:`GENERATORS` (``python scripts/generate-docs.py``), and the docs tests fail
when a block is stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path


def _measures() -> str:
    from matequity.measures.catalogue import markdown

    return markdown()


def _reasons() -> str:
    from matequity.ingest.reasons import REASONS

    rows = ["| reason | meaning |", "|---|---|"]
    rows += [f"| `{r.code}` | {r.description} |" for r in REASONS]
    return "\n".join(rows) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {"measures": _measures, "reasons": _reasons}
_BLOCK = re.compile(r"(<!-- generated:(\w+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.S)


def blocks(text: str) -> dict[str, str]:
    """name -> the block's current content."""
    return {m.group(2): m.group(3) for m in _BLOCK.finditer(text)}


def render(text: str) -> str:
    """``text`` with every generated block rewritten."""
    return _BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group(2)]() + m.group(4), text)


def update(paths: list[Path]) -> list[Path]:
    changed = []
    for p in paths:
        old = p.read_text()
        new = render(old)
        if new != old:
            p.write_text(new)
            changed.append(p)
    return changed
