"""Tests: stats."""
