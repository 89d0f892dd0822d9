"""AppTest of the Lecture scene page: every preset opens from ?preset=NAME with its notice, its runs drawn as
configured (one path per run, the engine's points), each rule's LaTeX, each run's status reason and the
lesson with measured numbers; an unknown name is a note, never an exception."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard.presets import PRESETS, simulate_preset
from dashboard.show import stacked_latex
from dashboard.summary import status_reason
from optimizers import RULES
from tests.apptest_helpers import figures, open_page, values

LECTURE = "../pages/lecture.py"


def open_scene(at, name):
    at.query_params["preset"] = name
    at.switch_page(LECTURE).run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def session():
    """One session that opens every scene in turn by its link, as a lecturer following the gallery would."""
    return open_page()


def path_traces(at, labels):
    """The static whole-path trace of each run (named by its label, listed in the legend), over all figures."""
    return [trace for fig in figures(at) for trace in fig.data
            if trace.name in labels and trace.showlegend and trace.mode == "lines" and trace.xaxis in (None, "x")]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_scene_opens_from_its_link(session, name):
    preset = PRESETS[name]
    at = open_scene(session, name)
    assert [t.value for t in at.title] == [preset.title]
    assert any(preset.notice in box.value for box in at.info)
    assert not at.warning and not at.error
    # One drawn path per run, and each path is that run's trajectory as the engine computes it.
    expected = simulate_preset(preset)
    traces = path_traces(at, preset.labels)
    assert len(traces) == len(preset.runs)
    for run, traj in zip(preset.runs, expected):
        (trace,) = [t for t in traces if t.name == run.label]
        np.testing.assert_allclose(values(trace.x), traj.xy[:, 0], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(values(trace.y), traj.xy[:, 1], rtol=1e-12, equal_nan=True)
    latex = {block.value.strip("$\n") for block in at.latex}
    assert {stacked_latex(RULES[run.config.optimizer].latex) for run in preset.runs} <= latex
    markdown = " ".join(m.value for m in at.markdown)
    for run, traj in zip(preset.runs, expected):
        assert f"**{run.label}**: {status_reason(traj)}" in markdown
    assert [box.value for box in at.success] == [preset.lesson]
    table = at.dataframe[0].value
    assert list(table["run"]) == list(preset.labels)
    assert [None if np.isnan(v) else int(v) for v in table["steps to tolerance"].astype(float)] == \
        [traj.converged_at for traj in expected]
    links = [link.proto for link in at.get("page_link")]
    if preset.page == "trajectories":
        assert not links
    else:
        assert [link.page for link in links] == [preset.page]
        assert links[0].label.startswith("Explore on the ")
    keys = {button.key for button in at.button}
    assert {"lecture.chart0.render.png", "lecture.chart0.render.svg", "lecture.chart0.render.pdf"} <= keys


def test_unknown_name_is_a_note_and_the_first_scene():
    at = open_page()
    at = open_scene(at, "zigzg")
    (warning,) = at.warning
    assert "no lecture scene called 'zigzg'" in warning.value and "did you mean 'zigzag'?" in warning.value
    assert [t.value for t in at.title] == [PRESETS["zigzag"].title]
    at = open_scene(at, "<script>")
    assert "no lecture scene called '<script>'" in at.warning[0].value
    assert not at.exception


def test_the_selectbox_switches_scenes_and_the_link_follows():
    at = open_scene(open_page(), "nesterov")
    at.selectbox(key="lecture.preset").set_value("warmup").run()
    assert not at.exception
    assert [t.value for t in at.title] == [PRESETS["warmup"].title]
    assert "warmup" in (at.query_params.get("preset"), at.query_params.get("lecture.preset")) or \
        "warmup" in [v for vs in at.query_params.values() for v in (vs if isinstance(vs, list) else [vs])]
    # A link to another scene in the same session still opens it.
    at = open_scene(at, "clipping")
    assert [t.value for t in at.title] == [PRESETS["clipping"].title]


def test_gif_button_renders_the_playback_and_offers_it():
    at = open_scene(open_page(), "newton-saddle")
    assert "lecture.gif0.download" not in {b.key for b in at.get("download_button")}
    at.button(key="lecture.gif0").click().run()
    assert not at.exception
    assert "lecture.gif0.download" in {b.key for b in at.get("download_button")}


def test_step_arrows_toggle_adds_the_arrow_traces():
    at = open_scene(open_page(), "zigzag")
    before = sum(len(fig.data) for fig in figures(at))
    at.toggle(key="lecture.arrows").set_value(True).run()
    assert not at.exception
    names = {trace.name for fig in figures(at) for trace in fig.data}
    assert {"−η∇f", "update Δθ"} <= names and sum(len(fig.data) for fig in figures(at)) > before


def test_a_changed_rate_reruns_that_run_only_and_says_the_lesson_was_for_the_scenes_rates():
    at = open_scene(open_page(), "zigzag")
    preset = PRESETS["zigzag"]
    at.number_input(key="lecture.zigzag.lr0").set_value(0.01).run()
    assert not at.exception
    expected = simulate_preset(preset)
    slow = simulate_preset(preset.__class__(**{**preset.__dict__, "runs": (
        preset.runs[0].__class__("GD", preset.runs[0].config.with_(optimizer_params=(("lr", 0.01),))),
        preset.runs[1])}))
    traces = path_traces(at, ("GD lr 0.038 → lr 0.01", preset.runs[1].label))
    assert len(traces) == 2
    np.testing.assert_allclose(values(traces[0].x), slow[0].xy[:, 0], rtol=1e-12)
    np.testing.assert_allclose(values(traces[1].x), expected[1].xy[:, 0], rtol=1e-12)  # the other run as set
    assert any("You changed a learning rate" in w.value for w in at.warning)
    at.button(key="lecture.reset_rates").click().run()
    assert not at.warning
    assert len(path_traces(at, preset.labels)) == 2
