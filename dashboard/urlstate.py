"""Every control in the link: the URL's query parameters seed the widgets, and each run writes them back.

Every widget gets its starting value through dashboard.controls.initial(), which calls seed() here. On a
session's first run the opening URL's parameters are held as `pending`; seed() takes a widget's value from
them, parsed by the type of the widget's default and checked against its options or range. A value that
does not parse or fit, and a parameter no widget asked for, falls back to the default and is named in one
note at the top of the page: a link never raises.

At the end of every run finish() writes back only the values that differ from their defaults (links stay
short), in the order the widgets were drawn, so a rule comes before its parameters. Query parameters are
strings: booleans are 1/0, floats their shortest exact repr, so a link reproduces the session's values.

A run's st.query_params are the URL the browser had when it asked for the run, which may be older than what
the previous run wrote (a key pressed while that write was on its way): finish() writes whenever the wanted
parameters differ from those or from what this session wrote last.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

import streamlit as st

PENDING = "_url.pending"  # the opening URL's parameters not yet taken by a widget (first run only)
NOTES = "_url.notes"  # what the link held that was ignored, shown until dismissed
RUN = "_url.run"  # this run's widgets: key -> Spec
STARTED = "_url.started"
KEPT = "_url.kept"  # every control's last value, so that a page left and opened again keeps its settings
WRITTEN = "_url.written"  # the parameters this session last wrote to the URL
MAX_VALUE_CHARS = 600  # a typed formula may take 500
NOTE_VALUE_CHARS = 40
SHOWN_OPTIONS = 6
IGNORED_KEYS = {"embed", "embed_options"}  # Streamlit's own
TRUE_WORDS, FALSE_WORDS = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


@dataclass
class Spec:
    """A widget's default and what its value may be."""

    default: Any
    options: tuple | None = None
    low: float | None = None
    high: float | None = None
    check: Callable[[Any], Any] | None = None  # raises ValueError for a value that does not fit


@dataclass
class RunState:
    specs: dict[str, Spec] = field(default_factory=dict)
    placeholder: Any = None
    finished: bool = False


class Invalid(ValueError):
    """A link's value that does not fit its widget; the message says what would."""


def _run() -> RunState:
    state = st.session_state.get(RUN)
    if state is None:
        state = st.session_state[RUN] = RunState()
    return state


def begin() -> None:
    """Start a run: forget last run's widgets; on a session's first run, hold the URL's parameters."""
    st.session_state[RUN] = RunState(placeholder=st.empty())
    # Streamlit forgets a widget's value once a run does not draw it (a page switch); put it back.
    for key, value in st.session_state.get(KEPT, {}).items():
        if key not in st.session_state:
            st.session_state[key] = value
    if not st.session_state.get(STARTED):
        st.session_state[STARTED] = True
        pending = {}
        for key in st.query_params:
            if key.lower() in IGNORED_KEYS:
                continue
            given = st.query_params.get_all(key)
            pending[key] = given[-1] if given else ""  # a repeated key: the last one counts, as in st.query_params
        st.session_state[PENDING] = pending
        st.session_state[NOTES] = []


def seed(key: str, default: Any, *, options=None, low=None, high=None, check=None) -> None:
    """Register a widget and, the first time, put its starting value (from the link, else `default`)."""
    spec = Spec(default, tuple(options) if options is not None else None, low, high, check)
    _run().specs[key] = spec
    if key in st.session_state:
        return
    value = default
    pending = st.session_state.get(PENDING) or {}
    if key in pending:
        text = pending.pop(key)
        try:
            value = parse(text, spec)
        except Invalid as why:
            _note(f"{key}={_shown(text)} ({why})")
    st.session_state[key] = value


def parse(text: Any, spec: Spec) -> Any:
    """A URL string as a value of the default's type, checked against the spec; raises Invalid."""
    if not isinstance(text, str):
        raise Invalid("not text")
    if len(text) > MAX_VALUE_CHARS:
        raise Invalid(f"longer than {MAX_VALUE_CHARS} characters")
    default, raw = spec.default, text.strip()
    if isinstance(default, bool):
        if raw.lower() in TRUE_WORDS:
            value = True
        elif raw.lower() in FALSE_WORDS:
            value = False
        else:
            raise Invalid("not on/off: use 1 or 0")
    elif isinstance(default, int):
        try:
            value = int(raw)
        except ValueError:
            raise Invalid("not a whole number" + _range_text(spec)) from None
    elif isinstance(default, float):
        try:
            value = float(raw)
        except ValueError:
            raise Invalid("not a number" + _range_text(spec)) from None
        if not math.isfinite(value):
            raise Invalid("not a finite number" + _range_text(spec))
    else:
        value = text
    return _checked(value, spec)


def _checked(value: Any, spec: Spec) -> Any:
    if spec.options is not None:
        matches = [option for option in spec.options if option == value]
        if not matches:
            shown = ", ".join(str(o) for o in spec.options[:SHOWN_OPTIONS])
            more = ", …" if len(spec.options) > SHOWN_OPTIONS else ""
            raise Invalid(f"not one of {shown}{more}")
        value = matches[0]
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        whole = isinstance(spec.default, int) and not isinstance(spec.default, bool)
        raise Invalid(("not a whole number" if whole else "not a number") + _range_text(spec))
    if spec.check is not None:
        try:
            spec.check(value)
        except (ValueError, TypeError, OverflowError) as why:
            raise Invalid(str(why)) from None
    return value


def _range_text(spec: Spec) -> str:
    if spec.low is None and spec.high is None:
        return ""
    low = "" if spec.low is None else _number_text(spec.low)
    high = "" if spec.high is None else _number_text(spec.high)
    return f" {low}..{high}"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def encode(value: Any) -> str:
    """A value as its query-parameter string (parse() reads it back to the same value)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _shown(text: Any) -> str:
    text = "".join(c for c in str(text) if c.isprintable()).replace("`", "'")
    return text if len(text) <= NOTE_VALUE_CHARS else text[:NOTE_VALUE_CHARS] + "…"


def _note(message: str) -> None:
    notes = st.session_state.setdefault(NOTES, [])
    if message not in notes:
        notes.append(message)


def changed() -> dict[str, str]:
    """This run's widgets whose value differs from the default, as query parameters, in drawing order."""
    wanted = {}
    for key, spec in _run().specs.items():
        if key in st.session_state:
            value = st.session_state[key]
            if value != spec.default:
                wanted[key] = encode(value)
    return wanted


def link() -> str:
    """The URL of this scene (page address plus changed values); empty when the browser's URL is unknown."""
    try:
        base = st.context.url
    except Exception:  # noqa: BLE001 - outside a browser session (tests, bare mode)
        base = None
    wanted = changed()
    return (base or "") + ("?" + urlencode(wanted) if wanted and base else "")


def _dismiss() -> None:
    st.session_state[NOTES] = []


def reopen() -> bool:
    """Start a fragment's run (dashboard/live_scene.py); returns whether the fragment reruns on its own, after
    the run that drew it finished (then the fragment calls finish(notes=False) at its end)."""
    run = _run()
    alone, run.finished = run.finished, False
    return alone


def finish(notes: bool = True) -> None:
    """End a run: report what the link held that no widget took, then write the changed values to the URL.

    notes=False (a fragment rerunning on its own) leaves the notes box at the top of the page as it is.
    """
    run = _run()
    if run.finished:
        return
    run.finished = True
    leftover = st.session_state.pop(PENDING, None) or {}
    for key, text in leftover.items():
        _note(f"{_shown(key)}={_shown(text)} (no such control on this page)")
    notes = notes and st.session_state.get(NOTES) or []
    if notes and run.placeholder is not None:
        box = run.placeholder.container()
        box.warning("Ignored from the link, defaults used instead: " + "; ".join(f"`{n}`" for n in notes),
                    icon=":material/link_off:")
        box.button("dismiss", key="_url.dismiss", on_click=_dismiss)
    kept = st.session_state.setdefault(KEPT, {})
    kept.update((key, st.session_state[key]) for key in run.specs if key in st.session_state)
    wanted = changed()
    current = {key: st.query_params.get_all(key) for key in st.query_params if key.lower() not in IGNORED_KEYS}
    if current != {key: [value] for key, value in wanted.items()} or st.session_state.get(WRITTEN, wanted) != wanted:
        st.query_params.from_dict(wanted)
        st.session_state[WRITTEN] = wanted


def write_before_stop(stop: Callable[[], None]) -> Callable[[], None]:
    """Wrap st.stop so that a page stopping early (after an error message) still writes its link."""
    if getattr(stop, "_writes_link", False):
        return stop

    def stop_after_writing_link():
        try:
            if RUN in st.session_state:
                finish()
        finally:
            stop()

    stop_after_writing_link._writes_link = True
    return stop_after_writing_link
