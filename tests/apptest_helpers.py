"""Helpers for AppTest page tests: run the app on a page and read its charts back as plotly figures."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

import plotly.io as pio
from streamlit.testing.v1 import AppTest

from dashboard.live_chart import COMPONENT_NAME as LIVE_CHART
from dashboard.live_chart import FRAMES_NAME as LIVE_FRAMES

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
TIMEOUT = 180  # the first run compiles the engine's programs


def open_page(page: str | None = None) -> AppTest:
    """The app after its first run, switched to `page` ("curvature.py", ...) and run again."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if page is not None:
        at.switch_page(f"../pages/{page}").run()
    return at


def open_link(params: dict, page: str | None = None) -> AppTest:
    """A fresh session opening the app's URL with these query parameters (on `page`, as its path would)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if page is not None:
        at.switch_page(f"../pages/{page}")
    at.query_params.update(params)
    return at.run()


def chart_elements(at: AppTest) -> list:
    """The page's live charts (dashboard/live_chart.py)."""
    return [element for element in at.get("bidi_component") if element.proto.component_name == LIVE_CHART]


def chart_specs(at: AppTest) -> list[str]:
    """The figure JSON of every chart on the page, as sent to the browser, with the animation frames sent
    after it for the same token (live_chart.live_frames) put back in."""
    frames = {}
    for element in at.get("bidi_component"):
        if element.proto.component_name == LIVE_FRAMES:
            data = json.loads(element.proto.json)
            frames[data["chart"], data["token"]] = json.loads(data["frames"])
    specs = []
    for chart in chart_elements(at):
        data = json.loads(chart.proto.json)
        if not data["frames_token"]:
            specs.append(data["figure"])
            continue
        figure = json.loads(data["figure"])
        figure["frames"] = frames.pop((data["key"], data["frames_token"]))
        specs.append(json.dumps(figure))
    assert not frames, f"frames sent for no chart: {list(frames)}"
    return specs


def figures(at: AppTest) -> list:
    """Every chart on the page as a go.Figure (rebuilt from the figure JSON the browser gets)."""
    return [pio.from_json(spec, skip_invalid=True) for spec in chart_specs(at)]


def values(data) -> np.ndarray | None:
    """A trace attribute as a numpy array, decoding plotly's base64 typed-array form {dtype, bdata, shape}."""
    if data is None:
        return None
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        if shape:
            array = array.reshape([int(n) for n in str(shape).split(",")] if isinstance(shape, str) else shape)
        return array.astype(float)
    return np.array([np.nan if v is None else v for v in _flat(data)], dtype=object)


def trace_data(fig) -> list:
    """A comparable snapshot of every trace's x, y and z (decoded, as strings of their values)."""
    snapshot = []
    for trace in fig.to_plotly_json()["data"]:
        snapshot.append(tuple(repr(None if values(trace.get(k)) is None else values(trace.get(k)).tolist())
                              for k in ("x", "y", "z")))
    return snapshot


def _flat(items):
    for v in items:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
