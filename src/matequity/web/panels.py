"""Panels of a page laid out once: a panel template rendered on its own with
the page's values and the macros (templates/macros.html.j2), ready to be
placed in the page as it is (Jinja's autoescaping already applied)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup

from matequity.web.context import ServiceContext


def lay_out(ctx: ServiceContext, names: Iterable[str], values: Mapping[str, Any]) -> dict:
    """``{name: HTML}`` of ``templates/panels/NAME.html.j2`` for each name."""
    env = ctx.templates
    ui = env.get_template("macros.html.j2").make_module(dict(values))
    return {
        n: Markup(env.get_template(f"panels/{n}.html.j2").render(ui=ui, **values)) for n in names
    }
