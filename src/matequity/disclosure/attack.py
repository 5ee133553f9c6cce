"""The attacker: from published tables only, which true counts of 1-7 can be
recovered exactly?

Model. Every cell (measure, period, organisation, breakdown categories) has an
unknown true numerator and denominator. The attacker knows:

* each released count's range under its policy (``Policy.possible``: nhs 5 is
  1-7, 10 is 8-12; a count withheld by secondary suppression says nothing);
* what a rate's presence says (withheld below the policy's minimum, flagged
  below its threshold) and, for a rate or interval *not* reproducible from the
  released counts (so computed from the true ones), every (numerator,
  denominator) pair that reproduces it to its shown decimals (enumerated, with
  the exact interval formulas of :mod:`matequity.stats.rates`), and the linear
  inequalities x m >= (v - h) n and x m <= (v + h) n of its value;
* the same for comparisons (ratio, difference, expected and excess events)
  against the reference row, and for totals of excess events over groups;
* the sums among cells (:mod:`matequity.disclosure.structure`): 'All' margins,
  parent organisations, periods made of shorter periods; numerators are at most
  their denominators.

Statistics that are reproduced exactly by the released counts are taken as
derived from them and carry nothing more (a sound reading: the released counts
alone yield them). Totals released under a 'recompute' policy that equal the sum
of the released cells likewise.

The recoverable counts are the unknowns whose minimum and maximum over every
integer solution agree (:mod:`matequity.disclosure.solver`), at a value of 1-7.
The attacker is sound: it never pins a count to a value other than its truth
(tests check this against the true counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matequity.counts.compute import ALL
from matequity.disclosure import inversion
from matequity.disclosure.cells import Cells, normalise
from matequity.disclosure.hierarchy import Hierarchy, from_organisations
from matequity.disclosure.policy import POLICIES, SMALL, Policy
from matequity.disclosure.solver import BIG, Model, cheapest, pinned, pinned_at
from matequity.disclosure.spec import (
    COMPARISON_COLUMNS,
    COUNT_COLUMNS,
    KEY_COLUMNS,
    LABEL_COLUMNS,
    META_COLUMNS,
    is_limit,
    looks_numeric,
)
from matequity.disclosure.structure import Equation, equations
from matequity.measures.catalogue import BY_NAME
from matequity.stats.frames import UNKNOWN_GROUPS

#: a cell with at most this many (x, n) pairs left is enumerated for comparisons
GRID = 2_500
MULTIPLIERS = (1.0, 100.0, 1_000.0, 10_000.0, 100_000.0)


@dataclass(frozen=True)
class Published:
    """A table as published. ``statistic``/``multiplier`` for rows whose measure
    is not built in (otherwise guessed from the ``method`` column and the
    figures)."""

    name: str
    frame: pd.DataFrame
    statistic: str | None = None
    multiplier: float | None = None


@dataclass(frozen=True)
class Finding:
    """A true count recovered exactly: where it is shown (``table`` '' and ``row``
    None for a cell no table shows), which count, its value, and how."""

    table: str
    row: int | None
    column: str
    value: int
    cell: str
    via: str


@dataclass
class Result:
    findings: list[Finding]
    cells: Cells
    equations: list[Equation]
    #: (cell, column) -> recovered value
    pinned: dict[tuple[int, str], int]
    #: (cell, column) that could not be decided (treated as recoverable by releases)
    undecided: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the attacker's programme and its unknowns, (cell, column) -> var
    model: Model | None = None
    var: dict[tuple[int, str], int] = field(default_factory=dict)

    def cheapest(
        self,
        target: tuple[int, str],
        withheld: list[tuple[int, str]],
        candidates: list[tuple[int, str]],
    ) -> list[int] | None:
        """Which of ``candidates`` (cell, column), fewest first, to withhold as
        well as ``withheld`` so that ``target`` is no longer recoverable (indices
        into ``candidates``); None if no choice of them does."""
        assert self.model is not None and target in self.pinned
        free = {self.var[k] for k in withheld}
        model = self.model.relaxed(free, set())
        groups = [[self.var[k]] for k in candidates]
        return cheapest(model, self.var[target], self.pinned[target], groups)

    def still_pinned(self, target: tuple[int, str], withheld: list[tuple[int, str]]) -> bool:
        """Whether ``target`` stays recoverable had the published figures of
        ``withheld`` (cell, column) not been shown (a cell's whole row of
        figures, for column '*')."""
        assert self.model is not None
        free, cells = set(), set()
        for cid, col in withheld:
            cols = COUNT_COLUMNS if col == "*" else (col,)
            free.update(self.var[(cid, c)] for c in cols)
            if col == "*":
                cells.add(cid)
        model = self.model.relaxed(free, cells)
        if target in self.pinned:
            return pinned_at(model, self.var[target], self.pinned[target])
        out = pinned(model, [self.var[target]], SMALL)
        return self.var[target] in out.pinned or self.var[target] in out.undecided

    def frame(self) -> pd.DataFrame:
        cols = ["table", "row", "column", "value", "cell", "via"]
        return pd.DataFrame([f.__dict__ for f in self.findings], columns=cols)


def identity(frame: pd.DataFrame) -> list[str]:
    """The columns of a published table that identify its cells."""
    out = []
    for c in frame.columns:
        if c in COUNT_COLUMNS or c in META_COLUMNS or c in LABEL_COLUMNS:
            continue
        if c == "value" or is_limit(c) or c in COMPARISON_COLUMNS:
            continue
        if c not in KEY_COLUMNS and looks_numeric(frame[c]):
            continue
        out.append(c)
    return out


def _is_excess_totals(frame: pd.DataFrame) -> bool:
    return "excess_events" in frame.columns and "numerator" not in frame.columns


def _policies(frame: pd.DataFrame) -> list[Policy | None]:
    if "disclosure_policy" not in frame.columns:
        return [None] * len(frame)
    return [POLICIES.get(str(p)) for p in frame["disclosure_policy"].tolist()]


def _numbers(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(float)


def _text(frame: pd.DataFrame, col: str) -> list[str]:
    if col not in frame.columns:
        return [""] * len(frame)
    return [normalise(v) for v in frame[col].tolist()]


def _settings(t: Published, f: pd.DataFrame) -> tuple[list[str | None], np.ndarray]:
    """Each row's statistic and multiplier: the built-in measure's, else the
    table's, else guessed (``method`` says Wilson or Exact/Byars; the multiplier
    is the power of ten that the released figures imply)."""
    n = len(f)
    measures = _text(f, "measure")
    methods = _text(f, "method")
    stat: list[str | None] = []
    mult = np.full(n, np.nan)
    for i in range(n):
        m = BY_NAME.get(measures[i])
        if m is not None:
            stat.append(m.statistic)
            mult[i] = float(m.multiplier)
            continue
        s = t.statistic
        if s is None and methods[i]:
            s = "proportion" if methods[i] == "Wilson" else "rate"
        stat.append(s)
        mult[i] = t.multiplier if t.multiplier else np.nan
    if np.isnan(mult).any():
        x, d, v = _numbers(f, "numerator"), _numbers(f, "denominator"), _numbers(f, "value")
        with np.errstate(divide="ignore", invalid="ignore"):
            est = v * d / x
        est = est[np.isfinite(est) & (est > 0) & (x >= 20)]
        if len(est):
            logs = np.log10(MULTIPLIERS)
            guess = MULTIPLIERS[int(np.argmin(np.abs(logs - np.log10(np.median(est)))))]
            mult = np.where(np.isnan(mult), guess, mult)
    return stat, mult


class _Attack:
    def __init__(
        self,
        tables: Sequence[Published],
        hierarchy: Hierarchy,
        truth: Mapping[str, pd.DataFrame] | None,
    ):
        self.tables = [
            Published(t.name, t.frame.reset_index(drop=True), t.statistic, t.multiplier)
            for t in tables
        ]
        self.counts = [t for t in self.tables if not _is_excess_totals(t.frame)]
        self.totals = [t for t in self.tables if _is_excess_totals(t.frame)]
        self.cells = Cells.of([(t.name, t.frame, identity(t.frame)) for t in self.counts])
        self.eqs = equations(self.cells, hierarchy)
        self.notes: list[str] = []
        self.model = Model()
        self.var: dict[tuple[int, str], int] = {}
        for cid in range(len(self.cells)):
            for col in COUNT_COLUMNS:
                self.var[(cid, col)] = self.model.var()
        self.truth = self._truth(truth)
        self.candidates: dict[int, np.ndarray] = {}
        self.rate_rows: list[tuple[int, dict, str, float]] = []
        self.comparisons: list[tuple[int, int, dict, str, float]] = []

    # -- truth (only for releases and tests: which cells to ask about) --------
    def _truth(self, truth) -> dict[tuple[int, str], float]:
        out: dict[tuple[int, str], float] = {}
        if truth is None:
            return out
        for t in self.counts:
            if t.name not in truth:
                continue
            true = truth[t.name].reset_index(drop=True)
            ids = self.cells.rows[t.name]
            for col in COUNT_COLUMNS:
                if col not in true.columns:
                    continue
                vals = pd.to_numeric(true[col], errors="coerce").to_numpy(float)
                for cid, v in zip(ids, vals, strict=True):
                    if np.isfinite(v):
                        out[(int(cid), col)] = v
        return out

    def _measure(self, cid: int) -> str:
        j = self.cells.position("measure")
        return self.cells.keys[cid][j] if j is not None else ""

    # -- the sums --------------------------------------------------------------
    def structure(self) -> None:
        for eq in self.eqs:
            for col in COUNT_COLUMNS:
                p = self.var[(eq.parent, col)]
                kids = [self.var[(c, col)] for c in eq.children]
                hi = self._equation_hi(eq, col)
                if hi is None:
                    continue
                coefs = {p: 1.0}
                for k in kids:
                    coefs[k] = coefs.get(k, 0.0) - 1.0
                self.model.row(coefs, 0.0, hi)
        for cid in range(len(self.cells)):
            if self._le(cid):
                vx, vn = self.var[(cid, "numerator")], self.var[(cid, "denominator")]
                self.model.row({vx: 1.0, vn: -1.0}, -BIG, 0.0)

    def _equation_hi(self, eq: Equation, col: str) -> float | None:
        """0 for an equality, BIG for parent >= children, None to leave it out:
        with the truth known, only sums that hold are kept."""
        if not self.truth:
            return 0.0
        parent = self.truth.get((eq.parent, col))
        if parent is None:
            return 0.0
        known = [self.truth.get((c, col)) for c in eq.children]
        total = sum(v for v in known if v is not None)
        if all(v is not None for v in known) and parent == total:
            return 0.0
        if parent >= total:
            return 0.0 if any(v is None for v in known) else BIG
        return None

    def _le(self, cid: int) -> bool:
        x, n = self.truth.get((cid, "numerator")), self.truth.get((cid, "denominator"))
        if x is not None and n is not None:
            return x <= n
        return self._measure(cid) in BY_NAME

    # -- what each published row tells -----------------------------------------
    def rows(self) -> None:
        margin_parents: dict[int, list[Equation]] = {}
        for eq in self.eqs:
            if eq.kind == "margin":
                margin_parents.setdefault(eq.parent, []).append(eq)
        # every released count, whichever table shows it (a total's cells may be
        # in another table)
        released: dict[str, dict[int, float]] = {c: {} for c in COUNT_COLUMNS}
        for t in self.counts:
            for c in COUNT_COLUMNS:
                if c in t.frame.columns:
                    vals = _numbers(t.frame, c).tolist()
                    released[c].update(zip(self.cells.rows[t.name].tolist(), vals, strict=True))
        for t in self.counts:
            f = t.frame
            ids = self.cells.rows[t.name]
            pols = _policies(f)
            markers = _text(f, "suppressed")
            flags = _text(f, "reliability")
            stat, mult = _settings(t, f)
            counts = {c: _numbers(f, c) for c in COUNT_COLUMNS if c in f.columns}
            stat_cols = [c for c in f.columns if c == "value" or is_limit(c)]
            stat_vals = {c: _numbers(f, c) for c in stat_cols}
            dec = {c: inversion.decimals(v) for c, v in stat_vals.items()}
            methods = _text(f, "method")
            reproduced = _reproduced_rows(counts, stat, mult, stat_vals, dec)
            for i, cid in enumerate(ids.tolist()):
                pol = pols[i]
                recomputed = False
                for col, vals in counts.items():
                    r = vals[i]
                    v = self.var[(cid, col)]
                    if pol is None:
                        if np.isfinite(r):
                            self.model.tighten(v, r, r)
                        continue
                    if (
                        pol.totals == "recompute"
                        and cid in margin_parents
                        and any(_recomputed(r, eq, released[col]) for eq in margin_parents[cid])
                    ):
                        # a sum of released cells, not a rounding of the true total:
                        # neither it nor what its rate's presence says tells anything
                        recomputed = True
                        continue
                    self.model.tighten(v, *pol.possible(r, markers[i]))
                if "value" in stat_vals and pol is not None and not recomputed:
                    shown = bool(np.isfinite(stat_vals["value"][i]))
                    lo, hi = pol.numerator_from_rate(shown, flags[i] == "u", markers[i])
                    self.model.tighten(self.var[(cid, "numerator")], lo, hi)
                    if shown:
                        self.model.tighten(self.var[(cid, "denominator")], 1, BIG)
                shown = {
                    c: (float(stat_vals[c][i]), dec[c])
                    for c in stat_cols
                    if np.isfinite(stat_vals[c][i])
                }
                if not shown or stat[i] is None or not np.isfinite(mult[i]):
                    continue
                if reproduced[i]:
                    continue
                self.rate_rows.append((cid, shown, stat[i], float(mult[i])))
                if stat[i] == "rate" and methods[i] in ("Exact", "Byars"):
                    vx = self.var[(cid, "numerator")]
                    self.model.tighten(vx, *((0, 9) if methods[i] == "Exact" else (10, BIG)))
            self._comparison_rows(t, ids, counts, stat, mult)

    def _comparison_rows(self, t, ids, counts, stat, mult) -> None:
        f = t.frame
        cols = [c for c in COMPARISON_COLUMNS if c in f.columns and c != "excess_share"]
        if not cols or "reference" not in f.columns:
            return
        refs = _text(f, "reference")
        by = _group_column(f, refs, identity(f))
        if by is None:
            self.notes.append(f"{t.name}: comparison columns without a group column; not used")
            return
        j = self.cells.position(by)
        vals = {c: _numbers(f, c) for c in cols}
        dec = {c: inversion.decimals(v) for c, v in vals.items()}
        groups = _text(f, by)
        for i, cid in enumerate(ids.tolist()):
            if not refs[i] or groups[i] == refs[i] or stat[i] is None:
                continue
            key = list(self.cells.keys[cid])
            key[j] = refs[i]
            ref = self.cells.ids.get(tuple(key))
            if ref is None:
                continue
            shown = {c: (float(vals[c][i]), dec[c]) for c in cols if np.isfinite(vals[c][i])}
            if not shown:
                continue
            rel = self._released_pair(cid, counts, ids), self._released_pair(ref, counts, ids)
            if all(np.isfinite(v) for p in rel for v in p):
                got = inversion.comparison_pairs(
                    np.array([rel[0]]), np.array([rel[1]]), stat[i], float(mult[i]), shown
                )
                if got is not None and len(got[0]):
                    continue
            self.comparisons.append((cid, ref, shown, stat[i], float(mult[i])))

    @staticmethod
    def _released_pair(cid, counts, ids) -> tuple[float, float]:
        where = np.flatnonzero(ids == cid)
        if not len(where) or "numerator" not in counts or "denominator" not in counts:
            return (np.nan, np.nan)
        i = where[0]
        return (counts["numerator"][i], counts["denominator"][i])

    # -- inversions ------------------------------------------------------------
    def _range(self, cid: int, col: str) -> tuple[float, float]:
        v = self.var[(cid, col)]
        return self.model.lo[v], self.model.hi[v]

    def invert(self) -> None:
        for cid, shown, stat, mult in self.rate_rows:
            vx, vn = self.var[(cid, "numerator")], self.var[(cid, "denominator")]
            if "value" in shown:
                v, d = shown["value"]
                h = float(inversion.tolerance(v, d))
                self.model.row({vx: mult, vn: -(v + h)}, -np.inf, 0.0, cid)
                self.model.row({vx: mult, vn: -(v - h)}, 0.0, np.inf, cid)
            if not any(is_limit(c) for c in shown):
                continue
            pairs = inversion.rate_pairs(
                self._range(cid, "numerator"),
                self._range(cid, "denominator"),
                stat,
                mult,
                shown,
                self._le(cid),
            )
            if pairs is None:
                continue
            if len(pairs) == 0:
                self.notes.append(
                    f"{self.cells.describe(cid)}: no counts reproduce the released rate; not used"
                )
                continue
            self._narrow(cid, pairs)
        for cid, ref, shown, stat, mult in self.comparisons:
            own, other = self._grid(cid), self._grid(ref)
            if own is None or other is None:
                continue
            got = inversion.comparison_pairs(own, other, stat, mult, shown)
            if got is None:
                continue
            if not len(got[0]):
                self.notes.append(
                    f"{self.cells.describe(cid)}: comparison not reproduced; not used"
                )
                continue
            self._narrow(cid, got[0])
            self._narrow(ref, got[1])
        for cid, pairs in self.candidates.items():
            self.model.choice(self.var[(cid, "numerator")], self.var[(cid, "denominator")], pairs)

    def _narrow(self, cid: int, pairs: np.ndarray) -> None:
        old = self.candidates.get(cid)
        if old is not None:
            a = {tuple(p) for p in old.tolist()}
            pairs = np.array([p for p in pairs.tolist() if tuple(p) in a]).reshape(-1, 2)
            if not len(pairs):
                return
        self.candidates[cid] = pairs
        x, n = pairs[:, 0], pairs[:, 1]
        self.model.tighten(self.var[(cid, "numerator")], x.min(), x.max())
        self.model.tighten(self.var[(cid, "denominator")], n.min(), n.max())

    def _grid(self, cid: int) -> np.ndarray | None:
        if cid in self.candidates:
            return self.candidates[cid]
        (xl, xh), (nl, nh) = self._range(cid, "numerator"), self._range(cid, "denominator")
        if not (np.isfinite(xh) and np.isfinite(nh)) or (xh - xl + 1) * (nh - nl + 1) > GRID:
            return None
        gx, gn = np.meshgrid(np.arange(xl, xh + 1), np.arange(nl, nh + 1), indexing="ij")
        keep = gx.ravel() <= gn.ravel() if self._le(cid) else np.ones(gx.size, bool)
        return np.column_stack([gx.ravel()[keep], gn.ravel()[keep]])

    # -- totals of excess events over groups ------------------------------------
    def excess_totals(self) -> None:
        for t in self.totals:
            f = t.frame
            e, s = _numbers(f, "excess_events"), _numbers(f, "excess_share")
            de, ds = inversion.decimals(e), inversion.decimals(s)
            refcol = "best" if "best" in f.columns else "reference"
            for i in range(len(f)):
                if not np.isfinite(e[i]):
                    continue
                groups = self._groups(f.iloc[i], refcol)
                if groups is None:
                    continue
                members, ref = groups
                xs = [self.var[(c, "numerator")] for c in members]
                ns = [self.var[(c, "denominator")] for c in members]
                he = float(inversion.tolerance(e[i], de))
                rel = [self._released_of(c) for c in members]
                refrel = self._released_of(ref)
                if not all(np.isfinite(v) for p in [*rel, refrel] for v in p) or refrel[1] <= 0:
                    # a withheld group: whether the total counts it is not known
                    continue
                p0 = refrel[0] / refrel[1]
                if abs(sum(x - n * p0 for x, n in rel) - e[i]) <= he:
                    continue  # reproduced by the released counts
                if np.isfinite(s[i]) and s[i] > 0:
                    hs = float(inversion.tolerance(s[i], ds))
                    lo = (e[i] - he) / (s[i] + hs) if e[i] - he > 0 else 0.0
                    hi = (e[i] + he) / (s[i] - hs) if s[i] - hs > 0 else BIG
                    self.model.row(dict.fromkeys(xs, 1.0), lo, hi)
                (x0l, x0h), (n0l, n0h) = (
                    self._range(ref, "numerator"),
                    self._range(ref, "denominator"),
                )
                if x0l == x0h and n0l == n0h and n0l > 0:
                    p0 = x0l / n0l
                    coefs = dict.fromkeys(xs, 1.0)
                    for v in ns:
                        coefs[v] = coefs.get(v, 0.0) - p0
                    self.model.row(coefs, e[i] - he, e[i] + he)

    def _released_of(self, cid: int) -> tuple[float, float]:
        for t in self.counts:
            where = np.flatnonzero(self.cells.rows[t.name] == cid)
            if len(where) and "numerator" in t.frame.columns and "denominator" in t.frame.columns:
                i = where[0]
                return (
                    float(_numbers(t.frame, "numerator")[i]),
                    float(_numbers(t.frame, "denominator")[i]),
                )
        return (np.nan, np.nan)

    def _groups(self, row: pd.Series, refcol: str) -> tuple[list[int], int] | None:
        """The cells an excess total sums over: the known groups of its breakdown
        with the same other keys; None when that is not one set of cells."""
        by = normalise(row.get("by", ""))
        j = self.cells.position(by) if by else None
        if j is None:
            return None
        fixed = {
            self.cells.schema.index(c): normalise(row[c])
            for c in row.index
            if c in self.cells.schema and c != by
        }
        others = [
            p for p, c in enumerate(self.cells.schema) if c in self.cells.breakdowns and p != j
        ]
        sets: dict[tuple, list[int]] = {}
        for cid, key in enumerate(self.cells.keys):
            if key[j] in UNKNOWN_GROUPS or key[j] == ALL or self.cells.implicit[cid]:
                continue
            if any(key[p] != v for p, v in fixed.items()):
                continue
            if any(key[p] != ALL for p in others if p not in fixed):
                continue
            rest = tuple(v for p, v in enumerate(key) if p != j)
            sets.setdefault(rest, []).append(cid)
        if len(sets) != 1:
            return None
        members = next(iter(sets.values()))
        ref_label = normalise(row.get(refcol, ""))
        ref = next((c for c in members if self.cells.keys[c][j] == ref_label), None)
        return (members, ref) if ref is not None else None

    # -- the verdict -----------------------------------------------------------
    def run(self) -> Result:
        self.structure()
        self.rows()
        self.invert()
        self.excess_totals()
        targets = []
        for (cid, col), v in self.var.items():
            true = self.truth.get((cid, col))
            if true is not None:
                if SMALL[0] <= true <= SMALL[1]:
                    targets.append(v)
            elif self.model.lo[v] <= SMALL[1] and self.model.hi[v] >= SMALL[0]:
                # no truth (a cell only published before, or not published): any value
                targets.append(v)
        out = pinned(self.model, targets, SMALL)
        back = {v: k for k, v in self.var.items()}
        found = {back[v]: val for v, val in out.pinned.items()}
        undecided = [back[v] for v in out.undecided]
        if undecided:
            self.notes.append(
                f"{len(undecided)} unknown(s) not decided: the published figures do not fit "
                "the assumed sums, or the solver ran out of time"
            )
        return Result(
            self._findings(found),
            self.cells,
            self.eqs,
            found,
            undecided,
            self.notes,
            self.model,
            self.var,
        )

    def _findings(self, found: dict[tuple[int, str], int]) -> list[Finding]:
        out = []
        for (cid, col), value in sorted(found.items()):
            v = self.var[(cid, col)]
            if self.model.lo[v] == self.model.hi[v]:
                via = "rate inversion" if cid in self.candidates else "the rounding rule"
            else:
                via = "sums of published cells (margins, levels, periods)"
            where = [
                (t.name, int(i) + 1)
                for t in self.counts
                for i in np.flatnonzero(self.cells.rows[t.name] == cid)
            ]
            desc = self.cells.describe(cid)
            if not where:
                out.append(Finding("", None, col, value, desc + " (not published)", via))
            for name, row in where:
                out.append(Finding(name, row, col, value, desc, via))
        return out


def _recomputed(r: float, eq: Equation, released: dict[int, float]) -> bool:
    """A 'recompute' total equal to the sum of its released cells."""
    vals = [released.get(c) for c in eq.children]
    if any(v is None for v in vals):
        return False
    return bool(np.isfinite(r) and r == np.nansum(np.asarray(vals, dtype=float)))


def _reproduced_rows(
    counts: dict[str, np.ndarray],
    stat: list[str | None],
    mult: np.ndarray,
    stat_vals: dict[str, np.ndarray],
    dec: dict[str, int],
) -> np.ndarray:
    """Rows of one table whose shown figures (every finite value and limit)
    follow from their released counts, computed for all rows at once."""
    out = np.zeros(len(stat), dtype=bool)
    if "numerator" not in counts or "denominator" not in counts or not stat_vals:
        return out
    rx, rn = counts["numerator"], counts["denominator"]
    st = np.asarray(stat, dtype=object)
    known = np.array([s is not None for s in stat], dtype=bool)
    shown_any = np.zeros(len(stat), dtype=bool)
    for v in stat_vals.values():
        shown_any |= np.isfinite(v)
    # only the rows showing a figure are computed (as row by row: a withheld row's
    # counts, even a negative marker, are never used)
    ok = shown_any & known & np.isfinite(rx) & np.isfinite(rn) & (rn > 0) & np.isfinite(mult)
    ok &= ~((st == "proportion") & (rx > rn))
    idx = np.flatnonzero(ok)
    if not len(idx):
        return out
    # the figures some computed row shows, at those levels (each row's own among them)
    shown = {c: (v[idx], dec[c]) for c, v in stat_vals.items() if np.isfinite(v[idx]).any()}
    levels = tuple(sorted({c.split("_", 1)[1] for c in shown if is_limit(c)})) or ("95",)
    stats = inversion.rate_statistics(
        rx[idx], rn[idx], pd.Series(st[idx]), pd.Series(mult[idx]), levels
    )
    out[idx] = inversion.matching(stats, shown)
    return out


def _group_column(f: pd.DataFrame, refs: list[str], ident: list[str]) -> str | None:
    labels = {r for r in refs if r}
    cols = [c for c in ident if c not in KEY_COLUMNS and set(_text(f, c)) & labels]
    return cols[0] if len(cols) == 1 else None


def attack(
    tables: Sequence[Published],
    organisations: pd.DataFrame | Hierarchy | None = None,
    truth: Mapping[str, pd.DataFrame] | None = None,
) -> Result:
    """Every true count of 1-7 recoverable from ``tables`` together.

    ``organisations``: the organisations table (or its :class:`Hierarchy`), the
    public knowledge of which organisation is in which. ``truth``: for releases
    and tests, the true counts of each table (same rows): only cells whose true
    count is 1-7 are then examined, and only sums that hold are used.
    """
    h = organisations if isinstance(organisations, Hierarchy) else from_organisations(organisations)
    return _Attack(tables, h, truth).run()
