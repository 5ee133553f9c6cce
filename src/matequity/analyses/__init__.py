"""Analyses: between statistics and outputs. Each function takes an engine (from
``matequity.engine.open``) and parameters, and returns a frozen dataclass of
small DataFrames that says its disclosure policy. Outputs (reports, pages, the
API) lay these out; they never reach the records themselves.
"""
