"""Tests: counts."""
