"""AppTest of the Stochastic gradients page: renders, each main control changes its figure, bad input is a
message; the noise floor, the early-stopping marker and the saddle escape checked from the drawn data."""
from __future__ import annotations

import numpy as np
import pytest

from tests.apptest_helpers import errors, figures, open_page, trace_data, values

FAN, SIDE, HOLDOUT, SADDLE = range(4)


@pytest.fixture(scope="module")
def base():
    """One default page shared by the tests that only read it (opening a page costs seconds)."""
    return fresh()


def fresh():
    at = open_page("stochastic.py")
    assert not at.exception
    return at


def _data(fig):
    return fig.to_plotly_json()["data"]


def test_default_render_and_noise_floor_from_the_drawn_losses(base):
    at = base
    figs = figures(at)
    assert len(figs) == 4 and not errors(at)
    fan = _data(figs[FAN])
    seed_losses = [values(t["y"]).astype(float) for t in fan
                   if t.get("legendgroup") == "seeds" and t.get("xaxis") == "x2" and t.get("mode") == "lines"]
    assert len(seed_losses) == 8
    tail = np.concatenate([v[50:] for v in seed_losses])  # 101 rows: the tail starts at row int(101 × 0.5)
    level = next(t for t in fan if (t.get("name") or "").startswith("noise floor ") and "±" not in t["name"])
    assert values(level["y"]).astype(float)[0] == pytest.approx(tail.mean(), rel=1e-12)
    mean = next(t for t in fan if (t.get("name") or "").startswith("mean of"))
    paths = [t for t in fan if t.get("legendgroup") == "seeds" and t.get("xaxis") in (None, "x")
             and t.get("mode") == "lines"]
    xs = np.mean([values(t["x"]).astype(float) for t in paths], axis=0)
    assert np.allclose(values(mean["x"]).astype(float), xs)
    # the caption's height above full batch, recomputed from engine runs of the same seeds
    from dashboard import engine

    config = engine.RunConfig(surface="logistic_regression", optimizer="sgd", optimizer_params=(("lr", 1.0),),
                              start=(-1.8, 0.6), steps=100, batch_size=4)
    mini = engine.simulate_many([config.with_(seed=s) for s in range(8)])
    full = engine.simulate_many([config.with_(seed=s, batch_size=0) for s in range(8)])
    gap = np.concatenate([(m.loss - f.loss)[50:] for m, f in zip(mini, full)])
    assert gap.mean() > 0  # minibatch noise keeps the loss above the full-batch run's
    assert any(f"which is {gap.mean():.3g} ± {gap.std():.2g} above" in c.value for c in at.caption)


def test_early_stopping_marker_by_an_independent_loop(base):
    at = base
    data = _data(figures(at)[HOLDOUT])
    heldout = values(data[1]["y"]).astype(float)
    patience, min_delta = 5, 1e-3  # the page's defaults
    best, best_at, stop_at, waited = heldout[0], 0, None, 0
    for t in range(1, len(heldout)):
        if heldout[t] < best - min_delta:
            best, best_at, waited = heldout[t], t, 0
        else:
            waited += 1
            if waited == patience:
                stop_at = t
                break
    star = next(t for t in data if (t.get("name") or "").startswith("best held-out"))
    assert values(star["x"])[0] == best_at
    stops = [t for t in data if (t.get("name") or "").startswith("early stop")]
    assert stop_at is not None  # the defaults are chosen so that the marker shows
    assert (values(stops[0]["x"])[0] if stops else None) == stop_at


def test_saddle_stays_without_noise_and_leaves_with_it(base):
    at = base
    data = _data(figures(at)[SADDLE])
    still = data[[i for i, t in enumerate(data) if t.get("name") == "no noise"][0]]
    assert np.all(values(still["y"]).astype(float) == 0.0)  # on the stable axis the gradient has no y part
    noisy = [t for t in data if t.get("legendgroup") == "noisy" and t.get("mode") == "lines"
             and t.get("xaxis") in (None, "x")]
    for t in noisy:
        x, y = values(t["x"]).astype(float), values(t["y"]).astype(float)
        f = x**2 - y**2
        assert np.nanmin(f) < -1.0  # each noisy path has gone down the unstable direction
    assert any("8 of 8 runs fell below" in c.value for c in at.caption)


def test_each_main_control_changes_its_figure():
    at = fresh()
    changes = [
        (lambda: at.slider(key="stoch.patience").set_value(30), HOLDOUT),  # first: the default run stops early
        (lambda: at.slider(key="stoch.batch").set_value(16), FAN),
        (lambda: at.slider(key="stoch.seeds").set_value(4), FAN),
        (lambda: at.select_slider(key="stoch.opt.sgd.lr").set_value(0.3), SIDE),
        (lambda: at.select_slider(key="stoch.saddle.noise").set_value(0.1), SADDLE),
        (lambda: at.selectbox(key="stoch.surface").set_value("linear_regression"), FAN),
    ]
    for change, chart in changes:
        before = trace_data(figures(at)[chart])
        change()
        at.run()
        assert not at.exception and not errors(at)
        assert trace_data(figures(at)[chart]) != before


def test_bad_combinations_are_messages():
    at = fresh()
    at.toggle(key="stoch.opt.sgd.nesterov").set_value(True).run()
    assert not at.exception
    assert any("nesterov" in e for e in errors(at))
