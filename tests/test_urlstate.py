"""Links hold the scene: a URL's query parameters restore every control, each run writes the controls that
differ from their defaults back, and junk in a link is a note, never an exception.

AppTest plays a fresh browser opening a URL: query parameters are set before the first run (and the page
is chosen before it, as a browser's path would). One Playwright test opens a link in a real Chromium.
"""
from __future__ import annotations

import math
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from dashboard import urlstate
from dashboard.engine import RunConfig, simulate
from dashboard.scene import MAX_SCENE_STEPS
from landscapes import SURFACES
from optimizers import RULES, SCHEDULES
from tests.apptest_helpers import TIMEOUT, figures, open_link, trace_data, values

WIDGET_KINDS = ("slider", "select_slider", "toggle", "selectbox", "number_input", "text_input", "radio")


def registered(at: AppTest) -> dict:
    """Every control drawn in the last run (key -> its default), as urlstate saw them."""
    return {key: spec.default for key, spec in at.session_state[urlstate.RUN].specs.items()}


def link_notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "Ignored from the link" in w.value]


def widget_values(at: AppTest) -> dict:
    found = {}
    for kind in WIDGET_KINDS:
        for widget in at.get(kind):
            if widget.key:
                found[widget.key] = widget.value
    return found


# --- parsing: pure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.999, 1e-8, 1 / 3, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, -2.5, 0.0,
                                   7, 0, -3, True, False, "adam", "50;75", "ünïcødé 🚀"])
def test_parse_reads_back_exactly_what_encode_writes(value):
    back = urlstate.parse(urlstate.encode(value), urlstate.Spec(default=value))
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("text, spec, why", [
    ("abc", urlstate.Spec(100, low=10, high=5000), "not a whole number 10..5000"),
    ("5001", urlstate.Spec(100, low=10, high=5000), "not a whole number 10..5000"),
    ("2.5", urlstate.Spec(100), "not a whole number"),
    ("nan", urlstate.Spec(0.5, low=0.0, high=1.0), "not a finite number 0..1"),
    ("inf", urlstate.Spec(0.5), "not a finite number"),
    ("-1e999", urlstate.Spec(0.5), "not a finite number"),
    ("9" * 5000, urlstate.Spec(3), f"longer than {urlstate.MAX_VALUE_CHARS} characters"),
    ("maybe", urlstate.Spec(True), "not on/off"),
    ("fast!", urlstate.Spec("normal", options=("slow", "normal", "fast")), "not one of slow, normal, fast"),
    ("1e-5", urlstate.Spec(1e-6, options=(1e-2, 1e-4, 1e-6)), "not one of"),
    ("0", urlstate.Spec(0.1, check=RULES["sgd"].params[0].validate), "lr: must be in (0, 1000]"),
    ("40;30", urlstate.Spec("50;75", check=SCHEDULES["multistep"].params[0].parse), "increasing"),
])
def test_parse_rejects_junk_and_says_what_would_fit(text, spec, why):
    with pytest.raises(urlstate.Invalid) as raised:
        urlstate.parse(text, spec)
    assert why in str(raised.value)


SPECS = [urlstate.Spec(100, low=10, high=MAX_SCENE_STEPS), urlstate.Spec(0.5, low=-2.0, high=2.0),
         urlstate.Spec(True), urlstate.Spec("quadratic", options=tuple(SURFACES)),
         urlstate.Spec(0.999, low=0.0, high=0.999, check=RULES["adam"].params[2].validate),
         urlstate.Spec("50;75", check=SCHEDULES["multistep"].params[0].parse)]


@settings(max_examples=400, deadline=None)
@given(text=hs.text(max_size=300), spec_index=hs.integers(0, len(SPECS) - 1))
def test_any_text_is_a_value_that_fits_or_invalid_never_another_error(text, spec_index):
    spec = SPECS[spec_index]
    try:
        value = urlstate.parse(text, spec)
    except urlstate.Invalid:
        return
    assert type(value) is type(spec.default)
    if spec.options is not None:
        assert value in spec.options
    if spec.low is not None:
        assert math.isfinite(value) and spec.low <= value <= spec.high


# --- bug: torch's defaults must show exactly ------------------------------------------------------------

def _every_param_widget():
    import streamlit as st

    from dashboard.controls import param_input
    from landscapes import SURFACES
    from optimizers import RULES, SCHEDULES

    for registry_name, registry in (("rule", RULES), ("schedule", SCHEDULES), ("surface", SURFACES)):
        for name, entry in registry.items():
            for param in entry.params:
                param_input(param, f"{registry_name}.{name}.{param.name}", container=st)


def test_every_parameter_widget_starts_at_its_declared_default():
    """Adam's beta2 = 0.999 used to be clipped to 0.99 by a slider stopping one step short of 1."""
    at = AppTest.from_function(_every_param_widget, default_timeout=TIMEOUT).run()
    assert not at.exception
    shown = widget_values(at)
    checked = 0
    for registry_name, registry in (("rule", RULES), ("schedule", SCHEDULES), ("surface", SURFACES)):
        for name, entry in registry.items():
            for param in entry.params:
                key = f"{registry_name}.{name}.{param.name}"
                value = param.parse(shown[key]) if param.kind == "list" else shown[key]
                assert value == param.default, f"{key}: widget shows {value!r}, torch's default is {param.default!r}"
                checked += 1
    assert checked == sum(len(e.params) for r in (RULES, SCHEDULES, SURFACES) for e in r.values())
    assert shown["rule.adam.beta2"] == 0.999 and shown["rule.adam.eps"] == 1e-8


# --- a link restores the scene --------------------------------------------------------------------------

TRAJ_LINK = {
    "scene.surface": "rosenbrock", "scene.steps": "200", "scene.start_x": "0.5",
    "traj.count": "3", "traj.tol": "1e-08", "traj.arrows": "0",
    "traj.opt0.rule": "adam", "traj.opt0.adam.lr": "0.07", "traj.opt0.adam.beta2": "0.95",
    "traj.opt1.sgd.momentum": "0.5",
}


@pytest.fixture(scope="module")
def traj_link():
    at = open_link(TRAJ_LINK)
    assert not at.exception
    return at


def test_a_link_sets_every_control_it_names(traj_link):
    at = traj_link
    assert not link_notes(at)
    assert at.sidebar.selectbox(key="scene.surface").value == "rosenbrock"
    assert at.sidebar.slider(key="scene.steps").value == 200
    assert at.sidebar.slider(key="scene.start_x").value == 0.5
    assert at.number_input(key="traj.count").value == 3
    assert at.select_slider(key="traj.tol").value == 1e-8
    assert at.toggle(key="traj.arrows").value is False
    assert at.selectbox(key="traj.opt0.rule").value == "adam"
    assert at.select_slider(key="traj.opt0.adam.lr").value == 0.07  # off the log grid: added to its options
    assert at.slider(key="traj.opt0.adam.beta2").value == 0.95
    assert at.slider(key="traj.opt1.sgd.momentum").value == 0.5


def test_the_figure_draws_the_linked_scene(traj_link):
    """Adam's path on the figure is the engine's run with the link's values (and the start the link moved)."""
    (fig,) = figures(traj_link)
    names = [t.name for t in fig.data if t.name]
    assert "1 Adam" in names and any(n.startswith("3 ") for n in names)
    expected = simulate(RunConfig(surface="rosenbrock", optimizer="adam",
                                  optimizer_params=(("lr", 0.07), ("beta2", 0.95)), start=(0.5, 2.0),
                                  steps=200, tol=1e-8))
    path = next(t for t in fig.data if t.name == "1 Adam" and t.mode == "lines")
    assert np.allclose(values(path.x), expected.xy[:, 0]) and np.allclose(values(path.y), expected.xy[:, 1])
    assert len(expected.xy) == 201


def test_the_url_keeps_only_what_differs_from_the_defaults(traj_link):
    written = traj_link.query_params
    assert written == TRAJ_LINK
    at = open_link({})
    assert at.query_params == {}  # the default scene's link is the bare address
    at.number_input(key="traj.count").set_value(3).run()
    assert at.query_params == {"traj.count": "3"}
    at.number_input(key="traj.count").set_value(2).run()
    assert at.query_params == {}


def _traj_changes(at):
    at.sidebar.selectbox(key="scene.surface").set_value("himmelblau").run()
    at.selectbox(key="traj.opt0.rule").set_value("adam").run()
    at.slider(key="traj.opt0.adam.beta2").set_value(0.9)
    at.toggle(key="traj.opt0.adam.amsgrad").set_value(True)
    at.sidebar.slider(key="scene.steps").set_value(300)
    at.number_input(key="traj.count").set_value(3)
    at.select_slider(key="traj.tol").set_value(1e-4)
    at.selectbox(key="traj.speed").set_value("slow").run()
    at.button(key="traj.step.back").click().run()


def _curv_changes(at):
    at.number_input(key="curv.count").set_value(3).run()
    at.selectbox(key="curv.opt2.rule").set_value("rmsprop").run()
    at.slider(key="curv.opt2.rmsprop.alpha").set_value(0.9)
    at.slider(key="curv.point_x").set_value(0.5)
    at.select_slider(key="curv.newton_lr").set_value(0.3).run()


def _sched_changes(at):
    at.selectbox(key="sched.build.schedule").set_value("multistep").run()
    at.text_input(key="sched.build.multistep.milestones").set_value("20;40;60")
    at.select_slider(key="sched.build.lr").set_value(0.3)
    at.number_input(key="sched.cmp.count").set_value(2)
    at.slider(key="sched.demo.warmup").set_value(50).run()


def _expl_changes(at):
    at.select_slider(key="expl.resolution").set_value(11)
    at.select_slider(key="expl.basin.resolution").set_value(11)
    at.radio(key="expl.metric").set_value("steps_to_converge")
    at.slider(key="expl.range.steps").set_value(60).run()


def _stoch_changes(at):
    at.slider(key="stoch.batch").set_value(8)
    at.slider(key="stoch.seeds").set_value(4)
    at.select_slider(key="stoch.min_delta").set_value(1e-4)
    at.select_slider(key="stoch.saddle.noise").set_value(0.1).run()


@pytest.mark.parametrize("page, changes", [
    (None, _traj_changes), ("curvature.py", _curv_changes), ("schedules.py", _sched_changes),
    ("explorer.py", _expl_changes), ("stochastic.py", _stoch_changes),
], ids=["trajectories", "curvature", "schedules", "explorer", "stochastic"])
def test_round_trip_a_changed_scene_through_its_link(page, changes):
    """Change controls, take the link the app wrote, open it in a new session: every control, and every
    chart, comes back identical."""
    at = open_link({}, page)
    assert not at.exception
    changes(at)
    assert not at.exception
    link = dict(at.query_params)
    assert len(link) >= 4, link
    assert all(at.session_state[key] != default for key, default in registered(at).items() if key in link)
    again = open_link(link, page)
    assert not again.exception
    assert not link_notes(again)
    assert registered(again) == registered(at)
    for key in registered(at):
        assert again.session_state[key] == at.session_state[key], key
    assert again.query_params == at.query_params
    assert [trace_data(f) for f in figures(again)] == [trace_data(f) for f in figures(at)]


def test_switching_page_puts_that_pages_state_and_the_scene_in_the_link():
    at = open_link({"scene.steps": "200", "traj.count": "3"})
    at.switch_page("../pages/curvature.py").run()
    assert not at.exception
    assert at.query_params == {"scene.steps": "200"}  # the scene stays, the Trajectories controls go
    at.number_input(key="curv.count").set_value(3).run()
    assert at.query_params == {"scene.steps": "200", "curv.count": "3"}


def test_a_page_left_and_opened_again_keeps_its_settings():
    """Streamlit drops the values of widgets a run does not draw; the app puts them back on return."""
    at = open_link({})
    at.number_input(key="traj.count").set_value(3).run()
    at.toggle(key="traj.arrows").set_value(False).run()
    at.switch_page("../pages/curvature.py").run()
    at.number_input(key="curv.count").set_value(3).run()
    at.switch_page("../pages/trajectories.py").run()
    assert not at.exception
    assert at.number_input(key="traj.count").value == 3
    assert at.toggle(key="traj.arrows").value is False
    assert len([p for p in at.session_state[urlstate.RUN].specs if p.startswith("traj.opt2.")]) > 0  # third drawn
    assert at.query_params == {"traj.count": "3", "traj.arrows": "0"}  # this page's link, not curvature's
    at.switch_page("../pages/curvature.py").run()
    assert at.number_input(key="curv.count").value == 3


def test_a_page_that_stops_early_still_writes_its_link():
    """Every optimizer refused (Nesterov without momentum): the page shows why and calls st.stop()."""
    at = open_link({})
    at.number_input(key="traj.count").set_value(1)
    at.toggle(key="traj.opt0.sgd.nesterov").set_value(True).run()
    assert not at.exception
    assert any("No optimizer could run" in e.value for e in at.error)
    assert at.query_params == {"traj.count": "1", "traj.opt0.sgd.nesterov": "1"}


# --- junk in a link ---------------------------------------------------------------------------------------

JUNK = {
    "scene.steps": "abc", "scene.seed": "nan", "scene.start_x": "inf", "scene.surface": "../../etc/passwd",
    "traj.count": "99", "traj.speed": "ünïcødé 🚀", "traj.tol": "1" * 5000, "traj.arrows": "maybe",
    "traj.opt0.rule": "nosuchrule", "curv.count": "2", "💥": "1", "present": "2",
}


def test_junk_in_a_link_is_one_note_and_the_defaults():
    params = {**JUNK, "traj.opt1.sgd.momentum": ["0.1", "0.5"]}  # a repeated key: the last one counts
    at = open_link(params)
    assert not at.exception
    (note,) = link_notes(at)
    for key in JUNK:
        assert key in note, key
    assert "scene.steps=abc (not a whole number 10..5000)" in note
    assert "curv.count=2 (no such control on this page)" in note
    assert len(note) < 2000  # the 5000-character value is shown cut short
    defaults = open_link({})
    for key in JUNK:
        if key in registered(defaults):
            assert at.session_state[key] == defaults.session_state[key], key
    assert at.slider(key="traj.opt1.sgd.momentum").value == 0.5
    (fig,) = figures(at)
    assert len(fig.frames) > 10
    assert at.query_params == {"traj.opt1.sgd.momentum": "0.5"}  # the junk is gone from the address
    at.button(key="_url.dismiss").click().run()
    assert not link_notes(at)


@pytest.mark.parametrize("page, key, junk", [
    ("curvature.py", "curv.point_x", "1e308"), ("schedules.py", "sched.build.cosine.T_max", "-5"),
    ("explorer.py", "expl.y.sgd", "lr"), ("stochastic.py", "stoch.batch", "100000"),
    ("schedules.py", "sched.build.schedule", "<script>alert(1)</script>"),
])
def test_junk_on_every_page_is_a_note(page, key, junk):
    at = open_link({key: junk}, page)
    assert not at.exception
    (note,) = link_notes(at)
    assert key in note
    assert key not in at.query_params


JUNK_VALUES = ["nan", "-1e309", "ünï🚀", "", "9" * 550, "1e-400", "0x10", "inf", "<b>x</b>`", "1;2;x", "-0"]


@pytest.mark.parametrize("page", [None, "curvature.py", "schedules.py", "explorer.py", "stochastic.py"],
                         ids=["trajectories", "curvature", "schedules", "explorer", "stochastic"])
def test_junk_for_every_control_of_a_page_never_raises(page):
    """Every control the page draws gets a junk value in one link (plus a typed formula far too long)."""
    keys = list(registered(open_link({}, page)))
    params = {key: JUNK_VALUES[i % len(JUNK_VALUES)] for i, key in enumerate(keys)}
    params.update({"scene.surface": "custom", "scene.formula": "x" * 550})
    at = open_link(params, page)
    assert not at.exception
    assert len(link_notes(at)) == 1
    assert figures(at)


# --- a real browser opens a link -----------------------------------------------------------------------------

def test_a_fresh_browser_restores_a_link():
    from bench.browser import CHART, chromium_page, chromium_path, streamlit_server

    if chromium_path() is None:
        pytest.skip("no chromium on PATH (apt-get install chromium); browser test skipped")
    link = "?scene.steps=250&scene.start_x=0.5&traj.count=3&traj.opt0.sgd.lr=0.07"
    with streamlit_server("dashboard/app.py") as (url, _process, _started), chromium_page(1600, 1400) as page:
        page.goto(url + "/" + link)
        page.wait_for_selector(CHART, timeout=120_000)
        steps = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="steps"]').first
        start_x = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="start x"]').first
        assert steps.get_attribute("aria-valuetext") == "250"
        assert float(start_x.get_attribute("aria-valuetext")) == 0.5
        assert page.locator('[data-testid="stException"]').count() == 0
        # three optimizers drawn: the legend names a third path
        page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                               ".some(gd => gd.data && gd.data.some(t => (t.name || '').startsWith('3 ')))",
                               timeout=60_000)
        # the address bar still holds the link (the app wrote back the same values)
        page.wait_for_timeout(500)
        query = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
        assert query == {"scene.steps": "250", "scene.start_x": "0.5", "traj.count": "3",
                         "traj.opt0.sgd.lr": "0.07"}
        # the sidebar's "Link to this scene" shows the same address, to copy
        page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary',
                     has_text="Link to this scene").click()
        shown = urlsplit(page.locator('[data-testid="stSidebar"] [data-testid="stCode"]').first.inner_text().strip())
        address = urlsplit(page.evaluate("() => location.href"))
        assert shown.netloc == address.netloc and shown.path.rstrip("/") == address.path.rstrip("/")
        assert dict(parse_qsl(shown.query)) == dict(parse_qsl(address.query)) == query
