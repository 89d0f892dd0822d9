"""What the stochastic-gradients page computes around the engine: seed fans, their mean path, the noise
floor, leaving a saddle, and early stopping on a held-out loss.

Pure numpy on engine Trajectories (no Streamlit, no Plotly).
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from dashboard.engine import RunConfig

TAIL_FRACTION = 0.5  # the noise floor is read over the last half of the steps


def seed_fan(config: RunConfig, n: int) -> tuple[RunConfig, ...]:
    """n copies of a run differing only in the seed: config.seed, config.seed + 1, ..."""
    if n < 1:
        raise ValueError(f"a fan needs at least one seed, got {n}")
    return tuple(config.with_(seed=config.seed + i) for i in range(n))


def mean_path(paths: list[np.ndarray]) -> np.ndarray:
    """Pointwise mean of several (n_rows, 2) paths over the runs still finite at each row."""
    stacked = np.stack([np.asarray(p, float) for p in paths])
    with warnings.catch_warnings():  # rows where every run has diverged are all-NaN: their mean is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(stacked, axis=0)


class NoiseFloor(NamedTuple):
    level: float  # mean loss over the tail steps of every run
    spread: float  # standard deviation of the loss over those steps and runs
    first_step: int  # where the tail starts


def noise_floor(losses: list[np.ndarray], tail_fraction: float = TAIL_FRACTION) -> NoiseFloor:
    """Where the loss settles under noisy gradients: its mean and spread over the last `tail_fraction`
    of the steps, pooled over runs (a full-batch run at the same rate keeps falling instead)."""
    if not 0 < tail_fraction <= 1:
        raise ValueError(f"tail_fraction must be in (0, 1], got {tail_fraction}")
    stacked = np.stack([np.asarray(v, float) for v in losses])
    first = int(stacked.shape[1] * (1 - tail_fraction))
    tail = stacked[:, first:]
    tail = tail[np.isfinite(tail)]
    if tail.size == 0:
        return NoiseFloor(float("nan"), float("nan"), first)
    return NoiseFloor(float(np.mean(tail)), float(np.std(tail)), first)


def left_at(loss: np.ndarray, level: float, drop: float) -> int | None:
    """First row whose loss is below level − drop (a path that has left a saddle at loss `level`)."""
    below = np.flatnonzero(np.asarray(loss, float) < level - drop)
    return int(below[0]) if below.size else None


class EarlyStop(NamedTuple):
    best_step: int  # the row with the lowest held-out loss seen before stopping (weights to restore)
    stop_step: int | None  # the row at which patience ran out; None if training ran to the end


def early_stopping(heldout: np.ndarray, patience: int, min_delta: float = 0.0) -> EarlyStop:
    """Keras/Lightning rule: a row improves when its loss is below best − min_delta; stop once `patience`
    rows in a row have not improved. Row 0 sets the first best."""
    if patience < 1:
        raise ValueError(f"patience must be at least 1, got {patience}")
    if min_delta < 0:
        raise ValueError(f"min_delta must be >= 0, got {min_delta}")
    heldout = np.asarray(heldout, float)
    if heldout.size == 0:
        raise ValueError("early stopping needs at least one loss")
    best, best_step, waited = heldout[0], 0, 0
    for step in range(1, len(heldout)):
        value = heldout[step]
        if np.isfinite(value) and value < best - min_delta:
            best, best_step, waited = value, step, 0
        else:
            waited += 1
            if waited >= patience:
                return EarlyStop(best_step, step)
    return EarlyStop(best_step, None)
