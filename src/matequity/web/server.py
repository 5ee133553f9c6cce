"""Running the service under uvicorn (ASGI), with worker processes: each worker
builds the application from the settings passed in the environment."""

from __future__ import annotations

import os

import uvicorn

from matequity.servicedb import default_url, open_database
from matequity.web.settings import ENV, ServiceSettings


def serve(
    settings: ServiceSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    forwarded_allow_ips: str | None = None,
) -> None:
    """Migrate the service database, then serve until interrupted."""
    db = open_database(settings.database_url or default_url(settings.store))
    db.dispose()
    os.environ[ENV] = settings.to_env()
    uvicorn.run(
        "matequity.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=max(1, workers),
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        date_header=True,
        log_level="info",
        access_log=True,
    )
