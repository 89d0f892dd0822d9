"""Curvature analysis of 2-D losses: Hessian eigenvalues, critical points, stability limits and rates.

Pure JAX and numpy, usable from a notebook. Runs in float64 (enabled on import, as the engine does):
Newton's method needs it to pin critical points down to |grad f| ~ 1e-12.

The stability limits and rates are the classical results for a quadratic f(p) = 1/2 p^T H p with
eigenvalues 0 < lambda_min <= lambda_max of H and condition number kappa = lambda_max / lambda_min:

- gradient descent p <- p - lr grad f is stable iff 0 < lr < 2 / lambda_max, and with the best constant
  step lr = 2 / (lambda_min + lambda_max) its error shrinks by (kappa - 1) / (kappa + 1) per step;
- heavy ball (Polyak 1964), p <- p - lr grad f + beta (p - p_prev), which is torch's SGD with momentum
  beta, is stable iff 0 <= beta < 1 and 0 < lr < (2 + 2 beta) / lambda_max, and with
  lr = 4 / (sqrt(lambda_max) + sqrt(lambda_min))^2 and beta = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2
  its error shrinks by (sqrt(kappa) - 1) / (sqrt(kappa) + 1) per step (asymptotically).

References: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Comp.
Math. and Math. Physics 4(5), 1964; B. T. Polyak, "Introduction to Optimization" (1987), sections 1.4 and
3.2; Y. Nesterov, "Lectures on Convex Optimization" (2nd ed., 2018), section 2.1.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from landscapes.base import Surface  # noqa: E402
from optimizers.linalg import symmetric_eigen_2x2  # noqa: E402
from optimizers.params import resolve, traced  # noqa: E402

KINDS = ("minimum", "maximum", "saddle", "degenerate")


# ---------------------------------------------------------------------------------------------------
# Curvature at a point


def hessian_eigs(loss2d: Callable, xy) -> jnp.ndarray:
    """Eigenvalues (ascending) of the Hessian of loss2d: R^2 -> R at xy, by autodiff (works under jit)."""
    return jnp.linalg.eigvalsh(jax.hessian(loss2d)(jnp.asarray(xy, dtype=jnp.float64)))


def classify(eigvals, tol: float = 1e-6) -> str:
    """The second-order test: "minimum" if every eigenvalue > tol, "maximum" if every one < -tol,
    "saddle" if there is one of each sign beyond tol, else "degenerate" (an eigenvalue within tol of 0
    and the others of one sign: the test is inconclusive, e.g. the monkey saddle's origin)."""
    eigvals = np.asarray(eigvals, dtype=float)
    if np.all(eigvals > tol):
        return "minimum"
    if np.all(eigvals < -tol):
        return "maximum"
    if np.any(eigvals > tol) and np.any(eigvals < -tol):
        return "saddle"
    return "degenerate"


def condition_number(eigs) -> float:
    """kappa = max|lambda| / min|lambda| (lambda_max / lambda_min for a positive definite Hessian);
    inf when an eigenvalue is 0. Gradient descent's steps along eigenvectors differ by this factor."""
    magnitudes = np.abs(np.asarray(eigs, dtype=float))
    smallest = magnitudes.min()
    return math.inf if smallest == 0 else float(magnitudes.max() / smallest)


# ---------------------------------------------------------------------------------------------------
# Stability limits and optimal rates on quadratics


def max_stable_lr(eigvals) -> float:
    """Largest stable gradient-descent step 2 / lambda_max.

    Along an eigenvector of eigenvalue lambda, GD multiplies the error by (1 - lr lambda); it shrinks iff
    |1 - lr lambda| < 1, i.e. 0 < lr < 2/lambda, so the largest eigenvalue sets the limit. inf when no
    eigenvalue is positive (no curvature bounds the step; negative-curvature directions grow at any lr).
    """
    top = float(np.max(eigvals))
    return math.inf if top <= 0 else 2.0 / top


def max_stable_lr_heavy_ball(eigvals, beta: float) -> float:
    """Largest stable heavy-ball step (2 + 2 beta) / lambda_max, for momentum 0 <= beta < 1 (Polyak 1964).

    Along an eigenvector the error obeys e_{k+1} = (1 + beta - lr lambda) e_k - beta e_{k-1}; both roots
    of z^2 - (1 + beta - lr lambda) z + beta lie inside the unit circle iff |beta| < 1 and
    0 < lr lambda < 2 (1 + beta) (Jury's criterion). Momentum thus allows steps up to 1 + beta times larger.
    """
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    top = float(np.max(eigvals))
    return math.inf if top <= 0 else (2.0 + 2.0 * beta) / top


def gd_optimal_lr(eigvals) -> float:
    """The constant GD step 2 / (lambda_min + lambda_max) that minimises the worst per-step contraction
    max_lambda |1 - lr lambda| (it balances the two extreme eigenvalues; Nesterov 2018, thm 2.1.15)."""
    return 2.0 / (float(np.min(eigvals)) + float(np.max(eigvals)))


def gd_rate(kappa: float) -> float:
    """GD's per-step error contraction (kappa - 1) / (kappa + 1) at the optimal step gd_optimal_lr:
    |1 - 2 lambda_min / (lambda_min + lambda_max)| = (kappa - 1) / (kappa + 1)."""
    _check_kappa(kappa)
    return (kappa - 1.0) / (kappa + 1.0)


def heavy_ball_optimal(eigvals) -> tuple[float, float]:
    """Polyak's optimal heavy-ball (lr, beta) for a quadratic with these Hessian eigenvalues:
    lr = 4 / (sqrt(lambda_max) + sqrt(lambda_min))^2 and beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2."""
    low, high = float(np.min(eigvals)), float(np.max(eigvals))
    if low <= 0:
        raise ValueError("the optimal heavy-ball parameters need a positive definite Hessian")
    root_kappa = math.sqrt(high / low)
    return 4.0 / (math.sqrt(high) + math.sqrt(low)) ** 2, ((root_kappa - 1.0) / (root_kappa + 1.0)) ** 2


def heavy_ball_rate(kappa: float) -> float:
    """Heavy ball's asymptotic per-step contraction (sqrt(kappa) - 1) / (sqrt(kappa) + 1) with the
    parameters of heavy_ball_optimal: every mode's characteristic roots then have modulus sqrt(beta)
    (Polyak 1964). It is the lower bound for first-order methods on quadratics (Nesterov 2018, thm 2.1.13)."""
    _check_kappa(kappa)
    root = math.sqrt(kappa)
    return (root - 1.0) / (root + 1.0)


def _check_kappa(kappa: float) -> None:
    if not kappa >= 1.0:
        raise ValueError(f"a condition number is at least 1, got {kappa!r}")


# ---------------------------------------------------------------------------------------------------
# A surface as a plain function


@dataclass(frozen=True, eq=False)
class SurfaceFunction:
    """A surface's full-batch loss at fixed parameters (and data), callable as f(xy).

    Carries its surface, so find_critical_points can reuse one compiled search per surface (the numbers
    travel as traced arguments) and seed it with the surface's known critical points.
    """

    surface: Surface
    theta: dict
    data: Any
    weights: Any

    def __call__(self, xy):
        return self.surface.loss(jnp.asarray(xy, dtype=jnp.float64), self.theta, self.data, self.weights)

    @property
    def hints(self) -> tuple[tuple[float, float], ...]:
        """The metadata's critical points (valid at default parameters) as extra Newton starts: a point
        with a tiny Newton basin, like Ackley's rounded tip, is then still found."""
        return tuple(tuple(p.xy) for p in self.surface.critical_points)


def surface_fn(surface: Surface, theta_values: dict[str, Any] | None = None, seed: int = 0) -> SurfaceFunction:
    """f(xy) -> full-batch loss of a surface at given parameter values (defaults fill the rest).

    A data-defined surface draws its data from the seed exactly as the engine does (the run seed's key
    folded with 0), so f is the loss the engine's paths descend.
    """
    values = resolve(surface.params, dict(theta_values or {}), f"surface {surface.name}")
    theta = {name: jnp.asarray(value) for name, value in traced(surface.params, values).items()}
    if surface.is_data_defined:
        key = jax.random.fold_in(jax.random.key(jnp.asarray(seed, dtype=jnp.uint32)), 0)
        data = surface.make_data(key, theta)
        weights = jnp.full((surface.n_samples,), 1.0 / surface.n_samples)
    else:
        data, weights = (), jnp.zeros((0,))
    return SurfaceFunction(surface, theta, data, weights)


# ---------------------------------------------------------------------------------------------------
# Critical points


@dataclass(frozen=True)
class FoundPoint:
    """A critical point found numerically: where, its kind, Hessian eigenvalues (ascending), f there."""

    xy: tuple[float, float]
    kind: str
    eigvals: tuple[float, float]
    value: float


# Backtracking factors tried for each Newton step, largest first.
_STEP_FRACTIONS = 0.5 ** np.arange(8)


def _newton_search(loss: Callable, iterations: int):
    """A jitted program (starts, args, max_step) -> Newton's results for loss(p, args) from every start.

    Newton's iteration on grad f = 0 with a line search on |grad f|: the direction d = -H^+ g
    (pseudo-inverse: eigenvalues below 1e-12 of the largest are dropped) descends |g|^2 whatever the
    signs of H's eigenvalues, since grad(|g|^2/2) . d = g^T H d = -|g|^2, so it is drawn to saddles and
    maxima as well as minima. Each step takes the largest of 1, 1/2, ..., 1/128 of d (capped at
    max_step) that lowers |g| by 0.1% or more. A start stops when its step falls to rounding level
    (converged) or none of the trials lowers |g| (stuck at a local minimum of |g| that is not a critical
    point; the caller filters those out), or after `iterations` steps.
    """

    def run(starts, args, max_step):
        f = lambda p: loss(p, args)  # noqa: E731
        grad, hess = jax.grad(f), jax.hessian(f)

        def step(p):
            g = grad(p)
            w, v = symmetric_eigen_2x2(hess(p))
            biggest = jnp.max(jnp.abs(w))
            inverse = jnp.where(jnp.abs(w) > 1e-12 * biggest, 1.0 / jnp.where(w == 0, 1.0, w), 0.0)
            d = -(v * inverse) @ (v.T @ g)
            length = jnp.linalg.norm(d)
            d = d * jnp.minimum(1.0, max_step / jnp.where(length > 0, length, 1.0))
            trials = p + jnp.asarray(_STEP_FRACTIONS)[:, None] * d
            norms = jax.vmap(lambda q: jnp.linalg.norm(grad(q)))(trials)
            # A step must cut |g| by at least 0.1%: once Newton has converged, rounding noise does not.
            better = jnp.isfinite(norms) & (norms < (1.0 - 1e-3) * jnp.linalg.norm(g))
            first = jnp.argmax(better)
            new = jnp.where(better[first], trials[first], p)
            # Moving means a step above rounding: Newton creeps linearly into degenerate points (x^4), so
            # it must not stop on |g| alone, or copies of one point from different starts stay apart.
            moved = better[first] & (jnp.linalg.norm(new - p) > 1e-15 * (1.0 + jnp.linalg.norm(p)))
            return new, moved

        def solve(p):
            # Stop once a step no longer moves the point (converged to rounding, or stuck); under vmap the
            # loop runs until every start has stopped, so convex surfaces finish in a few iterations.
            def more(carry):
                _, moved, i = carry
                return moved & (i < iterations)

            def advance(carry):
                q, _, i = carry
                q, moved = step(q)
                return q, moved, i + 1

            end, _, _ = jax.lax.while_loop(more, advance, (p, jnp.asarray(True), jnp.asarray(0)))
            return end, jnp.linalg.norm(grad(end)), symmetric_eigen_2x2(hess(end))[0], f(end), jnp.linalg.norm(grad(p))

        return jax.vmap(solve)(starts)

    return jax.jit(run)


@functools.lru_cache(maxsize=64)
def _surface_search(loss: Callable, iterations: int):
    """One compiled search per surface loss: parameters and data are traced, so new values reuse it."""
    return _newton_search(lambda p, args: loss(p, *args), iterations)


def grid_starts(domain, grid: int) -> np.ndarray:
    """grid x grid start points spanning the domain and a margin of 2% of it (edge points need starts)."""
    (x0, x1), (y0, y1) = domain
    mx, my = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    xs = np.linspace(x0 - mx, x1 + mx, grid)
    ys = np.linspace(y0 - my, y1 + my, grid)
    return np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1).reshape(-1, 2)


def _distinct(points: np.ndarray, radius: float) -> np.ndarray:
    """Indices of the points farther than `radius` from every point kept before them (points come best
    first, so the most precise copy of each critical point is the one kept)."""
    kept: list[int] = []
    for i, point in enumerate(points):
        if not kept or np.min(np.linalg.norm(points[kept] - point, axis=1)) > radius:
            kept.append(i)
    return np.asarray(kept, dtype=int)


def find_critical_points(f: Callable, domain, grid: int = 40, iterations: int = 60, grad_tol: float = 1e-8,
                         tol: float = 1e-6, extra_starts=()) -> list[FoundPoint]:
    """Every critical point of f the multi-start Newton search reaches, inside the domain, classified.

    Newton's method on grad f = 0 (see _newton_search) runs from a grid x grid lattice over the domain,
    from `extra_starts`, and from f.hints when f is a SurfaceFunction (its surface's known points). A
    result counts when |grad f| <= grad_tol * max(1, median |grad f| over the lattice) (relative to the
    surface's own gradient scale), lies in the domain, and is farther than 1e-6 domain widths from a
    point already kept. Kinds come from classify(Hessian eigenvalues, tol). Sorted minima first, then
    saddles, maxima and degenerate points, each by value.

    A point whose Newton basin holds no start is missed. Basins are about as wide as the features of f
    (the 441 critical points of Rastrigin are all found from the default 40 x 40 lattice), but a kink-like
    tip has a tiny one: Newton overshoots the top of a cone from any distance beyond its rounding.
    """
    (x0, x1), (y0, y1) = domain
    span = max(x1 - x0, y1 - y0)
    lattice = grid_starts(domain, grid)
    hints = np.asarray(list(getattr(f, "hints", ())) + list(extra_starts), dtype=np.float64).reshape(-1, 2)
    starts = jnp.asarray(np.concatenate([lattice, hints]))
    if isinstance(f, SurfaceFunction):
        search, args = _surface_search(f.surface.loss, iterations), (f.theta, f.data, f.weights)
    else:
        search, args = _newton_search(lambda p, _: f(p), iterations), ()
    results = search(starts, args, jnp.asarray(0.25 * span))
    points, grad_norms, eigvals, values, start_norms = (np.asarray(a) for a in results)
    scale = max(1.0, float(np.nanmedian(start_norms[: len(lattice)])))
    slack = 1e-9 * span
    inside = ((points[:, 0] >= x0 - slack) & (points[:, 0] <= x1 + slack)
              & (points[:, 1] >= y0 - slack) & (points[:, 1] <= y1 + slack))
    # f itself must be finite too: autodiff gives log(x) the finite gradient 1/x even where log(x) is NaN.
    finite = np.isfinite(grad_norms) & np.isfinite(values) & np.all(np.isfinite(eigvals), axis=1)
    good = np.flatnonzero(finite & (grad_norms <= grad_tol * scale) & inside)
    best_first = good[np.argsort(grad_norms[good], kind="stable")]
    kept = best_first[_distinct(points[best_first], 1e-6 * span)]
    found = [FoundPoint(xy=(float(points[i, 0]), float(points[i, 1])), kind=classify(eigvals[i], tol),
                        eigvals=(float(eigvals[i, 0]), float(eigvals[i, 1])), value=float(values[i]))
             for i in kept]
    order = {kind: rank for rank, kind in enumerate(("minimum", "saddle", "maximum", "degenerate"))}
    return sorted(found, key=lambda p: (order[p.kind], p.value, p.xy))
