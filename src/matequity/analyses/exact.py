"""Exact figures as a disclosure "policy": management information within a
user's scope (unrounded, nothing withheld), marked analyst-only.

The analyses' pieces (:func:`~matequity.analyses.by_group.by_group`,
:func:`~matequity.analyses.funnel.peer_funnel`, ...) take a
:class:`~matequity.disclosure.policy.Policy`; :data:`EXACT` lets the same code
produce exact figures for the organisations in a user's scope, each table then
saying ``disclosure_policy = "none: analyst-only, unrounded (not for
publication)"``. It is never a publication policy: it is not in
:data:`matequity.disclosure.policy.POLICIES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matequity.disclosure.policy import ANALYST_ONLY, Policy


@dataclass(frozen=True)
class _Exact(Policy):
    def count(self, x: np.ndarray) -> np.ndarray:
        """Counts as they are (float, as every policy's)."""
        return np.asarray(x, dtype=float)

    def possible(self, released: float, marker: str = "") -> tuple[float, float]:
        return released, released


EXACT = _Exact(
    name=ANALYST_ONLY,
    title="Exact figures: management information within the user's scope, not for publication",
    source="matequity web service: organisation scope (docs/service.md)",
    totals="round",
    min_numerator_for_rate=0,
    rate_decimals=None,
    audited=False,
)


def resolve(policy: Policy | None) -> Policy:
    """``policy``, or :data:`EXACT` when None (the analyses' convention for exact)."""
    return EXACT if policy is None else policy


def is_exact(policy: Policy | None) -> bool:
    return policy is None or policy is EXACT
