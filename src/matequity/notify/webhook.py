"""A JSON POST to a chat tool's incoming webhook (standard library urllib).
The payload has a ``text`` field (what Microsoft Teams and Slack incoming
webhooks display) and the structured ``signals``."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def post(url: str, payload: dict[str, Any], timeout: float = 15.0) -> None:
    data = json.dumps(payload).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:  # http(s) only: see config
        if not 200 <= r.status < 300:
            raise OSError(f"webhook answered HTTP {r.status}")
