"""The scene every page shares: surface and its parameters, start point, steps and seed, in the sidebar.

The widgets are drawn by the entry script (dashboard/app.py) on every run, so their values survive a page
switch. Pages read them with shared_config(), which falls back to defaults when a page runs on its own
(tests). Keys: "scene.surface", "scene.<surface>.<param>", "scene.start_x", "scene.start_y",
"scene.steps", "scene.seed".
"""
from __future__ import annotations

import streamlit as st

from dashboard.controls import initial, params_inputs
from dashboard.engine import RunConfig
from landscapes import SURFACES, get_surface

SURFACE_KEY = "scene.surface"
START_X_KEY, START_Y_KEY = "scene.start_x", "scene.start_y"
STEPS_KEY, SEED_KEY = "scene.steps", "scene.seed"
DEFAULT_SURFACE = "quadratic"
DEFAULT_STEPS = 100
MAX_SCENE_STEPS = 5000
START_GRID = 400  # slider steps across the domain


def _surface_name() -> str:
    name = st.session_state.get(SURFACE_KEY, DEFAULT_SURFACE)
    return name if name in SURFACES else DEFAULT_SURFACE


def default_start(surface_name: str) -> tuple[float, float]:
    return tuple(float(v) for v in get_surface(surface_name).starts[0])


def set_start(x: float, y: float) -> None:
    """Move the start point; call from a widget callback (before the sidebar is drawn again)."""
    (x0, x1), (y0, y1) = get_surface(_surface_name()).domain
    st.session_state[START_X_KEY] = float(min(max(x, x0), x1))
    st.session_state[START_Y_KEY] = float(min(max(y, y0), y1))


def _reset_start() -> None:
    """A new surface has a new domain: put the start at its default start."""
    x, y = default_start(_surface_name())
    st.session_state[START_X_KEY], st.session_state[START_Y_KEY] = x, y


def shared_config() -> RunConfig:
    """The RunConfig of the shared scene (optimizer and schedule left at their defaults for pages to set)."""
    name = _surface_name()
    surface = get_surface(name)
    surface_params = tuple((p.name, st.session_state.get(f"scene.{name}.{p.name}", p.default))
                           for p in surface.params)
    x, y = default_start(name)
    start = (float(st.session_state.get(START_X_KEY, x)), float(st.session_state.get(START_Y_KEY, y)))
    return RunConfig(surface=name, surface_params=surface_params, start=start,
                     steps=int(st.session_state.get(STEPS_KEY, DEFAULT_STEPS)),
                     seed=int(st.session_state.get(SEED_KEY, 0)))


def shared_controls(container=None) -> RunConfig:
    """Draw the scene's widgets (in the sidebar by default) and return shared_config()."""
    box = container if container is not None else st.sidebar
    names = list(SURFACES)
    initial(SURFACE_KEY, DEFAULT_SURFACE, options=names)
    if st.session_state.get(SURFACE_KEY) not in SURFACES:
        st.session_state[SURFACE_KEY] = DEFAULT_SURFACE
    box.selectbox("surface", names, key=SURFACE_KEY, format_func=lambda n: SURFACES[n].title,
                  on_change=_reset_start, help="the loss surface every page uses")
    name = _surface_name()
    surface = get_surface(name)
    params_inputs(surface.params, f"scene.{name}", box)
    (x0, x1), (y0, y1) = surface.domain
    x, y = default_start(name)
    # Keep a start left from another surface (or set by a preset) inside this surface's domain.
    for key, value, low, high in ((START_X_KEY, x, x0, x1), (START_Y_KEY, y, y0, y1)):
        initial(key, float(value), low=float(low), high=float(high))
        st.session_state[key] = float(min(max(st.session_state[key], low), high))
    left, right = box.columns(2)
    left.slider("start x", float(x0), float(x1), step=(x1 - x0) / START_GRID, key=START_X_KEY, format="%.3f",
                help="or click the contour on the Trajectories page")
    right.slider("start y", float(y0), float(y1), step=(y1 - y0) / START_GRID, key=START_Y_KEY, format="%.3f")
    initial(STEPS_KEY, DEFAULT_STEPS, low=10, high=MAX_SCENE_STEPS)
    box.slider("steps", 10, MAX_SCENE_STEPS, step=10, key=STEPS_KEY, help="number of updates of every run")
    initial(SEED_KEY, 0, low=0, high=2**31 - 1)
    box.number_input("seed", 0, 2**31 - 1, step=1, key=SEED_KEY, help="fixes data, minibatches and noise")
    return shared_config()
