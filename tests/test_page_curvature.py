"""AppTest of the Curvature page: renders, every main control changes a figure, bad input shows a message."""
from __future__ import annotations

import numpy as np
import pytest

from tests.apptest_helpers import errors, figures, open_page, trace_data, values


def fresh():
    at = open_page("curvature.py")
    assert not at.exception
    return at


def test_default_render():
    at = fresh()
    figs = figures(at)
    assert len(figs) == 3  # eigenvalues + ellipse, curvature map, Newton
    assert len(figs[0].frames) > 10
    assert figs[1].data[0].type == "heatmap"
    assert not errors(at)
    table = at.dataframe[0].value
    assert list(table["kind"]) == ["minimum"]
    assert np.allclose(table[["λmin", "λmax"]].to_numpy()[0], [1.0, 10.0])  # quadratic: diag(1, κ)


@pytest.mark.parametrize("change, chart", [
    (lambda at: at.select_slider(key="curv.opt0.sgd.lr").set_value(0.1), 0),
    (lambda at: at.slider(key="curv.opt1.sgd.momentum").set_value(0.3), 0),
    (lambda at: at.sidebar.select_slider(key="scene.quadratic.kappa").set_value(50.0), 1),
    (lambda at: at.sidebar.selectbox(key="scene.surface").set_value("saddle"), 1),
    (lambda at: at.slider(key="curv.point_x").set_value(1.0), 2),
    (lambda at: at.select_slider(key="curv.newton_lr").set_value(0.3), 2),
], ids=["lr", "momentum", "kappa", "surface", "point", "newton-lr"])
def test_each_main_control_changes_its_figure(change, chart):
    at = fresh()
    before = trace_data(figures(at)[chart])
    change(at)
    at.run()
    assert not at.exception and not errors(at)
    assert trace_data(figures(at)[chart]) != before


def test_stability_line_moves_with_lr():
    at = fresh()
    at.select_slider(key="curv.opt0.sgd.lr").set_value(0.1).run()
    fig = figures(at)[0]
    limits = [t for t in fig.to_plotly_json()["data"] if "stable while" in (t.get("hovertemplate") or "")]
    assert any(np.allclose(values(t["y"]).astype(float), 2 / 0.1) for t in limits)  # GD: 2/η


def test_nesterov_without_momentum_is_a_message():
    at = fresh()
    at.toggle(key="curv.opt0.sgd.nesterov").set_value(True).run()
    assert not at.exception
    assert any("nesterov needs momentum" in e for e in errors(at))


def test_saddle_surface_table_and_newton_caption():
    at = fresh()
    at.sidebar.selectbox(key="scene.surface").set_value("saddle").run()
    assert not at.exception
    assert list(at.dataframe[0].value["kind"]) == ["saddle"]
    assert any("saddle-free Newton" in c.value for c in at.caption)
