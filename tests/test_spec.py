"""Figures built as plain dicts (dashboard/figures/spec.py) are the figures plotly.py would have built."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from _plotly_utils.utils import to_typed_array_spec
from plotly.subplots import make_subplots

from dashboard import engine, show
from dashboard.figures.curves import PathView
from dashboard.figures.landscape import trajectories_figure, trajectories_spec
from dashboard.figures.spec import FigureSpec, figure_json, json_ready, merge, typed_array

ARRAYS = [
    np.linspace(-1, 1, 7), np.linspace(-1, 1, 7).astype(np.float32), np.arange(5), np.arange(5) * 1000,
    np.arange(5) * 100_000, np.arange(5) * 10**12, np.arange(4, dtype=np.uint64) * 300, np.arange(4, dtype=np.int32),
    np.array([np.nan, 1.0, np.inf]), np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4).T,
]


@pytest.mark.parametrize("values", ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
def test_typed_arrays_are_plotlys(values):
    """Same dtype narrowing, bytes and shape as plotly's own to_typed_array_spec (read back, equal values)."""
    ours, theirs = typed_array(values), to_typed_array_spec(values)
    if isinstance(theirs, np.ndarray):  # plotly leaves some arrays (int64 beyond int32) as arrays
        assert ours == theirs.tolist()
    else:
        assert ours == theirs


def test_an_empty_array_is_an_empty_list():
    assert typed_array(np.array([])) == []


def test_json_ready_copies_and_converts_like_to_dict():
    fig = go.Figure([go.Scatter(x=np.arange(3.0), y=[1, None, 3], marker=dict(size=np.arange(3)))],
                    layout=dict(xaxis=dict(range=np.array([0.0, 2.0]))))
    raw = {"data": [t._props for t in fig.data], "layout": fig._layout}
    ready = json_ready(raw)
    expected = fig.to_dict()
    assert ready["data"] == expected["data"]
    assert ready["layout"]["xaxis"]["range"] == [0.0, 2.0]  # "range" is never a typed array, as in plotly
    ready["data"][0]["y"][0] = 99
    assert fig.data[0].y[0] == 1  # a copy, not a view


def test_merge_updates_nested_dicts_in_place():
    target = {"a": {"b": 1, "c": 2}, "d": 3}
    assert merge(target, {"a": {"b": 5}, "e": 6}) is target
    assert target == {"a": {"b": 5, "c": 2}, "d": 3, "e": 6}


ARRANGEMENT = dict(rows=4, cols=2, specs=[[{"rowspan": 4}, {}], [None, {}], [None, {}], [None, {}]],
                   column_widths=[0.56, 0.44], horizontal_spacing=0.09, vertical_spacing=0.09,
                   subplot_titles=["", "a", "b", "c", "d"])


def test_subplot_layout_and_axes_are_make_subplots():
    spec = FigureSpec("plotly_white", **ARRANGEMENT)
    reference = make_subplots(**ARRANGEMENT)
    layout = dict(spec.layout)
    assert layout.pop("template") == pio.templates["plotly_white"].to_plotly_json()
    expected = reference.layout.to_plotly_json()
    expected.pop("template", None)  # make_subplots applies whatever default template is set
    assert layout == expected
    for row, col in [(1, 1), (1, 2), (2, 2), (3, 2), (4, 2)]:
        ref = reference.get_subplot(row, col)
        assert spec.axes(row, col) == (ref.xaxis.plotly_name.replace("axis", ""),
                                       ref.yaxis.plotly_name.replace("axis", ""))
    with pytest.raises(ValueError, match="no subplot at row 2, column 1"):
        spec.axes(2, 1)


def test_a_spec_is_not_changed_by_the_next_one():
    """The cached make_subplots layout is copied: one figure's axis settings do not leak into the next."""
    first = FigureSpec("plotly_white", **ARRANGEMENT)
    first.axis("y", 2, 2)["type"] = "log"
    second = FigureSpec("plotly_white", **ARRANGEMENT)
    assert "type" not in second.axis("y", 2, 2)


def test_add_puts_a_trace_on_its_subplot():
    spec = FigureSpec("plotly_white", **ARRANGEMENT)
    index = spec.add(dict(type="scatter", x=[0, 1], y=[1, 2]), 3, 2)
    assert index == 0 and spec.data[0]["xaxis"] == "x4" and spec.data[0]["yaxis"] == "y4"


@pytest.fixture(scope="module")
def paths():
    base = engine.RunConfig(surface="quadratic", steps=150, start=(-1.5, 1.0))
    return [PathView("1 GD", 0, engine.simulate(base.with_(optimizer_params=(("lr", 0.05),)))),
            PathView("2 heavy ball", 1, engine.simulate(base.with_(optimizer_params=(("lr", 0.05), ("momentum", 0.8)))))]


def test_the_spec_sends_what_its_figure_sends(paths):
    """What the browser gets from a FigureSpec is what it would get from the go.Figure made of it."""
    grid = engine.surface_grid("quadratic", (), 0, resolution=31)
    spec = trajectories_spec(paths, grid, ((-2, 2), (-2, 2)))
    figure = trajectories_figure(paths, grid, ((-2, 2), (-2, 2)))
    assert json.loads(pio.to_json(spec.to_dict())) == json.loads(pio.to_json(go.Figure.to_dict(figure)))


def without_frame_types(figure: dict) -> dict:
    """plotly.py writes "type": "scatter" into every frame trace; plotly.js merges a frame's traces into the
    figure's, so the spec leaves the type out (12 kB less per Trajectories figure)."""
    for frame in figure.get("frames", []):
        for trace in frame["data"]:
            trace.pop("type", None)
    return figure


def test_the_spec_json_is_the_figures(paths):
    """to_json (one pass of the C encoder) gives what plotly's own to_dict and to_json give."""
    grid = engine.surface_grid("quadratic", (), 0, resolution=31)
    spec = trajectories_spec(paths, grid, ((-2, 2), (-2, 2)))
    sent = json.loads(spec.to_json())
    assert sent == without_frame_types(json.loads(pio.to_json(go.Figure.to_dict(spec.figure()))))


def test_figure_json_is_strict_json():
    """JSON.parse refuses NaN and Infinity: outside numpy arrays they are written as null, as plotly does."""
    text = figure_json({"data": [{"type": "scatter", "x": [0.0, float("nan")], "y": np.array([1.0, np.nan]),
                                  "marker": {"size": np.float32(3)}}], "layout": {"yaxis": {"range": [0, float("inf")]}}})
    assert "NaN" not in text and "Infinity" not in text
    figure = json.loads(text)
    assert figure["data"][0]["x"] == [0.0, None] and figure["layout"]["yaxis"]["range"] == [0, None]
    assert figure["data"][0]["y"]["dtype"] == "f8" and figure["data"][0]["marker"]["size"] == 3.0


@pytest.mark.parametrize("index", [0, 7, -1])
def test_a_spec_shows_a_frame_as_the_figure_does(paths, index):
    grid = engine.surface_grid("quadratic", (), 0, resolution=31)
    spec = trajectories_spec(paths, grid, ((-2, 2), (-2, 2)))
    figure = trajectories_figure(paths, grid, ((-2, 2), (-2, 2)))
    index = index % len(spec.frames)
    shown, expected = spec.show_frame(index).to_dict(), show.at_frame(figure, index).to_dict()
    assert json.loads(pio.to_json(shown)) == json.loads(pio.to_json(expected))
    assert shown["layout"]["sliders"][0]["active"] == index


def _frame_specs(paths, grid):
    from dashboard.figures.curvature import curvature_spec
    from dashboard.figures.schedules import schedule_comparison_spec

    domain = ((-2, 2), (-2, 2))
    return {"trajectories": lambda: trajectories_spec(paths, grid, domain),
            "curvature": lambda: curvature_spec(paths, grid, domain),
            "schedules": lambda: schedule_comparison_spec(paths, grid, domain)}


@pytest.mark.parametrize("name", ["trajectories", "curvature", "schedules"])
def test_frames_are_the_same_whatever_order_they_are_made_in(paths, name):
    """Frames are made when first read (the shown one before the chart is sent, the rest after): made in
    any order, they are what making them in order gives, and the figure shown at a frame is that frame."""
    grid = engine.surface_grid("quadratic", (), 0, resolution=31)
    make = _frame_specs(paths, grid)[name]
    in_order, shuffled = make(), make()
    n = len(in_order.frames)
    expected = [in_order.frames[i] for i in range(n)]
    shuffled.show_frame(7)
    chart = json.loads(shuffled.to_json(frames=False))
    assert "frames" not in chart and [int(s) for s in shuffled.frame_names()] == [int(f["name"]) for f in expected]
    got = json.loads(shuffled.frames_json())
    assert got == json.loads(figure_json(expected))
    for trace_index, moving in zip(got[7]["traces"], got[7]["data"]):
        for key in ("x", "y"):
            if key in moving:
                assert chart["data"][trace_index][key] == moving[key]


def test_frames_are_made_only_when_read(paths, monkeypatch):
    """Building the Trajectories figure makes the one frame its traces show; the others only when read."""
    from dashboard.figures import landscape

    made = []
    original = landscape.path_frame
    monkeypatch.setattr(landscape, "path_frame",
                        lambda paths_, row, *rest: made.append(row) or original(paths_, row, *rest))
    grid = engine.surface_grid("quadratic", (), 0, resolution=31)
    spec = trajectories_spec(paths, grid, ((-2, 2), (-2, 2)))
    rows = [int(s) for s in spec.frame_names()]
    assert made == [rows[-1]]
    spec.show_frame(3)
    spec.to_json(frames=False)
    assert made == [rows[-1], rows[3]]
    spec.frames_json()
    assert sorted(made) == sorted(rows)  # each frame made once


def test_the_curvature_cursor_line_spans_its_axis_in_every_frame(paths):
    """The λmax panel's cursor line is stretched to the whole axis after its frames' traces are defined: the
    stretch reaches every frame, made before it or after."""
    from dashboard.figures.curvature import curvature_spec

    grid = engine.surface_grid("quadratic", (), 0, resolution=31)
    spec = curvature_spec(paths, grid, ((-2, 2), (-2, 2)))
    axis_range = spec.axis("y", 1, 2)["range"]
    cursor_lines = [i for i, trace in enumerate(spec.data)
                    if trace.get("line", {}).get("dash") == "dot" and trace.get("yaxis") == spec.axes(1, 2)[1]
                    and trace.get("mode") == "lines" and len(trace["x"]) == 2]
    assert len(cursor_lines) == 1 and spec.data[cursor_lines[0]]["y"] == axis_range
    for frame in spec.frames:
        (position,) = [j for j, t in enumerate(frame["traces"]) if t == cursor_lines[0]]
        assert frame["data"][position]["y"] == axis_range
