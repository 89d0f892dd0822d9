"""Teaching shapes in closed form: ravine, saddles, plateau, cliff, and a sharp and a flat minimum."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from landscapes.base import CriticalPoint, Surface
from optimizers.params import Param


def _quadratic(xy, theta, data, weights):
    # f = 1/2 (x', y') diag(1, kappa) (x', y')^T with (x', y') the point rotated by -angle (degrees).
    a = jnp.deg2rad(theta["angle"])
    u = jnp.cos(a) * xy[0] + jnp.sin(a) * xy[1]
    v = -jnp.sin(a) * xy[0] + jnp.cos(a) * xy[1]
    return 0.5 * (u**2 + theta["kappa"] * v**2)


def _saddle(xy, theta, data, weights):
    return xy[0] ** 2 - xy[1] ** 2


def _monkey_saddle(xy, theta, data, weights):
    return xy[0] ** 3 - 3.0 * xy[0] * xy[1] ** 2


def _plateau(xy, theta, data, weights):
    # A Gaussian well on a nearly flat floor; the faint bowl eps*r^2 keeps the gradient pointing home
    # everywhere (r^2 and the well both grow with r, so the origin is the only critical point).
    r2 = xy[0] ** 2 + xy[1] ** 2
    return 1.0 - jnp.exp(-r2 / (2.0 * theta["width"] ** 2)) + theta["slope"] * r2


def _cliff(xy, theta, data, weights):
    # Gentle bowl around (1, 0) plus a smooth step of height h down across the line x = 0: the sigmoid's
    # slope peaks at h*k/4 there, while it is below 1e-17 of that a unit away.
    step = theta["height"] * jax.nn.sigmoid(-theta["steepness"] * xy[0])
    return 0.5 * ((xy[0] - 1.0) ** 2 + xy[1] ** 2) + step


SHARP_CENTRE = (-1.2, 0.0)
FLAT_CENTRE = (1.2, 0.0)


def _sharp_flat(xy, theta, data, weights):
    # f = (1 + eps |p|^2)(1 - g_sharp)(1 - g_flat) - 1. At a centre its own well factor (1 - g) and that
    # factor's gradient vanish, so f = -1 exactly and grad f = 0 exactly at both centres, whatever the
    # other well contributes there: equal depth by construction, not by keeping the wells apart.
    flat_width = theta["width"]
    sharp_width = flat_width / theta["ratio"]

    def well(centre, width):
        d2 = (xy[0] - centre[0]) ** 2 + (xy[1] - centre[1]) ** 2
        return jnp.exp(-d2 / (2.0 * width**2))

    bowl = 1.0 + theta["bowl"] * (xy[0] ** 2 + xy[1] ** 2)
    return bowl * (1.0 - well(SHARP_CENTRE, sharp_width)) * (1.0 - well(FLAT_CENTRE, flat_width)) - 1.0


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
        name="monkey_saddle",
        title="Monkey saddle x³ − 3xy²",
        latex=r"f(x,y)=x^3-3xy^2",
        loss=_monkey_saddle,
        domain=((-1.5, 1.5), (-1.5, 1.5)),
        starts=((1.2, 0.05), (1.2, 0.0)),
        critical_points=(CriticalPoint((0.0, 0.0), "saddle", degenerate=True),),
        note="Three valleys meet at a saddle whose Hessian is zero: the gradient fades like |p|², so descent "
             "slows to a crawl there and the second-order test cannot tell what kind of point it is.",
    ),
    Surface(
        name="plateau",
        title="Plateau around a well",
        latex=r"f(x,y)=1-e^{-r^2/(2s^2)}+\varepsilon r^2,\ r^2=x^2+y^2",
        loss=_plateau,
        params=(
            Param("width", 0.5, 0.1, 2.0, help="width s of the well"),
            Param("slope", 1e-3, 1e-6, 0.1, log=True, help="curvature ε of the faint bowl under the plateau"),
        ),
        domain=((-4.0, 4.0), (-4.0, 4.0)),
        starts=((3.0, 2.5),),
        critical_points=(CriticalPoint((0.0, 0.0), "minimum"),),
        note="Away from the well the gradient is only 2εr: plain gradient descent creeps across the plateau, "
             "while methods that normalise the step (Adam, RMSprop) cross it at full speed.",
    ),
    Surface(
        name="cliff",
        title="Cliff (steep step)",
        latex=r"f(x,y)=\tfrac12\left((x-1)^2+y^2\right)+h\,\sigma(-kx)",
        loss=_cliff,
        params=(
            Param("height", 10.0, 0.0, 100.0, help="height h of the step"),
            Param("steepness", 50.0, 1.0, 500.0, log=True, help="steepness k: the wall is about 4/k wide"),
        ),
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        starts=((-2.0, 1.5),),
        critical_points=(CriticalPoint((1.0, 0.0), "minimum"),),
        note="On the wall the gradient reaches hk/4 = 125 while it stays below 5 elsewhere in view: one step "
             "there throws the point out of view unless the gradient is clipped.",
    ),
    Surface(
        name="sharp_flat",
        title="Sharp and flat minimum",
        latex=(r"f(p)=(1+\varepsilon\|p\|^2)(1-g_1)(1-g_2)-1,\ "
               r"g_i=e^{-\|p-c_i\|^2/(2s_i^2)},\ c_{1,2}=(\mp1.2,0),\ s_2=s,\ s_1=s/\rho"),
        loss=_sharp_flat,
        params=(
            Param("width", 0.7, 0.2, 1.5, help="width s of the flat well"),
            Param("ratio", 4.0, 1.0, 10.0, help="width ratio ρ = s_flat/s_sharp; curvature ratio ≈ ρ²"),
            Param("bowl", 0.05, 0.0, 1.0, help="ε of the bowl that keeps paths from wandering off"),
        ),
        domain=((-3.0, 3.0), (-2.5, 2.5)),
        starts=((0.0, 2.0),),
        critical_points=(
            CriticalPoint(SHARP_CENTRE, "minimum"),
            CriticalPoint(FLAT_CENTRE, "minimum"),
            CriticalPoint((-0.6693725932048298, 0.0), "saddle"),
        ),
        note="Both minima have loss exactly −1, but the sharp one is about ρ² times as curved: noisy or large "
             "steps cannot settle in it and end in the flat one.",
        extra={"sharp_minimum": SHARP_CENTRE, "flat_minimum": FLAT_CENTRE},
    ),
)
