"""Per-coordinate step sizes from past squared gradients: Adagrad, RMSprop and Adadelta, as torch.optim runs them."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from optimizers.base import Rule
from optimizers.moments import average_of_squares, lerp
from optimizers.params import Param


def _lr(default):
    return Param("lr", default, 0.0, 1e3, low_open=True, log=True, help=f"learning rate η (torch's default {default:g})")


def _eps(default):
    return Param("eps", default, 0.0, 1.0, low_open=True, log=True, help="ε added to the denominator")


WEIGHT_DECAY = Param("weight_decay", 0.0, 0.0, 1e3, help="L2 penalty λ added to the gradient")


def zero_velocity(state):
    """Rules without a momentum buffer draw no velocity arrow."""
    return jnp.zeros(2)


# ---------------------------------------------------------------------------------------------------
# Adagrad (Duchi, Hazan & Singer 2011)


class AdagradState(NamedTuple):
    count: jnp.ndarray
    sum_of_squares: jnp.ndarray  # s, started at initial_accumulator_value on the first step


def _adagrad_init(xy):
    return AdagradState(count=jnp.zeros((), jnp.int32), sum_of_squares=jnp.zeros_like(xy))


def _adagrad_update(grad, state, xy, hp):
    step = state.count + 1
    g = grad + hp["weight_decay"] * xy
    clr = hp["lr"] / (1.0 + (step - 1) * hp["lr_decay"])
    # init(xy) cannot see hyperparameters, so the accumulator takes its starting value on the first step.
    s_old = jnp.where(state.count == 0, hp["initial_accumulator_value"], state.sum_of_squares)
    s = s_old + g * g
    delta = -clr * g / (jnp.sqrt(s) + hp["eps"])
    return delta, AdagradState(count=step, sum_of_squares=s)


ADAGRAD = Rule(
    name="adagrad",
    title="Adagrad",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1};\ "
        r"s_t=s_{t-1}+g_t^2\ (s_0=s_{\text{init}});\ "
        r"\tilde\eta_t=\frac{\eta}{1+(t-1)\,\delta};\ "
        r"\theta_t=\theta_{t-1}-\tilde\eta_t\,\frac{g_t}{\sqrt{s_t}+\epsilon}"
    ),
    params=(
        _lr(1e-2),
        Param("lr_decay", 0.0, 0.0, 1e3, help="δ: the rate is η/(1 + (t−1)δ)"),
        WEIGHT_DECAY,
        Param("initial_accumulator_value", 0.0, 0.0, 1e3, help="s_init, the sum of squares before any step"),
        _eps(1e-10),
    ),
    init=_adagrad_init,
    update=_adagrad_update,
    velocity=zero_velocity,
    torch_name="torch.optim.Adagrad",
    note=(
        "optax.adagrad starts the sum at 0.1 and puts ε inside the root, g/√(s+ε) with ε = 1e-7; torch starts "
        "at 0 and adds ε = 1e-10 outside, g/(√s+ε). Keras starts at 0.1 with ε = 1e-7 outside. The sum never "
        "shrinks, so the step only ever gets smaller."
    ),
)


# ---------------------------------------------------------------------------------------------------
# RMSprop (Hinton, Coursera lecture 6e, 2012; centred form: Graves 2013)


class RMSpropState(NamedTuple):
    count: jnp.ndarray
    square_avg: jnp.ndarray  # v
    grad_avg: jnp.ndarray  # m, used when centered
    momentum_buffer: jnp.ndarray  # b, used when momentum > 0


def _rmsprop_init(xy):
    zeros = jnp.zeros_like(xy)
    return RMSpropState(count=jnp.zeros((), jnp.int32), square_avg=zeros, grad_avg=zeros, momentum_buffer=zeros)


def _rmsprop_update(grad, state, xy, hp):
    lr, alpha, mu = hp["lr"], hp["alpha"], hp["momentum"]
    g = grad + hp["weight_decay"] * xy
    v = average_of_squares(state.square_avg, g, alpha)
    m = lerp(state.grad_avg, g, 1.0 - alpha)
    # Centred: divide by an estimate of the standard deviation of g rather than its root mean square.
    variance = jnp.where(hp["centered"] > 0.5, v - m * m, v)
    scaled = g / (jnp.sqrt(variance) + hp["eps"])
    b = mu * state.momentum_buffer + scaled
    with_momentum = mu > 0.0
    delta = jnp.where(with_momentum, -lr * b, -lr * scaled)
    # torch keeps a buffer (started at 0) only while momentum > 0; without momentum it stays untouched.
    b = jnp.where(with_momentum, b, state.momentum_buffer)
    return delta, RMSpropState(count=state.count + 1, square_avg=v, grad_avg=m, momentum_buffer=b)


RMSPROP = Rule(
    name="rmsprop",
    title="RMSprop",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1};\ "
        r"v_t=\alpha v_{t-1}+(1-\alpha)g_t^2;\ "
        r"\text{centered: }m_t=\alpha m_{t-1}+(1-\alpha)g_t,\ \tilde v_t=v_t-m_t^2\ \text{else}\ \tilde v_t=v_t;\ "
        r"b_t=\mu b_{t-1}+\frac{g_t}{\sqrt{\tilde v_t}+\epsilon}\ (b_0=0);\ "
        r"\theta_t=\theta_{t-1}-\eta\,b_t"
    ),
    params=(
        _lr(1e-2),
        Param("alpha", 0.99, 0.0, 1.0, high_open=True, help="smoothing constant α of the squared-gradient average"),
        _eps(1e-8),
        WEIGHT_DECAY,
        Param("momentum", 0.0, 0.0, 1.0, high_open=True, help="momentum μ applied to the scaled gradient"),
        Param("centered", False, kind="bool", help="divide by the gradient's variance estimate instead of its mean square"),
    ),
    init=_rmsprop_init,
    update=_rmsprop_update,
    velocity=lambda state: state.momentum_buffer,
    momentum_param="momentum",
    torch_name="torch.optim.RMSprop",
    note=(
        "No bias correction: v starts at 0, so the first steps are about η/√(1−α) = 10η long with α = 0.99. "
        "torch adds ε outside the root, √v + ε; optax.rmsprop puts it inside by default, √(v + ε) "
        "(eps_in_sqrt=True), and Keras defaults to α = ρ = 0.9, ε = 1e-7. torch's momentum acts on the already "
        "scaled gradient."
    ),
)


# ---------------------------------------------------------------------------------------------------
# Adadelta (Zeiler 2012)


class AdadeltaState(NamedTuple):
    count: jnp.ndarray
    square_avg: jnp.ndarray  # v, average of g²
    acc_delta: jnp.ndarray  # u, average of Δ²


def _adadelta_init(xy):
    zeros = jnp.zeros_like(xy)
    return AdadeltaState(count=jnp.zeros((), jnp.int32), square_avg=zeros, acc_delta=zeros)


def _adadelta_update(grad, state, xy, hp):
    rho, eps = hp["rho"], hp["eps"]
    g = grad + hp["weight_decay"] * xy
    v = average_of_squares(state.square_avg, g, rho)
    # The step's size comes from the root mean square of past steps: units of θ, not of g.
    step = jnp.sqrt(state.acc_delta + eps) / jnp.sqrt(v + eps) * g
    u = average_of_squares(state.acc_delta, step, rho)
    return -hp["lr"] * step, AdadeltaState(count=state.count + 1, square_avg=v, acc_delta=u)


ADADELTA = Rule(
    name="adadelta",
    title="Adadelta",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1};\ "
        r"v_t=\rho v_{t-1}+(1-\rho)g_t^2;\ "
        r"\Delta_t=\frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}}\,g_t;\ "
        r"u_t=\rho u_{t-1}+(1-\rho)\Delta_t^2;\ "
        r"\theta_t=\theta_{t-1}-\eta\,\Delta_t"
    ),
    params=(
        _lr(1.0),
        Param("rho", 0.9, 0.0, 1.0, help="decay ρ of both running averages"),
        _eps(1e-6),
        WEIGHT_DECAY,
    ),
    init=_adadelta_init,
    update=_adadelta_update,
    velocity=zero_velocity,
    torch_name="torch.optim.Adadelta",
    note=(
        "u starts at 0, so the first steps are about √ε/√(1−ρ) ≈ 3e-3 long whatever the gradient: Adadelta "
        "starts very slowly with ε = 1e-6. The paper has no η (η = 1, torch's default); Keras defaults to "
        "η = 1e-3, ρ = 0.95, ε = 1e-7."
    ),
)

RULES = (ADAGRAD, RMSPROP, ADADELTA)
