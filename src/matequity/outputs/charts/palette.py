"""Colours: colour-blind-safe categorical palette (Okabe & Ito 2008, "Color
Universal Design") and the Making Data Count SPC colours as NHSRplotthedots
uses them (``ptd_spc_colours``)."""

from __future__ import annotations

#: Okabe-Ito, without yellow (too light on white)
CATEGORICAL: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
)  # fmt: skip

SPC = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_concern": "#e46c0a",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
    "mean": "#000000",
    "target": "#de1b1b",
}

#: MOSS signal levels: none, amber, red
LEVELS = {0: "#a6a6a6", 1: "#E69F00", 2: "#D55E00"}
REFERENCE = "#000000"
