"""``GET /healthz``: the service, its database and its store answer."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from matequity.web.context import Ctx

router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz(ctx: Ctx) -> JSONResponse:
    checks = {}
    try:
        with ctx.db.engine.connect() as con:
            con.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    try:
        ctx.data.organisations()
        checks["store"] = "ok"
    except Exception:
        checks["store"] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503
    )
