"""The warmup demonstration: Adam with a large learning rate, without and with a linear warmup.

On the six-hump camel the first Adam steps have length ≈ η per axis whatever the gradient (m̂/√v̂ ≈ ±1),
so η = 2 throws the point up the steep outer wall, and the path ends in a poor local minimum; a warmup
keeps the first steps short while v̂ learns the gradient scale, and the same run reaches the global minimum.
tests/test_page_schedules.py checks this against the engine. Pure data and numpy, no Streamlit.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dashboard.engine import RunConfig, Trajectory

DEMO_SURFACE = "six_hump_camel"
DEMO_RULE = "adam"
DEMO_LR = 2.0
DEMO_WARMUP = 30
DEMO_STEPS = 200
EARLY_STEPS = 20  # "early": the failure shows as a loss spike within these first updates


def demo_configs(lr: float = DEMO_LR, warmup: int = DEMO_WARMUP, steps: int = DEMO_STEPS,
                 rule: str = DEMO_RULE) -> tuple[RunConfig, RunConfig]:
    """(without warmup, with warmup): the same run of `rule` at a large constant lr on the demo surface."""
    base = RunConfig(surface=DEMO_SURFACE, optimizer=rule, optimizer_params=(("lr", float(lr)),), steps=steps)
    return base, base.with_(warmup=int(warmup))


class Verdict(NamedTuple):
    early_peak: float  # highest loss within the first EARLY_STEPS updates
    start_loss: float
    final_loss: float
    final_xy: tuple[float, float]


def verdict(traj: Trajectory) -> Verdict:
    """The numbers the page quotes for one run."""
    loss = np.asarray(traj.loss, float)
    early = loss[:EARLY_STEPS + 1]
    finite_rows = np.flatnonzero(np.all(np.isfinite(traj.xy), axis=1))
    last = int(finite_rows[-1]) if finite_rows.size else 0
    return Verdict(float(np.nanmax(early)), float(loss[0]), float(loss[last]),
                   (float(traj.xy[last, 0]), float(traj.xy[last, 1])))


def rescued(failing: Verdict, warmed: Verdict, global_min: float, tol: float = 1e-3) -> bool:
    """True when the run without warmup spiked above its start and ended above the global minimum, while the
    warmed run never rose above its start early and ended at the global minimum (within tol)."""
    return (failing.early_peak > failing.start_loss and failing.final_loss > global_min + tol
            and warmed.early_peak <= warmed.start_loss + 1e-12 and abs(warmed.final_loss - global_min) <= tol)
