"""Figures of learning-rate sweeps: outcome heatmaps with theory's boundary, the momentum rate map, a fan
of loss curves across learning rates, basins of attraction and the learning-rate range test.

Pure functions of numpy arrays that return go.Figure; no optimisation happens here.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from dashboard.engine import SurfaceGrid
from dashboard.figures.curves import log_axis, log_axis_range
from dashboard.figures.landscape import CriticalMark, contour_values, critical_traces
from dashboard.figures.style import PALETTE, TEMPLATE, base_layout, colour

DIVERGED_COLOUR = "#b0b0b0"
NO_BASIN_COLOUR = "#dddddd"
METRICS = {"final_loss": "final loss (log₁₀)", "steps_to_converge": "steps to converge"}


class Boundary(NamedTuple):
    """A theoretical curve to draw over a heatmap: x values (lr) against y values (second parameter)."""

    x: np.ndarray
    y: np.ndarray
    label: str


def _check_grid(x, y, z):
    x, y, z = np.asarray(x, float), np.asarray(y, float), np.asarray(z, float)
    if z.shape != (len(y), len(x)):
        raise ValueError(f"z must have shape (len(y), len(x)) = {(len(y), len(x))}, got {z.shape}")
    return x, y, z


def sweep_heatmap(x, y, z, *, x_name: str, y_name: str, metric: str, diverged=None, log_x: bool = True,
                  boundaries: list[Boundary] = (), present: bool = False, height: int = 520) -> go.Figure:
    """Outcome of every (x, y) run: log10 of the final loss, or steps to converge (never: blank).

    `diverged` (same shape as z, bool) marks runs that blew up; they are drawn grey, not as a colour.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    x, y, z = _check_grid(x, y, z)
    diverged = np.zeros(z.shape, bool) if diverged is None else np.asarray(diverged, bool)
    if diverged.shape != z.shape:
        raise ValueError("diverged must have the shape of z")
    if metric == "final_loss":
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.log10(np.abs(z) + 1e-300) if np.all(z[np.isfinite(z)] >= 0) else z
        hover = "final loss %{customdata:.3g}"
    else:
        shown = np.where(z >= 0, z, np.nan)
        hover = "steps %{customdata:.0f}"
    shown = np.where(diverged | ~np.isfinite(shown), np.nan, shown)
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Heatmap(x=x, y=y, z=shown, customdata=z, colorscale="Viridis", name=METRICS[metric],
                             colorbar=dict(title=dict(text=METRICS[metric], side="right")),
                             hovertemplate=f"{x_name} %{{x:.4g}}<br>{y_name} %{{y:.4g}}<br>{hover}<extra></extra>"))
    if np.any(diverged):
        fig.add_trace(go.Heatmap(x=x, y=y, z=np.where(diverged, 1.0, np.nan), showscale=False, name="diverged",
                                 colorscale=[[0, DIVERGED_COLOUR], [1, DIVERGED_COLOUR]],
                                 hovertemplate=f"{x_name} %{{x:.4g}}<br>{y_name} %{{y:.4g}}<br>diverged<extra></extra>"))
    for i, boundary in enumerate(boundaries):
        fig.add_trace(go.Scatter(x=boundary.x, y=boundary.y, mode="lines", name=boundary.label,
                                 line=dict(color="#ffffff" if i == 0 else PALETTE[1], width=3, dash="dash"),
                                 hovertemplate=f"{boundary.label}<br>{x_name} %{{x:.4g}}<br>{y_name} %{{y:.4g}}<extra></extra>"))
    fig.update_xaxes(title_text=x_name, type="log" if log_x else "linear", range=_range(x, log_x))
    fig.update_yaxes(title_text=y_name, range=_range(y, False))
    base_layout(fig, present=present, height=height)
    return fig


def _range(values, log: bool) -> list[float]:
    """The axis range covering a heatmap's cells (half a cell beyond the outer centres)."""
    v = np.log10(values) if log else np.asarray(values, float)
    half = 0.5 * (v[1] - v[0]) if len(v) > 1 else 0.5
    return [float(v[0] - half), float(v[-1] + half)]


def rate_map_figure(lr, beta, rate, *, boundaries: list[Boundary] = (), log_x: bool = True, present: bool = False,
                    height: int = 520) -> go.Figure:
    """Theory's linear convergence rate ρ(η, β) of heavy ball on a quadratic: error shrinks like ρ^t.

    ρ ≥ 1 (no convergence) is drawn grey; the colour is log10 ρ's magnitude as steps per decade.
    """
    lr, beta, rate = _check_grid(lr, beta, rate)
    stable = rate < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        per_decade = np.where(stable, -1.0 / np.log10(np.where(stable, rate, 0.5)), np.nan)
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Heatmap(x=lr, y=beta, z=np.log10(per_decade), customdata=rate, colorscale="Viridis_r",
                             name="steps per decade",
                             colorbar=dict(title=dict(text="log₁₀ steps per decade of error", side="right")),
                             hovertemplate="η %{x:.4g}<br>β %{y:.3f}<br>ρ %{customdata:.4f}<extra></extra>"))
    if np.any(~stable):
        fig.add_trace(go.Heatmap(x=lr, y=beta, z=np.where(stable, np.nan, 1.0), showscale=False, name="ρ ≥ 1",
                                 colorscale=[[0, DIVERGED_COLOUR], [1, DIVERGED_COLOUR]],
                                 hovertemplate="η %{x:.4g}<br>β %{y:.3f}<br>ρ ≥ 1: no convergence<extra></extra>"))
    for i, boundary in enumerate(boundaries):
        fig.add_trace(go.Scatter(x=boundary.x, y=boundary.y, mode="lines", name=boundary.label,
                                 line=dict(color="#ffffff" if i == 0 else PALETTE[1], width=3, dash="dash")))
    fig.update_xaxes(title_text="learning rate η", type="log" if log_x else "linear", range=_range(lr, log_x))
    fig.update_yaxes(title_text="momentum β", range=_range(beta, False))
    base_layout(fig, present=present, height=height)
    return fig


class FanCurve(NamedTuple):
    label: str
    slot: int
    loss: np.ndarray


def loss_fan_figure(curves: list[FanCurve], *, present: bool = False, height: int = 420) -> go.Figure:
    """Loss against step for several learning rates on one log axis (a diverged curve stops where it blew up)."""
    if not curves:
        raise ValueError("loss_fan_figure needs at least one curve")
    fig = go.Figure(layout=dict(template=TEMPLATE))
    every = []
    for curve in curves:
        loss = np.asarray(curve.loss, float)
        shown = np.where(np.isfinite(loss) & (loss > 0), loss, np.nan)
        every.append(shown)
        fig.add_trace(go.Scatter(x=np.arange(len(loss)), y=shown, mode="lines", name=curve.label,
                                 line=dict(color=colour(curve.slot), width=2.5),
                                 hovertemplate=f"{curve.label}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>"))
    y_range = log_axis_range(np.concatenate(every), floor_ratio=1e-16)
    fig.update_yaxes(log_axis(y_range) if y_range else {"type": "log"}, title_text="loss f")
    fig.update_xaxes(title_text="step")
    base_layout(fig, present=present, height=height)
    return fig


def basins_figure(xs, ys, labels, minima, grid: SurfaceGrid, *, log_contours: bool = False,
                  critical: list[CriticalMark] = (), present: bool = False, height: int = 560) -> go.Figure:
    """Each start point coloured by the minimum its run ended at (label i: minima[i]; -1: none of them).

    The surface's contour lines are drawn over the colours; minima are starred.
    """
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    labels = np.asarray(labels)
    minima = np.asarray(minima, float).reshape(-1, 2)
    if labels.shape != (len(ys), len(xs)):
        raise ValueError(f"labels must have shape (len(ys), len(xs)) = {(len(ys), len(xs))}, got {labels.shape}")
    if labels.size and (labels.max() >= len(minima) or labels.min() < -1):
        raise ValueError("labels must be -1 or the index of a minimum")
    n = len(minima)
    # A discrete colour scale: value i (0..n) -> band i; band 0 is "no minimum".
    colours = [NO_BASIN_COLOUR] + [colour(i) for i in range(n)]
    scale = []
    for i, c in enumerate(colours):
        scale += [[i / len(colours), c], [(i + 1) / len(colours), c]]
    text = np.where(labels >= 0, np.char.add("minimum ", (labels + 1).astype(str)), "no minimum reached")
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Heatmap(x=xs, y=ys, z=labels + 1, zmin=-0.5, zmax=len(colours) - 0.5, colorscale=scale,
                             showscale=False, text=text, name="basins",
                             hovertemplate="start (%{x:.3g}, %{y:.3g})<br>%{text}<extra></extra>"))
    fig.add_trace(go.Contour(x=grid.x, y=grid.y, z=contour_values(grid, log_contours), ncontours=24, showscale=False,
                             contours=dict(coloring="none"), line=dict(color="rgba(0,0,0,0.35)", width=1),
                             hoverinfo="skip", name="surface", showlegend=False))
    for i, (mx, my) in enumerate(minima):
        fig.add_trace(go.Scatter(x=[mx], y=[my], mode="markers+text", name=f"minimum {i + 1}",
                                 text=[str(i + 1)], textposition="top center",
                                 marker=dict(symbol="star", size=18, color=colour(i), line=dict(color="black", width=1.5)),
                                 hovertemplate=f"minimum {i + 1}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
    others = [m for m in critical if m.kind != "minimum"]
    for trace in critical_traces(others):
        fig.add_trace(trace)
    fig.update_xaxes(title_text="start x", range=[float(xs[0]), float(xs[-1])], constrain="domain")
    fig.update_yaxes(title_text="start y", range=[float(ys[0]), float(ys[-1])], scaleanchor="x", scaleratio=1,
                     constrain="domain")
    base_layout(fig, present=present, height=height)
    return fig


def range_test_figure(lr, loss, suggested_lr: float | None, *, steepest_lr: float | None = None,
                      present: bool = False, height: int = 420) -> go.Figure:
    """Loss against the learning rate that produced it, on log axes, with the suggested rate marked."""
    lr, loss = np.asarray(lr, float), np.asarray(loss, float)
    if lr.shape != loss.shape or lr.ndim != 1 or lr.size == 0:
        raise ValueError("lr and loss must be 1-D arrays of one non-zero length")
    fig = go.Figure(layout=dict(template=TEMPLATE))
    shown = np.where(np.isfinite(loss) & (loss > 0), loss, np.nan)
    fig.add_trace(go.Scatter(x=lr, y=shown, mode="lines", name="loss after the step at η",
                             line=dict(color=colour(0), width=2.5),
                             hovertemplate="η %{x:.4g}<br>loss %{y:.4g}<extra></extra>"))
    if steepest_lr is not None:
        fig.add_vline(x=steepest_lr, line=dict(color=colour(2), width=2, dash="dot"))
        fig.add_trace(go.Scatter(x=[steepest_lr], y=[float(np.interp(np.log(steepest_lr), np.log(lr), shown))],
                                 mode="markers", name=f"steepest descent η = {steepest_lr:.3g}",
                                 marker=dict(color=colour(2), size=12, symbol="diamond")))
    if suggested_lr is not None:
        fig.add_vline(x=suggested_lr, line=dict(color=colour(1), width=3, dash="dash"))
        fig.add_trace(go.Scatter(x=[suggested_lr], y=[float(np.interp(np.log(suggested_lr), np.log(lr), shown))],
                                 mode="markers", name=f"suggested η = {suggested_lr:.3g}",
                                 marker=dict(color=colour(1), size=14, symbol="star")))
    fig.update_xaxes(type="log", title_text="learning rate η (grows each step)")
    y_range = log_axis_range(shown, floor_ratio=1e-16)
    fig.update_yaxes(log_axis(y_range) if y_range else {"type": "log"}, title_text="loss f")
    base_layout(fig, present=present, height=height)
    return fig
