"""Adam and its family (AdamW, NAdam, RAdam, Adamax): bias-corrected moment estimates, as torch.optim runs them.

All five share one first moment m (torch's exp_avg, the drawn velocity) and, except Adamax, one second
moment v (exp_avg_sq); weight decay is coupled (L2 in the gradient) or decoupled (AdamW) through
optimizers.moments.weight_decay. AdamW is Adam with the decoupled flag fixed on.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from optimizers.base import Rule
from optimizers.moments import average_of_squares, bias_correction, lerp, weight_decay
from optimizers.params import Param


def _lr(default):
    return Param("lr", default, 0.0, 1e3, low_open=True, log=True, help=f"learning rate η (torch's default {default:g})")


BETA1 = Param("beta1", 0.9, 0.0, 1.0, high_open=True, help="β₁, decay of the first moment m (torch's betas[0])")
BETA2 = Param("beta2", 0.999, 0.0, 1.0, high_open=True, help="β₂, decay of the second moment v (torch's betas[1])")
EPS = Param("eps", 1e-8, 0.0, 1.0, low_open=True, log=True, help="ε added to the denominator")
AMSGRAD = Param("amsgrad", False, kind="bool", help="divide by the largest v so far (Reddi, Kale & Kumar 2018)")
DECOUPLED = Param("decoupled_weight_decay", False, kind="bool",
                  help="shrink θ by ηλ instead of adding λθ to the gradient (AdamW)")


def _weight_decay_param(default):
    return Param("weight_decay", default, 0.0, 1e3, help="weight decay λ")


class AdamState(NamedTuple):
    count: jnp.ndarray  # t, updates taken so far
    exp_avg: jnp.ndarray  # m
    exp_avg_sq: jnp.ndarray  # v
    max_exp_avg_sq: jnp.ndarray  # the largest v so far (AMSGrad)


def _adam_init(xy):
    zeros = jnp.zeros_like(xy)
    return AdamState(count=jnp.zeros((), jnp.int32), exp_avg=zeros, exp_avg_sq=zeros, max_exp_avg_sq=zeros)


def _moments(g, exp_avg, exp_avg_sq, hp):
    """m ← β₁m + (1−β₁)g and v ← β₂v + (1−β₂)g², as torch updates exp_avg and exp_avg_sq."""
    return lerp(exp_avg, g, 1.0 - hp["beta1"]), average_of_squares(exp_avg_sq, g, hp["beta2"])


def _adam_update(grad, state, xy, hp):
    lr, step = hp["lr"], state.count + 1
    g, shrink = weight_decay(grad, xy, lr, hp["weight_decay"], hp["decoupled_weight_decay"])
    m, v = _moments(g, state.exp_avg, state.exp_avg_sq, hp)
    v_max = jnp.maximum(state.max_exp_avg_sq, v)
    v_used = jnp.where(hp["amsgrad"] > 0.5, v_max, v)
    # torch's order of operations: ε is added after the second moment's bias correction.
    denom = jnp.sqrt(v_used) / jnp.sqrt(bias_correction(hp["beta2"], step)) + hp["eps"]
    step_size = lr / bias_correction(hp["beta1"], step)
    delta = shrink - step_size * m / denom
    return delta, AdamState(count=step, exp_avg=m, exp_avg_sq=v, max_exp_avg_sq=v_max)


_ADAM_LATEX = (
    r"\text{L2: }g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1}\ \big|\ "
    r"\text{decoupled: }g_t=\nabla f(\theta_{t-1}),\ \theta_{t-1}\leftarrow\theta_{t-1}(1-\eta\lambda);\ "
    r"m_t=\beta_1m_{t-1}+(1-\beta_1)g_t;\ v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2;\ "
    r"\text{amsgrad: }v_t\leftarrow\max(v_{t-1}^{\max},v_t);\ "
    r"\theta_t=\theta_{t-1}-\frac{\eta}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t}+\epsilon}"
)

_EPSILON_NOTE = (
    "torch and optax add ε after bias correction, √v̂ + ε; TensorFlow/Keras fold the correction into the "
    "rate and add ε to the raw √v (ε̂ = ε√(1−β₂ᵗ) in torch's terms, the paper's 'epsilon hat'), with "
    "ε = 1e-7 by default. The difference shows only when √v is near ε."
)

ADAM = Rule(
    name="adam",
    title="Adam",
    latex=_ADAM_LATEX,
    params=(_lr(1e-3), BETA1, BETA2, EPS, _weight_decay_param(0.0), AMSGRAD, DECOUPLED),
    init=_adam_init,
    update=_adam_update,
    velocity=lambda state: state.exp_avg,
    momentum_param="beta1",
    torch_name="torch.optim.Adam",
    note=(
        _EPSILON_NOTE + " torch's weight_decay on Adam is an L2 term that then passes through 1/√v̂, so "
        "steep coordinates are barely decayed; decoupled_weight_decay=True is AdamW. optax.amsgrad takes the "
        "maximum of the bias-corrected v̂, torch of the raw v, so the two differ while 1−β₂ᵗ grows."
    ),
)


def _adamw_update(grad, state, xy, hp):
    return _adam_update(grad, state, xy, dict(hp, decoupled_weight_decay=1.0))


ADAMW = Rule(
    name="adamw",
    title="AdamW",
    latex=(
        r"\theta_{t-1}\leftarrow\theta_{t-1}(1-\eta\lambda);\ g_t=\nabla f(\theta_{t-1});\ "
        r"m_t=\beta_1m_{t-1}+(1-\beta_1)g_t;\ v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2;\ "
        r"\text{amsgrad: }v_t\leftarrow\max(v_{t-1}^{\max},v_t);\ "
        r"\theta_t=\theta_{t-1}-\frac{\eta}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t}+\epsilon}"
    ),
    params=(_lr(1e-3), BETA1, BETA2, EPS, _weight_decay_param(1e-2), AMSGRAD),
    init=_adam_init,
    update=_adamw_update,
    velocity=lambda state: state.exp_avg,
    momentum_param="beta1",
    torch_name="torch.optim.AdamW",
    note=(
        "Decay is scaled by the learning rate, θ(1 − ηλ), in torch and optax; Loshchilov & Hutter's paper "
        "multiplies λ by a separate schedule factor instead, so torch's λ = 1e-2 at η = 1e-3 shrinks θ by only "
        "1e-5 per step. The decay never passes through 1/√v̂, unlike Adam's weight_decay. " + _EPSILON_NOTE
    ),
)


# ---------------------------------------------------------------------------------------------------
# NAdam (Dozat 2016): Nesterov momentum inside Adam, with a warming momentum schedule μ_t


class NAdamState(NamedTuple):
    count: jnp.ndarray
    mu_product: jnp.ndarray  # Π μ_i over the steps taken
    exp_avg: jnp.ndarray
    exp_avg_sq: jnp.ndarray


def _nadam_init(xy):
    zeros = jnp.zeros_like(xy)
    return NAdamState(count=jnp.zeros((), jnp.int32), mu_product=jnp.ones(()), exp_avg=zeros, exp_avg_sq=zeros)


def _nadam_momentum(beta1, step, momentum_decay):
    """μ_t = β₁(1 − ½·0.96^{tψ}): starts near β₁/2 and rises to β₁ (Dozat's schedule)."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))


def _nadam_update(grad, state, xy, hp):
    lr, beta1, step = hp["lr"], hp["beta1"], state.count + 1
    g, shrink = weight_decay(grad, xy, lr, hp["weight_decay"], hp["decoupled_weight_decay"])
    mu = _nadam_momentum(beta1, step, hp["momentum_decay"])
    mu_next = _nadam_momentum(beta1, step + 1, hp["momentum_decay"])
    mu_product = state.mu_product * mu
    m, v = _moments(g, state.exp_avg, state.exp_avg_sq, hp)
    denom = jnp.sqrt(v / bias_correction(hp["beta2"], step)) + hp["eps"]
    # Nesterov: the current gradient with this step's momentum, the average with next step's.
    from_gradient = (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
    from_average = (-lr * mu_next / (1.0 - mu_product * mu_next)) * m / denom
    delta = shrink + from_gradient + from_average
    return delta, NAdamState(count=step, mu_product=mu_product, exp_avg=m, exp_avg_sq=v)


NADAM = Rule(
    name="nadam",
    title="NAdam",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1}\ (\text{or decoupled});\ "
        r"\mu_t=\beta_1\left(1-\tfrac12\,0.96^{t\psi}\right);\ \Pi_t=\prod_{i\le t}\mu_i;\ "
        r"m_t=\beta_1m_{t-1}+(1-\beta_1)g_t;\ v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2;\ "
        r"d_t=\sqrt{v_t/(1-\beta_2^t)}+\epsilon;\ "
        r"\theta_t=\theta_{t-1}-\eta\,\frac{1-\mu_t}{1-\Pi_t}\,\frac{g_t}{d_t}"
        r"-\eta\,\frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\,\frac{m_t}{d_t}"
    ),
    params=(_lr(2e-3), BETA1, BETA2, EPS, _weight_decay_param(0.0),
            Param("momentum_decay", 4e-3, 0.0, 1.0, log=True, help="ψ in the momentum schedule μ_t"),
            DECOUPLED),
    init=_nadam_init,
    update=_nadam_update,
    velocity=lambda state: state.exp_avg,
    momentum_param="beta1",
    torch_name="torch.optim.NAdam",
    note=(
        "torch follows Dozat's paper, momentum schedule μ_t included (ψ = momentum_decay); optax.nadam uses a "
        "constant β₁ with Adam's bias correction instead, so the two trace different paths. "
        "decoupled_weight_decay=True gives NAdamW."
    ),
)


# ---------------------------------------------------------------------------------------------------
# RAdam (Liu et al. 2020): switch the adaptive step on once the variance of v̂ is tractable


class RAdamState(NamedTuple):
    count: jnp.ndarray
    exp_avg: jnp.ndarray
    exp_avg_sq: jnp.ndarray


def _radam_init(xy):
    zeros = jnp.zeros_like(xy)
    return RAdamState(count=jnp.zeros((), jnp.int32), exp_avg=zeros, exp_avg_sq=zeros)


RADAM_THRESHOLD = 5.0  # torch: the adaptive step is used while rho_t > 5


def radam_rho(beta2, step):
    """ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ), the length of the simple moving average that v̂ approximates."""
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    return rho_inf, rho_inf - 2.0 * step * beta2**step / bias_correction(beta2, step)


def _radam_update(grad, state, xy, hp):
    lr, beta2, step = hp["lr"], hp["beta2"], state.count + 1
    g, shrink = weight_decay(grad, xy, lr, hp["weight_decay"], hp["decoupled_weight_decay"])
    m, v = _moments(g, state.exp_avg, state.exp_avg_sq, hp)
    m_hat = m / bias_correction(hp["beta1"], step)
    rho_inf, rho_t = radam_rho(beta2, step)
    # The clamp only guards the branch that jnp.where discards (rho_t <= 5 makes the ratio negative).
    ratio = (rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)
    rect = jnp.sqrt(jnp.maximum(ratio, 0.0))
    adaptive = jnp.sqrt(bias_correction(beta2, step)) / (jnp.sqrt(v) + hp["eps"])
    rectified = m_hat * lr * adaptive * rect
    delta = shrink - jnp.where(rho_t > RADAM_THRESHOLD, rectified, m_hat * lr)
    return delta, RAdamState(count=step, exp_avg=m, exp_avg_sq=v)


RADAM = Rule(
    name="radam",
    title="RAdam",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1}\ (\text{or decoupled});\ "
        r"m_t=\beta_1m_{t-1}+(1-\beta_1)g_t;\ v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2;\ "
        r"\hat m_t=\frac{m_t}{1-\beta_1^t};\ \rho_\infty=\frac{2}{1-\beta_2}-1;\ "
        r"\rho_t=\rho_\infty-\frac{2t\beta_2^t}{1-\beta_2^t};\ "
        r"r_t=\sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}};\ "
        r"\theta_t=\theta_{t-1}-\eta\,\hat m_t\cdot\begin{cases}r_t\,\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}"
        r"&\rho_t>5\\1&\text{otherwise}\end{cases}"
    ),
    params=(_lr(1e-3), BETA1, BETA2, EPS, _weight_decay_param(0.0), DECOUPLED),
    init=_radam_init,
    update=_radam_update,
    velocity=lambda state: state.exp_avg,
    momentum_param="beta1",
    torch_name="torch.optim.RAdam",
    note=(
        "While ρ_t ≤ 5 (the first 5 steps with β₂ = 0.999) RAdam takes plain momentum steps η·m̂, whose size "
        "scales with the gradient. torch adds ε to the raw √v (optax to √v̂) and switches at ρ_t > 5 "
        "(optax at ρ_t ≥ 5)."
    ),
)


# ---------------------------------------------------------------------------------------------------
# Adamax (Kingma & Ba 2015, section 7.1): the infinity norm in place of the second moment


class AdamaxState(NamedTuple):
    count: jnp.ndarray
    exp_avg: jnp.ndarray  # m
    exp_inf: jnp.ndarray  # u, a decaying maximum of |g|


def _adamax_init(xy):
    zeros = jnp.zeros_like(xy)
    return AdamaxState(count=jnp.zeros((), jnp.int32), exp_avg=zeros, exp_inf=zeros)


def _adamax_update(grad, state, xy, hp):
    step = state.count + 1
    g = grad + hp["weight_decay"] * xy
    m = lerp(state.exp_avg, g, 1.0 - hp["beta1"])
    u = jnp.maximum(state.exp_inf * hp["beta2"], jnp.abs(g) + hp["eps"])
    delta = -(hp["lr"] / bias_correction(hp["beta1"], step)) * m / u
    return delta, AdamaxState(count=step, exp_avg=m, exp_inf=u)


ADAMAX = Rule(
    name="adamax",
    title="Adamax",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1};\ m_t=\beta_1m_{t-1}+(1-\beta_1)g_t;\ "
        r"u_t=\max(\beta_2u_{t-1},\,|g_t|+\epsilon);\ "
        r"\theta_t=\theta_{t-1}-\frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}"
    ),
    params=(_lr(2e-3), BETA1, BETA2, EPS, _weight_decay_param(0.0)),
    init=_adamax_init,
    update=_adamax_update,
    velocity=lambda state: state.exp_avg,
    momentum_param="beta1",
    torch_name="torch.optim.Adamax",
    note=(
        "u needs no bias correction: a decaying maximum is not pulled towards its zero start. torch and optax "
        "add ε to |g| inside the maximum; the paper has no ε."
    ),
)

RULES = (ADAM, ADAMW, NADAM, RADAM, ADAMAX)
