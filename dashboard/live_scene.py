"""The scene's sidebar controls, drawn after the page's chart, and a page's scene-dependent part as a fragment.

A slider move reruns the script, and the browser draws the new chart only once it has the chart's message
and has drawn every element sent before it. So:
- app.py settles the scene before the page runs (begin) but draws its controls after it (end), into the
  place kept for them in the sidebar (dashboard/deferred.py);
- a page puts what depends on the scene in scene_fragment(draw): moving a scene control then reruns only
  that fragment (draw(scene), then the scene controls and the link), not the page's title, its optimizer
  and option controls, the navigation or the presentation controls. A control of the page reruns everything;
- in a scene move the fragment sends its chart, waits CHART_FIRST_PAUSE_S (show.chart_first), then sends the
  rest, so that the browser paints the chart before it renders what comes under it and the sidebar.
"""
from __future__ import annotations

import contextlib
from typing import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import show, urlstate
from dashboard.deferred import Deferred
from dashboard.engine import RunConfig
from dashboard.scene import shared_config, shared_controls

# After the chart of a scene move, the fragment waits this long before it sends the rest (show.chart_first):
# the time the browser takes to draw the Trajectories chart (React and Plotly.animate, 50-90 ms here) and
# paint it, with some to spare. Sequential A/B, four rounds of the latency bench: a move took 213 ms with no
# pause, 175 ms with 50 ms and 148 ms with 80 ms (the bare app 108 ms); the elements under the chart and
# the sidebar's controls, rendered in the same pass as the chart before, arrive that much later. Raised to
# 120 ms on 2026-12-03: sequential A/B, four rounds, 212 against 224 ms a move with 80 (the bare app 157 ms
# that hour).
CHART_FIRST_PAUSE_S = 0.12
SLOT = "_scene.slot"  # the sidebar container kept for the scene controls by this session's last full run
SETTLED = "_scene.settled"  # the controls settled by app.py in this run, not drawn yet (None once drawn)


def begin() -> RunConfig:
    """Before the page: keep the sidebar's place for the scene controls and settle their values."""
    st.session_state[SLOT] = st.sidebar.container()
    controls = Deferred()
    scene = shared_controls(controls)
    st.session_state[SETTLED] = controls
    return scene


def end() -> None:
    """After the page: draw the scene controls and the link, unless the page's scene fragment drew them."""
    controls = st.session_state.pop(SETTLED, None)
    if controls is not None:
        _draw(controls, st.session_state[SLOT])


def _draw(controls: Deferred, slot) -> None:
    with _as_entry_script():
        controls.replay(slot)
        with slot.expander("Link to this scene"):
            st.caption("The address bar always holds this scene; copy it from there or here.")
            st.code(urlstate.link() or "(open the app in a browser to see its address)", language=None,
                    wrap_lines=True)


def _as_entry_script():
    """Draw as app.py does, also from a page's fragment: Streamlit puts the running script's hash in each
    widget's id, and a scene control must keep its id (and so its value) from page to page."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return contextlib.nullcontext()
    return ctx.run_with_active_hash(ctx.pages_manager.main_script_hash)


@st.fragment
def _scene_part(draw: Callable[[RunConfig], None]) -> None:
    rerun_alone = urlstate.reopen()  # a scene control or a widget of draw() moved: only this fragment runs
    slot = st.session_state.get(SLOT)
    controls = None if rerun_alone else st.session_state.pop(SETTLED, None)
    if slot is None:  # the page runs on its own (tests): the scene's defaults and no controls
        scene = shared_config()
    elif controls is None:
        controls = Deferred()
        scene = shared_controls(controls)
    else:
        scene = shared_config()
    try:
        with show.chart_first(CHART_FIRST_PAUSE_S if rerun_alone else 0.0):
            draw(scene)
    finally:
        if controls is not None:
            _draw(controls, slot)
        if rerun_alone:
            urlstate.finish(notes=False)


def scene_fragment(draw: Callable[[RunConfig], None]) -> None:
    """Call draw(scene) in a fragment with the scene controls: moving one of them reruns only draw().

    draw() must not change what the page drew before it (its controls are fixed until a full run), and
    should keep its figures in its own variables, not the page's globals: the fragment holds on to draw().
    """
    _scene_part(draw)
