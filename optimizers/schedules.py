"""Learning-rate schedules as validated records around pure functions of the step, following torch.optim.lr_scheduler."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from optimizers import schedule_fns as fns
from optimizers.params import Param, resolve, suggest, traced

# fn(t, base_lr, sp) -> (lr, momentum): t is the 0-based update index (torch's last_epoch when the
# update runs), base_lr the optimizer's lr, sp a dict name -> traced scalar (lists arrive padded with inf).
# momentum is NaN unless the schedule cycles momentum (onecycle, cyclic), in which case it replaces the
# rule's momentum (SGD, RMSprop) or beta1 (Adam family), as torch does.

NO_MOMENTUM = fns.NO_MOMENTUM
TORCH = "torch.optim.lr_scheduler."


@dataclass(frozen=True)
class Schedule:
    name: str
    title: str
    latex: str
    params: tuple[Param, ...]
    fn: Callable[..., Any]
    # One line of torch making the same schedule: a template formatted with the parameter values as
    # Python literals (e.g. "StepLR(opt, step_size={step_size})"), or a function of those literals.
    torch_code: str | Callable[[dict], str]
    note: str = ""
    check: Callable[[dict], None] | None = None  # cross-parameter validation; raises ValueError
    # The rate a linear warmup climbs to: the optimizer's lr, except where torch's scheduler rewrites
    # group["initial_lr"] (OneCycleLR sets it to max_lr / div_factor).
    warmup_peak: Callable[[Any, dict], Any] | None = None


def _check_milestones(values):
    if any(m != int(m) for m in values["milestones"]):
        raise ValueError(f"milestones: must be whole step numbers, got {values['milestones']}")


def _check_onecycle(values):
    # torch divides by the length of a phase; pct_start * total_steps = 1 makes the first one empty.
    if float(values["pct_start"] * values["total_steps"]) - 1 == 0:
        raise ValueError("onecycle: pct_start × total_steps = 1 leaves the warm-up phase empty "
                         "(torch divides by zero); change pct_start or total_steps")


def _cyclic_code(v):
    down = "None" if v["step_size_down"] == "0" else v["step_size_down"]
    return (TORCH + f"CyclicLR(opt, base_lr={v['base_lr']}, max_lr={v['max_lr']}, "
            f"step_size_up={v['step_size_up']}, step_size_down={down}, mode={v['mode']}, gamma={v['gamma']}, "
            f"cycle_momentum={v['cycle_momentum']}, base_momentum={v['base_momentum']}, "
            f"max_momentum={v['max_momentum']})")


def _wsd_code(v):
    w, s, d, f = v["warmup_steps"], v["stable_steps"], v["decay_steps"], v["final_factor"]
    p = f"min(1.0, (s - {w} - {s}) / {d})"
    shape = {"'linear'": f"(1 - {p})", "'cosine'": f"(1 + math.cos(math.pi * {p})) / 2",
             "'1-sqrt'": f"(1 - math.sqrt({p}))"}[v["decay"]]
    return (TORCH + f"LambdaLR(opt, lambda s: (s + 1) / {w} if s < {w} else 1.0 if s < {w} + {s} "
            f"else {f} + (1 - {f}) * {shape})")


def _inverse_sqrt_code(v):
    w = v["warmup_steps"]
    rise = f"(s + 1) / {w}" if v["ramp"] == "'linear'" else "1.0"
    return TORCH + f"LambdaLR(opt, lambda s: min({rise}, ({w} / (s + 1)) ** 0.5))"


_CYCLE_MOMENTUM_NOTE = (
    "The returned momentum replaces SGD's momentum (Adam's beta1) at every step, as torch writes "
    "group['momentum'] / group['betas'][0]; cycle_momentum=false leaves the optimizer's own."
)

SCHEDULES_LIST = [
    Schedule(
        name="constant",
        title="Constant",
        latex=r"\eta_t=\eta",
        params=(),
        fn=fns.constant,
        torch_code="None  # no scheduler: the optimizer's lr throughout",
    ),
    Schedule(
        name="step",
        title="Step decay",
        latex=r"\eta_t=\eta\,\gamma^{\lfloor t/s\rfloor}",
        params=(Param("step_size", 30, 1, 100000, kind="int", help="steps between decays s"),
                Param("gamma", 0.1, 0.0, 1.0, low_open=True, help="factor γ applied every step_size steps")),
        fn=fns.step,
        torch_code=TORCH + "StepLR(opt, step_size={step_size}, gamma={gamma})",
    ),
    Schedule(
        name="multistep",
        title="Multi-step decay",
        latex=r"\eta_t=\eta\,\gamma^{\#\{m_i\le t\}}",
        params=(Param("milestones", (50.0, 75.0), 0, 100000, kind="list",
                      help="steps at which the rate is multiplied by γ (increasing, whole numbers)"),
                Param("gamma", 0.1, 0.0, 1.0, low_open=True, help="factor γ at each milestone")),
        fn=fns.multistep,
        torch_code=TORCH + "MultiStepLR(opt, milestones={milestones}, gamma={gamma})",
        note="A milestone repeated k times multiplies by γ^k there, as torch's Counter does.",
        check=_check_milestones,
    ),
    Schedule(
        name="exponential",
        title="Exponential decay",
        latex=r"\eta_t=\eta\,\gamma^{t}",
        params=(Param("gamma", 0.97, 0.0, 2.0, low_open=True,
                      help="factor γ per step (γ > 1 grows: the learning-rate range test)"),),
        fn=fns.exponential,
        torch_code=TORCH + "ExponentialLR(opt, gamma={gamma})",
    ),
    Schedule(
        name="cosine",
        title="Cosine annealing",
        latex=r"\eta_t=\eta_{\min}+\tfrac12(\eta-\eta_{\min})\left(1+\cos\frac{\pi t}{T_{\max}}\right)",
        params=(Param("T_max", 100, 1, 100000, kind="int", help="steps from η down to η_min"),
                Param("eta_min", 0.0, 0.0, 1e3, help="lowest rate η_min")),
        fn=fns.cosine,
        torch_code=TORCH + "CosineAnnealingLR(opt, T_max={T_max}, eta_min={eta_min})",
        note=("torch updates this one recursively, η_t from η_{t-1}; the recursion equals the closed form "
              "shown at every step, so past T_max the rate climbs back up (period 2 T_max) in both. "
              "It does not restart: that is cosine_restarts."),
    ),
    Schedule(
        name="cosine_restarts",
        title="Cosine with warm restarts (SGDR)",
        latex=(r"\eta_t=\eta_{\min}+\tfrac12(\eta-\eta_{\min})\left(1+\cos\frac{\pi T_{cur}}{T_i}\right),\ "
               r"T_i=T_0T_{mult}^{i}"),
        params=(Param("T_0", 25, 1, 100000, kind="int", help="length of the first cycle"),
                Param("T_mult", 1, 1, 10, kind="int", help="each cycle is T_mult times longer than the last"),
                Param("eta_min", 0.0, 0.0, 1e3, help="lowest rate η_min")),
        fn=fns.cosine_restarts,
        torch_code=TORCH + "CosineAnnealingWarmRestarts(opt, T_0={T_0}, T_mult={T_mult}, eta_min={eta_min})",
        note="Loshchilov & Hutter 2017 (SGDR). The rate jumps back to η at each restart.",
    ),
    Schedule(
        name="linear",
        title="Linear",
        latex=(r"\eta_t=\eta\left(f_s+(f_e-f_s)\frac{\min(t,T)}{T}\right)"),
        params=(Param("start_factor", 1 / 3, 0.0, 1.0, low_open=True, help="factor f_s at step 0"),
                Param("end_factor", 1.0, 0.0, 1.0, help="factor f_e from step total_iters on"),
                Param("total_iters", 100, 1, 100000, kind="int", help="steps T to go from f_s to f_e")),
        fn=fns.linear,
        torch_code=(TORCH + "LinearLR(opt, start_factor={start_factor}, end_factor={end_factor}, "
                    "total_iters={total_iters})"),
        note="torch's default total_iters is 5; 100 here so the change shows over a default run.",
    ),
    Schedule(
        name="polynomial",
        title="Polynomial decay",
        latex=r"\eta_t=\eta\left(1-\frac{\min(t,T)}{T}\right)^{p}",
        params=(Param("total_iters", 100, 1, 100000, kind="int", help="steps T to reach 0"),
                Param("power", 1.0, 0.0, 10.0, help="power p (1 = linear to zero)")),
        fn=fns.polynomial,
        torch_code=TORCH + "PolynomialLR(opt, total_iters={total_iters}, power={power})",
        note="torch's default total_iters is 5; 100 here. The rate stays at 0 after total_iters (p > 0).",
    ),
    Schedule(
        name="onecycle",
        title="One-cycle",
        latex=(r"\eta:\ \tfrac{\eta_{\max}}{d}\nearrow\eta_{\max}\searrow\tfrac{\eta_{\max}}{d\,d_f},\quad "
               r"\mu:\ \mu_{\max}\searrow\mu_{base}\nearrow\mu_{\max}"),
        params=(
            Param("max_lr", 0.1, 0.0, 1e3, low_open=True, log=True, help="peak rate (the optimizer's lr is ignored)"),
            Param("total_steps", 100, 1, 100000, kind="int", help="length of the cycle in updates"),
            Param("pct_start", 0.3, 0.0, 1.0, low_open=True, high_open=True,
                  help="fraction of the cycle spent increasing the rate"),
            Param("anneal_strategy", "cos", kind="choice", choices=("cos", "linear"), help="shape of each phase"),
            Param("div_factor", 25.0, 1.0, 1e6, help="starting rate = max_lr / div_factor"),
            Param("final_div_factor", 1e4, 1.0, 1e9,
                  help="final rate = max_lr / div_factor / final_div_factor"),
            Param("three_phase", False, kind="bool", help="come back to the starting rate before the final decay"),
            Param("cycle_momentum", True, kind="bool", help="cycle momentum (beta1) opposite to the rate"),
            Param("base_momentum", 0.85, 0.0, 1.0, high_open=True, help="momentum at the peak rate"),
            Param("max_momentum", 0.95, 0.0, 1.0, high_open=True, help="momentum at the start and end"),
        ),
        fn=fns.onecycle,
        torch_code=(TORCH + "OneCycleLR(opt, max_lr={max_lr}, total_steps={total_steps}, pct_start={pct_start}, "
                    "anneal_strategy={anneal_strategy}, cycle_momentum={cycle_momentum}, "
                    "base_momentum={base_momentum}, max_momentum={max_momentum}, div_factor={div_factor}, "
                    "final_div_factor={final_div_factor}, three_phase={three_phase})"),
        note=("Smith & Topin 2019. Ignores the optimizer's lr: it starts at max_lr/div_factor. A warmup climbs to "
              "that starting rate, as torch's SequentialLR does (OneCycleLR rewrites initial_lr). torch raises "
              "once stepped past total_steps (and at total_steps itself extrapolates past the end); from "
              "total_steps on we hold the final rate and momentum. " + _CYCLE_MOMENTUM_NOTE),
        check=_check_onecycle,
        warmup_peak=lambda base_lr, sp: sp["max_lr"] / sp["div_factor"],
    ),
    Schedule(
        name="cyclic",
        title="Cyclic (triangular)",
        latex=(r"\eta_t=\eta_{base}+(\eta_{\max}-\eta_{base})\,h(t)\,s(t),\quad "
               r"\mu_t=\mu_{\max}-(\mu_{\max}-\mu_{base})\,h(t)\,s(t)"),
        params=(
            Param("base_lr", 1e-3, 0.0, 1e3, log=True, help="lower rate (the optimizer's lr is ignored)"),
            Param("max_lr", 1e-2, 0.0, 1e3, log=True, help="upper rate"),
            Param("step_size_up", 25, 1, 100000, kind="int", help="steps rising (torch's default: 2000)"),
            Param("step_size_down", 0, 0, 100000, kind="int", help="steps falling (0 = step_size_up, torch's None)"),
            Param("mode", "triangular", kind="choice", choices=("triangular", "triangular2", "exp_range"),
                  help="amplitude: constant, halved each cycle, or scaled by γ^t"),
            Param("gamma", 1.0, 0.0, 1.0, low_open=True, help="γ for exp_range"),
            Param("cycle_momentum", True, kind="bool", help="cycle momentum opposite to the rate (torch's default: on)"),
            Param("base_momentum", 0.8, 0.0, 1.0, high_open=True, help="momentum at the peak rate"),
            Param("max_momentum", 0.9, 0.0, 1.0, high_open=True, help="momentum at the lowest rate"),
        ),
        fn=fns.cyclic,
        torch_code=_cyclic_code,
        note=("Smith 2017. h(t) is the triangle wave 0→1→0, s(t) = 1, 1/2^(cycle−1) or γ^t by mode. Ignores the "
              "optimizer's lr. cycle_momentum is on by default, as in torch: even 'plain' SGD then runs with "
              "momentum 0.8–0.9. With a warmup, torch's SequentialLR climbs to the optimizer's lr and then jumps "
              "to base_lr; so do we. " + _CYCLE_MOMENTUM_NOTE),
    ),
    Schedule(
        name="wsd",
        title="Warmup-stable-decay",
        latex=(r"\eta_t=\eta\cdot\begin{cases}(t+1)/W & t<W\\ 1 & t<W+S\\ "
               r"f+(1-f)\,\mathrm{shape}\big(\min(1,\tfrac{t-W-S}{D})\big)\end{cases}"),
        params=(
            Param("warmup_steps", 10, 0, 100000, kind="int", help="linear warmup W (0 = none)"),
            Param("stable_steps", 50, 0, 100000, kind="int", help="steps S at the full rate"),
            Param("decay_steps", 40, 1, 100000, kind="int", help="steps D of the final decay"),
            Param("final_factor", 0.0, 0.0, 1.0, help="rate after the decay, as a fraction f of lr"),
            Param("decay", "linear", kind="choice", choices=("linear", "cosine", "1-sqrt"),
                  help="shape of the decay: 1−p, (1+cos πp)/2 or 1−√p"),
        ),
        fn=fns.wsd,
        torch_code=_wsd_code,
        note=("Not in torch (the line shown is a LambdaLR). Warmup-stable-decay, also 'trapezoidal': Zhai et al. "
              "2022, Hu et al. 2024 (MiniCPM); 1-sqrt decay from Hägele et al. 2024. It has its own warmup: "
              "leave the run's warmup at 0 unless you want both."),
    ),
    Schedule(
        name="inverse_sqrt",
        title="Inverse square root",
        latex=r"\eta_t=\eta\,\min\!\left(\tfrac{t+1}{W},\ \sqrt{W/(t+1)}\right)",
        params=(
            Param("warmup_steps", 10, 1, 100000, kind="int", help="step W of the peak (1 = no warmup)"),
            Param("ramp", "linear", kind="choice", choices=("linear", "constant"),
                  help="before W: rise linearly (Vaswani et al.) or hold lr (T5)"),
        ),
        fn=fns.inverse_sqrt,
        torch_code=_inverse_sqrt_code,
        note=("Not in torch (the line shown is a LambdaLR). Vaswani et al. 2017 ('Attention is all you need', "
              "eq. 3) with the peak rescaled to lr; fairseq's inverse_sqrt; ramp=constant is T5's "
              "1/√max(t, W) (Raffel et al. 2020)."),
    ),
]

SCHEDULES: dict[str, Schedule] = {s.name: s for s in SCHEDULES_LIST}
_BY_FN = {s.fn: s for s in SCHEDULES_LIST}


def get_schedule(name: str) -> Schedule:
    try:
        return SCHEDULES[name]
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}{suggest(name, SCHEDULES)}") from None


def resolve_schedule(schedule: Schedule, given: dict[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with `given`, each parameter validated, then the cross-parameter check."""
    values = resolve(schedule.params, given, f"schedule {schedule.name}")
    if schedule.check:
        schedule.check(values)
    return values


def with_warmup(schedule, t, base_lr, sp, warmup):
    """Linear warmup over `warmup` steps, then the schedule from its own step 0.

    lr_t = peak (t+1)/W for t < W, else schedule(t - W); momentum is the schedule's at its step 0 during
    the warmup. This is torch's
    SequentialLR([LinearLR(opt, start_factor=1/W, total_iters=W-1), sched], milestones=[W]),
    the LinearLR built first, step for step (tests/test_schedules.py checks every schedule against it).
    peak is the optimizer's lr, except for onecycle, whose constructor rewrites initial_lr to
    max_lr/div_factor so torch's warmup climbs there. warmup = 0 means none.
    `schedule` is a Schedule or the fn of one (the engine passes schedule.fn).
    """
    record = schedule if isinstance(schedule, Schedule) else _BY_FN.get(schedule)
    schedule_fn = record.fn if record else schedule
    peak = record.warmup_peak(base_lr, sp) if record and record.warmup_peak else base_lr
    after_lr, momentum = schedule_fn(jnp.maximum(t - warmup, 0), base_lr, sp)
    warm_lr = peak * (t + 1) / jnp.maximum(warmup, 1)
    in_warmup = t < warmup
    return jnp.where(in_warmup, warm_lr, after_lr), momentum


# ---------------------------------------------------------------------------------------------------
# torch code


def _literal(param: Param, value: Any) -> str:
    """A parameter value as the Python literal torch wants (milestones as ints, choices quoted)."""
    if param.kind == "list":
        return "[" + ", ".join(str(int(v)) if float(v).is_integer() else repr(float(v)) for v in value) + "]"
    if param.kind == "choice":
        return repr(value)
    if param.kind in ("bool", "int"):
        return repr(value)
    return repr(float(value))


def torch_code(schedule: Schedule | str, values: dict[str, Any] | None = None, warmup: int = 0) -> str:
    """The torch lines that make the same schedule as `schedule` with `values` (defaults filled) and a
    linear warmup of `warmup` steps; `opt` is the optimizer. The snippet binds `scheduler` (None when
    there is nothing to schedule) and runs as it stands once torch, math and opt exist."""
    if isinstance(schedule, str):
        schedule = get_schedule(schedule)
    resolved = resolve_schedule(schedule, dict(values or {}))
    literals = {p.name: _literal(p, resolved[p.name]) for p in schedule.params}
    template = schedule.torch_code
    main = template(literals) if callable(template) else template.format(**literals)
    if warmup < 0 or warmup != int(warmup):
        raise ValueError(f"warmup: expected a whole number >= 0, got {warmup!r}")
    step_note = "# call scheduler.step() after every opt.step()"
    if warmup == 0:
        return f"scheduler = {main}\n" + ("" if schedule.name == "constant" else step_note)
    ramp = TORCH + f"LinearLR(opt, start_factor=1 / {warmup}, end_factor=1.0, total_iters={warmup - 1})"
    # OneCycleLR rewrites initial_lr, which the warmup built before it then climbs to.
    order_note = "  # after warmup: OneCycleLR sets the rate warmup climbs to" if schedule.name == "onecycle" else ""
    if schedule.name == "constant":  # LinearLR holds its end factor after total_iters
        return f"scheduler = {ramp}\n{step_note}"
    return (f"warmup = {ramp}\n"
            f"main = {main}{order_note}\n"
            f"scheduler = {TORCH}SequentialLR(opt, [warmup, main], milestones=[{warmup}])\n{step_note}")


# ---------------------------------------------------------------------------------------------------
# numpy values for plots


def _values(name: str, n: int, base_lr, sp, warmup):
    t = jnp.arange(n)
    lr, momentum = with_warmup(get_schedule(name).fn, t, base_lr, sp, warmup)
    return jnp.broadcast_to(lr, (n,)), jnp.broadcast_to(momentum, (n,))


_values_jit = jax.jit(_values, static_argnames=("name", "n"))


def schedule_values(name: str, values: dict[str, Any] | None, base_lr: float, steps: int,
                    warmup: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(lr, momentum) for updates t = 0 .. steps-1 as float64 numpy arrays, the engine's formula (equal
    to rounding); momentum is NaN where the schedule leaves the optimizer's own. Validates everything.
    One compilation per schedule and power-of-two step bucket."""
    schedule = get_schedule(name)
    resolved = resolve_schedule(schedule, dict(values or {}))
    if not (isinstance(steps, (int, np.integer)) and steps >= 1):
        raise ValueError(f"steps: expected a whole number >= 1, got {steps!r}")
    if not (isinstance(warmup, (int, np.integer)) and warmup >= 0):
        raise ValueError(f"warmup: expected a whole number >= 0, got {warmup!r}")
    if not (math.isfinite(base_lr) and base_lr > 0):
        raise ValueError(f"lr: expected a positive number, got {base_lr!r}")
    n = 64
    while n < steps:
        n *= 2
    with jax.enable_x64(True):
        sp = {k: jnp.asarray(v) for k, v in traced(schedule.params, resolved).items()}
        lr, momentum = _values_jit(name, n, jnp.asarray(float(base_lr)), sp, jnp.asarray(float(warmup)))
        return np.asarray(lr)[:steps], np.asarray(momentum)[:steps]
