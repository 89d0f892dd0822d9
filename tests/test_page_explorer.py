"""AppTest of the Learning-rate explorer: renders, each main control changes its figure, bad input is a
message; theory's boundary, the basins and the suggested rate checked independently."""
from __future__ import annotations

import numpy as np
import pytest

from tests.apptest_helpers import errors, figures, open_page, trace_data, values

HEATMAP, RATEMAP, FAN, BASINS, RANGE = range(5)
HIMMELBLAU_MINIMA = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]])


@pytest.fixture(scope="module")
def base():
    """One default page shared by the tests that only read it (opening a page costs seconds)."""
    return fresh()


def fresh():
    at = open_page("explorer.py")
    at.select_slider(key="expl.resolution").set_value(11)
    at.select_slider(key="expl.basin.resolution").set_value(21)
    at.run()
    assert not at.exception
    return at


def _trace(fig, name_start):
    return next(t for t in fig.to_plotly_json()["data"] if (t.get("name") or "").startswith(name_start))


def test_default_render_boundary_where_theory_puts_it(base):
    at = base
    figs = figures(at)
    assert len(figs) == 5 and not errors(at)
    heat = figs[HEATMAP].to_plotly_json()["data"]
    boundary = _trace(figs[HEATMAP], "theory")
    beta = values(boundary["y"]).astype(float)
    assert np.allclose(values(boundary["x"]).astype(float), (2 + 2 * beta) / 10.0)  # κ = 10: λmax = 10
    # The engine's runs agree: well left of the line the loss fell, well right of it the loss grew or blew up.
    lrs, betas = values(heat[0]["x"]).astype(float), values(heat[0]["y"]).astype(float)
    final = values(heat[0]["customdata"]).astype(float).reshape(len(betas), len(lrs))
    start_loss = 0.5 * (1.8**2 + 10 * 0.6**2)  # the quadratic's default start (-1.8, 0.6)
    for j, b in enumerate(betas):
        if b > 0.5:
            continue  # near β = 1 runs decay or grow too slowly to tell in 100 steps
        limit = (2 + 2 * b) / 10.0
        assert np.all(final[j, lrs < 0.8 * limit] < start_loss)
        assert np.all(~(final[j, lrs > 1.25 * limit] < start_loss))


def test_each_main_control_changes_its_figure():
    at = fresh()
    changes = [
        (lambda: at.select_slider(key="expl.lr_high").set_value(1.0), HEATMAP),
        (lambda: at.radio(key="expl.metric").set_value("steps_to_converge"), HEATMAP),
        (lambda: at.sidebar.select_slider(key="scene.quadratic.kappa").set_value(50.0), HEATMAP),
        (lambda: at.slider(key="expl.opt.sgd.momentum").set_value(0.5), FAN),
        (lambda: at.select_slider(key="expl.basin.opt.sgd.lr").set_value(0.003), BASINS),
        (lambda: at.select_slider(key="expl.range.high").set_value(1.0), RANGE),
        (lambda: at.slider(key="expl.range.steps").set_value(200), RANGE),
    ]
    for change, chart in changes:
        before = trace_data(figures(at)[chart])
        change()
        at.run()
        assert not at.exception and not errors(at)
        assert trace_data(figures(at)[chart]) != before


def test_basins_of_himmelblau(base):
    at = base
    table = at.dataframe[0].value
    found = table[table["minimum"] != "none"][["x", "y"]].to_numpy(float)
    assert len(found) == 4
    for published in HIMMELBLAU_MINIMA:
        assert np.min(np.linalg.norm(found - published, axis=1)) < 1e-4
    assert table["share of starts"].sum() == pytest.approx(1.0)
    fig = figures(at)[BASINS].to_plotly_json()["data"][0]
    labels = values(fig["z"]).astype(float).reshape(21, 21) - 1
    xs, ys = values(fig["x"]).astype(float), values(fig["y"]).astype(float)
    # a start right next to a minimum lands in that minimum's basin
    for i, (mx, my) in enumerate(found):
        col, row = np.argmin(np.abs(xs - mx)), np.argmin(np.abs(ys - my))
        assert labels[row, col] == i


def test_suggested_rate_is_a_tenth_of_the_smoothed_minimum(base):
    at = base
    fig = figures(at)[RANGE].to_plotly_json()["data"]
    lr, loss = values(fig[0]["x"]).astype(float), values(fig[0]["y"]).astype(float)
    star = next(t for t in fig if (t.get("name") or "").startswith("suggested"))
    # fastai-style smoothing, written out again here: a = 0.6 a + 0.4 x, divided by 1 − 0.6^(i+1)
    average, smoothed, best = 0.0, [], np.inf
    for i, x in enumerate(loss):
        best = min(best, x)
        if not np.isfinite(x) or x > 4 * best:
            break
        average = 0.6 * average + 0.4 * x
        smoothed.append(average / (1 - 0.6 ** (i + 1)))
    assert values(star["x"])[0] == pytest.approx(lr[int(np.argmin(smoothed))] / 10, rel=1e-9)


def test_bad_combinations_are_messages():
    at = fresh()
    at.select_slider(key="expl.lr_low").set_value(3.0).run()
    at.select_slider(key="expl.lr_high").set_value(0.1).run()
    assert not at.exception and any("must be below" in e for e in errors(at))
    at.slider(key="expl.range.steps").set_value(10).run()  # 1e-4 → 10 in 10 steps needs γ = 3.6 > 2
    assert not at.exception and any("Range test" in e for e in errors(at))
    at.toggle(key="expl.opt.sgd.nesterov").set_value(True).run()  # Nesterov without momentum
    assert not at.exception and any("nesterov" in e for e in errors(at))
