"""Every surface against independent computations: finite differences, probes around critical points,
the literature's minima, numpy formulas for the data losses, and the engine end to end."""
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dashboard.engine import RunConfig, simulate
from landscapes import SURFACES, get_surface
from landscapes.analysis import classify, surface_fn
from landscapes.classic import ACKLEY_DELTA, rastrigin_critical_points

NAMES = list(SURFACES)
DATA_NAMES = [n for n in NAMES if SURFACES[n].is_data_defined]
ANALYTIC_NAMES = [n for n in NAMES if not SURFACES[n].is_data_defined]


@functools.lru_cache(maxsize=None)
def batched(f):
    """f over an (m, 2) numpy array of points, compiled once per f."""
    compiled = jax.jit(jax.vmap(f))
    return lambda points: np.asarray(compiled(jnp.asarray(points, dtype=jnp.float64)))


def sample_points(surface, rng, n_random=4):
    """The surface's starts, a few of its critical points and random points of its domain."""
    (x0, x1), (y0, y1) = surface.domain
    random = np.column_stack([rng.uniform(x0, x1, n_random), rng.uniform(y0, y1, n_random)])
    critical = [p.xy for p in surface.critical_points[:3]]
    points = np.asarray([*surface.starts, *critical, *random], dtype=float)
    if surface.name == "ackley":  # the rounded tip is 1e-6 wide: finite differences cannot resolve it
        points = points[np.linalg.norm(points, axis=1) > 1e-2]
    return points


def richardson(d, h):
    """Central difference D(h) improved to O(h^4): (4 D(h/2) - D(h)) / 3."""
    return (4.0 * d(h / 2) - d(h)) / 3.0


def fd_gradient(values, points, h):
    e = np.eye(2)

    def central(step):
        return np.stack([(values(points + step * e[i]) - values(points - step * e[i])) / (2 * step)
                         for i in range(2)], axis=1)

    return richardson(central, h)


def fd_hessian(values, points, h):
    """Second differences of f values only (no autodiff anywhere)."""
    e = np.eye(2)

    def second(step):
        out = np.empty((len(points), 2, 2))
        for i in range(2):
            for j in range(2):
                a, b = step * e[i], step * e[j]
                out[:, i, j] = (values(points + a + b) - values(points + a - b) - values(points - a + b)
                                + values(points - a - b)) / (4 * step**2)
        return out

    return richardson(second, h)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_and_hessian_match_finite_differences(name):
    surface = get_surface(name)
    f = surface_fn(surface, {}, seed=0)
    values = batched(f)
    points = sample_points(surface, np.random.default_rng(NAMES.index(name)))
    grads = batched(jax.grad(f))(points)
    hessians = batched(jax.hessian(f))(points)
    fd_g = fd_gradient(values, points, 1e-4)
    fd_h = fd_hessian(values, points, 1e-3)
    for k, p in enumerate(points):
        scale_g = max(1.0, np.abs(grads[k]).max())
        np.testing.assert_allclose(grads[k], fd_g[k], rtol=0, atol=1e-6 * scale_g, err_msg=f"{name} at {p}")
        scale_h = max(1.0, np.abs(hessians[k]).max(), abs(float(values(p[None])[0])) * 1e-3)
        np.testing.assert_allclose(hessians[k], fd_h[k], rtol=0, atol=2e-5 * scale_h, err_msg=f"{name} at {p}")


# ---------------------------------------------------------------------------------------------------
# Metadata: every listed critical point is critical, and of the kind it says


def probe_signs(f, points, radius, n=72):
    """Signs of f(p + radius (cos t, sin t)) - f(p) around a circle for each point p (rows of the
    result): the kind of a critical point without any Hessian."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    circle = points[:, None, :] + radius * np.column_stack([np.cos(t), np.sin(t)])[None]
    values = batched(f)(circle.reshape(-1, 2)).reshape(len(points), n)
    return np.sign(values - batched(f)(points)[:, None])


EXPECTED_SIGNS = {"minimum": {1.0}, "maximum": {-1.0}, "saddle": {-1.0, 1.0}}


@pytest.mark.parametrize("name", [n for n in NAMES if SURFACES[n].critical_points])
def test_listed_critical_points_are_critical_and_of_their_kind(name):
    surface = get_surface(name)
    f = surface_fn(surface, {}, seed=0)
    points = np.asarray([p.xy for p in surface.critical_points])
    grads = batched(jax.grad(f))(points)
    hessians = batched(jax.hessian(f))(points)
    typical = np.median(np.linalg.norm(batched(jax.grad(f))(sample_points(surface, np.random.default_rng(0), 16)),
                                       axis=1))
    # Independent of the Hessian: the sign pattern of f around a small circle.
    signs = probe_signs(f, points, 1e-3)
    for point, g, h, around in zip(surface.critical_points, grads, hessians, signs):
        assert np.linalg.norm(g) <= 1e-9 * max(1.0, typical), (name, point, g)
        eigvals = np.linalg.eigvalsh(h)
        expected = "degenerate" if point.degenerate else point.kind
        assert classify(eigvals, tol=1e-6) == expected, (name, point, eigvals)
        # (A saddle may be level along its separatrices: Beale's (0, 1) is, along x = 0.)
        assert EXPECTED_SIGNS[point.kind] <= set(around) <= EXPECTED_SIGNS[point.kind] | ({0.0} if point.kind == "saddle" else set()), (name, point)


def test_monkey_saddle_has_three_descending_valleys():
    f = surface_fn(get_surface("monkey_saddle"))
    (signs,) = probe_signs(f, (0.0, 0.0), 0.1, n=360)
    changes = np.count_nonzero(signs != np.roll(signs, 1))
    assert changes == 6  # three ups and three downs around the circle; an ordinary saddle has 4


def test_rastrigin_critical_points_count_and_kinds():
    points = rastrigin_critical_points()
    kinds = [p.kind for p in points]
    # 1-D: minima near -5..5 (11), maxima near +-0.5..+-4.5 (10); the ones near +-5.5 are outside 5.12.
    assert (kinds.count("minimum"), kinds.count("maximum"), kinds.count("saddle")) == (121, 100, 220)
    # Independent of the Newton polish: the 1-D roots bracket sign changes of g'(t) on a fine grid.
    t = np.linspace(-5.12, 5.12, 200_000)  # an even count: 0 is not a grid point
    dg = 2 * t + 2 * np.pi * 10 * np.sin(2 * np.pi * t)
    brackets = np.flatnonzero(np.sign(dg[1:]) != np.sign(dg[:-1]))
    roots = np.unique([p.xy[0] for p in points])
    assert len(brackets) == len(roots) == 21
    assert np.all((t[brackets] <= roots) & (roots <= t[brackets + 1]))


# ---------------------------------------------------------------------------------------------------
# The standard functions in their literature forms

KNOWN_MINIMA = [  # (surface, point, value) from Jamil & Yang (2013) and the sfu.ca/~ssurjano library
    ("rosenbrock", (1.0, 1.0), 0.0),
    ("beale", (3.0, 0.5), 0.0),
    ("himmelblau", (3.0, 2.0), 0.0),
    ("himmelblau", (-2.805118, 3.131312), 0.0),
    ("himmelblau", (-3.779310, -3.283186), 0.0),
    ("himmelblau", (3.584428, -1.848126), 0.0),
    ("rastrigin", (0.0, 0.0), 0.0),
    ("ackley", (0.0, 0.0), 0.0),
    ("booth", (1.0, 3.0), 0.0),
    ("three_hump_camel", (0.0, 0.0), 0.0),
    ("six_hump_camel", (0.0898, -0.7126), -1.0316),
    ("six_hump_camel", (-0.0898, 0.7126), -1.0316),
]


@pytest.mark.parametrize("name,xy,value", KNOWN_MINIMA)
def test_published_minima(name, xy, value):
    surface = get_surface(name)
    f = surface_fn(surface)
    # The published point is rounded to 4-6 decimals: the value agrees to second order in that rounding.
    assert float(f(jnp.asarray(xy))) == pytest.approx(value, abs=1e-4)
    # The listed point is within the rounding of the published one and is a minimum.
    listed = min(surface.critical_points, key=lambda p: np.linalg.norm(np.subtract(p.xy, xy)))
    assert listed.kind == "minimum" and np.linalg.norm(np.subtract(listed.xy, xy)) < 1e-4
    # Global within the domain: nothing on a 401 x 401 grid lies lower.
    (x0, x1), (y0, y1) = surface.domain
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 401), np.linspace(y0, y1, 401)), -1).reshape(-1, 2)
    assert batched(f)(grid).min() >= value - 1e-4


def test_six_hump_camel_global_value_to_published_digits():
    f = surface_fn(get_surface("six_hump_camel"))
    assert float(f(jnp.asarray((0.08984201310031806, -0.7126564030207396)))) == pytest.approx(-1.0316284535, abs=1e-10)


def test_critical_point_counts_from_the_literature():
    def count(name):
        kinds = [p.kind for p in get_surface(name).critical_points]
        return kinds.count("minimum"), kinds.count("maximum"), kinds.count("saddle")

    assert count("himmelblau") == (4, 1, 4)
    assert count("six_hump_camel") == (6, 2, 7)
    assert count("three_hump_camel") == (3, 0, 2)
    # The published maximum of Himmelblau.
    (maximum,) = [p for p in get_surface("himmelblau").critical_points if p.kind == "maximum"]
    np.testing.assert_allclose(maximum.xy, (-0.270845, -0.923039), atol=1e-6)


def standard_ackley(x, y, a=20.0, b=0.2, c=2 * np.pi):
    return -a * np.exp(-b * np.sqrt(0.5 * (x**2 + y**2))) - np.exp(0.5 * (np.cos(c * x) + np.cos(c * y))) + a + np.e


def test_safe_ackley_stays_within_a_micro_of_the_standard_one_and_has_a_finite_gradient():
    f = surface_fn(get_surface("ackley"))
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.uniform(-5, 5, (200, 2)), [[0.0, 0.0], [1e-7, 0.0], [1e-3, -2e-3]]])
    # |safe - standard| <= a b sqrt(delta) (the norm moves by at most sqrt(delta), f by a b per unit).
    bound = 20 * 0.2 * math.sqrt(ACKLEY_DELTA) * 1.01
    np.testing.assert_allclose(batched(f)(points), standard_ackley(points[:, 0], points[:, 1]), rtol=0, atol=bound)
    assert float(f(jnp.zeros(2))) == 0.0
    grads = batched(jax.grad(f))(points)
    assert np.all(np.isfinite(grads)) and np.all(grads[-3] == 0.0)


def test_booth_hessian_is_constant():
    f = surface_fn(get_surface("booth"))
    for p in [(0.0, 0.0), (3.0, -7.0)]:
        np.testing.assert_allclose(jax.hessian(f)(jnp.asarray(p)), [[10.0, 8.0], [8.0, 10.0]], rtol=1e-14)


# ---------------------------------------------------------------------------------------------------
# Teaching shapes


@pytest.mark.parametrize("angle", [-90.0, -37.0, 0.0, 12.5, 45.0, 90.0])
@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
def test_quadratic_eigenvalues_are_one_and_kappa_at_any_angle(angle, kappa):
    f = surface_fn(get_surface("quadratic"), {"kappa": kappa, "angle": angle})
    for p in [(0.3, -1.1), (1.9, 1.9)]:
        np.testing.assert_allclose(np.linalg.eigvalsh(np.asarray(jax.hessian(f)(jnp.asarray(p)))), [1.0, kappa],
                                   rtol=1e-12, atol=1e-12)


def curvature_ratio(width, ratio):
    """Sharp/flat curvature from the formula: H(c_i) = (1 + eps|c_i|^2)(1 - g_other(c_i)) / s_i^2 I, and
    |c_1| = |c_2| so the bowl cancels: ratio^2 (1 - g_flat(c_sharp)) / (1 - g_sharp(c_flat))."""
    gap2 = 2.4**2
    g_flat_at_sharp = np.exp(-gap2 / (2 * width**2))
    g_sharp_at_flat = np.exp(-gap2 / (2 * (width / ratio) ** 2))
    return ratio**2 * (1 - g_flat_at_sharp) / (1 - g_sharp_at_flat)


@pytest.mark.parametrize("width,ratio,bowl", [(0.7, 4.0, 0.05), (0.5, 2.0, 0.0), (1.2, 8.0, 0.3)])
def test_sharp_and_flat_minima_have_equal_depth_and_the_curvature_ratio(width, ratio, bowl):
    surface = get_surface("sharp_flat")
    f = surface_fn(surface, {"width": width, "ratio": ratio, "bowl": bowl})
    sharp, flat = surface.extra["sharp_minimum"], surface.extra["flat_minimum"]
    assert float(f(jnp.asarray(sharp))) == pytest.approx(-1.0, abs=1e-12)
    assert float(f(jnp.asarray(flat))) == pytest.approx(-1.0, abs=1e-12)
    h_sharp = np.asarray(jax.hessian(f)(jnp.asarray(sharp)))
    h_flat = np.asarray(jax.hessian(f)(jnp.asarray(flat)))
    # Isotropic wells, and the ratio from the closed form.
    np.testing.assert_allclose(h_sharp, h_sharp[0, 0] * np.eye(2), atol=1e-9 * h_sharp[0, 0])
    np.testing.assert_allclose(h_flat, h_flat[0, 0] * np.eye(2), atol=1e-9 * h_flat[0, 0])
    assert h_sharp[0, 0] / h_flat[0, 0] == pytest.approx(curvature_ratio(width, ratio), rel=1e-9)
    # Local minima, not just stationary: f rises on a small circle around each.
    for centre in (sharp, flat):
        assert set(probe_signs(f, centre, 1e-3)[0]) == {1.0}


def test_sharp_flat_default_curvature_ratio_is_about_sixteen():
    f = surface_fn(get_surface("sharp_flat"))
    ratio = float(jax.hessian(f)(jnp.asarray((-1.2, 0.0)))[0, 0] / jax.hessian(f)(jnp.asarray((1.2, 0.0)))[0, 0])
    assert 15.5 < ratio < 16.0


def test_plateau_gradient_is_tiny_far_from_the_well_and_points_home():
    f = surface_fn(get_surface("plateau"))
    far = np.asarray([[3.0, 2.5], [-3.5, 0.5], [0.0, -3.9]])
    grads = batched(jax.grad(f))(far)
    # Beyond the well only the faint bowl acts: grad = 2 eps p (the well's part is below 1e-10 there).
    np.testing.assert_allclose(grads, 2e-3 * far, rtol=1e-6)
    assert np.all(np.linalg.norm(grads, axis=1) < 1e-2)


def test_cliff_wall_gradient_dwarfs_the_gentle_region():
    f = surface_fn(get_surface("cliff"))
    wall = float(jnp.linalg.norm(jax.grad(f)(jnp.asarray((0.0, 0.0)))))
    # At x = 0: d/dx [1/2 (x-1)^2] = -1 and d/dx [h sigma(-k x)] = -h k / 4 = -125.
    assert wall == pytest.approx(math.hypot(1.0 + 125.0, 0.0), rel=1e-12)
    # "Below 5 elsewhere in view": everywhere in the domain at least 0.3 from the wall.
    xs, ys = np.meshgrid(np.linspace(-3, 3, 121), np.linspace(-2, 2, 81))
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    gentle = batched(jax.grad(f))(grid[np.abs(grid[:, 0]) >= 0.3])
    assert np.linalg.norm(gentle, axis=1).max() < 5.0
    assert np.all(np.isfinite(batched(f)(np.asarray([[-1e3, 0.0], [1e3, 0.0]]))))


def test_cliff_throws_sgd_out_of_view_unless_the_gradient_is_clipped():
    config = RunConfig(surface="cliff", optimizer_params=(("lr", 0.1),), steps=60)
    flung = simulate(config)
    assert np.nanmax(np.abs(flung.xy[:, 0])) > 3.0  # beyond the domain's x range [-3, 3]
    clipped = simulate(config.with_(clip_norm=1.0))
    assert np.abs(clipped.update).max() <= 0.1 + 1e-12 and np.abs(clipped.xy[:, 0]).max() <= 2.0 + 1e-12


def test_sgd_creeps_across_the_plateau():
    traj = simulate(RunConfig(surface="plateau", optimizer_params=(("lr", 0.1),), steps=300))
    # Each step shrinks p by the factor 1 - 2 eps lr = 1 - 2e-4 while the well is out of reach.
    np.testing.assert_allclose(traj.xy[-1], np.asarray((3.0, 2.5)) * (1 - 2e-4) ** 300, rtol=1e-6)


def test_three_hump_camel_local_minima_value():
    f = surface_fn(get_surface("three_hump_camel"))
    for xy in [(1.7475523458302888, -0.8737761729151444), (-1.7475523458302888, 0.8737761729151444)]:
        assert float(f(jnp.asarray(xy))) == pytest.approx(0.298638, abs=1e-6)


# ---------------------------------------------------------------------------------------------------
# Data-defined losses against numpy


def engine_data(surface, seed, theta_values=None):
    """The data the engine uses for this seed, as numpy arrays (drawn as the engine draws them)."""
    from optimizers.params import resolve, traced

    values = resolve(surface.params, dict(theta_values or {}), "test")
    theta = {k: jnp.asarray(v) for k, v in traced(surface.params, values).items()}
    key = jax.random.fold_in(jax.random.key(np.uint32(seed)), 0)
    return theta, jax.tree.map(np.asarray, surface.make_data(key, theta))


def numpy_linear(xy, data, index):
    x, y = data["x"][index], data["y"][index]
    r = xy[0] * x + xy[1] - y
    return 0.5 * np.mean(r**2), np.array([np.mean(r * x), np.mean(r)])


def numpy_logistic(xy, data, index, l2):
    x, y = data["x"][index], data["y"][index]
    z = x @ xy
    p = 1.0 / (1.0 + np.exp(-z))
    loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * xy @ xy
    return loss, x.T @ (p - y) / len(y) + l2 * xy


@pytest.mark.parametrize("name", DATA_NAMES)
@pytest.mark.parametrize("seed", [0, 5])
def test_minibatch_gradient_equals_numpy_mean_over_the_batch(name, seed):
    surface = get_surface(name)
    theta, data = engine_data(surface, seed)
    rng = np.random.default_rng(seed)
    n = surface.n_samples
    xy = np.array([0.8, -1.7])
    for size in (1, 8, n):
        index = rng.choice(n, size=size, replace=False)
        weights = np.zeros(n)
        weights[index] = 1.0 / size
        loss, grad = jax.value_and_grad(surface.loss)(jnp.asarray(xy), theta, data, jnp.asarray(weights))
        if name == "linear_regression":
            expected_loss, expected_grad = numpy_linear(xy, data, index)
        else:
            expected_loss, expected_grad = numpy_logistic(xy, data, index, float(theta["l2"]))
        assert float(loss) == pytest.approx(expected_loss, rel=1e-12)
        np.testing.assert_allclose(np.asarray(grad), expected_grad, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("name", DATA_NAMES)
def test_full_batch_is_the_full_loss_in_surface_fn_and_the_engine(name):
    surface = get_surface(name)
    for seed in (0, 3):
        theta, data = engine_data(surface, seed)
        start = np.asarray(surface.starts[0])
        if name == "linear_regression":
            expected, _ = numpy_linear(start, data, slice(None))
        else:
            expected, _ = numpy_logistic(start, data, slice(None), float(theta["l2"]))
        assert float(surface_fn(surface, {}, seed)(start)) == pytest.approx(expected, rel=1e-12)
        row0 = simulate(RunConfig(surface=name, seed=seed, steps=1)).loss[0]
        assert row0 == pytest.approx(expected, rel=1e-12)


def test_linear_regression_data_follow_the_stated_distribution():
    surface = get_surface("linear_regression")
    xs = np.concatenate([engine_data(surface, s, {"noise": 0.0})[1]["x"] for s in range(40)])
    assert np.mean(xs) == pytest.approx(5.0, abs=0.15) and np.std(xs) == pytest.approx(2.0, abs=0.15)
    _, data = engine_data(surface, 0, {"noise": 0.0})
    np.testing.assert_allclose(data["y"], data["x"] - 4.0, rtol=1e-12, atol=1e-12)  # y = x - 4 exactly


@pytest.mark.parametrize("seed", range(5))
def test_standardizing_the_feature_removes_the_ravine(seed):
    surface = get_surface("linear_regression")
    kappas = {}
    for standardize in (False, True):
        f = surface_fn(surface, {"standardize": standardize}, seed)
        h = np.asarray(jax.hessian(f)(jnp.zeros(2)))
        _, data = engine_data(surface, seed, {"standardize": standardize})
        x = data["x"]
        np.testing.assert_allclose(h, [[np.mean(x**2), np.mean(x)], [np.mean(x), 1.0]], rtol=1e-12, atol=1e-14)
        eig = np.linalg.eigvalsh(h)
        kappas[standardize] = eig[1] / eig[0]
    assert kappas[True] == pytest.approx(1.0, abs=1e-9)
    assert kappas[False] > 20 * kappas[True]
    assert 100 < kappas[False] < 1000  # "κ in the hundreds", as the note says


def test_logistic_labels_come_from_the_true_weights():
    surface = get_surface("logistic_regression")
    _, data = engine_data(surface, 2, {"noise": 0.0})
    margins = (2 * data["y"] - 1) * (data["x"] @ np.asarray(surface.extra["true_params"]))
    assert np.all(margins > 0)  # without noise the true weights separate the data
    _, noisy = engine_data(surface, 2, {"noise": 3.0})
    assert np.any((2 * noisy["y"] - 1) * (noisy["x"] @ np.asarray(surface.extra["true_params"])) < 0)
    x = np.concatenate([engine_data(surface, s, {"correlation": 0.8})[1]["x"] for s in range(30)])
    assert np.corrcoef(x.T)[0, 1] == pytest.approx(0.8, abs=0.05)


def numpy_minimum(name, data, l2=1e-3):
    if name == "linear_regression":
        design = np.column_stack([data["x"], np.ones_like(data["x"])])
        return np.linalg.lstsq(design, data["y"], rcond=None)[0]
    x, y, w = data["x"], data["y"], np.zeros(2)
    for _ in range(50):  # Newton (IRLS) in numpy
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) / len(y) + l2 * w
        hess = (x.T * (p * (1 - p))) @ x / len(y) + l2 * np.eye(2)
        w = w - np.linalg.solve(hess, grad)
    return w


@pytest.mark.parametrize("name", DATA_NAMES)
def test_data_minimum_lies_inside_the_domain_for_typical_seeds(name):
    surface = get_surface(name)
    (x0, x1), (y0, y1) = surface.domain
    for seed in range(20):
        w = numpy_minimum(name, engine_data(surface, seed)[1])
        assert x0 < w[0] < x1 and y0 < w[1] < y1, (seed, w)


# ---------------------------------------------------------------------------------------------------
# The engine runs on every surface


@pytest.mark.parametrize("name", NAMES)
def test_engine_runs_on_every_surface(name):
    traj = simulate(RunConfig(surface=name, steps=3))
    assert np.isfinite(traj.loss[0]) and np.all(np.isfinite(traj.grad[0])) and np.all(np.isfinite(traj.eigvals[0]))
    surface = get_surface(name)
    np.testing.assert_allclose(traj.xy[0], surface.starts[0])
    assert traj.loss[0] == pytest.approx(float(surface_fn(surface)(surface.starts[0])), rel=1e-12)
    (x0, x1), (y0, y1) = surface.domain
    for start in surface.starts:
        assert x0 <= start[0] <= x1 and y0 <= start[1] <= y1


@pytest.mark.parametrize("name", DATA_NAMES)
def test_engine_minibatches_on_data_surfaces(name):
    traj = simulate(RunConfig(surface=name, steps=3, batch_size=8))
    assert np.all(np.isfinite(traj.grad_used[:3]))
    assert not np.allclose(traj.grad_used[0], traj.grad[0])  # a true minibatch gradient, not the full one


def test_every_surface_is_documented():
    for surface in SURFACES.values():
        assert surface.title and surface.latex and surface.note
        for p in surface.params:
            p.validate(p.default)
