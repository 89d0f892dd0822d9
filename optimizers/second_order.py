"""Curvature-using rules: Newton's method (plain, damped, saddle-free) and BFGS with a fixed step."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from optimizers.adaptive import zero_velocity
from optimizers.base import Rule
from optimizers.linalg import symmetric_eigen_2x2
from optimizers.params import Param

# ---------------------------------------------------------------------------------------------------
# Newton


class NewtonState(NamedTuple):
    count: jnp.ndarray


def _newton_init(xy):
    return NewtonState(count=jnp.zeros((), jnp.int32))


def newton_direction(grad, hessian, damping, saddle_free):
    """(H + δI)⁻¹g, or with saddle_free (traced 0/1) V diag(1/(|λ|+δ)) Vᵀg, through H = V diag(λ) Vᵀ."""
    eigvals, eigvecs = symmetric_eigen_2x2(hessian)
    curvature = jnp.where(saddle_free > 0.5, jnp.abs(eigvals), eigvals) + damping
    return eigvecs @ ((eigvecs.T @ grad) / curvature)


def _newton_update(grad, state, xy, hp):
    direction = newton_direction(grad, hp["hessian"], hp["damping"], hp["saddle_free"])
    return -hp["lr"] * direction, NewtonState(count=state.count + 1)


NEWTON = Rule(
    name="newton",
    title="Newton (damped, saddle-free)",
    latex=(
        r"H=\nabla^2 f(\theta_{t-1})=V\,\mathrm{diag}(\lambda_i)\,V^\top;\ "
        r"\theta_t=\theta_{t-1}-\eta\,V\,\mathrm{diag}\!\left(\frac{1}{c(\lambda_i)+\delta}\right)V^\top\nabla f(\theta_{t-1}),\ "
        r"c(\lambda)=\lambda\ \text{(}=(H+\delta I)^{-1}\text{)}\ \text{or}\ |\lambda|\ \text{(saddle-free)}"
    ),
    params=(
        Param("lr", 1.0, 0.0, 1e3, low_open=True, log=True, help="step multiplier η (1 = the full Newton step)"),
        Param("damping", 0.0, 0.0, 1e3, help="δ added to every curvature (Levenberg–Marquardt style)"),
        Param("saddle_free", False, kind="bool",
              help="use |λ| so negative curvature repels (Dauphin et al. 2014)"),
    ),
    init=_newton_init,
    update=_newton_update,
    velocity=zero_velocity,
    needs_hessian=True,
    note=(
        "No torch.optim equivalent: torch has no Hessian-based optimizer. Plain Newton jumps to the critical "
        "point of the local quadratic, a saddle or maximum as readily as a minimum, and divides by zero where "
        "an eigenvalue vanishes (δ > 0 fixes that). Saddle-free Newton (Dauphin et al. 2014) divides by |λ|, "
        "so it descends along negative curvature."
    ),
)


# ---------------------------------------------------------------------------------------------------
# BFGS


CURVATURE_FLOOR = 1e-10  # skip the update unless sᵀy exceeds this: it keeps H positive definite


class BFGSState(NamedTuple):
    count: jnp.ndarray
    inverse_hessian: jnp.ndarray  # H, the current estimate of (∇²f)⁻¹
    previous_xy: jnp.ndarray
    previous_grad: jnp.ndarray


def _bfgs_init(xy):
    return BFGSState(count=jnp.zeros((), jnp.int32), inverse_hessian=jnp.zeros((2, 2)),
                     previous_xy=jnp.zeros_like(xy), previous_grad=jnp.zeros_like(xy))


def bfgs_inverse_update(inverse_hessian, s, y):
    """H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ with ρ = 1/sᵀy (Nocedal & Wright, eq. 6.17)."""
    rho = 1.0 / (s @ y)
    eye = jnp.eye(2)
    left = eye - rho * jnp.outer(s, y)
    return left @ inverse_hessian @ left.T + rho * jnp.outer(s, s)


def _bfgs_update(grad, state, xy, hp):
    first = state.count == 0
    # s and y come from the points actually visited, so a projection or clipped gradient is accounted for.
    s, y = xy - state.previous_xy, grad - state.previous_grad
    curvature = s @ y
    accept = (~first) & (curvature > CURVATURE_FLOOR)
    safe_y = jnp.where(accept, y, s / jnp.maximum(s @ s, 1e-300))  # keeps the discarded branch finite
    updated = bfgs_inverse_update(state.inverse_hessian, s, safe_y)
    # init(xy) cannot see hyperparameters, so H0 = γI is set on the first step.
    h = jnp.where(first, hp["init_scale"] * jnp.eye(2), jnp.where(accept, updated, state.inverse_hessian))
    delta = -hp["lr"] * (h @ grad)
    return delta, BFGSState(count=state.count + 1, inverse_hessian=h, previous_xy=xy, previous_grad=grad)


BFGS = Rule(
    name="bfgs",
    title="BFGS (fixed step)",
    latex=(
        r"s=\theta_{t-1}-\theta_{t-2},\ y=g_{t-1}-g_{t-2},\ \rho=1/s^\top y;\ "
        r"H_t=(I-\rho sy^\top)H_{t-1}(I-\rho ys^\top)+\rho ss^\top\ \text{if}\ s^\top y>10^{-10}"
        r"\ \text{else}\ H_{t-1};\ H_0=\gamma I;\ "
        r"\theta_t=\theta_{t-1}-\eta\,H_t\,g_{t-1}"
    ),
    params=(
        Param("lr", 1.0, 0.0, 1e3, low_open=True, log=True, help="step multiplier η (1 = the full quasi-Newton step)"),
        Param("init_scale", 1e-2, 0.0, 1e3, low_open=True, log=True,
              help="γ in H₀ = γI: the first step is gradient descent with rate ηγ"),
    ),
    init=_bfgs_init,
    update=_bfgs_update,
    velocity=zero_velocity,
    note=(
        "No line search: each step is η times the quasi-Newton step, so BFGS here can overshoot where a "
        "library's would backtrack. H₀ = γI with γ = 0.01 by default, because the textbook H₀ = I makes the "
        "first step a full gradient step (about 160 long from Rosenbrock's usual start) that the engine reports "
        "as divergence. torch only has torch.optim.LBFGS, which needs a closure re-evaluating the loss and runs "
        "several inner iterations (and optionally a strong-Wolfe line search) per step; scipy's BFGS also "
        "searches along each step. Updates with sᵀy ≤ 1e-10 are skipped so that H stays positive definite."
    ),
)

RULES = (NEWTON, BFGS)
