"""``GET /healthz``: the service, its database and its store answer, and which
worker process answered (an opaque id, for load balancers and benchmarks)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from matequity.web.context import Ctx

router = APIRouter()
#: this worker process's id (random: nothing about the host)
WORKER = secrets.token_hex(4)


@router.get("/healthz", tags=["health"])
def healthz(ctx: Ctx) -> JSONResponse:
    checks = {}
    try:
        with ctx.db.read() as con:
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
    body = {"status": "ok" if ok else "degraded", **checks, "worker": WORKER}
    return JSONResponse(body, status_code=200 if ok else 503)
