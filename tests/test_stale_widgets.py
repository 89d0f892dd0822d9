"""A session that keeps redrawing keeps no old figures: dashboard/stale_widgets.py against Streamlit's leak."""
from __future__ import annotations

import gc
import json

import plotly.graph_objects as go
from apptest_helpers import chart_elements, open_page
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

from dashboard.figures.landscape import CLICK_TRACE_INDEX


def live_figures() -> int:
    gc.collect()
    return sum(isinstance(o, go.Figure) for o in gc.get_objects())


def test_redraws_leave_no_figures_behind():
    """Each start-x move gives the contour chart a new widget id; without the workaround every old id's
    metadata held its run's on_select callback, and through it that run's figure (one more per redraw).
    The callback itself is a module function (dashboard.scene.start_from_click), so not even the latest
    run's figure outlives its run."""
    before = live_figures()
    at = open_page()
    for step in range(12):
        at.slider(key="scene.start_x").set_value(round(-1.4 + 0.05 * step, 2)).run()
        assert not at.exception
    assert live_figures() == before


def test_a_click_on_the_contour_moves_the_start():
    """A click on the contour comes back from the live chart as a trigger event ("click") and
    moves the start point, also after redraws and the pruning of stale widget metadata."""
    at = open_page()
    for step in range(3):  # a few redraws first, so that pruning has run
        at.slider(key="scene.start_x").set_value(round(-1.0 + 0.1 * step, 2)).run()
    (chart,) = chart_elements(at)
    click = [{"event": "click", "value": {"curve": CLICK_TRACE_INDEX, "x": 0.5, "y": -0.5}}]
    states = WidgetStates()
    states.widgets.extend(at._tree.get_widget_states().widgets)  # every widget as the browser holds it ...
    states.widgets.append(WidgetState(id=_make_trigger_id(chart.proto.id, "events"),  # ... and a click
                                      json_trigger_value=json.dumps(click)))
    at._run(states)
    assert not at.exception
    assert at.slider(key="scene.start_x").value == 0.5 and at.slider(key="scene.start_y").value == -0.5


def test_a_click_elsewhere_leaves_the_start():
    """A click on a path or a curve (another trace) is not a start point."""
    at = open_page()
    before = (at.slider(key="scene.start_x").value, at.slider(key="scene.start_y").value)
    (chart,) = chart_elements(at)
    click = [{"event": "click", "value": {"curve": CLICK_TRACE_INDEX + 3, "x": 0.5, "y": -0.5}}]
    states = WidgetStates()
    states.widgets.extend(at._tree.get_widget_states().widgets)
    states.widgets.append(WidgetState(id=_make_trigger_id(chart.proto.id, "events"),
                                      json_trigger_value=json.dumps(click)))
    at._run(states)
    assert not at.exception
    assert (at.slider(key="scene.start_x").value, at.slider(key="scene.start_y").value) == before
