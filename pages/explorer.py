"""Learning-rate explorer: vectorised sweeps over (lr, second parameter) with theory's boundary, the
convergence-rate map of momentum, a fan of learning rates, basins of attraction and the range test."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import cached, show
from dashboard import explorer as ex
from dashboard.controls import initial, optimizer_controls
from dashboard.critical import minima
from dashboard.figures.explorer import (Boundary, FanCurve, basins_figure, loss_fan_figure, range_test_figure,
                                        rate_map_figure, sweep_heatmap)
from dashboard.scene import shared_config
from dashboard.summary import stability_bound
from landscapes import SURFACES, analysis, get_surface
from optimizers import RULES

LR_CHOICES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
RESOLUTIONS = [11, 21, 31, 41, 61]
SWEEP_CHUNKS = 6  # pieces per sweep, so the progress bar moves
RANGE_SHOWN_PAST_BLOWUP = 8
BASIN_RADIUS = 0.05  # a run has reached a minimum when it ends this fraction of the domain from it


def progress_bar(label: str):
    """A progress bar and the callback that advances it (the bar is removed when done)."""
    bar = st.progress(0.0, text=label)

    def advance(fraction: float) -> None:
        if fraction >= 1.0:
            bar.empty()
        else:
            bar.progress(fraction, text=label)

    return advance


st.title("Learning-rate explorer")
st.markdown(
    "Each pixel below is a whole run: the sweep shows at a glance where a learning rate is too small, right, "
    "too large or divergent, and on a quadratic the edge of divergence falls exactly on theory's line "
    "(2+2β)/λmax. The basins map shows how much the start point, not the optimizer, decides which minimum you reach."
)
scene = shared_config()
surface = get_surface(scene.surface)

# ---------------------------------------------------------------------------------------------------
st.header("Sweep: learning rate against a second parameter")
initial("expl.lr_low", 1e-3, options=LR_CHOICES)
initial("expl.lr_high", 3.0, options=LR_CHOICES)
initial("expl.resolution", 31, options=RESOLUTIONS)
initial("expl.metric", "final_loss", options=["final_loss", "steps_to_converge"])
settings, more = st.container(key="controls-expl-sweep").columns([2, 3])  # hidden in presentation mode
with settings:
    box = st.container(border=True)
    rule_name, rule_params = optimizer_controls("expl.opt", "sgd", {"lr": 0.1}, container=box.container(),
                                                more_container=box.expander("more optimizer settings"))
with more:
    axes = ex.second_axes(rule_name)
    row = st.columns(2)
    lr_low = row[0].select_slider("smallest lr", LR_CHOICES, key="expl.lr_low")
    lr_high = row[1].select_slider("largest lr", LR_CHOICES, key="expl.lr_high")
    row = st.columns(3)
    if axes:
        initial(f"expl.y.{rule_name}", axes[0], options=axes)
    y_name = row[0].selectbox("second parameter", axes, key=f"expl.y.{rule_name}") if axes else None
    resolution = row[1].select_slider("runs per axis", RESOLUTIONS, key="expl.resolution")
    metric = row[2].radio("colour", ["final_loss", "steps_to_converge"], key="expl.metric",
                          format_func=lambda m: {"final_loss": "final loss", "steps_to_converge": "steps to converge"}[m])
config = scene.with_(optimizer=rule_name, optimizer_params=rule_params)
grid = cached.surface_grid(scene.surface, scene.surface_params, scene.seed, resolution=41)
constant = ex.constant_hessian(grid.eigvals)  # (λmin, λmax) on a quadratic, else None
sweep_grid = None
if y_name is None:
    st.info(f"{RULES[rule_name].title} has no bounded second parameter to sweep against the learning rate.")
elif lr_low >= lr_high:
    st.error(f"The smallest lr ({lr_low:g}) must be below the largest ({lr_high:g}).")
else:
    lrs = ex.log_grid(lr_low, lr_high, resolution)
    ys = ex.axis_values(rule_name, y_name, resolution)
    try:
        sweep_grid = ex.sweep_2d(cached.sweep, config, "lr", lrs, y_name, ys, SWEEP_CHUNKS,
                                 progress_bar(f"sweeping {resolution * resolution} runs"))
    except ValueError as error:
        st.error(str(error))
if sweep_grid is not None:
    boundaries, theory = [], None
    if constant is not None and y_name == "momentum" and ex.heavy_ball_equivalent(config):
        limits = ex.heavy_ball_limits(sweep_grid.y, constant)
        boundaries.append(Boundary(limits, sweep_grid.y, "theory: η = (2+2β)/λmax"))
        theory = limits
    z = sweep_grid.final_loss if metric == "final_loss" else sweep_grid.steps_to_converge
    show.chart(sweep_heatmap(sweep_grid.x, sweep_grid.y, z, x_name="learning rate η", y_name=y_name,
                                  metric=metric, diverged=sweep_grid.diverged, boundaries=boundaries),
                    key="expl.heatmap", export="lr_sweep")
    st.latex(r"\text{heavy ball on } f=\tfrac12\theta^\top H\theta:\ \ "
             r"\theta_{t+1}=\theta_t-\eta\nabla f(\theta_t)+\beta(\theta_t-\theta_{t-1})\ \text{ is stable iff }\ "
             r"0<\eta\lambda_{\max}<2+2\beta")
    if theory is not None:
        st.caption(f"λmax = {constant[1]:.4g} everywhere on this surface (a quadratic), so theory's edge is "
                   f"η = 2/λmax = {2 / constant[1]:.4g} at β = 0, rising to {theory[-1]:.4g} at β = {sweep_grid.y[-1]:.3g}. "
                   f"Grey cells diverged within {scene.steps} steps; runs just past the line grow slowly and may "
                   "not have left the domain yet.")
    elif constant is None:
        st.caption("The Hessian changes over this surface, so no single line separates stable from unstable "
                   "rates; choose the quadratic ravine in the sidebar to see theory's boundary.")
    else:
        st.caption("Theory's line is drawn for heavy ball only (SGD with momentum, no dampening, Nesterov, "
                   "weight decay, schedule, warmup or noise): these settings differ.")

    # -----------------------------------------------------------------------------------------------
    st.subheader("Convergence rate of momentum on a quadratic (theory)")
    if constant is not None and y_name == "momentum" and rule_name == "sgd":
        rate = ex.heavy_ball_rate(sweep_grid.x[None, :], sweep_grid.y[:, None], constant)
        show.chart(rate_map_figure(sweep_grid.x, sweep_grid.y, rate, boundaries=boundaries),
                        key="expl.ratemap")
        st.latex(r"\rho(\eta,\beta)=\max_{\lambda\in\{\lambda_{\min},\lambda_{\max}\}}\ \max|z|,\quad "
                 r"z^2-(1+\beta-\eta\lambda)z+\beta=0,\qquad \|\theta_t-\theta^*\|\sim\rho^t")
        best_lr, best_beta = analysis.heavy_ball_optimal(constant)
        kappa = constant[1] / constant[0]
        st.caption(f"Best: η* = {best_lr:.4g}, β* = {best_beta:.4g} (Polyak), rate ρ* = (√κ−1)/(√κ+1) = "
                   f"{analysis.heavy_ball_rate(kappa):.4g} per step against {analysis.gd_rate(kappa):.4g} for the best "
                   f"plain gradient descent (κ = {kappa:.4g}).")
    else:
        st.info("The rate map needs a quadratic surface (constant Hessian) and SGD with momentum on the y axis.")

# ---------------------------------------------------------------------------------------------------
st.header("A fan of learning rates")
try:
    lam_max = float(cached.simulate(config.with_(steps=1)).eigvals[0, 1])  # λmax at the start point
    bound = stability_bound(config, lam_max)
    rates, basis = ex.fan_learning_rates(bound.lr if bound else None, dict(rule_params)["lr"])
    fan = cached.simulate_many(tuple(config.with_(optimizer_params=tuple(
        (k, (r if k == "lr" else v)) for k, v in rule_params)) for r in rates))
except ValueError as error:
    st.error(str(error))
else:
    curves = []
    for slot, (rate_, traj) in enumerate(zip(rates, fan)):
        share = f" = {rate_ / bound.lr:.2g}·{bound.formula}" if bound else ""
        # A diverged run is frozen where it blew up: end its curve there rather than draw a flat line.
        loss = traj.loss if traj.diverged_at is None else traj.loss[:traj.diverged_at + 1]
        curves.append(FanCurve(f"η = {rate_:.3g}{share}: {ex.outcome(traj.loss, traj.status, traj.update)}", slot, loss))
    show.chart(loss_fan_figure(curves), key="expl.fan")
    if bound:
        st.caption(f"Rates chosen as fractions of the stability limit {bound.formula} = {bound.lr:.4g}, with λmax = "
                   f"{lam_max:.4g} at the start point (the local quadratic model).")
    else:
        st.caption("No stability limit applies here (adaptive rule, or no positive curvature at the start), so the "
                   "fan spans 0.1× to 10× the optimizer's learning rate.")

# ---------------------------------------------------------------------------------------------------
st.header("Basins of attraction")
names = list(SURFACES)
initial("expl.basin.surface", "himmelblau" if "himmelblau" in SURFACES else names[0], options=names)
initial("expl.basin.resolution", 41, options=RESOLUTIONS)
basin_cols = st.container(key="controls-expl-basin").columns([1, 1, 2])
basin_surface = get_surface(basin_cols[0].selectbox("surface", names, key="expl.basin.surface",
                                                    format_func=lambda n: SURFACES[n].title))
basin_res = basin_cols[1].select_slider("starts per axis", RESOLUTIONS, key="expl.basin.resolution")
with basin_cols[2]:
    basin_box = st.container(border=True)
    basin_rule, basin_params = optimizer_controls("expl.basin.opt", "sgd", {"lr": 0.01},
                                                  container=basin_box.container(),
                                                  more_container=basin_box.expander("more optimizer settings"))
(bx0, bx1), (by0, by1) = basin_surface.domain
xs, ys_ = np.linspace(bx0, bx1, basin_res), np.linspace(by0, by1, basin_res)
basin_config = scene.with_(surface=basin_surface.name, surface_params=(), start=None, optimizer=basin_rule,
                           optimizer_params=basin_params)
try:
    basin_grid = ex.sweep_2d(cached.sweep, basin_config, "start_x", xs, "start_y", ys_, SWEEP_CHUNKS,
                             progress_bar(f"running from {basin_res * basin_res} starts"))
except ValueError as error:
    st.error(str(error))
else:
    critical = cached.critical_points(basin_surface.name, (), scene.seed)
    lows = minima(critical)
    radius = BASIN_RADIUS * max(bx1 - bx0, by1 - by0)
    labels = ex.basin_labels(basin_grid.final_xy, basin_grid.status, lows, radius)
    contour = cached.surface_grid(basin_surface.name, (), scene.seed, resolution=81)
    show.chart(basins_figure(xs, ys_, labels, lows, contour, log_contours=basin_surface.log_contours,
                                  critical=critical), key="expl.basins")
    shares = ex.basin_shares(labels, len(lows))
    table = [{"minimum": str(i + 1), "x": lows[i, 0], "y": lows[i, 1], "share of starts": shares[i]} for i in range(len(lows))]
    table.append({"minimum": "none", "x": np.nan, "y": np.nan, "share of starts": shares[-1]})
    st.dataframe(pd.DataFrame(table), hide_index=True, key="expl.basin.table")
    st.caption(f"{scene.steps} steps from each start; a run counts for a minimum when it ends within {radius:.3g} of "
               "it. 'none': diverged, or still elsewhere (a saddle, a slow valley) when the steps ran out.")

# ---------------------------------------------------------------------------------------------------
st.header("Learning-rate range test")
st.markdown("One run whose learning rate grows by a constant factor every step (Smith 2017): the loss falls "
            "while η is useful and blows up once η is too large. Read the suggested rate off the curve.")
st.latex(r"\eta_t=\eta_{\min}\,\gamma^t,\qquad \gamma=(\eta_{\max}/\eta_{\min})^{1/(T-1)}")
initial("expl.range.low", 1e-4, options=LR_CHOICES)
initial("expl.range.high", 10.0, options=LR_CHOICES)
initial("expl.range.steps", 100, low=10, high=500)
range_cols = st.container(key="controls-expl-range").columns(3)
range_low = range_cols[0].select_slider("η at the first step", LR_CHOICES, key="expl.range.low")
range_high = range_cols[1].select_slider("η at the last step", LR_CHOICES, key="expl.range.high")
range_steps = range_cols[2].slider("steps T", 10, 500, step=10, key="expl.range.steps")
try:
    gamma = ex.range_test_gamma(range_low, range_high, range_steps)
    range_config = config.with_(schedule="exponential", schedule_params=(("gamma", gamma),), warmup=0,
                                steps=range_steps, optimizer_params=tuple(
                                    (k, (range_low if k == "lr" else v)) for k, v in rule_params))
    range_run = cached.simulate(range_config)
except ValueError as error:
    st.error(f"Range test: {error}")
else:
    result = ex.range_test(*ex.range_test_curve(range_run.lr, range_run.loss))
    shown = slice(0, max(result.usable + RANGE_SHOWN_PAST_BLOWUP, 3))  # a little of the blow-up, not all of it
    show.chart(range_test_figure(result.lr[shown], result.loss[shown], result.suggested_lr,
                                      steepest_lr=result.steepest_lr),
                    key="expl.range")
    if result.suggested_lr is None:
        st.warning("The loss blew up within the first steps: lower the starting η.")
    else:
        st.caption(f"γ = {gamma:.5g} per step. The smoothed loss is lowest at η = {result.min_loss_lr:.3g}; the "
                   f"suggestion is a tenth of that, η = {result.suggested_lr:.3g} (fastai's 'minimum/10'), "
                   + (f"beside the steepest fall at η = {result.steepest_lr:.3g}. " if result.steepest_lr else "")
                   + f"The curve stops where the loss first exceeds {ex.BLOWUP_FACTOR:g}× its best.")
