"""Which combinations of published tables a policy protects, and the refusal of
the others (one line naming the policy, what is published together and what to
do instead). See docs/methods.md section 9."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matequity.disclosure.cells import Cells
from matequity.disclosure.hierarchy import ORDER, Hierarchy
from matequity.disclosure.policy import SMALL, Policy
from matequity.disclosure.structure import Equation
from matequity.errors import UserError


def published_levels(cells: Cells) -> list[str]:
    j = cells.position("org_level")
    if j is None:
        return []
    found = {cells.keys[c][j] for c in range(len(cells)) if not cells.implicit[c]}
    return [lv for lv in ORDER if lv in found]


def check(
    policy: Policy,
    cells: Cells,
    eqs: Sequence[Equation],
    hierarchy: Hierarchy,
    beside_counts: Sequence[str] = (),
) -> None:
    """Refuse (UserError) a set of tables ``policy`` cannot protect.
    ``beside_counts``: already-published tables that release counts of cells of
    this set."""
    levels = published_levels(cells)
    has = {eq.kind for eq in eqs}
    if len(levels) > 1 and "levels" not in policy.protects:
        raise UserError(
            f"policy '{policy.name}' protects one table at one organisation level; tables at "
            f"levels {', '.join(levels)} are published together: differencing them can reveal "
            "small counts. Publish one level, or use nhs, opensafely or midpoint6"
        )
    if len([lv for lv in levels if lv != "england"]) > 1 and not hierarchy.known:
        raise UserError(
            f"policy '{policy.name}': tables at levels {', '.join(levels)} are published "
            "together, and protecting them needs to know which organisation is in which: give "
            "the organisations table (--organisations), or publish one level at a time"
        )
    if "period" in has and "periods" not in policy.protects:
        raise UserError(
            f"policy '{policy.name}' cannot protect periods published beside their parts (a "
            "range of years beside its years, a year beside its months): publish one grain"
        )
    if "margin" in has and "margins" not in policy.protects:
        raise UserError(f"policy '{policy.name}' cannot protect 'All' margins: leave them out")
    if beside_counts and not policy.releases_counts:
        raise UserError(
            f"policy '{policy.name}' releases rates without counts and cannot protect them "
            f"beside tables that release counts of the same cells ({', '.join(beside_counts)}): "
            "with the denominator, a rate gives its count. Publish them all under nhs"
        )


def warnings(policy: Policy, true_numerators: np.ndarray) -> list[str]:
    """What the user must know about a release that is protected only on a
    condition the tool cannot check."""
    out = []
    if not policy.releases_counts:
        with np.errstate(invalid="ignore"):
            few = (true_numerators >= policy.min_numerator_for_rate) & (true_numerators <= SMALL[1])
        if few.any():
            out.append(
                f"policy '{policy.name}': {int(few.sum())} released rate(s) rest on "
                f"{policy.min_numerator_for_rate}-{SMALL[1]} events; they stay protected only "
                "while their denominators are not published anywhere (with the denominator, "
                "a rate gives its count)"
            )
    return out
