"""Roll site-level count tables up the NHS hierarchy: site, trust, LMNS, region,
England.

Works on count tables only (never records): a count for a site adds into its
trust, LMNS and region; rows whose site is not known (quarantined rows naming no
known site) count towards England only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity import vocabulary as vocab

#: output order of organisation levels
ORG_LEVELS: tuple[str, ...] = vocab.LEVELS_UP


def roll_up(
    site_counts: pd.DataFrame,
    organisations: pd.DataFrame,
    keys: Sequence[str],
    values: Sequence[str],
) -> pd.DataFrame:
    """``site_counts`` (``site_code``, ``keys``, ``values``) summed at every level.

    Returns ``org_level, org_code, *keys, *values``.
    """
    orgs = organisations.drop_duplicates("site_code")
    df = site_counts.merge(orgs, on="site_code", how="left")
    keys, values = list(keys), list(values)
    out = []
    for level in ORG_LEVELS:
        code_col = vocab.LEVEL[level].code_column
        if code_col is None:
            part = df.assign(org_code=vocab.ENGLAND_CODE)
        else:
            part = df[df[code_col].notna()].assign(org_code=lambda d, c=code_col: d[c])
        agg = part.groupby(["org_code", *keys], as_index=False, dropna=False)[values].sum()
        agg.insert(0, "org_level", level)
        out.append(agg)
    res = pd.concat(out, ignore_index=True)
    res[values] = res[values].astype("int64")
    return res
