"""Streamlit widgets for declared parameters: one widget per Param, returning plain values.

Every widget gets an explicit, stable `key=` so that presets and URLs can set a control by writing
st.session_state[key] before the widget is drawn. A widget's starting value is put into session_state
once, through initial(), and the widget is created without `value=`, which avoids Streamlit's warning about
a widget given both a default and a session-state value. initial() also takes what the value may be
(options, range, a check), so that a value from a link (dashboard/urlstate.py) is checked before a widget
sees it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import streamlit as st

from dashboard import urlstate
from dashboard.engine import RUN_PARAMS
from optimizers import RULES, SCHEDULES
from optimizers.params import Param

# Mantissas of a log slider: 1, 1.5, 2, 3, 4, 5, 6, 7, 8 per decade reads as a "nice" value everywhere.
LOG_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
LOG_DECADES_EACH_SIDE = 4
SLIDER_MAX_SPAN = 200.0  # wider float ranges get a number box: a slider step would be too coarse
INT_SLIDER_MAX_SPAN = 1000
# Rates that show something on the 2-D surfaces; torch's defaults (SGD 1e-3) crawl on them.
DEMO_DEFAULTS = {"lr": 0.05}
WARMUP = next(p for p in RUN_PARAMS if p.name == "warmup")


def initial(key: str, value: Any, *, options=None, low=None, high=None, check=None) -> None:
    """Give a widget its starting value once (a preset may have set it already; a link's value comes first).

    `value` is the default (its type is how a link's string is read); `options`, `low`/`high` (inclusive)
    and `check` (raises ValueError) say what a value from a link may be. The widget's value goes into the
    page's URL whenever it differs from `value`.
    """
    urlstate.seed(key, value, options=options, low=low, high=high, check=check)


def log_options(param: Param, around: float) -> list[float]:
    """Nice log-spaced values within the parameter's bounds, LOG_DECADES_EACH_SIDE decades about `around`."""
    centre = math.floor(math.log10(around))
    values = []
    for exponent in range(centre - LOG_DECADES_EACH_SIDE, centre + LOG_DECADES_EACH_SIDE + 1):
        for mantissa in LOG_MANTISSAS:
            values.append(float(f"{mantissa * 10.0 ** exponent:.6g}"))
    return [v for v in values if _admissible(param, v)]


def _admissible(param: Param, value: float) -> bool:
    try:
        param.validate(value)
        return True
    except ValueError:
        return False


def _format_number(value: float) -> str:
    return f"{value:g}"


def _float_step(param: Param) -> float:
    span = param.high - param.low
    return float(10.0 ** math.floor(math.log10(span / 100.0))) if span > 0 else 0.01


def float_slider_range(param: Param, start: float) -> tuple[float, float, float]:
    """(min, max, step) of a float slider; an open bound stays one step away, and the step is fine enough
    that the starting value fits (torch's beta2 = 0.999 needs a step of 0.001, not 0.01)."""
    step = _float_step(param)
    for bound, is_open in ((param.low, param.low_open), (param.high, param.high_open)):
        gap = abs(start - bound)
        if is_open and 0 < gap < step:
            step = float(10.0 ** math.floor(math.log10(gap)))
    low = param.low + step if param.low_open else param.low
    high = param.high - step if param.high_open else param.high
    return float(f"{low:.12g}"), float(f"{high:.12g}"), step


def junk_reason(param: Param, value: Any) -> str | None:
    """Why a value held for a widget (set by a preset, a test or a stale session) cannot be its value."""
    if param.kind == "bool":
        return None if isinstance(value, (bool, np.bool_)) else f"expected true or false, got {value!r}"
    if param.kind == "list":
        if not isinstance(value, str):
            return f"expected values separated by ;, got {value!r}"
        return None  # a list that does not parse is reported under its box
    if param.kind in ("int", "float") and (isinstance(value, (bool, np.bool_, str))
                                         or not isinstance(value, (int, float, np.number))):
        return f"expected a number, got {value!r}"
    try:
        param.validate(value)
    except ValueError as error:
        return str(error).removeprefix(f"{param.name}: ")
    return None


def refuse_held(key: str, label: str, why, instead: Any, container=st) -> None:
    """If session state holds a value for `key` that why(value) gives a reason against, name it in an error and
    drop it (the widget then starts at `instead`), before the widget is drawn: Streamlit would raise on it."""
    if key not in st.session_state:
        return
    reason = why(st.session_state[key])
    if reason is not None:
        container.error(f"{label}: {reason}; using {instead} instead.")
        del st.session_state[key]


def refuse_junk(param: Param, key: str, label: str, start: Any, container=st) -> None:
    """A value the widget could not show (NaN, inf, beta >= 1, eps <= 0, a string) is refused (refuse_held)."""
    shown = ";".join(f"{v:g}" for v in start) if param.kind == "list" else start
    refuse_held(key, label, lambda value: junk_reason(param, value), shown, container)


def param_input(param: Param, key: str, label: str | None = None, container=st, default: Any = None) -> Any:
    """One widget for any Param (float, log float, int, bool, choice, list); returns its validated value.

    `default` overrides param.default as the starting value. A list that does not parse shows an error
    under the box and the default is used, so a typo never raises.
    """
    label = label or param.name
    start = param.default if default is None else default
    help_text = param.help or None
    refuse_junk(param, key, label, start, container)
    if param.kind == "bool":
        initial(key, bool(start))
        return bool(container.toggle(label, key=key, help=help_text))
    if param.kind == "choice":
        initial(key, start, options=param.choices)
        return container.selectbox(label, param.choices, key=key, help=help_text)
    if param.kind == "list":
        initial(key, ";".join(f"{v:g}" for v in start), check=param.parse)
        text = container.text_input(label, key=key, help=(help_text or "") + " (values separated by ;)")
        try:
            return param.parse(text)
        except ValueError as error:
            container.error(str(error))
            return tuple(start)
    if param.kind == "int":
        return _int_input(param, key, label, container, int(start), help_text)
    return _float_input(param, key, label, container, float(start), help_text)


def _int_input(param, key, label, container, start, help_text):
    low = int(param.low) if param.low is not None else None
    high = int(param.high) if param.high is not None else None
    initial(key, start, low=low, high=high, check=param.validate)
    if low is not None and high is not None and high - low <= INT_SLIDER_MAX_SPAN:
        return int(container.slider(label, min_value=low, max_value=high, step=1, key=key, help=help_text))
    return int(container.number_input(label, min_value=low, max_value=high, step=1, key=key, help=help_text))


def _beyond_slider(value: Any, low: float, high: float) -> str | None:
    if isinstance(value, (int, float)) and not low <= value <= high:
        return f"{value:g} is beyond this slider ({low:g} to {high:g})"
    return None


def _float_input(param, key, label, container, start, help_text):
    if param.log and start > 0:
        initial(key, float(start), check=param.validate)
        current = st.session_state[key]
        options = log_options(param, start)
        # A preset or a link may ask for a value off the grid: keep it selectable rather than failing.
        for extra in (start, current):
            if isinstance(extra, (int, float)) and extra not in options and _admissible(param, extra):
                options.append(float(extra))
        options.sort()
        return float(container.select_slider(label, options=options, key=key, format_func=_format_number,
                                             help=help_text))
    bounded = param.low is not None and param.high is not None and math.isfinite(param.high - param.low)
    if bounded and param.high - param.low <= SLIDER_MAX_SPAN:
        low, high, step = float_slider_range(param, start)
        # A value its rule accepts but the slider cannot show (momentum 0.995 past a 0.99 end).
        refuse_held(key, label, lambda v: _beyond_slider(v, low, high), f"{float(np.clip(start, low, high)):g}",
                    container)
        initial(key, float(np.clip(start, low, high)), low=low, high=high, check=param.validate)
        return float(container.slider(label, min_value=low, max_value=high, step=step, key=key,
                                      help=help_text, format="%g"))
    initial(key, float(start), low=param.low, high=param.high, check=param.validate)
    return float(container.number_input(
        label, min_value=None if param.low is None else float(param.low),
        max_value=None if param.high is None else float(param.high),
        step=0.01, key=key, help=help_text, format="%g"))


def params_inputs(params: tuple[Param, ...], key_prefix: str, container=st,
                  defaults: dict | None = None) -> tuple[tuple[str, Any], ...]:
    """Widgets for a group of parameters -> ((name, value), ...) ready for a RunConfig."""
    defaults = defaults or {}
    return tuple((p.name, param_input(p, f"{key_prefix}.{p.name}", container=container,
                                      default=defaults.get(p.name)))
                 for p in params)


def optimizer_controls(key_prefix: str, default_rule: str = "sgd", default_params: dict | None = None,
                       container=st, more_container=None, shown: int = 2) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """A selectbox over every registered optimizer plus that optimizer's own parameters.

    Parameter keys include the rule's name ("<prefix>.adam.lr"), so switching rule never hands one rule's
    value to another's widget. default_params apply to any rule that has a parameter of that name.
    With `more_container` (an expander, say), only the first `shown` parameters go in `container` and the
    rest in `more_container`, keeping a column of several optimizers short.
    """
    names = list(RULES)
    rule_key = f"{key_prefix}.rule"
    initial(rule_key, default_rule if default_rule in RULES else names[0], options=names)
    if st.session_state[rule_key] not in RULES:  # a preset naming a rule that no longer exists
        st.session_state[rule_key] = names[0]
    name = container.selectbox("optimizer", names, key=rule_key, format_func=lambda n: RULES[n].title,
                               help="the update rule; its equation is shown with the figures")
    defaults = {**DEMO_DEFAULTS, **(default_params or {})}
    params = RULES[name].params
    if more_container is None:
        return name, params_inputs(params, f"{key_prefix}.{name}", container, defaults)
    first = params_inputs(params[:shown], f"{key_prefix}.{name}", container, defaults)
    rest = params_inputs(params[shown:], f"{key_prefix}.{name}", more_container, defaults)
    return name, first + rest


def schedule_controls(key_prefix: str, default: str = "constant", container=st
                      ) -> tuple[str, tuple[tuple[str, Any], ...], int]:
    """A selectbox over every registered schedule, its parameters and a linear warmup length."""
    names = list(SCHEDULES)
    schedule_key = f"{key_prefix}.schedule"
    initial(schedule_key, default if default in SCHEDULES else names[0], options=names)
    if st.session_state[schedule_key] not in SCHEDULES:
        st.session_state[schedule_key] = names[0]
    name = container.selectbox("schedule", names, key=schedule_key, format_func=lambda n: SCHEDULES[n].title,
                               help="how the learning rate changes with the step")
    values = params_inputs(SCHEDULES[name].params, f"{key_prefix}.{name}", container)
    warmup = param_input(WARMUP, f"{key_prefix}.warmup", label="warmup steps", container=container)
    return name, values, int(warmup)
