"""landscapes.analysis against plain numpy: GD and heavy-ball loops for the rates and stability limits,
hand-derived Hessians, the surfaces' literature critical points, and numpy solvers for the data minima."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dashboard.engine import RunConfig, simulate
from landscapes import SURFACES, get_surface
from landscapes.analysis import (classify, condition_number, find_critical_points, gd_optimal_lr, gd_rate,
                                 heavy_ball_optimal, heavy_ball_rate, hessian_eigs, max_stable_lr,
                                 max_stable_lr_heavy_ball, surface_fn)

# ---------------------------------------------------------------------------------------------------
# Point-wise curvature


def test_hessian_eigs_of_a_hand_derived_hessian():
    # f = x^2 y + sin(x) + y^3: H = [[2y - sin x, 2x], [2x, 6y]].
    f = lambda p: p[0] ** 2 * p[1] + jnp.sin(p[0]) + p[1] ** 3  # noqa: E731
    for x, y in [(0.3, -1.2), (2.0, 0.5), (0.0, 0.0)]:
        h = np.array([[2 * y - np.sin(x), 2 * x], [2 * x, 6 * y]])
        np.testing.assert_allclose(np.asarray(hessian_eigs(f, (x, y))), np.linalg.eigvalsh(h), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("eigvals,kind", [
    ((1.0, 2.0), "minimum"), ((-3.0, -1e-3), "maximum"), ((-1.0, 4.0), "saddle"), ((0.0, 2.0), "degenerate"),
    ((-2.0, 1e-9), "degenerate"), ((0.0, 0.0), "degenerate"), ((1e-5, 1.0), "minimum"),
])
def test_classify(eigvals, kind):
    assert classify(eigvals, tol=1e-6) == kind


def test_condition_number():
    assert condition_number([0.5, 50.0]) == pytest.approx(100.0)
    assert condition_number([-4.0, 2.0]) == pytest.approx(2.0)
    assert condition_number([0.0, 1.0]) == math.inf


# ---------------------------------------------------------------------------------------------------
# Stability limits and rates, checked by running plain numpy loops on quadratics


def rotated_hessian(low, high, angle=0.7):
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    return rotation @ np.diag([low, high]) @ rotation.T


def run_heavy_ball(h, lr, beta, steps, start=(1.0, -0.7)):
    """Errors |p_k| of p_{k+1} = p_k - lr H p_k + beta (p_k - p_{k-1}) from p_0 = p_{-1} = start (beta = 0: GD)."""
    p = prev = np.array(start, dtype=float)
    norms = [math.hypot(*p)]  # hypot: np.linalg.norm squares, and underflows below 1e-154
    for _ in range(steps):
        p, prev = p - lr * h @ p + beta * (p - prev), p
        norms.append(math.hypot(*p))
    return np.array(norms)


def steps_for(rate, cap=4000):
    """As many steps as keep the error above 1e-200 (no underflow) at this rate, at most cap."""
    return min(cap, int(200 / -math.log10(rate)))


def measured_rate(norms):
    """Per-step contraction over the second half of a run (the first half lets transients die out)."""
    n = len(norms) - 1
    return (norms[-1] / norms[n // 2]) ** (1.0 / (n - n // 2))


@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0])
def test_gd_rate_at_the_optimal_step(kappa):
    h = rotated_hessian(0.5, 0.5 * kappa)
    lr = gd_optimal_lr(np.linalg.eigvalsh(h))
    assert lr == pytest.approx(2.0 / (0.5 + 0.5 * kappa))
    steps = steps_for(gd_rate(kappa), cap=400)
    norms = run_heavy_ball(h, lr, 0.0, steps)
    # Both eigen-directions contract by exactly (kappa-1)/(kappa+1) per step, so every step does.
    np.testing.assert_allclose(norms[1:] / norms[:-1], gd_rate(kappa), rtol=1e-9)
    # Optimal: a step 5% off either way contracts more slowly.
    for factor in (0.95, 1.05):
        assert measured_rate(run_heavy_ball(h, factor * lr, 0.0, steps)) > gd_rate(kappa) + 1e-4


@pytest.mark.parametrize("kappa", [4.0, 25.0, 100.0])
def test_heavy_ball_rate_with_polyak_parameters(kappa):
    h = rotated_hessian(2.0, 2.0 * kappa)
    lr, beta = heavy_ball_optimal(np.linalg.eigvalsh(h))
    root = math.sqrt(kappa)
    assert lr == pytest.approx(4.0 / (math.sqrt(2.0 * kappa) + math.sqrt(2.0)) ** 2)
    assert beta == pytest.approx(((root - 1) / (root + 1)) ** 2)
    steps = steps_for(heavy_ball_rate(kappa))
    norms = run_heavy_ball(h, lr, beta, steps)
    # The extreme modes have a double root sqrt(beta): errors ~ k beta^(k/2), so the measured rate sits
    # above the limit by at most a factor 2^(1/(steps/2)) (the k factor over the second half).
    rate = measured_rate(norms)
    assert heavy_ball_rate(kappa) <= rate * (1 + 1e-9) and rate <= heavy_ball_rate(kappa) * 2 ** (2 / steps) * (1 + 1e-6)
    # Momentum beats the best plain step, and mis-tuning it costs speed.
    assert rate < gd_rate(kappa)
    assert measured_rate(run_heavy_ball(h, lr, 1.1 * beta, steps)) > rate + 1e-4
    assert measured_rate(run_heavy_ball(h, 0.9 * lr, beta, steps)) > rate + 1e-4


def test_rates_formulas():
    assert gd_rate(1.0) == 0.0 and heavy_ball_rate(1.0) == 0.0
    assert gd_rate(100.0) == pytest.approx(99 / 101)
    assert heavy_ball_rate(100.0) == pytest.approx(9 / 11)
    with pytest.raises(ValueError):
        gd_rate(0.5)


@pytest.mark.parametrize("low,high", [(1.0, 10.0), (0.01, 3.0), (5.0, 5.0)])
def test_max_stable_lr_by_running_gd(low, high):
    h = rotated_hessian(low, high)
    limit = max_stable_lr(np.linalg.eigvalsh(h))
    assert limit == pytest.approx(2.0 / high)
    steps = 3000
    below = run_heavy_ball(h, 0.99 * limit, 0.0, steps)
    above = run_heavy_ball(h, 1.01 * limit, 0.0, steps)
    assert below[-1] < below[0] * 1e-3 or measured_rate(below) < 1.0  # converges (slowly if low is tiny)
    assert below[-1] < below[0] and measured_rate(below) < 1.0
    assert above[-1] > above[0] * 1e3 and measured_rate(above) > 1.0


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_max_stable_lr_heavy_ball_by_running_it(beta):
    h = rotated_hessian(0.5, 4.0)
    limit = max_stable_lr_heavy_ball(np.linalg.eigvalsh(h), beta)
    assert limit == pytest.approx((2 + 2 * beta) / 4.0)
    steps = 4000
    below = run_heavy_ball(h, 0.99 * limit, beta, steps)
    above = run_heavy_ball(h, 1.01 * limit, beta, steps)
    assert below[-1] < below[0] and measured_rate(below) < 1.0
    assert above[-1] > above[0] * 1e3 and measured_rate(above) > 1.0
    with pytest.raises(ValueError):
        max_stable_lr_heavy_ball([1.0, 2.0], 1.0)


def test_max_stable_lr_agrees_with_the_engine_on_the_quadratic():
    kappa = 25.0
    limit = max_stable_lr([1.0, kappa])
    for factor, diverges in [(0.99, False), (1.01, True)]:
        traj = simulate(RunConfig(surface="quadratic", surface_params=(("kappa", kappa),),
                                  optimizer_params=(("lr", factor * limit),), steps=2000, start=(1.0, 1.0)))
        assert (traj.diverged_at is not None) == diverges


def test_no_positive_curvature_means_no_limit():
    assert max_stable_lr([-2.0, -1.0]) == math.inf


# ---------------------------------------------------------------------------------------------------
# Critical points found numerically


def match(found, listed, atol=1e-6):
    """For each listed point, the found point at the same place (or None)."""
    out = []
    for point in listed:
        near = [p for p in found if np.linalg.norm(np.subtract(p.xy, point.xy)) < atol]
        out.append(near[0] if near else None)
    return out


COMPLETE = [n for n, s in SURFACES.items() if s.critical_points_complete]


@pytest.mark.parametrize("name", COMPLETE)
def test_find_critical_points_recovers_every_listed_point(name):
    surface = get_surface(name)
    found = find_critical_points(surface_fn(surface), surface.domain)
    assert len(found) == len(surface.critical_points), [p.xy for p in found]
    for point, hit in zip(surface.critical_points, match(found, surface.critical_points)):
        assert hit is not None, point
        assert hit.kind == ("degenerate" if point.degenerate else point.kind)


def test_himmelblau_points_from_a_plain_function_and_no_hints():
    def himmelblau(p):
        return (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2

    found = find_critical_points(himmelblau, ((-5.0, 5.0), (-5.0, 5.0)), grid=30)
    minima = sorted(p.xy for p in found if p.kind == "minimum")
    published = sorted([(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)])
    np.testing.assert_allclose(minima, published, atol=1e-6)
    (maximum,) = [p for p in found if p.kind == "maximum"]
    np.testing.assert_allclose(maximum.xy, (-0.270845, -0.923039), atol=1e-6)
    assert maximum.value == pytest.approx(181.616522, abs=1e-6)
    assert sum(p.kind == "saddle" for p in found) == 4
    assert [p.kind for p in found] == ["minimum"] * 4 + ["saddle"] * 4 + ["maximum"]
    assert all(p.value == pytest.approx(0.0, abs=1e-20) for p in found[:4])


def test_degenerate_point_and_points_outside_the_domain():
    # f = x^4 - 2x^2 + y^2 + ... : minima at (+-1, 0), saddle at 0; x^4 + y^2 has a degenerate minimum.
    found = find_critical_points(lambda p: p[0] ** 4 - 2 * p[0] ** 2 + p[1] ** 2, ((-2.0, 2.0), (-1.0, 1.0)), grid=9)
    assert [(p.kind, round(p.xy[0], 9), round(p.xy[1], 9)) for p in found] == [
        ("minimum", -1.0, 0.0), ("minimum", 1.0, 0.0), ("saddle", 0.0, 0.0)]
    np.testing.assert_allclose(found[0].eigvals, (2.0, 8.0), rtol=1e-9)
    inside_only = find_critical_points(lambda p: p[0] ** 4 - 2 * p[0] ** 2 + p[1] ** 2, ((0.5, 2.0), (-1.0, 1.0)))
    assert [p.xy for p in inside_only] == [pytest.approx((1.0, 0.0), abs=1e-9)]
    (flat,) = find_critical_points(lambda p: p[0] ** 4 + p[1] ** 2, ((-1.0, 1.0), (-1.0, 1.0)), grid=8)
    assert flat.kind == "degenerate" and abs(flat.xy[0]) < 1e-4 and abs(flat.xy[1]) < 1e-12


def test_no_critical_point_in_view():
    assert find_critical_points(lambda p: p[0] + 2 * p[1], ((-1.0, 1.0), (-1.0, 1.0)), grid=5) == []
    # log(x) is NaN for x < 0: those starts fail quietly; x^2 - log(x) has its minimum at x = 1/sqrt(2).
    found = find_critical_points(lambda p: p[0] ** 2 - jnp.log(p[0]) + p[1] ** 2, ((-1.0, 2.0), (-1.0, 1.0)), grid=9)
    assert [p.kind for p in found] == ["minimum"] and found[0].xy == pytest.approx((2**-0.5, 0.0), abs=1e-12)


def test_find_critical_points_follows_surface_parameters():
    # Rosenbrock's minimum is (a, a^2) for any a; a is traced, so the second call reuses the compiled search.
    surface = get_surface("rosenbrock")
    for a in (1.0, -0.5):
        (point,) = find_critical_points(surface_fn(surface, {"a": a}), surface.domain, grid=12)
        np.testing.assert_allclose(point.xy, (a, a * a), atol=1e-9)
        assert point.kind == "minimum"


def test_ackley_global_minimum_and_ripple_minima():
    surface = get_surface("ackley")
    found = find_critical_points(surface_fn(surface), surface.domain)
    assert found[0].kind == "minimum" and found[0].xy == pytest.approx((0.0, 0.0), abs=1e-9) and found[0].value == 0.0
    # Ripple minima sit near the integer lattice (the cosines' minima pulled slightly towards the centre).
    ripple = np.asarray([p.xy for p in found if p.kind == "minimum"][1:])
    assert len(ripple) > 50
    assert np.all(np.abs(ripple - np.round(ripple)) < 0.1)


def numpy_data_minimum(name, seed):
    surface = get_surface(name)
    key = jax.random.fold_in(jax.random.key(np.uint32(seed)), 0)
    theta = {p.name: jnp.asarray(float(p.default)) for p in surface.params}
    data = jax.tree.map(np.asarray, surface.make_data(key, theta))
    if name == "linear_regression":
        design = np.column_stack([data["x"], np.ones_like(data["x"])])
        return np.linalg.lstsq(design, data["y"], rcond=None)[0]
    x, y, w = data["x"], data["y"], np.zeros(2)
    for _ in range(50):  # Newton (IRLS) in numpy
        p = 1 / (1 + np.exp(-x @ w))
        hess = (x.T * (p * (1 - p))) @ x / len(y) + 1e-3 * np.eye(2)
        w = w - np.linalg.solve(hess, x.T @ (p - y) / len(y) + 1e-3 * w)
    return w


@pytest.mark.parametrize("name", [n for n, s in SURFACES.items() if s.is_data_defined])
def test_data_surfaces_have_one_minimum_where_numpy_puts_it(name):
    surface = get_surface(name)
    for seed in (0, 4):
        found = find_critical_points(surface_fn(surface, {}, seed), surface.domain, grid=10)
        assert [p.kind for p in found] == ["minimum"]
        np.testing.assert_allclose(found[0].xy, numpy_data_minimum(name, seed), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression", "plateau"])
def test_surface_fn_is_the_engines_loss(name):
    surface = get_surface(name)
    params = (("noise", 2.0),) if surface.is_data_defined else (("width", 0.8),)
    for seed in (0, 11):
        traj = simulate(RunConfig(surface=name, surface_params=params, seed=seed, steps=1))
        f = surface_fn(surface, dict(params), seed)
        assert float(f(traj.xy[0])) == pytest.approx(traj.loss[0], rel=1e-13)
        np.testing.assert_allclose(np.asarray(jax.grad(f)(jnp.asarray(traj.xy[0]))), traj.grad[0], rtol=1e-12)
    with pytest.raises(ValueError):
        surface_fn(surface, {"no_such_parameter": 1.0})
