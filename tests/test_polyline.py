"""Animation trails are thinned without changing their drawn shape: every point of the real path lies within
the screen tolerance of the drawn trail (evenly spaced thinning drew chords across zig-zags)."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard.engine import RunConfig, simulate, surface_grid
from dashboard.figures.curves import PathView
from dashboard.figures.landscape import trajectories_figure
from dashboard.figures.polyline import SCREEN_TOLERANCE, douglas_peucker, kept_rows
from landscapes import get_surface
from tests.apptest_helpers import values


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Brute force: each point's distance to the nearest segment of the polyline."""
    a, b = line[:-1][None], line[1:][None]
    p = points[:, None]
    ab = b - a
    t = np.clip(np.sum((p - a) * ab, axis=-1) / np.maximum(np.sum(ab * ab, axis=-1), 1e-300), 0.0, 1.0)
    nearest = a + t[..., None] * ab
    return np.min(np.hypot(*(p - nearest).transpose(2, 0, 1)), axis=1)


@pytest.mark.parametrize("seed", range(5))
def test_douglas_peucker_stays_within_tolerance(seed):
    walk = np.cumsum(np.random.default_rng(seed).normal(size=(3000, 2)), axis=0)
    tolerance = 0.5
    rows = douglas_peucker(walk, tolerance)
    assert rows[0] == 0 and rows[-1] == len(walk) - 1 and np.all(np.diff(rows) > 0)
    assert len(rows) < len(walk)
    assert distance_to_polyline(walk, walk[rows]).max() <= tolerance + 1e-9


def test_kept_rows_stop_at_the_first_non_finite_row():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [np.nan, np.nan], [np.nan, np.nan]])
    assert list(kept_rows(xy, span=1.0)) == [0, 1, 2]


def test_long_zigzag_trail_keeps_every_visible_turn():
    """GD on a kappa-50 ravine for 2000 steps: the last frame's bold trail follows the real path."""
    config = RunConfig(surface="quadratic", surface_params=(("kappa", 50.0), ("angle", 30.0)), start=(-1.8, 0.9),
                       optimizer="sgd", optimizer_params=(("lr", 0.039),), steps=2000, tol=0.0)
    traj = simulate(config)
    surface = get_surface("quadratic")
    (x0, x1), (y0, y1) = surface.domain
    span = max(x1 - x0, y1 - y0)
    grid = surface_grid("quadratic", config.surface_params, 0, 21)
    fig = trajectories_figure([PathView("GD", 0, traj)], grid, surface.domain, arrows=False)
    trail = fig.to_dict()["frames"][-1]["data"][0]  # frames carry the moving traces, the trail first
    drawn = np.column_stack([values(trail["x"]), values(trail["y"])]).astype(float)
    assert len(drawn) < len(traj.xy)  # thinned...
    error = distance_to_polyline(traj.xy, drawn).max()
    assert error <= SCREEN_TOLERANCE * span * 1.01 + 1e-6  # ...yet within a pixel (float32 rounding aside)
    evenly = traj.xy[np.round(np.linspace(0, len(traj.xy) - 1, 150)).astype(int)]
    assert distance_to_polyline(traj.xy, evenly).max() > 50 * SCREEN_TOLERANCE * span  # what it used to draw
