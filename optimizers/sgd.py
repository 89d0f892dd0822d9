"""SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD runs it,
plus the two other momentum conventions textbooks use."""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from optimizers.base import Rule
from optimizers.params import Param

CONVENTIONS = ("torch", "classic", "averaging")


class SGDState(NamedTuple):
    count: jnp.ndarray  # updates taken so far
    velocity: jnp.ndarray  # the momentum buffer v
    # torch creates its buffer (as g) at the first step taken with momentum != 0, which is not the first
    # step when a cycling schedule starts the momentum at 0; 1.0 once that has happened.
    buffered: jnp.ndarray


def _init(xy):
    return SGDState(count=jnp.zeros((), jnp.int32), velocity=jnp.zeros_like(xy), buffered=jnp.zeros(()))


def _update(grad, state, xy, hp):
    lr, mu, tau = hp["lr"], hp["momentum"], hp["dampening"]
    g = grad + hp["weight_decay"] * xy
    first = state.buffered < 0.5
    v_old = state.velocity
    convention = hp["convention"]
    # torch: the buffer starts as g on the first step (no dampening), then v = mu v + (1 - tau) g.
    v_torch = jnp.where(first, g, mu * v_old + (1.0 - tau) * g)
    # classic: v = mu v + lr g, theta -= v.   averaging: v = beta v + (1 - beta) g, theta -= lr v (v0 = 0).
    v_classic = mu * v_old + lr * g
    v_average = mu * v_old + (1.0 - mu) * g
    v = jnp.where(convention == 0, v_torch, jnp.where(convention == 1, v_classic, v_average))
    # Nesterov looks ahead along v; g is first put in v's units so the conventions stay equivalent.
    g_in_v_units = g * jnp.where(convention == 1, lr, jnp.where(convention == 2, 1.0 - mu, 1.0))
    direction = jnp.where(hp["nesterov"] > 0.5, g_in_v_units + mu * v, v)
    step = jnp.where(convention == 1, direction, lr * direction)
    no_momentum = mu == 0.0
    delta = jnp.where(no_momentum, -lr * g, -step)
    # Without momentum torch neither reads nor writes its buffer.
    v = jnp.where(no_momentum, v_old, v)
    buffered = jnp.where(no_momentum, state.buffered, 1.0)
    return delta, SGDState(count=state.count + 1, velocity=v, buffered=buffered)


def _check(values):
    if values["nesterov"] and (values["momentum"] <= 0 or values["dampening"] != 0):
        raise ValueError("nesterov needs momentum > 0 and dampening = 0 (as torch.optim.SGD requires)")


SGD = Rule(
    name="sgd",
    title="SGD (momentum, Nesterov)",
    latex=(
        r"g_t=\nabla f(\theta_{t-1})+\lambda\theta_{t-1};\ "
        r"v_t=\mu v_{t-1}+(1-\tau)g_t\ (v_1=g_1);\ "
        r"\theta_t=\theta_{t-1}-\eta\,(\text{nesterov}\ ?\ g_t+\mu v_t : v_t)"
    ),
    params=(
        Param("lr", 1e-3, 0.0, 1e3, low_open=True, log=True, help="learning rate η (torch.optim.SGD's default 1e-3)"),
        Param("momentum", 0.0, 0.0, 1.0, high_open=True, help="momentum factor μ"),
        Param("dampening", 0.0, 0.0, 1.0, help="dampening τ for momentum (torch convention only)"),
        Param("weight_decay", 0.0, 0.0, 1e3, help="L2 penalty λ added to the gradient"),
        Param("nesterov", False, kind="bool", help="Nesterov momentum (needs momentum > 0, dampening = 0)"),
        Param("convention", "torch", kind="choice", choices=CONVENTIONS,
              help="torch: v=μv+g, θ-=ηv · classic: v=μv+ηg, θ-=v · averaging: v=βv+(1-β)g, θ-=ηv"),
    ),
    init=_init,
    update=_update,
    velocity=lambda state: state.velocity,
    momentum_param="momentum",
    torch_name="torch.optim.SGD",
    check=_check,
    note=(
        "torch starts its buffer at g (v₁ = g₁), so dampening is skipped on the first step; textbooks and "
        "optax start at v₀ = 0, which for torch's v = μv + g gives the same v₁. The three conventions trace "
        "one path when lr_classic = lr_torch (constant rate) and lr_averaging = lr_torch/(1−β); classic and "
        "averaging ignore dampening. TensorFlow's SGD momentum is the classic form (v = μv − ηg), so a "
        "schedule that changes η acts on the next step in torch but only through v in TensorFlow."
    ),
)

RULES = (SGD,)
