"""Presentation mode (?present=1 or the sidebar's toggle): projector styling on every figure, sidebar and
controls hidden, a way out; and keyboard stepping of the Trajectories animation (← →, a clicker's PageUp/
PageDown), whose step is in the link too. AppTest for the figures and state, Chromium for what a room sees.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.testing.v1 import AppTest

from dashboard import present, show
from dashboard.figures.curves import frame_rows
from bench.browser import CHART
from tests.apptest_helpers import chart_elements, figures, open_link, values

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
LINE_TYPES = ("scatter", "scattergl", "scatter3d")


def style_sheets(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def line_widths(fig) -> list[float]:
    return [t.line.width for t in fig.data if t.type in LINE_TYPES and "lines" in (t.mode or "lines")]


def axis_font_sizes(fig) -> list[float]:
    layout = fig.to_plotly_json()["layout"]
    return [axis["tickfont"]["size"] for name, axis in layout.items()
            if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict)]


@pytest.fixture(scope="module")
def plain():
    at = open_link({})
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def presenting():
    at = open_link({"present": "1"})
    assert not at.exception
    return at


# --- presentation mode --------------------------------------------------------------------------------

def test_present_in_the_link_restyles_every_figure_for_a_projector(plain, presenting):
    (before,) = figures(plain)
    (after,) = figures(presenting)
    assert before.layout.font.size == 14 and after.layout.font.size >= 22
    sizes = axis_font_sizes(after)
    assert len(sizes) == 10 and min(sizes) >= 22  # the contour and the four curves, x and y
    assert all(a.font.size >= 22 for a in after.layout.annotations)
    assert after.layout.sliders[0].currentvalue.font.size >= 22
    widths = line_widths(after)
    assert len(widths) == len(line_widths(before)) > 10 and min(widths) >= 4
    assert min(w for w in line_widths(before) if w is not None) < 4  # the plain figure really was thinner
    # markers grow by the projector's factor, trace by trace
    for b, a in zip(before.data, after.data):
        if b.type == "scatter" and isinstance(b.marker.size, (int, float)):
            assert a.marker.size == pytest.approx(b.marker.size * present.MARKER_SCALE)
    # the data themselves are untouched
    assert [values(t.x).tolist() for t in after.data if t.type == "scatter"][:4] == \
           [values(t.x).tolist() for t in before.data if t.type == "scatter"][:4]


def test_present_hides_sidebar_and_controls_and_offers_a_way_out(plain, presenting):
    sheets = style_sheets(presenting)
    assert any('[data-testid="stSidebar"]' in s and "st-key-controls-" in s and "stDownloadButton" in s
               and "display: none" in s for s in sheets)
    assert not any("stSidebar" in s for s in style_sheets(plain))
    exit_button = presenting.button(key="present.exit")
    assert exit_button.proto.shortcut.lower() in ("esc", "escape")
    assert presenting.query_params == {"present": "1"}


def test_exit_button_and_sidebar_toggle_leave_and_enter_presentation():
    at = open_link({"present": "1"})
    at.button(key="present.exit").click().run()
    assert not at.exception
    assert at.session_state["present"] is False
    assert at.query_params == {}
    assert figures(at)[0].layout.font.size == 14
    at.sidebar.toggle(key="present").set_value(True).run()
    assert at.query_params == {"present": "1"}
    assert figures(at)[0].layout.font.size >= 22


@pytest.mark.parametrize("page", ["curvature.py", "schedules.py", "explorer.py", "stochastic.py"])
def test_every_page_presents(page):
    at = open_link({"present": "1"}, page)
    assert not at.exception
    figs = figures(at)
    assert figs and all(f.layout.font.size >= 22 for f in figs)
    assert all(min(line_widths(f), default=4) >= 4 for f in figs)


def test_projector_style_on_a_bare_figure():
    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], line=dict(width=1)), go.Scatter(x=[0], y=[0], mode="markers",
                                                                                  marker=dict(size=10)),
                     go.Contour(z=[[0, 1], [1, 0]])])
    fig.add_annotation(text="note", font=dict(size=12, color="#444444"))
    assert present.projector_style(fig) is fig
    assert fig.data[0].line.width == 4 and fig.data[1].marker.size == 16
    assert fig.data[2].colorbar.tickfont.size == 22
    assert fig.layout.annotations[0].font.size == 22 and fig.layout.annotations[0].font.color == "#000000"
    assert "scene" not in fig.to_plotly_json()["layout"]  # no empty 3-D scene added to a 2-D figure


# --- keyboard stepping --------------------------------------------------------------------------------

def _animated(n_frames: int = 5) -> go.Figure:
    from dashboard.figures.curves import add_playback

    fig = go.Figure([go.Scatter(x=[0.0], y=[0.0], mode="markers"), go.Scatter(x=[9.0], y=[9.0])])
    steps = np.array([0, 3, 6, 9, 12][:n_frames])
    add_playback(fig, steps, [0], [[dict(type="scatter", x=[float(k)], y=[float(k) ** 2])] for k in steps])
    return fig


@pytest.mark.parametrize("cursor, index", [(-1, 4), (0, 0), (2, 0), (3, 1), (11, 3), (12, 4), (10**6, 4)])
def test_a_step_cursor_picks_the_frame_at_or_before_it(cursor, index):
    assert show.frame_index([0, 3, 6, 9, 12], cursor) == index


def test_at_frame_shows_that_frames_data_and_moves_the_slider():
    fig = show.at_frame(_animated(), 2)
    assert fig.data[0].x == (6.0,) and fig.data[0].y == (36.0,)
    assert fig.data[1].x == (9.0,)  # not animated: untouched
    assert fig.layout.sliders[0].active == 2


def _frame_data(fig, index):
    return fig.to_dict()["frames"][index]


def press_step_key(at: AppTest, delta) -> None:
    """A stepping key pressed in the browser: the stepped chart's "step" trigger with -1 or 1."""
    (chart,) = [c for c in chart_elements(at) if json.loads(c.proto.json)["step_keys"]]
    states = WidgetStates()
    states.widgets.extend(at._tree.get_widget_states().widgets)
    states.widgets.append(WidgetState(id=_make_trigger_id(chart.proto.id, "events"),
                                      json_trigger_value=json.dumps([{"event": "step", "value": delta}])))
    at._run(states)


def test_step_buttons_move_the_trajectories_figure_and_the_link():
    at = open_link({})
    (fig,) = figures(at)
    steps = [int(f.name) for f in fig.frames]
    assert steps == frame_rows(101).tolist() and fig.layout.sliders[0].active == len(steps) - 1
    at.button(key="traj.step.back").click().run()
    press_step_key(at, -1)  # PageUp or ←, as the live chart reports it
    assert not at.exception
    assert at.session_state["traj.step"] == steps[-3]
    assert at.query_params == {"traj.step": str(steps[-3])}
    (fig,) = figures(at)
    assert fig.layout.sliders[0].active == len(steps) - 3
    frame = _frame_data(fig, len(steps) - 3)
    for trace_index, data in zip(frame["traces"], frame["data"]):
        for axis in ("x", "y"):
            if axis in data:
                shown, wanted = values(fig.data[trace_index][axis]), values(data[axis])
                assert np.array_equal(np.asarray(shown, float), np.asarray(wanted, float), equal_nan=True)
    press_step_key(at, 1)
    press_step_key(at, "1")  # not a step: ignored
    at.button(key="traj.step.forward").click().run()
    assert at.session_state["traj.step"] == -1 and at.query_params == {}  # back at the end: the default


@pytest.mark.parametrize("page, key", [("curvature.py", "curv.step"), ("schedules.py", "sched.cmp.step")])
def test_other_animated_pages_step_too(page, key):
    at = open_link({}, page)
    at.button(key=f"{key}.back").click().run()
    assert not at.exception
    fig = next(f for f in figures(at) if f.frames)
    steps = [int(f.name) for f in fig.frames]
    assert fig.layout.sliders[0].active == len(steps) - 2
    assert at.session_state[key] == steps[-2] and at.query_params == {key: str(steps[-2])}
    again = open_link(dict(at.query_params), page)
    assert next(f for f in figures(again) if f.frames).layout.sliders[0].active == len(steps) - 2


def test_a_linked_step_opens_there():
    at = open_link({"traj.step": "40", "scene.steps": "200"})
    (fig,) = figures(at)
    steps = [int(f.name) for f in fig.frames]
    index = fig.layout.sliders[0].active
    assert steps[index] <= 40 < steps[index + 1]
    assert any(f"showing step {steps[index]} of 200" in c.value for c in at.caption)


# --- in a real browser ----------------------------------------------------------------------------------

PAGES = (("", "trajectories"), ("curvature", "curvature"), ("schedules", "schedules"), ("explorer", "explorer"),
         ("stochastic", "stochastic"))


def _idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=120_000)


def _shown_step(page) -> int:
    return int(page.evaluate(
        "() => { const gd = document.querySelector('%s'); const s = gd.layout.sliders[0];"
        " return s.steps[s.active].label; }" % CHART))


def _wait_step(page, before: int, timeout_s: float = 30.0) -> int:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            now = _shown_step(page)
        except Exception:  # noqa: BLE001 - the chart is being redrawn
            now = before
        if now != before:
            return now
        time.sleep(0.05)
    raise AssertionError("the figure's step did not change")


def test_browser_presentation_and_clicker_keys():
    from bench.browser import chromium_page, chromium_path, streamlit_server

    if chromium_path() is None:
        pytest.skip("no chromium on PATH (apt-get install chromium); browser test skipped")
    SHOTS.mkdir(exist_ok=True)
    with streamlit_server("dashboard/app.py") as (url, _process, _started), chromium_page(1600, 1200) as page:
        for path, name in PAGES:
            if not (ROOT / "pages" / f"{name}.py").exists():
                continue
            page.goto(f"{url}/{path}?present=1")
            page.wait_for_selector(CHART, timeout=120_000)
            _idle(page)
            page.wait_for_timeout(500)
            assert page.locator('[data-testid="stException"]').count() == 0, name
            assert not page.locator('[data-testid="stSidebar"]').is_visible(), name
            visible_inputs = page.locator('[data-testid="stMain"] input:visible').count()
            assert visible_inputs == 0, f"{name}: {visible_inputs} controls still shown while presenting"
            assert page.locator('[data-testid="stMain"] [data-testid="stDownloadButton"]:visible').count() == 0, name
            if name == "trajectories":
                page.screenshot(path=str(SHOTS / "presentation.png"))
                # a presenter's clicker: PageDown / PageUp; a keyboard: the arrows
                page.mouse.click(800, 5)
                end = _shown_step(page)
                page.keyboard.press("PageUp")
                back = _wait_step(page, end)
                assert back < end
                page.keyboard.press("ArrowLeft")
                back2 = _wait_step(page, back)
                assert back2 < back
                page.keyboard.press("PageDown")
                assert _wait_step(page, back2) == back
                try:
                    page.wait_for_function(f"() => location.search.includes('traj.step={back}')", timeout=30_000)
                except Exception as error:  # noqa: BLE001 - say what the link held instead
                    raise AssertionError(f"the link did not take step {back} within 30 s; it holds "
                                         f"{page.evaluate('location.search')!r}") from error
                page.keyboard.press("ArrowRight")
                assert _wait_step(page, back) == end
                # Esc leaves presentation mode: the sidebar comes back and `present` leaves the link
                _idle(page)
                page.keyboard.press("Escape")
                page.wait_for_selector('[data-testid="stSidebar"]', state="visible", timeout=30_000)
                page.wait_for_function("() => !location.search.includes('present')", timeout=30_000)
