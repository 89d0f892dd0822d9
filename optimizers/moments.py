"""Running averages and weight decay shared by the adaptive rules, computed as torch.optim computes them."""
from __future__ import annotations

import jax.numpy as jnp


def lerp(start, end, weight):
    """start + weight (end - start), as torch.lerp_ evaluates it.

    torch switches formula at weight 0.5 to stay accurate near both ends; using the same two formulas keeps
    our first moments equal to torch's to the last bit rather than to a few ulps.
    """
    small = jnp.abs(weight) < 0.5
    return jnp.where(small, start + weight * (end - start), end - (end - start) * (1.0 - weight))


def average_of_squares(average, grad, decay):
    """decay·a + (1 − decay)·g², torch's `a.mul_(decay).addcmul_(g, g, value=1 - decay)`."""
    return average * decay + (1.0 - decay) * (grad * grad)


def weight_decay(grad, xy, lr, decay, decoupled):
    """(gradient to use, shrink step) for weight decay λ.

    Coupled (L2, torch's default): g + λθ goes into the moments and is rescaled by them.
    Decoupled (AdamW, Loshchilov & Hutter 2019): θ ← θ(1 − ηλ) before the step, untouched by the moments;
    torch multiplies λ by the learning rate η, so the decay follows any schedule (optax does the same,
    the paper's formulation uses a separate multiplier). `decoupled` is traced as 0.0/1.0.
    """
    coupled = decoupled < 0.5
    grad_used = jnp.where(coupled, grad + decay * xy, grad)
    shrink = jnp.where(coupled, 0.0, -lr * decay * xy)
    return grad_used, shrink


def bias_correction(beta, step):
    """1 − β^t: how much of an average started at zero is real after t updates."""
    return 1.0 - beta**step
