"""Figures of learning-rate schedules: lr(t) and momentum(t) curves, and schedules compared on one surface.

Pure functions of numpy data (schedule values, Trajectories, a SurfaceGrid) that return go.Figure.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.engine import SurfaceGrid
from dashboard.figures.curves import FrameTraces, Panel, PathView, add_panel, add_playback, frame_rows, join_panel
from dashboard.figures.landscape import (CriticalMark, add_surface, critical_traces,
                                         equal_scale_axes, path_frame, static_path_traces)
from dashboard.figures.polyline import kept_rows
from dashboard.figures.spec import FigureSpec
from dashboard.figures.style import base_layout, colour, house_layout, spec_figure

WARMUP_FILL = "rgba(230, 159, 0, 0.12)"  # the palette's orange, faint: the warmup span behind the curves


class ScheduleCurve(NamedTuple):
    """One schedule as drawn: label, colour slot, lr per update and momentum per update (NaN: not cycled)."""

    label: str
    slot: int
    lr: np.ndarray
    momentum: np.ndarray
    warmup: int = 0


def has_momentum(curves) -> bool:
    """True when any schedule drives the momentum (one-cycle, cyclic), so a momentum panel is worth drawing."""
    return any(np.any(np.isfinite(np.asarray(c.momentum, float))) for c in curves)


def schedule_figure(curves: list[ScheduleCurve], *, log_y: bool = False, present: bool = False,
                    height: int = 420) -> go.Figure:
    """lr(t) of each schedule (and momentum(t) below when a schedule cycles it); warmups shaded."""
    if not curves:
        raise ValueError("schedule_figure needs at least one schedule")
    for curve in curves:
        if len(curve.lr) == 0 or len(curve.lr) != len(curve.momentum):
            raise ValueError(f"{curve.label}: lr and momentum need the same, non-zero length")
    momentum = has_momentum(curves)
    rows = 2 if momentum else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("learning rate η_t",) + (("momentum μ_t (β₁ for Adam)",) if momentum else ()))
    for curve in curves:
        t = np.arange(len(curve.lr))
        lr = np.asarray(curve.lr, float)
        fig.add_trace(go.Scatter(x=t, y=np.where(lr > 0, lr, np.nan) if log_y else lr, mode="lines",
                                 name=curve.label, legendgroup=curve.label,
                                 line=dict(color=colour(curve.slot), width=2.5, shape="hv"),
                                 hovertemplate=f"{curve.label}<br>t %{{x}}<br>η %{{y:.4g}}<extra></extra>"),
                      row=1, col=1)
        if momentum and np.any(np.isfinite(curve.momentum)):
            fig.add_trace(go.Scatter(x=t, y=np.asarray(curve.momentum, float), mode="lines", name=curve.label,
                                     legendgroup=curve.label, showlegend=False,
                                     line=dict(color=colour(curve.slot), width=2.5, dash="dot", shape="hv"),
                                     hovertemplate=f"{curve.label}<br>t %{{x}}<br>μ %{{y:.4g}}<extra></extra>"),
                          row=2, col=1)
    for curve in curves:
        if curve.warmup > 0:
            fig.add_vrect(x0=-0.5, x1=curve.warmup - 0.5, fillcolor=WARMUP_FILL, line_width=0, layer="below",
                          row="all", col=1)
    if any(c.warmup > 0 for c in curves):
        fig.add_annotation(text="shaded: linear warmup", xref="paper", yref="paper", x=1.0, y=1.0,
                           xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=12, color="#444444"))
    if log_y:
        fig.update_yaxes(type="log", row=1, col=1)
    fig.update_xaxes(title_text="update t", row=rows, col=1)
    base_layout(fig, present=present, height=height if rows == 1 else int(height * 1.45))
    fig.update_layout(hovermode="x unified")
    return fig


def schedule_comparison_spec(paths: list[PathView], grid: SurfaceGrid, domain, *, log_contours: bool = False,
                             critical: list[CriticalMark] = (), speed: str = "normal", present: bool = False,
                             height: int = 640) -> FigureSpec:
    """Paths on the contour (left), loss and lr per step (right), one playback control for all three.

    Used both to compare schedules and to show a run failing without warmup beside the one rescued by it.
    """
    if not paths:
        raise ValueError("schedule_comparison_figure needs at least one path")
    n_rows = max(len(p.traj.loss) for p in paths)
    frames = frame_rows(n_rows)
    spec = spec_figure(rows=2, cols=2, specs=[[{"rowspan": 2}, {}], [None, {}]], column_widths=[0.52, 0.48],
                       horizontal_spacing=0.09, vertical_spacing=0.12,
                       subplot_titles=["", "loss f (log)", "learning rate η_t"])
    (x0, x1), (y0, y1) = domain
    add_surface(spec, grid, log_contours)
    for path in paths:
        spec.add(static_path_traces(path)[0])
    for trace in critical_traces(list(critical)):
        spec.add(trace)
    kept = [kept_rows(p.traj.xy, max(x1 - x0, y1 - y0)) for p in paths]
    per_frame = FrameTraces(frames, lambda k: path_frame(paths, k, 1.0, False, kept))
    animated = [spec.add(trace) for trace in per_frame[-1]]
    # lr of the last row is that of an update never taken: drop it so the curve ends where the path does.
    panels = ((Panel("loss", lambda t: t.loss, log=True), 1),
              (Panel("η", lambda t: np.append(t.lr[:-1], np.nan), log=False), 2))
    for panel, row in panels:
        join_panel(animated, per_frame, add_panel(spec, panel, paths, row, 2, n_rows, frames))
    equal_scale_axes(spec, domain)
    spec.axis("x", 2, 2)["title"] = dict(text="step")
    spec.update_layout(**house_layout(present=present, height=height))
    spec.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.04, x=0.0), margin=dict(t=70, b=110),
                       hovermode="closest", dragmode="pan")
    add_playback(spec, frames, animated, per_frame, speed)
    return spec


def schedule_comparison_figure(*args, **kwargs) -> go.Figure:
    """schedule_comparison_spec(...) as a go.Figure."""
    return schedule_comparison_spec(*args, **kwargs).figure()
