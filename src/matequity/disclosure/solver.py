"""The attacker's integer programme: unknown true counts with bounds, linear
constraints among them, and finite choices of (numerator, denominator) pairs;
which unknowns are pinned to one value.

Each connected group of unknowns is one mixed-integer programme solved with
HiGHS through :func:`scipy.optimize.milp`. An unknown is pinned when its minimum
and maximum over every integer solution agree. To spare solves, a few solutions
with random objectives are found first: an unknown that takes two values among
them is not pinned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: no true count is larger (keeps every programme bounded)
BIG = 10_000_000.0
#: choices with more pairs than this become bounds only (weaker, still sound)
MAX_CHOICE = 400
SAMPLES = 4
#: components sampled together, up to about this many unknowns
BATCH = 1500
TIME_LIMIT = 20.0


@dataclass
class Row:
    coefs: dict[int, float]
    lo: float
    hi: float
    #: the cell whose published figure the row encodes (None: a sum among cells)
    cell: int | None = None


@dataclass
class Model:
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    #: (numerator var, denominator var, pairs (k, 2))
    choices: list[tuple[int, int, np.ndarray]] = field(default_factory=list)

    def var(self, lo: float = 0.0, hi: float = BIG) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        return len(self.lo) - 1

    def tighten(self, v: int, lo: float, hi: float) -> None:
        self.lo[v] = max(self.lo[v], np.ceil(lo - 1e-9))
        self.hi[v] = min(self.hi[v], np.floor(min(hi, BIG) + 1e-9))

    def row(self, coefs: dict[int, float], lo: float, hi: float, cell: int | None = None) -> None:
        self.rows.append(Row(coefs, lo, hi, cell))

    def relaxed(self, free: set[int], cells: set[int]) -> Model:
        """A copy in which the vars ``free`` are unbounded and what the published
        figures of ``cells`` said is forgotten (their rows and choices): the
        attacker's knowledge had those figures been withheld."""
        out = Model(list(self.lo), list(self.hi))
        for v in free:
            out.lo[v], out.hi[v] = 0.0, BIG
        out.rows = [r for r in self.rows if r.cell is None or r.cell not in cells]
        out.choices = [c for c in self.choices if c[0] not in free and c[1] not in free]
        return out

    def choice(self, vx: int, vn: int, pairs: np.ndarray) -> None:
        pairs = np.unique(np.asarray(pairs, dtype=float).reshape(-1, 2), axis=0)
        self.tighten(vx, pairs[:, 0].min(), pairs[:, 0].max())
        self.tighten(vn, pairs[:, 1].min(), pairs[:, 1].max())
        if 1 < len(pairs) <= MAX_CHOICE:
            self.choices.append((vx, vn, pairs))

    def components(self) -> list[list[int]]:
        parent = list(range(len(self.lo)))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        def join(vs) -> None:
            vs = list(vs)
            for b in vs[1:]:
                ra, rb = find(vs[0]), find(b)
                if ra != rb:
                    parent[rb] = ra

        for r in self.rows:
            join(r.coefs)
        for vx, vn, _ in self.choices:
            join((vx, vn))
        groups: dict[int, list[int]] = {}
        for v in range(len(self.lo)):
            groups.setdefault(find(v), []).append(v)
        return list(groups.values())


@dataclass(frozen=True)
class Outcome:
    #: var -> the one value it can take (only for vars asked about and pinned)
    pinned: dict[int, int]
    #: vars whose programme had no solution (published figures inconsistent
    #: with the assumed structure) or whose solve ran out of time
    undecided: tuple[int, ...] = ()


class _Programme:
    """One component as a MILP: its vars first, then the choice binaries."""

    def __init__(self, model: Model, vars_: list[int], rows: list[Row], choices: list):
        # imported here: scipy.optimize takes about half a second to import, and most
        # releases never build a programme (no cell is hidden)
        from scipy import sparse
        from scipy.optimize import Bounds, LinearConstraint

        self.vars = vars_
        pos = {v: i for i, v in enumerate(vars_)}
        n = len(vars_) + sum(len(p) for _, _, p in choices)
        self.n = n
        lo = np.zeros(n)
        hi = np.ones(n)
        lo[: len(vars_)] = [model.lo[v] for v in vars_]
        hi[: len(vars_)] = [model.hi[v] for v in vars_]
        self.feasible_bounds = bool(np.all(lo <= hi))
        self.bounds = Bounds(lo, np.maximum(lo, hi))
        data, ri, ci, lb, ub = [], [], [], [], []
        k = 0
        for r in rows:
            scale = max(abs(c) for c in r.coefs.values()) or 1.0
            for v, c in r.coefs.items():
                ri.append(k)
                ci.append(pos[v])
                data.append(c / scale)
            lb.append(r.lo / scale)
            ub.append(r.hi / scale)
            k += 1
        b = len(vars_)
        for vx, vn, pairs in choices:
            m = len(pairs)
            z = range(b, b + m)
            # one pair is chosen
            ri.extend([k] * m)
            ci.extend(z)
            data.extend([1.0] * m)
            lb.append(1.0)
            ub.append(1.0)
            k += 1
            for var, col in ((vx, 0), (vn, 1)):
                ri.extend([k] * (m + 1))
                ci.extend([pos[var], *z])
                data.extend([1.0, *(-pairs[:, col])])
                lb.append(0.0)
                ub.append(0.0)
                k += 1
            b += m
        self.constraints = (
            [LinearConstraint(sparse.csr_array((data, (ri, ci)), shape=(k, n)), lb, ub)]
            if k
            else []
        )

    def solve(self, c: np.ndarray) -> tuple[int, np.ndarray | None]:
        from scipy.optimize import milp

        if not self.feasible_bounds:
            return 2, None
        res = milp(
            c,
            integrality=np.ones(self.n),
            bounds=self.bounds,
            constraints=self.constraints,
            options={"time_limit": TIME_LIMIT, "mip_rel_gap": 0.0, "disp": False},
        )
        x = None if res.x is None else np.round(res.x[: len(self.vars)])
        return res.status, x


def pinned(
    model: Model,
    targets: list[int],
    small: tuple[int, int] = (1, 7),
    seed: int = 12,
) -> Outcome:
    """Which ``targets`` are pinned to a single value in ``small``.

    Components are sampled together in batches (a few solutions of one programme
    holding many independent components, with random objectives and their
    opposites); only the targets that take one value in every sample are then
    minimised and maximised, each in its own component."""
    want = set(targets)
    found: dict[int, int] = {}
    undecided: list[int] = []
    rng = np.random.default_rng(seed)
    comps = model.components()
    where = np.empty(len(model.lo), dtype=int)
    for k, comp in enumerate(comps):
        where[comp] = k
    rows: dict[int, list[Row]] = {}
    for r in model.rows:
        rows.setdefault(int(where[next(iter(r.coefs))]), []).append(r)
    choices: dict[int, list] = {}
    for ch in model.choices:
        choices.setdefault(int(where[ch[0]]), []).append(ch)
    mine = {k: [v for v in comp if v in want] for k, comp in enumerate(comps)}
    hard = []
    for k, vs in mine.items():
        if not vs:
            continue
        if k in rows or k in choices:
            hard.append(k)
            continue
        for v in vs:
            if model.lo[v] == model.hi[v] and small[0] <= model.lo[v] <= small[1]:
                found[v] = int(model.lo[v])
    seen: dict[int, set[float]] = {}
    failed: set[int] = set()

    def sample(batch: list[int]) -> None:
        vars_ = [v for k in batch for v in comps[k]]
        prog = _Programme(
            model,
            vars_,
            [r for k in batch for r in rows.get(k, [])],
            [c for k in batch for c in choices.get(k, [])],
        )
        _s, x0 = prog.solve(np.zeros(prog.n))
        if x0 is None:
            if len(batch) > 1:
                for k in batch:
                    sample([k])
            else:
                failed.add(batch[0])
            return
        points = [x0]
        for _ in range(SAMPLES // 2):
            c = np.zeros(prog.n)
            c[: len(vars_)] = rng.normal(size=len(vars_))
            for sign in (1.0, -1.0):
                _s, x = prog.solve(sign * c)
                if x is not None:
                    points.append(x)
        pos = {v: i for i, v in enumerate(vars_)}
        for k in batch:
            for v in mine[k]:
                seen[v] = {p[pos[v]] for p in points}

    batch: list[int] = []
    size = 0
    for k in hard:
        batch.append(k)
        size += len(comps[k])
        if size >= BATCH:
            sample(batch)
            batch, size = [], 0
    if batch:
        sample(batch)
    for k in hard:
        if k in failed:
            undecided.extend(mine[k])
            continue
        left = [
            v for v in mine[k] if len(seen[v]) == 1 and small[0] <= next(iter(seen[v])) <= small[1]
        ]
        if not left:
            continue
        prog = _Programme(model, comps[k], rows.get(k, []), choices.get(k, []))
        pos = {v: i for i, v in enumerate(comps[k])}
        for v in left:
            value = next(iter(seen[v]))
            verdict = _extremes(prog, pos[v], value)
            if verdict is None:
                undecided.append(v)
            elif verdict:
                found[v] = int(value)
    return Outcome(found, tuple(undecided))


def cheapest(model: Model, target: int, value: float, groups: list[list[int]]) -> list[int] | None:
    """The fewest ``groups`` of vars (each freed together: a withheld figure) whose
    freeing lets ``target`` take a value other than ``value``, nearer groups
    preferred on ties; None if no choice among them does.

    Solved as one programme per side (target below or above ``value``) with a
    0/1 switch per group: a switched-off var keeps its bounds, a switched-on one
    may take any value up to M (larger than any count in the programme): the
    secondary cell suppression problem for one cell (Fischetti & Salazar 2001,
    Management Science 47:1008), with the attacker's own constraints."""
    finite = [h for h in model.hi if h < BIG]
    big = max(1_000.0, 10.0 * max(finite, default=0.0))
    m2 = Model(list(model.lo), list(model.hi), list(model.rows), list(model.choices))
    switches = []
    for g in groups:
        r = m2.var(0.0, 1.0)
        switches.append(r)
        for u in g:
            lo, hi = model.lo[u], model.hi[u]
            m2.lo[u], m2.hi[u] = 0.0, max(big, hi)
            m2.row({u: 1.0, r: lo}, lo, np.inf)
            if hi < big:
                m2.row({u: 1.0, r: -(big - hi)}, -np.inf, hi)
    best: tuple[float, list[int]] | None = None
    for lo_t, hi_t in ((m2.lo[target], value - 1), (value + 1, m2.hi[target])):
        if lo_t > hi_t:
            continue
        m3 = Model(list(m2.lo), list(m2.hi), m2.rows, m2.choices)
        m3.lo[target], m3.hi[target] = lo_t, hi_t
        comp = next(c for c in m3.components() if target in c)
        mine = set(comp)
        prog = _Programme(
            m3,
            comp,
            [r for r in m3.rows if next(iter(r.coefs)) in mine],
            [c for c in m3.choices if c[0] in mine],
        )
        pos = {v: i for i, v in enumerate(comp)}
        c = np.zeros(prog.n)
        for rank, r in enumerate(switches):
            if r in pos:
                c[pos[r]] = 1.0 + 1e-3 * rank
        status, x = prog.solve(c)
        if x is None or status != 0:
            continue
        on = [k for k, r in enumerate(switches) if r in pos and x[pos[r]] > 0.5]
        cost = float(sum(c[pos[switches[k]]] for k in on))
        if best is None or cost < best[0]:
            best = (cost, on)
    return best[1] if best is not None else None


def pinned_at(model: Model, v: int, value: float) -> bool:
    """Whether var ``v`` can only be ``value`` (two solves on its component;
    True too when a solve fails, so that a release stays on the safe side)."""
    comp = next(c for c in model.components() if v in c)
    mine = set(comp)
    rows = [r for r in model.rows if next(iter(r.coefs)) in mine]
    choices = [c for c in model.choices if c[0] in mine]
    prog = _Programme(model, comp, rows, choices)
    verdict = _extremes(prog, comp.index(v), value)
    return verdict is None or verdict


def _extremes(prog: _Programme, i: int, value: float) -> bool | None:
    """True if var ``i`` can only be ``value``; None when a solve failed."""
    for sign in (1.0, -1.0):
        c = np.zeros(prog.n)
        c[i] = sign
        status, x = prog.solve(c)
        if x is not None and x[i] != value:
            return False
        if status != 0:
            return None
    return True
