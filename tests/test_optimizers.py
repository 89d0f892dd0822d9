"""Update rules against torch.optim's trajectories, steps worked by hand, optax, a plain loop, and each other."""
from __future__ import annotations

import functools
import json
import math
import os
from collections import defaultdict

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from dashboard import engine
from dashboard.engine import RunConfig, resolve_config, simulate
from landscapes import get_surface
from optimizers import RULES, get_rule
from optimizers.adam import radam_rho
from optimizers.params import resolve, traced

with open(os.path.join(os.path.dirname(__file__), "fixtures", "torch_optim.json")) as _f:
    FIXTURE = json.load(_f)
STEPS = FIXTURE["steps"]
# Not torch's: the textbook momentum conventions are this dashboard's addition to SGD.
OUR_EXTRAS = {"sgd": {"convention"}}


def config(rule, surface="quadratic", steps=STEPS, start=None, surface_params=(), **kwargs):
    # tol=0 keeps every run going for all its steps, as torch's loop does
    return RunConfig(surface=surface, optimizer=rule, optimizer_params=tuple(kwargs.items()), start=start,
                     surface_params=tuple(surface_params), steps=steps, tol=0.0)


# ---------------------------------------------------------------------------------------------------
# (a) torch.optim's own trajectories (tests/fixtures/make_torch_optim_fixture.py)


def _torch_runs():
    groups = defaultdict(list)
    for run in FIXTURE["runs"]:
        groups[(run["rule"], run["surface"])].append(run)
    return groups


TORCH_RUNS = _torch_runs()


# Every engine run in this file is on Rosenbrock with at most 64 steps through `simulate`, so each rule
# compiles once (about 2 s each); the other fixture surfaces run through a lean scan of the rule alone.
ENGINE_SURFACE = "rosenbrock"
ROSENBROCK = FIXTURE["surfaces"][ENGINE_SURFACE]
START = tuple(ROSENBROCK["start"])


def rosenbrock_config(rule, steps=STEPS, **kwargs):
    return config(rule, ENGINE_SURFACE, steps=steps, start=START,
                  surface_params=sorted(ROSENBROCK["params"].items()), **kwargs)


@functools.lru_cache(maxsize=None)
def engine_path(rule, kwargs_items):
    return simulate(rosenbrock_config(rule, **dict(kwargs_items)))


@pytest.mark.parametrize("rule", sorted({run["rule"] for run in FIXTURE["runs"]}))
def test_engine_reproduces_torch_on_rosenbrock(rule):
    for run in TORCH_RUNS[(rule, ENGINE_SURFACE)]:
        traj = engine_path(rule, tuple(run["kwargs"].items()))
        assert traj.final_status == "running", run["kwargs"]
        assert_same_path(traj.xy, run["path"], run["kwargs"])


def assert_same_path(ours, theirs, what, rtol=1e-10):
    theirs = np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * np.max(np.abs(theirs)), err_msg=str(what))


def surface_loss(surface, surface_params):
    spec = get_surface(surface)
    theta = {k: jnp.asarray(v) for k, v in resolve(spec.params, dict(surface_params), surface).items()}
    return lambda xy: spec.loss(xy, theta, (), jnp.zeros((0,)))


def rule_hp(rule, kwargs):
    return {k: jnp.asarray(v) for k, v in traced(rule.params, resolve(rule.params, dict(kwargs), rule.name)).items()}


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def lean_scan(rule_name, surface, surface_items, hp, start):
    """The rule alone under lax.scan: no engine, no Hessian, a small program to compile."""
    rule, loss = get_rule(rule_name), surface_loss(surface, surface_items)

    def body(carry, _):
        xy, state = carry
        delta, state = rule.update(jax.grad(loss)(xy), state, xy, hp)
        return (xy + delta, state), xy + delta

    _, path = jax.lax.scan(body, (start, rule.init(start)), None, length=STEPS)
    return jnp.concatenate([start[None], path])


@pytest.mark.parametrize("rule,surface", sorted(k for k in TORCH_RUNS if k[1] != ENGINE_SURFACE))
def test_rules_reproduce_torch_on_the_other_surfaces(rule, surface):
    spec = FIXTURE["surfaces"][surface]
    items = tuple(sorted(spec["params"].items()))
    for run in TORCH_RUNS[(rule, surface)]:
        path = lean_scan(rule, surface, items, rule_hp(get_rule(rule), run["kwargs"]), jnp.asarray(spec["start"]))
        assert_same_path(np.asarray(path), run["path"], run["kwargs"])


def test_fixture_moves_and_covers_every_rule_and_flag():
    torch_rules = {name for name, rule in RULES.items() if rule.torch_name}
    assert {run["rule"] for run in FIXTURE["runs"]} == torch_rules
    assert {surface for _, surface in TORCH_RUNS} == {"quadratic", "rosenbrock", "beale"}
    for name in torch_rules:
        rule = get_rule(name)
        defaults = {p.name: p.default for p in rule.params}
        varied = {key for run in FIXTURE["runs"] if run["rule"] == name
                  for key, value in run["kwargs"].items() if value != defaults[key]}
        assert varied == set(defaults) - OUR_EXTRAS.get(name, set()), name
    for run in FIXTURE["runs"]:  # a trajectory that does not move would check nothing
        path = np.asarray(run["path"])
        assert np.linalg.norm(path[-1] - path[0]) > 1e-3, (run["rule"], run["kwargs"], run["surface"])


def test_one_ulp_of_difference_is_far_below_the_tolerance():
    # The tolerance must catch formula slips yet pass rounding: a start moved by 1e-15 stays within
    # 1e-12 of the original over the fixture's horizon, while ε placed TensorFlow's way (ε√(1−β₂ᵗ)) fails it.
    run = TORCH_RUNS[("adam", ENGINE_SURFACE)][0]
    nudged = simulate(rosenbrock_config("adam", **run["kwargs"]).with_(start=(START[0] + 1e-15, START[1])))
    assert np.max(np.abs(nudged.xy - np.asarray(run["path"]))) < 1e-12
    tf_eps = 1e-3  # a large ε makes the convention visible
    ours = simulate(rosenbrock_config("adam", lr=0.05, eps=tf_eps)).xy
    torch_like = numpy_adam(rosenbrock_grad, np.asarray(START), STEPS, lr=0.05, eps=tf_eps)
    tf_like = numpy_adam(rosenbrock_grad, np.asarray(START), STEPS, lr=0.05, eps=tf_eps, tensorflow_eps=True)
    assert_same_path(ours, torch_like, "textbook Adam")
    assert np.max(np.abs(ours - tf_like)) > 1e-6


@pytest.mark.parametrize("name", sorted(FIXTURE["defaults"]))
def test_names_and_defaults_are_torchs(name):
    rule = get_rule(name)
    ours = {p.name: p.default for p in rule.params if p.name not in OUR_EXTRAS.get(name, set())}
    assert ours == FIXTURE["defaults"][name]
    assert [p.name for p in rule.params][: len(ours)] == list(FIXTURE["defaults"][name])  # torch's order
    assert rule.torch_name == FIXTURE["classes"][name]


# ---------------------------------------------------------------------------------------------------
# (b) the first two steps by hand, from the papers' formulas in numpy


def rosenbrock_grad(p, a=1.0, b=100.0):
    x, y = p
    return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)])


G0 = rosenbrock_grad(np.asarray(START))  # (-155, -50) at (-1.5, 2)


def numpy_adam(grad, x, steps, lr, b1=0.9, b2=0.999, eps=1e-8, tensorflow_eps=False):
    """Kingma & Ba's Algorithm 1; tensorflow_eps adds ε before bias correction, as Keras does."""
    m, v, path = np.zeros(2), np.zeros(2), [x]
    for t in range(1, steps + 1):
        g = grad(x)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        if tensorflow_eps:
            x = x - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        else:
            x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        path.append(x)
    return np.array(path)


def sgd_two_steps(lr, mu, tau=0.0, nesterov=False):
    x0 = np.asarray(START)
    v1 = G0  # torch: the buffer starts as g, undamped
    x1 = x0 - lr * (G0 + mu * v1 if nesterov else v1)
    g1 = rosenbrock_grad(x1)
    v2 = mu * v1 + (1 - tau) * g1
    return x1, x1 - lr * (g1 + mu * v2 if nesterov else v2)


def adagrad_two_steps(lr, s0, decay):
    x0 = np.asarray(START)
    s1 = s0 + G0**2
    x1 = x0 - lr * G0 / (np.sqrt(s1) + 1e-10)
    g1 = rosenbrock_grad(x1)
    return x1, x1 - lr / (1 + decay) * g1 / (np.sqrt(s1 + g1**2) + 1e-10)


def rmsprop_two_steps(lr, alpha=0.99, centered=False, mu=0.0):
    x, v, m, b, path = np.asarray(START), np.zeros(2), np.zeros(2), np.zeros(2), []
    for _ in range(2):
        g = rosenbrock_grad(x)
        v, m = alpha * v + (1 - alpha) * g**2, alpha * m + (1 - alpha) * g
        b = mu * b + g / (np.sqrt(v - m**2 if centered else v) + 1e-8)
        x = x - lr * b
        path.append(x)
    return tuple(path)


def adadelta_two_steps(rho=0.9, eps=1e-6):
    x, v, u, path = np.asarray(START), np.zeros(2), np.zeros(2), []
    for _ in range(2):
        g = rosenbrock_grad(x)
        v = rho * v + (1 - rho) * g**2
        step = np.sqrt(u + eps) / np.sqrt(v + eps) * g  # Zeiler's Algorithm 1
        u = rho * u + (1 - rho) * step**2
        x = x - step
        path.append(x)
    return tuple(path)


def adamw_two_steps(lr, wd):
    x, m, v, path = np.asarray(START), np.zeros(2), np.zeros(2), []
    for t in (1, 2):
        g = rosenbrock_grad(x)
        x = x * (1 - lr * wd)  # decoupled: shrink first, with the gradient taken at the unshrunk point
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        x = x - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        path.append(x)
    return tuple(path)


def nadam_two_steps(lr, b1=0.9, b2=0.999, psi=4e-3):
    # Dozat (2016) as torch documents it: μ_t = β₁(1 − ½·0.96^{tψ}).
    mu = [None] + [b1 * (1 - 0.5 * 0.96 ** (t * psi)) for t in (1, 2, 3)]
    x, m, v, product, path = np.asarray(START), np.zeros(2), np.zeros(2), 1.0, []
    for t in (1, 2):
        g = rosenbrock_grad(x)
        product *= mu[t]
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        v_hat = v / (1 - b2**t)
        x = x - lr * ((1 - mu[t]) * g / (1 - product) + mu[t + 1] * m / (1 - product * mu[t + 1])) / (
            np.sqrt(v_hat) + 1e-8)
        path.append(x)
    return tuple(path)


def radam_two_steps(lr):
    # ρ₁ = 1 and ρ₂ ≈ 2 are below 5: both steps are momentum steps η·m̂ without any 1/√v.
    x1 = np.asarray(START) - lr * G0
    g1 = rosenbrock_grad(x1)
    return x1, x1 - lr * (0.9 * 0.1 * G0 + 0.1 * g1) / (1 - 0.81)


def adamax_two_steps(lr):
    x, m, u, path = np.asarray(START), np.zeros(2), np.zeros(2), []
    for t in (1, 2):
        g = rosenbrock_grad(x)
        m, u = 0.9 * m + 0.1 * g, np.maximum(0.999 * u, np.abs(g) + 1e-8)
        x = x - lr / (1 - 0.9**t) * m / u
        path.append(x)
    return tuple(path)


# (rule, kwargs, the first two points by hand, the first point in closed form or None)
HAND_CASES = [
    ("sgd", {"lr": 2e-4, "momentum": 0.9, "dampening": 0.5}, sgd_two_steps(2e-4, 0.9, 0.5),
     (-1.5 + 2e-4 * 155, 2.0 + 2e-4 * 50)),
    ("sgd", {"lr": 2e-4, "momentum": 0.9, "nesterov": True}, sgd_two_steps(2e-4, 0.9, nesterov=True),
     (-1.5 + 1.9 * 2e-4 * 155, 2.0 + 1.9 * 2e-4 * 50)),
    ("adam", {"lr": 0.05}, tuple(numpy_adam(rosenbrock_grad, np.asarray(START), 2, lr=0.05)[1:]), (-1.45, 2.05)),
    ("adamw", {"lr": 0.05, "weight_decay": 0.5}, adamw_two_steps(0.05, 0.5), (-1.5 * 0.975 + 0.05, 2 * 0.975 + 0.05)),
    ("rmsprop", {"lr": 0.01}, rmsprop_two_steps(0.01), (-1.4, 2.1)),  # √(1−α) = 0.1: ten times η
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5}, rmsprop_two_steps(0.01, centered=True, mu=0.5),
     (-1.5 + 0.01 / math.sqrt(0.0099), 2 + 0.01 / math.sqrt(0.0099))),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "lr_decay": 0.5}, adagrad_two_steps(0.1, 0.5, 0.5),
     None),
    ("adadelta", {}, adadelta_two_steps(), (-1.5 + 1e-3 / math.sqrt(0.1), 2 + 1e-3 / math.sqrt(0.1))),
    ("nadam", {"lr": 0.05}, nadam_two_steps(0.05), None),
    ("radam", {"lr": 2e-3}, radam_two_steps(2e-3), (-1.5 + 2e-3 * 155, 2.0 + 2e-3 * 50)),
    ("adamax", {"lr": 0.05}, adamax_two_steps(0.05), (-1.45, 2.05)),
]


@pytest.mark.parametrize("rule,kwargs,expected,first", HAND_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(HAND_CASES)])
def test_first_two_steps_by_hand(rule, kwargs, expected, first):
    traj = engine_path(rule, tuple(kwargs.items()))
    np.testing.assert_allclose(traj.xy[1:3], np.array(expected), rtol=1e-12)
    if first is not None:  # closed forms drop ε, which moves the point by about 1e-10 at most here
        np.testing.assert_allclose(traj.xy[1], first, rtol=0, atol=1e-6)


def test_sgd_buffer_starts_at_the_first_step_with_momentum():
    # A cycling schedule may hand SGD momentum 0 first. torch.optim.SGD creates its buffer (as g, undamped)
    # only at the first step with momentum != 0, so with dampening τ the second step here is -η g₁, not
    # -η (1 − τ) g₁; and a buffer once made is left alone while momentum is 0.
    sgd = get_rule("sgd")
    hp = rule_hp(sgd, {"lr": 0.1, "dampening": 0.5})
    xy = jnp.array([1.0, -2.0])
    state = sgd.init(xy)
    g0, g1, g2 = jnp.array([1.0, 2.0]), jnp.array([3.0, -1.0]), jnp.array([0.5, 0.5])
    delta, state = sgd.update(g0, state, xy, dict(hp, momentum=jnp.asarray(0.0)))
    np.testing.assert_allclose(delta, -0.1 * g0)
    delta, state = sgd.update(g1, state, xy, dict(hp, momentum=jnp.asarray(0.9)))
    np.testing.assert_allclose(delta, -0.1 * g1)
    np.testing.assert_allclose(state.velocity, g1)
    delta, state = sgd.update(g2, state, xy, dict(hp, momentum=jnp.asarray(0.9)))
    np.testing.assert_allclose(delta, -0.1 * (0.9 * g1 + 0.5 * g2))
    delta, state = sgd.update(g2, state, xy, dict(hp, momentum=jnp.asarray(0.0)))
    np.testing.assert_allclose(state.velocity, 0.9 * g1 + 0.5 * g2)


def test_velocity_is_the_momentum_buffer_or_first_moment():
    assert np.allclose(engine_path("sgd", (("lr", 2e-4), ("momentum", 0.9), ("dampening", 0.5))).velocity[1], G0)
    assert np.allclose(engine_path("adam", (("lr", 0.05),)).velocity[1], 0.1 * G0)
    rms = engine_path("rmsprop", (("lr", 0.01), ("centered", True), ("momentum", 0.5))).velocity[1]
    np.testing.assert_allclose(rms, G0 / (np.abs(G0) * math.sqrt(0.0099) + 1e-8), rtol=1e-12)
    assert not np.any(engine_path("adagrad", (("lr", 0.1),)).velocity)
    for rule in RULES.values():
        assert rule.momentum_param in (None, *[p.name for p in rule.params])


# ---------------------------------------------------------------------------------------------------
# A plain Python loop over init/update against the engine's scan


def python_loop(rule, kwargs, steps=STEPS):
    loss = surface_loss(ENGINE_SURFACE, tuple(ROSENBROCK["params"].items()))
    grad, hessian = jax.jit(jax.grad(loss)), jax.jit(jax.hessian(loss))
    hp = rule_hp(rule, kwargs)
    xy = jnp.asarray(START)
    state = rule.init(xy)
    path, velocities = [xy], [rule.velocity(state)]
    for _ in range(steps):
        step_hp = dict(hp, hessian=hessian(xy)) if rule.needs_hessian else hp
        delta, state = rule.update(grad(xy), state, xy, step_hp)
        xy = xy + delta
        path.append(xy)
        velocities.append(rule.velocity(state))
    return np.asarray(path), np.asarray(velocities), state


def _loop_cases():
    cases = {run["rule"]: run["kwargs"] for run in FIXTURE["runs"] if run["surface"] == ENGINE_SURFACE}
    cases.update({"newton": {"lr": 0.5, "damping": 1.0}, "bfgs": {}})  # the last (most flags) per rule
    return sorted(cases.items())


@pytest.mark.parametrize("rule,kwargs", _loop_cases(), ids=[c[0] for c in _loop_cases()])
def test_engine_scan_equals_a_python_loop(rule, kwargs):
    path, velocities, _ = python_loop(get_rule(rule), kwargs)
    traj = engine_path(rule, tuple(kwargs.items()))
    # Same operations, but XLA may fuse them differently inside the scan: agreement to rounding. Fixed-step
    # BFGS amplifies rounding about 1e5-fold while it crosses the valley (the two runs meet again at the
    # minimum), so it gets a looser bound.
    rtol = 1e-9 if rule == "bfgs" else 1e-12
    assert_same_path(traj.xy, path, kwargs, rtol=rtol)
    assert_same_path(traj.velocity, velocities, kwargs, rtol=rtol)
    assert set(RULES) == {r for r, _ in _loop_cases()}


# ---------------------------------------------------------------------------------------------------
# (c) optax, where its conventions are torch's


def optax_path(transform, steps=STEPS):
    loss = surface_loss(ENGINE_SURFACE, tuple(ROSENBROCK["params"].items()))
    update, grad = jax.jit(transform.update), jax.jit(jax.grad(loss))
    xy = jnp.asarray(START)
    state, path = transform.init(xy), [xy]
    for _ in range(steps):
        updates, state = update(grad(xy), state, xy)
        xy = optax.apply_updates(xy, updates)
        path.append(xy)
    return np.asarray(path)


TINY = 1e-30  # where only ε's placement differs, an ε this small makes the placement irrelevant

# (rule, our kwargs, optax transform, same path?) — the False rows back the notes on differing conventions.
OPTAX_CASES = [
    ("sgd", {"lr": 2e-4, "momentum": 0.9}, optax.sgd(2e-4, momentum=0.9), True),  # trace starts at 0: v₁ = g too
    ("sgd", {"lr": 2e-4, "momentum": 0.9, "nesterov": True}, optax.sgd(2e-4, momentum=0.9, nesterov=True), True),
    ("adam", {"lr": 0.05}, optax.adam(0.05, eps_root=0.0), True),
    ("adam", {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3}, optax.adam(0.05, b1=0.5, b2=0.9, eps=1e-3), True),
    ("adamw", {"lr": 0.05, "weight_decay": 0.5}, optax.adamw(0.05, weight_decay=0.5), True),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5},
     optax.rmsprop(0.01, decay=0.9, eps=1e-8, eps_in_sqrt=False, centered=True, momentum=0.5), True),
    ("rmsprop", {"lr": 0.01, "eps": 0.1}, optax.rmsprop(0.01, decay=0.99, eps=0.1), False),  # ε inside the root
    ("adamax", {"lr": 0.05}, optax.adamax(0.05), True),
    ("radam", {"lr": 2e-3, "eps": TINY}, optax.radam(2e-3, eps=TINY), True),
    ("radam", {"lr": 2e-3, "eps": 0.5}, optax.radam(2e-3, eps=0.5), False),  # torch: ε on √v, optax: on √v̂
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": TINY},
     optax.adagrad(0.1, initial_accumulator_value=0.1, eps=TINY), True),
    ("adagrad", {"lr": 0.1}, optax.adagrad(0.1), False),  # optax starts at 0.1 and puts ε = 1e-7 in the root
    ("adam", {"lr": 0.05, "amsgrad": True, "beta2": 0.9}, optax.amsgrad(0.05, b2=0.9), False),  # max of v̂ vs v
    ("nadam", {"lr": 0.05}, optax.nadam(0.05), False),  # no momentum schedule in optax
]


@pytest.mark.parametrize("rule,kwargs,transform,same", OPTAX_CASES, ids=[f"{c[0]}-{c[3]}" for c in OPTAX_CASES])
def test_optax_agrees_where_conventions_match(rule, kwargs, transform, same):
    ours, theirs = engine_path(rule, tuple(kwargs.items())).xy, optax_path(transform)
    if same:
        assert_same_path(ours, theirs, kwargs)
    else:
        assert np.max(np.abs(ours - theirs)) > 1e-6


# ---------------------------------------------------------------------------------------------------
# (d) three momentum conventions, one path


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_conventions_trace_one_path_when_rates_are_rescaled(nesterov):
    lr, beta = 2e-4, 0.9
    kw = {"momentum": beta, "nesterov": nesterov}
    torch_path = engine_path("sgd", tuple(dict(kw, lr=lr).items())).xy
    classic = engine_path("sgd", tuple(dict(kw, lr=lr, convention="classic").items())).xy
    averaging = engine_path("sgd", tuple(dict(kw, lr=lr / (1 - beta), convention="averaging").items())).xy
    assert_same_path(classic, torch_path, "classic", rtol=1e-12)
    assert_same_path(averaging, torch_path, "averaging", rtol=1e-12)
    unscaled = engine_path("sgd", tuple(dict(kw, lr=lr, convention="averaging").items())).xy
    assert np.max(np.abs(unscaled - torch_path)) > 0.05  # ten times shorter steps: a visibly different path


# ---------------------------------------------------------------------------------------------------
# (e) Newton and BFGS


def test_newton_solves_a_quadratic_in_one_step():
    params = (("kappa", 50.0), ("angle", 25.0))
    traj = simulate(config("newton", "quadratic", steps=3, start=(-1.8, 0.6), surface_params=params))
    np.testing.assert_allclose(traj.xy[1:], 0.0, atol=1e-12)
    # Damped: (H + δI)⁻¹ leaves δ/(λ+δ) of each eigen-coordinate, here checked with numpy's solve.
    damped = simulate(config("newton", "quadratic", steps=3, start=(-1.8, 0.6), surface_params=params, damping=5.0))
    a = math.radians(25.0)
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    hessian = rotation @ np.diag([1.0, 50.0]) @ rotation.T
    x0 = np.array([-1.8, 0.6])
    np.testing.assert_allclose(damped.xy[1], x0 - np.linalg.solve(hessian + 5.0 * np.eye(2), hessian @ x0), rtol=1e-12)


def test_saddle_free_newton_leaves_the_saddle_that_newton_jumps_onto():
    start = (1.5, 1e-3)  # f = x² − y²: H = diag(2, −2)
    plain = simulate(config("newton", "saddle", steps=5, start=start))
    np.testing.assert_allclose(plain.xy[1], (0.0, 0.0), atol=1e-15)  # the critical point of the local model
    escaping = simulate(config("newton", "saddle", steps=5, start=start, saddle_free=True))
    # |H|⁻¹g = (x, −y): x goes to 0 while y doubles each step, and the loss falls below the saddle's 0
    np.testing.assert_allclose(escaping.xy[:6, 1], 1e-3 * 2.0 ** np.arange(6), rtol=1e-12)
    np.testing.assert_allclose(escaping.xy[1:6, 0], 0.0, atol=1e-15)
    assert np.all(np.diff(escaping.loss[:6]) < 0) and escaping.loss[5] < 0


def test_bfgs_converges_on_rosenbrock_and_h0_identity_would_not():
    traj = simulate(rosenbrock_config("bfgs", steps=64).with_(tol=1e-6))
    assert traj.final_status == "converged", traj.xy[-1]
    np.testing.assert_allclose(traj.xy[traj.converged_at], (1.0, 1.0), atol=1e-5)
    # The note's reason for γ = 0.01: the textbook H₀ = I first step is about 160 long here, then worse.
    assert np.linalg.norm(G0) > 160
    textbook = simulate(rosenbrock_config("bfgs", steps=64, init_scale=1.0))
    assert textbook.final_status == "diverged"


def test_bfgs_keeps_the_secant_equation_and_skips_negative_curvature():
    bfgs = get_rule("bfgs")
    hp = rule_hp(bfgs, {})
    # Rosenbrock: after each accepted update H y = s for the latest pair (Nocedal & Wright 6.17).
    path, _, state = python_loop(bfgs, {}, steps=6)
    s = path[-2] - path[-3]
    y = rosenbrock_grad(path[-2]) - rosenbrock_grad(path[-3])
    assert s @ y > 1e-10
    np.testing.assert_allclose(np.asarray(state.inverse_hessian) @ y, s, rtol=1e-8)
    # x² − y² along y: sᵀy = −2 s_y² < 0, so H stays γI (an update would make it indefinite).
    saddle_grad = lambda p: jnp.array([2 * p[0], -2 * p[1]])  # noqa: E731
    xy = jnp.array([0.0, 0.5])
    state = bfgs.init(xy)
    for _ in range(3):
        delta, state = bfgs.update(saddle_grad(xy), state, xy, hp)
        xy = xy + delta
    np.testing.assert_array_equal(np.asarray(state.inverse_hessian), 0.01 * np.eye(2))


# ---------------------------------------------------------------------------------------------------
# (f) validation, and flags that never recompile


@pytest.mark.parametrize("rule,kwargs,message", [
    ("adam", {"beta1": 1.0}, "beta1"),
    ("adam", {"beta2": -0.1}, "beta2"),
    ("adam", {"eps": 0.0}, "eps"),
    ("sgd", {"lr": -0.1}, "lr"),
    ("nadam", {"lr": 0.0}, "lr"),
    ("sgd", {"nesterov": True}, "nesterov"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),
    ("rmsprop", {"alpha": 1.0}, "alpha"),
    ("adadelta", {"rho": 1.5}, "rho"),
    ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ("adamw", {"weight_decay": -1e-2}, "weight_decay"),
    ("newton", {"damping": -1.0}, "damping"),
    ("bfgs", {"init_scale": 0.0}, "init_scale"),
    ("adam", {"betas": 0.9}, "betas"),
    ("adamw", {"decoupled_weight_decay": True}, "decoupled_weight_decay"),  # AdamW is always decoupled
    ("rmsprop", {"centered": "yes"}, "centered"),
])
def test_invalid_hyperparameters_raise_value_error(rule, kwargs, message):
    with pytest.raises(ValueError, match=message):
        resolve_config(rosenbrock_config(rule, **kwargs))


def test_values_left_at_their_default_skip_nothing_that_validation_would_catch():
    """resolve() hands out a parameter's validated default for a value equal to it (same type), and
    validates everything else; a default that does not validate cannot be declared."""
    from optimizers.params import Param

    lr = Param("lr", 1e-3, 0.0, 1.0, low_open=True)
    steps = Param("steps", 100, 1, 1000, kind="int")
    assert resolve((lr, steps), {"lr": 1e-3, "steps": 100}, "t") == {"lr": 1e-3, "steps": 100}
    assert type(resolve((steps,), {"steps": 100.0}, "t")["steps"]) is int  # a float 100.0 is validated
    assert resolve((lr,), {"lr": "1e-3"}, "t") == {"lr": 1e-3}  # a string is not the default: parsed
    for bad in (float("nan"), float("inf"), -1e-3, 0.0, "fast"):
        with pytest.raises(ValueError, match="lr"):
            resolve((lr,), {"lr": bad}, "t")
    with pytest.raises(ValueError, match="steps"):
        resolve((steps,), {"steps": 100.5}, "t")
    with pytest.raises(ValueError, match="beta"):
        Param("beta", 1.0, 0.0, 1.0, high_open=True)


def test_flags_and_numbers_never_recompile():
    for rule in ("adam", "rmsprop", "sgd", "newton", "nadam"):
        engine_path(rule, (("lr", 0.01),))
    before = engine.compilations()
    variants = [
        ("adam", {"amsgrad": True, "decoupled_weight_decay": True, "weight_decay": 0.3, "beta1": 0.7}),
        ("rmsprop", {"centered": True, "momentum": 0.3}),
        ("sgd", {"convention": "averaging", "momentum": 0.5, "nesterov": True}),
        ("newton", {"saddle_free": True, "damping": 0.5}),
        ("nadam", {"decoupled_weight_decay": True, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ]
    for rule, kwargs in variants:
        simulate(rosenbrock_config(rule, **kwargs))
    assert engine.compilations() == before


def test_radam_rectifies_from_the_sixth_step_with_default_beta2():
    # The RAdam note's "first 5 steps": ρ_t by its definition, in plain Python floats.
    rho_inf = 2 / (1 - 0.999) - 1
    rho = [rho_inf - 2 * t * 0.999**t / (1 - 0.999**t) for t in range(1, 8)]
    assert [r > 5 for r in rho] == [False] * 5 + [True] * 2
    np.testing.assert_allclose([float(radam_rho(0.999, t)[1]) for t in range(1, 8)], rho, rtol=1e-12)


def test_every_rule_documents_itself():
    for rule in RULES.values():
        assert rule.title and rule.latex and rule.note, rule.name
        assert rule.params[0].name == "lr" and rule.params[0].low_open, rule.name
        with pytest.raises(ValueError, match="lr"):
            rule.params[0].validate(0.0)
