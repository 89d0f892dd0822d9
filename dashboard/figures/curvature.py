"""Curvature figures: Hessian eigenvalues along paths against stability lines, the local quadratic's ellipse
and eigenvectors at the current step, a map of curvature types, and Newton's step beside the gradient step."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.engine import SurfaceGrid
from dashboard.figures.curves import FrameTraces, Panel, PathView, add_panel, add_playback, frame_rows, join_panel
from dashboard.figures.landscape import (CriticalMark, add_surface, arrow_trace, contour_trace,
                                         critical_traces, equal_scale_axes, head_row, heads_trace,
                                         static_path_traces, trail_trace)
from dashboard.figures.polyline import kept_rows
from dashboard.figures.spec import FigureSpec
from dashboard.figures.style import TEMPLATE, base_layout, colour, house_layout, spec_figure
from dashboard.geometry import (CURVATURE_KINDS, condition_number, curvature_codes, eigen_axes, newton_step,
                                quadratic_ellipse)
from dashboard.summary import stability_bound

KIND_COLOURS = {"convex": "#cfe3f3", "saddle": "#f9dcc0", "concave": "#e6cfe0", "flat": "#e0e0e0"}


def stability_line(traj) -> np.ndarray | None:
    """Per step, the largest Hessian eigenvalue this rule tolerates at its scheduled rate: c/η_k with
    c = 2 (GD), 2 + 2β (heavy ball), 2(1+β)/(1+2β) (Nesterov); None for rules without a closed form."""
    unit = stability_bound(traj.config, 1.0)  # the bound on lr when λmax = 1 is the constant c
    if unit is None:
        return None
    with np.errstate(divide="ignore"):
        return unit.lr / np.asarray(traj.lr, float)


def condition_numbers(traj) -> np.ndarray:
    return np.array([condition_number(e) if np.all(np.isfinite(e)) else np.nan for e in traj.eigvals])


def _ellipse_trace(path: PathView, row: int, size: float) -> dict:
    r = head_row(path.traj, row)
    points = quadratic_ellipse(path.traj.xy[r], path.traj.eigvals[r], path.traj.eigvecs[r], size)
    return dict(type="scatter", x=points[:, 0], y=points[:, 1], mode="lines", showlegend=False, hoverinfo="skip",
                line=dict(color=colour(path.slot), width=2, dash="dash"))


def _eigen_arrows(paths: list[PathView], row: int, size: float) -> dict:
    origins, vectors, colours = [], [], []
    for path in paths:
        r = head_row(path.traj, row)
        for segment in eigen_axes(path.traj.xy[r], path.traj.eigvals[r], path.traj.eigvecs[r], size):
            origins.append(segment[0])
            vectors.append(segment[1] - segment[0])
            colours.append(colour(path.slot))
    return arrow_trace(origins, vectors, 1.0, colours, "solid", 1.5, "eigenvectors")


def curvature_spec(paths: list[PathView], grid: SurfaceGrid, domain, *, log_contours: bool = False,
                   critical: list[CriticalMark] = (), speed: str = "normal", present: bool = False,
                   height: int = 720) -> FigureSpec:
    """Left: paths with, at the current step, the local quadratic's level ellipse and eigenvector axes.
    Right: eigenvalues λmin (dashed) and λmax (solid) per step with each rule's stability line (dotted),
    and the condition number; one playback control moves all of it."""
    if not paths:
        raise ValueError("curvature_figure needs at least one path")
    n_rows = max(len(p.traj.loss) for p in paths)
    frames = frame_rows(n_rows)
    spec = spec_figure(rows=2, cols=2, specs=[[{"rowspan": 2}, {}], [None, {}]], column_widths=[0.52, 0.48],
                       horizontal_spacing=0.09, vertical_spacing=0.12,
                       subplot_titles=["", "Hessian eigenvalues: λmax — λmin - -, stability limit ···",
                                       "condition number |λ|max / |λ|min"])
    (x0, x1), (y0, y1) = domain
    size = 0.12 * max(x1 - x0, y1 - y0)
    add_surface(spec, grid, log_contours)
    for path in paths:
        spec.add(static_path_traces(path)[0])
    for trace in critical_traces(list(critical)):
        spec.add(trace)

    kept = [kept_rows(p.traj.xy, max(x1 - x0, y1 - y0)) for p in paths]

    def moving(k):
        return ([trail_trace(p, k, rows) for p, rows in zip(paths, kept)] + [_ellipse_trace(p, k, size) for p in paths]
                + [_eigen_arrows(paths, k, size), heads_trace(paths, k)])

    per_frame = FrameTraces(frames, moving)
    animated = [spec.add(trace) for trace in per_frame[-1]]

    # Eigenvalue panel: static curves and stability lines drawn here, cursor via add_panel on λmax.
    steps = np.arange(n_rows)
    bounds = []
    for path in paths:
        c = colour(path.slot)
        eig = path.traj.eigvals
        spec.add(dict(type="scatter", x=steps, y=eig[:, 0], mode="lines", line=dict(color=c, width=2, dash="dash"),
                      legendgroup=path.label, showlegend=False,
                      hovertemplate=f"{path.label}<br>step %{{x}}<br>λmin %{{y:.4g}}<extra></extra>"), 1, 2)
        line = stability_line(path.traj)
        if line is not None:
            bounds.append(line)
            spec.add(dict(type="scatter", x=steps, y=line, mode="lines", line=dict(color=c, width=2, dash="dot"),
                          legendgroup=path.label, showlegend=False,
                          hovertemplate=f"{path.label}<br>step %{{x}}<br>stable while λmax < %{{y:.4g}}"
                                        "<extra></extra>"), 1, 2)
    lambda_max = Panel("λmax", lambda t: t.eigvals[:, 1], log=False)
    indices = join_panel(animated, per_frame, add_panel(spec, lambda_max, paths, 1, 2, n_rows, frames))
    every = np.concatenate([p.traj.eigvals.ravel() for p in paths] + [b[np.isfinite(b)] for b in bounds])
    every = every[np.isfinite(every)]
    if every.size:
        lo, hi = float(min(every.min(), 0.0)), float(every.max())
        pad = 0.08 * (hi - lo if hi > lo else 1.0)
        spec.axis("y", 1, 2)["range"] = [lo - pad, hi + pad]
        # The cursor line added by add_panel spans the λmax range only: stretch it to the whole axis.
        spec.data[indices[0]]["y"] = [lo - pad, hi + pad]
        per_frame.edit(lambda traces: traces[-2].update(y=[lo - pad, hi + pad]))
    kappa = Panel("κ", condition_numbers, log=True)
    join_panel(animated, per_frame, add_panel(spec, kappa, paths, 2, 2, n_rows, frames))
    equal_scale_axes(spec, domain)
    spec.axis("x", 2, 2)["title"] = dict(text="step")
    spec.update_layout(**house_layout(present=present, height=height))
    spec.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.04, x=0.0), margin=dict(t=70, b=110),
                       hovermode="closest")
    add_playback(spec, frames, animated, per_frame, speed)
    return spec


def curvature_figure(*args, **kwargs) -> go.Figure:
    """curvature_spec(...) as a go.Figure."""
    return curvature_spec(*args, **kwargs).figure()


def curvature_map_figure(grid: SurfaceGrid, *, critical: list[CriticalMark] = (), log_contours: bool = False,
                         present: bool = False, height: int = 520) -> go.Figure:
    """The domain coloured by the sign pattern of the Hessian's eigenvalues, with loss contours on top."""
    codes = curvature_codes(grid.eigvals).astype(float)
    n = len(CURVATURE_KINDS)
    scale = []
    for i, kind in enumerate(CURVATURE_KINDS):
        scale += [[i / n, KIND_COLOURS[kind]], [(i + 1) / n, KIND_COLOURS[kind]]]
    kinds = np.asarray(CURVATURE_KINDS)[codes.astype(int)]
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Heatmap(x=grid.x, y=grid.y, z=codes, zmin=-0.5, zmax=n - 0.5, colorscale=scale,
                             customdata=kinds, showscale=False,
                             hovertemplate="x %{x:.3f}<br>y %{y:.3f}<br>%{customdata}<extra></extra>"))
    contour = contour_trace(grid, log_contours)
    contour.update(contours=dict(coloring="none"), line=dict(color="#555555", width=0.8), hoverinfo="skip",
                   hovertemplate=None)
    fig.add_trace(contour)
    for kind in CURVATURE_KINDS:  # legend entries for the region colours
        if kind in set(kinds.ravel()):
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=kind,
                                     marker=dict(symbol="square", size=14, color=KIND_COLOURS[kind],
                                                 line=dict(color="#777777", width=1))))
    for trace in critical_traces(list(critical)):
        fig.add_trace(trace)
    base_layout(fig, present=present, height=height)
    fig.update_xaxes(range=[float(grid.x[0]), float(grid.x[-1])], constrain="domain", title_text="x")
    fig.update_yaxes(range=[float(grid.y[0]), float(grid.y[-1])], scaleanchor="x", scaleratio=1, constrain="domain",
                     title_text="y")
    return fig


def newton_figure(grid: SurfaceGrid, point, grad, eigvals, eigvecs, lr: float, *, log_contours: bool = False,
                  critical: list[CriticalMark] = (), present: bool = False, height: int = 520) -> go.Figure:
    """At one point: the gradient step −η∇f, Newton's step −H⁻¹∇f and saddle-free Newton −|H|⁻¹∇f,
    over the local quadratic's ellipse. Newton jumps to the quadratic model's stationary point, which is a
    maximum or a saddle where the curvature is not positive; saddle-free Newton always goes downhill."""
    point = np.asarray(point, float)
    steps = {
        "gradient step −η∇f": (-lr * np.asarray(grad, float), "#0072B2", "solid"),
        "Newton −H⁻¹∇f": (newton_step(grad, eigvals, eigvecs), "#D55E00", "solid"),
        "saddle-free Newton −|H|⁻¹∇f": (newton_step(grad, eigvals, eigvecs, saddle_free=True), "#009E73", "dash"),
    }
    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(contour_trace(grid, log_contours))
    span = max(float(grid.x[-1] - grid.x[0]), float(grid.y[-1] - grid.y[0]))
    ellipse = quadratic_ellipse(point, eigvals, eigvecs, 0.12 * span)
    fig.add_trace(go.Scatter(x=ellipse[:, 0], y=ellipse[:, 1], mode="lines", name="local quadratic",
                             line=dict(color="#555555", dash="dot", width=1.5), hoverinfo="skip"))
    for name, (vector, c, dash) in steps.items():
        trace = arrow_trace([point], [vector], 1.0, [c], dash, 3, name)
        trace.update(line=dict(color=c, width=3, dash=dash), showlegend=True, hoverinfo="text",
                     text=[f"{name}: ({vector[0]:.3g}, {vector[1]:.3g})"] * len(trace["x"]))
        fig.add_trace(trace)
    fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name="chosen point",
                             marker=dict(size=12, color="#111111", line=dict(color="white", width=2))))
    for trace in critical_traces(list(critical)):
        fig.add_trace(trace)
    base_layout(fig, present=present, height=height)
    fig.update_xaxes(range=[float(grid.x[0]), float(grid.x[-1])], constrain="domain", title_text="x")
    fig.update_yaxes(range=[float(grid.y[0]), float(grid.y[-1])], scaleanchor="x", scaleratio=1, constrain="domain",
                     title_text="y")
    return fig

