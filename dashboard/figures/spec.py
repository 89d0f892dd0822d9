"""Figures built as the plain dicts plotly.js reads, entering plotly.py's object model once, unvalidated.

A page redraws its main figure on every slider move. Built through go.Figure, make_subplots and update_*,
plotly.py validates every property of every trace, axis and frame on the way in and copies it again on the
way out: about 90 ms for the Trajectories figure (61 animation frames, 5 subplots) and 30 ms more to
serialise, most of a redraw's server time. Built as dicts here, the same figure costs a few milliseconds.
The dicts are what plotly.py would have produced: subplot layouts come from make_subplots itself (once per
arrangement, cached), the template is plotly's own, and tests read the result as any go.Figure.
"""
from __future__ import annotations

import base64
import copy
import functools
import json
from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

NOT_TYPED_ARRAY_KEYS = frozenset({"geojson", "layer", "layers", "range"})  # as plotly's convert_to_base64 skips


@functools.cache
def template(name: str) -> dict:
    """A named plotly template as the dict plotly.js needs (it knows no template names of its own)."""
    return pio.templates[name].to_plotly_json()


@functools.cache
def _subplot_grid(arrangement: str) -> tuple[dict, dict]:
    fig = make_subplots(**json.loads(arrangement))
    axes = {}
    for row, specs in enumerate(fig._grid_ref, start=1):
        for col, refs in enumerate(specs, start=1):
            if refs:
                ref = fig.get_subplot(row, col)
                axes[row, col] = (ref.xaxis.plotly_name.replace("axis", ""),
                                  ref.yaxis.plotly_name.replace("axis", ""))
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    return layout, axes


def merge(target: dict, changes: dict) -> dict:
    """Merge `changes` into `target` in place, dicts into dicts (as plotly's update_layout does); returns it."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


# plotly.js's names of the dtypes it reads as typed arrays; int64 and uint64 are narrowed first, as plotly does.
TYPED_ARRAY_DTYPES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
                      "float32": "f4", "float64": "f8"}
NARROWER_INTS = {"int64": ("int8", "int16", "int32"), "uint64": ("uint8", "uint16", "uint32")}
SCALAR_TYPES = frozenset({float, int, str, bool, type(None), np.float64, np.float32, np.int64, np.int32})


def typed_array(values: np.ndarray):
    """plotly.js's typed-array form of a numpy array, {dtype, bdata[, shape]}, as plotly.py's
    to_typed_array_spec makes it (which costs 0.3 ms an array, mostly in checks for dataframe libraries)."""
    if values.size == 0:
        return []
    dtype = str(values.dtype)
    if dtype in NARROWER_INTS:
        low, high = values.min(), values.max()
        narrower = next((t for t in NARROWER_INTS[dtype] if np.iinfo(t).min <= low and high <= np.iinfo(t).max),
                        None)
        if narrower is None:
            return values.tolist()
        values, dtype = values.astype(narrower), narrower
    if dtype not in TYPED_ARRAY_DTYPES:
        return values.tolist()
    spec = {"dtype": TYPED_ARRAY_DTYPES[dtype],
            "bdata": base64.b64encode(np.ascontiguousarray(values)).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = str(values.shape)[1:-1]
    return spec


def json_ready(value, key: str | None = None):
    """A copy of a figure's nested dicts and lists with numpy arrays as plotly.js typed arrays: what
    go.Figure.to_dict returns, made in one pass instead of a deep copy and then a conversion walk."""
    if isinstance(value, dict):
        return {k: json_ready(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(type(v) in SCALAR_TYPES for v in value):
            return list(value)
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist() if key in NOT_TYPED_ARRAY_KEYS else typed_array(value)
    return value


def _numpy_to_json(value):
    if isinstance(value, np.ndarray):
        return typed_array(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def figure_json(figure: dict) -> str:
    """A figure's dicts as the JSON plotly.js reads, numpy arrays as typed arrays, in one pass of the C
    encoder (no copy of the figure first). Strict JSON: a NaN or infinity outside numpy arrays, which
    JSON.parse refuses, sends the figure through plotly's encoder, which writes them as null."""
    try:
        return json.dumps(figure, default=_numpy_to_json, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return pio.to_json(json_ready(figure), validate=False, engine="json")


class SpecFigure(go.Figure):
    """A go.Figure whose to_dict (which st.plotly_chart calls on every redraw) costs a third of plotly's."""

    def to_dict(self) -> dict:
        result = {"data": json_ready(list(self._data)), "layout": json_ready(self._layout)}
        if self._frame_objs:
            result["frames"] = json_ready([frame._props for frame in self._frame_objs])
        return result


class Frames(Sequence):
    """Animation frames named up front and each made when first read (then kept): a page's chart needs the
    frame it shows at once, the others only when they are sent, after the chart (dashboard/show.py).
    curves.FrameTraces keeps each frame's traces the same way."""

    def __init__(self, names: list[str], make: Callable[[int], dict]):
        self.names = list(names)
        self._make = make
        self._made: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(len(self.names))[index]]
        index = range(len(self.names))[index]
        if index not in self._made:
            self._made[index] = self._make(index)
        return self._made[index]


class FigureSpec:
    """Traces, layout and frames of one figure as plain dicts, with make_subplots' arrangement of axes.

    FigureSpec(template, rows=2, cols=2, specs=..., ...) takes make_subplots' keywords (JSON-able values
    only); FigureSpec(template) is a single plot. A page's live chart draws it as it is (to_dict); figure()
    gives the go.Figure that tests, exports and the presentation restyling work on.
    """

    def __init__(self, template_name: str, **subplots):
        if subplots:
            layout, self._axes = _subplot_grid(json.dumps(subplots, sort_keys=True))
            self.layout = copy.deepcopy(layout)
        else:
            self.layout, self._axes = {}, {(1, 1): ("x", "y")}
        self.layout["template"] = template(template_name)
        self.data: list[dict] = []
        self.frames: list[dict] | Frames = []

    def axes(self, row: int = 1, col: int = 1) -> tuple[str, str]:
        """('x2', 'y2')-style names of a subplot's axes, as traces refer to them."""
        try:
            return self._axes[row, col]
        except KeyError:
            raise ValueError(f"no subplot at row {row}, column {col}") from None

    def add(self, trace: dict, row: int = 1, col: int = 1) -> int:
        """Append a trace (a dict with its `type`) to a subplot; returns its index."""
        xaxis, yaxis = self.axes(row, col)
        self.data.append({**trace, "xaxis": xaxis, "yaxis": yaxis})
        return len(self.data) - 1

    def axis(self, which: str, row: int = 1, col: int = 1) -> dict:
        """The layout entry (created when missing) of a subplot's x or y axis, to set its range, type, title."""
        name = self.axes(row, col)["xy".index(which)]
        key = f"{which}axis{name[1:]}"
        return self.layout.setdefault(key, {})

    def update_layout(self, **changes) -> FigureSpec:
        merge(self.layout, changes)
        return self

    def annotate(self, **annotation) -> None:
        self.layout.setdefault("annotations", []).append(annotation)

    def to_dict(self) -> dict:
        """The figure as go.Figure.to_dict would give it (numpy arrays as typed arrays), without building one."""
        result = {"data": json_ready(self.data), "layout": json_ready(self.layout)}
        if self.frames:
            result["frames"] = json_ready(list(self.frames))
        return result

    def to_json(self, frames: bool = True) -> str:
        """What the browser gets: figure_json of the traces, layout and (unless frames=False) frames (no numpy
        array sits under a "range" key here, where plotly would write a list: axis ranges are set as lists of
        floats)."""
        figure = {"data": self.data, "layout": self.layout}
        if frames:
            figure["frames"] = list(self.frames)
        return figure_json(figure)

    def frames_json(self) -> str:
        """The frames alone, as to_json writes them."""
        return figure_json(list(self.frames))

    def frame_names(self) -> list[str]:
        """The frames' names, without making frames that are not made yet."""
        if isinstance(self.frames, Frames):
            return list(self.frames.names)
        return [frame["name"] for frame in self.frames]

    def show_frame(self, index: int) -> FigureSpec:
        """Put the animated traces at frame `index` (and the playback slider there), as plotly's animate would."""
        frame = self.frames[index]
        for trace_index, moving in zip(frame["traces"], frame["data"]):
            trace = {**self.data[trace_index], **moving}
            if "marker" in moving:
                trace["marker"] = {**self.data[trace_index].get("marker", {}), **moving["marker"]}
            self.data[trace_index] = trace
        for slider in self.layout.get("sliders", [])[:1]:
            slider["active"] = index
        return self

    def figure(self) -> go.Figure:
        fig = SpecFigure(dict(data=self.data, layout=self.layout), _validate=False)
        # Past the `frames` setter, which validates every frame's traces whatever the figure's _validate says.
        fig._frame_objs = tuple(go.Frame(frame, _validate=False) for frame in self.frames)
        return fig
