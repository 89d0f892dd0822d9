"""Figures of stochastic gradients: a fan of seeds with its mean path and noise floor, full batch beside
minibatch, noise leaving a saddle, and training against held-out loss with an early-stopping marker.

Pure functions of numpy arrays and a SurfaceGrid that return go.Figure.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.engine import SurfaceGrid
from dashboard.figures.curves import log_axis, log_axis_range
from dashboard.figures.landscape import CriticalMark, contour_trace, critical_traces
from dashboard.figures.style import base_layout, colour

FAINT = 0.35


class Run(NamedTuple):
    """One drawn run: label, colour slot, path (n, 2) and loss (n,)."""

    label: str
    slot: int
    xy: np.ndarray
    loss: np.ndarray


def _contour(fig, grid, domain, row, col, log_contours, critical):
    fig.add_trace(contour_trace(grid, log_contours), row=row, col=col)
    for trace in critical_traces(list(critical)):
        fig.add_trace({**trace, "showlegend": False}, row=row, col=col)
    (x0, x1), (y0, y1) = domain
    fig.update_xaxes(range=[x0, x1], constrain="domain", title_text="x", row=row, col=col)
    anchor = fig.get_subplot(row, col).xaxis.plotly_name.replace("axis", "")
    fig.update_yaxes(range=[y0, y1], scaleanchor=anchor, scaleratio=1, constrain="domain", title_text="y",
                     row=row, col=col)


def _path(fig, run: Run, row, col, *, width=2.5, opacity=1.0, dash="solid", legend=True, group=None):
    fig.add_trace(go.Scatter(x=run.xy[:, 0], y=run.xy[:, 1], mode="lines", name=run.label, opacity=opacity,
                             legendgroup=group or run.label, showlegend=legend,
                             line=dict(color=colour(run.slot), width=width, dash=dash),
                             hovertemplate=f"{run.label}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>"),
                  row=row, col=col)
    fig.add_trace(go.Scatter(x=[run.xy[0, 0]], y=[run.xy[0, 1]], mode="markers", showlegend=False, hoverinfo="skip",
                             marker=dict(symbol="circle-open", size=11, color=colour(run.slot), line=dict(width=2))),
                  row=row, col=col)


def _loss(fig, run: Run, row, col, *, width=2.5, opacity=1.0, dash="solid", group=None):
    loss = np.asarray(run.loss, float)
    fig.add_trace(go.Scatter(x=np.arange(len(loss)), y=loss, mode="lines", name=run.label, opacity=opacity,
                             legendgroup=group or run.label, showlegend=False,
                             line=dict(color=colour(run.slot), width=width, dash=dash),
                             hovertemplate=f"{run.label}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>"),
                  row=row, col=col)


def _loss_axis(fig, losses, row, col, log: bool):
    joined = np.concatenate([np.asarray(v, float).ravel() for v in losses]) if losses else np.array([])
    y_range = log_axis_range(joined, floor_ratio=1e-12) if log else None
    if log and y_range is not None:
        fig.update_yaxes(log_axis(y_range), row=row, col=col)
    fig.update_xaxes(title_text="step", row=row, col=col)


def seed_fan_figure(seeds: list[Run], mean_xy: np.ndarray, grid: SurfaceGrid, domain, *, full_batch: Run | None = None,
                    floor: tuple[float, float, int] | None = None, log_loss: bool = False,
                    log_contours: bool = False, critical: list[CriticalMark] = (), present: bool = False,
                    height: int = 560) -> go.Figure:
    """Seeds' paths (faint) and their mean path (bold) on the contour; their losses beside, with the
    noise floor (level ± spread from step first_step on) as a band and the full-batch run dashed."""
    if not seeds:
        raise ValueError("seed_fan_figure needs at least one run")
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=("paths", "loss"))
    _contour(fig, grid, domain, 1, 1, log_contours, critical)
    for i, run in enumerate(seeds):
        _path(fig, run, 1, 1, width=1.2, opacity=FAINT, legend=i == 0, group="seeds")
        _loss(fig, run, 1, 2, width=1.2, opacity=FAINT, group="seeds")
    mean = Run(f"mean of {len(seeds)} seeds", seeds[0].slot, np.asarray(mean_xy, float), np.array([]))
    fig.add_trace(go.Scatter(x=mean.xy[:, 0], y=mean.xy[:, 1], mode="lines", name=mean.label,
                             line=dict(color="#111111", width=3.5), hovertemplate="mean path<br>(%{x:.3f}, %{y:.3f})<extra></extra>"),
                  row=1, col=1)
    losses = [r.loss for r in seeds]
    if full_batch is not None:
        _path(fig, full_batch, 1, 1, width=2.5, dash="dash")
        _loss(fig, full_batch, 1, 2, width=2.5, dash="dash")
        losses.append(full_batch.loss)
    if floor is not None and np.isfinite(floor[0]):
        level, spread, first = floor
        n = max(len(r.loss) for r in seeds)
        fig.add_trace(go.Scatter(x=[first, n - 1, n - 1, first, first],
                                 y=[level - spread, level - spread, level + spread, level + spread, level - spread],
                                 fill="toself", mode="lines", line=dict(width=0), fillcolor="rgba(213, 94, 0, 0.15)",
                                 name="noise floor ± spread", hoverinfo="skip"), row=1, col=2)
        fig.add_trace(go.Scatter(x=[first, n - 1], y=[level, level], mode="lines", name=f"noise floor {level:.4g}",
                                 line=dict(color=colour(1), width=2.5)), row=1, col=2)
    _loss_axis(fig, losses, 1, 2, log_loss)
    base_layout(fig, present=present, height=height)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0.0), margin=dict(t=80))
    return fig


def side_by_side_figure(left: Run, right: Run, grid: SurfaceGrid, domain, *, log_contours: bool = False,
                        critical: list[CriticalMark] = (), present: bool = False, height: int = 520) -> go.Figure:
    """Two runs on two copies of the contour (full batch | minibatch), same axes, for a fair look."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=(left.label, right.label))
    for col, run in ((1, left), (2, right)):
        _contour(fig, grid, domain, 1, col, log_contours, critical)
        _path(fig, run, 1, col)
        fig.add_trace(go.Scatter(x=run.xy[:, 0], y=run.xy[:, 1], mode="markers", showlegend=False,
                                 marker=dict(size=4, color=colour(run.slot)), hoverinfo="skip"), row=1, col=col)
    base_layout(fig, present=present, height=height)
    fig.update_layout(showlegend=False)
    return fig


def saddle_escape_figure(still: Run, noisy: list[Run], grid: SurfaceGrid, domain, *, critical: list[CriticalMark] = (),
                         present: bool = False, height: int = 520) -> go.Figure:
    """The noiseless run (dashed) stalling at the saddle beside noisy runs leaving it; losses on the right."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=("paths", "loss"))
    _contour(fig, grid, domain, 1, 1, False, critical)
    _path(fig, still, 1, 1, width=3, dash="dash")
    _loss(fig, still, 1, 2, width=3, dash="dash")
    for i, run in enumerate(noisy):
        _path(fig, run, 1, 1, width=1.5, opacity=0.7, legend=i == 0, group="noisy")
        _loss(fig, run, 1, 2, width=1.5, opacity=0.7, group="noisy")
    fig.update_xaxes(title_text="step", row=1, col=2)
    base_layout(fig, present=present, height=height)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0.0), margin=dict(t=80))
    return fig


def holdout_figure(train: np.ndarray, heldout: np.ndarray, best_step: int, stop_step: int | None, *,
                   log_loss: bool = True, present: bool = False, height: int = 440) -> go.Figure:
    """Training and held-out loss against step, the best held-out step starred and the stop step marked."""
    train, heldout = np.asarray(train, float), np.asarray(heldout, float)
    if train.shape != heldout.shape or train.ndim != 1 or not 0 <= best_step < len(train):
        raise ValueError("train and held-out losses must be 1-D of one length, best_step inside them")
    steps = np.arange(len(train))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps, y=train, mode="lines", name="training loss (full batch)",
                             line=dict(color=colour(0), width=2.5)))
    fig.add_trace(go.Scatter(x=steps, y=heldout, mode="lines", name="held-out loss",
                             line=dict(color=colour(1), width=2.5)))
    fig.add_trace(go.Scatter(x=[best_step], y=[heldout[best_step]], mode="markers", name=f"best held-out, step {best_step}",
                             marker=dict(symbol="star", size=16, color=colour(2), line=dict(color="black", width=1))))
    if stop_step is not None:
        fig.add_vline(x=stop_step, line=dict(color=colour(2), width=2, dash="dash"))
        fig.add_trace(go.Scatter(x=[stop_step], y=[heldout[stop_step]], mode="markers",
                                 name=f"early stop, step {stop_step}",
                                 marker=dict(symbol="x", size=14, color=colour(2))))
    if log_loss:
        y_range = log_axis_range(np.concatenate([train, heldout]), floor_ratio=1e-12)
        fig.update_yaxes(log_axis(y_range) if y_range else {"type": "log"})
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="loss")
    base_layout(fig, present=present, height=height)
    return fig
