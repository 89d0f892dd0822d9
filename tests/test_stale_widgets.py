"""A session that keeps redrawing keeps no old figures: dashboard/stale_widgets.py against Streamlit's leak."""
from __future__ import annotations

import gc
import json

import plotly.graph_objects as go
from apptest_helpers import open_page
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


def test_a_click_on_the_contour_still_moves_the_start():
    """The chart's current metadata (its on_select callback) survives the pruning: a selection event on the
    click grid arrives and moves the start point."""
    at = open_page()
    for step in range(3):  # a few redraws first, so that pruning has run
        at.slider(key="scene.start_x").set_value(round(-1.0 + 0.1 * step, 2)).run()
    chart = at.get("plotly_chart")[0]
    state = {"selection": {"points": [{"curve_number": CLICK_TRACE_INDEX, "x": 0.5, "y": -0.5}],
                           "point_indices": [0], "box": [], "lasso": []}}
    states = WidgetStates()
    states.widgets.extend(at._tree.get_widget_states().widgets)  # every widget as the browser holds it ...
    states.widgets.append(WidgetState(id=chart.proto.id, string_value=json.dumps(state)))  # ... and a click
    at._run(states)
    assert at.slider(key="scene.start_x").value == 0.5 and at.slider(key="scene.start_y").value == -0.5
