"""The live chart (dashboard/live_chart.py) over the real server: what a chart sends, and plotly.js served by
the dashboard itself at the address the charts name (no network, the version plotly.py ships)."""
from __future__ import annotations

import json
import urllib.request

import plotly.io as pio

from bench.browser import streamlit_server
from bench.ws_client import StreamlitSession
from dashboard.live_chart import (COMPONENT_NAME, FRAMES_NAME, PLOTLY_JS_FILE, PLOTLY_JS_FOLDER, PRELOAD_NAME,
                                  frames_token_for)
from dashboard.live_scene import CHART_FIRST_PAUSE_S


def test_a_chart_sends_its_figure_and_the_server_serves_plotly_js():
    with streamlit_server("dashboard/app.py") as (url, _process, _started):
        session = StreamlitSession(url)
        try:
            session.rerun(timeout=300)  # the landing page: Trajectories, the server's first run
            assert session.chart_specs and not session.exceptions
            # The preload of plotly.js is the run's first element, sent before the entry imports the engine and
            # the pages (their navigation message comes after those imports), so the browser loads the script
            # meanwhile.
            kinds = [m.WhichOneof("type") for _, m in session.received]
            first_element = session.received[kinds.index("delta")][1].delta.new_element
            assert first_element.bidi_component.component_name == PRELOAD_NAME
            assert kinds.index("delta") < kinds.index("navigation")
            data = json.loads(session.chart_specs[0])
            figure = pio.from_json(data["figure"], skip_invalid=True)
            assert figure.data[0].type == "contour" and data["key"] == "traj.chart"
            # Its animation frames follow in an element of their own, tied to the figure by its token.
            elements = [m.delta.new_element for _, m in session.received
                        if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"]
            names = [e.bidi_component.component_name if e.WhichOneof("type") == "bidi_component" else ""
                     for e in elements]
            assert not figure.frames and names.index(FRAMES_NAME) > names.index(COMPONENT_NAME)
            frames = json.loads(elements[names.index(FRAMES_NAME)].bidi_component.json)
            assert frames["chart"] == "traj.chart" and frames["token"] == data["frames_token"] != ""
            assert frames["token"] == frames_token_for(data["figure"])
            assert len(json.loads(frames["frames"])) > 10
            assert data["clicks"] is True and json.loads(data["config"])["displaylogo"] is False
            with urllib.request.urlopen(url + data["plotly_js"], timeout=60) as response:
                assert response.headers["Content-Type"].split(";")[0] in ("application/javascript",
                                                                            "text/javascript")
                body = response.read()
            assert body == (PLOTLY_JS_FOLDER / PLOTLY_JS_FILE).read_bytes()
        finally:
            session.close()


def _is_live_chart(message) -> bool:
    element = message.delta.new_element
    return element.WhichOneof("type") == "bidi_component" and element.bidi_component.component_name == COMPONENT_NAME


def test_a_scene_move_sends_the_chart_first_and_the_rest_after_a_pause():
    """A move of a scene slider reruns the scene fragment (dashboard/live_scene.py), which sends its chart
    first and everything else at least CHART_FIRST_PAUSE_S later, so that the browser paints the chart before
    it renders the rest. Timed by this client as the messages arrive (a browser's own stamps follow its busy
    main thread)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    with streamlit_server("dashboard/app.py") as (url, _process, _started):
        session = StreamlitSession(url)
        try:
            session.rerun(timeout=300)  # the landing page: Trajectories
            full_run = [m for _, m in session.received if m.WhichOneof("type") == "delta"]
            scene_fragment = next(m.delta.fragment_id for m in full_run if _is_live_chart(m))
            assert scene_fragment
            drawn = session.chart_specs[0]
            for start_x in (-1.5, -1.2):
                session.rerun([session.slider_state("scene.start_x", start_x)], fragment_id=scene_fragment)
                assert not session.exceptions
                finished = [m.script_finished for _, m in session.received if m.WhichOneof("type") == "script_finished"]
                assert finished == [ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY]
                deltas = [(at, m) for at, m in session.received if m.WhichOneof("type") == "delta"]
                chart = next(i for i, (_, m) in enumerate(deltas) if _is_live_chart(m))
                assert all(m.delta.WhichOneof("type") == "add_block" for _, m in deltas[:chart])
                assert session.chart_specs[0] != drawn  # the start moved
                drawn = session.chart_specs[0]
                gap = deltas[chart + 1][0] - deltas[chart][0]
                assert gap >= CHART_FIRST_PAUSE_S * 0.9, f"the next element came {1e3 * gap:.0f} ms after the chart"
        finally:
            session.close()


def _links_written(session: StreamlitSession) -> list[str]:
    return [m.page_info_changed.query_string for _, m in session.received if m.WhichOneof("type") == "page_info_changed"]


def test_a_run_asked_for_with_an_older_url_still_writes_its_link():
    """The browser sends its URL with every rerun, and a control moved (a clicker key pressed) before the last
    run's link reached it sends the URL before that. The run must write its link even when it equals that older
    URL, or the address bar keeps the last run's (Presentation's clicker keys once left the link a step behind
    the chart so)."""
    with streamlit_server("dashboard/app.py") as (url, _process, _started):
        session = StreamlitSession(url)
        try:
            session.rerun(timeout=300)
            full_run = [m for _, m in session.received if m.WhichOneof("type") == "delta"]
            scene_fragment = next(m.delta.fragment_id for m in full_run if _is_live_chart(m))
            session.rerun([session.slider_state("scene.start_x", -1.5)], fragment_id=scene_fragment)
            assert _links_written(session) == ["scene.start_x=-1.5"]
            session.query_string = "scene.start_x=-1.5"  # the browser took that link
            session.rerun([session.slider_state("scene.start_x", -1.2)], fragment_id=scene_fragment)
            assert _links_written(session) == ["scene.start_x=-1.2"]
            # moved back before the browser took -1.2: the rerun still carries -1.5
            session.rerun([session.slider_state("scene.start_x", -1.5)], fragment_id=scene_fragment)
            assert not session.exceptions
            assert _links_written(session) == ["scene.start_x=-1.5"]
            session.query_string = "scene.start_x=-1.5"
            session.rerun([session.slider_state("scene.start_x", -1.5)], fragment_id=scene_fragment)
            assert _links_written(session) == []  # nothing new to write
        finally:
            session.close()
