"""AppTest of the Schedules page: renders, each main control changes its figure, bad input is a message;
the warmup rescue of Adam checked against the engine and the literature's six-hump-camel minima."""
from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard import engine, warmup_demo
from optimizers import RULES
from optimizers.schedules import torch_code
from tests.apptest_helpers import errors, figures, open_page, trace_data, values

SIX_HUMP_GLOBAL_MIN = -1.0316284534898774  # at (±0.0898, ∓0.7126), Jamil & Yang 2013
SIX_HUMP_LOCAL_MIN = 2.1042503  # the local minima at (±1.6071, ±0.5687)


def fresh():
    at = open_page("schedules.py")
    assert not at.exception
    return at


def test_default_render_cosine_by_hand_and_torch_code():
    at = fresh()
    figs = figures(at)
    assert len(figs) >= 2
    assert not errors(at)
    lr = values(figs[0].to_plotly_json()["data"][0]["y"]).astype(float)
    t = np.arange(100)
    assert np.allclose(lr, 0.1 * 0.5 * (1 + np.cos(np.pi * t / 100)), rtol=1e-12)  # cosine, T_max 100, η 0.1
    assert at.code[0].value == torch_code("cosine", {}, 0)
    assert len(figs[1].frames) > 10  # comparison animates
    assert len(at.dataframe[0].value) == 3


def test_each_main_control_changes_its_figure():
    at = fresh()
    changes = [
        (lambda: at.select_slider(key="sched.build.lr").set_value(0.3), 0),
        (lambda: at.number_input(key="sched.build.warmup").set_value(10), 0),
        (lambda: at.selectbox(key="sched.build.schedule").set_value("step"), 0),
        (lambda: at.select_slider(key="sched.cmp.opt.sgd.lr").set_value(0.05), 1),
        (lambda: at.selectbox(key="sched.cmp1.schedule").set_value("exponential"), 1),
        (lambda: at.number_input(key="sched.cmp.count").set_value(2), 1),
        (lambda: at.sidebar.select_slider(key="scene.quadratic.kappa").set_value(50.0), 1),
    ]
    for change, chart in changes:
        before = trace_data(figures(at)[chart])
        change()
        at.run()
        assert not at.exception and not errors(at)
        assert trace_data(figures(at)[chart]) != before


def test_onecycle_draws_momentum_and_warmup_climbs_to_its_start():
    at = fresh()
    at.selectbox(key="sched.build.schedule").set_value("onecycle").run()
    at.number_input(key="sched.build.warmup").set_value(5).run()
    assert not at.exception and not errors(at)
    fig = figures(at)[0].to_plotly_json()
    assert len(fig["data"]) == 2  # lr and momentum
    lr = values(fig["data"][0]["y"]).astype(float)
    momentum = values(fig["data"][1]["y"]).astype(float)
    # warmup rises to max_lr / div_factor = 0.1 / 25 in 5 steps, as torch's SequentialLR before OneCycleLR
    assert np.allclose(lr[:5], 0.004 * np.arange(1, 6) / 5)
    assert momentum[5] == pytest.approx(0.95)
    assert "SequentialLR" in at.code[0].value


def test_bad_combinations_are_messages():
    at = fresh()
    at.selectbox(key="sched.build.schedule").set_value("onecycle").run()
    at.number_input(key="sched.build.onecycle.total_steps").set_value(10).run()
    at.slider(key="sched.build.onecycle.pct_start").set_value(0.1).run()
    assert not at.exception
    assert any("pct_start" in e for e in errors(at))
    at.selectbox(key="sched.cmp0.schedule").set_value("multistep").run()
    at.text_input(key="sched.cmp0.multistep.milestones").input("50;20").run()
    assert not at.exception
    assert any("increasing" in e for e in errors(at))


def test_warmup_rescue_holds_for_optax_adam():
    """The demonstration's claim with an independent Adam (optax, torch's conventions) on the same surface."""
    import jax
    import jax.numpy as jnp
    import optax

    from landscapes import get_surface

    surface = get_surface(warmup_demo.DEMO_SURFACE)

    def f(xy):
        return surface.loss(xy, {}, (), jnp.zeros((0,)))

    finals, peaks = [], []
    for warmup in (0, warmup_demo.DEMO_WARMUP):
        lr = warmup_demo.DEMO_LR
        rate = (lambda t: lr * jnp.minimum((t + 1) / warmup, 1.0)) if warmup else lr
        opt = optax.adam(rate, b1=0.9, b2=0.999, eps=1e-8)
        xy = jnp.asarray(surface.starts[0], float)
        state, losses = opt.init(xy), [float(f(xy))]
        step = jax.jit(lambda xy, state: _adam_step(opt, f, xy, state))
        for _ in range(warmup_demo.DEMO_STEPS):
            xy, state = step(xy, state)
            losses.append(float(f(xy)))
        finals.append(losses[-1])
        peaks.append(max(losses[:warmup_demo.EARLY_STEPS + 1]) / losses[0])
    assert peaks[0] > 10 and peaks[1] == pytest.approx(1.0)
    assert finals[0] == pytest.approx(SIX_HUMP_LOCAL_MIN, abs=1e-3)
    assert finals[1] == pytest.approx(SIX_HUMP_GLOBAL_MIN, abs=1e-4)


def _adam_step(opt, f, xy, state):
    import jax
    import optax

    updates, state = opt.update(jax.grad(f)(xy), state, xy)
    return optax.apply_updates(xy, updates), state


@pytest.mark.skipif("adam" not in RULES, reason="the warmup demonstration needs the Adam rule")
def test_warmup_rescues_adam_in_the_engine():
    failing_config, warmed_config = warmup_demo.demo_configs()
    failing, warmed = engine.simulate(failing_config), engine.simulate(warmed_config)
    v_fail, v_warm = warmup_demo.verdict(failing), warmup_demo.verdict(warmed)
    # Early failure: within 20 steps the loss climbs far above the start (the first steps are ≈ η = 2 long).
    assert v_fail.early_peak > 10 * v_fail.start_loss
    first_step = np.abs(failing.xy[1] - failing.xy[0])
    assert first_step == pytest.approx([2.0, 2.0], rel=1e-6)  # m̂/√v̂ = sign(g) on step one
    # ...and the run ends in a local minimum, the warmed one in the global minimum.
    assert v_fail.final_loss == pytest.approx(SIX_HUMP_LOCAL_MIN, abs=1e-3)
    assert v_warm.final_loss == pytest.approx(SIX_HUMP_GLOBAL_MIN, abs=1e-4)
    assert v_warm.early_peak <= v_warm.start_loss
    assert warmup_demo.rescued(v_fail, v_warm, SIX_HUMP_GLOBAL_MIN)
    assert math.isclose(abs(v_warm.final_xy[0]), 0.0898, abs_tol=2e-3)


@pytest.mark.skipif("adam" not in RULES, reason="the warmup demonstration needs the Adam rule")
def test_warmup_demo_on_the_page_says_rescued():
    at = fresh()
    assert any("global minimum" in s.value for s in at.success)
    before = trace_data(figures(at)[2])
    at.slider(key="sched.demo.warmup").set_value(60).run()
    assert not at.exception and trace_data(figures(at)[2]) != before
