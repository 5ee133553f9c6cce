"""The FastAPI application: ``create_app(settings)``; ``app_from_env()`` is the
factory each uvicorn worker calls (settings in ``MATEQUITY_SERVICE_SETTINGS``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from matequity import __version__
from matequity.analyses.source import StoreSource
from matequity.servicedb import Database, default_url, open_database
from matequity.web import errors
from matequity.web.context import ServiceContext
from matequity.web.data import DataAccess
from matequity.web.routes import api, assets, dashboard, health, pages
from matequity.web.security import BodyLimit, SecurityHeaders
from matequity.web.settings import ServiceSettings

STATIC = Path(__file__).parent / "static"

DESCRIPTION = (
    "Safety signals (MOSS) and equity figures for maternity and neonatal care. "
    "Authenticate with `Authorization: Bearer <token>` (`matequity tokens create`). "
    "Within your organisation's scope figures are exact management information; "
    "outside it only figures released under the publication policy, and every "
    "answer says which (`disclosure_policy`)."
)


def create_app(settings: ServiceSettings, db: Database | None = None) -> FastAPI:
    """The application on ``settings.store``, its service database migrated."""
    db = db or open_database(settings.database_url or default_url(settings.store))
    source = StoreSource(settings.engine_kind, settings.store)
    data = DataAccess(
        source, settings.policy, settings.cache_entries, settings.store_recheck_seconds
    )
    ctx = ServiceContext(settings, db, data)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the pool that runs the (synchronous) request handlers of this worker
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="matequity",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.ctx = ctx
    errors.install(app)
    app.include_router(health.router)
    app.include_router(api.router)
    app.include_router(assets.router)
    app.include_router(pages.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, https=settings.secure_cookies)
    return app


def app_from_env() -> FastAPI:
    return create_app(ServiceSettings.from_env())
