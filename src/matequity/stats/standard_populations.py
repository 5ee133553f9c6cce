"""Standard populations for direct standardisation.

European Standard Population 2013 (Eurostat, "Revision of the European Standard
Population", 2013; the ``esp2013`` dataset of PHEindicatormethods): 19 five-year
bands 0-4 ... 85-89 and 90+, total 100,000.
"""

from __future__ import annotations

import re

ESP2013_BANDS: tuple[str, ...] = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip
ESP2013: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip

STANDARDS: dict[str, dict[str, float]] = {
    "esp2013": dict(zip(ESP2013_BANDS, map(float, ESP2013), strict=True)),
}


def normalise_band(label: str) -> str:
    """'0 - 4', '0–4', '0 to 4' -> '0-4'; '90 and over', '90 plus' -> '90+'."""
    s = str(label).strip().lower().replace("–", "-").replace("—", "-")
    s = re.sub(r"\s*(-|to)\s*", "-", s)
    s = re.sub(r"\s*(\+|and over|or over|plus|and older)$", "+", s)
    return s.replace(" ", "")
