"""The live chart (dashboard/live_chart.py) over the real server: what a chart sends, and plotly.js served by
the dashboard itself at the address the charts name (no network, the version plotly.py ships)."""
from __future__ import annotations

import json
import urllib.request

import plotly.io as pio

from bench.browser import streamlit_server
from bench.ws_client import StreamlitSession
from dashboard.live_chart import PLOTLY_JS_FILE, PLOTLY_JS_FOLDER


def test_a_chart_sends_its_figure_and_the_server_serves_plotly_js():
    with streamlit_server("dashboard/app.py") as (url, _process, _started):
        session = StreamlitSession(url)
        try:
            session.rerun(timeout=300)  # the landing page: Trajectories
            assert session.chart_specs and not session.exceptions
            data = json.loads(session.chart_specs[0])
            figure = pio.from_json(data["figure"], skip_invalid=True)
            assert figure.data[0].type == "contour" and len(figure.frames) > 10
            assert data["clicks"] is True and data["config"]["displaylogo"] is False
            with urllib.request.urlopen(url + data["plotly_js"], timeout=60) as response:
                assert response.headers["Content-Type"].split(";")[0] in ("application/javascript",
                                                                            "text/javascript")
                body = response.read()
            assert body == (PLOTLY_JS_FOLDER / PLOTLY_JS_FILE).read_bytes()
        finally:
            session.close()
