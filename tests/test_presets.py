"""Every lecture preset's lesson, checked against computations of its own.

The references here never read a preset's text and never trust the engine's own bookkeeping where a
plain computation can say the same: paths are compared with numpy loops or closed forms, Hessians and
stability limits come from hand-written numpy, minima from Newton's method in numpy or brute force, and
step counts from gradient norms recomputed on the path. Where the lesson quotes a number, the test also
checks that the number is in the text, so text and truth cannot drift apart.
"""
from __future__ import annotations

import functools
import math
import re

import numpy as np
import pytest

from dashboard import presets
from dashboard.engine import RunConfig, resolve_config
from dashboard.presets import PAGES, PRESETS, Preset, get_preset, preset_names, simulate_preset
from landscapes import get_surface
from landscapes.analysis import surface_fn


@functools.cache
def trajectories(name: str):
    """Each preset runs once per test session."""
    return dict(zip(get_preset(name).labels, simulate_preset(name)))


def quoted(preset: Preset, *numbers: str) -> None:
    """The lesson must quote these numbers (as written), so a changed result fails here too."""
    for number in numbers:
        assert number in preset.lesson, f"{preset.name}: lesson should quote {number}: {preset.lesson}"


# ---------------------------------------------------------------------------------------------------
# Plain references


def rotation(angle_degrees: float) -> np.ndarray:
    a = math.radians(angle_degrees)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def ravine_hessian(kappa: float, angle: float) -> np.ndarray:
    """The quadratic ravine's Hessian: curvature 1 along the valley (at `angle`), kappa across it."""
    r = rotation(angle)
    return r @ np.diag([1.0, kappa]) @ r.T


def numpy_sgd(grad, start, lr, steps, momentum=0.0, nesterov=False) -> np.ndarray:
    """torch.optim.SGD's update as a plain loop: buf = g on the first step, then momentum*buf + g."""
    x = np.array(start, dtype=float)
    buf = None
    path = [x.copy()]
    for _ in range(steps):
        g = grad(x)
        buf = g.copy() if buf is None else momentum * buf + g
        step = g + momentum * buf if nesterov else buf
        x = x - lr * (step if momentum else g)
        path.append(x.copy())
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > 1e6:
            break
    return np.array(path)


def first_index(mask) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def side_changes(values: np.ndarray) -> int:
    signs = np.sign(values)
    signs = signs[signs != 0]
    return int(np.sum(signs[1:] != signs[:-1]))


def rastrigin(p):
    return 20.0 + p[0] ** 2 - 10 * np.cos(2 * np.pi * p[0]) + p[1] ** 2 - 10 * np.cos(2 * np.pi * p[1])


def himmelblau_grad(p):
    x, y = p
    a, b = x * x + y - 11.0, x + y * y - 7.0
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def fd_hessian(f, p, h=1e-4) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    e = np.eye(2) * h
    return np.array([[(f(p + e[i] + e[j]) - f(p + e[i] - e[j]) - f(p - e[i] + e[j]) + f(p - e[i] - e[j])) / (4 * h * h)
                      for j in range(2)] for i in range(2)])


def fd_grad(f, p, h=1e-6) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.array([(f(p + e) - f(p - e)) / (2 * h) for e in np.eye(2) * h])


def lr_of(config: RunConfig) -> float:
    return float(dict(config.optimizer_params)["lr"])


# ---------------------------------------------------------------------------------------------------
# The registry


def test_registry_covers_the_lecture_and_every_run_is_valid():
    assert len(PRESETS) >= 12
    assert preset_names() == list(PRESETS)
    for name, preset in PRESETS.items():
        assert preset.name == name and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
        assert preset.page in PAGES
        assert preset.title and preset.lesson and preset.notice
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", preset.notice.strip()) if s]
        assert 2 <= len(sentences) <= 3, (name, sentences)
        assert len(set(preset.labels)) == len(preset.labels), name
        for config in preset.configs:
            resolve_config(config)  # raises on any invalid number
            assert config.steps <= 2000, name


def test_listing_has_one_preset_per_line_name_first():
    lines = presets.preset_lines()
    assert [line.split()[0] for line in lines] == preset_names()
    assert all(line.rstrip().endswith(PRESETS[line.split()[0]].title) for line in lines)


def test_unknown_names_suggest_the_nearest():
    with pytest.raises(ValueError, match="did you mean 'zigzag'"):
        get_preset("zig-zag")
    with pytest.raises(ValueError, match="no run"):
        get_preset("zigzag").run("adam")
    with pytest.raises(ValueError, match="page"):
        Preset(name="x", title="x", notice="x", page="nowhere", runs=get_preset("zigzag").runs, lesson="x")


def test_simulate_preset_keeps_run_order_across_structures_and_drops_padding():
    preset = get_preset("schedules")  # three schedules: three structures, each padded to a batch of 4
    assert [t.config for t in trajectories("schedules").values()] == list(preset.configs)
    assert [presets.batch_size(n) for n in (1, 3, 4, 5, 16, 17)] == [4, 4, 4, 8, 16, 32]


# ---------------------------------------------------------------------------------------------------
# Momentum on the ravine


def ravine_facts(config: RunConfig, trajectory, nesterov=False):
    """(steps to the tolerance, crossings of the valley axis before then) from numpy alone, after checking
    the engine's path against a plain torch-SGD loop."""
    params = dict(config.surface_params)
    h = ravine_hessian(params["kappa"], params["angle"])
    opt = dict(config.optimizer_params)
    reference = numpy_sgd(lambda p: h @ p, config.start, opt["lr"], config.steps, opt.get("momentum", 0.0), nesterov)
    eigvals, eigvecs = np.linalg.eigh(h)
    steep = eigvecs[:, 1]  # across the valley: the sign of this component says which side of the axis
    norms = np.linalg.norm(reference @ h, axis=1)
    reached = first_index(norms < config.tol)
    assert trajectory.converged_at == reached
    # The engine stops moving once converged; up to there it must follow the plain loop.
    np.testing.assert_allclose(trajectory.xy[: reached + 1], reference[: reached + 1], rtol=1e-9, atol=1e-12)
    return reached, side_changes(reference[: reached + 1] @ steep)


def test_zigzag_momentum_reaches_the_tolerance_sooner_and_crosses_the_valley_less():
    preset = get_preset("zigzag")
    runs = trajectories("zigzag")
    gd_steps, gd_crossings = ravine_facts(preset.runs[0].config, runs[preset.labels[0]])
    hb_steps, hb_crossings = ravine_facts(preset.runs[1].config, runs[preset.labels[1]])
    h = ravine_hessian(50.0, 30.0)
    assert np.linalg.cond(h) == pytest.approx(50.0)
    assert gd_crossings == gd_steps  # every single step crosses the axis
    assert hb_steps < gd_steps and hb_crossings < gd_crossings
    assert (gd_steps, hb_steps, hb_crossings) == (241, 97, 43)
    quoted(preset, "241", "97", "43")


def test_nesterov_beats_heavy_ball_and_has_the_smaller_stability_limit():
    preset = get_preset("nesterov")
    runs = trajectories("nesterov")
    hb_steps, _ = ravine_facts(preset.runs[0].config, runs[preset.labels[0]])
    nag_steps, _ = ravine_facts(preset.runs[1].config, runs[preset.labels[1]], nesterov=True)
    assert (nag_steps, hb_steps) == (109, 179)
    quoted(preset, "109", "179")
    # The notice: at lr 0.03, beta 0.8 heavy ball converges while Nesterov diverges.
    h = ravine_hessian(50.0, 30.0)
    heavy = numpy_sgd(lambda p: h @ p, (-1.8, 0.9), 0.03, 400, 0.8)
    nesterov = numpy_sgd(lambda p: h @ p, (-1.8, 0.9), 0.03, 400, 0.8, nesterov=True)
    assert np.linalg.norm(heavy[-1]) < 1e-6
    assert not np.isfinite(nesterov[-1]).all() or np.linalg.norm(nesterov[-1]) > 1e3
    assert "0.03" in preset.notice and "diverges" in preset.notice


def test_step_size_limit_is_two_over_lambda_max():
    preset = get_preset("step-size")
    runs = list(trajectories("step-size").values())
    config = preset.runs[0].config
    params = dict(config.surface_params)
    h = ravine_hessian(params["kappa"], params["angle"])
    eigvals, eigvecs = np.linalg.eigh(h)
    limit = 2.0 / eigvals[-1]
    assert limit == pytest.approx(0.2) and "2/λmax = 0.2" in preset.notice
    steep = eigvecs[:, 1]
    above, below, small, balanced = (run.config for run in preset.runs)
    assert lr_of(above) > limit > lr_of(below) > 0.95 * limit and lr_of(small) <= 0.1 * limit
    assert lr_of(balanced) == pytest.approx(2.0 / (eigvals[0] + eigvals[-1]))
    paths = [numpy_sgd(lambda p: h @ p, c.start, lr_of(c), c.steps) for c in preset.configs]
    # Above: the steep component flips sign and grows by |1 - lr lambda_max| > 1 every step.
    along = paths[0][:40] @ steep
    np.testing.assert_allclose(along[1:] / along[:-1], 1.0 - lr_of(above) * eigvals[-1], rtol=1e-9)
    assert runs[0].final_status == "diverged"
    # Just below: converges, and every step before then crosses the valley axis.
    norms = [np.linalg.norm(p @ h, axis=1) for p in paths]
    reached = [first_index(n < c.tol) for n, c in zip(norms, preset.configs)]
    assert reached[1] == runs[1].converged_at == 295
    assert side_changes(paths[1][: reached[1] + 1] @ steep) == reached[1]
    assert reached[2] is None and runs[2].converged_at is None  # too small: still crawling at the end
    assert reached[3] == runs[3].converged_at == 60
    quoted(preset, "295", "300", "60", "10")


# ---------------------------------------------------------------------------------------------------
# Saddles


def test_saddle_gd_lingers_and_momentum_and_noise_escape_sooner():
    preset = get_preset("saddle-escape")
    runs = list(trajectories("saddle-escape").values())
    gd_config = preset.runs[0].config
    lr, (x0, y0) = lr_of(gd_config), gd_config.start
    # Closed form of GD on x^2 - y^2: x shrinks by 1 - 2 lr, y grows by 1 + 2 lr.
    k = np.arange(60)
    closed = np.stack([x0 * (1 - 2 * lr) ** k, y0 * (1 + 2 * lr) ** k], axis=1)
    np.testing.assert_allclose(runs[0].xy[:60], closed, rtol=1e-9, atol=1e-15)

    def f(xy):
        return xy[:, 0] ** 2 - xy[:, 1] ** 2

    near = [int(np.sum(np.linalg.norm(t.xy, axis=1) < 0.1)) for t in runs]
    escaped = [first_index(f(t.xy) < -1.0) for t in runs]
    assert near[0] == 51 and near[0] > 5 * max(near[1:])
    assert escaped == [76, 36, 23]
    long_closed = np.stack([x0 * (1 - 2 * lr) ** np.arange(200), y0 * (1 + 2 * lr) ** np.arange(200)], axis=1)
    assert first_index(f(long_closed) < -1.0) == 76
    quoted(preset, "51", "76", "36", "23")


def test_newton_goes_to_the_saddle_and_saddle_free_newton_leaves():
    preset = get_preset("newton-saddle")
    newton, saddle_free = trajectories("newton-saddle").values()
    lr = lr_of(preset.runs[0].config)
    x0, y0 = preset.runs[0].config.start
    hessian = np.diag([2.0, -2.0])  # of x^2 - y^2, everywhere
    assert list(np.linalg.eigvalsh(hessian)) == [-2.0, 2.0]
    k = np.arange(15)
    # Newton: p - lr H^-1 grad = (1 - lr) p. Saddle-free: x scaled by (1 - lr), y by (1 + lr).
    np.testing.assert_allclose(newton.xy[:15], np.outer((1 - lr) ** k, (x0, y0)), rtol=1e-12)
    np.testing.assert_allclose(saddle_free.xy[:15], np.stack([x0 * (1 - lr) ** k, y0 * (1 + lr) ** k], 1), rtol=1e-12)
    grad_norms = np.linalg.norm(newton.xy * (2.0, -2.0), axis=1)
    assert first_index(grad_norms < 1e-6) == newton.converged_at == 22
    assert np.linalg.norm(newton.xy[-1]) < 1e-6
    f = saddle_free.xy[:15, 0] ** 2 - saddle_free.xy[:15, 1] ** 2
    assert np.all(np.diff(f) < 0)
    quoted(preset, "(0, 0)", "2 and −2", "1e-6", "22", "1.5")


# ---------------------------------------------------------------------------------------------------
# Non-convex benchmarks


def newton_polish(grad, p, iterations=30):
    p = np.asarray(p, dtype=float)
    for _ in range(iterations):
        p = p - np.linalg.solve(_himmelblau_hessian(p), grad(p))
    return p


def _himmelblau_hessian(p):
    x, y = p
    return np.array([[12 * x * x + 4 * y - 42, 4 * (x + y)], [4 * (x + y), 4 * x + 12 * y * y - 26]])


def test_himmelblau_start_decides_which_of_the_four_minima():
    preset = get_preset("himmelblau")
    ends = np.array([t.xy[-1] for t in trajectories("himmelblau").values()])
    # Published approximations (Himmelblau 1972), refined by Newton's method on the hand-written gradient.
    minima = np.array([newton_polish(himmelblau_grad, p) for p in
                       [(3.0, 2.0), (-2.8, 3.1), (-3.8, -3.3), (3.6, -1.8)]])
    for m in minima:
        assert np.linalg.norm(himmelblau_grad(m)) < 1e-10 and np.all(np.linalg.eigvalsh(_himmelblau_hessian(m)) > 0)
        assert (m[0] ** 2 + m[1] - 11) ** 2 + (m[0] + m[1] ** 2 - 7) ** 2 < 1e-20  # all four at loss 0
    distances = np.linalg.norm(ends[:, None, :] - minima[None, :, :], axis=2)
    assert np.all(distances[np.arange(4), np.arange(4)] < 1e-5)  # run i ends at minimum i: four different ones
    starts = [c.start for c in preset.configs]
    assert len(set(starts)) == 4
    quoted(preset, *[f"({x:.3f}, {y:.3f})".replace("-", "−") for x, y in minima[1:]])


def test_rastrigin_small_steps_stop_in_a_local_minimum_large_steps_and_noise_go_lower():
    preset = get_preset("rastrigin")
    small, large, noisy, nearby = presets.simulate_runs(
        preset.configs + (preset.runs[1].config.with_(optimizer_params=(("lr", 0.025),)),))
    end = small.xy[-1]
    assert np.linalg.norm(fd_grad(rastrigin, end)) < 1e-3 and np.all(np.linalg.eigvalsh(fd_hessian(rastrigin, end)) > 0)
    assert np.allclose(end, (4, 3), atol=0.05) and rastrigin(end) == pytest.approx(24.87, abs=0.01)
    assert np.linalg.norm(large.xy[-1]) < 1e-6 and rastrigin(large.xy[-1]) < 1e-9
    assert rastrigin(noisy.xy[-1]) < 5.0
    # The notice's caveat: lr 0.025 ends at a neighbouring minimum, one ripple (about 1) from the centre.
    assert 0.9 < np.linalg.norm(nearby.xy[-1]) < 1.1 and "0.025" in preset.notice
    assert large.lr[-1] < 1e-4 * large.lr[0]  # the cosine has annealed the rate
    assert all(c.schedule == "cosine" for c in preset.configs)  # only the rate and the noise differ
    quoted(preset, "24.9", "(0, 0)", "f = 5")


# ---------------------------------------------------------------------------------------------------
# Schedules, clipping, noise


def test_decaying_schedules_lower_the_noise_floor():
    preset = get_preset("schedules")
    constant, step, cosine = trajectories("schedules").values()
    config = preset.runs[0].config
    lr, sigma = lr_of(config), config.grad_noise
    eigvals = np.linalg.eigvalsh(ravine_hessian(*[dict(config.surface_params)[k] for k in ("kappa", "angle")]))
    # Stationary GD with additive noise: each eigen-direction has variance lr sigma^2 / (lambda (2 - lr lambda)).
    floor = float(np.sum(lr * sigma**2 / (2 * (2 - lr * eigvals))))
    assert floor == pytest.approx(0.076, abs=5e-4)
    assert constant.loss[100:].mean() == pytest.approx(floor, rel=0.2)
    for decayed in (step, cosine):
        assert decayed.loss[-100:].mean() < constant.loss[-100:].mean() / 20
    np.testing.assert_allclose(step.lr[[0, 199, 200, 400, 499]], [0.1, 0.1, 0.01, 0.001, 0.001], rtol=1e-12)
    t = np.arange(500)
    np.testing.assert_allclose(cosine.lr[:500], 0.05 * (1 + np.cos(np.pi * t / 500)), rtol=1e-9, atol=1e-15)
    quoted(preset, "0.076", "20%", "20 times")


def test_clipping_caps_the_step_on_the_cliff():
    preset = get_preset("clipping")
    plain, clipped = trajectories("clipping").values()
    (x0, x1), (y0, y1) = get_surface("cliff").domain
    lengths = [np.linalg.norm(np.diff(t.xy, axis=0), axis=1) for t in (plain, clipped)]
    lr, clip = lr_of(preset.runs[1].config), preset.runs[1].config.clip_norm
    assert lengths[0].max() > 20 and x1 - x0 == 6 and "over 20 units" in preset.notice
    assert lengths[1].max() <= lr * clip + 1e-9
    x, y = clipped.xy[:, 0], clipped.xy[:, 1]
    assert np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    assert np.abs(plain.xy).max() > 20
    for t in (plain, clipped):
        assert np.linalg.norm(t.xy[-1] - (1.0, 0.0)) < 1e-3
    # The notice's slope: the wall of h*sigmoid(-k x) is steepest at x = 0, h k / 4 = 125 with h 10, k 50.
    xs = np.linspace(-0.2, 0.2, 4001)
    slope = np.max(np.abs(10 * 50 * np.exp(-50 * xs) / (1 + np.exp(-50 * xs)) ** 2))
    assert slope == pytest.approx(125.0, rel=1e-6) and "125" in preset.notice
    quoted(preset, "20", "0.3", "(1, 0)")


def test_noise_leaves_the_sharp_minimum_for_the_flat_one():
    preset = get_preset("sharp-flat")
    surface = get_surface("sharp_flat")
    f = surface_fn(surface)
    sharp, flat = np.array(surface.extra["sharp_minimum"]), np.array(surface.extra["flat_minimum"])

    def loss(p):
        return float(f(p))

    curvature = [np.linalg.eigvalsh(fd_hessian(loss, c, h=1e-3)) for c in (sharp, flat)]
    assert curvature[0].min() / curvature[1].max() == pytest.approx(16, abs=0.5)
    assert loss(sharp) == pytest.approx(-1.0) and loss(flat) == pytest.approx(-1.0)

    def in_flat(point):
        return np.linalg.norm(point - flat) < np.linalg.norm(point - sharp)

    quiet, noisy, gentle = preset.configs
    seeds = range(16)
    runs = presets.simulate_runs([quiet] + [noisy.with_(seed=s) for s in seeds] + [gentle.with_(seed=s) for s in seeds])
    quiet_end = runs[0].xy[-1]
    assert not in_flat(quiet_end) and np.linalg.norm(quiet_end - sharp) < 0.5
    assert 2 / curvature[0].max() < lr_of(quiet) and "0.057" in preset.lesson
    assert 2 / curvature[0].max() == pytest.approx(0.057, abs=5e-4)
    assert all(in_flat(t.xy[-1]) for t in runs[1:17])
    assert not any(in_flat(t.xy[-1]) for t in runs[17:])
    quoted(preset, "16", "0–15", "1.5")


# ---------------------------------------------------------------------------------------------------
# Constraints, conditioning, conventions


def himmelblau(p):
    return (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2


def test_projected_gd_ends_at_a_kkt_point_on_the_sphere():
    preset = get_preset("projected")
    (traj,) = trajectories("projected").values()
    config = preset.runs[0].config
    end = traj.xy[-1]
    assert np.linalg.norm(end) == pytest.approx(config.radius, abs=1e-12)
    assert np.all(np.linalg.norm(traj.xy, axis=1) <= config.radius + 1e-12)
    g = himmelblau_grad(end)
    # KKT for min f s.t. |p| <= r on the boundary: -grad f = mu p with mu > 0.
    cosine = -g @ end / (np.linalg.norm(g) * np.linalg.norm(end))
    assert cosine == pytest.approx(1.0, abs=1e-10)
    # f has no critical point inside the disk below its value on the circle, and brute force over the
    # circle finds the same point: it is the constrained minimum.
    angles = np.linspace(0, 2 * np.pi, 2_000_001)
    circle = config.radius * np.stack([np.cos(angles), np.sin(angles)])
    best = circle[:, np.argmin(himmelblau(circle))]
    assert np.linalg.norm(end - best) < 1e-5
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 401), np.linspace(-2, 2, 401)))
    inside = np.linalg.norm(grid, axis=0) <= config.radius
    assert himmelblau(grid)[inside].min() >= himmelblau(end) - 1e-9
    minima = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    assert all(np.linalg.norm(m) > config.radius for m in minima)
    quoted(preset, f"({end[0]:.3f}, {end[1]:.3f})", f"{himmelblau(end):.2f}")


def test_feature_scaling_turns_the_ravine_into_a_bowl():
    preset = get_preset("feature-scaling")
    raw_run, scaled_run = trajectories("feature-scaling").values()
    reached = []
    for config, traj in zip(preset.configs, (raw_run, scaled_run)):
        data = surface_fn(get_surface(config.surface), dict(config.surface_params), config.seed).data
        x, y = np.asarray(data["x"]), np.asarray(data["y"])
        design = np.stack([x, np.ones_like(x)], axis=1)
        hessian = design.T @ design / len(x)
        solution = np.linalg.lstsq(design, y, rcond=None)[0]
        gradients = (traj.xy @ design.T - y) @ design / len(x)
        reached.append(first_index(np.linalg.norm(gradients, axis=1) < config.tol))
        assert reached[-1] == traj.converged_at
        assert np.linalg.norm(traj.xy[reached[-1]] - solution) < 1e-2
        if config is preset.configs[0]:
            eigvals = np.linalg.eigvalsh(hessian)
            assert eigvals[-1] / eigvals[0] == pytest.approx(220, abs=5) and "220" in preset.notice
            assert 0.9 * 2 / eigvals[-1] < lr_of(config) < 2 / eigvals[-1]
        else:
            np.testing.assert_allclose(hessian, np.eye(2), atol=1e-12)
    assert reached[0] == 1051 and reached[1] == 1
    quoted(preset, "1051", "single step")


def test_momentum_conventions_trace_one_path():
    preset = get_preset("momentum-conventions")
    torch_path, classic, averaging = (t.xy for t in trajectories("momentum-conventions").values())
    lrs = [lr_of(c) for c in preset.configs]
    beta = dict(preset.configs[0].optimizer_params)["momentum"]
    assert lrs[0] == lrs[1] and lrs[2] == pytest.approx(lrs[0] / (1 - beta))
    np.testing.assert_allclose(classic, torch_path, rtol=0, atol=1e-9)
    np.testing.assert_allclose(averaging, torch_path, rtol=0, atol=1e-9)
    h = ravine_hessian(50.0, 30.0)
    reference = numpy_sgd(lambda p: h @ p, preset.configs[0].start, lrs[0], preset.configs[0].steps, beta)
    np.testing.assert_allclose(torch_path[:150], reference[:150], rtol=1e-9, atol=1e-12)
    quoted(preset, "0.02", "0.9", "0.2", "1e-9")


# ---------------------------------------------------------------------------------------------------
# Adaptive methods


def test_rosenbrock_each_rule_is_the_best_of_its_grid_and_the_steps_are_as_quoted():
    preset = get_preset("rosenbrock")
    base = presets.ROSENBROCK
    sgd_grid = [base.with_(optimizer_params=presets.sgd_params(lr, m)) for m in presets.ROSENBROCK_SGD_GRID["momentum"]
                for lr in presets.ROSENBROCK_SGD_GRID["lr"]]
    adam_grid = [base.with_(optimizer="adam", optimizer_params=(("lr", lr), ("beta1", b1), ("beta2", b2)))
                 for b1, b2 in presets.ROSENBROCK_ADAM_GRID["betas"] for lr in presets.ROSENBROCK_ADAM_GRID["lr"]]
    # Just past the tuned rates: GD and heavy ball diverge a little above 0.002.
    edges = [base.with_(optimizer_params=presets.sgd_params(0.0021)),
             base.with_(optimizer_params=presets.sgd_params(0.0022, 0.95))]
    configs = sgd_grid + adam_grid + edges
    for config in preset.configs:
        assert config in configs
    runs = dict(zip(configs, presets.simulate_runs(configs)))

    def rosenbrock_grad(p):
        x, y = p[:, 0], p[:, 1]
        return np.stack([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], axis=1)

    def steps_to_tol(config):
        with np.errstate(invalid="ignore", over="ignore"):
            norms = np.linalg.norm(rosenbrock_grad(runs[config].xy), axis=1)
        reached = first_index(norms < base.tol)
        assert reached == runs[config].converged_at
        return math.inf if reached is None else reached

    gd, heavy, adam = preset.configs
    gd_grid = [c for c in sgd_grid if dict(c.optimizer_params).get("momentum", 0.0) == 0.0]
    momentum_grid = [c for c in sgd_grid if c not in gd_grid]
    final_loss = {c: float(runs[c].loss[-1]) if runs[c].final_status != "diverged" else math.inf for c in gd_grid}
    assert min(final_loss, key=final_loss.get) == gd and steps_to_tol(gd) == math.inf
    assert min(momentum_grid, key=steps_to_tol) == heavy and min(adam_grid, key=steps_to_tol) == adam
    assert (steps_to_tol(heavy), steps_to_tol(adam)) == (326, 463)
    assert final_loss[gd] == pytest.approx(4.6e-5, rel=0.02)
    assert all(runs[c].final_status == "diverged" for c in edges) and "0.0021" in preset.notice
    # The notice: every Adam rate from 0.1 to 1 (betas 0.95, 0.99) gets there.
    assert all(steps_to_tol(c) < 2000 for c in adam_grid if dict(c.optimizer_params)["beta1"] == 0.95
               and dict(c.optimizer_params)["lr"] >= 0.1)
    quoted(preset, "326", "463", "2000", "4.6e-5")


def test_adagrad_step_only_shrinks_while_rmsprop_keeps_its_size():
    preset = get_preset("adagrad-rmsprop")
    adagrad, rmsprop = trajectories("adagrad-rmsprop").values()
    lr_a, lr_r = lr_of(preset.runs[0].config), lr_of(preset.runs[1].config)
    n = preset.runs[0].config.steps
    g = adagrad.grad_used[:n]
    # AdaGrad's step per unit gradient is lr / sqrt(sum of squares so far) (eps 1e-10 is negligible here).
    per_unit = lr_a / np.sqrt(np.cumsum(g**2, axis=0))
    np.testing.assert_allclose(-adagrad.update[:n] / g, per_unit, rtol=1e-6)
    assert np.all(np.diff(per_unit, axis=0) <= 0)
    # RMSProp without bias correction: v_1 = (1 - alpha) g^2, so the first step is lr / sqrt(0.01) = 10 lr.
    first_a = np.abs(adagrad.update[0])
    first_r = np.abs(rmsprop.update[0])
    np.testing.assert_allclose(first_a, lr_a, rtol=1e-6)
    np.testing.assert_allclose(first_r, 10 * lr_r, rtol=1e-6)
    np.testing.assert_allclose(first_a, first_r, rtol=1e-6)  # the same first step
    rms_per_unit = -rmsprop.update[:n] / rmsprop.grad_used[:n]
    shrink_a = per_unit[0] / per_unit[-1]
    shrink_r = rms_per_unit[0] / rms_per_unit[-1]
    assert np.all((shrink_a > 2.5) & (shrink_a < 4)) and np.all(shrink_r < 1.5)
    assert first_index(adagrad.loss < 0.05) == first_index(rmsprop.loss < 0.05) == 37
    ratio = rmsprop.loss[-200:].mean() / adagrad.loss[-200:].mean()
    assert 3.5 < ratio < 5
    quoted(preset, "37", "2.5 to 4 times", "4 times lower")


def test_adam_l2_depends_on_the_loss_scale_and_adamw_does_not():
    preset = get_preset("adam-l2-adamw")
    l2, l2_scaled, decoupled, decoupled_scaled = trajectories("adam-l2-adamw").values()
    settings = {(dict(c.optimizer_params)["lr"], dict(c.optimizer_params)["weight_decay"]) for c in preset.configs}
    assert settings == {(0.05, 0.5)} and "λ = 0.5 and lr 0.05" in preset.notice
    lam = 0.5
    hessian, minimum = np.diag([2.0, 8.0]), np.array([2.0, 1.0])  # of (x - 2)^2 + 4 (y - 1)^2
    for scale, traj in ((1.0, l2), (100.0, l2_scaled)):
        ridge = np.linalg.solve(scale * hessian + lam * np.eye(2), scale * hessian @ minimum)
        np.testing.assert_allclose(traj.xy[-1], ridge, atol=1e-6)
        quoted(preset, f"({round(ridge[0], 3):g}, {round(ridge[1], 3):g})")
    np.testing.assert_allclose(decoupled.xy, decoupled_scaled.xy, rtol=0, atol=1e-8)
    assert np.linalg.norm(l2.xy[-1] - l2_scaled.xy[-1]) > 0.3
    assert np.linalg.norm(decoupled.xy[-1] - minimum) > 0.3  # the decay does act
    # The surfaces really are f and 100 f.
    for scale, traj in ((1.0, decoupled), (100.0, decoupled_scaled)):
        x, y = traj.xy[:, 0], traj.xy[:, 1]
        np.testing.assert_allclose(traj.loss, scale * ((x - 2) ** 2 + 4 * (y - 1) ** 2), rtol=1e-12)
    quoted(preset, "1e-8")


def six_hump(p):
    x, y = p
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def test_warmup_rescues_adam():
    preset = get_preset("warmup")
    plain, warmed = trajectories("warmup").values()
    warm = preset.runs[1].config.warmup
    lr = lr_of(preset.runs[1].config)
    np.testing.assert_allclose(warmed.lr[:warm], lr * np.arange(1, warm + 1) / warm, rtol=1e-12)
    assert np.all(plain.lr == lr)
    # The notice: Adam's first step is lr long in every coordinate (m_hat / sqrt(v_hat) = sign(g)).
    np.testing.assert_allclose(np.abs(plain.update[0]), lr, rtol=1e-6)
    start_loss = six_hump(np.array(preset.configs[0].start or get_surface("six_hump_camel").starts[0]))
    assert plain.loss[:21].max() > 100 * start_loss > 0
    assert warmed.loss[:21].max() <= start_loss + 1e-12
    # Without warmup the run ends (still jittering by ~1e-4) at a local minimum: Newton from its end finds it.
    end = plain.xy[-1]
    local = end.copy()
    for _ in range(20):
        local = local - np.linalg.solve(fd_hessian(six_hump, local), fd_grad(six_hump, local))
    assert np.linalg.norm(fd_grad(six_hump, local)) < 1e-6
    assert np.all(np.linalg.eigvalsh(fd_hessian(six_hump, local)) > 0)
    assert np.linalg.norm(end - local) < 1e-3
    assert six_hump(local) == pytest.approx(2.104, abs=1e-3) and six_hump(end) == pytest.approx(2.104, abs=1e-3)
    # The global minima (Dixon & Szego 1978: f = -1.0316 at +-(0.0898, -0.7126)), refined by Newton on FD.
    best = np.array([0.0898, -0.7126]) * np.sign(warmed.xy[-1][0])
    for _ in range(20):
        best = best - np.linalg.solve(fd_hessian(six_hump, best), fd_grad(six_hump, best))
    assert six_hump(best) == pytest.approx(-1.0316, abs=1e-4)
    assert np.linalg.norm(warmed.xy[-1] - best) < 1e-3
    quoted(preset, "100 times", "2.104", "−1.0316")
