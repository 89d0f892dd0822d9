"""Closed-form test surfaces: ravines, saddles and the standard optimisation benchmarks."""
from __future__ import annotations

import jax.numpy as jnp

from landscapes.base import CriticalPoint, Surface
from optimizers.params import Param


def _quadratic(xy, theta, data, weights):
    # f = 1/2 (x', y') diag(1, kappa) (x', y')^T with (x', y') the point rotated by -angle (degrees).
    a = jnp.deg2rad(theta["angle"])
    u = jnp.cos(a) * xy[0] + jnp.sin(a) * xy[1]
    v = -jnp.sin(a) * xy[0] + jnp.cos(a) * xy[1]
    return 0.5 * (u**2 + theta["kappa"] * v**2)


def _rosenbrock(xy, theta, data, weights):
    return (theta["a"] - xy[0]) ** 2 + theta["b"] * (xy[1] - xy[0] ** 2) ** 2


def _saddle(xy, theta, data, weights):
    return xy[0] ** 2 - xy[1] ** 2


SURFACES = (
    Surface(
        name="quadratic",
        title="Quadratic ravine",
        latex=r"f(x,y)=\tfrac12\left(u^2+\kappa v^2\right),\ (u,v)=R_{-\alpha}(x,y)",
        loss=_quadratic,
        params=(
            Param("kappa", 10.0, 1.0, 1000.0, log=True, help="condition number λmax/λmin"),
            Param("angle", 0.0, -90.0, 90.0, help="rotation of the valley in degrees"),
        ),
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        starts=((-1.8, 0.6),),
        critical_points=(CriticalPoint((0.0, 0.0), "minimum"),),
        note="Eigenvalues 1 and κ: gradient descent zig-zags across the steep direction and crawls along the flat one.",
    ),
    Surface(
        name="saddle",
        title="Saddle x² − y²",
        latex=r"f(x,y)=x^2-y^2",
        loss=_saddle,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        starts=((1.5, 1e-3),),
        critical_points=(CriticalPoint((0.0, 0.0), "saddle"),),
        note="The gradient vanishes at the origin, yet it is no minimum: one eigenvalue is positive, one negative.",
    ),
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
)
