"""A minimal Streamlit client over its real websocket protocol, for load tests without a browser.

It speaks what the browser speaks: BackMsg(rerun_script=ClientState) up, ForwardMsg deltas down, and
counts a rerun done at ForwardMsg.script_finished. Widgets are found in the deltas by their user key.
"""
from __future__ import annotations

import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from dashboard.live_chart import COMPONENT_NAME as LIVE_CHART


class StreamlitSession:
    def __init__(self, base_url: str, page_script_hash: str = "", query_string: str = ""):
        ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        # No keepalive pings from our side: a browser sends none, and on a loaded server a missed pong would
        # drop a session the browser keeps (a redraw slower than `timeout` still counts as an error).
        self._connection = connect(ws_url, subprotocols=["streamlit"], origin=base_url, max_size=None,
                                   open_timeout=30, ping_interval=None)
        self.ws = self._connection.__enter__()
        self.page_script_hash = page_script_hash
        self.query_string = query_string
        self.widgets: dict[str, object] = {}  # widget id -> element proto (slider, selectbox ...)
        self.exceptions: list[str] = []
        self.chart_specs: list[str] = []  # chart data drawn by the latest rerun
        self.received: list[tuple[float, ForwardMsg]] = []  # the latest rerun's messages, seconds after sending

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def rerun(self, widget_states: list | None = None, timeout: float = 60.0, fragment_id: str = "") -> float:
        """Send one rerun (of the fragment `fragment_id` only, if given) and wait for it to finish; returns the
        seconds it took."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        for widget in widget_states or []:
            state.widget_states.widgets.append(widget)
        self.chart_specs = []
        self.received = []
        started = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        deadline = started + timeout
        while True:
            data = self.ws.recv(timeout=max(0.1, deadline - time.perf_counter()))
            forward = ForwardMsg()
            forward.ParseFromString(data)
            self.received.append((time.perf_counter() - started, forward))
            kind = forward.WhichOneof("type")
            if kind == "new_session" and not self.page_script_hash:
                self.page_script_hash = forward.new_session.page_script_hash
            elif kind == "delta":
                self._note_element(forward.delta)
            elif kind == "script_finished":
                return time.perf_counter() - started

    def _note_element(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        which = element.WhichOneof("type")
        if which == "bidi_component" and element.bidi_component.component_name == LIVE_CHART:
            self.chart_specs.append(element.bidi_component.json)
        if which == "plotly_chart":
            self.chart_specs.append(element.plotly_chart.spec)
        if which == "exception":
            self.exceptions.append(element.exception.message)
            return
        inner = getattr(element, which, None)
        widget_id = getattr(inner, "id", "")
        if widget_id:
            self.widgets[widget_id] = inner

    def slider_state(self, key: str, value: float):
        """The WidgetState that sets the slider with user key `key` to `value`."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget_id = next((wid for wid in self.widgets if wid.endswith(key)), None)
        if widget_id is None:
            raise KeyError(f"no widget with key {key!r}; seen: {list(self.widgets)[:20]}")
        state = WidgetState(id=widget_id)
        state.double_array_value.data.append(value)
        return state
