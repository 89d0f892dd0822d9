"""Lecture presets: named scenes of one or more runs, each with what to notice and the one claim it teaches.

A preset is plain data (RunConfigs), so a page, a URL, the CLI and the tests all run the same scene.
Every `lesson` is a numeric claim that holds with the preset's own settings: tests/test_presets.py checks
each one against computations of its own (closed forms, numpy Hessians, analytic minima, KKT conditions),
never against this text. Pure: no Streamlit, no Plotly.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from dashboard.engine import RunConfig, Trajectory, simulate_many
from optimizers.params import suggest

PAGES = ("trajectories", "curvature", "schedules", "explorer", "stochastic")
MIN_BATCH = 4


@dataclass(frozen=True)
class PresetRun:
    """One labelled run of a scene."""

    label: str
    config: RunConfig


@dataclass(frozen=True)
class Preset:
    """A lecture scene: `name` is its URL slug, `notice` says what to watch, `lesson` the claim it proves."""

    name: str
    title: str
    notice: str
    page: str
    runs: tuple[PresetRun, ...]
    lesson: str

    def __post_init__(self):
        if self.page not in PAGES:
            raise ValueError(f"preset {self.name}: page must be one of {', '.join(PAGES)}, got {self.page!r}")
        if not self.runs:
            raise ValueError(f"preset {self.name} has no runs")

    @property
    def configs(self) -> tuple[RunConfig, ...]:
        return tuple(run.config for run in self.runs)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(run.label for run in self.runs)

    def run(self, label: str) -> RunConfig:
        """The config of the run with this label."""
        for run in self.runs:
            if run.label == label:
                return run.config
        raise ValueError(f"preset {self.name} has no run {label!r}{suggest(label, self.labels)}")


def sgd_params(lr: float, momentum: float = 0.0, **more) -> tuple[tuple[str, object], ...]:
    """optimizer_params for torch-style SGD: lr, momentum when non-zero, then any others."""
    return (("lr", lr),) + ((("momentum", momentum),) if momentum else ()) + tuple(more.items())


# ---------------------------------------------------------------------------------------------------
# Scenes

# The ravine every momentum scene shares: condition number 50, valley turned 30 degrees, so neither
# axis is a coordinate axis and the zig-zag is not an artefact of axis-aligned steps.
RAVINE = RunConfig(surface="quadratic", surface_params=(("kappa", 50.0), ("angle", 30.0)),
                   start=(-1.8, 0.9), tol=1e-4)

ZIGZAG = Preset(
    name="zigzag",
    title="Zig-zag: gradient descent against heavy-ball momentum",
    notice=("On a ravine 50 times more curved across than along, gradient descent at a good step jumps from wall "
            "to wall and inches down the valley. Momentum averages the steps: the cross-valley parts cancel, "
            "the along-valley parts add up."),
    page="trajectories",
    runs=(
        PresetRun("GD lr 0.038", RAVINE.with_(optimizer_params=sgd_params(0.038), steps=300)),
        PresetRun("heavy ball lr 0.03, β 0.8", RAVINE.with_(optimizer_params=sgd_params(0.03, 0.8), steps=300)),
    ),
    lesson=("GD reaches the tolerance at step 241 and crosses the valley's axis on every one of those steps; "
            "heavy ball reaches it at step 97 with 43 crossings."),
)

NESTEROV = Preset(
    name="nesterov",
    title="Nesterov against heavy ball",
    notice=("Same ravine, same learning rate and momentum: Nesterov evaluates the gradient where momentum is "
            "about to carry the point, so it brakes before overshooting. The price is a smaller stability "
            "limit: at lr 0.03 and β 0.8, where heavy ball converges, Nesterov diverges."),
    page="trajectories",
    runs=(
        PresetRun("heavy ball lr 0.02, β 0.9", RAVINE.with_(optimizer_params=sgd_params(0.02, 0.9), steps=300)),
        PresetRun("Nesterov lr 0.02, β 0.9", RAVINE.with_(optimizer_params=sgd_params(0.02, 0.9, nesterov=True),
                                                          steps=300)),
    ),
    lesson="At lr 0.02 and β 0.9, Nesterov reaches the tolerance at step 109 and heavy ball at step 179.",
)

# kappa 10: lambda_max = 10, so the limit 2/lambda_max is 0.2.
STEP_BOWL = RunConfig(surface="quadratic", surface_params=(("kappa", 10.0), ("angle", 30.0)),
                      start=(-1.8, 0.9), tol=1e-4, steps=300)

STEP_SIZE = Preset(
    name="step-size",
    title="Step size: too large, just below the limit, too small",
    notice=("Along an eigenvector of curvature λ a GD step multiplies the error by 1 − lr·λ, so the steepest "
            "direction sets the limit lr < 2/λmax = 0.2 here. Just above it the point flips side and grows "
            "every step; just below it flips side and shrinks slowly; a tenth of the limit crawls."),
    page="explorer",
    runs=(
        PresetRun("lr 0.21 (above 2/λmax)", STEP_BOWL.with_(optimizer_params=sgd_params(0.21))),
        PresetRun("lr 0.196 (just below)", STEP_BOWL.with_(optimizer_params=sgd_params(0.196))),
        PresetRun("lr 0.02 (too small)", STEP_BOWL.with_(optimizer_params=sgd_params(0.02))),
        PresetRun("lr 2/(λmin+λmax)", STEP_BOWL.with_(optimizer_params=sgd_params(2.0 / 11.0))),
    ),
    lesson=("With λmax = 10: lr 0.21 diverges (the steep component grows 1.1 times per step), lr 0.196 "
            "converges at step 295 crossing the valley every step, lr 0.02 is still short of the tolerance "
            "after 300 steps, and the balanced lr 2/(λmin + λmax) = 2/11 converges at step 60."),
)

# Started a millionth off the stable axis y = 0: the unstable direction needs many steps to grow.
SADDLE = RunConfig(surface="saddle", start=(1.5, 1e-6), steps=150)

SADDLE_ESCAPE = Preset(
    name="saddle-escape",
    title="Saddle: gradient descent lingers, noise and momentum escape",
    notice=("On x² − y² gradient descent shrinks x by 1 − 2·lr and grows y by 1 + 2·lr per step: started "
            "just off the x axis it slides into the saddle and waits there while the tiny y grows. Momentum "
            "multiplies the growth; gradient noise replaces the tiny y by a noise-sized one at once."),
    page="stochastic",
    runs=(
        PresetRun("GD lr 0.1", SADDLE.with_(optimizer_params=sgd_params(0.1))),
        PresetRun("momentum 0.9", SADDLE.with_(optimizer_params=sgd_params(0.1, 0.9))),
        PresetRun("GD + noise σ 0.1", SADDLE.with_(optimizer_params=sgd_params(0.1), grad_noise=0.1)),
    ),
    lesson=("GD spends 51 steps within 0.1 of the saddle and first falls below f = −1 at step 76; with "
            "momentum 0.9 that takes 36 steps and with gradient noise σ = 0.1 (seed 0) 23."),
)

# Four starts near the origin, one per quadrant; the four minima sit one per quadrant as well.
HIMMELBLAU_STARTS = {"(1, 1)": (1.0, 1.0), "(−1, 1)": (-1.0, 1.0), "(−1, −1)": (-1.0, -1.0),
                     "(1, −1)": (1.0, -1.0)}

HIMMELBLAU = Preset(
    name="himmelblau",
    title="Himmelblau: the start decides the minimum",
    notice=("Himmelblau's function has four minima, all with loss 0. The same gradient descent started a "
            "little way into each quadrant ends at four different minima: on a non-convex loss the "
            "initialisation is part of the answer."),
    page="trajectories",
    runs=tuple(PresetRun(f"GD from {label}", RunConfig(surface="himmelblau", start=start, steps=300, tol=1e-6,
                                                       optimizer_params=sgd_params(0.01)))
               for label, start in HIMMELBLAU_STARTS.items()),
    lesson=("From (1, 1), (−1, 1), (−1, −1) and (1, −1), GD with lr 0.01 ends at the four different minima "
            "(3, 2), (−2.805, 3.131), (−3.779, −3.283) and (3.584, −1.848)."),
)

RASTRIGIN_RUN = RunConfig(surface="rastrigin", start=(4.2, 3.4), tol=0.0, steps=1000)
ANNEAL = (("T_max", 1000),)

RASTRIGIN = Preset(
    name="rastrigin",
    title="Rastrigin: local minima against large steps and noise",
    notice=("Rastrigin's ripples put a local minimum near every integer point, and small steps stop in the "
            "nearest one. Large steps jump over the ripples while following the bowl beneath, noise does the "
            "same, and the cosine decay all three runs share then lets the point settle. Which minimum the "
            "large-step runs reach depends on the exact rate and seed (lr 0.025 ends one ripple off centre): "
            "try it."),
    page="stochastic",
    runs=(
        PresetRun("lr 0.002, cosine decay", RASTRIGIN_RUN.with_(optimizer_params=sgd_params(0.002), schedule="cosine",
                                                                schedule_params=ANNEAL)),
        PresetRun("lr 0.02, cosine decay", RASTRIGIN_RUN.with_(optimizer_params=sgd_params(0.02), schedule="cosine",
                                                               schedule_params=ANNEAL)),
        PresetRun("lr 0.01 + noise σ 10, cosine", RASTRIGIN_RUN.with_(optimizer_params=sgd_params(0.01),
                                                                      grad_noise=10.0,
                                                                      schedule="cosine", schedule_params=ANNEAL)),
    ),
    lesson=("Small steps (lr 0.002) stop in the local minimum near (4, 3) at f ≈ 24.9; lr 0.02 ends at the "
            "global minimum (0, 0), and lr 0.01 with noise σ = 10 ends below f = 5 (seed 0)."),
)

# Gradient noise sigma = 1 on the kappa-10 bowl: lr 0.1 is stable (lr * lambda_max = 1 < 2) but noisy.
# 500 steps keep the constant run in the ravine scenes' compiled program (same structure and step bucket).
NOISY_BOWL = STEP_BOWL.with_(grad_noise=1.0, tol=0.0, steps=500, optimizer_params=sgd_params(0.1))

SCHEDULES = Preset(
    name="schedules",
    title="Constant, step and cosine schedules under gradient noise",
    notice=("With noisy gradients a constant rate keeps kicking the point around the minimum: the loss "
            "stalls at a noise floor proportional to the rate. Cutting the rate by 10 at step 200, or "
            "annealing it along a cosine, lowers that floor."),
    page="schedules",
    runs=(
        PresetRun("constant lr 0.1", NOISY_BOWL),
        PresetRun("step ×0.1 every 200", NOISY_BOWL.with_(schedule="step", schedule_params=(("step_size", 200),
                                                                                              ("gamma", 0.1)))),
        PresetRun("cosine to 0 at 500", NOISY_BOWL.with_(schedule="cosine", schedule_params=(("T_max", 500),))),
    ),
    lesson=("After its first 100 steps the constant rate's loss averages the noise floor "
            "Σ lr σ²/(2(2 − lr λ)) ≈ 0.076 (within 20%); over the last 100 steps step decay and cosine average "
            "more than 20 times lower than it."),
)

CLIFF = RunConfig(surface="cliff", optimizer_params=sgd_params(0.3), steps=100, tol=1e-4)

CLIPPING = Preset(
    name="clipping",
    title="Gradient clipping on a cliff",
    notice=("The cliff's wall is steep (its slope reaches hk/4 = 125) while the rest is a gentle bowl. The one "
            "step taken on the wall is over 20 units long and throws the point far outside the 6-unit-wide "
            "picture. Clipping the gradient to norm 1 caps every step at lr·1 and the path walks down instead."),
    page="trajectories",
    runs=(
        PresetRun("GD lr 0.3", CLIFF),
        PresetRun("GD lr 0.3, clip 1", CLIFF.with_(clip_norm=1.0)),
    ),
    lesson=("Unclipped, one step is over 20 units long (the picture is 6 wide); clipped to norm 1 no step "
            "exceeds 0.3 and the path stays in the picture; both end at the minimum (1, 0)."),
)

SHARP_START = RunConfig(surface="sharp_flat", start=(-1.2, 0.3), steps=1000, tol=0.0)

SHARP_FLAT = Preset(
    name="sharp-flat",
    title="Sharp against flat minima under gradient noise",
    notice=("Both minima are equally deep (f = −1), but the left one is 16 times more curved. Gradient "
            "noise kicks the point by about lr·σ per step: in the narrow well that is enough to climb "
            "out, in the wide one it is not, so noisy runs end in the flat minimum. Halve the rate and the "
            "kicks no longer suffice."),
    page="stochastic",
    runs=(
        PresetRun("GD lr 0.1", SHARP_START.with_(optimizer_params=sgd_params(0.1))),
        PresetRun("lr 0.1 + noise σ 1.5", SHARP_START.with_(optimizer_params=sgd_params(0.1), grad_noise=1.5)),
        PresetRun("lr 0.05 + noise σ 1.5", SHARP_START.with_(optimizer_params=sgd_params(0.05), grad_noise=1.5)),
    ),
    lesson=("Without noise GD stays in the sharp well, bouncing (lr 0.1 exceeds its 2/λ ≈ 0.057); with noise "
            "σ = 1.5 at lr 0.1 all of seeds 0–15 end in the flat one, at lr 0.05 all 16 stay in the sharp one."),
)

PROJECTED = Preset(
    name="projected",
    title="Projected gradient descent on a ball",
    notice=("All four of Himmelblau's minima lie outside the disk of radius 2. Projected GD takes a gradient "
            "step and pulls the point back onto the disk. It ends on the circle where the gradient points "
            "straight into the disk: there no feasible direction goes downhill (the KKT condition)."),
    page="trajectories",
    runs=(
        PresetRun("projected GD lr 0.01", RunConfig(surface="himmelblau", start=(0.0, 0.0),
                                                    optimizer_params=sgd_params(0.01),
                                                    projection="ball", radius=2.0, steps=300, tol=1e-6)),
    ),
    lesson=("The path ends on the circle of radius 2 at (1.777, 0.917), where −∇f is a positive multiple of the "
            "point: the lowest point of Himmelblau's function on the disk, f ≈ 67.14."),
)

LINREG = RunConfig(surface="linear_regression", steps=2000, tol=1e-4)

FEATURE_SCALING = Preset(
    name="feature-scaling",
    title="Feature scaling: raw against standardised features",
    notice=("With a raw feature of mean 5 the weight and the bias are tied together: the Hessian "
            "[[E x², E x], [E x, 1]] has a condition number of about 220, and the stable step is set by its largest "
            "eigenvalue. Standardising the feature makes the Hessian the identity: one rate fits all directions."),
    page="trajectories",
    runs=(
        PresetRun("raw x, lr 0.065", LINREG.with_(optimizer_params=sgd_params(0.065))),
        PresetRun("standardised x, lr 1", LINREG.with_(surface_params=(("standardize", True),),
                                                       optimizer_params=sgd_params(1.0))),
    ),
    lesson=("With the raw feature, lr 0.065 (just under 2/λmax) needs 1051 steps to reach the tolerance; "
            "with the standardised one, lr 1 reaches it in a single step."),
)

CONVENTION_BETA = 0.9
CONVENTION_LR = 0.02

CONVENTIONS = Preset(
    name="momentum-conventions",
    title="Three momentum conventions, one path",
    notice=("Textbooks write momentum three ways: torch's v = βv + g, θ −= ηv; the classic v = βv + ηg, "
            "θ −= v; and the averaging v = βv + (1 − β)g, θ −= ηv. They are the same method: with a "
            "constant "
            "rate, give the averaging form η/(1 − β) and all three trace one path."),
    page="trajectories",
    runs=(
        PresetRun("torch, lr η", RAVINE.with_(optimizer_params=sgd_params(CONVENTION_LR, CONVENTION_BETA,
                                                                    convention="torch"), steps=300)),
        PresetRun("classic, lr η", RAVINE.with_(optimizer_params=sgd_params(CONVENTION_LR, CONVENTION_BETA,
                                                                      convention="classic"), steps=300)),
        PresetRun("averaging, lr η/(1−β)", RAVINE.with_(optimizer_params=sgd_params(
            CONVENTION_LR / (1 - CONVENTION_BETA), CONVENTION_BETA, convention="averaging"), steps=300)),
    ),
    lesson="With η = 0.02 and β = 0.9 (averaging lr 0.2) the three paths agree to within 1e-9 at every step.",
)


NEWTON_SADDLE = RunConfig(surface="saddle", optimizer="newton", start=(1.5, 0.3), steps=30)

NEWTON = Preset(
    name="newton-saddle",
    title="Newton is drawn to the saddle, saddle-free Newton leaves it",
    notice=("Newton's method jumps to where the local quadratic model is flat, and on x² − y² that is the "
            "saddle: with half steps it halves the distance to the saddle every time. Saddle-free Newton "
            "divides by |λ| instead of λ, so along the direction of negative curvature it walks downhill and "
            "away."),
    page="curvature",
    runs=(
        PresetRun("Newton, lr 0.5", NEWTON_SADDLE.with_(optimizer_params=(("lr", 0.5),))),
        PresetRun("saddle-free Newton, lr 0.5", NEWTON_SADDLE.with_(optimizer_params=(("lr", 0.5),
                                                                                     ("saddle_free", True)))),
    ),
    lesson=("Newton reaches the saddle (0, 0), where the Hessian's eigenvalues are 2 and −2, with |∇f| below "
            "1e-6 at step 22; saddle-free Newton halves x but multiplies y by 1.5 every step, so f keeps "
            "falling."),
)

ROSENBROCK = RunConfig(surface="rosenbrock", steps=2000, tol=1e-3)
# The grid each rule was tuned on (tests/test_presets.py runs it again): rates about 1.5-3 apart, two momenta.
ROSENBROCK_SGD_GRID = {"lr": (0.0005, 0.001, 0.0015, 0.002), "momentum": (0.0, 0.9, 0.95)}
ROSENBROCK_ADAM_GRID = {"lr": (0.01, 0.03, 0.1, 0.3, 1.0), "betas": ((0.9, 0.999), (0.95, 0.99))}

ROSENBROCK_VALLEY = Preset(
    name="rosenbrock",
    title="Rosenbrock's valley: GD, momentum and Adam, each tuned",
    notice=("Each rule runs with the best settings of a small grid (rates 1.5 to 3 apart; momentum 0, 0.9 or "
            "0.95; Adam's betas at torch's (0.9, 0.999) or (0.95, 0.99)). Gradient descent cannot take a "
            "larger step than the valley's steep walls allow (lr 0.0021 already diverges) and crawls along "
            "its floor. Adam does not win here: tuned, heavy ball is faster, and Adam's gift is that every "
            "rate from 0.1 to 1 works."),
    page="trajectories",
    runs=(
        PresetRun("GD lr 0.002", ROSENBROCK.with_(optimizer_params=sgd_params(0.002))),
        PresetRun("heavy ball lr 0.002, β 0.95", ROSENBROCK.with_(optimizer_params=sgd_params(0.002, 0.95))),
        PresetRun("Adam lr 0.3, β (0.95, 0.99)", ROSENBROCK.with_(
            optimizer="adam", optimizer_params=(("lr", 0.3), ("beta1", 0.95), ("beta2", 0.99)))),
    ),
    lesson=("To |∇f| < 1e-3: heavy ball takes 326 steps, Adam 463, and GD has not arrived after 2000 (its "
            "loss is still 4.6e-5)."),
)

# Gradient noise sigma = 1 on the kappa-10 bowl, 1000 steps.
NOISY_BOWL_LONG = NOISY_BOWL.with_(steps=1000)

ADAGRAD_RMSPROP = Preset(
    name="adagrad-rmsprop",
    title="AdaGrad's shrinking step against RMSProp",
    notice=("AdaGrad divides by the root of the sum of every squared gradient so far, so its steps only ever "
            "shrink: a built-in decay. RMSProp divides by a moving average that forgets, so its steps stay "
            "the same size. Both are set to take the same first step (RMSProp's first step is 10 times its "
            "rate); under gradient noise AdaGrad settles while RMSProp keeps rattling."),
    page="stochastic",
    runs=(
        PresetRun("AdaGrad lr 0.5", NOISY_BOWL_LONG.with_(optimizer="adagrad", optimizer_params=(("lr", 0.5),))),
        PresetRun("RMSProp lr 0.05", NOISY_BOWL_LONG.with_(optimizer="rmsprop", optimizer_params=(("lr", 0.05),))),
    ),
    lesson=("Both first reach f < 0.05 at step 37; by step 1000 AdaGrad's step per unit gradient has shrunk "
            "2.5 to 4 times (depending on the coordinate) while RMSProp's has not, and AdaGrad's loss over the "
            "last 200 steps averages 4 times lower."),
)

# One loss and the same loss times 100 (custom formulas, so the scale is visible in the surface's name).
SCALE_FREE_LOSS = "custom:(x - 2)**2 + 4*(y - 1)**2"
SCALE_FREE_LOSS_100 = "custom:100*((x - 2)**2 + 4*(y - 1)**2)"
DECAY = RunConfig(optimizer="adam", start=(-2.0, -2.0), steps=1000, tol=0.0)


def _adam_decay(surface: str, decoupled: bool) -> RunConfig:
    return DECAY.with_(surface=surface, optimizer_params=(("lr", 0.05), ("weight_decay", 0.5),
                                                          ("decoupled_weight_decay", decoupled)))


ADAMW = Preset(
    name="adam-l2-adamw",
    title="Adam with an L2 penalty against AdamW",
    notice=("Adam with weight_decay adds λθ to the gradient, and the sum then goes through Adam's scaling: "
            "against a loss 100 times steeper the same penalty counts 100 times less. AdamW (Adam with "
            "decoupled decay) shrinks θ by ηλ outside the gradient, and Adam's step does not see the loss's "
            "scale, so multiplying the loss by 100 changes nothing. Same λ = 0.5 and lr 0.05 everywhere."),
    page="trajectories",
    runs=(
        PresetRun("Adam + L2, f", _adam_decay(SCALE_FREE_LOSS, False)),
        PresetRun("Adam + L2, 100 f", _adam_decay(SCALE_FREE_LOSS_100, False)),
        PresetRun("AdamW, f", _adam_decay(SCALE_FREE_LOSS, True)),
        PresetRun("AdamW, 100 f", _adam_decay(SCALE_FREE_LOSS_100, True)),
    ),
    lesson=("Adam + L2 ends at the minimum of f + λ‖θ‖²/2, (1.6, 0.941), and for 100 f at (1.995, 0.999): "
            "the penalty fades as the loss steepens. AdamW's paths for f and 100 f agree to within 1e-8."),
)

WARMUP_RUN = RunConfig(surface="six_hump_camel", optimizer="adam", optimizer_params=(("lr", 2.0),), steps=200)

WARMUP = Preset(
    name="warmup",
    title="Warmup rescues Adam with a large learning rate",
    notice=("Adam's first steps are about lr long in every coordinate whatever the gradient, because m̂/√v̂ "
            "starts near ±1. At lr 2 that throws the point up the six-hump camel's steep outer wall and it "
            "settles in a poor local minimum. A linear warmup over 30 steps keeps the first steps short while "
            "v̂ learns the gradient's scale; the same run then finds the global minimum."),
    page="schedules",
    runs=(
        PresetRun("Adam lr 2", WARMUP_RUN),
        PresetRun("Adam lr 2, warmup 30", WARMUP_RUN.with_(warmup=30)),
    ),
    lesson=("Without warmup the loss jumps to over 100 times its start within 20 steps and the run ends in a "
            "local minimum at f ≈ 2.104; with warmup it ends at a global minimum, f ≈ −1.0316."),
)

PRESETS: dict[str, Preset] = {p.name: p for p in (
    ZIGZAG, NESTEROV, STEP_SIZE, SADDLE_ESCAPE, NEWTON, ROSENBROCK_VALLEY, HIMMELBLAU, RASTRIGIN, ADAGRAD_RMSPROP,
    ADAMW, WARMUP, SCHEDULES, CLIPPING, SHARP_FLAT, PROJECTED, FEATURE_SCALING, CONVENTIONS,
)}


def preset_names() -> list[str]:
    return list(PRESETS)


def preset_lines() -> list[str]:
    """One line per preset, name first, then its title: what `python -m dashboard list presets` prints."""
    width = max(len(name) for name in PRESETS)
    return [f"{name:<{width}}  {preset.title}" for name, preset in PRESETS.items()]


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}{suggest(name, PRESETS)}") from None


def batch_size(n: int) -> int:
    """Runs are batched in powers of two, at least MIN_BATCH: the engine compiles once per batch shape, so
    scenes of one structure (the ravine's 2-, 3- and 4-run scenes) then share one compiled program."""
    size = MIN_BATCH
    while size < n:
        size *= 2
    return size


def simulate_runs(configs: list[RunConfig] | tuple[RunConfig, ...]) -> list[Trajectory]:
    """Trajectories of the configs, in order: one vectorised program per structure, batch padded by
    repeating the group's last run (the padding's results are dropped)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, config in enumerate(configs):
        groups[config.structure()].append(i)
    results: list[Trajectory | None] = [None] * len(configs)
    for indices in groups.values():
        group = [configs[i] for i in indices]
        padded = group + [group[-1]] * (batch_size(len(group)) - len(group))
        for i, trajectory in zip(indices, simulate_many(padded)):
            results[i] = trajectory
    return results


def simulate_preset(preset: Preset | str) -> tuple[Trajectory, ...]:
    """Every run of a preset, in order."""
    preset = get_preset(preset) if isinstance(preset, str) else preset
    return tuple(simulate_runs(preset.configs))
