"""Spec tests on every engine: the same assertions on DuckDB and on Spark.

A package (not a plain folder) so that its conftest and modules have their own
names (``engine.conftest``) and ``from conftest import ...`` elsewhere keeps
meaning the shared root ``tests/conftest.py``.
"""
