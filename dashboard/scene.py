"""The scene every page shares: surface and its parameters, start point, steps and seed, in the sidebar.

The widgets are drawn by the entry script (dashboard/app.py) on every run, so their values survive a page
switch. Pages read them with shared_config(), which falls back to defaults when a page runs on its own
(tests). Keys: "scene.surface", "scene.<surface>.<param>", "scene.start_x", "scene.start_y",
"scene.steps", "scene.seed", and "scene.formula": the text of f(x, y) when the surface is "custom".

A typed formula becomes the surface "custom:<formula>" (landscapes.formula) for every page. A formula the
parser refuses is shown with its reason and a caret under the column, and the scene keeps the last
formula that parsed (or the default one): a typo never raises.
"""
from __future__ import annotations

import math

import streamlit as st

from dashboard.controls import initial, params_inputs, refuse_held
from dashboard.engine import RunConfig
from landscapes import SURFACES, get_surface
from landscapes.formula import FormulaError, custom_surface
from landscapes.formula_grammar import MAX_LENGTH

SURFACE_KEY = "scene.surface"
START_X_KEY, START_Y_KEY = "scene.start_x", "scene.start_y"
STEPS_KEY, SEED_KEY = "scene.steps", "scene.seed"
DEFAULT_SURFACE = "quadratic"
DEFAULT_STEPS = 100
MAX_SCENE_STEPS = 5000
START_GRID = 400  # slider steps across the domain
CUSTOM = "custom"  # the surface selectbox's choice for a typed formula
FORMULA_KEY = "scene.formula"
LAST_GOOD_KEY = "_scene.formula.last_good"  # not a widget: the last formula that parsed
DEFAULT_FORMULA = "x**2 + 3*y**2"
SURFACE_CHOICES = (*SURFACES, CUSTOM)


def _choice_title(choice: str) -> str:
    return "custom formula f(x, y)" if choice == CUSTOM else SURFACES[choice].title


def _is_number(value, low: float, high: float, whole: bool = False) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and low <= value <= high and (not whole or float(value).is_integer()))


def _refuse_unfit(box, key: str, label: str, fits, default) -> None:
    """A value held for a scene widget that it cannot show (NaN, inf, text, out of range) is refused."""
    refuse_held(key, label, lambda value: None if fits(value) else f"{value!r} cannot be used", default, box)


def formula_surface() -> tuple[str, FormulaError | None]:
    """The surface name of the typed formula, and why the text was refused (None when it parsed).

    A refused text leaves the last formula that parsed in charge, or the default formula.
    """
    text = st.session_state.get(FORMULA_KEY, DEFAULT_FORMULA)
    try:
        if not isinstance(text, str):
            raise FormulaError(1, f"expected text, got {type(text).__name__}")
        name = custom_surface(text).name
    except FormulaError as error:
        fallback = st.session_state.get(LAST_GOOD_KEY, DEFAULT_FORMULA)
        return custom_surface(fallback).name, error
    st.session_state[LAST_GOOD_KEY] = text
    return name, None


def _surface_name() -> str:
    name = st.session_state.get(SURFACE_KEY, DEFAULT_SURFACE)
    if name == CUSTOM:
        return formula_surface()[0]
    return name if name in SURFACES else DEFAULT_SURFACE


def default_start(surface_name: str) -> tuple[float, float]:
    return tuple(float(v) for v in get_surface(surface_name).starts[0])


def set_start(x: float, y: float) -> None:
    """Move the start point; call from a widget callback (before the sidebar is drawn again)."""
    (x0, x1), (y0, y1) = get_surface(_surface_name()).domain
    st.session_state[START_X_KEY] = float(min(max(x, x0), x1))
    st.session_state[START_Y_KEY] = float(min(max(y, y0), y1))


def start_from_click(trace_index: int, point: dict | None) -> None:
    """on_click callback of a contour chart (dashboard.live_chart): a click on the contour (trace
    `trace_index`) moves the start point to the grid node under the pointer. A module function, not one defined in a page script: a
    callback's globals would keep the whole last run of that page (figure, trajectories) alive."""
    if point and point.get("curve") == trace_index and "x" in point and "y" in point:
        set_start(float(point["x"]), float(point["y"]))


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


def formula_controls(box) -> None:
    """The text box for f(x, y); a refused formula shows why, with a caret under the column."""
    _refuse_unfit(box, FORMULA_KEY, "f(x, y)", lambda v: isinstance(v, str), DEFAULT_FORMULA)
    initial(FORMULA_KEY, DEFAULT_FORMULA)
    box.text_input("f(x, y) =", key=FORMULA_KEY, max_chars=MAX_LENGTH, on_change=_reset_start,
                   help="x, y, numbers, + - * / ** (or ^), pi, e and sin, cos, tan, exp, log, sqrt, abs, tanh, "
                        "sigmoid, softplus, relu, min, max, ...; e.g. sin(x)*cos(y) or (1-x)**2 + 5*(y-x**2)**2")
    name, error = formula_surface()
    if error is not None:
        text = str(st.session_state.get(FORMULA_KEY, ""))
        box.error(f"Formula refused at column {error.column}: {error.reason}. "
                  f"Still showing f(x, y) = {name.split(':', 1)[1]}.")
        if "\n" not in text and len(text) <= 80:
            box.code(f"{text}\n{' ' * (error.column - 1)}^", language=None)
        return
    surface = get_surface(name)
    box.latex(surface.latex)
    if surface.note != "A formula typed by the user.":
        box.caption(surface.note)


def shared_controls(container=None) -> RunConfig:
    """Draw the scene's widgets (in the sidebar by default) and return shared_config()."""
    box = container if container is not None else st.sidebar
    names = list(SURFACE_CHOICES)
    _refuse_unfit(box, SURFACE_KEY, "surface", lambda v: v in SURFACE_CHOICES, DEFAULT_SURFACE)
    initial(SURFACE_KEY, DEFAULT_SURFACE, options=names)
    if st.session_state.get(SURFACE_KEY) not in SURFACE_CHOICES:
        st.session_state[SURFACE_KEY] = DEFAULT_SURFACE
    box.selectbox("surface", names, key=SURFACE_KEY, format_func=_choice_title,
                  on_change=_reset_start, help="the loss surface every page uses")
    if st.session_state[SURFACE_KEY] == CUSTOM:
        formula_controls(box)
    name = _surface_name()
    surface = get_surface(name)
    params_inputs(surface.params, f"scene.{name}", box)
    (x0, x1), (y0, y1) = surface.domain
    x, y = default_start(name)
    # Keep a start left from another surface (or set by a preset) inside this surface's domain.
    for key, value, low, high in ((START_X_KEY, x, x0, x1), (START_Y_KEY, y, y0, y1)):
        _refuse_unfit(box, key, key.replace("scene.", "").replace("_", " "),
                    lambda v: _is_number(v, -math.inf, math.inf), value)
        initial(key, float(value), low=float(low), high=float(high))
        st.session_state[key] = float(min(max(st.session_state[key], low), high))
    box.slider("start x", float(x0), float(x1), step=(x1 - x0) / START_GRID, key=START_X_KEY, format="%.3f",
               help="or click the contour on the Trajectories page")
    box.slider("start y", float(y0), float(y1), step=(y1 - y0) / START_GRID, key=START_Y_KEY, format="%.3f")
    _refuse_unfit(box, STEPS_KEY, "steps", lambda v: _is_number(v, 10, MAX_SCENE_STEPS, whole=True), DEFAULT_STEPS)
    initial(STEPS_KEY, DEFAULT_STEPS, low=10, high=MAX_SCENE_STEPS)
    box.slider("steps", 10, MAX_SCENE_STEPS, step=10, key=STEPS_KEY, help="number of updates of every run")
    _refuse_unfit(box, SEED_KEY, "seed", lambda v: _is_number(v, 0, 2**31 - 1, whole=True), 0)
    initial(SEED_KEY, 0, low=0, high=2**31 - 1)
    box.number_input("seed", 0, 2**31 - 1, step=1, key=SEED_KEY, help="fixes data, minibatches and noise")
    return shared_config()
