"""Release tables under a disclosure policy: the one entry point for every
published frame.

``release(frame, policy, spec)`` releases one table; ``release_set(frames,
policy, specs, organisations)`` releases tables published together (several
levels, periods, margins, breakdowns) consistently: a cell shown in two tables
shows the same released figures in both.

1. Refuse a combination the policy does not protect
   (:mod:`matequity.disclosure.combinations`).
2. Primary rule: the policy's counts (``Policy.count``); totals recomputed from
   the released cells where the policy says so.
3. Derived columns (:mod:`matequity.disclosure.spec`) recomputed from the
   released counts (from the true counts only for a rates-only policy), rounded,
   withheld below the policy's minimum.
4. Secondary suppression: the attacker (:mod:`matequity.disclosure.attack`) is
   run on the candidate release, with everything already published beside it;
   for each true count of 1-7 it recovers, the fewest counts near it (the other
   cells of the sums it is in, then of the sums those are in) whose withholding
   lets it take another value are withheld (``suppressed`` = 'secondary'),
   chosen by :func:`matequity.disclosure.solver.cheapest`; the attack runs
   again, until it recovers nothing. See docs/methods.md section 9.3.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity.counts.compute import ALL
from matequity.disclosure import combinations, derive
from matequity.disclosure.attack import Published, Result, attack, identity
from matequity.disclosure.cells import Cells
from matequity.disclosure.hierarchy import Hierarchy, from_organisations
from matequity.disclosure.policy import Policy
from matequity.disclosure.spec import COUNT_COLUMNS, TableSpec, check_columns, infer_spec
from matequity.disclosure.structure import Equation, equations
from matequity.errors import UserError

MAX_ROUNDS = 30
#: complements tried for one recovered cell
MAX_TRIES = 16
#: complements offered to the cell suppression programme for one recovered cell
MAX_NEAR = 60
#: the nearest complements tried in pairs
PAIRS = 8
#: preference among the sums a recovered cell is in, for its complement
KIND_ORDER = {"margin": 0, "level": 1, "period": 2}


@dataclass(frozen=True)
class ReleasedSet(Mapping[str, pd.DataFrame]):
    """The released tables by name, with what the user must be told."""

    frames: dict[str, pd.DataFrame]
    policy: str
    warnings: tuple[str, ...] = ()
    #: counts (or rates) withheld by secondary suppression
    secondary: int = 0

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)


def release(frame: pd.DataFrame, policy: Policy, spec: TableSpec | None = None) -> pd.DataFrame:
    """One table released under ``policy`` (its margins and periods protected)."""
    return release_set({"table": frame}, policy, spec)["table"]


def release_set(
    frames: Mapping[str, pd.DataFrame],
    policy: Policy,
    specs: Mapping[str, TableSpec] | TableSpec | None = None,
    organisations: pd.DataFrame | Hierarchy | None = None,
    published: Sequence[Published] = (),
) -> ReleasedSet:
    """Tables published together, released consistently under ``policy``.

    ``frames``: name -> unreleased table (counts, and any derived columns, which
    are recomputed). ``specs``: each table's :class:`TableSpec` (one for all, or
    by name; default inferred from the columns). ``organisations``: the
    organisations table, needed when tables at two levels below England are
    published together. ``published``: tables already published that these sit
    beside (never changed; the attacker sees them too).
    """
    job = _Job(frames, policy, specs, organisations, published)
    return job.run()


class _Job:
    def __init__(self, frames, policy, specs, organisations, published):
        self.policy = policy
        self.names = list(frames)
        self.true = {n: frames[n].reset_index(drop=True) for n in self.names}
        self.specs = {n: self._spec(specs, n) for n in self.names}
        for n in self.names:
            _check_counts(self.true[n], n)
            check_columns(self.true[n], self.specs[n])
        self.hierarchy = (
            organisations
            if isinstance(organisations, Hierarchy)
            else from_organisations(organisations)
        )
        self.published = list(published)
        self.cells = Cells.of([(n, self.true[n], identity(self.true[n])) for n in self.names])
        self.eqs = equations(self.cells, self.hierarchy)
        self.tx, self.tn = self._truth()
        if policy.audited:
            combinations.check(policy, self.cells, self.eqs, self.hierarchy, self._beside_counts())
        self.rx, self.rn = policy.count(self.tx), policy.count(self.tn)
        size = len(self.cells)
        self.withheld = {c: np.zeros(size, bool) for c in COUNT_COLUMNS}
        self.rate_withheld = np.zeros(size, bool)

    def _spec(self, specs, name: str) -> TableSpec:
        if isinstance(specs, TableSpec):
            return specs
        if isinstance(specs, Mapping) and name in specs:
            return specs[name]
        return infer_spec(self.true[name])

    def _truth(self) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for col in COUNT_COLUMNS:
            t = np.full(len(self.cells), np.nan)
            seen = np.zeros(len(self.cells), bool)
            for n in self.names:
                ids = self.cells.rows[n]
                vals = pd.to_numeric(self.true[n][col], errors="coerce").to_numpy(float)
                clash = seen[ids] & ~((t[ids] == vals) | (np.isnan(t[ids]) & np.isnan(vals)))
                if clash.any():
                    cid = int(ids[np.flatnonzero(clash)[0]])
                    raise UserError(
                        f"table '{n}' and another table give different {col}s for the same "
                        f"cell ({self.cells.describe(cid)}): tables published together must "
                        "come from the same data"
                    )
                t[ids], seen[ids] = vals, True
            out.append(t)
        return out[0], out[1]

    def _beside_counts(self) -> list[str]:
        if not self.published:
            return []
        mine = {k for k, imp in zip(self.cells.keys, self.cells.implicit, strict=True) if not imp}
        out = []
        for t in self.published:
            if not set(COUNT_COLUMNS) & set(t.frame.columns):
                continue
            other = Cells.of([(t.name, t.frame.reset_index(drop=True), identity(t.frame))])
            if mine & set(other.keys) or _shares_cells(self.cells, other):
                out.append(t.name)
        return out

    # -- the release -------------------------------------------------------
    def released_counts(self) -> tuple[np.ndarray, np.ndarray]:
        rel = []
        for col, r in zip(COUNT_COLUMNS, (self.rx, self.rn), strict=True):
            r = np.where(self.withheld[col], np.nan, r)
            if self.policy.totals == "recompute":
                r = _recompute(r, self.cells, self.eqs)
            rel.append(r)
        return rel[0], rel[1]

    def frames(self) -> dict[str, pd.DataFrame]:
        relx, reln = self.released_counts()
        out = {}
        for n in self.names:
            out[n] = self._frame(n, relx, reln)
        return out

    def _frame(self, name: str, relx: np.ndarray, reln: np.ndarray) -> pd.DataFrame:
        p, spec = self.policy, self.specs[name]
        f = self.true[name].copy()
        ids = self.cells.rows[name]
        x, n = relx[ids], reln[ids]
        tx, tn = self.tx[ids], self.tn[ids]
        primary = (np.isnan(self.rx[ids]) & ~np.isnan(tx)) | (
            np.isnan(self.rn[ids]) & ~np.isnan(tn)
        )
        secondary = self.withheld["numerator"][ids] | self.withheld["denominator"][ids]
        secondary |= self.rate_withheld[ids]
        rate_rule = np.zeros(len(f), bool)
        if spec.rates is not None:
            basis = (x, n) if p.rates_from_released else (tx, tn)
            gone = self.rate_withheld[ids] | (np.isnan(x) | np.isnan(n)) & p.releases_counts
            f, rate_rule = derive.rates(f, basis, spec, p, gone)
        if spec.comparison is not None:
            f = derive.comparison(f, identity(self.true[name]), (x, n), spec, p)
        if p.releases_counts:
            f["numerator"], f["denominator"] = x, n
        else:
            f = f.drop(columns=list(COUNT_COLUMNS))
        f["suppressed"] = derive.marker(primary & p.releases_counts, secondary, rate_rule)
        f["disclosure_policy"] = p.name
        return f

    # -- secondary suppression ------------------------------------------------
    def audit(self, frames: dict[str, pd.DataFrame]) -> Result:
        tables = [*self.published, *(Published(n, frames[n]) for n in self.names)]
        truth = {n: self.true[n] for n in self.names}
        return attack(tables, self.hierarchy, truth)

    def run(self) -> ReleasedSet:
        if not self.policy.audited:  # exact figures for their own analysts
            return self._done(self.frames())
        for _round in range(MAX_ROUNDS):
            frames = self.frames()
            result = self.audit(frames)
            hits = [*result.pinned, *result.undecided]
            if not hits:
                return self._done(frames)
            if not self._withhold(result, hits):
                break
        # last resort: every released cell of a sum a recovered cell is in
        for cid, col in hits:
            for eq in result.equations:
                if cid == eq.parent or cid in eq.children:
                    for m in (eq.parent, *eq.children):
                        key = _translate(result.cells, self.cells, result.cells.keys[m])
                        if key is not None:
                            self._take(key, col)
        frames = self.frames()
        result = self.audit(frames)
        if result.pinned or result.undecided:
            where = result.frame().head(1).to_dict("records")
            raise UserError(
                f"policy '{self.policy.name}' could not protect these tables: a small count "
                f"stays recoverable ({where[0] if where else 'solver undecided'}); publish fewer "
                "tables together"
            )
        return self._done(frames)

    def _done(self, frames: dict[str, pd.DataFrame]) -> ReleasedSet:
        n_sec = int(sum(w.sum() for w in self.withheld.values()) + self.rate_withheld.sum())
        warn = combinations.warnings(self.policy, self.tx)
        return ReleasedSet(frames, self.policy.name, tuple(warn), n_sec)

    def _withhold(self, result: Result, hits: list[tuple[int, str]]) -> bool:
        """For each recovered cell, withhold a complement: the first cell near it
        (:meth:`_near`) whose withholding leaves it unrecoverable, with this
        round's other choices; else the first pair of them that does; else the
        nearest that can be withheld (the next round goes on from there)."""
        chosen: list[tuple[int, str]] = []
        tag = "*" if not self.policy.releases_counts else None
        for cid, col in hits:
            if chosen and not result.still_pinned((cid, col), chosen):
                continue
            near = [m for m in self._near(result, cid, col) if self._can_take_of(result, m, col)]
            if not near:
                continue
            pick: tuple[int, ...] = (near[0],)
            if tag is None and (cid, col) in result.pinned:
                # counts: the fewest complements, by the cell suppression programme
                got = result.cheapest((cid, col), chosen, [(m, col) for m in near[:MAX_NEAR]])
                if got:
                    pick = tuple(near[k] for k in got)
                for m in pick:
                    key = _translate(result.cells, self.cells, result.cells.keys[m])
                    assert key is not None
                    self._take(key, col)
                    chosen.append((m, col))
                continue
            near = near[:MAX_TRIES]
            singles = [(m,) for m in near]
            pairs = [(a, b) for i, a in enumerate(near[:PAIRS]) for b in near[i + 1 : PAIRS]]
            for option in (*singles, *pairs):
                trial = [*chosen, *((m, tag or col) for m in option)]
                if not result.still_pinned((cid, col), trial):
                    pick = option
                    break
            for m in pick:
                key = _translate(result.cells, self.cells, result.cells.keys[m])
                assert key is not None
                self._take(key, col)
                chosen.append((m, tag or col))
        return bool(chosen)

    def _can_take_of(self, result: Result, m: int, col: str) -> bool:
        key = _translate(result.cells, self.cells, result.cells.keys[m])
        return key is not None and self._can_take(key, col)

    def _near(self, result: Result, cid: int, col: str) -> list[int]:
        """Cells (of ``result``) whose withholding can unpin ``cid``, nearest
        first: for a rates-only policy the cell's own rate; the other cells of
        each sum it is in (margins, then levels, then periods; siblings non-zero
        and smallest first, then the sum's total); then the same around those."""
        keys = result.cells.keys
        relx, reln = self.released_counts()
        rel = relx if col == "numerator" else reln

        def size(c: int) -> tuple[bool, float]:
            key = _translate(result.cells, self.cells, keys[c])
            m = self.cells.ids.get(key) if key is not None else None
            v = rel[m] if m is not None and np.isfinite(rel[m]) else np.inf
            return (v == 0, v)

        def around(c: int) -> list[int]:
            eqs = sorted(
                (eq for eq in result.equations if c == eq.parent or c in eq.children),
                key=lambda eq: (c == eq.parent, KIND_ORDER[eq.kind]),
            )
            out: list[int] = []
            for eq in eqs:
                out.extend(sorted((k for k in eq.children if k != c), key=size))
                if eq.parent != c:
                    out.append(eq.parent)
            return out

        first = ([cid] if not self.policy.releases_counts else []) + around(cid)
        second = [k for c in first for k in around(c)]
        out = list(dict.fromkeys([*first, *second]))
        # a cell's own count cannot unpin it (the sums still give it); its own rate can
        return [k for k in out if k != cid] if self.policy.releases_counts else out

    def _can_take(self, key: tuple[str, ...], col: str) -> bool:
        m = self.cells.ids.get(key)
        if m is None or self.cells.implicit[m]:
            return False
        if not self.policy.releases_counts:
            return not self.rate_withheld[m] and not np.isnan(self.tx[m])
        r = self.rx if col == "numerator" else self.rn
        return not self.withheld[col][m] and not np.isnan(r[m])

    def _take(self, key: tuple[str, ...], col: str) -> bool:
        """Withhold ``col`` of cell ``key`` (its rate, for a rates-only policy);
        False if it is not ours to withhold or already withheld."""
        if not self._can_take(key, col):
            return False
        m = self.cells.ids[key]
        if not self.policy.releases_counts:
            self.rate_withheld[m] = True
        else:
            self.withheld[col][m] = True
        return True


def _check_counts(df: pd.DataFrame, name: str) -> None:
    for c in COUNT_COLUMNS:
        if c not in df.columns:
            raise UserError(f"disclosure control needs a '{c}' column (table '{name}')")
        v = pd.to_numeric(df[c], errors="coerce")
        if (v < 0).any():
            row = int(np.flatnonzero((v < 0).to_numpy())[0]) + 1
            raise UserError(f"table '{name}', row {row}, column '{c}': expected a count >= 0")


def _translate(src: Cells, dst: Cells, key: tuple[str, ...]) -> tuple[str, ...] | None:
    """A cell key of ``src`` in ``dst``'s schema (None if ``dst`` cannot hold it)."""
    if src.schema == dst.schema:
        return key
    value = dict(zip(src.schema, key, strict=True))
    for c in src.breakdowns:
        if c not in dst.schema and value[c] != ALL:
            return None
    return tuple(value.get(c, ALL if c in dst.breakdowns else "") for c in dst.schema)


def _recompute(r: np.ndarray, cells: Cells, eqs: Sequence[Equation]) -> np.ndarray:
    """Margins recomputed from the released cells (withheld cells count 0), the
    innermost first."""
    r = r.copy()
    margins = {}
    for eq in eqs:
        if eq.kind == "margin":
            margins.setdefault(eq.parent, eq)
    depth = {p: sum(v == ALL for v in cells.keys[p]) for p in margins}
    for p in sorted(margins, key=depth.get):
        r[p] = np.nansum(r[list(margins[p].children)])
    return r


def _shares_cells(mine: Cells, other: Cells) -> bool:
    """Whether two tables are about the same cells once breakdowns they do not
    share are read as 'All'."""
    common = [c for c in mine.schema if c in other.schema]
    if not common:
        return False
    pick_m = [mine.schema.index(c) for c in common]
    pick_o = [other.schema.index(c) for c in common]
    extra_m = [i for i, c in enumerate(mine.schema) if c not in common and c in mine.breakdowns]
    extra_o = [i for i, c in enumerate(other.schema) if c not in common and c in other.breakdowns]
    a = {
        tuple(k[i] for i in pick_m)
        for k, imp in zip(mine.keys, mine.implicit, strict=True)
        if not imp and all(k[i] == ALL for i in extra_m)
    }
    b = {tuple(k[i] for i in pick_o) for k in other.keys if all(k[i] == ALL for i in extra_o)}
    return bool(a & b)
