"""Tests: experience."""
