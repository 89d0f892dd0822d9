"""Critical points of a scene's surface with their Hessian eigenvalues and kind.

Found numerically by landscapes.analysis.find_critical_points where that module exists (so they follow the
surface's parameters); otherwise taken from the surface's metadata, which holds at its default parameters.
Eigenvalues come from the engine's own Hessian (row 0 of a one-step run started at the point).
"""
from __future__ import annotations

import numpy as np

from dashboard import engine
from dashboard.figures.landscape import CriticalMark
from dashboard.geometry import curvature_kind
from landscapes import get_surface
from optimizers.params import resolve

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


def critical_points(surface_name: str, surface_params: tuple = (), seed: int = 0) -> list[CriticalMark]:
    """Every critical point in the domain with eigenvalues (ascending) and kind, minima first."""
    surface = get_surface(surface_name)
    points = _numerical(surface_name, surface_params, seed)
    if points is None:
        points = [tuple(map(float, p.xy)) for p in surface.critical_points]
    if not points:
        return []
    base = engine.RunConfig(surface=surface_name, surface_params=tuple(surface_params), seed=seed, steps=1)
    runs = engine.simulate_many([base.with_(start=p) for p in points])
    marks = []
    for xy, run in zip(points, runs):
        eigvals = run.eigvals[0]
        kind = KIND_OF_CURVATURE[curvature_kind(eigvals)]
        marks.append(CriticalMark(xy=xy, kind=kind, eigvals=(float(eigvals[0]), float(eigvals[1]))))
    order = {"minimum": 0, "saddle": 1, "maximum": 2, "degenerate": 3}
    return sorted(marks, key=lambda m: (order[m.kind], m.xy))


def minima(marks: list[CriticalMark]) -> np.ndarray:
    return np.asarray([m.xy for m in marks if m.kind == "minimum"], float).reshape(-1, 2)
