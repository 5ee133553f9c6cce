"""Random-intercept logistic regression (a binomial GLMM) on aggregated cells, by
maximum likelihood with the Laplace approximation or adaptive Gauss-Hermite
quadrature.

Model (Pinheiro & Bates 2000, ch. 7; Bates, Mächler, Bolker & Walker 2015, J Stat
Softw 67(1), and the lme4 vignette "Fitting GLMMs" for the parameterisation):

    y_i ~ Binomial(n_i, p_i),   logit p_i = x_i'β + b_j(i),   b_j = θ u_j,   u_j ~ N(0, 1)

for cells i (one covariate pattern within one organisation j) with y_i events out of
n_i. θ is the organisation-level standard deviation on the log-odds scale.

The marginal likelihood needs an integral over each u_j. For one organisation let
h_j(u) = -2 Σ_i log Binomial(y_i; n_i, p_i(u)) + u² (the penalised deviance, full
binomial log-likelihood including log C(n, y), as lme4's ``aic``), û_j its minimiser
(the conditional mode, found by Newton's method: penalised iteratively reweighted
least squares in one dimension) and H_j = 1 + θ² Σ_i n_i p_i(1 - p_i) at û_j (half the
curvature of h_j; lme4's L_jj²). Then -2 log L ≈ Σ_j F_j with

* Laplace:   F_j = h_j(û_j) + log H_j
* adaptive Gauss-Hermite with K nodes z_k and weights w_k for the standard normal
  density (Liu & Pierce 1994; lme4 ``glmerAGQ``): with u_jk = û_j + z_k / √H_j,
  F_j = h_j(û_j) + log H_j - 2 log Σ_k w_k exp(-(h_j(u_jk) - h_j(û_j))/2 + z_k²/2).
  One node is the Laplace approximation.

(θ, β) maximise -Σ F_j/2: L-BFGS-B with the analytic gradient (derived below by the
implicit function theorem, since û_j and H_j depend on the parameters), then Newton
steps on a finite-difference Hessian of that gradient. Standard errors of β are
those of lme4's default (``vcov.merMod``, ``use.hessian = TRUE``): the β block of
2 × the inverse Hessian of Σ F_j in (θ, β). Conditional modes b̂_j = θ û_j and their
conditional variances θ² / H_j are lme4's ``ranef(..., condVar = TRUE)``.

Note on lme4's reported log-likelihood: with nAGQ = 1 it is -Σ F_j / 2 as here; with
nAGQ > 1 lme4 drops the saturated-model constant Σ_i log Binomial(y_i; n_i, y_i/n_i)
(its AGQ deviance uses deviance residuals), so the two differ by that constant.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import sparse
from scipy.special import expit, gammaln, logsumexp

from matequity.errors import UserError

METHODS = ("laplace", "agq")
#: bounds of the search (log-odds): an SD of 10 or a coefficient of 50 is no fit
MAX_SD = 10.0
MAX_BETA = 50.0
#: largest Newton step in a conditional mode taken without checking that h fell
SAFE_STEP = 1e-4


@dataclass(frozen=True)
class GlmmFit:
    """A fitted random-intercept logistic model."""

    names: tuple[str, ...]  # fixed-effect names, in the columns' order
    beta: np.ndarray  # fixed effects (log-odds)
    se: np.ndarray  # their standard errors
    sd: float  # θ: standard deviation of the organisation effects (log-odds)
    sd_se: float  # its Wald standard error from the same Hessian (NaN at θ = 0)
    modes: np.ndarray  # conditional modes b̂_j = θ û_j, one per group (log-odds)
    cond_var: np.ndarray  # conditional variances of b_j: θ² / H_j
    loglik: float  # maximised log-likelihood (full binomial, with log C(n, y))
    method: str  # 'laplace' or 'agq'
    nagq: int  # quadrature nodes (1 for Laplace)
    converged: bool
    gradient_max: float  # largest |gradient| of -2 log L at the optimum
    n_groups: int
    n_cells: int

    @property
    def label(self) -> str:
        return "Laplace" if self.method == "laplace" else f"adaptive Gauss-Hermite ({self.nagq})"


def gauss_hermite(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (summing to 1) for integrals against the standard normal
    density, as lme4's ``GHrule``."""
    z, w = hermegauss(k)
    w = w / w.sum()
    # symmetrise exactly (as the development version of lme4's GHrule does)
    z = (z - z[::-1]) / 2
    w = (w + w[::-1]) / 2
    return z, w


class _Problem:
    """The data, the quadrature rule and a warm-started cache of conditional modes."""

    def __init__(self, y, n, x, groups, n_groups: int, nagq: int):
        # cells sorted by group: group sums are sums over contiguous runs
        order = np.argsort(groups, kind="stable")
        y, n, x, groups = y[order], n[order], x[order], groups[order]
        if len(np.unique(groups)) != n_groups:
            raise ValueError("every group needs at least one cell")
        self.y, self.n, self.x, self.g = y, n, np.ascontiguousarray(x), groups
        self.G = n_groups
        self.starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        # Σ over a group's cells of v_i x_i as one sparse product: row g·p + c of
        # this (G·p × N) matrix holds column c of the design on group g's cells
        # (the design is mostly zeros: dummies of the case-mix categories)
        cell, col = np.nonzero(self.x)
        self.p = self.x.shape[1]
        self.gx = sparse.csr_array(
            (self.x[cell, col], (groups[cell] * self.p + col, cell)),
            shape=(n_groups * self.p, len(y)),
        )
        self.xs = sparse.csr_array(self.x)  # the design, for x β and x'r
        self.lchoose = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
        self.K = nagq
        self.z, self.w = gauss_hermite(nagq) if nagq > 1 else (np.zeros(1), np.ones(1))
        self.u = np.zeros(n_groups)

    def bc(self, v: np.ndarray) -> np.ndarray:
        """Sum over each group's cells (of a vector, or of a matrix's rows)."""
        return np.add.reduceat(v, self.starts, axis=0)

    def bcx(self, v: np.ndarray) -> np.ndarray:
        """Σ over each group's cells of v_i x_i: G × p (G × p × k for k columns of v)."""
        out = self.gx @ v
        return out.reshape(self.G, self.p, *v.shape[1:])

    def h(self, eta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Penalised deviance per group at linear predictor ``eta``."""
        ll = self.y * eta - self.n * np.logaddexp(0.0, eta) + self.lchoose
        return -2.0 * self.bc(ll) + u * u

    def modes(self, eta0: np.ndarray, theta: float) -> np.ndarray:
        """û_j: Newton's method on the convex h_j, step-halving where h_j rises.

        A step below ``SAFE_STEP`` in every group is taken without evaluating h_j:
        over so short a step h_j is quadratic to within a relative 1e-3 (its
        curvature changes by at most θ·|step| relative, θ ≤ ``MAX_SD``), so a
        Newton step cannot raise it. This saves most evaluations of h when the
        search is warm-started from the last modes."""
        u = self.u.copy()
        h_old = None
        for _ in range(200):
            mu = expit(eta0 + theta * u[self.g])
            grad = u - theta * self.bc(self.y - self.n * mu)
            hess = 1.0 + theta * theta * self.bc(self.n * mu * (1.0 - mu))
            step = grad / hess
            new = u - step
            biggest = np.max(np.abs(step))
            if biggest > SAFE_STEP:
                if h_old is None:
                    h_old = self.h(eta0 + theta * u[self.g], u)
                h_new = self.h(eta0 + theta * new[self.g], new)
                for _ in range(60):
                    bad = h_new > h_old + 1e-12 * np.abs(h_old)
                    if not bad.any():
                        break
                    step = np.where(bad, step / 2, step)
                    new = u - step
                    h_new = self.h(eta0 + theta * new[self.g], new)
                h_old = h_new
            else:
                h_old = None
            u = new
            if np.max(np.abs(step)) < 1e-11:  # the step taken (after any halving)
                break
        self.u = u
        return u

    def value_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Σ F_j and its gradient in (θ, β)."""
        theta, beta = float(params[0]), params[1:]
        y, n, x, g = self.y, self.n, self.xs, self.g
        eta0 = x @ beta
        u = self.modes(eta0, theta)
        eta = eta0 + theta * u[g]
        mu = expit(eta)
        w = n * mu * (1.0 - mu)
        v = w * (1.0 - 2.0 * mu)
        r = y - n * mu
        big_w, big_v, big_r = self.bc(w), self.bc(v), self.bc(r)
        hh = 1.0 + theta * theta * big_w
        h0 = self.h(eta, u)
        # derivatives of the modes: G(u) = u - θ Σ r = 0, ∂G/∂u = H
        both = self.bcx(np.column_stack([w, v]))
        sxw, sxv = both[:, :, 0], both[:, :, 1]
        du_db = -theta * sxw / hh[:, None]
        du_dt = -(-big_r + theta * big_w * u) / hh
        # derivatives of H at the mode
        dh_db = theta * theta * (sxv + theta * big_v[:, None] * du_db)
        dh_dt = 2.0 * theta * big_w + theta * theta * big_v * (u + theta * du_dt)
        if self.K == 1:
            value = float(np.sum(h0 + np.log(hh)))
            g_beta = -2.0 * (x.T @ r) + np.sum(dh_db / hh[:, None], axis=0)
            g_theta = float(np.sum(-2.0 * big_r * u + dh_dt / hh))
            return value, np.concatenate([[g_theta], g_beta])
        s = 1.0 / np.sqrt(hh)
        ds_db = -0.5 * s[:, None] ** 3 * dh_db
        ds_dt = -0.5 * s**3 * dh_dt
        a = np.empty((self.G, self.K))
        hp = np.empty((self.G, self.K))
        rk_sum = np.empty((self.G, self.K))
        uk_all = np.empty((self.G, self.K))
        r_nodes = []
        for k, zk in enumerate(self.z):
            uk = u + zk * s
            etak = eta0 + theta * uk[g]
            rk = y - n * expit(etak)
            hk = self.h(etak, uk)
            a[:, k] = -0.5 * (hk - h0) + 0.5 * zk * zk
            rk_sum[:, k] = self.bc(rk)
            hp[:, k] = -2.0 * theta * rk_sum[:, k] + 2.0 * uk
            uk_all[:, k] = uk
            r_nodes.append(rk)
        la = a + np.log(self.w)[None, :]
        big_a = logsumexp(la, axis=1)
        pi = np.exp(la - big_a[:, None])
        value = float(np.sum(h0 + np.log(hh) - 2.0 * big_a))
        rbar = np.zeros_like(y)
        for k in range(self.K):
            rbar += pi[g, k] * r_nodes[k]
        c1 = np.sum(pi * hp, axis=1)
        c2 = np.sum(pi * hp * self.z[None, :], axis=1)
        g_beta = -2.0 * (x.T @ rbar) + np.sum(
            dh_db / hh[:, None] + c1[:, None] * du_db + c2[:, None] * ds_db, axis=0
        )
        dh_theta_nodes = np.sum(pi * (-2.0 * rk_sum * uk_all), axis=1)
        g_theta = float(np.sum(dh_theta_nodes + dh_dt / hh + c1 * du_dt + c2 * ds_dt))
        return value, np.concatenate([[g_theta], g_beta])

    def hessian(self, params: np.ndarray) -> np.ndarray:
        """Central differences of the analytic gradient, symmetrised."""
        p = len(params)
        out = np.empty((p, p))
        saved = self.u.copy()
        for i in range(p):
            h = 1e-4 * max(1.0, abs(params[i]))
            e = np.zeros(p)
            e[i] = h
            self.u = saved.copy()
            gp = self.value_grad(params + e)[1]
            self.u = saved.copy()
            gm = self.value_grad(params - e)[1]
            out[i] = (gp - gm) / (2 * h)
        self.u = saved
        return (out + out.T) / 2


def _binomial_deviance(y, n, eta) -> float:
    return float(-2.0 * np.sum(y * eta - n * np.logaddexp(0.0, eta)))


def _start(y, n, x) -> np.ndarray:
    """Fixed effects of the logistic model without organisation effects: IRLS from
    R's binomial starting values (each cell's (y + 0.5)/(n + 1)), halving steps that
    raise the deviance."""
    mu = (y + 0.5) / (n + 1.0)
    eta = np.log(mu / (1 - mu))
    beta = np.zeros(x.shape[1])
    dev_old = np.inf
    for it in range(100):
        mu = expit(eta)
        w = np.maximum(n * mu * (1 - mu), 1e-10)
        z = eta + (y - n * mu) / w
        xw = x * w[:, None]
        new = np.linalg.lstsq(xw.T @ x, xw.T @ z, rcond=None)[0]
        dev = _binomial_deviance(y, n, x @ new)
        for _ in range(30):
            if dev <= dev_old or it == 0:
                break
            new = (new + beta) / 2
            dev = _binomial_deviance(y, n, x @ new)
        converged = abs(dev_old - dev) < 1e-10 * (abs(dev) + 0.1)
        beta, dev_old, eta = new, dev, x @ new
        if converged:
            break
    return beta


def fit_glmm(
    y: np.ndarray,
    n: np.ndarray,
    x: np.ndarray,
    groups: np.ndarray,
    names: tuple[str, ...] | list[str],
    method: str = "laplace",
    nagq: int = 9,
) -> GlmmFit:
    """Fit logit p = xβ + b_group by maximum likelihood.

    ``y``/``n``: events and trials per cell; ``x``: the fixed-effects design (an
    intercept column included); ``groups``: integer codes 0..G-1 of each cell's
    organisation. ``method`` 'laplace' (lme4's default, nAGQ = 1) or 'agq' with
    ``nagq`` nodes (lme4's nAGQ)."""
    from scipy.optimize import minimize  # here: slow to import, and only fits need it

    if method not in METHODS:
        raise UserError(f"method '{method}': expected laplace or agq")
    if method == "agq" and not 2 <= nagq <= 100:
        raise UserError(f"nagq {nagq}: expected 2 to 100 quadrature nodes")
    y = np.asarray(y, dtype=float)
    n = np.asarray(n, dtype=float)
    x = np.asarray(x, dtype=float)
    groups = np.asarray(groups, dtype=np.int64)
    if y.sum() <= 0 or (n - y).sum() <= 0:
        raise UserError("the model needs at least one event and one non-event")
    k = 1 if method == "laplace" else int(nagq)
    n_groups = int(groups.max()) + 1
    prob = _Problem(y, n, x, groups, n_groups, k)
    beta0 = _start(y, n, x)
    # generous bounds: they only stop a line search running off to absurd values
    bounds = [(0.0, MAX_SD)] + [(-MAX_BETA, MAX_BETA)] * x.shape[1]
    best = None
    # Σ F_j is even in θ, so θ = 0 is a stationary point: a search whose line
    # search reaches the bound stops there. Start near the between-unit SDs usual
    # for perinatal outcomes (about 0.1 on the log-odds scale), and from 0.5 only
    # if that search ends at 0; the better of the two is kept.
    for theta0 in (0.1, 0.5):
        prob.u = np.zeros(n_groups)
        res = minimize(
            prob.value_grad,
            np.concatenate([[theta0], beta0]),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 30},
        )
        if best is None or res.fun < best.fun:
            best = res
        if res.x[0] > 1e-3:
            break
    assert best is not None
    params, value, grad, hess = _polish(prob, best.x)
    cov = _covariance(hess, at_boundary=params[0] <= 0.0)
    sd_se = float("nan")
    if params[0] > 0:
        with contextlib.suppress(np.linalg.LinAlgError), np.errstate(invalid="ignore"):
            sd_se = float(np.sqrt(2.0 * np.linalg.inv(hess)[0, 0]))
    theta = float(params[0])
    # the problem holds the cells sorted by group: evaluate there
    eta0 = prob.x @ params[1:]
    u = prob.modes(eta0, theta)
    mu = expit(eta0 + theta * u[prob.g])
    hh = 1.0 + theta * theta * prob.bc(prob.n * mu * (1 - mu))
    free = grad if params[0] > 0 else grad[1:]  # at θ = 0 only β is free
    return GlmmFit(
        names=tuple(names),
        beta=params[1:].copy(),
        se=np.sqrt(np.clip(np.diag(cov), 0, None)),
        sd=theta,
        sd_se=sd_se,
        modes=theta * u,
        cond_var=theta * theta / hh,
        loglik=-value / 2.0,
        method=method,
        nagq=k,
        converged=bool(np.max(np.abs(free)) < 1e-4)
        and theta < MAX_SD
        and bool(np.all(np.abs(params[1:]) < MAX_BETA)),
        gradient_max=float(np.max(np.abs(free))),
        n_groups=n_groups,
        n_cells=len(y),
    )


def _polish(prob: _Problem, params: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Newton steps from the quasi-Newton optimum (θ held at 0 when it is there);
    returns the parameters, Σ F_j, its gradient and the last Hessian computed (at
    the optimum, or one Newton step, of order 1e-8, before it)."""
    value, grad = prob.value_grad(params)
    if 0 < params[0] < 1e-5:
        # Σ F_j is even in θ: a search stopped just above the boundary is at θ = 0
        trial = params.copy()
        trial[0] = 0.0
        saved = prob.u.copy()
        v, g = prob.value_grad(trial)
        if v <= value + 1e-8:
            params, value, grad = trial, v, g
        else:
            prob.u = saved
    hess_full = prob.hessian(params)
    for _ in range(8):
        at_zero = params[0] == 0.0
        free = np.arange(1 if at_zero else 0, len(params))
        if np.max(np.abs(grad[free])) < 1e-9:
            break
        hess = hess_full[np.ix_(free, free)]
        try:
            step = np.linalg.solve(hess, grad[free])
        except np.linalg.LinAlgError:
            break
        improved = False
        for t in (1.0, 0.5, 0.25, 0.1):
            trial = params.copy()
            trial[free] -= t * step
            trial[0] = max(trial[0], 0.0)
            saved = prob.u.copy()
            v, g = prob.value_grad(trial)
            if v <= value:
                params, value, grad, improved = trial, v, g, True
                break
            prob.u = saved
        if not improved:
            break
        if np.max(np.abs(t * step)) > 1e-6:
            hess_full = prob.hessian(params)
    return params, value, grad, hess_full


def _covariance(hess: np.ndarray, at_boundary: bool) -> np.ndarray:
    """The β block of 2 H⁻¹ (lme4 ``vcov.merMod`` with ``use.hessian = TRUE``);
    at θ = 0 the β block of H alone (θ is then not an interior parameter)."""
    try:
        if at_boundary:
            return 2.0 * np.linalg.inv(hess[1:, 1:])
        return (2.0 * np.linalg.inv(hess))[1:, 1:]
    except np.linalg.LinAlgError:
        return np.full((hess.shape[0] - 1,) * 2, np.nan)


def conditional_modes(
    y: np.ndarray,
    n: np.ndarray,
    x: np.ndarray,
    groups: np.ndarray,
    beta: np.ndarray,
    sd: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Conditional modes b̂_j and conditional variances θ²/H_j at given fixed
    effects ``beta`` and organisation SD ``sd`` (no fitting)."""
    y, n, x = (np.asarray(a, dtype=float) for a in (y, n, x))
    groups = np.asarray(groups, dtype=np.int64)
    prob = _Problem(y, n, x, groups, int(groups.max()) + 1, 1)
    eta0 = prob.x @ np.asarray(beta, dtype=float)
    u = prob.modes(eta0, float(sd))
    mu = expit(eta0 + sd * u[prob.g])
    hh = 1.0 + sd * sd * prob.bc(prob.n * mu * (1 - mu))
    return sd * u, sd * sd / hh
