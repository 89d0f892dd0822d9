"""Forget the widgets a session no longer shows: a workaround for Streamlit 1.67 keeping their metadata.

At the end of a run Streamlit drops the value of every widget the run did not draw, but keeps its
WidgetMetadata. A plotly chart that takes selections gets a new widget id whenever its figure changes (the
id hashes the spec), so every redraw left one entry behind, holding the chart's on_select callback and,
through the callback's globals, the whole namespace of that run's page script: its figure and trajectories.
A session moving a slider grew the server by about 1.3 MB a redraw until the session ended (issue 5's load
test). Run at the start of each run, this drops the metadata of ids whose value Streamlit has already
dropped; a widget drawn again registers anew, so nothing a user sees changes.
"""
from __future__ import annotations

from streamlit.runtime.scriptrunner import get_script_run_ctx


def forget() -> int:
    """Drop metadata of widgets without a value (gone since an earlier run); returns how many."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return 0
    safe_state = ctx.session_state
    with safe_state._lock:
        widgets = safe_state._state._new_widget_state
        gone = [widget_id for widget_id in widgets.widget_metadata if widget_id not in widgets.states]
        for widget_id in gone:
            del widgets.widget_metadata[widget_id]
    return len(gone)
