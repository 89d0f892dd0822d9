"""Figures of paths on a surface: the animated contour with side curves, and the 3-D view.

Pure functions of numpy data (a SurfaceGrid, Trajectories, critical points) that return go.Figure.
"""
from __future__ import annotations

import base64
import collections
import functools
import hashlib
import io
import math
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from dashboard.engine import SurfaceGrid
from dashboard.figures.curves import (FrameTraces, Panel, PathView, add_loss_change_panel, add_panel, add_playback,
                                      at_row, frame_rows, join_panel, nice_step)
from dashboard.figures.polyline import kept_rows
from dashboard.figures.spec import FigureSpec
from dashboard.figures.style import CRITICAL_MARKERS, TEMPLATE, base_layout, colour, house_layout, spec_figure
from dashboard.summary import distance_to_nearest

CONTOUR_SCALE = [[0.0, "#ffffff"], [0.35, "#e3e8ee"], [1.0, "#8d99a6"]]
CONTOUR_LINE = "#6b7785"
# A click on the contour starts every path there (dashboard/live_chart.py reports clicks on any trace; the
# contour's hover point is its nearest grid node). trajectories_figure draws the contour first.
CLICK_TRACE_INDEX = 0
CLICK_HINT = "click to start here"
NOT_FINITE_NAME = "f not finite"
NOT_FINITE_COLOUR = "#8a8a8a"
ADAPTIVE_HINT = "eps"  # rules with an eps parameter divide by a running gradient scale (adaptive methods)


class CriticalMark(NamedTuple):
    xy: tuple[float, float]
    kind: str  # minimum | maximum | saddle | degenerate
    eigvals: tuple[float, float] | None = None


def contour_values(grid: SurfaceGrid, log_scale: bool) -> np.ndarray:
    """The loss on the grid, or log1p(f − f_min) where a surface spans many decades (Rosenbrock)."""
    z = np.asarray(grid.z, float)
    if not log_scale:
        return z
    finite = z[np.isfinite(z)]
    floor = float(np.min(finite)) if finite.size else 0.0
    return np.log1p(np.maximum(z - floor, 0.0))


def compact(values: np.ndarray) -> np.ndarray:
    """float32 where it holds the values (half the bytes to send and parse; 7 digits are plenty to draw)."""
    values = np.asarray(values, float)
    finite = np.abs(values[np.isfinite(values)])
    return values.astype(np.float32) if finite.size == 0 or float(np.max(finite)) < 1e37 else values


def contour_levels(z: np.ndarray, ncontours: int = 28) -> tuple[float, float, float] | None:
    """(start, end, size) of `ncontours` evenly spaced levels inside the finite range of z (None if flat)."""
    finite = z[np.isfinite(z)]
    if finite.size == 0 or float(np.max(finite)) <= float(np.min(finite)):
        return None
    lo, hi = float(np.min(finite)), float(np.max(finite))
    size = (hi - lo) / (ncontours + 1)
    return lo + size, hi - size / 2, size


def contour_trace(grid: SurfaceGrid, log_scale: bool, ncontours: int = 28) -> dict:
    label = "log(1 + f − f_min)" if log_scale else "f"
    z = contour_values(grid, log_scale)
    levels = contour_levels(z, ncontours)
    contours = dict(coloring="fill")
    if levels is not None:  # set, not left to plotly, so that contour_underlay draws the same levels
        contours.update(start=levels[0], end=levels[1], size=levels[2])
    return dict(
        type="contour", x=compact(grid.x), y=compact(grid.y), z=compact(z),
        ncontours=ncontours, autocontour=levels is None,
        colorscale=CONTOUR_SCALE,
        showscale=False, line=dict(width=0.7, color=CONTOUR_LINE), contours=contours,
        hovertemplate=f"x %{{x:.3f}}<br>y %{{y:.3f}}<br>{label} %{{z:.4g}}<extra></extra>",
        name="surface", showlegend=False,
    )


def _rgb(colour_: str) -> list[int]:
    return [int(colour_[i:i + 2], 16) for i in (1, 3, 5)]


def _scale_colour(t: np.ndarray) -> np.ndarray:
    """CONTOUR_SCALE at positions t in [0, 1], as RGB."""
    stops = np.array([p for p, _ in CONTOUR_SCALE])
    rgb = np.array([_rgb(c) for _, c in CONTOUR_SCALE], float)
    return np.stack([np.interp(t, stops, rgb[:, k]) for k in range(3)], axis=-1)


UNDERLAYS: collections.OrderedDict = collections.OrderedDict()  # grid digest -> image dict, the last 32
UNDERLAY_CACHE_SIZE = 32


def contour_underlay(grid: SurfaceGrid, log_scale: bool, ncontours: int = 28, pixels: int = 480) -> dict | None:
    """contour_underlay_image, kept for the last 32 grids (a redraw on the same surface reuses it)."""
    digest = hashlib.blake2b(b"".join(np.ascontiguousarray(a, float).tobytes() for a in (grid.x, grid.y, grid.z))
                             + bytes([log_scale, ncontours % 256]) + pixels.to_bytes(4, "little")).digest()
    if digest not in UNDERLAYS:
        UNDERLAYS[digest] = contour_underlay_image(grid, log_scale, ncontours, pixels)
        while len(UNDERLAYS) > UNDERLAY_CACHE_SIZE:
            UNDERLAYS.popitem(last=False)
    UNDERLAYS.move_to_end(digest)
    image = UNDERLAYS[digest]
    return None if image is None else dict(image)


def contour_underlay_image(grid: SurfaceGrid, log_scale: bool, ncontours: int = 28, pixels: int = 480
                           ) -> dict | None:
    """The filled contour as a layout image under the axes (a PNG of the same levels and colours).

    plotly.js removes every non-scatter trace of a figure when an animation frame is drawn without a full
    redraw (plotly.js issues 4491 and 4596), so without this the contour vanished on ▶ Play; the image
    stays, and the live chart draws the contour trace again when the animation stops. None if f is flat.
    """
    from PIL import Image

    z = contour_values(grid, log_scale)
    levels = contour_levels(z, ncontours)
    if levels is None:
        return None
    x, y = np.asarray(grid.x, float), np.asarray(grid.y, float)
    height = max(2, int(round(pixels * (y[-1] - y[0]) / max(x[-1] - x[0], y[-1] - y[0]))))
    width = max(2, int(round(pixels * (x[-1] - x[0]) / max(x[-1] - x[0], y[-1] - y[0]))))
    # bilinear resampling of z onto the pixel centres (rows from the top: y descending)
    fx = np.interp(np.linspace(x[0], x[-1], width), x, np.arange(len(x)))
    fy = np.interp(np.linspace(y[-1], y[0], height), y, np.arange(len(y)))
    x0, y0 = np.minimum(fx.astype(int), len(x) - 2), np.minimum(fy.astype(int), len(y) - 2)
    tx, ty = (fx - x0)[None, :], (fy - y0)[:, None]
    z00, z01 = z[np.ix_(y0, x0)], z[np.ix_(y0, x0 + 1)]
    z10, z11 = z[np.ix_(y0 + 1, x0)], z[np.ix_(y0 + 1, x0 + 1)]
    zi = (z00 * (1 - tx) + z01 * tx) * (1 - ty) + (z10 * (1 - tx) + z11 * tx) * ty
    start, end, size = levels
    edges = np.arange(start, end + size / 2, size)
    band = np.digitize(zi, edges)  # 0 below the first level ... len(edges) above the last
    finite = z[np.isfinite(z)]
    lo, hi = float(np.min(finite)), float(np.max(finite))
    middle = np.concatenate([[lo], (edges[:-1] + edges[1:]) / 2, [hi]])  # each band's middle value
    rgb = _scale_colour((middle[band] - lo) / (hi - lo))
    line = np.array(_rgb(CONTOUR_LINE), float)
    boundary = np.zeros(band.shape, bool)
    boundary[:, 1:] |= band[:, 1:] != band[:, :-1]
    boundary[1:, :] |= band[1:, :] != band[:-1, :]
    rgb[boundary] = 0.45 * rgb[boundary] + 0.55 * line
    alpha = np.where(np.isfinite(zi), 255, 0)
    image = Image.fromarray(np.dstack([rgb, alpha]).astype(np.uint8), "RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return dict(source="data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
                xref="x", yref="y", x=float(x[0]), y=float(y[-1]), sizex=float(x[-1] - x[0]),
                sizey=float(y[-1] - y[0]), xanchor="left", yanchor="top", sizing="stretch", layer="below")


def add_surface(spec: FigureSpec, grid: SurfaceGrid, log_scale: bool, click_hint: bool = False) -> int:
    """An animated figure's contour (first subplot) with contour_underlay under it (see there why); with
    click_hint its hover says that a click starts the paths there. Returns the contour's trace index."""
    contour = contour_trace(grid, log_scale)
    if click_hint:
        contour["hovertemplate"] = contour["hovertemplate"].replace("<extra>", f"<br><i>{CLICK_HINT}</i><extra>")
    index = spec.add(contour)
    image = contour_underlay(grid, log_scale)
    if image is not None:
        spec.layout.setdefault("images", []).append(image)
    return index


def not_finite_cells(grid: SurfaceGrid) -> tuple[list, list]:
    """Outlines of the grid cells where f is NaN or infinite, one rectangle per run of such cells along a row
    (None between rectangles), each cell reaching halfway to its neighbours."""
    x, y = np.asarray(grid.x, float), np.asarray(grid.y, float)
    bad = ~np.isfinite(np.asarray(grid.z, float))

    def edges(v):
        middle = (v[1:] + v[:-1]) / 2
        return np.concatenate([[v[0]], middle, [v[-1]]]) if len(v) > 1 else np.array([v[0], v[0]])

    ex, ey = edges(x), edges(y)
    xs, ys = [], []
    for row in np.flatnonzero(bad.any(axis=1)):
        padded = np.concatenate([[False], bad[row], [False]])
        changes = np.flatnonzero(np.diff(padded.astype(int)))
        for first, stop in zip(changes[::2], changes[1::2]):
            left, right, low, high = ex[first], ex[stop], ey[row], ey[row + 1]
            xs += [left, right, right, left, left, None]
            ys += [low, low, high, high, low, None]
    return xs, ys


def not_finite_trace(grid: SurfaceGrid) -> dict | None:
    """Grey hatching over the cells where f is not finite (a formula such as log(x) + y² left of x = 0),
    with its own legend entry; None when f is finite everywhere on the grid."""
    xs, ys = not_finite_cells(grid)
    if not xs:
        return None
    return dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", name=NOT_FINITE_NAME, showlegend=True,
                line=dict(width=0, color=NOT_FINITE_COLOUR), fillcolor="rgba(200,200,200,0.45)",
                fillpattern=dict(shape="/", fgcolor=NOT_FINITE_COLOUR, bgcolor="rgba(220,220,220,0.55)",
                                 size=8, solidity=0.25),
                hoverinfo="skip")


def critical_traces(points: list[CriticalMark]) -> list[dict]:
    """One marker trace per kind (star minimum, x saddle, triangle maximum), in black with a white rim."""
    traces = []
    for kind in sorted({p.kind for p in points}):
        chosen = [p for p in points if p.kind == kind]
        text = [kind if p.eigvals is None else f"{kind}<br>λ = {p.eigvals[0]:.3g}, {p.eigvals[1]:.3g}"
                for p in chosen]
        traces.append(dict(
            type="scatter", x=[p.xy[0] for p in chosen], y=[p.xy[1] for p in chosen], mode="markers", name=kind,
            marker=dict(symbol=CRITICAL_MARKERS.get(kind, "circle-open"), size=15, color="#111111",
                        line=dict(color="white", width=1.5)),
            text=text, hovertemplate="%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>", legendgroup="critical",
            unselected=dict(marker=dict(opacity=1)),
        ))
    return traces


def nice_scale(value: float) -> float:
    """Round up to 1, 2 or 5 × 10^k (so an arrow scale reads as ×5, ×20, ...); 1 for values up to 1."""
    return nice_step(value) if math.isfinite(value) and value > 1 else 1.0


def arrow_scale(paths: list[PathView], span: float) -> float:
    """Arrows drawn × this factor so the typical step is visible (1 when steps are already visible)."""
    norms = np.concatenate([np.linalg.norm(p.traj.update, axis=1) for p in paths]) if paths else np.array([])
    norms = norms[np.isfinite(norms) & (norms > 0)]
    if norms.size == 0:
        return 1.0
    typical = float(np.median(norms))
    return 1.0 if typical >= 0.03 * span else nice_scale(0.06 * span / typical)


def is_adaptive(config) -> bool:
    return _adaptive_rule(config.optimizer)


@functools.cache
def _adaptive_rule(name: str) -> bool:  # asked per path and frame: 250 times a figure
    from optimizers import get_rule

    return any(p.name == ADAPTIVE_HINT for p in get_rule(name).params)


def velocity_in_step_units(traj, row: int) -> np.ndarray:
    """The momentum buffer drawn as a step: −η·v, or −v where the convention keeps v in step units."""
    v = traj.velocity[min(row, len(traj.velocity) - 1)]
    if traj.config.optimizer == "sgd" and dict(traj.config.optimizer_params).get("convention") == "classic":
        return -v
    return -at_row(traj.lr, row) * v


def arrow_trace(origins, vectors, scale: float, colours: list[str], dash: str, width: float, name: str,
                xaxis: str = "x", yaxis: str = "y") -> dict:
    """Arrows from each origin along scale × vector, in one trace: a neutral shaft, a head in each path's colour.

    One trace per arrow kind (not per path) keeps the animation frames small.
    """
    xs, ys, sizes, heads = [], [], [], []
    for origin, vector, colour_ in zip(origins, vectors, colours):
        (ox, oy), (vx, vy) = (float(v) for v in origin), (float(v) for v in vector)  # plain floats: 6 arrows
        if not all(map(math.isfinite, (ox, oy, vx, vy))) or vx == vy == 0.0:       # a frame, 61 frames
            continue
        xs += [ox, ox + scale * vx, None]
        ys += [oy, oy + scale * vy, None]
        sizes += [0, 13, 0]
        heads += [colour_, colour_, colour_]
    return dict(type="scatter", x=xs, y=ys, mode="lines+markers", name=name, showlegend=False, xaxis=xaxis,
                yaxis=yaxis, hoverinfo="skip", line=dict(color="#333333", width=width, dash=dash),
                marker=dict(symbol="arrow", size=sizes, angleref="previous", color=heads))


def head_row(traj, row: int) -> int:
    """The last row up to `row` with a finite point (a diverged path stops where it left)."""
    row = min(row, len(traj.loss) - 1)
    if math.isfinite(traj.xy[row, 0]) and math.isfinite(traj.xy[row, 1]):
        return row
    finite = np.flatnonzero(np.all(np.isfinite(traj.xy[:row + 1]), axis=1))
    return int(finite[-1]) if finite.size else 0


def trail_trace(path: PathView, row: int, rows: np.ndarray | None = None) -> dict:
    """The path up to `row` through the given kept rows (see polyline.kept_rows; all rows when None) and
    the row itself, so the trail ends exactly at the moving head."""
    last = min(row, len(path.traj.loss) - 1)
    if rows is None:
        trail = path.traj.xy[:last + 1]
    else:
        upto = rows[rows <= last]
        trail = path.traj.xy[np.append(upto, last) if not upto.size or upto[-1] != last else upto]
    return dict(type="scatter", x=trail[:, 0].astype(np.float32), y=trail[:, 1].astype(np.float32),
                mode="lines", name=path.label, legendgroup=path.label, showlegend=False, hoverinfo="skip",
                line=dict(color=colour(path.slot), width=3))


def heads_trace(paths: list[PathView], row: int) -> dict:
    xs, ys, texts = [], [], []
    for path in paths:
        traj = path.traj
        r = head_row(traj, row)
        xs.append(float(traj.xy[r, 0]))
        ys.append(float(traj.xy[r, 1]))
        text = (f"{path.label}<br>step {r}<br>loss {traj.loss[r]:.4g}<br>‖∇f‖ {traj.grad_norm[r]:.3g}"
                f"<br>lr {traj.lr[r]:.3g}")
        eff = traj.effective_step[r] if is_adaptive(traj.config) else None
        if eff is not None and np.all(np.isfinite(eff)):
            text += f"<br>effective step per axis {eff[0]:.3g}, {eff[1]:.3g}"
        texts.append(text)
    return dict(type="scatter", x=xs, y=ys, mode="markers", showlegend=False, text=texts,
                hovertemplate="%{text}<extra></extra>",
                marker=dict(color=[colour(p.slot) for p in paths], size=14, line=dict(color="white", width=2)))


def step_arrows(paths: list[PathView], row: int, scale: float) -> list[dict]:
    """At each path's current point: −η∇f (dotted), velocity (dash-dot), the update (solid), and for
    adaptive methods the update split per axis (thin dotted), showing each axis' own step size."""
    rows = [head_row(p.traj, row) for p in paths]
    origins = [p.traj.xy[r] for p, r in zip(paths, rows)]
    colours = [colour(p.slot) for p in paths]
    gradient = [-at_row(p.traj.lr, r) * p.traj.grad[r] for p, r in zip(paths, rows)]
    velocity = [velocity_in_step_units(p.traj, r) for p, r in zip(paths, rows)]
    update = [p.traj.update[r] for p, r in zip(paths, rows)]
    axis_origins, axis_vectors, axis_colours = [], [], []
    for p, r, origin, colour_ in zip(paths, rows, origins, colours):
        if is_adaptive(p.traj.config):
            dx, dy = p.traj.update[r]
            axis_origins += [origin, origin]
            axis_vectors += [np.array([dx, 0.0]), np.array([0.0, dy])]
            axis_colours += [colour_, colour_]
    return [
        arrow_trace(origins, gradient, scale, colours, "dot", 2, "−η∇f"),
        arrow_trace(origins, velocity, scale, colours, "dashdot", 2, "velocity"),
        arrow_trace(origins, update, scale, colours, "solid", 3.5, "update Δθ"),
        arrow_trace(axis_origins, axis_vectors, scale, axis_colours, "dot", 1.2, "per-axis step"),
    ]


def path_frame(paths: list[PathView], row: int, scale: float, arrows: bool, kept: list[np.ndarray]) -> list[dict]:
    """Everything on the contour that moves with the playback, at one row."""
    traces = [trail_trace(p, row, rows) for p, rows in zip(paths, kept)] + [heads_trace(paths, row)]
    return traces + (step_arrows(paths, row, scale) if arrows else [])


def static_path_traces(path: PathView) -> list[dict]:
    """The whole path, faint (the animated trail covers it as it grows), and an open circle at its start."""
    xy = path.traj.xy
    return [
        dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines", name=path.label, legendgroup=path.label,
             line=dict(color=colour(path.slot), width=1.5), opacity=0.35, hoverinfo="skip", showlegend=True),
        dict(type="scatter", x=[xy[0, 0]], y=[xy[0, 1]], mode="markers", legendgroup=path.label, showlegend=False,
             hoverinfo="skip",
             marker=dict(symbol="circle-open", size=11, color=colour(path.slot), line=dict(width=2))),
    ]


def equal_scale_axes(spec: FigureSpec, domain, row: int = 1, col: int = 1) -> None:
    """The contour's axes over the domain with one unit as long on x as on y."""
    (x0, x1), (y0, y1) = domain
    # No grid lines: the contour covers them, but its underlay image (drawn during playback) does not.
    spec.axis("x", row, col).update(range=[x0, x1], constrain="domain", title=dict(text="x"), showgrid=False,
                                    zeroline=False)
    spec.axis("y", row, col).update(range=[y0, y1], scaleanchor=spec.axes(row, col)[0], scaleratio=1,
                                    constrain="domain", title=dict(text="y"), showgrid=False, zeroline=False)


def trajectories_spec(paths: list[PathView], grid: SurfaceGrid, domain, *, log_contours: bool = False,
                      critical: list[CriticalMark] = (), minima=(), arrows: bool = True, speed: str = "normal",
                      click_to_start: bool = True, present: bool = False, height: int = 780) -> FigureSpec:
    """Contour with paths (left) and loss, distance to the nearest minimum, ‖∇f‖ and loss change (right),
    all driven by one playback control: the paths grow on the contour while a cursor moves on each curve."""
    if not paths:
        raise ValueError("trajectories_figure needs at least one path")
    n_rows = max(len(p.traj.loss) for p in paths)
    frames = frame_rows(n_rows)
    minima = np.asarray(minima, float).reshape(-1, 2)
    distance_title = "distance to nearest minimum" if len(minima) else "distance to nearest critical point"
    targets = minima if len(minima) else np.asarray([m.xy for m in critical], float).reshape(-1, 2)
    spec = spec_figure(
        rows=4, cols=2, specs=[[{"rowspan": 4}, {}], [None, {}], [None, {}], [None, {}]],
        column_widths=[0.56, 0.44], horizontal_spacing=0.09, vertical_spacing=0.09,
        subplot_titles=["", "loss f", distance_title, "gradient norm ‖∇f‖",
                        "decrease per step: actual — vs first-order −∇f·Δθ - -"],
    )
    (x0, x1), (y0, y1) = domain
    span = max(x1 - x0, y1 - y0)
    assert add_surface(spec, grid, log_contours, click_hint=click_to_start) == CLICK_TRACE_INDEX
    shading = not_finite_trace(grid)  # over the contour, but it takes no hover, so clicks reach the contour
    if shading is not None:
        spec.add(shading)
    for path in paths:
        for trace in static_path_traces(path):
            spec.add(trace)
    for trace in critical_traces(list(critical)):
        spec.add(trace)
    scale = arrow_scale(paths, span)
    kept = [kept_rows(p.traj.xy, span) for p in paths]
    per_frame = FrameTraces(frames, lambda k: path_frame(paths, k, scale, arrows, kept))
    animated = [spec.add(trace) for trace in per_frame[-1]]
    panels = [
        (Panel("loss", lambda t: t.loss, log=True), 1),
        (Panel("distance", lambda t: distance_to_nearest(t.xy, targets), log=True), 2),
        (Panel("‖∇f‖", lambda t: t.grad_norm, log=True), 3),
    ]
    for panel, row in panels:
        join_panel(animated, per_frame, add_panel(spec, panel, paths, row, 2, n_rows, frames))
    join_panel(animated, per_frame, add_loss_change_panel(spec, paths, 4, 2, n_rows, frames))
    equal_scale_axes(spec, domain)
    spec.axis("x", 4, 2)["title"] = dict(text="step")
    spec.update_layout(**house_layout(present=present, height=height))
    note = "arrows: ··· −η∇f   −·− velocity −ηv   ━ update Δθ" + (f"   (drawn ×{scale:g})" if scale != 1 else "")
    spec.annotate(text=note, xref="paper", yref="paper", x=0.0, y=1.0, yanchor="bottom", showarrow=False,
                  font=dict(size=12, color="#444444"))
    spec.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.04, x=0.0), clickmode="event+select",
                       dragmode="pan", hovermode="closest",
                       # Margins fixed and large enough for the legend, buttons and step slider: letting plotly
                       # grow them to fit (autoexpand) draws the whole figure twice on every update.
                       margin=dict(t=70, b=165 if present else 135, l=70 if present else 60, autoexpand=False))
    add_playback(spec, frames, animated, per_frame, speed)
    return spec


def trajectories_figure(*args, **kwargs) -> go.Figure:
    """trajectories_spec(...) as a go.Figure."""
    return trajectories_spec(*args, **kwargs).figure()


def surface_3d_figure(paths: list[PathView], grid: SurfaceGrid, *, log_scale: bool = False,
                      critical: list[CriticalMark] = (), present: bool = False, height: int = 620) -> go.Figure:
    """The surface in 3-D with each full path lying on it (static: a 3-D camera resets when animated)."""
    z = contour_values(grid, log_scale)
    finite = np.asarray(grid.z, float)[np.isfinite(grid.z)]
    floor = float(np.min(finite)) if finite.size else 0.0

    def height_of(loss):
        loss = np.asarray(loss, float)
        return np.log1p(np.maximum(loss - floor, 0.0)) if log_scale else loss

    fig = go.Figure(layout=dict(template=TEMPLATE))
    fig.add_trace(go.Surface(x=grid.x, y=grid.y, z=z, colorscale=CONTOUR_SCALE, showscale=False, opacity=0.9,
                             name="surface", hoverinfo="skip", contours=dict(z=dict(show=True, width=1,
                                                                                    color=CONTOUR_LINE))))
    z_lo, z_hi = float(np.nanmin(z)), float(np.nanmax(z))
    for path in paths:
        xy = path.traj.xy
        heights = np.clip(height_of(path.traj.loss), z_lo, z_hi)
        fig.add_trace(go.Scatter3d(x=xy[:, 0], y=xy[:, 1], z=heights, mode="lines+markers", name=path.label,
                                   line=dict(color=colour(path.slot), width=6),
                                   marker=dict(size=2.5, color=colour(path.slot))))
    for point in critical:
        fig.add_trace(go.Scatter3d(x=[point.xy[0]], y=[point.xy[1]],
                                   z=[float(np.interp(point.xy[0], grid.x, z[np.argmin(np.abs(grid.y - point.xy[1]))]))],
                                   mode="markers", name=point.kind, showlegend=False,
                                   marker=dict(size=6, color="#111111", symbol="diamond")))
    base_layout(fig, present=present, height=height)
    fig.update_layout(scene=dict(xaxis_title="x", yaxis_title="y",
                                 zaxis_title="log(1 + f − f_min)" if log_scale else "f",
                                 aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.6)),
                      margin=dict(l=0, r=0, t=30, b=0))
    return fig
