"""show.chart_first: in a scene move the first chart is sent, then a pause, then the rest (dashboard/show.py).

On the real server, tests/test_live_chart.py times the pause between a scene move's chart and the next element,
and the browser test `test_a_scene_slider_reruns_only...` checks that the chart is the move's first element."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import show


def _charts_in_a_block_and_after():
    import plotly.graph_objects as go
    import streamlit as st

    from dashboard import show

    def animated():
        return go.Figure(go.Scatter(x=[0, 1], y=[0, 1]),
                         frames=[go.Frame(name=str(step), data=[go.Scatter(x=[0, step], y=[0, step])], traces=[0])
                                 for step in (0, 5, 10)])

    with show.chart_first(st.session_state.get("pause", 0.08)):
        show.chart(animated(), key="first", step_key="first.step")
        show.chart(animated(), key="second")
    show.chart(animated(), key="after")


@pytest.fixture
def pauses(monkeypatch):
    """Each pause as (seconds, the keys of the widgets drawn before it in the app's first run)."""
    import streamlit as st

    seen = []

    def note(seconds):
        seen.append((seconds, [key for key in ("first", "first.step.back", "second", "after")
                               if key in st.session_state]))

    monkeypatch.setattr(show, "_sleep", note)
    return seen


def test_the_first_chart_of_the_block_is_followed_by_the_pause_before_its_step_buttons(pauses):
    at = AppTest.from_function(_charts_in_a_block_and_after).run()
    assert not at.exception
    assert pauses == [(0.08, ["first"])]  # once, right after the first chart: not its buttons, nor later charts
    assert [b.label for b in at.button] == ["◀ step", "step ▶"]  # the step buttons still come, after it


def test_no_pause_outside_a_block_or_with_none_asked(pauses):
    at = AppTest.from_function(_charts_in_a_block_and_after)
    at.session_state["pause"] = 0.0
    at.run()
    assert not at.exception and pauses == []
