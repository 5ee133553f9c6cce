"""Self-hosted assets: the service's CSS and JavaScript, the Vega-Embed bundle
the reports inline (Vega and Vega-Lite included; from vl-convert, via
:func:`matequity.outputs.charts.render.embed_bundle`) and Swagger UI for the
API docs (from the fastapi-offline package). No third-party requests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from matequity.outputs.charts.render import embed_bundle
from matequity.web.context import Ctx

router = APIRouter(include_in_schema=False)
SWAGGER = Path(fastapi_offline.__file__).parent / "static"
VENDOR = {
    "swagger-ui-bundle.js": ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui.css", "text/css; charset=utf-8"),
}
CACHE = {"Cache-Control": "public, max-age=86400"}


@lru_cache(maxsize=4)
def _read(name: str) -> bytes:
    return (SWAGGER / name).read_bytes()


@lru_cache(maxsize=1)
def _vega() -> bytes:
    return embed_bundle().encode("utf-8")


@router.get("/static/vendor/vega-embed-bundle.js")
def vega_bundle() -> Response:
    return Response(_vega(), media_type="text/javascript; charset=utf-8", headers=CACHE)


@router.get("/static/vendor/{name}")
def vendor(name: str) -> Response:
    if name not in VENDOR:
        raise HTTPException(404, "not found")
    file, media = VENDOR[name]
    return Response(_read(file), media_type=media, headers=CACHE)


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(_read("favicon.png"), media_type="image/png", headers=CACHE)


@router.get("/docs")
def docs(ctx: Ctx) -> HTMLResponse:
    return HTMLResponse(ctx.templates.get_template("docs.html.j2").render())
