"""End to end in a real browser: Debian's Chromium, driven by Playwright, opens every page of the running
dashboard, moves a slider, sees the chart change and no exception box, and saves screenshots.

Skipped (saying so) only where no chromium is on PATH; `.ci/run` installs it so CI runs this.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bench.browser import CHART, FINGERPRINT_JS, chromium_page, chromium_path, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
# (script, url path): every page the app can list; pages not written yet are skipped.
PAGES = (
    ("pages/trajectories.py", ""),
    ("pages/curvature.py", "curvature"),
    ("pages/schedules.py", "schedules"),
    ("pages/explorer.py", "explorer"),
    ("pages/stochastic.py", "stochastic"),
    ("pages/gallery.py", "gallery"),
    ("pages/lecture.py", "scene?preset=rosenbrock"),
)
# Pages that do not follow the sidebar (a preset's runs are fixed): opened, checked and photographed only.
FIXED_PAGES = {"gallery": '[data-testid="stImage"] img', "lecture": CHART}
EXCEPTION = '[data-testid="stException"]'
SLIDER = '[data-testid="stSidebar"] input[type="range"][aria-label="start x"]'  # changes every page's chart

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="no chromium on PATH (apt-get install chromium); browser test skipped")


# dashboard/live_chart.py keeps plotly.js's list of each trace's array attributes per (type, array paths):
# on every trace of every live chart it must be what plotly.js's own crawl of the schema gives.
ARRAY_ATTRIBUTES_DIFFER = """() => {
  const schema = window.Plotly.PlotSchema, differ = [];
  if (!schema.__liveCrawl) return ['not kept'];
  document.querySelectorAll('.live-plotly').forEach((gd, chart) => gd._fullData.forEach((trace, i) => {
    const kept = JSON.stringify(schema.findArrayAttributes(trace));
    if (kept !== JSON.stringify(schema.__liveCrawl(trace))) differ.push(`chart ${chart} trace ${i}: ${kept}`);
  }));
  return differ;
}"""


def _wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished the current run (its status widget stops saying 'Running')."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms)


def _wait_change(page, before: str, timeout_s: float = 30.0) -> str:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        now = page.evaluate(FINGERPRINT_JS)
        if now is not None and now != before:
            return now
        time.sleep(0.02)
    raise AssertionError("the chart did not change after moving the slider")


def _click_sets_start(page) -> None:
    """A click on the contour's upper right moves the shared start point there (near (1, 1))."""
    start_x = page.locator(SLIDER).first
    before = start_x.get_attribute("aria-valuetext")
    box = page.locator(f"{CHART} .xy .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"])
    deadline = time.time() + 30
    while start_x.get_attribute("aria-valuetext") == before and time.time() < deadline:
        time.sleep(0.05)
    assert abs(float(start_x.get_attribute("aria-valuetext")) - 1.0) < 0.15, "the click did not set the start"
    _wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0


def _check_fixed_page(page, name: str, selector: str, timings: dict) -> None:
    opened = time.perf_counter()
    page.wait_for_selector(selector, timeout=120_000)
    _wait_idle(page)
    timings[f"{name}: first content after opening (s)"] = round(time.perf_counter() - opened, 2)
    page.wait_for_timeout(500)  # let plotly and the images finish painting before the screenshot
    assert page.locator(EXCEPTION).count() == 0, f"{name}: exception box on load"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if name == "lecture":  # opened from its link on the session's first run: the linked scene, not the first
        assert "Rosenbrock" in page.locator("h1").first.inner_text()


@pytest.fixture(scope="module")
def app():
    with streamlit_server("dashboard/app.py") as (url, process, started):
        yield url, started


def test_every_page_renders_and_reacts_to_a_slider(app):
    url, started = app
    SHOTS.mkdir(exist_ok=True)
    timings = {}
    present = [(script, path) for script, path in PAGES if (ROOT / script).exists()]
    assert present, "no pages found"
    with chromium_page(width=1600, height=2600) as page:
        for index, (script, path) in enumerate(present):
            name = Path(script).stem
            opened = time.perf_counter()
            page.goto(f"{url}/{path}")
            if name in FIXED_PAGES:
                _check_fixed_page(page, name, FIXED_PAGES[name], timings)
                continue
            page.wait_for_selector(CHART, timeout=120_000)
            first_chart = time.perf_counter() - opened
            if index == 0:
                timings["first chart after server start (s)"] = round(time.perf_counter() - started, 2)
            timings[f"{name}: first chart after opening (s)"] = round(first_chart, 2)
            _wait_idle(page)
            page.wait_for_function(f"() => ({FINGERPRINT_JS})() !== null", timeout=30_000)
            assert page.locator(EXCEPTION).count() == 0, f"{name}: exception box on load"
            before = page.evaluate(FINGERPRINT_JS)
            slider = page.locator(SLIDER).first
            slider.focus()
            moved = time.perf_counter()
            slider.press("ArrowRight")
            slider.press("ArrowRight")
            _wait_change(page, before)
            timings[f"{name}: slider redraw (s)"] = round(time.perf_counter() - moved, 3)
            _wait_idle(page)
            page.wait_for_timeout(300)  # let plotly finish painting before the screenshot
            assert page.locator(EXCEPTION).count() == 0, f"{name}: exception box after moving a slider"
            assert page.evaluate(ARRAY_ATTRIBUTES_DIFFER) == [], name
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
            if name == "trajectories":
                _click_sets_start(page)
    (SHOTS / "timings.json").write_text(json.dumps(timings, indent=2))
    print(json.dumps(timings, indent=2))


CONTOUR_PATHS = "() => document.querySelectorAll('.live-plotly .contour path').length"
UNDERLAY_IMAGES = "() => document.querySelectorAll('.live-plotly .imagelayer image').length"
SHOWN_FRAME = "() => document.querySelector('.live-plotly')._fullLayout.sliders[0].active"


def test_playback_keeps_the_surface_in_view(app):
    """▶ Play animates the paths over the surface: plotly.js drops the contour trace while it animates
    frames, so the figure's underlay image must be there meanwhile, and the contour trace (its hover and
    click-to-start) must be drawn again when the animation ends."""
    url, _started = app
    with chromium_page(width=1600, height=1400) as page:
        page.goto(url)
        page.wait_for_function(f"() => ({FINGERPRINT_JS})() !== null", timeout=120_000)
        _wait_idle(page)
        assert page.evaluate(CONTOUR_PATHS) > 0 and page.evaluate(UNDERLAY_IMAGES) == 1
        page.locator(".live-plotly").first.scroll_into_view_if_needed()
        last = page.evaluate(SHOWN_FRAME)
        page.locator(".live-plotly .updatemenu-button").first.click()  # ▶ Play, from step 0
        page.wait_for_function(f"(last) => {{ const a = ({SHOWN_FRAME})(); return a > 3 && a < last; }}",
                               arg=last, timeout=30_000, polling=20)
        assert page.evaluate(UNDERLAY_IMAGES) == 1, "the surface is gone while the paths animate"
        page.wait_for_function(f"(last) => ({SHOWN_FRAME})() === last && ({CONTOUR_PATHS})() > 0",
                               arg=last, timeout=60_000, polling=50)
        assert page.locator(EXCEPTION).count() == 0


QUICK_DRAWS = "() => document.querySelector('.live-plotly').__liveQuickDraws || 0"
SCATTER_DRAWN = "() => document.querySelectorAll('.live-plotly .scatterlayer .trace').length"
# The live chart has finished drawing a figure (a figure that comes while one is still being drawn is drawn
# in full: the quick update needs the drawn one).
LAST_FIGURE_DRAWN = "() => { const d = document.querySelector('.live-plotly'); return !!(d && d.__liveFigure); }"
# Where the drawn plot differs from the figure last sent: each trace's data, axis ranges, the frames' data
# and the playback slider's position (an empty list when the plot shows exactly that figure).
DRAWN_VS_SENT = """() => {
  const gd = document.querySelector('.live-plotly'), sent = JSON.parse(gd.__liveFigure), differ = [];
  const TYPES = {f8: Float64Array, f4: Float32Array, i1: Int8Array, i2: Int16Array, i4: Int32Array,
                 u1: Uint8Array, u2: Uint16Array, u4: Uint32Array};
  const plain = (v) => {  // plotly.js keeps decoded typed arrays where the figure sent base64 ({dtype, bdata})
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') {
      if (typeof v.bdata === 'string') {
        const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
        return Array.from(new TYPES[v.dtype](bytes.buffer));
      }
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, plain(v[k])]));
    }
    return v;
  };
  const same = (a, b) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));
  if (gd.data.length !== sent.data.length) differ.push('trace count');
  sent.data.forEach((trace, i) => {
    for (const key of ['x', 'y', 'text', 'marker', 'customdata', 'hovertext'])
      if (key in trace && !same(gd.data[i][key], trace[key])) differ.push(`trace ${i} ${key}`);
  });
  for (const [key, axis] of Object.entries(sent.layout))
    if (/^[xy]axis[0-9]*$/.test(key) && axis.range && !same(gd.layout[key].range, axis.range)) differ.push(key);
  // The frames came in the figure or, for a stepped chart, in an element after it (live_chart.live_frames).
  const frames = gd._transitionData._frames;
  const sentFrames = sent.frames || (gd.__liveFramesJson ? JSON.parse(gd.__liveFramesJson) : []);
  if (!sentFrames.length) differ.push('no frames');
  if (frames.length !== sentFrames.length) differ.push('frame count');
  sentFrames.forEach((frame, j) => {
    if (!same(frames[j] && frames[j].data, frame.data) || frames[j].name !== String(frame.name)) differ.push(`frame ${j}`);
  });
  // The frame shown is the figure's own traces: frames left from another figure would differ here.
  const active = ((sent.layout.sliders || [])[0] || {}).active;
  if (active !== undefined && frames[active]) frames[active].traces.forEach((t, k) => {
    for (const key of ['x', 'y'])
      if (key in frames[active].data[k] && !same(frames[active].data[k][key], sent.data[t][key]))
        differ.push(`frame ${active} trace ${t} ${key}`);
  });
  (sent.layout.sliders || []).forEach((slider, i) => {
    if (gd.layout.sliders[i].active !== slider.active) differ.push(`slider ${i}`); });
  return differ;
}"""


def test_slider_moves_update_the_plot_in_place_and_exactly(app):
    """A move that changes only the paths takes the live chart's quick update (Plotly.animate of the changed
    traces, new axis ranges and frames, no full redraw), and the plot then holds exactly the figure sent:
    every trace's data, the axis ranges, every playback frame; the surface stays drawn. A change of the
    figure's make-up (the step arrows switched off) goes through Plotly.react and is exact too."""
    url, _started = app
    with chromium_page(width=1600, height=1400) as page:
        page.goto(url)
        page.wait_for_function(LAST_FIGURE_DRAWN, timeout=120_000)
        _wait_idle(page)
        drawn = page.evaluate(SCATTER_DRAWN)  # as Plotly.react drew the page's first figure
        slider = page.locator(SLIDER).first
        for move in range(3):
            before, quick = page.evaluate(FINGERPRINT_JS), page.evaluate(QUICK_DRAWS)
            slider.focus()
            slider.press("ArrowRight" if move != 1 else "ArrowLeft")
            _wait_change(page, before)
            _wait_idle(page)
            page.wait_for_timeout(300)
            assert page.evaluate(QUICK_DRAWS) == quick + 1, "a move of the start did not take the quick update"
            assert page.evaluate(DRAWN_VS_SENT) == [], f"move {move}: the plot differs from the figure sent"
            assert page.evaluate(SCATTER_DRAWN) == drawn, "paths or curves went missing from the plot"
            # Meanwhile the underlay image shows the surface; the contour trace is drawn again once the
            # chart is still (its hover and click-to-start with it).
            assert page.evaluate(UNDERLAY_IMAGES) == 1
            page.wait_for_function(f"() => ({CONTOUR_PATHS})() > 0", timeout=5_000)
        # The step cursor moves the playback slider and the animated traces.
        before, quick = page.evaluate(FINGERPRINT_JS), page.evaluate(QUICK_DRAWS)
        page.get_by_role("button", name="◀ step").first.click()
        _wait_change(page, before)
        _wait_idle(page)
        page.wait_for_timeout(300)
        assert page.evaluate(QUICK_DRAWS) == quick + 1
        assert page.evaluate(DRAWN_VS_SENT) == []
        # Right after a quick update (the contour trace not drawn yet, plotly.js sends no plotly_click) a
        # click on the surface still sets the start.
        before = page.evaluate(FINGERPRINT_JS)
        slider.focus()
        slider.press("ArrowRight")
        _wait_change(page, before)
        assert page.evaluate(CONTOUR_PATHS) == 0, "expected the moment before the contour is drawn again"
        before = page.evaluate(FINGERPRINT_JS)
        _click_sets_start(page)
        _wait_change(page, before)  # the paths from the clicked start
        page.wait_for_timeout(300)
        trace_count = "() => document.querySelector('.live-plotly').data.length"
        quick, traces = page.evaluate(QUICK_DRAWS), page.evaluate(trace_count)
        page.get_by_text("step arrows").first.click()
        page.wait_for_function(f"(n) => ({trace_count})() !== n", arg=traces, timeout=30_000)
        _wait_idle(page)
        page.wait_for_timeout(300)
        assert page.evaluate(QUICK_DRAWS) == quick, "a figure with other traces must be redrawn in full"
        assert page.evaluate(DRAWN_VS_SENT) == []
        assert page.locator(EXCEPTION).count() == 0
        # On the curvature page a start move leaves the eigenvalue panels' curves as they were (a quadratic's
        # Hessian is the same everywhere): they must stay drawn all the same.
        page.goto(f"{url}/curvature")
        page.wait_for_function(LAST_FIGURE_DRAWN, timeout=120_000)
        _wait_idle(page)
        drawn, slider = page.evaluate(SCATTER_DRAWN), page.locator(SLIDER).first
        for _ in range(2):
            quick, before = page.evaluate(QUICK_DRAWS), page.evaluate(FINGERPRINT_JS)
            slider.focus()
            slider.press("ArrowRight")
            _wait_change(page, before)
            _wait_idle(page)
            page.wait_for_timeout(300)
            assert page.evaluate(QUICK_DRAWS) == quick + 1
            assert page.evaluate(DRAWN_VS_SENT) == []
            assert page.evaluate(SCATTER_DRAWN) == drawn, "curves went missing from the curvature plot"


def _decoded(frames: list) -> list:
    """The websocket frames as (direction, message): BackMsg going out, ForwardMsg coming in."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    messages = []
    for direction, payload in frames:
        if isinstance(payload, str):
            continue
        message = BackMsg() if direction == "out" else ForwardMsg()
        message.ParseFromString(payload)
        messages.append((direction, message))
    return messages


def _run_finished(page, frames: list, timeout_s: float = 60.0) -> list:
    """Wait for the end of the run the page asked for (its script_finished message); its messages."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        messages = _decoded(list(frames))
        if any(d == "in" and m.WhichOneof("type") == "script_finished" for d, m in messages):
            _wait_idle(page)
            return messages
        page.wait_for_timeout(20)
    raise AssertionError("the run did not finish")


def _element(message) -> tuple[str, str, tuple]:
    """A ForwardMsg delta as (element type, its label or text, its delta path)."""
    element = message.delta.new_element
    kind = element.WhichOneof("type") if message.delta.WhichOneof("type") == "new_element" else "block"
    proto = getattr(element, kind, None) if kind != "block" else None
    text = next((getattr(proto, f) for f in ("label", "body") if proto is not None and hasattr(proto, f)), "")
    return kind, text, tuple(message.metadata.delta_path)


@pytest.mark.parametrize("path, title", [("", "Trajectories"), ("curvature", "Curvature")])
def test_a_scene_slider_reruns_only_the_pages_scene_part_and_draws_the_chart_first(app, path, title):
    """Trajectories and Curvature keep what depends on the scene in a fragment (dashboard/live_scene.py): a
    move of a sidebar scene slider reruns only that fragment, so the page's title and its optimizer
    controls are not sent again; the chart is the first element sent (the step buttons and the export
    popover under it, the sidebar's scene controls, all come after it: tests/test_live_chart.py times the
    pause between); the address bar follows the move; and the moved value stays when the user switches
    page."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    url, _started = app
    with chromium_page(width=1600, height=1400) as page:
        frames = []

        def listen(socket):
            socket.on("framesent", lambda payload: frames.append(("out", payload)))
            socket.on("framereceived", lambda payload: frames.append(("in", payload)))

        page.on("websocket", listen)
        page.goto(f"{url}/{path}")
        page.wait_for_function(LAST_FIGURE_DRAWN, timeout=120_000)
        _wait_idle(page)
        full_run = [_element(m) for d, m in _decoded(frames) if d == "in" and m.WhichOneof("type") == "delta"]
        assert any(kind == "heading" and title in text for kind, text, _ in full_run)
        slider = page.locator(SLIDER).first
        for move in range(2):
            frames.clear()
            before = page.evaluate(FINGERPRINT_JS)
            value = float(slider.get_attribute("aria-valuetext"))
            slider.focus()
            slider.press("ArrowRight")
            _wait_change(page, before)
            messages = _run_finished(page, frames)
            reruns = [m.rerun_script for d, m in messages if d == "out" and m.WhichOneof("type") == "rerun_script"]
            assert reruns and all(r.fragment_id for r in reruns), "the move asked for a full rerun"
            finished = [m.script_finished for d, m in messages
                        if d == "in" and m.WhichOneof("type") == "script_finished"]
            assert finished and set(finished) == {ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}, finished
            sent = [_element(m) for d, m in messages if d == "in" and m.WhichOneof("type") == "delta"]
            assert not any(kind == "heading" and title in text for kind, text, _ in sent), "the title was resent"
            main = [p for kind, _, p in sent if p[0] == 0 and kind != "block"]
            assert main and len({p[:2] for p in main}) == 1, "elements outside the fragment were resent"
            chart = next(i for i, (kind, _, _) in enumerate(sent) if kind == "bidi_component")
            assert all(kind == "block" for kind, _, _ in sent[:chart]), f"sent before the chart: {sent[:chart]}"
            sidebar_sliders = [i for i, (kind, _, p) in enumerate(sent) if kind == "slider" and p[0] == 1]
            assert sidebar_sliders and chart < min(sidebar_sliders), "the sidebar was sent before the chart"
            moved = float(slider.get_attribute("aria-valuetext"))
            assert moved > value
            page.wait_for_function("(q) => location.search.includes(q)", arg=f"scene.start_x={moved:g}",
                                   timeout=10_000)
            assert page.locator(EXCEPTION).count() == 0
        # Every scene control keeps its value through a page switch and back (a control drawn by the
        # fragment must keep the id app.py's full runs give it, else it starts again from its default).
        sliders = '[data-testid="stSidebar"] input[type="range"]'
        values = lambda: page.eval_on_selector_all(sliders, "(s) => s.map((e) => e.getAttribute('aria-valuetext'))")
        scene = values()
        for nav, pathname in (("Schedules and warmup", "/schedules"), (title, f"/{path}")):
            frames.clear()
            page.locator('[data-testid="stSidebarNav"] a', has_text=nav).first.click()
            _run_finished(page, frames, timeout_s=120)
            page.wait_for_function("(p) => location.pathname === p", arg=pathname, timeout=10_000)
            page.wait_for_timeout(300)
            assert values() == scene, f"the scene changed on switching to {nav}"
            query = page.evaluate("() => location.search").lstrip("?").split("&")
            linked = [p for p in query if p.startswith("scene.")]
            assert linked == [f"scene.start_x={moved:g}"], linked
