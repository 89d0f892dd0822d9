"""The simulation engine: (surface, rule, schedule, numbers) -> trajectory, one jitted lax.scan.

Only structure is static (which surface, rule and schedule, and the step-count bucket); every number a
user changes travels as a traced array, so moving a slider never compiles again.
"""
from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from landscapes import get_surface  # noqa: E402
from landscapes.formula import CUSTOM_PREFIX  # noqa: E402
from optimizers import get_rule, get_schedule  # noqa: E402
from optimizers.linalg import symmetric_eigen_2x2  # noqa: E402
from optimizers.params import Param, resolve, traced  # noqa: E402
from optimizers.schedules import resolve_schedule, with_warmup  # noqa: E402
from optimizers.xla_cpu import in_one_function  # noqa: E402

MAX_STEPS = 10_000
MAX_GRID_RESOLUTION = 1001
MIN_BUCKET = 64
# Per-row fields of a trajectory and their shapes, in packing order.
ROW_FIELDS = {"xy": (2,), "loss": (), "grad": (2,), "grad_used": (2,), "grad_norm": (), "lr": (),
              "update": (2,), "velocity": (2,), "eigvals": (2,), "eigvecs": (2, 2), "status": ()}
ROW_WIDTH = sum(math.prod(shape) for shape in ROW_FIELDS.values())
# The fields the scan writes each step; the curvature fields are computed after it, for all rows at once.
_STEP_FIELDS = {name: shape for name, shape in ROW_FIELDS.items() if name not in ("grad_norm", "eigvals", "eigvecs")}
RUNNING, CONVERGED, DIVERGED = 0, 1, 2
STATUS_NAMES = ("running", "converged", "diverged")
PROJECTIONS = ("none", "ball", "box")
DIVERGENCE_SPAN = 100.0  # a point this many domain widths from the domain's centre has diverged

# Options that apply to any rule; validated like the rules' own parameters.
RUN_PARAMS = (
    Param("warmup", 0, 0, MAX_STEPS, kind="int", help="linear warmup steps W before the schedule"),
    Param("steps", 100, 1, MAX_STEPS, kind="int", help=f"number of updates (at most {MAX_STEPS})"),
    Param("seed", 0, 0, 2**31 - 1, kind="int", help="fixes data, minibatches and gradient noise"),
    Param("grad_noise", 0.0, 0.0, 1e3, help="σ of Gaussian noise added to the gradient"),
    Param("clip_norm", 0.0, 0.0, 1e6, help="clip the gradient to this L2 norm (0 = off), as clip_grad_norm_"),
    Param("projection", "none", kind="choice", choices=PROJECTIONS, help="project each iterate onto a set"),
    Param("radius", 1.0, 0.0, 1e3, low_open=True, help="ball radius / box half-width, centred at the origin"),
    Param("batch_size", 0, 0, 100_000, kind="int", help="minibatch size on data-defined surfaces (0 = full batch)"),
    Param("tol", 1e-6, 0.0, 1e3, help="converged once the gradient norm is below this"),
)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one run, as plain values (hashable: usable as a cache key)."""

    surface: str = "quadratic"
    optimizer: str = "sgd"
    schedule: str = "constant"
    surface_params: tuple[tuple[str, Any], ...] = ()
    optimizer_params: tuple[tuple[str, Any], ...] = ()
    schedule_params: tuple[tuple[str, Any], ...] = ()
    start: tuple[float, float] | None = None  # None: the surface's first default start
    warmup: int = 0
    steps: int = 100
    seed: int = 0
    grad_noise: float = 0.0
    clip_norm: float = 0.0
    projection: str = "none"
    radius: float = 1.0
    batch_size: int = 0
    tol: float = 1e-6

    def with_(self, **changes) -> "RunConfig":
        return replace(self, **changes)

    def structure(self) -> tuple[str, str, str, int]:
        return (self.surface, self.optimizer, self.schedule, bucket(self.steps))


@dataclass(frozen=True)
class Resolved:
    """A validated RunConfig: full parameter dicts (defaults filled), ready to become traced inputs."""

    config: RunConfig
    surface_values: dict
    optimizer_values: dict
    schedule_values: dict
    run_values: dict
    start: tuple[float, float]

    def _groups(self):
        surface, rule, schedule = (get_surface(self.config.surface), get_rule(self.config.optimizer),
                                   get_schedule(self.config.schedule))
        return _input_groups(surface, rule, schedule), {"theta": self.surface_values, "hp": self.optimizer_values,
                                                         "sp": self.schedule_values, "run": self.run_values}

    @functools.cached_property
    def inputs(self) -> dict:
        """The traced inputs as a dict of float64 arrays by group ("theta", "hp", "sp", "run", "start")."""
        groups, values = self._groups()
        inputs = {group: traced(params, values[group]) for group, params in groups}
        inputs["start"] = np.asarray(self.start, dtype=np.float64)
        return inputs

    @functools.cached_property
    def packed(self) -> np.ndarray:
        """The traced inputs as one float64 vector, in the layout `unpack_inputs` reads."""
        groups, values = self._groups()
        floats = [x for group, params in groups for p in params for x in p.traced_floats(values[group][p.name])]
        return np.array(floats + list(self.start), dtype=np.float64)


def resolve_config(config: RunConfig) -> Resolved:
    """Validate every number of a run; raises ValueError with a one-line reason."""
    surface = get_surface(config.surface)
    rule = get_rule(config.optimizer)
    schedule = get_schedule(config.schedule)
    surface_values = resolve(surface.params, dict(config.surface_params), f"surface {surface.name}")
    optimizer_values = resolve(rule.params, dict(config.optimizer_params), f"optimizer {rule.name}")
    schedule_values = resolve_schedule(schedule, dict(config.schedule_params))
    if rule.check:
        rule.check(optimizer_values)
    run_given = {p.name: getattr(config, p.name) for p in RUN_PARAMS}
    run_values = resolve(RUN_PARAMS, run_given, "run")
    start = config.start if config.start is not None else surface.starts[0]
    if len(start) != 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in start):
        raise ValueError(f"start must be two finite numbers x,y, got {start!r}")
    if surface.is_data_defined and run_values["batch_size"] > surface.n_samples:
        raise ValueError(f"batch_size must be at most {surface.n_samples} (the dataset size) on {surface.name}")
    return Resolved(config, surface_values, optimizer_values, schedule_values, run_values,
                    (float(start[0]), float(start[1])))


# The traced inputs' groups, in the order a trace receives them packed into one vector: one argument
# instead of a dozen and a half costs the dispatch of a 1000-step trace about 45 µs of its 300.
def _input_groups(surface, rule, schedule) -> tuple[tuple[str, tuple[Param, ...]], ...]:
    return (("theta", surface.params), ("hp", rule.params), ("sp", schedule.params), ("run", RUN_PARAMS))


def unpack_inputs(packed, surface, rule, schedule) -> dict:
    """The traced inputs' dict back from `Resolved.packed` (inside the jitted programs)."""
    inputs, offset = {}, 0
    for group, params in _input_groups(surface, rule, schedule):
        inputs[group] = {}
        for p in params:
            part = packed[offset:offset + p.traced_size]
            inputs[group][p.name] = part if p.kind == "list" else part[0]
            offset += p.traced_size
    inputs["start"] = packed[offset:offset + 2]
    return inputs


def bucket(steps: int) -> int:
    """Step counts compile once per power-of-two bucket, so a steps slider recompiles rarely."""
    size = MIN_BUCKET
    while size < steps:
        size *= 2
    return size


# ---------------------------------------------------------------------------------------------------
# Traced core


def _objective(surface, inputs):
    """(loss at weights, full-batch weights, the run's random key) for the run's surface.

    The seed's key folded with 0 makes the data, with 1 the minibatches, with 2 the gradient noise.
    """
    theta = inputs["theta"]
    key = jax.random.key(inputs["run"]["seed"].astype(jnp.uint32))
    data = surface.make_data(jax.random.fold_in(key, 0), theta) if surface.is_data_defined else ()
    n = surface.n_samples
    full_weights = jnp.full((n,), 1.0 / n) if n else jnp.zeros((0,))

    def loss_at(xy, weights):
        return surface.loss(xy, theta, data, weights)

    return loss_at, full_weights, key


def _minibatch_weights(n, batch_size, key):
    """Weights 1/B on B samples drawn without replacement (B traced; 0 or >= n means full batch)."""
    ranks = jnp.argsort(jax.random.uniform(key, (n,)))
    b = jnp.where((batch_size <= 0) | (batch_size >= n), n, batch_size)
    return jnp.where(ranks < b, 1.0 / b, 0.0)


def _step_machine(surface, rule, schedule, inputs, n_rows):
    """The per-step function shared by the full trace and the lean sweep."""
    run = inputs["run"]
    loss_at, full_weights, run_key = _objective(surface, inputs)
    # Gradient noise for every step drawn at once, outside the loop: one vectorised draw is far cheaper
    # than a random draw per scan iteration; with σ = 0 the draw is skipped (it cost a third of a trace).
    noise_table = jax.lax.cond(
        run["grad_noise"] > 0,
        lambda: run["grad_noise"] * jax.random.normal(jax.random.fold_in(run_key, 2), (n_rows, 2)),
        lambda: jnp.zeros((n_rows, 2)))
    full_loss = lambda xy: loss_at(xy, full_weights)  # noqa: E731
    center = jnp.asarray([sum(surface.domain[0]) / 2, sum(surface.domain[1]) / 2])
    span = max(surface.domain[0][1] - surface.domain[0][0], surface.domain[1][1] - surface.domain[1][0])

    def status_of(previous, xy, loss, grad_norm):
        bad = ~jnp.isfinite(loss) | ~jnp.all(jnp.isfinite(xy)) | (
            jnp.max(jnp.abs(xy - center)) > DIVERGENCE_SPAN * span)
        return jnp.where(previous == DIVERGED, DIVERGED,
                         jnp.where(bad, DIVERGED,
                                   jnp.where((previous == CONVERGED) | (grad_norm < run["tol"]), CONVERGED, RUNNING)))

    def gradient_used(xy, t, g_full):
        key = jax.random.fold_in(jax.random.fold_in(run_key, 1), t)
        # lax.cond skips the permutation entirely when minibatches are off and not varied across a batch.
        if surface.is_data_defined:
            n = surface.n_samples

            def minibatch(xy):
                weights = _minibatch_weights(n, run["batch_size"], key)
                return jax.grad(loss_at)(xy, weights)

            use_batches = (run["batch_size"] > 0) & (run["batch_size"] < n)
            g = jax.lax.cond(use_batches, minibatch, lambda xy: g_full, xy)
        else:
            g = g_full
        # Options that are off are branched around (lax.cond), not computed and discarded: about a
        # third of a step's time when noise, clipping and projection were all computed every step.
        g = jax.lax.cond(run["grad_noise"] > 0, lambda g: g + noise_table[t], lambda g: g, g)
        return jax.lax.cond(run["clip_norm"] > 0, clip, lambda g: g, g)

    def clip(g):
        # torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6), never up.
        return g * jnp.minimum(run["clip_norm"] / (jnp.linalg.norm(g) + 1e-6), 1.0)

    def project(xy):
        r = run["radius"]
        ball = lambda xy: xy * jnp.minimum(1.0, r / jnp.maximum(jnp.linalg.norm(xy), 1e-300))  # noqa: E731
        box = lambda xy: jnp.clip(xy, -r, r)  # noqa: E731
        return jax.lax.switch(run["projection"].astype(jnp.int32), (lambda xy: xy, ball, box), xy)

    def advance(xy, state, t, g_used, hessian):
        lr, momentum = with_warmup(schedule.fn, t, inputs["hp"]["lr"], inputs["sp"], run["warmup"])
        hp = dict(inputs["hp"], lr=lr)
        if rule.momentum_param is not None:
            hp[rule.momentum_param] = jnp.where(jnp.isnan(momentum), hp[rule.momentum_param], momentum)
        if rule.needs_hessian:
            hp["hessian"] = hessian
        delta, new_state = rule.update(g_used, state, xy, hp)
        return project(xy + delta), new_state, lr

    return full_loss, status_of, gradient_used, advance, project


def _freeze(active, new, old):
    return jax.tree.map(lambda a, b: jnp.where(active, a, b), new, old)


def _trace(surface_name: str, rule_name: str, schedule_name: str, n_rows: int, packed):
    """The packed rows (n_rows, ROW_WIDTH) of one run, compiled as one function (xla_cpu.in_one_function)."""
    return in_one_function(lambda: _trace_rows(surface_name, rule_name, schedule_name, n_rows, packed),
                           (n_rows, ROW_WIDTH), jnp.float64)


def _trace_rows(surface_name: str, rule_name: str, schedule_name: str, n_rows: int, packed):
    surface, rule, schedule = get_surface(surface_name), get_rule(rule_name), get_schedule(schedule_name)
    inputs = unpack_inputs(packed, surface, rule, schedule)
    full_loss, status_of, gradient_used, advance, project = _step_machine(surface, rule, schedule, inputs, n_rows)
    steps = inputs["run"]["steps"]
    xy0 = project(inputs["start"])

    def body(carry, t):
        xy, state, previous = carry
        loss, g_full = jax.value_and_grad(full_loss)(xy)
        grad_norm = jnp.linalg.norm(g_full)
        status = status_of(previous, xy, loss, grad_norm)
        g_used = gradient_used(xy, t, g_full)
        hessian = jax.hessian(full_loss)(xy) if rule.needs_hessian else None
        new_xy, new_state, lr = advance(xy, state, t, g_used, hessian)
        active = (status == RUNNING) & (t < steps)
        row = {"xy": xy, "loss": loss, "grad": g_full, "grad_used": g_used, "lr": lr,
               "update": jnp.where(active, new_xy - xy, 0.0), "velocity": rule.velocity(state), "status": status}
        # One packed vector per row: a single write per step instead of one per field (faster on CPU).
        packed = jnp.concatenate([jnp.ravel(row[name]).astype(jnp.float64) for name in _STEP_FIELDS])
        return (_freeze(active, new_xy, xy), _freeze(active, new_state, state), status), packed

    carry0 = (xy0, rule.init(xy0), jnp.asarray(RUNNING))
    _, stepped = jax.lax.scan(body, carry0, jnp.arange(n_rows))
    # The curvature of every row in one vectorised pass after the loop: inside it, the Hessian and its
    # eigen-decomposition were most of each step's kernels, and the loop runs them one after another.
    fields = _unpack(stepped, _STEP_FIELDS)
    hessians = jax.vmap(jax.hessian(full_loss))(fields["xy"])
    fields["eigvals"], fields["eigvecs"] = jax.vmap(symmetric_eigen_2x2)(hessians)
    fields["grad_norm"] = jnp.linalg.norm(fields["grad"], axis=-1)
    return jnp.concatenate([jnp.reshape(fields[name], (n_rows, -1)).astype(jnp.float64) for name in ROW_FIELDS],
                           axis=-1)


def _sweep(surface_name: str, rule_name: str, schedule_name: str, n_rows: int, inputs):
    """Lean scan for sweeps: no per-step outputs, only where each run ends."""
    surface, rule, schedule = get_surface(surface_name), get_rule(rule_name), get_schedule(schedule_name)
    full_loss, status_of, gradient_used, advance, project = _step_machine(surface, rule, schedule, inputs, n_rows)
    steps = inputs["run"]["steps"]
    xy0 = project(inputs["start"])

    def body(carry, t):
        xy, state, previous, converged_at, hit_at = carry
        loss, g_full = jax.value_and_grad(full_loss)(xy)
        status = status_of(previous, xy, loss, jnp.linalg.norm(g_full))
        hessian = jax.hessian(full_loss)(xy) if rule.needs_hessian else None
        new_xy, new_state, _ = advance(xy, state, t, gradient_used(xy, t, g_full), hessian)
        active = (status == RUNNING) & (t < steps)
        in_range = t <= steps
        converged_at = jnp.where((status == CONVERGED) & (converged_at < 0) & in_range, t, converged_at)
        hit_at = jnp.where((status == DIVERGED) & (hit_at < 0) & in_range, t, hit_at)
        return (_freeze(active, new_xy, xy), _freeze(active, new_state, state),
                jnp.where(in_range, status, previous), converged_at, hit_at), None

    minus_one = jnp.asarray(-1)
    carry0 = (xy0, rule.init(xy0), jnp.asarray(RUNNING), minus_one, minus_one)
    (xy, _, status, converged_at, diverged_at), _ = jax.lax.scan(body, carry0, jnp.arange(n_rows))
    return {"xy": xy, "final_loss": full_loss(xy), "status": status,
            "steps_to_converge": converged_at, "diverged_at": diverged_at}


def _sweep_program(surface: str, rest: tuple[str, str, int], batched: tuple[tuple[str, str], ...]):
    """A jitted sweep that batches only the varied inputs: options left off stay scalar, so their
    lax.cond branches are skipped rather than computed for every run (compiles once per varied set)."""
    optimizer, schedule, n_rows = rest

    def run_all(inputs):
        in_axes = {group: ({key: (0 if (group, key) in batched else None) for key in leaves}
                           if isinstance(leaves, dict) else (0 if (group, None) in batched else None))
                   for group, leaves in inputs.items()}
        return jax.vmap(lambda one: _sweep(surface, optimizer, schedule, n_rows, one), in_axes=(in_axes,))(inputs)

    return jax.jit(run_all)


# ---------------------------------------------------------------------------------------------------
# Compiled programs, one set per surface. The surface is static (its loss is Python code), so every typed
# formula compiles programs of its own: built-in surfaces (a fixed number) keep theirs for good, typed
# formulas share a small LRU, and evicting one drops its jitted functions and with them JAX's executables.

MAX_CUSTOM_SURFACES = 8  # typed formulas whose compiled programs are kept


class Programs:
    """The jitted trace, batched trace, grid and sweeps of one surface (rule, schedule, rows static)."""

    def __init__(self, surface: str):
        self.surface = surface
        self.trace = jax.jit(functools.partial(_trace, surface), static_argnums=(0, 1, 2))
        self.trace_many = jax.jit(jax.vmap(functools.partial(_trace, surface), in_axes=(None, None, None, 0)),
                                  static_argnums=(0, 1, 2))
        self.grid = jax.jit(functools.partial(_grid, surface), static_argnums=(0,))
        self._sweeps: dict = {}
        self._lock = threading.Lock()

    def sweep(self, rest: tuple[str, str, int], batched: tuple[tuple[str, str], ...]):
        with self._lock:
            if (rest, batched) not in self._sweeps:
                self._sweeps[(rest, batched)] = _sweep_program(self.surface, rest, batched)
            return self._sweeps[(rest, batched)]

    def compiled(self) -> int:
        with self._lock:
            sweeps = list(self._sweeps.values())
        return sum(f._cache_size() for f in (self.trace, self.trace_many, self.grid, *sweeps))


_BUILTIN_PROGRAMS: dict[str, Programs] = {}
_CUSTOM_PROGRAMS: OrderedDict[str, Programs] = OrderedDict()
_PROGRAMS_LOCK = threading.Lock()
_retired = 0  # programs compiled for typed formulas since evicted


def programs(surface: str) -> Programs:
    """The compiled programs of a surface; a typed formula's set is evicted least recently used first."""
    global _retired
    with _PROGRAMS_LOCK:
        if not surface.startswith(CUSTOM_PREFIX):
            if surface not in _BUILTIN_PROGRAMS:  # not setdefault: building Programs wraps three jits
                _BUILTIN_PROGRAMS[surface] = Programs(surface)
            return _BUILTIN_PROGRAMS[surface]
        if surface in _CUSTOM_PROGRAMS:
            _CUSTOM_PROGRAMS.move_to_end(surface)
            return _CUSTOM_PROGRAMS[surface]
        while len(_CUSTOM_PROGRAMS) >= MAX_CUSTOM_SURFACES:
            _, evicted = _CUSTOM_PROGRAMS.popitem(last=False)
            _retired += evicted.compiled()
        _CUSTOM_PROGRAMS[surface] = Programs(surface)
        return _CUSTOM_PROGRAMS[surface]


def cached_programs(custom_only: bool = False) -> int:
    """How many compiled programs the engine holds now (typed formulas only with custom_only)."""
    with _PROGRAMS_LOCK:
        held = list(_CUSTOM_PROGRAMS.values()) + ([] if custom_only else list(_BUILTIN_PROGRAMS.values()))
    return sum(p.compiled() for p in held)


def compilations() -> int:
    """How many programs the engine has compiled so far, evicted ones included (tests assert it stays put)."""
    return cached_programs() + _retired


# ---------------------------------------------------------------------------------------------------
# Results


def _field_slices(fields: dict) -> tuple[tuple[str, slice, tuple], ...]:
    """(name, columns, shape) of each packed field."""
    out, offset = [], 0
    for name, shape in fields.items():
        width = math.prod(shape)
        out.append((name, slice(offset, offset + width), shape))
        offset += width
    return tuple(out)


_ROW_COLUMNS = {name: (columns, shape) for name, columns, shape in _field_slices(ROW_FIELDS)}


def _unpack(packed, fields) -> dict:
    """Split packed rows (..., n, width) back into named fields (numpy or traced arrays)."""
    lead = packed.shape[:-1]
    return {name: packed[..., columns].reshape(*lead, *shape) for name, columns, shape in _field_slices(fields)}


def _row_field(name: str) -> functools.cached_property:
    """A Trajectory field read from its packed rows when first asked for (a view, not a copy)."""
    columns, shape = _ROW_COLUMNS[name]
    return functools.cached_property(lambda self: self.rows[:, columns].reshape(-1, *shape))


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Per-row arrays of one run: row 0 is the start, row k the point after k updates.

    The fields are views of `rows`, the packed array the trace returns, made when first asked for.
    """

    config: RunConfig
    rows: np.ndarray = field(repr=False)  # (n, width), fields in ROW_FIELDS order
    status: np.ndarray  # (n,) int: RUNNING / CONVERGED / DIVERGED

    xy = _row_field("xy")  # (n, 2); NaN after the row where the run diverged
    loss = _row_field("loss")
    grad = _row_field("grad")  # full-batch gradient at the row's point
    grad_used = _row_field("grad_used")  # the gradient the rule received (minibatch, noise, clipping)
    grad_norm = _row_field("grad_norm")
    lr = _row_field("lr")  # rate used by the update from row k to k+1
    update = _row_field("update")  # xy[k+1] - xy[k]
    velocity = _row_field("velocity")
    eigvals = _row_field("eigvals")  # (n, 2), ascending
    eigvecs = _row_field("eigvecs")  # (n, 2, 2), columns are eigenvectors

    @property
    def status_names(self) -> list[str]:
        return [STATUS_NAMES[s] for s in self.status]

    @property
    def converged_at(self) -> int | None:
        hits = np.flatnonzero(self.status == CONVERGED)
        return int(hits[0]) if hits.size else None

    @property
    def diverged_at(self) -> int | None:
        hits = np.flatnonzero(self.status == DIVERGED)
        return int(hits[0]) if hits.size else None

    @property
    def final_status(self) -> str:
        return STATUS_NAMES[int(self.status[-1])]

    @property
    def effective_step(self) -> np.ndarray:
        """Per-axis step actually taken per unit gradient, -update/grad (adaptive methods' preconditioner)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.grad_used != 0, -self.update / self.grad_used, np.nan)


def _to_trajectory(config: RunConfig, packed, index=None) -> Trajectory:
    packed = np.asarray(packed)
    rows = packed[:config.steps + 1] if index is None else packed[index, :config.steps + 1]
    status = rows[:, _ROW_COLUMNS["status"][0]].ravel().astype(int)
    if status[-1] == DIVERGED:  # the path stops at the point where it diverged (DIVERGED is final)
        rows = rows.copy()
        rows[np.argmax(status == DIVERGED) + 1:, _ROW_COLUMNS["xy"][0]] = np.nan
    return Trajectory(config=config, rows=rows, status=status)


def simulate(config: RunConfig) -> Trajectory:
    """Run one configuration; raises ValueError for invalid input."""
    resolved = resolve_config(config)
    surface, optimizer, schedule, size = config.structure()
    rows = programs(surface).trace(optimizer, schedule, size + 1, resolved.packed)
    return _to_trajectory(config, rows)


def simulate_many(configs: list[RunConfig]) -> list[Trajectory]:
    """Run many configurations of one structure as one vectorised program (seed fans, start grids)."""
    if not configs:
        return []
    structures = {c.structure() for c in configs}
    if len(structures) != 1:
        raise ValueError("simulate_many needs runs of one surface, optimizer, schedule and step bucket")
    (surface, optimizer, schedule, size), = structures
    batch = np.stack([resolve_config(c).packed for c in configs])
    rows = programs(surface).trace_many(optimizer, schedule, size + 1, batch)
    return [_to_trajectory(c, rows, i) for i, c in enumerate(configs)]


def _as_jax(tree):
    return jax.tree.map(jnp.asarray, tree)


@dataclass(frozen=True)
class SweepResult:
    """One row per run of a sweep: the varied values and where each run ended."""

    names: tuple[str, ...]
    values: np.ndarray  # (runs, len(names))
    final_loss: np.ndarray
    steps_to_converge: np.ndarray  # -1 where the run never converged
    diverged_at: np.ndarray  # -1 where it never diverged
    status: np.ndarray
    final_xy: np.ndarray


# Where a varied name lives in the traced inputs.
START_NAMES = ("start_x", "start_y")


def locate(config: RunConfig, name: str) -> tuple[str, str | None, Param | None]:
    """('hp'|'sp'|'theta'|'run'|'start', key, Param) for a name a sweep may vary."""
    if name in START_NAMES:
        return "start", name, None
    from optimizers.params import suggest

    groups = (
        ("hp", get_rule(config.optimizer).params),
        ("sp", get_schedule(config.schedule).params),
        ("theta", get_surface(config.surface).params),
        ("run", RUN_PARAMS),
    )
    for group, params in groups:
        for p in params:
            if p.name == name and p.kind in ("float", "int", "bool"):
                return group, name, p
    names = [p.name for _, ps in groups for p in ps if p.kind in ("float", "int", "bool")] + list(START_NAMES)
    raise ValueError(f"cannot vary {name!r}{suggest(name, names)}")


def sweep(config: RunConfig, grid: dict[str, np.ndarray]) -> SweepResult:
    """Every combination of the given values (outer product, first name slowest) as one program."""
    resolved = resolve_config(config)
    names = tuple(grid)
    mesh = np.meshgrid(*[np.asarray(grid[n], dtype=np.float64) for n in names], indexing="ij")
    columns = [m.reshape(-1) for m in mesh]
    n_runs = columns[0].size
    if "steps" in names:
        raise ValueError("steps cannot be varied in a sweep; set --steps")
    batch = jax.tree.map(np.asarray, resolved.inputs)
    batched = []
    for name, column in zip(names, columns):
        group, key, param = locate(config, name)
        if param is not None:
            for value in np.unique(column):
                param.validate(int(value) if param.kind == "int" else value)
            batch[group][key] = column
            batched.append((group, key))
        else:
            if ("start", None) not in batched:
                batch["start"] = np.broadcast_to(batch["start"], (n_runs, 2)).copy()
                batched.append(("start", None))
            batch["start"][:, START_NAMES.index(name)] = column
    surface, optimizer, schedule, size = config.structure()
    program = programs(surface).sweep((optimizer, schedule, size + 1), tuple(sorted(batched)))
    out = program(_as_jax(batch))
    out = {k: np.asarray(v) for k, v in out.items()}
    return SweepResult(names=names, values=np.stack(columns, axis=1), final_loss=out["final_loss"],
                       steps_to_converge=out["steps_to_converge"].astype(int),
                       diverged_at=out["diverged_at"].astype(int), status=out["status"].astype(int),
                       final_xy=out["xy"])


# ---------------------------------------------------------------------------------------------------
# Surfaces on a grid (contours, curvature maps)


def _grid(surface_name: str, resolution: int, theta, seed, x_range, y_range):
    surface = get_surface(surface_name)
    inputs = {"theta": theta, "run": {"seed": seed}}
    loss_at, full_weights, _ = _objective(surface, inputs)
    f = lambda xy: loss_at(xy, full_weights)  # noqa: E731
    xs = jnp.linspace(x_range[0], x_range[1], resolution)
    ys = jnp.linspace(y_range[0], y_range[1], resolution)
    points = jnp.stack(jnp.meshgrid(xs, ys, indexing="xy"), axis=-1)  # (ny, nx, 2)
    over_grid = lambda fn: jax.vmap(jax.vmap(fn))(points)  # noqa: E731
    return {"x": xs, "y": ys, "z": over_grid(f), "eigvals": over_grid(lambda p: jnp.linalg.eigvalsh(jax.hessian(f)(p)))}


@dataclass(frozen=True)
class SurfaceGrid:
    x: np.ndarray  # (nx,)
    y: np.ndarray  # (ny,)
    z: np.ndarray  # (ny, nx): loss, rows follow y
    eigvals: np.ndarray  # (ny, nx, 2) Hessian eigenvalues, ascending


def surface_grid(surface: str, surface_params: tuple = (), seed: int = 0, resolution: int = 121,
                 domain: tuple | None = None) -> SurfaceGrid:
    """The loss and Hessian eigenvalues on a grid over the surface's domain (or a given one)."""
    spec = get_surface(surface)
    values = resolve(spec.params, dict(surface_params), f"surface {spec.name}")
    if not (isinstance(resolution, (int, np.integer)) and 2 <= resolution <= MAX_GRID_RESOLUTION):
        raise ValueError(f"grid resolution must be a whole number in [2, {MAX_GRID_RESOLUTION}], got {resolution!r}")
    (x0, x1), (y0, y1) = domain or spec.domain
    if not all(isinstance(v, (int, float, np.number)) and math.isfinite(v) for v in (x0, x1, y0, y1)) or not (
            x0 < x1 and y0 < y1):
        raise ValueError(f"grid domain must be finite ranges with low < high, got {domain!r}")
    out = programs(surface).grid(resolution, _as_jax(traced(spec.params, values)), jnp.asarray(float(seed)),
                                 jnp.asarray([x0, x1], dtype=float), jnp.asarray([y0, y1], dtype=float))
    grid = {k: np.asarray(v) for k, v in out.items()}
    # Where f is not finite (log of a negative, a pole, an overflow) the grid holds NaN, and so do the
    # curvatures there: figures leave those cells blank (shaded) rather than colouring an infinity.
    bad = ~np.isfinite(grid["z"])
    grid["z"] = np.where(bad, np.nan, grid["z"])
    grid["eigvals"] = np.where(bad[..., None] | ~np.isfinite(grid["eigvals"]), np.nan, grid["eigvals"])
    return SurfaceGrid(**grid)
