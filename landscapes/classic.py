"""The standard optimisation benchmarks in their literature forms, with their critical points.

Definitions and minima follow Jamil & Yang, "A literature survey of benchmark functions for global
optimization problems" (2013), and Surjanovic & Bingham's Virtual Library of Simulation Experiments
(sfu.ca/~ssurjano). Critical points other than the published minima were found by Newton's method on
grad f = 0 from a dense grid of starts and are checked in tests/test_landscapes.py.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from landscapes.base import CriticalPoint, Surface
from optimizers.params import Param


def _rosenbrock(xy, theta, data, weights):
    return (theta["a"] - xy[0]) ** 2 + theta["b"] * (xy[1] - xy[0] ** 2) ** 2


def _beale(xy, theta, data, weights):
    x, y = xy[0], xy[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _himmelblau(xy, theta, data, weights):
    x, y = xy[0], xy[1]
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _rastrigin(xy, theta, data, weights):
    a = theta["A"]
    return 2.0 * a + jnp.sum(xy**2 - a * jnp.cos(2.0 * jnp.pi * xy))


# Ackley's sqrt(x^2 + y^2) has a kink at its minimum, where the gradient is undefined (autodiff gives NaN).
# The safe norm sqrt(r^2/2 + delta) - sqrt(delta) is smooth, exactly 0 at the origin (so f(0, 0) = 0 as in
# the literature) and within sqrt(delta) = 1e-6 of the true norm everywhere; the price is a rounded tip of
# radius ~1e-6 whose curvature is a*b/(2 sqrt(delta)) ~ 2e6.
ACKLEY_DELTA = 1e-12


def _ackley(xy, theta, data, weights):
    a, b, c = theta["a"], theta["b"], theta["c"]
    norm = jnp.sqrt(0.5 * (xy[0] ** 2 + xy[1] ** 2) + ACKLEY_DELTA) - math.sqrt(ACKLEY_DELTA)
    waves = 0.5 * (jnp.cos(c * xy[0]) + jnp.cos(c * xy[1]))
    # The same as -a e^{-b norm} - e^{waves} + a + e, grouped with expm1 so that both terms vanish exactly
    # at the origin (f(0, 0) = 0, not a rounding residue of e - exp(1)).
    return -a * jnp.expm1(-b * norm) - jnp.e * jnp.expm1(waves - 1.0)


def _booth(xy, theta, data, weights):
    x, y = xy[0], xy[1]
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _three_hump_camel(xy, theta, data, weights):
    x, y = xy[0], xy[1]
    return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2


def _six_hump_camel(xy, theta, data, weights):
    x, y = xy[0], xy[1]
    return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2


RASTRIGIN_A = 10.0
RASTRIGIN_DOMAIN = ((-5.12, 5.12), (-5.12, 5.12))


def rastrigin_critical_points(a: float = RASTRIGIN_A, bound: float = 5.12) -> tuple[CriticalPoint, ...]:
    """Every critical point of 2-D Rastrigin in [-bound, bound]^2, from its separability.

    f = sum_i g(x_i) + const with g(t) = t^2 - A cos(2 pi t), so grad f = 0 iff g'(x) = g'(y) = 0, and the
    Hessian is diag(g''(x), g''(y)). g'(t) = 2t + 2 pi A sin(2 pi t) has one root near each multiple of
    1/2 while |t| < pi A (g'' is then far from 0 there): Newton from m/2 finds them, minima of g near the
    integers, maxima near the half-integers. Products give minima, maxima and saddles.
    """
    t = np.arange(-2 * math.ceil(bound) - 1, 2 * math.ceil(bound) + 2) / 2.0
    for _ in range(50):
        t = t - (2 * t + 2 * np.pi * a * np.sin(2 * np.pi * t)) / (2 + 4 * np.pi**2 * a * np.cos(2 * np.pi * t))
    roots = t[np.abs(t) <= bound]
    curvature = 2 + 4 * np.pi**2 * a * np.cos(2 * np.pi * roots)
    points = []
    for x, cx in zip(roots, curvature):
        for y, cy in zip(roots, curvature):
            kind = "minimum" if cx > 0 and cy > 0 else "maximum" if cx < 0 and cy < 0 else "saddle"
            points.append(CriticalPoint((float(x), float(y)), kind))
    return tuple(points)


def _points(kind: str, *xys) -> tuple[CriticalPoint, ...]:
    return tuple(CriticalPoint(xy, kind) for xy in xys)


SURFACES = (
    Surface(
        name="rosenbrock",
        title="Rosenbrock",
        latex=r"f(x,y)=(a-x)^2+b\,(y-x^2)^2",
        loss=_rosenbrock,
        params=(Param("a", 1.0, -3.0, 3.0), Param("b", 100.0, 0.0, 1000.0)),
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        starts=((-1.5, 2.0),),
        critical_points=(CriticalPoint((1.0, 1.0), "minimum"),),
        log_contours=True,
        note="A curved, flat-bottomed valley: finding it is easy, following it to (a, a²) is hard.",
    ),
    Surface(
        name="beale",
        title="Beale",
        latex=r"f(x,y)=(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2",
        loss=_beale,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        starts=((1.0, 1.5),),
        critical_points=(
            CriticalPoint((3.0, 0.5), "minimum"),
            *_points("saddle", (0.0, 1.0), (0.10053793732415833, -2.6445135850231254)),
        ),
        log_contours=True,
        note="Narrow curved valleys and plateaus that rise steeply towards the corners: the scale of the "
             "gradient changes by orders of magnitude, which punishes a fixed learning rate.",
    ),
    Surface(
        name="himmelblau",
        title="Himmelblau",
        latex=r"f(x,y)=(x^2+y-11)^2+(x+y^2-7)^2",
        loss=_himmelblau,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        starts=((-0.3, -0.9),),
        critical_points=(
            *_points("minimum", (3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                     (-3.779310253377747, -3.2831859912861696), (3.5844283403304917, -1.8481265269644036)),
            CriticalPoint((-0.2708445906673476, -0.9230385564799816), "maximum"),
            *_points("saddle", (3.385154183607021, 0.07385187983774928), (0.08667750455539634, 2.8842547011747763),
                     (-3.0730257507643897, -0.08135304428796751), (-0.12796134673068005, -1.9537149802445766)),
        ),
        log_contours=True,
        note="Four minima of equal loss 0: which one a path reaches depends on where it starts and on the "
             "optimizer, not on which minimum is better.",
    ),
    Surface(
        name="rastrigin",
        title="Rastrigin",
        latex=r"f(x,y)=2A+\sum_{t\in\{x,y\}}\left(t^2-A\cos 2\pi t\right)",
        loss=_rastrigin,
        params=(Param("A", RASTRIGIN_A, 0.0, 50.0, help="amplitude A of the ripples"),),
        domain=RASTRIGIN_DOMAIN,
        starts=((4.2, 3.4),),
        critical_points=rastrigin_critical_points(),
        note="A bowl covered in ripples: 121 local minima in view, so plain descent stops in the nearest dip; "
             "only large or noisy steps see the bowl underneath.",
    ),
    Surface(
        name="ackley",
        title="Ackley",
        latex=(r"f(x,y)=-a\,e^{-b\sqrt{(x^2+y^2)/2}}-e^{(\cos cx+\cos cy)/2}+a+e,\ "
               r"a=20,\ b=0.2,\ c=2\pi"),
        loss=_ackley,
        params=(
            Param("a", 20.0, 0.0, 50.0, help="depth a of the central funnel"),
            Param("b", 0.2, 0.01, 1.0, help="decay rate b of the funnel"),
            Param("c", 2 * math.pi, 0.0, 10.0, help="frequency c of the ripples"),
        ),
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        starts=((3.3, -2.7),),
        critical_points=(CriticalPoint((0.0, 0.0), "minimum"),),
        critical_points_complete=False,  # hundreds of ripple minima, maxima and saddles, none in closed form
        note="A funnel under ripples with a spike at the minimum (smoothed here over 1e-6 so the gradient "
             "stays finite): local minima everywhere, one global minimum 0 at the origin.",
    ),
    Surface(
        name="booth",
        title="Booth",
        latex=r"f(x,y)=(x+2y-7)^2+(2x+y-5)^2",
        loss=_booth,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        starts=((-8.0, -6.0),),
        critical_points=(CriticalPoint((1.0, 3.0), "minimum"),),
        log_contours=True,
        note="A quadratic in disguise (Hessian [[10, 8], [8, 10]], κ = 9): a tilted ravine with one minimum "
             "0 at (1, 3).",
    ),
    Surface(
        name="three_hump_camel",
        title="Three-hump camel",
        latex=r"f(x,y)=2x^2-1.05x^4+\tfrac{x^6}{6}+xy+y^2",
        loss=_three_hump_camel,
        domain=((-2.5, 2.5), (-2.5, 2.5)),
        starts=((2.0, 2.0),),
        critical_points=(
            *_points("minimum", (0.0, 0.0), (-1.7475523458302888, 0.8737761729151444),
                     (1.7475523458302888, -0.8737761729151444)),
            *_points("saddle", (-1.07054229182366, 0.53527114591183), (1.07054229182366, -0.53527114591183)),
        ),
        log_contours=True,
        note="A global minimum at the origin flanked by two shallower local minima (loss ≈ 0.2986): "
             "a path that starts far out can settle in a local one.",
    ),
    Surface(
        name="six_hump_camel",
        title="Six-hump camel",
        latex=r"f(x,y)=\left(4-2.1x^2+\tfrac{x^4}{3}\right)x^2+xy+\left(4y^2-4\right)y^2",
        loss=_six_hump_camel,
        domain=((-2.2, 2.2), (-1.2, 1.2)),
        starts=((-0.5, 1.0),),
        critical_points=(
            *_points("minimum", (0.08984201310031806, -0.7126564030207396), (-0.08984201310031806, 0.7126564030207396),
                     (1.7036067149699807, -0.7960835686726251), (-1.7036067149699807, 0.7960835686726251),
                     (1.6071047529201974, 0.5686514548841314), (-1.6071047529201974, -0.5686514548841314)),
            CriticalPoint((1.2302298765166526, 0.16233458445899496), "maximum"),
            CriticalPoint((-1.2302298765166526, -0.16233458445899496), "maximum"),
            *_points("saddle", (0.0, 0.0), (1.1092053368047865, -0.7682680925095399),
                     (-1.1092053368047865, 0.7682680925095399), (1.6380679841897787, 0.22867406904439408),
                     (-1.6380679841897787, -0.22867406904439408), (1.296070267167109, 0.6050843880386585),
                     (-1.296070267167109, -0.6050843880386585)),
        ),
        note="Six minima, two of them global (−1.0316 at (±0.0898, ∓0.7126)), separated by seven saddles: "
             "a map of basins of attraction.",
    ),
)
