"""Analyses: store -> counts -> statistics, ready for outputs to lay out."""
