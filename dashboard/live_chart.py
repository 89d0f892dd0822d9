"""A plotly chart that stays mounted across reruns and redraws in place (Plotly.react).

st.plotly_chart folds the figure into the element's identity, so on every slider move the browser drops the
chart, mounts a new one and draws it twice. This component (Streamlit components v2: no iframe) keeps one
plot div per key and gives each new figure to Plotly.react, which updates that div in place, or, when only
the paths' data moved, to the quicker Plotly.animate (QUICK_UPDATE_JS); clicks on the plot come back as a
trigger value ("click": the curve, x and y of the point clicked). An animated figure's frames may follow in
an element of their own (live_frames, FRAMES_JS), so that the chart's own message is small.

plotly.js is the copy inside plotly.py (the version kaleido exports with), served by Streamlit's component
file route: declare_component(path=...) serves a folder's files under /component/<name>/, and nothing of
that v1 component is ever rendered. Every chart of the app comes through here, so a browser loads
plotly.js once (and Streamlit's own bundled copy not at all).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import plotly
import streamlit as st
import streamlit.components.v1 as components_v1

PLOTLY_JS_FOLDER = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_JS_FILE = "plotly.min.js"
PLOTLY_JS_COMPONENT = "plotly_js"  # registered as "dashboard.live_chart.plotly_js"

LOAD_PLOTLY_JS = """
// plotly.js lists each trace's array attributes anew on every draw, crawling the trace type's whole attribute
// schema (PlotSchema.findArrayAttributes: about 0.7 ms a scatter trace, some 25 ms of the 30-trace quick
// update below). The list depends only on the trace's type and on which of its attributes hold arrays, so it
// is kept per (type, paths of the trace's arrays); a trace with arrays of objects (linked arrays, whose items
// the crawl walks into) is crawled as before. The original crawl stays as PlotSchema.__liveCrawl (tests
// compare the two on every trace of every page).
function keepArrayAttributes(Plotly) {
  const schema = Plotly.PlotSchema;
  if (!schema || schema.__liveCrawl) return Plotly;
  const crawl = schema.findArrayAttributes, kept = new Map();
  const arrayPaths = (value, prefix, paths, depth) => {
    for (const key in value) {
      if (key[0] === "_") continue;
      const item = value[key];
      if (ArrayBuffer.isView(item)) paths.push(prefix + key);
      else if (Array.isArray(item)) {
        if (item.some((v) => v !== null && typeof v === "object" && !Array.isArray(v))) return null;
        paths.push(prefix + key);
      } else if (item !== null && typeof item === "object") {
        if (depth > 8 || arrayPaths(item, prefix + key + ".", paths, depth + 1) === null) return null;
      }
    }
    return paths;
  };
  schema.findArrayAttributes = function (trace) {
    const paths = arrayPaths(trace, "", [], 0);
    if (paths === null) return crawl(trace);
    const key = trace.type + "|" + paths.join(",");
    let found = kept.get(key);
    if (!found) {
      found = crawl(trace);
      if (kept.size < 1000) kept.set(key, found);
    }
    return found.slice();
  };
  schema.__liveCrawl = crawl;
  return Plotly;
}

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__livePlotlyLoading) {
    window.__livePlotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(keepArrayAttributes(window.Plotly));
      script.onerror = () => {
        window.__livePlotlyLoading = null;
        reject(new Error("plotly.js did not load from " + url));
      };
      document.head.appendChild(script);
    });
  }
  return window.__livePlotlyLoading;
}
"""

# A new figure that differs from the drawn one only in its scatter traces' data (x, y, text, marker), its axis
# ranges, the playback slider's position and its frames' data is drawn the way plotly.js plays a frame:
# Plotly.animate with no redraw recomputes only the scatter traces (about 25 ms for the five-panel Trajectories
# figure against 60-110 ms for Plotly.react, which recomputes every trace and axis, the contour's included).
# Anything else (a trace or axis added, a style, the surface, the config) goes through Plotly.react.
QUICK_UPDATE_JS = """
const DATA_KEYS = new Set(["x", "y", "text", "customdata", "hovertext", "marker"]);
const AXIS = /^[xy]axis[0-9]*$/;

const isScatter = (trace) => (trace.type || "scatter") === "scatter";

function traceShape(trace) {
  // A trace as a string, its scatter data (x, y, text, marker ...) reduced to which keys it has.
  if (!isScatter(trace)) return JSON.stringify(trace);
  const rest = {};
  for (const [key, value] of Object.entries(trace)) {
    if (!DATA_KEYS.has(key)) rest[key] = value;
    else rest[key] = value && typeof value === "object" && !Array.isArray(value) ? Object.keys(value).sort() : "";
  }
  return JSON.stringify(rest);
}

function shapeOf(figure) {
  // What must be equal for a quick update, as strings: the traces but their scatter data, the layout and
  // frames but the axis ranges, the playback slider's position and the frames' data.
  const traces = figure.data.map(traceShape);
  const layout = {}, ranges = {};
  for (const [key, value] of Object.entries(figure.layout || {})) {
    if (AXIS.test(key) && value && value.range) {
      layout[key] = { ...value, range: "given" };  // an axis that gains or loses its range is a new layout
      ranges[key + ".range"] = value.range;
    } else if (key === "sliders" && Array.isArray(value)) {
      layout[key] = value.map(({ active, ...slider }) => slider);
    } else layout[key] = value;
  }
  const frames = (figure.frames || []).map((frame) => [frame.name, frame.traces, frame.layout ? 1 : 0,
    (frame.data || []).map((d) => Object.keys(d).sort().join())]);
  // plotly.js drops the non-scatter traces (a contour, a heatmap) from the plot when it animates without a
  // redraw: a figure may take the quick update only if it has none, or lays an image under them (the
  // contour underlay of dashboard/figures/landscape.py), which shows until they are drawn again.
  const others = !figure.data.every(isScatter);
  return { traces, ranges, layout: JSON.stringify(layout) + JSON.stringify(frames), others,
           quick: !others || (figure.layout.images || []).length > 0,
           active: (figure.layout.sliders || []).map((slider) => slider.active) };
}

// The dropped traces come back in a full redraw once the chart has been still for SETTLE_MS (a run of
// quick updates, a slider held down, pays for one).
const SETTLE_MS = 1500;
function settle(Plotly, div) {
  clearTimeout(div.__liveSettle);
  div.__liveSettle = setTimeout(() => { if (!div.__livePlaying && div.isConnected) Plotly.redraw(div); }, SETTLE_MS);
}

function quickUpdate(Plotly, div, figure, shape, config) {
  const old = div.__liveShape;
  if (!old || !shape.quick || div.__livePlaying || old.config !== config || old.layout !== shape.layout
      || old.traces.length !== shape.traces.length || old.traces.some((t, i) => t !== shape.traces[i])) return null;
  // Every scatter trace, changed or not: plotly.js takes any trace that such an animation leaves out off the
  // plot (as it does the non-scatter ones).
  const traces = [], indices = [];
  figure.data.forEach((trace, i) => {
    if (!isScatter(trace)) return;
    indices.push(i);
    traces.push(Object.fromEntries([...DATA_KEYS].filter((key) => key in trace).map((key) => [key, trace[key]])));
  });
  // Only the ranges that moved: animating an axis range redraws its ticks (about 10 ms an axis).
  const ranges = {};
  for (const [key, range] of Object.entries(shape.ranges))
    if (JSON.stringify(range) !== JSON.stringify(old.ranges[key])) ranges[key] = range;
  div.__liveQuick = (div.__liveQuick || 0) + 1;
  return Plotly.animate(div, { data: traces, traces: indices, layout: ranges },
                        { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" })
    .then(() => (figure.frames || []).length ? Plotly.addFrames(div, figure.frames) : null)
    .then(() => {
      if (shape.others) settle(Plotly, div);
      const moved = {};
      shape.active.forEach((active, i) => { if (active !== old.active[i]) moved[`sliders[${i}].active`] = active; });
      return Object.keys(moved).length ? Plotly.relayout(div, moved) : null;
    });
}
"""

# ← → and a presenter's clicker (PageUp/PageDown) step the frames of the chart that asked for them, from
# anywhere on the page but a control that takes those keys itself (a slider, a text field ...).
STEP_KEYS_JS = """
const STEP_KEYS = { ArrowLeft: -1, PageUp: -1, ArrowRight: 1, PageDown: 1 };
const OWN_KEYS = "input, textarea, select, [contenteditable], [role=slider], [role=combobox], [role=listbox], "
  + "[role=option], [role=spinbutton], [role=tab], [role=menu], [role=menuitem], [role=dialog]";

function listenForStepKeys() {
  if (window.__liveStepKeysListening) return;
  window.__liveStepKeysListening = true;
  window.addEventListener("keydown", (event) => {
    const delta = STEP_KEYS[event.key];
    if (!delta || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target && target.closest && target.closest(OWN_KEYS)) return;
    const chart = [...document.querySelectorAll(".live-plotly")].find((div) => div.__liveStepKeys);
    if (!chart) return;
    event.preventDefault();
    chart.__liveSetTrigger("step", delta);
  });
}
"""

# An animated figure's frames may come a moment after its chart, in an element of their own (live_frames):
# the chart's message is then about 100 kB instead of 260 (Trajectories), the server sends it sooner and the
# browser reads it sooner. The chart is drawn with the frames it had; the frames go onto the plot once it
# shows the figure they belong to (the same token), whichever of the two comes first.
FRAMES_JS = """
const LIVE_CHARTS = (window.__liveCharts = window.__liveCharts || {});
const LIVE_FRAMES = (window.__liveFramesSent = window.__liveFramesSent || {});

const frameNames = (frames) => frames.map((frame) => String(frame.name)).join("\\n");

function applyFrames(key) {
  const div = LIVE_CHARTS[key], sent = LIVE_FRAMES[key];
  if (!div || !sent || !div.isConnected || !window.Plotly || div.__liveFramesFor !== sent.token) return;
  delete LIVE_FRAMES[key];
  if (div.__liveFramesOn === sent.token) return;  // the same frames are on the plot already
  const frames = JSON.parse(sent.frames);
  const names = frameNames(frames);
  div.__liveFramesOn = sent.token;
  div.__liveFramesJson = sent.frames;  // what is on the plot, as sent (tests compare the two)
  // addFrames replaces frames of the same name and keeps the rest: other names take a react (frames
  // replaced wholesale), as they come only with new playback steps, which a quick update never has.
  const same = div.__liveFrameNames === names || !div.__liveFrameNames;
  div.__liveFrameNames = names;
  return same ? window.Plotly.addFrames(div, frames)
              : window.Plotly.react(div, { data: div.data, layout: div.layout, frames });
}
"""

JS = LOAD_PLOTLY_JS + QUICK_UPDATE_JS + STEP_KEYS_JS + FRAMES_JS + """
export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  let div = parentElement.querySelector(".live-plotly");
  if (!div) {
    div = document.createElement("div");
    div.className = "live-plotly";
    div.style.width = "100%";
    parentElement.appendChild(div);
  }
  div.__liveSetTrigger = setTriggerValue;
  div.__liveStepKeys = !!data.step_keys;
  LIVE_CHARTS[data.key] = div;
  const framesToken = data.frames_token || null;  // frames to come in their own element, or in the figure
  div.__liveFramesFor = null;
  listenForStepKeys();
  const figure = JSON.parse(data.figure);
  const drawn = (div.__liveDrawn || 0) + 1;
  div.__liveDrawn = drawn;
  loadPlotly(data.plotly_js).then((Plotly) => {
    if (div.__liveDrawn !== drawn) return;  // a newer figure came meanwhile
    const shape = shapeOf(figure), config = data.config;
    const quick = quickUpdate(Plotly, div, figure, shape, config);
    div.__liveQuickDraws = (div.__liveQuickDraws || 0) + (quick ? 1 : 0);
    if (!quick) clearTimeout(div.__liveSettle);
    const update = quick || Plotly.react(div, {data: figure.data, layout: figure.layout, frames: figure.frames || [],
                                               config: JSON.parse(config)});
    return update.then(() => {
      div.__liveShape = { ...shape, config };
      div.__liveFigure = data.figure;  // what is drawn, as sent (tests compare the plot with it)
      if (!quick || !framesToken) {  // Plotly.react replaced the frames; a quick update added the figure's
        div.__liveFrameNames = frameNames(figure.frames || []);
        div.__liveFramesOn = null;
        div.__liveFramesJson = null;
      }
      div.__liveFramesFor = framesToken;
      if (framesToken) applyFrames(data.key);
      if (!div.__liveRestore) {
        // plotly.js drops non-scatter traces (the contour) while it animates frames without a full redraw;
        // draw everything again once an animation (▶ Play, not a quick update) stops (the figure's underlay
        // image covers the gap).
        div.__liveRestore = true;
        div.on("plotly_animating", () => { if (!div.__liveQuick) div.__livePlaying = true; });
        const restore = () => {
          if (div.__liveQuick) { div.__liveQuick -= 1; return; }
          div.__livePlaying = false;
          window.Plotly.redraw(div);
        };
        div.on("plotly_animated", restore);
        div.on("plotly_animationinterrupted", restore);
      }
      if (data.clicks && !div.__liveClicks) {
        div.__liveClicks = true;
        const report = (point) => {
          if (point) div.__liveSetTrigger("click", {curve: point.curveNumber, x: point.x, y: point.y});
        };
        div.on("plotly_click", (event) => { div.__liveClicked = true; report(event.points && event.points[0]); });
        // After a quick update that moved no axis, plotly.js (3.x) sends no plotly_click although its hover
        // still works: a press released in place over a hovered point, that plotly.js did not report, is
        // reported as a click on that point.
        div.on("plotly_hover", (event) => { div.__liveHover = event.points && event.points[0]; });
        div.on("plotly_unhover", () => { div.__liveHover = null; });
        div.addEventListener("pointerdown", (event) => {
          div.__liveDown = [event.clientX, event.clientY];
          div.__liveClicked = false;
        }, true);
        window.addEventListener("pointerup", (event) => {
          const down = div.__liveDown;
          div.__liveDown = null;
          if (!down || Math.hypot(event.clientX - down[0], event.clientY - down[1]) > 4) return;
          setTimeout(() => { if (!div.__liveClicked) report(div.__liveHover); }, 0);
        }, true);
      }
    });
  }).catch((error) => { div.textContent = "The chart could not be drawn: " + error.message; });
  return () => setTimeout(() => { if (!div.isConnected && window.Plotly) window.Plotly.purge(div); }, 0);
}
"""

COMPONENT_NAME = "dashboard.live_chart"
_mount = st.components.v2.component(COMPONENT_NAME, js=JS, isolate_styles=False)
# An empty element whose script only starts loading plotly.js.
PRELOAD_NAME = "dashboard.live_chart_preload"
_mount_preload = st.components.v2.component(
    PRELOAD_NAME, isolate_styles=False,
    js=LOAD_PLOTLY_JS + "export default function ({ data }) { loadPlotly(data.plotly_js).catch(() => {}); }")


# An empty element whose script hands a figure's frames to its chart (FRAMES_JS).
FRAMES_NAME = "dashboard.live_chart_frames"
_mount_frames = st.components.v2.component(
    FRAMES_NAME, isolate_styles=False,
    js=FRAMES_JS + """export default function ({ data }) {
  LIVE_FRAMES[data.chart] = { token: data.token, frames: data.frames };
  applyFrames(data.chart);
}""")


def plotly_js_url() -> str:
    """Where the browser finds plotly.js (registering the folder that serves it, once per runtime)."""
    name = components_v1.declare_component(PLOTLY_JS_COMPONENT, path=str(PLOTLY_JS_FOLDER)).name
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/component/{name}/{PLOTLY_JS_FILE}"


def preload() -> None:
    """Start loading plotly.js in the browser now (an empty element): on a first visit the 4.7 MB script then
    arrives while the server is still computing the first figure, not after it."""
    _mount_preload(key="live_chart.preload", data={"plotly_js": plotly_js_url()})


def live_chart(figure_json: str, key: str, config: dict | None = None, on_click=None, on_step=None,
               frames_token: str = ""):
    """Draw a figure (its JSON, as plotly.js reads it) under a stable key; a new figure for the same key
    redraws in place.

    With a frames_token, the figure's animation frames are not in figure_json but follow in live_frames()
    with the same token (frames_token_for(figure_json) makes one).

    on_click(point) is called, in the rerun a click starts, with {"curve", "x", "y"} of the point clicked;
    on_step(delta), with -1 or 1, when ← or PageUp, → or PageDown is pressed on the page outside a control.
    Returns the component's result (its `click` is the last click's point, for that one rerun).
    """
    # Only strings and booleans: Streamlit looks at every other value for a dataframe, and its look imports
    # pandas and pyarrow (about half a second of the first run, for a dict of chart options).
    data = {"figure": figure_json, "config": json.dumps(config or {}), "plotly_js": plotly_js_url(),
            "clicks": on_click is not None, "step_keys": on_step is not None, "key": key,
            "frames_token": frames_token}
    callbacks = {}
    if on_click is not None:
        callbacks["on_click_change"] = lambda: on_click(st.session_state[key].get("click"))
    if on_step is not None:
        callbacks["on_step_change"] = lambda: on_step(st.session_state[key].get("step"))
    return _mount(key=key, data=data, **callbacks)


def frames_token_for(figure_json: str) -> str:
    """What ties a chart's figure to the frames sent for it: the same figure always gets the same token."""
    return hashlib.blake2b(figure_json.encode(), digest_size=8).hexdigest()


def live_frames(frames_json: str, chart_key: str, token: str) -> None:
    """Send the animation frames (a JSON list) of the figure drawn under chart_key with this frames_token;
    they go onto its plot once it shows that figure. An element that shows nothing."""
    _mount_frames(key=f"{chart_key}.frames", data={"frames": frames_json, "chart": chart_key, "token": token})
