"""Schedules against torch (recorded fixture), against plain-Python closed forms, and end to end in the engine."""
from __future__ import annotations

import bisect
import json
import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizers import schedules as sched
from optimizers.params import MAX_LIST_LEN, traced
from optimizers.schedules import SCHEDULES, resolve_schedule, schedule_values, torch_code, with_warmup

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "torch_schedules.json")
with open(FIXTURE) as _f:
    TORCH = json.load(_f)
CASES = TORCH["cases"]

RTOL_TORCH = 1e-12


def _values(case):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in case["values"].items()}


def _case_id(case):
    values = ",".join(f"{k}={v}" for k, v in case["values"].items())
    return f"{case['schedule']}[{values}]w{case['warmup']}-{case['optimizer']}"


# ---------------------------------------------------------------------------------------------------
# torch, step for step


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_torch_step_for_step(case):
    """lr (and cycled momentum / beta1) at every update, warmup included, within 1e-12 relative."""
    expected = np.asarray(case["lr_t"])
    lr, momentum = schedule_values(case["schedule"], _values(case), case["lr"], len(expected), case["warmup"])
    np.testing.assert_allclose(lr, expected, rtol=RTOL_TORCH, atol=0)
    if "momentum_t" in case:
        np.testing.assert_allclose(momentum, case["momentum_t"], rtol=RTOL_TORCH, atol=0)
    else:
        # NaN tells the engine to keep the optimizer's own momentum, which is what torch kept.
        assert np.all(np.isnan(momentum))
        own = TORCH["sgd_momentum"] if case["optimizer"] == "sgd" else TORCH["adam_beta1"]
        assert case["momentum_constant"] == own


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fixture_was_made_from_todays_torch_code(case):
    """The fixture ran the snippet we show; if the snippet changes, regenerate the fixture."""
    assert torch_code(case["schedule"], _values(case), case["warmup"]) == case["code"]


def test_fixture_covers_every_schedule_parameter_and_warmup():
    for name, schedule in SCHEDULES.items():
        cases = [c for c in CASES if c["schedule"] == name]
        assert any(c["warmup"] == 0 for c in cases), name
        assert any(c["warmup"] > 0 for c in cases), f"{name}: no case with warmup (SequentialLR)"
        for param in schedule.params:
            seen = {json.dumps(resolve_schedule(schedule, _values(c))[param.name]) for c in cases}
            wanted = len(param.choices) if param.kind == "choice" else 2
            assert len(seen) >= wanted, f"{name}.{param.name} takes only {seen} in the fixture"
    cycling = [c for c in CASES if "momentum_t" in c]
    assert {c["optimizer"] for c in cycling} == {"sgd", "adam"}  # momentum and beta1 both recorded


def test_long_runs_reach_past_the_interesting_points():
    """The cosine cases go past T_max (torch's recursion there), cosine_restarts through several restarts."""
    cosine = [c for c in CASES if c["schedule"] == "cosine"]
    assert any(len(c["lr_t"]) - c["warmup"] > 2 * c["values"]["T_max"] for c in cosine)
    restarts = [c for c in CASES if c["schedule"] == "cosine_restarts" and c["values"]["T_mult"] > 1]
    assert any(len(c["lr_t"]) > c["values"]["T_0"] * (1 + 2 + 4 + 8) for c in restarts)


# ---------------------------------------------------------------------------------------------------
# onecycle at its end


ONECYCLE_CASES = [c for c in CASES if c["schedule"] == "onecycle"]


@pytest.mark.parametrize("case", ONECYCLE_CASES, ids=_case_id)
def test_onecycle_holds_its_final_value_where_torch_stops(case):
    values = resolve_schedule(SCHEDULES["onecycle"], _values(case))
    total, warmup = values["total_steps"], case["warmup"]
    lr, momentum = schedule_values("onecycle", _values(case), case["lr"], warmup + total + 50, warmup)
    final_lr = values["max_lr"] / values["div_factor"] / values["final_div_factor"]
    assert lr[warmup + total - 1] == pytest.approx(final_lr, rel=1e-12)
    assert np.all(lr[warmup + total - 1:] == lr[warmup + total - 1])
    assert np.array_equal(momentum[warmup + total - 1:], momentum[warmup + total - 1:][:1].repeat(51),
                          equal_nan=True)
    # torch: one more, extrapolated value at last_epoch = total_steps, then a ValueError.
    assert case["raises_after_total_steps"]
    assert case["lr_at_total_steps"] != pytest.approx(final_lr, rel=1e-6)


def test_onecycle_torch_goes_negative_at_total_steps_with_linear_annealing():
    """Why we hold instead of copying torch's value at last_epoch = total_steps."""
    linear = [c for c in ONECYCLE_CASES if c["values"].get("anneal_strategy") == "linear"
              and not c["values"].get("three_phase")]
    assert linear and all(c["lr_at_total_steps"] < 0 for c in linear)


# ---------------------------------------------------------------------------------------------------
# Independent closed forms in plain Python


def py_step(t, lr, p):
    return lr * p["gamma"] ** (t // p["step_size"])


def py_multistep(t, lr, p):
    return lr * p["gamma"] ** bisect.bisect_right(sorted(p["milestones"]), t)


def py_exponential(t, lr, p):
    return lr * p["gamma"] ** t


def py_cosine(t, lr, p):
    # The half-angle form cos^2(x/2) = (1 + cos x)/2: a different computation of the same curve.
    return p["eta_min"] + (lr - p["eta_min"]) * math.cos(math.pi * t / (2 * p["T_max"])) ** 2


def py_cosine_restarts(t, lr, p):
    t_cur, t_i = t, p["T_0"]
    while t_cur >= t_i:  # walk the cycles, as torch's step() does one update at a time
        t_cur -= t_i
        t_i *= p["T_mult"]
    return p["eta_min"] + (lr - p["eta_min"]) * math.cos(math.pi * t_cur / (2 * t_i)) ** 2


def py_linear(t, lr, p):
    if t >= p["total_iters"]:
        return lr * p["end_factor"]
    w = t / p["total_iters"]
    return lr * ((1 - w) * p["start_factor"] + w * p["end_factor"])


def py_polynomial(t, lr, p):
    return lr * max(0.0, 1 - t / p["total_iters"]) ** p["power"]


def py_onecycle(t, lr, p):
    """Smith & Topin's one cycle from torch's documentation: phases end at steps pct T - 1, (2 pct T - 2), T - 1."""
    total = p["total_steps"]
    t = min(t, total - 1)
    lo, hi = p["max_lr"] / p["div_factor"], p["max_lr"]
    final = lo / p["final_div_factor"]
    m_lo, m_hi = p["base_momentum"], p["max_momentum"]

    def anneal(a, b, frac):
        if p["anneal_strategy"] == "cos":
            return b + (a - b) * (1 + math.cos(math.pi * frac)) / 2
        return a + (b - a) * frac

    e1 = p["pct_start"] * total - 1
    if p["three_phase"]:
        e2 = 2 * p["pct_start"] * total - 2
        phases = [(0, e1, lo, hi, m_hi, m_lo), (e1, e2, hi, lo, m_lo, m_hi), (e2, total - 1, lo, final, m_hi, m_hi)]
    else:
        phases = [(0, e1, lo, hi, m_hi, m_lo), (e1, total - 1, hi, final, m_lo, m_hi)]
    for i, (start, end, a, b, ma, mb) in enumerate(phases):
        if t <= end or i == len(phases) - 1:
            frac = (t - start) / (end - start)
            momentum = anneal(ma, mb, frac) if p["cycle_momentum"] else math.nan
            return anneal(a, b, frac), momentum


def py_cyclic(t, lr, p):
    up = p["step_size_up"]
    down = p["step_size_down"] or up
    cycle_index, pos = divmod(t, up + down)  # cycle_index counts from 0
    height = pos / up if pos <= up else 1 - (pos - up) / down
    scale = {"triangular": 1.0, "triangular2": 0.5 ** cycle_index, "exp_range": p["gamma"] ** t}[p["mode"]]
    rate = p["base_lr"] + (p["max_lr"] - p["base_lr"]) * height * scale
    momentum = p["max_momentum"] - (p["max_momentum"] - p["base_momentum"]) * height * scale
    return rate, momentum if p["cycle_momentum"] else math.nan


def py_wsd(t, lr, p):
    w, s, d, f = p["warmup_steps"], p["stable_steps"], p["decay_steps"], p["final_factor"]
    if t < w:
        return lr * (t + 1) / w
    if t < w + s:
        return lr
    if t >= w + s + d:
        return lr * f
    x = (t - w - s) / d
    left = {"linear": 1 - x, "cosine": math.cos(math.pi * x / 2) ** 2, "1-sqrt": 1 - math.sqrt(x)}[p["decay"]]
    return lr * (f + (1 - f) * left)


def py_inverse_sqrt(t, lr, p):
    # Vaswani et al. 2017 eq. 3, d_model^-0.5 min(step^-0.5, step W^-1.5), with d_model^-0.5 = lr sqrt(W);
    # T5: lr sqrt(W) / sqrt(max(step, W)).
    step_number, w = t + 1, p["warmup_steps"]
    if p["ramp"] == "linear":
        return lr * math.sqrt(w) * min(step_number ** -0.5, step_number * w ** -1.5)
    return lr * math.sqrt(w) / math.sqrt(max(step_number, w))


REFERENCES = {
    "constant": lambda t, lr, p: lr,
    "step": py_step, "multistep": py_multistep, "exponential": py_exponential, "cosine": py_cosine,
    "cosine_restarts": py_cosine_restarts, "linear": py_linear, "polynomial": py_polynomial,
    "onecycle": py_onecycle, "cyclic": py_cyclic, "wsd": py_wsd, "inverse_sqrt": py_inverse_sqrt,
}

# Parameter sets beyond the torch fixture: extremes, and long runs past every boundary.
REFERENCE_CASES = [
    ("constant", {}), ("step", {"step_size": 1, "gamma": 0.9}), ("step", {"step_size": 64, "gamma": 0.3}),
    ("multistep", {"milestones": (1, 2, 3, 5, 8, 13, 21, 34), "gamma": 0.8}),
    ("multistep", {"milestones": (), "gamma": 0.5}), ("multistep", {"milestones": (100, 100), "gamma": 0.5}),
    ("exponential", {"gamma": 0.95}), ("exponential", {"gamma": 1.02}),
    ("cosine", {"T_max": 1, "eta_min": 0.0}), ("cosine", {"T_max": 37, "eta_min": 0.02}),
    ("cosine", {"T_max": 250, "eta_min": 0.3}),  # eta_min above lr: an upside-down cosine, as in torch
    ("cosine_restarts", {"T_0": 1, "T_mult": 1}), ("cosine_restarts", {"T_0": 1, "T_mult": 2}),
    ("cosine_restarts", {"T_0": 7, "T_mult": 3, "eta_min": 0.01}), ("cosine_restarts", {"T_0": 2, "T_mult": 10}),
    ("linear", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 1}),
    ("linear", {"start_factor": 0.01, "end_factor": 0.5, "total_iters": 333}),
    ("polynomial", {"total_iters": 1, "power": 3.0}), ("polynomial", {"total_iters": 150, "power": 0.0}),
    ("polynomial", {"total_iters": 120, "power": 7.5}),
    ("onecycle", {}), ("onecycle", {"total_steps": 37, "pct_start": 0.5, "anneal_strategy": "linear"}),
    ("onecycle", {"total_steps": 300, "three_phase": True, "pct_start": 0.45, "cycle_momentum": False}),
    ("onecycle", {"total_steps": 10, "pct_start": 0.05}),  # first phase shorter than one step
    ("onecycle", {"total_steps": 1}),
    ("cyclic", {}), ("cyclic", {"step_size_up": 1, "step_size_down": 1}),
    ("cyclic", {"step_size_up": 7, "step_size_down": 30, "mode": "triangular2", "base_lr": 0.0}),
    ("cyclic", {"step_size_up": 40, "mode": "exp_range", "gamma": 0.995, "cycle_momentum": False}),
    ("wsd", {}), ("wsd", {"warmup_steps": 0, "stable_steps": 0, "decay_steps": 1, "final_factor": 0.5}),
    ("wsd", {"warmup_steps": 30, "stable_steps": 10, "decay_steps": 300, "decay": "cosine", "final_factor": 0.2}),
    ("wsd", {"warmup_steps": 5, "stable_steps": 5, "decay_steps": 200, "decay": "1-sqrt"}),
    ("inverse_sqrt", {}), ("inverse_sqrt", {"warmup_steps": 1, "ramp": "constant"}),
    ("inverse_sqrt", {"warmup_steps": 200, "ramp": "constant"}),
]


def py_with_warmup(reference, t, lr, p, warmup, peak):
    if t < warmup:
        return peak * (t + 1) / warmup
    return reference(t - warmup, lr, p)


@pytest.mark.parametrize("warmup", [0, 7])
@pytest.mark.parametrize("name,given", REFERENCE_CASES, ids=[f"{n}{v}" for n, v in REFERENCE_CASES])
def test_matches_plain_python_closed_form(name, given, warmup):
    values = resolve_schedule(SCHEDULES[name], given)
    lr0, steps = 0.2, 700
    peak = values["max_lr"] / values["div_factor"] if name == "onecycle" else lr0
    lr, momentum = schedule_values(name, given, lr0, steps, warmup)
    expected = [py_with_warmup(REFERENCES[name], t, lr0, values, warmup, peak) for t in range(steps)]
    expected_lr = np.array([e[0] if isinstance(e, tuple) else e for e in expected])
    # The references compute some curves another way (cos^2 instead of 1 + cos), so they differ by the
    # cancellation in 1 + cos near pi: an absolute 1e-16 of lr, hence the atol.
    np.testing.assert_allclose(lr, expected_lr, rtol=1e-10, atol=1e-15 * lr0)
    if name in ("onecycle", "cyclic"):
        start_momentum = REFERENCES[name](0, lr0, values)[1]
        expected_m = [start_momentum if t < warmup else e[1] for t, e in zip(range(steps), expected)]
        np.testing.assert_allclose(momentum, expected_m, rtol=1e-12, atol=1e-15)
    else:
        assert np.all(np.isnan(momentum))


def test_references_cover_every_schedule_and_choice():
    assert set(REFERENCES) == set(SCHEDULES)
    for name, schedule in SCHEDULES.items():
        for param in schedule.params:
            if param.kind in ("choice", "bool"):
                seen = {resolve_schedule(schedule, g)[param.name] for n, g in REFERENCE_CASES if n == name}
                assert len(seen) == (len(param.choices) if param.kind == "choice" else 2), (name, param.name)


def test_cosine_past_t_max_climbs_back_to_lr():
    """Documented: CosineAnnealingLR does not stop at T_max (torch's recursion and the closed form agree)."""
    lr, _ = schedule_values("cosine", {"T_max": 50, "eta_min": 0.01}, 0.1, 201)
    assert lr[50] == pytest.approx(0.01, rel=1e-14)
    assert lr[100] == pytest.approx(0.1, rel=1e-14)
    assert lr[150] == pytest.approx(0.01, rel=1e-12)


# ---------------------------------------------------------------------------------------------------
# Traced: jit, vmap, no recompilation when a number changes


def _sp(name, given):
    schedule = SCHEDULES[name]
    return {k: jnp.asarray(v) for k, v in traced(schedule.params, resolve_schedule(schedule, given)).items()}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_traced_under_jit_and_vmap_without_recompiling(name):
    """A Python `if` on a traced value would fail here; changing any number must reuse the program."""
    schedule = SCHEDULES[name]

    @jax.jit
    def one(t, base_lr, sp, warmup):
        return with_warmup(schedule.fn, t, base_lr, sp, warmup)

    defaults = _sp(name, {})
    ts = jnp.arange(40)
    lr_vmapped, _ = jax.vmap(one, in_axes=(0, None, None, None))(ts, jnp.asarray(0.1), defaults, jnp.asarray(3.0))
    expected, _ = schedule_values(name, {}, 0.1, 40, 3)
    np.testing.assert_allclose(np.asarray(lr_vmapped), expected, rtol=1e-14)
    one(jnp.asarray(5), jnp.asarray(0.1), defaults, jnp.asarray(0.0))
    before = one._cache_size()
    # Every parameter moved to another admissible value (bool flipped, next choice): still the same program.
    changed = dict(defaults)
    for param in schedule.params:
        value = changed[param.name]
        if param.kind == "bool" or param.kind == "choice":
            changed[param.name] = jnp.full_like(value, 0.0 if float(value) else 1.0)
        elif param.kind != "list":
            changed[param.name] = value + 1.0 if param.kind == "int" else value * 0.5 + 0.01
    one(jnp.asarray(17), jnp.asarray(0.3), changed, jnp.asarray(4.0))
    assert one._cache_size() == before


def test_schedule_values_compiles_once_per_schedule_and_bucket():
    schedule_values("cyclic", {}, 0.1, 100)
    before = sched._values_jit._cache_size()
    schedule_values("cyclic", {"max_lr": 0.5, "mode": "exp_range", "gamma": 0.9}, 0.2, 120, warmup=9)
    schedule_values("cyclic", {"step_size_up": 3, "cycle_momentum": False}, 0.3, 70)
    assert sched._values_jit._cache_size() == before


def test_scalar_t_and_array_t_agree():
    sp = _sp("cosine_restarts", {"T_0": 3, "T_mult": 2})
    ts = [0, 1, 2, 3, 8, 9, 20, 21, 45]  # around the restarts at 3, 9, 21 and 45
    fn = jax.jit(SCHEDULES["cosine_restarts"].fn)
    as_array, _ = fn(jnp.asarray(ts), 0.1, sp)
    one_by_one = [float(fn(t, 0.1, sp)[0]) for t in ts]
    np.testing.assert_allclose(np.asarray(as_array), one_by_one, rtol=1e-14)
    assert one_by_one[ts.index(45)] == pytest.approx(0.1) and one_by_one[ts.index(21)] == pytest.approx(0.1)


def _random_values(schedule, draw):
    given = {}
    for param in schedule.params:
        if param.kind == "bool":
            given[param.name] = draw(st.booleans())
        elif param.kind == "choice":
            given[param.name] = draw(st.sampled_from(param.choices))
        elif param.kind == "list":
            given[param.name] = tuple(sorted(draw(st.lists(st.integers(0, 400), max_size=MAX_LIST_LEN))))
        elif param.kind == "int":
            given[param.name] = draw(st.integers(int(param.low), min(int(param.high), 400)))
        else:
            low, high = param.low, min(param.high, 10.0)
            value = draw(st.floats(low, high, exclude_min=param.low_open, exclude_max=param.high_open))
            given[param.name] = value
    return given


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_admissible_values_give_finite_rates_and_momenta(data):
    name = data.draw(st.sampled_from(sorted(SCHEDULES)))
    given = _random_values(SCHEDULES[name], data.draw)
    try:
        resolve_schedule(SCHEDULES[name], given)
    except ValueError:
        assume(False)  # the cross-parameter checks reject a few combinations, by design
    warmup = data.draw(st.integers(0, 20))
    lr, momentum = schedule_values(name, given, 0.1, 300, warmup)
    assert np.all(np.isfinite(lr)) and np.all(lr >= 0)
    assert np.all(np.isnan(momentum)) or (np.all(momentum >= 0) and np.all(momentum < 1))


@pytest.mark.parametrize("start", [0.7544092384645698, 0.1, 1.0 / 3.0, 0.9])
def test_a_linear_schedule_to_zero_holds_exactly_zero(start):
    """The example Hypothesis found: in torch's operation order, (0 - s)·31/31 + s gave lr = -1.1e-17 from
    step 31 on; the factor must be exactly end_factor (0) there, and never negative."""
    lr, _ = schedule_values("linear", {"start_factor": start, "end_factor": 0.0, "total_iters": 31}, 0.1, 300, 0)
    assert np.all(lr[31:] == 0.0) and np.all(lr >= 0)
    assert np.allclose(lr[:31], 0.1 * (start - start * np.arange(31) / 31), rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("name,given,message", [
    ("step", {"gamma": 0.0}, "gamma: must be in"),
    ("step", {"gamma": -0.5}, "gamma: must be in"),
    ("exponential", {"gamma": 0.0}, "gamma: must be in"),
    ("multistep", {"gamma": 0.0}, "gamma: must be in"),
    ("cosine", {"T_max": 0}, "T_max: must be in"),
    ("cosine", {"T_max": 2.5}, "T_max: expected a whole number"),
    ("cosine_restarts", {"T_mult": 0}, "T_mult: must be in"),
    ("multistep", {"milestones": (60, 30)}, "milestones: values must be increasing"),
    ("multistep", {"milestones": (10.5, 30)}, "milestones: must be whole step numbers"),
    ("multistep", {"milestones": tuple(range(1, 11))}, "milestones: at most 8"),
    ("onecycle", {"pct_start": 0.0}, "pct_start: must be in"),
    ("onecycle", {"pct_start": 1.0}, "pct_start: must be in"),
    ("onecycle", {"pct_start": 0.5, "total_steps": 2}, "pct_start × total_steps = 1"),
    ("onecycle", {"anneal_strategy": "cosine"}, "anneal_strategy: expected one of cos, linear"),
    ("cyclic", {"mode": "triangle"}, "mode: expected one of"),
    ("cyclic", {"step_size_up": 0}, "step_size_up: must be in"),
    ("linear", {"start_factor": 0.0}, "start_factor: must be in"),
    ("polynomial", {"total_iters": 0}, "total_iters: must be in"),
    ("wsd", {"decay_steps": 0}, "decay_steps: must be in"),
    ("inverse_sqrt", {"warmup_steps": 0}, "warmup_steps: must be in"),
    ("cosine", {"t_max": 10}, "did you mean 'T_max'"),
])
def test_bad_values_raise_a_clear_error(name, given, message):
    with pytest.raises(ValueError, match=message):
        resolve_schedule(SCHEDULES[name], given)
    with pytest.raises(ValueError, match=message):
        schedule_values(name, given, 0.1, 10)
    with pytest.raises(ValueError, match=message):
        torch_code(name, given)


def test_unknown_schedule_suggests_the_nearest():
    with pytest.raises(ValueError, match="did you mean 'cosine'"):
        sched.get_schedule("cosin")


# ---------------------------------------------------------------------------------------------------
# torch snippets


@pytest.mark.parametrize("warmup", [0, 1, 5])
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_torch_code_is_python_and_names_the_scheduler(name, warmup):
    code = torch_code(name, {}, warmup)
    compile(code, "<snippet>", "exec")
    assert code.startswith(("scheduler = ", "warmup = "))
    if warmup and name != "constant":
        assert f"SequentialLR(opt, [warmup, main], milestones=[{warmup}])" in code
        assert f"LinearLR(opt, start_factor=1 / {warmup}, end_factor=1.0, total_iters={warmup - 1})" in code


def test_torch_code_renders_values_as_torch_wants_them():
    assert "milestones=[30, 80]" in torch_code("multistep", {"milestones": (30, 80)})
    assert "step_size_down=None" in torch_code("cyclic", {})
    assert "step_size_down=12" in torch_code("cyclic", {"step_size_down": 12})
    assert "anneal_strategy='linear'" in torch_code("onecycle", {"anneal_strategy": "linear"})
    assert "three_phase=True" in torch_code("onecycle", {"three_phase": True})
    assert torch_code("constant", {}) == "scheduler = None  # no scheduler: the optimizer's lr throughout\n"
    for schedule in SCHEDULES.values():
        assert schedule.title and schedule.latex


# ---------------------------------------------------------------------------------------------------
# End to end in the engine


def _replay_torch_sgd(trajectory, lr, momentum):
    """torch.optim.SGD (dampening 0, no Nesterov, no decay) fed the recorded gradients: v_1 = g_1."""
    xy = [trajectory.xy[0]]
    v = None
    for k in range(trajectory.config.steps):
        g = trajectory.grad_used[k]
        v = g.copy() if v is None else momentum[k] * v + g
        xy.append(xy[-1] - lr[k] * v)
    return np.array(xy)


@pytest.mark.parametrize("schedule,given,warmup", [
    ("onecycle", {"max_lr": 0.05, "total_steps": 60, "three_phase": True}, 0),
    ("onecycle", {"max_lr": 0.05, "total_steps": 60}, 10),  # warmup climbs to max_lr/div_factor; past the end: hold
    ("cyclic", {"base_lr": 0.01, "max_lr": 0.05, "step_size_up": 9, "mode": "triangular2"}, 5),
])
def test_engine_uses_the_schedule_rate_and_its_momentum(schedule, given, warmup):
    from dashboard.engine import RunConfig, simulate

    steps = 90
    config = RunConfig(surface="quadratic", optimizer="sgd", schedule=schedule,
                       schedule_params=tuple(given.items()), optimizer_params=(("lr", 0.02),),
                       warmup=warmup, steps=steps, tol=0.0)
    trajectory = simulate(config)
    lr, momentum = schedule_values(schedule, given, 0.02, steps + 1, warmup)
    np.testing.assert_allclose(trajectory.lr, lr, rtol=1e-12, atol=0)
    # The path is torch's SGD with the scheduled momentum in place of the optimizer's (0 here).
    assert np.all(momentum > 0.5)
    np.testing.assert_allclose(trajectory.xy, _replay_torch_sgd(trajectory, lr, momentum), rtol=1e-11, atol=1e-13)


def test_engine_keeps_the_optimizer_momentum_when_the_schedule_does_not_cycle():
    from dashboard.engine import RunConfig, simulate

    given = {"max_lr": 0.05, "total_steps": 40, "cycle_momentum": False}
    config = RunConfig(surface="quadratic", optimizer="sgd", schedule="onecycle", schedule_params=tuple(given.items()),
                       optimizer_params=(("momentum", 0.7),), steps=40, tol=0.0)
    trajectory = simulate(config)
    lr, momentum = schedule_values("onecycle", given, 1e-3, 41)
    assert np.all(np.isnan(momentum))
    np.testing.assert_allclose(trajectory.lr, lr, rtol=1e-12, atol=0)
    np.testing.assert_allclose(trajectory.xy, _replay_torch_sgd(trajectory, lr, np.full(41, 0.7)),
                               rtol=1e-11, atol=1e-13)


def test_engine_rejects_bad_schedule_values():
    from dashboard.engine import RunConfig, simulate

    with pytest.raises(ValueError, match="gamma: must be in"):
        simulate(RunConfig(schedule="step", schedule_params=(("gamma", 0.0),)))
    with pytest.raises(ValueError, match="T_max: must be in"):
        simulate(RunConfig(schedule="cosine", schedule_params=(("T_max", 0),)))
