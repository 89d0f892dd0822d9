"""A lecture preset as drawn: its runs grouped by surface, figures of each group, settings and measured numbers.

Shared by the Lecture scene page, the gallery's thumbnails and `python -m dashboard export --preset`, so a
slide, a thumbnail and the page show the same figure. Pure: trajectories, grids and critical points come in
(cached on the page, computed directly in the CLI); no Streamlit.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
import plotly.graph_objects as go

from dashboard.engine import RunConfig, Trajectory
from dashboard.figures.curves import PathView
from dashboard.figures.landscape import trajectories_figure
from dashboard.presets import Preset
from landscapes import get_surface
from optimizers import get_rule, get_schedule


SCENE_GRID_RESOLUTION = 101


class SceneView(NamedTuple):
    """The runs of a preset that share one surface (and so one contour)."""

    surface: str
    surface_params: tuple
    seed: int
    caption: str  # what sets this surface apart from the preset's other surfaces ("" when there is one)
    paths: list[PathView]


def _surface_caption(config: RunConfig) -> str:
    name = config.surface.removeprefix("custom:") if config.surface.startswith("custom:") else config.surface
    params = ", ".join(f"{k} {v}" for k, v in config.surface_params)
    return f"{name} ({params})" if params else name


def scene_views(preset: Preset, trajectories: tuple[Trajectory, ...] | list[Trajectory]) -> list[SceneView]:
    """Runs grouped by (surface, its parameters, seed), in the preset's order; a run keeps its index as colour
    slot, so it has the same colour in every figure, caption and GIF of the scene."""
    groups: dict[tuple, list[PathView]] = {}
    first_config = {}
    for slot, (run, traj) in enumerate(zip(preset.runs, trajectories)):
        key = (run.config.surface, run.config.surface_params, run.config.seed)
        groups.setdefault(key, []).append(PathView(run.label, slot, traj))
        first_config.setdefault(key, run.config)
    several = len(groups) > 1
    return [SceneView(*key, _surface_caption(first_config[key]) if several else "", paths)
            for key, paths in groups.items()]


def scene_figure(view: SceneView, grid, critical, minima, *, arrows: bool = False, speed: str = "normal",
                 present: bool = False, height: int = 720) -> go.Figure:
    """The animated contour with the view's paths and their loss, distance and gradient curves."""
    surface = get_surface(view.surface)
    return trajectories_figure(view.paths, grid, surface.domain, log_contours=surface.log_contours, critical=critical,
                               minima=minima, arrows=arrows, speed=speed, click_to_start=False, present=present,
                               height=height)


def scene_figures(preset: Preset, trajectories, grid_of: Callable, critical_of: Callable,
                  minima_of: Callable, **options) -> list[tuple[SceneView, go.Figure]]:
    """One figure per surface of the preset; grid_of/critical_of(surface, params, seed) and minima_of(critical)
    supply the surface data (Streamlit-cached on a page, computed directly elsewhere)."""
    figures = []
    for view in scene_views(preset, trajectories):
        critical = critical_of(view.surface, view.surface_params, view.seed)
        figures.append((view, scene_figure(view, grid_of(view.surface, view.surface_params, view.seed), critical,
                                           minima_of(critical), **options)))
    return figures


def _value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_value(v) for v in value) + ")"
    return str(value)


def run_settings(config: RunConfig) -> str:
    """The rule and every hyperparameter that the run sets, as printed on a GIF frame and under a figure:
    'SGD (momentum, Nesterov): lr 0.03, momentum 0.8 · cosine schedule (T_max 1000) · gradient noise σ 10'."""
    rule = get_rule(config.optimizer)
    given = dict(config.optimizer_params)
    if "lr" not in given:
        given = {"lr": next(p.default for p in rule.params if p.name == "lr"), **given}
    short_title = rule.title.split(" (")[0]  # "SGD (momentum, Nesterov)" -> "SGD": the flags follow as values
    parts = [f"{short_title}: " + ", ".join(f"{name} {_value(value)}" for name, value in given.items())]
    if config.schedule != "constant":
        schedule = get_schedule(config.schedule)
        params = ", ".join(f"{k} {_value(v)}" for k, v in config.schedule_params)
        parts.append(f"{schedule.name} schedule" + (f" ({params})" if params else ""))
    if config.warmup:
        parts.append(f"warmup {config.warmup} steps")
    if config.grad_noise:
        parts.append(f"gradient noise σ {config.grad_noise:g} (seed {config.seed})")
    if config.batch_size:
        parts.append(f"batch {config.batch_size}")
    if config.clip_norm:
        parts.append(f"clip ‖g‖ to {config.clip_norm:g}")
    if config.projection != "none":
        parts.append(f"projected onto a {config.projection} of radius {config.radius:g}")
    return " · ".join(parts)


def measured(traj: Trajectory) -> dict:
    """The numbers that back a lesson, for one run: steps to tolerance, divergence, final loss and point."""
    last = len(traj.loss) - 1
    finite = np.flatnonzero(np.isfinite(traj.loss) & np.all(np.isfinite(traj.xy), axis=1))
    end = int(finite[-1]) if finite.size else 0
    x, y = traj.xy[end]
    return {
        "steps to tolerance": traj.converged_at,
        "diverged at step": traj.diverged_at,
        "tolerance ‖∇f‖ <": traj.config.tol if traj.config.tol > 0 else None,
        "final loss": float(traj.loss[end]) if math.isfinite(traj.loss[end]) else None,
        "final point": f"({x:.4g}, {y:.4g})",
        "steps run": last,
    }


def preset_figures(preset: Preset, trajectories=None, **options) -> list[tuple[SceneView, go.Figure]]:
    """scene_figures with the surface data computed directly (the CLI and tests; pages use cached data)."""
    from dashboard import engine
    from dashboard.critical import critical_points, minima
    from dashboard.presets import simulate_preset

    trajectories = simulate_preset(preset) if trajectories is None else trajectories
    return scene_figures(preset, trajectories,
                         lambda s, p, seed: engine.surface_grid(s, p, seed, SCENE_GRID_RESOLUTION, None),
                         critical_points, minima, **options)
