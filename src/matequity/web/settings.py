"""What ``matequity serve`` configures, passed to every worker process through
one environment variable (JSON) so that uvicorn can start several workers."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

ENV = "MATEQUITY_SERVICE_SETTINGS"


@dataclass(frozen=True)
class ServiceSettings:
    store: str
    engine_kind: str = "duckdb"
    database_url: str | None = None
    #: the publication policy for figures outside a user's scope
    policy: str = "nhs"
    #: cookies marked Secure (set when the service is reached over HTTPS)
    secure_cookies: bool = False
    #: the address users reach the service at (links in emails)
    base_url: str = "http://127.0.0.1:8000"
    session_hours: float = 8.0
    idle_minutes: float = 30.0
    max_body_bytes: int = 64 * 1024
    login_per_account: int = 5
    login_per_address: int = 20
    login_window_minutes: float = 15.0
    #: cached results per worker: a dashboard page keeps about a dozen (its
    #: analyses, the page and its panels) per scope and view; a few MB in all
    cache_entries: int = 4096
    #: seconds between looks at the store's files (an ingest is seen within this)
    store_recheck_seconds: float = 1.0
    #: requests a worker runs at once (more wait their turn): Python runs one
    #: thread at a time, and many at once make each slow and lock holders slower
    threads: int = 4

    def to_env(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServiceSettings:
        env = os.environ if environ is None else environ
        raw = env.get(ENV)
        if not raw:
            raise RuntimeError(f"{ENV} is not set: start the service with 'matequity serve'")
        return cls(**json.loads(raw))
