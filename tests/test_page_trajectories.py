"""AppTest of the Trajectories page: renders, every main control changes the figure, bad input shows a message."""
from __future__ import annotations

import pytest

from tests.apptest_helpers import errors, figures, open_page, trace_data


@pytest.fixture(scope="module")
def base():
    at = open_page()
    assert not at.exception
    return at


def fresh():
    at = open_page()
    assert not at.exception
    return at


def test_default_render_has_animated_chart(base):
    (fig,) = figures(base)
    assert fig.data[0].type == "contour"
    assert "click to start here" in fig.data[0].hovertemplate  # a click on the contour sets the start
    assert len(fig.frames) > 10
    assert fig.layout.yaxis.scaleanchor == "x"
    assert not errors(base)
    assert any("still running" in m.value or "converged" in m.value for m in base.markdown)
    # The CSV download; PNG, SVG and PDF of the chart are rendered on request (test below).
    assert [b.key for b in base.get("download_button")] == ["traj.csv"]
    assert {"traj.chart.render.png", "traj.chart.render.svg", "traj.chart.render.pdf"} <= {b.key for b in base.button}


def test_a_slide_is_rendered_on_request_and_offered_for_that_run_only():
    """Render PNG -> a download button with kaleido's bytes appears; the next run (any change) drops it, so
    no run leaves a renderer holding its figure behind."""
    at = fresh()
    at.button(key="traj.chart.render.png").click().run()
    assert not at.exception
    assert "traj.chart.export.png" in [b.key for b in at.get("download_button")]
    at.toggle(key="traj.arrows").set_value(False).run()
    assert "traj.chart.export.png" not in [b.key for b in at.get("download_button")]


@pytest.mark.parametrize("change", [
    lambda at: at.select_slider(key="traj.opt0.sgd.lr").set_value(0.1),
    lambda at: at.slider(key="traj.opt1.sgd.momentum").set_value(0.5),
    lambda at: at.sidebar.selectbox(key="scene.surface").set_value("rosenbrock"),
    lambda at: at.sidebar.select_slider(key="scene.quadratic.kappa").set_value(50.0),
    lambda at: at.sidebar.slider(key="scene.start_x").set_value(1.0),
    lambda at: at.sidebar.slider(key="scene.steps").set_value(200),
    lambda at: at.number_input(key="traj.count").set_value(3),
    lambda at: at.toggle(key="traj.arrows").set_value(False),
], ids=["lr", "momentum", "surface", "kappa", "start", "steps", "count", "arrows"])
def test_each_main_control_changes_the_figure(change):
    at = fresh()
    before = trace_data(figures(at)[0])
    change(at)
    at.run()
    assert not at.exception
    assert not errors(at)
    assert trace_data(figures(at)[0]) != before


def test_three_d_view_adds_a_chart():
    at = fresh()
    at.toggle(key="traj.show3d").set_value(True).run()
    assert not at.exception
    figs = figures(at)
    assert len(figs) == 2 and figs[1].data[0].type == "surface"


def test_nesterov_without_momentum_is_a_message_not_an_exception():
    at = fresh()
    at.toggle(key="traj.opt0.sgd.nesterov").set_value(True).run()
    assert not at.exception
    assert any("nesterov needs momentum" in e for e in errors(at))
    (fig,) = figures(at)  # the other optimizer still draws
    assert len(fig.frames) > 0


def test_diverging_run_states_the_stability_bound():
    at = fresh()
    at.select_slider(key="traj.opt0.sgd.lr").set_value(0.3).run()  # κ = 10: 2/λmax = 0.2
    assert not at.exception
    assert any("diverged at step" in m.value and "2/λmax = 0.2" in m.value for m in at.markdown)


def test_the_update_rules_shown_are_the_rules_that_run():
    """One markdown block under the figures holds each chosen optimizer's update rule, as the engine's rule
    registry writes it (the rule that runs); switching an optimizer switches its rule there."""
    from dashboard.show import stacked_latex
    from optimizers import RULES

    at = fresh()
    rules = next(m.value for m in at.markdown if m.value.startswith("### The update rules"))
    assert rules.count("$$") == 2 and f"$$\n{stacked_latex(RULES['sgd'].latex)}\n$$" in rules
    at.selectbox(key="traj.opt1.rule").set_value("adam").run()
    rules = next(m.value for m in at.markdown if m.value.startswith("### The update rules"))
    assert f"**{RULES['sgd'].title}**" in rules and f"**{RULES['adam'].title}**" in rules
    for name in ("sgd", "adam"):
        assert f"$$\n{stacked_latex(RULES[name].latex)}\n$$" in rules
