"""Tests: disclosure."""
