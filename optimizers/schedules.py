"""Learning-rate schedules as pure functions of the step, following torch.optim.lr_scheduler."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax.numpy as jnp

from optimizers.params import Param, suggest

# fn(t, base_lr, sp) -> (lr, momentum): t is the 0-based update index (torch's last_epoch when the
# update runs), base_lr the optimizer's lr, sp a dict name -> traced scalar (lists arrive padded with inf).
# momentum is NaN unless the schedule cycles momentum (onecycle, cyclic), in which case it replaces the
# rule's momentum (SGD, RMSprop) or beta1 (Adam family), as torch does.


@dataclass(frozen=True)
class Schedule:
    name: str
    title: str
    latex: str
    params: tuple[Param, ...]
    fn: Callable[..., Any]
    torch_code: str  # a template formatted with the parameter values, e.g. "StepLR(opt, step_size={step_size})"
    note: str = ""


NO_MOMENTUM = jnp.nan


def _constant(t, base_lr, sp):
    return base_lr * jnp.ones_like(t, dtype=jnp.result_type(float)), NO_MOMENTUM


def _step(t, base_lr, sp):
    return base_lr * sp["gamma"] ** jnp.floor(t / sp["step_size"]), NO_MOMENTUM


SCHEDULES_LIST = [
    Schedule(
        name="constant",
        title="Constant",
        latex=r"\eta_t=\eta",
        params=(),
        fn=_constant,
        torch_code="# no scheduler: the optimizer's lr throughout",
    ),
    Schedule(
        name="step",
        title="Step decay",
        latex=r"\eta_t=\eta\,\gamma^{\lfloor t/s\rfloor}",
        params=(Param("step_size", 30, 1, 100000, kind="int"), Param("gamma", 0.1, 0.0, 1.0, low_open=True)),
        fn=_step,
        torch_code="torch.optim.lr_scheduler.StepLR(opt, step_size={step_size}, gamma={gamma})",
    ),
]

SCHEDULES: dict[str, Schedule] = {s.name: s for s in SCHEDULES_LIST}


def get_schedule(name: str) -> Schedule:
    try:
        return SCHEDULES[name]
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}{suggest(name, SCHEDULES)}") from None


def with_warmup(schedule_fn, t, base_lr, sp, warmup):
    """Linear warmup over `warmup` steps, then the schedule from its own step 0.

    lr_t = base_lr (t+1)/W for t < W, else schedule(t - W): torch's
    SequentialLR([LinearLR(opt, start_factor=1/W, total_iters=W-1), sched], milestones=[W]).
    warmup = 0 means none.
    """
    after_lr, momentum = schedule_fn(jnp.maximum(t - warmup, 0), base_lr, sp)
    warm_lr = base_lr * (t + 1) / jnp.maximum(warmup, 1)
    in_warmup = t < warmup
    return jnp.where(in_warmup, warm_lr, after_lr), momentum
