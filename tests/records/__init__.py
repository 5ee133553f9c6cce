"""Tests: records."""
