"""The deprivation gradient of a measure: rates by IMD decile (most deprived
first), released, with the slope index of inequality (PHE method: the modelled
difference between the most and least deprived ends, fitted by weighted least
squares on the ridits of the deciles' populations) and its fitted line.

Statistics: :func:`matequity.stats.inequality.ordered.sii_line` and
:func:`matequity.stats.inequality.table.inequality` (PHEindicatormethods
``phe_sii``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity import vocabulary as vocab
from matequity.measures.definition import Measure
from matequity.stats.inequality.ordered import sii_line


@dataclass(frozen=True, kw_only=True)
class Gradient:
    measure: str
    #: released rates by decile, in order from the most deprived
    deciles: pd.DataFrame
    #: the fitted SII line at each decile
    fitted: pd.DataFrame
    sii: float
    rii: float


def gradient(
    pooled: pd.DataFrame, released: pd.DataFrame, measure: Measure, inequality: pd.DataFrame
) -> Gradient:
    """``pooled``: unreleased counts by ``imd_decile``; ``released``: their released
    rates; ``inequality``: the summaries of :func:`~matequity.stats.inequality.table.inequality`."""
    order = [c for c in vocab.BREAKDOWN["imd_decile"].order if c not in vocab.UNKNOWN_GROUPS]
    p = pooled[pooled["measure"] == measure.name].set_index("imd_decile").loc[order]
    r = released[released["measure"] == measure.name].set_index("imd_decile").loc[order]
    pop = p["denominator"].to_numpy(float)
    y = (p["numerator"] / p["denominator"]).to_numpy(float) * measure.multiplier
    iq = inequality[inequality["measure"] == measure.name].set_index("summary_measure")["estimate"]
    return Gradient(
        measure=measure.name,
        deciles=r.reset_index(),
        fitted=pd.DataFrame({"imd_decile": order, "fit": sii_line(y, pop)}),
        sii=float(iq.get("sii_phe", np.nan)),
        rii=float(iq.get("rii_phe", np.nan)),
    )
