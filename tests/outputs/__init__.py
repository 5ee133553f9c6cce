"""Tests: outputs."""
