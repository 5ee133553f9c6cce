"""Tests: analyses."""
