"""Alembic migrations of the service database, shipped in the package and run
by :func:`matequity.servicedb.migrate.upgrade` (``matequity db upgrade``, and
automatically by ``serve``, ``users``, ``tokens`` and ``signals``)."""
