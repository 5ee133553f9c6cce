"""The ``matequity`` command line: records, counts, statistics.

User errors print one line and exit with status 2; there are no tracebacks for
bad input, and no record-level values in any message.
"""

from __future__ import annotations

from matequity.cli import (  # noqa: F401  (they register commands)
    experience,
    models,
    quality,
    records,
    report,
    service,
    signals,
    statistics,
)
from matequity.cli.app import app

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    app()
