"""Apply a disclosure policy to one count table: :func:`apply_policy` is
:func:`matequity.disclosure.release.release` with the table's spec read from its
columns (breakdowns holding 'All', rates when it has ``value`` or limits, a
comparison when it has ratio/excess columns and a ``reference``).

Input: breakdown columns, ``numerator``, ``denominator``, optionally totals rows
(a breakdown value of 'All') and statistics already added (``value``,
``lower_*``, ``upper_*``), which are recomputed from the released counts. Output:
the same rows with released counts and statistics, a ``suppressed`` marker and
the ``disclosure_policy``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity.disclosure.policy import Policy
from matequity.disclosure.release import release
from matequity.disclosure.spec import infer_spec


def apply_policy(
    df: pd.DataFrame,
    policy: Policy,
    by: Sequence[str] | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """The released table. ``by``: the breakdown columns whose 'All' rows are
    totals (default: any column holding 'All'); ``statistic``/``multiplier``
    for tables whose measures are not built in."""
    return release(df, policy, infer_spec(df, by, statistic, multiplier))
