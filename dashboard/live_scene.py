"""The scene's sidebar controls, drawn after the page's chart, and a page's scene-dependent part as a fragment.

A slider move reruns the script, and the browser draws the new chart only once it has the chart's message
and has drawn every element sent before it. So:
- app.py settles the scene before the page runs (begin) but draws its controls after it (end), into the
  place kept for them in the sidebar (dashboard/deferred.py);
- a page puts what depends on the scene in scene_fragment(draw): moving a scene control then reruns only
  that fragment (draw(scene), then the scene controls and the link), not the page's title, its optimizer
  and option controls, the navigation or the presentation controls. A control of the page reruns everything.
"""
from __future__ import annotations

import contextlib
from typing import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import urlstate
from dashboard.deferred import Deferred
from dashboard.engine import RunConfig
from dashboard.scene import shared_config, shared_controls

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
