"""Tests: signals."""
