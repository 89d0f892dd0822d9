"""Stochastic gradients: minibatch SGD on the data-defined losses (seed fans, noise floor, full batch
against minibatch, held-out loss with early stopping) and gradient noise leaving a saddle."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cached, holdout, show
from dashboard import stochastic as sto
from dashboard.controls import initial, optimizer_controls
from dashboard.engine import RunConfig
from dashboard.figures.stochastic import Run, holdout_figure, saddle_escape_figure, seed_fan_figure, side_by_side_figure
from dashboard.scene import shared_config
from landscapes import SURFACES, get_surface

MAX_SEEDS = 32
NOISES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
SADDLE_STEPS = 60
SADDLE_START = (1.5, 0.0)  # exactly on the saddle's stable axis: without noise the path never leaves it
SADDLE_DROP = 1.0  # "left the saddle" once the loss is this far below the saddle's f = 0

st.title("Stochastic gradients")
st.markdown(
    "A minibatch gradient is the full gradient plus noise whose size shrinks with the batch: the paths fan out, "
    "and near the minimum the loss stops falling at a noise floor instead of converging. The same noise that "
    "blurs the end of training pushes a path off a saddle that exact gradient descent cannot leave."
)
st.latex(r"g_t=\frac1{|B_t|}\sum_{i\in B_t}\nabla\ell_i(\theta_t),\quad \mathbb E[g_t]=\nabla L(\theta_t),\quad "
         r"\operatorname{Cov}[g_t]=\frac{N-|B|}{N-1}\,\frac{\Sigma(\theta_t)}{|B|},\qquad \theta_{t+1}=\theta_t-\eta\,g_t")

scene = shared_config()
data_surfaces = [name for name, s in SURFACES.items() if s.is_data_defined]
if not data_surfaces:
    st.info("No data-defined surface is registered in this build.")
    st.stop()
default_surface = scene.surface if scene.surface in data_surfaces else (
    "logistic_regression" if "logistic_regression" in data_surfaces else data_surfaces[0])
MIN_DELTAS = [0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
initial("stoch.surface", default_surface, options=data_surfaces)
initial("stoch.seeds", 8, low=1, high=MAX_SEEDS)
initial("stoch.patience", 5, low=1, high=100)
initial("stoch.min_delta", 1e-3, options=MIN_DELTAS)
initial("stoch.log", True)
top = st.container(key="controls-stoch").columns([1, 1, 1, 2])  # hidden in presentation mode
surface = get_surface(top[0].selectbox("data-defined loss", data_surfaces, key="stoch.surface",
                                       format_func=lambda n: SURFACES[n].title))
initial("stoch.batch", 4, low=1, high=surface.n_samples)
batch = top[1].slider("batch size |B|", 1, surface.n_samples, key="stoch.batch",
                      help=f"{surface.n_samples} = the whole dataset (full batch)")
n_seeds = top[2].slider("seeds in the fan", 1, MAX_SEEDS, key="stoch.seeds")
with top[3]:
    box = st.container(border=True)
    rule_name, rule_params = optimizer_controls("stoch.opt", "sgd", {"lr": 1.0}, container=box.container(),
                                                more_container=box.expander("more optimizer settings"))
if scene.surface == surface.name:
    base = scene
else:
    # The sidebar's start still applies where it lies inside this surface's domain, so moving it moves the paths.
    (x0, x1), (y0, y1) = surface.domain
    inside = scene.start is not None and x0 <= scene.start[0] <= x1 and y0 <= scene.start[1] <= y1
    base = RunConfig(surface=surface.name, start=scene.start if inside else None, steps=scene.steps, seed=scene.seed)
    st.caption(f"The sidebar's surface has no data; this page runs **{surface.title}** with its default parameters, "
               + ("from the sidebar's start point." if inside else "from its default start (the sidebar's start lies "
                  "outside its domain).") + " Pick it in the sidebar to change its parameters.")
config = base.with_(optimizer=rule_name, optimizer_params=rule_params, batch_size=int(batch))
full_config = config.with_(batch_size=0)
try:
    fan = cached.simulate_many(sto.seed_fan(config, int(n_seeds)))
    full_fan = cached.simulate_many(sto.seed_fan(full_config, int(n_seeds)))  # same seeds, same data, full batch
    full = full_fan[0]
    grid = cached.surface_grid(surface.name, base.surface_params, base.seed, resolution=81)
except ValueError as error:
    st.error(str(error))
    st.stop()

# ---------------------------------------------------------------------------------------------------
st.header("A fan of seeds and the noise floor")
log_loss = st.container(key="controls-stoch-log").toggle("log-scale loss", key="stoch.log")
floor = sto.noise_floor([t.loss for t in fan])
# Each seed has its own data, so the floor's height is read against the full-batch run on the same data.
excess = sto.noise_floor([t.loss - f.loss for t, f in zip(fan, full_fan)])
seeds = [Run(f"seed {t.config.seed}", 0, t.xy, t.loss) for t in fan]
full_run = Run("full batch", 2, full.xy, full.loss)
show.chart(seed_fan_figure(seeds, sto.mean_path([t.xy for t in fan]), grid, surface.domain, full_batch=full_run,
                                floor=(floor.level, floor.spread, floor.first_step), log_loss=log_loss,
                                log_contours=surface.log_contours), key="stoch.fan", export="seed_fan")
st.latex(r"\bar\theta_t=\frac1S\sum_{s=1}^{S}\theta_t^{(s)},\qquad "
         r"\text{floor}=\operatorname{mean}\{L(\theta_t^{(s)}):\ t\ge T/2\}")
st.caption(f"Noise floor over steps {floor.first_step}–{scene.steps} of {len(fan)} seeds: loss {floor.level:.4g} "
           f"± {floor.spread:.2g}, which is {excess.level:.3g} ± {excess.spread:.2g} above full-batch runs on the same "
           f"seeds' data (seed {base.seed}'s full-batch run, dashed, ends at {full.loss[-1]:.4g}). Each seed draws its "
           "own sample of the data as well as its own minibatches (the engine ties both to the seed); the contour is "
           f"the sample of seed {base.seed}.")

# ---------------------------------------------------------------------------------------------------
st.header("Full batch against minibatch")
mini = fan[0]
show.chart(side_by_side_figure(Run(f"full batch ({surface.n_samples} samples)", 2, full.xy, full.loss),
                                    Run(f"minibatch |B| = {batch}", 0, mini.xy, mini.loss), grid, surface.domain,
                                    log_contours=surface.log_contours), key="stoch.side")
st.dataframe(pd.DataFrame([
    {"run": "full batch", "final loss": float(full.loss[-1]), "final ‖∇L‖": float(full.grad_norm[-1]),
     "status": full.final_status},
    {"run": f"minibatch |B| = {batch}", "final loss": float(mini.loss[-1]), "final ‖∇L‖": float(mini.grad_norm[-1]),
     "status": mini.final_status},
]), hide_index=True, key="stoch.side.table")

# ---------------------------------------------------------------------------------------------------
st.header("Training against held-out loss, with early stopping")
stop_cols = st.container(key="controls-stoch-stop").columns(2)
patience = stop_cols[0].slider("patience (steps without improvement)", 1, 100, key="stoch.patience")
min_delta = stop_cols[1].select_slider("min_delta", MIN_DELTAS, key="stoch.min_delta")
heldout = holdout.losses_on(surface.name, base.surface_params, base.seed, mini.xy)
stop = sto.early_stopping(heldout, int(patience), float(min_delta))
show.chart(holdout_figure(mini.loss, heldout, stop.best_step, stop.stop_step, log_loss=log_loss),
                key="stoch.holdout")
st.latex(r"\text{improve at }t\iff L_{\text{held-out}}(\theta_t)<\min_{s<t}L_{\text{held-out}}(\theta_s)-\delta_{\min};"
         r"\quad\text{stop after } p \text{ steps without improvement}")
if stop.stop_step is None:
    st.caption(f"The held-out loss kept improving (by more than {min_delta:g}) at least every {patience} steps: no "
               f"early stop within {scene.steps} steps; best at step {stop.best_step} ({heldout[stop.best_step]:.4g}).")
else:
    st.caption(f"Stop at step {stop.stop_step}: {patience} steps without an improvement of more than {min_delta:g}; "
               f"restore the weights of step {stop.best_step} (held-out loss {heldout[stop.best_step]:.4g}, "
               f"training loss {mini.loss[stop.best_step]:.4g}). The held-out set is a second sample of "
               f"{surface.n_samples} points from the same distribution (another key of the same seed).")

# ---------------------------------------------------------------------------------------------------
st.header("Noise leaves a saddle")
st.markdown("On f = x² − y², a path started exactly on the x axis slides into the saddle and stays: the gradient "
            "there has no y component. Gradient noise gives it one, and the unstable direction does the rest.")
st.latex(r"y_{t+1}=(1+2\eta)\,y_t+\eta\,\sigma\,\xi_t,\qquad \xi_t\sim\mathcal N(0,1)")
SADDLE_LRS = [0.01, 0.03, 0.05, 0.1, 0.2, 0.3]
initial("stoch.saddle.noise", 0.01, options=NOISES)
initial("stoch.saddle.lr", 0.1, options=SADDLE_LRS)
saddle_cols = st.container(key="controls-stoch-saddle").columns(2)
sigma = saddle_cols[0].select_slider("gradient noise σ", NOISES, key="stoch.saddle.noise")
saddle_lr = saddle_cols[1].select_slider("learning rate η", SADDLE_LRS, key="stoch.saddle.lr")
saddle = get_surface("saddle")
saddle_base = RunConfig(surface="saddle", optimizer="sgd", optimizer_params=(("lr", float(saddle_lr)),),
                        start=SADDLE_START, steps=SADDLE_STEPS, seed=scene.seed)
still = cached.simulate(saddle_base)
noisy = cached.simulate_many(sto.seed_fan(saddle_base.with_(grad_noise=float(sigma)), min(int(n_seeds), 8)))
saddle_grid = cached.surface_grid("saddle", (), 0, resolution=81)
show.chart(saddle_escape_figure(Run("no noise", 6, still.xy, still.loss),
                                     [Run(f"σ = {sigma:g}", 1, t.xy, t.loss) for t in noisy], saddle_grid,
                                     saddle.domain, critical=cached.critical_points("saddle", (), 0)),
                key="stoch.saddle")
left = [sto.left_at(t.loss, 0.0, SADDLE_DROP) for t in noisy]
escaped = [s for s in left if s is not None]
still_end = still.xy[-1]
st.caption(f"Without noise: {still.final_status} at ({still_end[0]:.2g}, {still_end[1]:.2g}), loss {still.loss[-1]:.3g}"
           + (f" (the gradient norm fell below the tolerance at step {still.converged_at}, at a saddle, not a minimum)"
              if still.converged_at is not None else "")
           + f". With σ = {sigma:g}: {len(escaped)} of {len(noisy)} runs fell below f = −{SADDLE_DROP:g}"
           + (f", the first at step {min(escaped)}." if escaped else f" within {SADDLE_STEPS} steps."))
