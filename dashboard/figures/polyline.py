"""Thinning a path for animation frames without changing its drawn shape (Ramer–Douglas–Peucker).

Every frame of a playback carries the trail so far, so long paths are thinned; thinning by evenly spaced
rows would draw chords across a zig-zag. Douglas–Peucker keeps every point that lies farther than a
tolerance (a fraction of the plot's width, below what the eye sees) from the simplified line, so turns stay.
"""
from __future__ import annotations

import numpy as np

SCREEN_TOLERANCE = 1.0 / 1500  # of the plot's span: under a pixel on a full-HD slide
MAX_KEPT = 800  # more points than this per trail and the tolerance doubles (payload of every frame)


def _distances_to_chord(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    chord = b - a
    length = np.hypot(*chord)
    rel = points - a
    if length == 0.0:
        return np.hypot(rel[:, 0], rel[:, 1])
    return np.abs(chord[0] * rel[:, 1] - chord[1] * rel[:, 0]) / length


def douglas_peucker(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices (ascending, first and last included) of the points that keep the polyline within tolerance."""
    n = len(xy)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        inner = xy[first + 1:last]
        distance = _distances_to_chord(inner, xy[first], xy[last])
        worst = int(np.argmax(distance))
        if distance[worst] > tolerance:
            split = first + 1 + worst
            keep[split] = True
            stack += [(first, split), (split, last)]
    return np.flatnonzero(keep)


def kept_rows(xy: np.ndarray, span: float, max_kept: int = MAX_KEPT) -> np.ndarray:
    """Rows of a path's finite prefix worth drawing: within SCREEN_TOLERANCE·span of the full path, at most
    max_kept of them (the tolerance doubles until they fit)."""
    finite = np.all(np.isfinite(xy), axis=1)
    n = int(np.argmin(finite)) if not finite.all() else len(xy)
    tolerance = SCREEN_TOLERANCE * span
    while True:
        rows = douglas_peucker(xy[:n], tolerance)
        if len(rows) <= max_kept:
            return rows
        tolerance *= 2.0
