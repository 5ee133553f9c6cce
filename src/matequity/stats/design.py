"""Treatment-coded design matrices for categorical adjustment variables.

Each adjustment column becomes indicator columns for its categories except a
reference, chosen as the category with the largest total weight (births): the
most stable baseline, and independent of how the categories are spelled. Ties
go to the category that sorts first. Columns that are linear combinations of
earlier ones (aliased, e.g. two columns holding the same grouping) are dropped,
as R's ``lm``/``glm`` and lme4 do ("fixed-effect model matrix is rank deficient").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import lstsq

INTERCEPT = "(Intercept)"


@dataclass(frozen=True)
class Term:
    """One column of a design: the intercept, or one category of a variable."""

    column: str  # the variable ('(Intercept)' for the intercept)
    level: str  # the category ('' for the intercept)

    @property
    def name(self) -> str:
        """R's name for the coefficient: variable and category pasted together."""
        return self.column if self.column == INTERCEPT else f"{self.column}{self.level}"


@dataclass(frozen=True)
class Design:
    matrix: np.ndarray  # cells x terms
    terms: tuple[Term, ...]
    references: dict[str, str]  # variable -> its reference category
    dropped: tuple[Term, ...]  # aliased terms left out

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)


def reference_level(values: pd.Series, weights: pd.Series) -> str:
    """The category with the largest total weight (ties: the first in sort order)."""
    tot = weights.groupby(values.astype(str)).sum()
    tot = tot.sort_index(kind="stable")
    return str(tot.idxmax())


def treatment_design(
    df: pd.DataFrame,
    columns: Sequence[str],
    weights: pd.Series,
    intercept: bool = True,
    references: dict[str, str] | None = None,
) -> Design:
    """Intercept plus indicators for each non-reference category of ``columns``.
    ``references`` fixes a variable's reference category (else the heaviest)."""
    cols: list[np.ndarray] = []
    terms: list[Term] = []
    refs: dict[str, str] = {}
    if intercept:
        cols.append(np.ones(len(df)))
        terms.append(Term(INTERCEPT, ""))
    for c in columns:
        values = df[c].astype(str)
        ref = (references or {}).get(c) or reference_level(values, weights)
        refs[c] = ref
        # compare integer codes, not strings: one pass over the cells per column
        codes, uniques = pd.factorize(values)
        position = {u: i for i, u in enumerate(uniques)}
        for level in sorted(set(position) - {ref}):
            cols.append((codes == position[level]).astype(float))
            terms.append(Term(c, level))
    x = np.column_stack(cols) if cols else np.empty((len(df), 0))
    keep, dropped = _independent(x)
    return Design(
        matrix=x[:, keep],
        terms=tuple(terms[i] for i in keep),
        references=refs,
        dropped=tuple(terms[i] for i in dropped),
    )


def _independent(x: np.ndarray) -> tuple[list[int], list[int]]:
    """Indices of a maximal set of linearly independent columns (earliest first):
    a column is kept when its residual sum of squares after projection on the kept
    columns (from the Gram matrix) is above 1e-9 of its own."""
    p = x.shape[1]
    if p == 0:
        return [], []
    gram = x.T @ x
    keep: list[int] = []
    for j in range(p):
        if gram[j, j] <= 0:
            continue
        if keep:
            gk = gram[np.ix_(keep, keep)]
            b = gram[keep, j]
            resid = gram[j, j] - b @ lstsq(gk, b)[0]
        else:
            resid = gram[j, j]
        if resid > 1e-9 * gram[j, j]:
            keep.append(j)
    dropped = [j for j in range(p) if j not in keep]
    return keep, dropped
