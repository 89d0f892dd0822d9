"""What the learning-rate explorer computes around the engine: sweep grids in chunks, heavy-ball theory on a
quadratic, basin labels, the learning-rate range test and the labels of a fan of learning rates.

Pure numpy (no Streamlit, no Plotly); the page passes a sweep function (the cached engine sweep) in.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

from dashboard.engine import CONVERGED, DIVERGED, RunConfig, SweepResult
from landscapes import analysis
from optimizers import get_rule

# A Hessian counts as constant (the surface is a quadratic) when its eigenvalues vary less than this,
# relative to their size, over a grid of the domain.
CONSTANT_HESSIAN_RTOL = 1e-9
# Multiples of the stability limit used for the fan: crawling, brisk, oscillating, diverging.
FAN_FRACTIONS = (0.02, 0.5, 0.95, 1.1)
# Without a stability limit (adaptive rules, non-convex starts) the fan spans the user's rate instead.
FAN_FACTORS = (0.1, 1.0, 3.0, 10.0)
# Range test: the loss counts as blown up once it exceeds its running best by this factor (fastai's 4).
BLOWUP_FACTOR = 4.0


def log_grid(low: float, high: float, n: int) -> np.ndarray:
    if not (0 < low < high and math.isfinite(high)) or n < 2:
        raise ValueError(f"need 0 < low < high and at least 2 points, got {low!r}, {high!r}, {n!r}")
    return np.geomspace(low, high, n)


def second_axes(rule_name: str) -> list[str]:
    """The rule's bounded float parameters other than lr (momentum for SGD, beta1/beta2 for Adam), which a
    sweep can put on its y axis, preferring momentum-like ones first."""
    params = [p for p in get_rule(rule_name).params
              if p.kind == "float" and p.name != "lr" and p.low is not None and p.high is not None
              and math.isfinite(p.high - p.low) and not p.log]
    order = {"momentum": 0, "beta2": 1, "beta1": 2}
    return [p.name for p in sorted(params, key=lambda p: order.get(p.name, 9))]


def axis_values(rule_name: str, name: str, n: int) -> np.ndarray:
    """n evenly spaced admissible values of a rule's bounded parameter (open ends stepped inside)."""
    param = next(p for p in get_rule(rule_name).params if p.name == name)
    low, high = float(param.low), float(param.high)
    if name == "beta2":  # the interesting part of β2 is near 1: 0.9 .. 0.9999 on a log(1-β2) scale
        return 1.0 - np.geomspace(0.1, 1e-4, n)
    if param.high_open:
        high = high - 0.01 * (high - low)
    if param.low_open:
        low = low + 0.01 * (high - low)
    return np.linspace(low, high, n)


def chunks(values: np.ndarray, n_chunks: int) -> list[np.ndarray]:
    """Split values into n_chunks pieces of EQUAL length (the last padded with its final value), so every
    piece runs through one compiled program; callers drop the padding by counting."""
    values = np.asarray(values, float)
    n_chunks = max(1, min(n_chunks, len(values)))
    size = math.ceil(len(values) / n_chunks)
    padded = np.concatenate([values, np.full(size * n_chunks - len(values), values[-1])])
    return [padded[i * size:(i + 1) * size] for i in range(n_chunks)]


class Grid2D(NamedTuple):
    """A 2-D sweep laid out for a heatmap: arrays of shape (len(y), len(x))."""

    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    final_loss: np.ndarray
    steps_to_converge: np.ndarray
    status: np.ndarray
    final_xy: np.ndarray  # (len(y), len(x), 2)

    @property
    def diverged(self) -> np.ndarray:
        return self.status == DIVERGED


SweepFn = Callable[[RunConfig, tuple], SweepResult]


def sweep_2d(sweep: SweepFn, config: RunConfig, x_name: str, x, y_name: str, y, n_chunks: int = 1,
             progress: Callable[[float], None] | None = None) -> Grid2D:
    """Run every (x, y) pair with `sweep(config, ((x_name, xs), (y_name, ys)))`, in chunks of x so a
    progress bar can advance between them; results as (len(y), len(x)) arrays."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    parts = []
    pieces = chunks(x, n_chunks)
    for i, piece in enumerate(pieces):
        result = sweep(config, ((x_name, tuple(float(v) for v in piece)), (y_name, tuple(float(v) for v in y))))
        parts.append(result)
        if progress is not None:
            progress((i + 1) / len(pieces))

    def joined(field, tail=()):
        # Each part's rows are (x slowest, y fastest): reshape to (len(piece), len(y), ...) and stack along x.
        stacked = np.concatenate([np.asarray(getattr(p, field)).reshape(-1, len(y), *tail) for p in parts])[:len(x)]
        return np.moveaxis(stacked, 0, 1)  # (len(y), len(x), ...)

    return Grid2D(x_name, y_name, x, y, joined("final_loss"), joined("steps_to_converge"), joined("status"),
                  joined("final_xy", (2,)))


# ---------------------------------------------------------------------------------------------------
# Theory on a quadratic


def constant_hessian(eigvals: np.ndarray, rtol: float = CONSTANT_HESSIAN_RTOL) -> tuple[float, float] | None:
    """(λmin, λmax) when the Hessian eigenvalues on a grid (..., 2) are the same everywhere (a quadratic),
    else None: theory's boundaries hold only there."""
    eigvals = np.asarray(eigvals, float).reshape(-1, 2)
    if eigvals.size == 0 or not np.all(np.isfinite(eigvals)):
        return None
    low, high = eigvals[:, 0], eigvals[:, 1]
    scale = max(1e-300, float(np.max(np.abs(eigvals))))
    if np.ptp(low) > rtol * scale or np.ptp(high) > rtol * scale:
        return None
    return float(np.median(low)), float(np.median(high))


def heavy_ball_rate(lr, beta, eigvals) -> np.ndarray:
    """Linear rate ρ of heavy ball θ⁺ = θ − η∇f + β(θ − θ⁻) on a quadratic with Hessian eigenvalues `eigvals`:
    the largest |root| of z² − (1 + β − ηλ) z + β = 0 over the eigenvalues (the error shrinks like ρ^t).

    lr and beta broadcast together; β = 0 gives plain gradient descent's max |1 − ηλ|.
    """
    lr, beta = np.broadcast_arrays(np.asarray(lr, float), np.asarray(beta, float))
    worst = np.zeros(lr.shape)
    for lam in np.asarray(eigvals, float).ravel():
        b = 1.0 + beta - lr * lam
        disc = b * b - 4.0 * beta
        sq = np.sqrt(np.abs(disc))
        real_roots = np.maximum(np.abs(b + sq), np.abs(b - sq)) / 2.0
        complex_roots = np.sqrt(np.maximum(beta, 0.0))  # |z|² = product of the roots = β
        worst = np.maximum(worst, np.where(disc >= 0, real_roots, complex_roots))
    return worst


def heavy_ball_limits(betas, eigvals) -> np.ndarray:
    """The largest stable η at each momentum β: (2 + 2β)/λmax (landscapes.analysis; β = 0 gives 2/λmax)."""
    return np.asarray([analysis.max_stable_lr_heavy_ball(eigvals, float(b)) for b in np.asarray(betas, float)])


def heavy_ball_equivalent(config: RunConfig) -> bool:
    """True when the run is heavy ball as theory states it: SGD, torch or classic convention at constant
    rate, no dampening, no Nesterov, no weight decay, no schedule, no warmup, no noise or minibatches."""
    if config.optimizer != "sgd" or config.schedule != "constant" or config.warmup:
        return False
    values = dict(config.optimizer_params)
    return (values.get("convention", "torch") in ("torch", "classic") and not values.get("nesterov", False)
            and float(values.get("dampening", 0.0)) == 0.0 and float(values.get("weight_decay", 0.0)) == 0.0
            and float(config.grad_noise) == 0.0 and int(config.batch_size) == 0)


# ---------------------------------------------------------------------------------------------------
# Basins of attraction


def basin_labels(final_xy: np.ndarray, status: np.ndarray, minima: np.ndarray, radius: float) -> np.ndarray:
    """Index of the minimum each run ended within `radius` of, or -1 (diverged, or stopped elsewhere)."""
    final_xy = np.asarray(final_xy, float)
    minima = np.asarray(minima, float).reshape(-1, 2)
    shape = final_xy.shape[:-1]
    if len(minima) == 0:
        return np.full(shape, -1)
    distance = np.linalg.norm(final_xy[..., None, :] - minima, axis=-1)
    nearest = np.argmin(np.where(np.isfinite(distance), distance, np.inf), axis=-1)
    close = np.take_along_axis(distance, nearest[..., None], axis=-1)[..., 0] <= radius
    return np.where(close & (np.asarray(status) != DIVERGED), nearest, -1)


def basin_shares(labels: np.ndarray, n_minima: int) -> np.ndarray:
    """Fraction of the start grid in each basin, then the fraction that reached none (length n_minima + 1)."""
    labels = np.asarray(labels).ravel()
    counts = [np.count_nonzero(labels == i) for i in range(n_minima)] + [np.count_nonzero(labels < 0)]
    return np.asarray(counts, float) / max(labels.size, 1)


# ---------------------------------------------------------------------------------------------------
# Learning-rate range test


def range_test_gamma(lr_min: float, lr_max: float, steps: int) -> float:
    """γ of an exponential schedule taking the rate from lr_min at update 0 to lr_max at update steps−1."""
    if not (0 < lr_min < lr_max) or steps < 2:
        raise ValueError(f"need 0 < lr_min < lr_max and at least 2 steps, got {lr_min!r}, {lr_max!r}, {steps!r}")
    return (lr_max / lr_min) ** (1.0 / (steps - 1))


def range_test_curve(lr: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(η_k, loss after the update taken at η_k) from a trajectory's per-row lr and loss.

    Row k's lr is the rate of the update from row k to k+1, so it is paired with loss[k+1].
    """
    lr, loss = np.asarray(lr, float), np.asarray(loss, float)
    return lr[:-1], loss[1:]


def smooth(values: np.ndarray, beta: float = 0.6) -> np.ndarray:
    """Bias-corrected exponential moving average, as fastai's LR finder smooths the loss."""
    out = np.empty(len(values))
    average = 0.0
    for i, v in enumerate(np.asarray(values, float)):
        average = beta * average + (1 - beta) * v
        out[i] = average / (1 - beta ** (i + 1))
    return out


class RangeTest(NamedTuple):
    lr: np.ndarray
    loss: np.ndarray
    usable: int  # points before the loss blew up (BLOWUP_FACTOR × its best, or not finite)
    steepest_lr: float | None  # where the smoothed log-loss falls fastest per decade of lr
    min_loss_lr: float | None  # where the smoothed loss is lowest
    suggested_lr: float | None  # the suggestion: min_loss_lr / 10


def range_test(lr: np.ndarray, loss: np.ndarray, smoothing: float = 0.6) -> RangeTest:
    """Read a range test: stop at blow-up, smooth, and suggest min-loss rate / 10 (Smith 2017; fastai's
    'minimum / 10'); the steepest-descent rate is reported beside it.

    The slope is d log(loss) / d log(lr) by central differences of the smoothed curve.
    """
    lr, loss = np.asarray(lr, float), np.asarray(loss, float)
    finite = np.isfinite(loss)
    usable = int(np.argmin(finite)) if not finite.all() else len(loss)
    best = np.minimum.accumulate(np.where(finite, loss, np.inf)[:usable]) if usable else np.array([])
    blown = np.flatnonzero(loss[:usable] > BLOWUP_FACTOR * best) if usable else np.array([], int)
    if blown.size:
        usable = int(blown[0])
    if usable < 3:
        return RangeTest(lr, loss, usable, None, None, None)
    smoothed = smooth(loss[:usable], smoothing)
    min_index = int(np.argmin(smoothed))
    positive = smoothed > 0
    steepest = None
    if positive.all():
        slope = np.gradient(np.log(smoothed), np.log(lr[:usable]))
        steepest = float(lr[int(np.argmin(slope))])
    min_loss_lr = float(lr[min_index])
    return RangeTest(lr, loss, usable, steepest, min_loss_lr, min_loss_lr / 10.0)


# ---------------------------------------------------------------------------------------------------
# A fan of learning rates


def fan_learning_rates(limit: float | None, user_lr: float) -> tuple[list[float], str]:
    """Rates for the fan and how they were chosen: fractions of the stability limit where there is one,
    else multiples of the user's rate."""
    if limit is not None and math.isfinite(limit) and limit > 0:
        return [f * limit for f in FAN_FRACTIONS], "limit"
    return [f * user_lr for f in FAN_FACTORS], "user"


def reversals(update: np.ndarray) -> int:
    """Steps whose update points back against the previous one (negative dot product): zig-zagging."""
    update = np.asarray(update, float).reshape(-1, 2)
    moved = update[np.linalg.norm(update, axis=1) > 0]
    if len(moved) < 2:
        return 0
    return int(np.count_nonzero(np.einsum("ij,ij->i", moved[1:], moved[:-1]) < 0))


def outcome(loss: np.ndarray, status: np.ndarray, update: np.ndarray | None = None) -> str:
    """How a run went: diverged, or how far the loss got, whether it ever rose, and how often the step
    reversed direction (an oscillating, too-large rate zig-zags on most steps while its loss still falls)."""
    loss, status = np.asarray(loss, float), np.asarray(status)
    hits = np.flatnonzero(status == DIVERGED)
    if hits.size:
        return f"diverged at step {int(hits[0])}"
    finite = loss[np.isfinite(loss)]
    rises = int(np.count_nonzero(np.diff(finite) > 1e-12 * np.maximum(np.abs(finite[:-1]), 1e-300)))
    converged = np.flatnonzero(status == CONVERGED)
    end = f"converged at step {int(converged[0])}" if converged.size else (
        f"loss ×{finite[-1] / finite[0]:.2g} of the start" if finite.size and finite[0] > 0 else "running")
    words = [end, f"loss rose on {rises} steps" if rises else "loss fell every step"]
    if update is not None:
        words.append(f"zig-zag on {reversals(update)} steps")
    return "; ".join(words)
