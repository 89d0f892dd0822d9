"""The learning-rate formulas: pure jnp functions of the step, each following its torch namesake.

Every function is fn(t, base_lr, sp) -> (lr, momentum):
  t        the 0-based update index, torch's `last_epoch` when the update runs (a scalar or an array);
  base_lr  the optimizer's lr (torch's `initial_lr`); onecycle and cyclic ignore it, as torch does;
  sp       name -> traced float (ints and bools as floats, choices as their index, lists padded with +inf).
momentum is NaN unless the schedule cycles momentum; then it replaces the rule's momentum (SGD) or beta1
(Adam family), as torch writes `group["momentum"]` / `group["betas"][0]`.

torch computes most schedules recursively (lr_t from lr_{t-1}); these are the closed forms, written with
torch's own operation order where torch has one, so the two agree to rounding (tests: 1e-12 relative).
No Python branch looks at a traced value: switching a mode is a jnp.where, so it never recompiles.
"""
from __future__ import annotations

import jax.numpy as jnp

NO_MOMENTUM = jnp.nan

# Enough restart boundaries for CosineAnnealingWarmRestarts with T_mult >= 2: the k-th restart is at
# T_0 (T_mult^k - 1) / (T_mult - 1) >= 2^k - 1, so 48 covers every t below 2^48.
_MAX_RESTARTS = 48


def _float(t):
    return jnp.asarray(t, dtype=jnp.result_type(float))


def constant(t, base_lr, sp):
    return base_lr * jnp.ones_like(_float(t)), NO_MOMENTUM


def step(t, base_lr, sp):
    """StepLR: lr gamma^floor(t / step_size)."""
    return base_lr * sp["gamma"] ** jnp.floor(t / sp["step_size"]), NO_MOMENTUM


def multistep(t, base_lr, sp):
    """MultiStepLR: lr gamma^(number of milestones <= t); padding (+inf) never counts."""
    passed = jnp.sum(_float(t)[..., None] >= sp["milestones"], axis=-1)
    return base_lr * sp["gamma"] ** passed, NO_MOMENTUM


def exponential(t, base_lr, sp):
    """ExponentialLR: lr gamma^t."""
    return base_lr * sp["gamma"] ** _float(t), NO_MOMENTUM


def cosine(t, base_lr, sp):
    """CosineAnnealingLR's closed form, which its recursion equals at every t, beyond T_max included
    (there the rate climbs back: the cosine is periodic with period 2 T_max)."""
    eta_min = sp["eta_min"]
    return eta_min + (base_lr - eta_min) * (1 + jnp.cos(jnp.pi * t / sp["T_max"])) / 2, NO_MOMENTUM


def cosine_restarts(t, base_lr, sp):
    """CosineAnnealingWarmRestarts: cosine over T_i steps, restarting with T_i <- T_i T_mult.

    The restart points are found by exact integer arithmetic in float64 (a cumulative sum of
    T_0 T_mult^k), not by torch's floating log for `step(epoch)`, which can land one cycle off.
    """
    t = _float(t)
    t_0, t_mult = sp["T_0"], sp["T_mult"]
    # T_mult = 1: restarts every T_0 steps.
    t_cur_fixed = t - t_0 * jnp.floor(t / t_0)
    # T_mult >= 2: cycle k lasts T_0 T_mult^k and starts at the sum of the ones before it.
    grow = jnp.maximum(t_mult, 2.0)  # keeps the unused branch finite when T_mult = 1
    lengths = t_0 * grow ** jnp.arange(_MAX_RESTARTS, dtype=t.dtype)
    starts = jnp.cumsum(lengths) - lengths
    cycle = jnp.sum(t[..., None] >= starts[1:], axis=-1)
    t_cur_grown = t - starts[cycle]
    t_i_grown = lengths[cycle]
    fixed = t_mult == 1
    t_cur = jnp.where(fixed, t_cur_fixed, t_cur_grown)
    t_i = jnp.where(fixed, t_0, t_i_grown)
    eta_min = sp["eta_min"]
    return eta_min + (base_lr - eta_min) * (1 + jnp.cos(jnp.pi * t_cur / t_i)) / 2, NO_MOMENTUM


def linear(t, base_lr, sp):
    """LinearLR: factor from start_factor to end_factor over total_iters steps, then held.

    torch's closed form, with the fraction taken first: min(t, T)/T is exactly 1 from T on, so a schedule
    that ends at 0 holds exactly 0 there (in torch's order, (end - start)·T/T, it could hold -1e-17)."""
    start, end, total = sp["start_factor"], sp["end_factor"], sp["total_iters"]
    return base_lr * (start + (end - start) * (jnp.minimum(total, t) / total)), NO_MOMENTUM


def polynomial(t, base_lr, sp):
    """PolynomialLR: lr (1 - min(t, total_iters)/total_iters)^power, then held (at 0 when power > 0)."""
    total = sp["total_iters"]
    return base_lr * (1.0 - jnp.minimum(total, t) / total) ** sp["power"], NO_MOMENTUM


def _anneal(start, end, pct, use_cos):
    """OneCycleLR's two annealing functions, with torch's operation order."""
    cos_out = jnp.cos(jnp.pi * pct) + 1
    return jnp.where(use_cos, end + (start - end) / 2.0 * cos_out, (end - start) * pct + start)


def onecycle(t, base_lr, sp):
    """OneCycleLR for t < total_steps; from total_steps on, the value at total_steps - 1 is held.

    torch lets last_epoch reach total_steps, extrapolating the last phase one step past its end (a
    negative rate with anneal_strategy="linear"), and raises beyond it. We hold the final value instead,
    so a run longer than total_steps keeps min_lr = max_lr / div_factor / final_div_factor.
    """
    t = jnp.minimum(_float(t), sp["total_steps"] - 1)
    total = sp["total_steps"]
    initial_lr = sp["max_lr"] / sp["div_factor"]
    max_lr = sp["max_lr"]
    min_lr = initial_lr / sp["final_div_factor"]
    base_m, max_m = sp["base_momentum"], sp["max_momentum"]
    use_cos = sp["anneal_strategy"] == 0
    three = sp["three_phase"] > 0.5

    end_1 = sp["pct_start"] * total - 1
    end_2 = jnp.where(three, 2 * sp["pct_start"] * total - 2, total - 1)
    end_3 = total - 1

    def phase(start_step, end_step, lr_from, lr_to, m_from, m_to):
        pct = (t - start_step) / (end_step - start_step)
        return _anneal(lr_from, lr_to, pct, use_cos), _anneal(m_from, m_to, pct, use_cos)

    lr_1, m_1 = phase(0.0, end_1, initial_lr, max_lr, max_m, base_m)
    # Two phases: the second anneals max -> min. Three: it returns max -> initial, and a third
    # anneals initial -> min with momentum held at max.
    lr_2, m_2 = phase(end_1, end_2, max_lr, jnp.where(three, initial_lr, min_lr), base_m, max_m)
    lr_3, m_3 = phase(end_2, end_3, initial_lr, min_lr, max_m, max_m)
    # torch takes the first phase whose end_step >= t, else the last one.
    in_1 = t <= end_1
    in_2 = (t <= end_2) | ~three
    lr = jnp.where(in_1, lr_1, jnp.where(in_2, lr_2, lr_3))
    momentum = jnp.where(in_1, m_1, jnp.where(in_2, m_2, m_3))
    return lr, jnp.where(sp["cycle_momentum"] > 0.5, momentum, NO_MOMENTUM)


def cyclic(t, base_lr, sp):
    """CyclicLR (Smith 2017): triangle waves between base_lr and max_lr, momentum in counter-phase."""
    t = _float(t)
    up = sp["step_size_up"]
    down = jnp.where(sp["step_size_down"] > 0, sp["step_size_down"], up)  # 0 means torch's None
    total_size = up + down
    step_ratio = up / total_size
    cycle = jnp.floor(1 + t / total_size)
    x = 1.0 + t / total_size - cycle
    scale_factor = jnp.where(x <= step_ratio, x / step_ratio, (x - 1) / (step_ratio - 1))
    mode = sp["mode"]  # 0 triangular, 1 triangular2, 2 exp_range
    scale = jnp.where(mode == 0, 1.0, jnp.where(mode == 1, 1 / (2.0 ** (cycle - 1)), sp["gamma"] ** t))
    lr = sp["base_lr"] + (sp["max_lr"] - sp["base_lr"]) * scale_factor * scale
    momentum = sp["max_momentum"] - (sp["max_momentum"] - sp["base_momentum"]) * scale_factor * scale
    return lr, jnp.where(sp["cycle_momentum"] > 0.5, momentum, NO_MOMENTUM)


def wsd(t, base_lr, sp):
    """Warmup-stable-decay: linear warmup, a constant plateau, a decay to final_factor, then held.

    With W = warmup_steps, S = stable_steps, D = decay_steps, f = final_factor and p = (t - W - S)/D:
      t < W           lr (t + 1)/W                (the same ramp as the run's warmup option)
      W <= t < W + S  lr
      then            lr (f + (1 - f) shape(min(p, 1))),
    shape(p) = 1 - p (linear), (1 + cos(pi p))/2 (cosine) or 1 - sqrt(p) (1-sqrt, Hägele et al. 2024).
    """
    t = _float(t)
    warm, stable, decay, final = sp["warmup_steps"], sp["stable_steps"], sp["decay_steps"], sp["final_factor"]
    p = jnp.clip((t - warm - stable) / decay, 0.0, 1.0)
    kind = sp["decay"]  # 0 linear, 1 cosine, 2 1-sqrt
    shape = jnp.where(kind == 0, 1 - p, jnp.where(kind == 1, (1 + jnp.cos(jnp.pi * p)) / 2, 1 - jnp.sqrt(p)))
    factor = jnp.where(t < warm, (t + 1) / jnp.maximum(warm, 1), jnp.where(t < warm + stable, 1.0,
                                                                          final + (1 - final) * shape))
    return base_lr * factor, NO_MOMENTUM


def inverse_sqrt(t, base_lr, sp):
    """Inverse square-root decay after a warmup of W = warmup_steps updates, peaking at lr when t + 1 = W.

    ramp="linear":   lr min((t + 1)/W, sqrt(W/(t + 1)))   Vaswani et al. 2017 eq. 3, rescaled so the peak is
                     lr (their d_model^-0.5 = lr sqrt(W)); fairseq's inverse_sqrt with warmup_init_lr = 0.
    ramp="constant": lr min(1, sqrt(W/(t + 1)))          T5 (Raffel et al. 2020): 1/sqrt(max(step, W)).
    W = 1 gives plain lr / sqrt(t + 1) either way.
    """
    s = _float(t) + 1
    warm = sp["warmup_steps"]
    decay = jnp.sqrt(warm / s)
    rise = jnp.where(sp["ramp"] == 0, s / warm, 1.0)
    return base_lr * jnp.minimum(rise, decay), NO_MOMENTUM
