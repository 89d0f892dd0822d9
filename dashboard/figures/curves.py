"""Per-step curves (loss, distance, gradient norm, loss change) and the playback controls they share.

Figure helpers here add traces to a FigureSpec (dashboard/figures/spec.py) at a given subplot and return
the indices of the traces that animate, so one playback control can move a path on a contour and a step
cursor on every curve.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dashboard.engine import Trajectory
from dashboard.figures.spec import FigureSpec, Frames
from dashboard.figures.style import colour

MAX_FRAMES = 61
SPEEDS_MS = {"slow": 250, "normal": 90, "fast": 30}  # milliseconds per frame


class PathView(NamedTuple):
    """One optimizer's run as drawn: its label, colour slot (stable across pages) and trajectory."""

    label: str
    slot: int
    traj: Trajectory


def frame_rows(n_rows: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Rows shown as animation frames: every row when few, else evenly spaced, always first and last."""
    if n_rows <= 0:
        raise ValueError(f"n_rows must be positive, got {n_rows}")
    if n_rows <= max_frames:
        return np.arange(n_rows)
    return np.unique(np.round(np.linspace(0, n_rows - 1, max_frames)).astype(int))


def finite_positive(values) -> np.ndarray:
    values = np.asarray(values, float).ravel()
    return values[np.isfinite(values) & (values > 0)]


NARROW_LOG_SPAN = 2.5  # decades: below this plotly labels a log axis with bare digits ("2 3 4 10 9 8 ...")


def log_axis_range(values, floor_ratio: float = 1e-14, pad: float = 0.15) -> list[float] | None:
    """[log10 lo, log10 hi] covering the positive finite values (None when there are none), padded, then
    widened to whole decades (to quarter decades when it spans fewer than NARROW_LOG_SPAN).

    Snapped so that a slider moving the curves a little leaves the axes where they were: the axes stay still
    on screen, and the live chart redraws only the curves (an axis that moves costs it about 10 ms to draw).
    """
    positive = finite_positive(values)
    if positive.size == 0:
        return None
    hi = float(np.max(positive))
    lo = max(float(np.min(positive)), hi * floor_ratio)
    lo_log, hi_log = math.log10(lo), math.log10(hi)
    if hi_log - lo_log < 1e-9:
        lo_log, hi_log = lo_log - 0.5, hi_log + 0.5
    lo_log, hi_log = lo_log - pad, hi_log + pad
    step = 1.0 if hi_log - lo_log >= NARROW_LOG_SPAN else 0.25
    return [math.floor(lo_log / step) * step, math.ceil(hi_log / step) * step]


def log_axis(y_range: list[float]) -> dict:
    """A log y-axis over [log10 lo, log10 hi]; a narrow one is labelled at 1-2-5 values written out in full.

    Over less than a few decades plotly writes the digits between powers of ten as bare digits, so a constant
    condition number of 10 read "4 3 2" above "10" and "9 8 7 ... 3" below it.
    """
    axis = {"type": "log", "range": y_range}
    if y_range[1] - y_range[0] < NARROW_LOG_SPAN:
        decades = range(math.floor(y_range[0]) - 1, math.ceil(y_range[1]) + 1)
        for mantissas in ((1, 2, 5), range(1, 10)):  # 1-2-5, or every digit on a very narrow axis
            ticks = [m * 10.0 ** d for d in decades for m in mantissas
                     if y_range[0] <= math.log10(m * 10.0 ** d) <= y_range[1]]
            if len(ticks) >= 3:
                break
        axis.update(tickmode="array", tickvals=ticks, ticktext=[_tick_text(t) for t in ticks])
    return axis


def _tick_text(value: float) -> str:
    """3 significant digits, exponents without '+' or leading zeros: 20, 0.005, 2e5, 8e-10."""
    return f"{value:.3g}".replace("e+", "e").replace("e0", "e").replace("e-0", "e-")


def linear_axis_range(values, pad: float = 0.06) -> list[float]:
    """[lo, hi] covering the finite values, padded, then widened to a multiple of a 1-2-5 step of about a tenth
    of the span (still axes while a slider moves the curves, as log_axis_range)."""
    values = np.asarray(values, float).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return [0.0, 1.0]
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    step = nice_step((hi - lo) / 10)
    return [float(f"{math.floor(lo / step) * step:.12g}"), float(f"{math.ceil(hi / step) * step:.12g}")]


def nice_step(rough: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `rough` (> 0)."""
    power = 10.0 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough * (1 - 1e-12))


class Panel(NamedTuple):
    """A side curve: its title, the series per trajectory, whether its y axis is logarithmic."""

    title: str
    series: object  # Callable[[Trajectory], np.ndarray] of length n_rows
    log: bool


def at_row(values: np.ndarray, row: int) -> float:
    row = min(row, len(values) - 1)
    return float(values[row])


def _colours(paths: list[PathView]) -> list[str]:
    return [colour(p.slot) for p in paths]


def cursor_traces(k: int, ys: list[float], colours: list[str], cursor_y: list[float]) -> list[dict]:
    """A vertical step line and one dot per path at step k."""
    return [
        dict(type="scatter", x=[k, k], y=cursor_y, mode="lines", showlegend=False,
             line=dict(color="#777777", width=1, dash="dot"), hoverinfo="skip"),
        dict(type="scatter", x=[k] * len(ys), y=ys, mode="markers", showlegend=False,
             hoverinfo="skip", marker=dict(color=colours, size=9, line=dict(color="white", width=1))),
    ]


def add_panel(spec: FigureSpec, panel: Panel, paths: list[PathView], row: int, col: int, n_rows: int,
              frames: np.ndarray, dash: str = "solid") -> tuple[list[int], Callable[[int], list[dict]]]:
    """Static curves of one panel plus its animated cursor (a dot per path and a vertical line).

    Returns (animated trace indices, the traces for those indices at a row), for join_panel.
    """
    all_values = [np.asarray(panel.series(p.traj), float) for p in paths]
    joined = np.concatenate(all_values) if all_values else np.array([])
    use_log = panel.log and log_axis_range(joined) is not None
    steps = np.arange(n_rows)
    for path, values in zip(paths, all_values):
        shown = np.where(values > 0, values, np.nan) if use_log else values
        spec.add(dict(type="scatter", x=steps[:len(shown)], y=shown, mode="lines", name=path.label,
                      legendgroup=path.label, showlegend=False,
                      line=dict(color=colour(path.slot), width=2, dash=dash),
                      hovertemplate=f"{path.label}<br>step %{{x}}<br>{panel.title} %{{y:.4g}}<extra></extra>"),
                 row, col)
    if use_log:
        y_range = log_axis_range(joined)
        spec.axis("y", row, col).update(log_axis(y_range))
        cursor_y = [10 ** y_range[0], 10 ** y_range[1]]
    else:
        y_range = linear_axis_range(joined)
        spec.axis("y", row, col).update(range=y_range)
        cursor_y = y_range
    spec.axis("x", row, col).update(range=[0, max(n_rows - 1, 1)])

    def at(k):
        ys = [at_row(v, k) for v in all_values]
        return [y if (y > 0 or not use_log) and math.isfinite(y) else None for y in ys]

    return _add_cursor(spec, row, col, frames, lambda k: cursor_traces(k, at(k), _colours(paths), cursor_y))


class FrameTraces(Frames):
    """The animated traces of each playback frame (one frame per row in `rows`), made when a frame is first
    read: the figure shows one frame at once, and the rest are read only when the frames are sent, after the
    chart (dashboard/show.py). make(row) gives a frame's first traces; add() appends a panel's, edit()
    changes the traces made so far, in that order, for every frame, made or not."""

    def __init__(self, rows, make: Callable[[int], list[dict]]):
        self._rows = [int(k) for k in rows]
        self._steps: list[tuple[str, Callable]] = [("add", make)]
        super().__init__([str(k) for k in self._rows], self._traces_at)

    def _traces_at(self, index: int) -> list[dict]:
        traces: list[dict] = []
        for kind, step in self._steps:
            self._apply(kind, step, index, traces)
        return traces

    def _apply(self, kind: str, step: Callable, index: int, traces: list[dict]) -> None:
        if kind == "add":
            traces += step(self._rows[index])
        else:
            step(traces)

    def add(self, make: Callable[[int], list[dict]]) -> None:
        self._then("add", make)

    def edit(self, change: Callable[[list[dict]], None]) -> None:
        self._then("edit", change)

    def _then(self, kind: str, step: Callable) -> None:
        self._steps.append((kind, step))
        for index, traces in self._made.items():
            self._apply(kind, step, index, traces)


def _add_cursor(spec: FigureSpec, row: int, col: int, frames: np.ndarray, make: Callable[[int], list[dict]]
                ) -> tuple[list[int], Callable[[int], list[dict]]]:
    """Add the last frame's cursor traces to a subplot; returns their indices and make (a frame's traces)."""
    return [spec.add(trace, row, col) for trace in make(int(frames[-1]))], make


def join_panel(animated: list[int], per_frame: FrameTraces,
               panel: tuple[list[int], Callable[[int], list[dict]]]) -> list[int]:
    """Add a panel's (animated indices, its traces at a row), as add_panel returns them, to the figure's own
    animated indices and frames that add_playback takes; returns the panel's indices."""
    indices, make = panel
    animated += indices
    per_frame.add(make)
    return indices


def loss_change(traj: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """(actual f(θ_{k+1}) − f(θ_k), first-order prediction ∇f(θ_k)·Δθ_k) for each row (NaN on the last).

    For plain gradient descent Δθ = −η∇f, so the prediction is −η‖∇f‖²; where actual and predicted part,
    the step is too long for the linear model of the loss.
    """
    actual = np.full(len(traj.loss), np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        actual[:-1] = traj.loss[1:] - traj.loss[:-1]
        predicted = np.einsum("ij,ij->i", traj.grad, traj.update)
    predicted[-1] = np.nan
    moved = np.linalg.norm(traj.update, axis=1) > 0
    return np.where(moved, actual, np.nan), np.where(moved, predicted, np.nan)


def add_loss_change_panel(spec: FigureSpec, paths: list[PathView], row: int, col: int, n_rows: int,
                          frames: np.ndarray) -> tuple[list[int], Callable[[int], list[dict]]]:
    """Decrease of the loss per step, actual (solid) against first-order prediction (dashed), log scale.

    Steps where the loss rose are marked with an x at the size of the rise.
    """
    steps = np.arange(n_rows)
    decreases = []
    for path in paths:
        actual, predicted = loss_change(path.traj)
        decreases.append(-actual)
        rose = actual > 0
        colour_ = colour(path.slot)
        spec.add(dict(type="scatter", x=steps, y=np.where(-actual > 0, -actual, np.nan), mode="lines",
                      line=dict(color=colour_, width=2), showlegend=False, legendgroup=path.label,
                      hovertemplate=f"{path.label}<br>step %{{x}}<br>actual decrease %{{y:.3g}}<extra></extra>"),
                 row, col)
        spec.add(dict(type="scatter", x=steps, y=np.where(-predicted > 0, -predicted, np.nan), mode="lines",
                      line=dict(color=colour_, width=2, dash="dash"), showlegend=False, legendgroup=path.label,
                      hovertemplate=f"{path.label}<br>step %{{x}}<br>predicted −∇f·Δθ %{{y:.3g}}<extra></extra>"),
                 row, col)
        if np.any(rose):
            spec.add(dict(type="scatter", x=steps[rose], y=actual[rose], mode="markers", showlegend=False,
                          marker=dict(color=colour_, symbol="x", size=8), legendgroup=path.label,
                          hovertemplate=f"{path.label}<br>step %{{x}}<br>loss rose by %{{y:.3g}}<extra></extra>"),
                     row, col)
    every = np.abs(np.concatenate(decreases)) if decreases else np.array([])
    y_range = log_axis_range(every) or [-1.0, 0.0]
    spec.axis("y", row, col).update(log_axis(y_range))
    spec.axis("x", row, col).update(range=[0, max(n_rows - 1, 1)])
    cursor_y = [10 ** y_range[0], 10 ** y_range[1]]

    def at(k):
        ys = [abs(at_row(d, k)) for d in decreases]
        return [y if y > 0 and math.isfinite(y) else None for y in ys]

    return _add_cursor(spec, row, col, frames, lambda k: cursor_traces(k, at(k), _colours(paths), cursor_y))


MOVING_KEYS = ("x", "y", "text")


def _moving_part(trace) -> dict:
    """Only what changes between frames: plotly.animate merges a frame's traces into the existing ones,
    so styles set on the base trace need not travel again (frames shrink several-fold)."""
    trace = trace if isinstance(trace, dict) else trace.to_plotly_json()
    moving = {key: trace[key] for key in MOVING_KEYS if key in trace}
    marker = trace.get("marker") or {}
    arrays = {key: marker[key] for key in ("size", "color") if isinstance(marker.get(key), (list, tuple))}
    if arrays:
        moving["marker"] = arrays
    return moving


def add_playback(spec: FigureSpec, frames: np.ndarray, animated: list[int],
                 frame_data: FrameTraces | list[list], speed: str = "normal") -> FigureSpec:
    """Attach frames (only the `animated` traces, no redraw) plus play/pause/resume buttons and a step slider.

    The figure opens on the last frame, so a still image shows each whole path; Play starts at step 0.
    Frames carry only x, y, text and marker arrays, and are made when read (spec.Frames).
    """
    if len(frame_data) != len(frames):
        raise ValueError("one list of traces per frame is needed")
    if speed not in SPEEDS_MS:
        raise ValueError(f"speed must be one of {', '.join(SPEEDS_MS)}, got {speed!r}")
    duration = SPEEDS_MS[speed]
    names, animated = [str(int(k)) for k in frames], list(animated)
    made = Frames(names, lambda i: dict(name=names[i], data=[_moving_part(trace) for trace in frame_data[i]],
                                        traces=animated))
    spec.frames = made if isinstance(spec, FigureSpec) else list(made)  # a go.Figure takes a list
    play = {"frame": {"duration": duration, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    spec.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=-0.07, xanchor="left", yanchor="top", showactive=False,
            pad=dict(r=6, t=0),
            buttons=[
                dict(label="▶ Play", method="animate", args=[None, {**play, "fromcurrent": False}]),
                dict(label="❚❚ Pause", method="animate", args=[[None], still]),
                dict(label="▷ Resume", method="animate", args=[None, {**play, "fromcurrent": True}]),
            ],
        )],
        sliders=[dict(
            active=len(frames) - 1, x=0.22, y=-0.07, len=0.78, xanchor="left", yanchor="top", pad=dict(t=0, b=0),
            currentvalue=dict(prefix="step ", visible=True, xanchor="right", font=dict(size=13)),
            steps=[dict(label=str(int(k)), method="animate", args=[[str(int(k))], still]) for k in frames],
        )],
    )
    return spec
