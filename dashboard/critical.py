"""Critical points of a scene's surface with their Hessian eigenvalues and kind.

At a surface's default parameters, where its metadata lists every critical point in the domain, they are
read from the metadata (tests/test_critical.py holds that to the numerical search), which spares the first
chart a compilation; otherwise they are found numerically by landscapes.analysis.find_critical_points, so
they follow the parameters. Eigenvalues come from the engine's own Hessian (row 0 of a one-step run started
at the point).
"""
from __future__ import annotations

import numpy as np

from dashboard import engine
from dashboard.figures.landscape import CriticalMark
from dashboard.geometry import curvature_kind
from landscapes import get_surface
from optimizers.params import resolve

# Row 0 of a run started at a point holds the Hessian's eigenvalues there, whatever the rule and the length
# of the run. A few points are run one by one with plain SGD over the scene's default 100 steps: the program
# the landing page compiles anyway, so the first chart waits for no compilation of its own for them (a
# one-step vectorised run was a program of its own: about 1 s to compile on an empty cache). Many points
# (Rastrigin's grid of minima) go through one vectorised run.
EIGEN_RUN_STEPS = 100
FEW_POINTS = 16
KIND_OF_CURVATURE = {"convex": "minimum", "concave": "maximum", "saddle": "saddle", "flat": "degenerate"}


def _numerical(surface_name: str, surface_params: tuple, seed: int) -> list[tuple[float, float]] | None:
    try:
        from landscapes import analysis
    except ImportError:
        return None
    if not hasattr(analysis, "find_critical_points") or not hasattr(analysis, "surface_fn"):
        return None
    surface = get_surface(surface_name)
    values = resolve(surface.params, dict(surface_params), f"surface {surface.name}")
    f = analysis.surface_fn(surface, values, seed)
    found = analysis.find_critical_points(f, surface.domain)
    points = []
    for item in found:
        xy = getattr(item, "xy", None)
        if xy is None and isinstance(item, dict):
            xy = item.get("xy")
        if xy is None:
            xy = item
        points.append((float(np.asarray(xy)[0]), float(np.asarray(xy)[1])))
    return points


def _from_metadata(surface_name: str, surface_params: tuple) -> list[tuple[float, float]] | None:
    """The metadata's points when they are complete and the parameters are the defaults they hold at."""
    surface = get_surface(surface_name)
    if not surface.critical_points_complete or surface.is_data_defined:
        return None
    given = resolve(surface.params, dict(surface_params), f"surface {surface.name}")
    if given != resolve(surface.params, {}, f"surface {surface.name}"):
        return None
    (x0, x1), (y0, y1) = surface.domain
    return [tuple(map(float, p.xy)) for p in surface.critical_points
            if x0 <= p.xy[0] <= x1 and y0 <= p.xy[1] <= y1]


def critical_points(surface_name: str, surface_params: tuple = (), seed: int = 0,
                    numerical: bool = False) -> list[CriticalMark]:
    """Every critical point in the domain with eigenvalues (ascending) and kind, minima first
    (`numerical` searches even where the metadata would answer)."""
    points = None if numerical else _from_metadata(surface_name, surface_params)
    if points is None:
        points = _numerical(surface_name, surface_params, seed)
    if points is None:
        points = [tuple(map(float, p.xy)) for p in get_surface(surface_name).critical_points]
    if not points:
        return []
    base = engine.RunConfig(surface=surface_name, surface_params=tuple(surface_params), seed=seed,
                            steps=EIGEN_RUN_STEPS)
    configs = [base.with_(start=p) for p in points]
    runs = ([engine.simulate(c) for c in configs] if len(configs) <= FEW_POINTS
            else engine.simulate_many(configs))
    marks = []
    for xy, run in zip(points, runs):
        eigvals = run.eigvals[0]
        kind = KIND_OF_CURVATURE[curvature_kind(eigvals)]
        marks.append(CriticalMark(xy=xy, kind=kind, eigvals=(float(eigvals[0]), float(eigvals[1]))))
    order = {"minimum": 0, "saddle": 1, "maximum": 2, "degenerate": 3}
    return sorted(marks, key=lambda m: (order[m.kind], m.xy))


def minima(marks: list[CriticalMark]) -> np.ndarray:
    return np.asarray([m.xy for m in marks if m.kind == "minimum"], float).reshape(-1, 2)
