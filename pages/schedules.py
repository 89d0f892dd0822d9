"""Learning-rate schedules and warmup: build any schedule, compare schedules on one surface, and see a
warmup rescue Adam at a large learning rate."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cached, show, warmup_demo
from dashboard.controls import initial, optimizer_controls, schedule_controls
from dashboard.critical import minima
from dashboard.figures.curves import PathView
from dashboard.figures.schedules import ScheduleCurve, schedule_comparison_spec, schedule_figure
from dashboard.scene import shared_config
from landscapes import get_surface
from optimizers import RULES, SCHEDULES
from optimizers.schedules import schedule_values, torch_code

MAX_COMPARED = 3
COMPARE_DEFAULTS = ("constant", "step", "cosine")
BASE_LRS = [0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0]
WARMUP_LATEX = r"\eta_t=\eta_{\text{peak}}\,\frac{t+1}{W}\ \ (t<W),\qquad \eta_t=\text{schedule}(t-W)\ \ (t\ge W)"

st.title("Learning-rate schedules and warmup")
st.markdown(
    "A schedule changes only the step length over time, yet it decides whether a run settles, stalls or "
    "escapes: watch the loss curves part where the rates part. A short linear warmup keeps the first, "
    "least informed steps small, which is what rescues Adam at a large learning rate below."
)
scene = shared_config()
surface = get_surface(scene.surface)

# ---------------------------------------------------------------------------------------------------
st.header("Build a schedule")
controls, chart = st.columns([1, 2])
with controls.container(key="controls-sched-build"):  # hidden in presentation mode
    initial("sched.build.lr", 0.1, options=BASE_LRS)
    base_lr = st.select_slider("base learning rate η", BASE_LRS, key="sched.build.lr",
                               help="the optimizer's lr; one-cycle and cyclic set their own rates")
    name, values, warmup = schedule_controls("sched.build", "cosine")
    initial("sched.build.log", False)
    log_y = st.toggle("log scale", key="sched.build.log")
schedule = SCHEDULES[name]
try:
    lr, momentum = schedule_values(name, dict(values), base_lr, scene.steps, warmup)
    code = torch_code(name, dict(values), warmup)
except ValueError as error:
    chart.error(str(error))
else:
    with chart:
        curve = ScheduleCurve(schedule.title + (f" + {warmup}-step warmup" if warmup else ""), 0, lr, momentum, warmup)
        show.chart(schedule_figure([curve], log_y=log_y), key="sched.build.chart")
        st.latex(schedule.latex)
        if warmup:
            st.latex(WARMUP_LATEX)
        st.caption(f"{scene.steps} updates (the sidebar's steps). η at t = 0: {lr[0]:.4g}; largest: {lr.max():.4g}; "
                   f"last: {lr[-1]:.4g}." + (f" {schedule.note}" if schedule.note else ""))
        st.markdown("The same schedule in PyTorch:")
        st.code(code, language="python")

# ---------------------------------------------------------------------------------------------------
st.header("Schedules side by side")
st.markdown(f"The same optimizer from the same start on **{surface.title}** (the sidebar's scene), one schedule each.")
initial("sched.cmp.count", 3, low=2, high=MAX_COMPARED)
top = st.container(key="controls-sched-cmp").columns([1, 3])
count = top[0].number_input("schedules", 2, MAX_COMPARED, step=1, key="sched.cmp.count")
with top[1]:
    opt_box = st.container(border=True)
    rule_name, rule_params = optimizer_controls("sched.cmp.opt", "sgd", {"lr": 0.1}, container=opt_box.container(),
                                                more_container=opt_box.expander("more optimizer settings"))
paths, rows = [], []
columns = st.columns(MAX_COMPARED)
for slot in range(int(count)):
    box = columns[slot].container(border=True)
    box.markdown(f"**schedule {slot + 1}**")
    s_name, s_values, s_warmup = schedule_controls(f"sched.cmp{slot}", COMPARE_DEFAULTS[slot],
                                                   container=box.container(key=f"controls-sched-cmp{slot}"))
    config = scene.with_(optimizer=rule_name, optimizer_params=rule_params, schedule=s_name,
                         schedule_params=s_values, warmup=s_warmup)
    try:
        traj = cached.simulate(config)
    except ValueError as error:
        box.error(f"schedule {slot + 1}: {error}")
        continue
    label = f"{slot + 1} {SCHEDULES[s_name].title}" + (f" +W{s_warmup}" if s_warmup else "")
    paths.append(PathView(label, slot, traj))
    box.latex(SCHEDULES[s_name].latex)
    rows.append({"schedule": label, "final loss": float(traj.loss[-1]), "status": traj.final_status,
                 "converged at": traj.converged_at, "diverged at": traj.diverged_at})
try:
    grid = cached.surface_grid(scene.surface, scene.surface_params, scene.seed, resolution=101)
    critical = cached.critical_points(scene.surface, scene.surface_params, scene.seed)
except ValueError as error:
    st.error(str(error))
    st.stop()
if paths:
    figure = schedule_comparison_spec(paths, grid, surface.domain, log_contours=surface.log_contours,
                                      critical=critical)
    show.chart(figure, key="sched.cmp.chart", export="schedules", step_key="sched.cmp.step")
    show.update_rule(RULES[rule_name].latex)
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="sched.cmp.table")
else:
    st.error("No schedule could run with these settings; see the messages above.")

# ---------------------------------------------------------------------------------------------------
st.header("Warmup rescues Adam at a large learning rate")
demo_surface = get_surface(warmup_demo.DEMO_SURFACE)
if warmup_demo.DEMO_RULE not in RULES:
    st.info("This demonstration needs the Adam optimizer, which this build does not have.")
    st.stop()
st.markdown(
    f"Adam's first steps have length ≈ η on each axis whatever the gradient, because m̂/√v̂ ≈ ±1 before v̂ "
    f"has seen the gradient's scale. On **{demo_surface.title}** with η = {warmup_demo.DEMO_LR:g} the first "
    "steps throw the point up the steep outer wall; a linear warmup keeps them short until v̂ has learnt the scale."
)
st.latex(r"\theta_t=\theta_{t-1}-\eta_t\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon},\qquad "
         r"\hat m_1/\sqrt{\hat v_1}=\operatorname{sign}(g_1)\ \Rightarrow\ |\Delta\theta_1|\approx\eta_1")
initial("sched.demo.lr", warmup_demo.DEMO_LR, options=BASE_LRS)
initial("sched.demo.warmup", warmup_demo.DEMO_WARMUP, low=1, high=150)
demo_controls = st.container(key="controls-sched-demo").columns(2)
demo_lr = demo_controls[0].select_slider("Adam's learning rate η", BASE_LRS, key="sched.demo.lr")
demo_warmup = demo_controls[1].slider("warmup steps W", 1, 150, key="sched.demo.warmup")
failing_config, warmed_config = warmup_demo.demo_configs(demo_lr, demo_warmup)
failing, warmed = cached.simulate(failing_config), cached.simulate(warmed_config)
demo_grid = cached.surface_grid(demo_surface.name, (), 0, resolution=101)
demo_critical = cached.critical_points(demo_surface.name, (), 0)
show.chart(schedule_comparison_spec(
    [PathView(f"Adam η={demo_lr:g}, no warmup", 1, failing), PathView(f"Adam η={demo_lr:g}, warmup {demo_warmup}", 2, warmed)],
    demo_grid, demo_surface.domain, log_contours=demo_surface.log_contours, critical=demo_critical),
    key="sched.demo.chart")
v_fail, v_warm = warmup_demo.verdict(failing), warmup_demo.verdict(warmed)
# The loss at each minimum, from the engine (row 0 of a run started there).
minimum_losses = [float(cached.simulate(failing_config.with_(start=tuple(xy), steps=1)).loss[0])
                  for xy in minima(demo_critical)]
st.dataframe(pd.DataFrame([
    {"run": "no warmup", "loss at start": v_fail.start_loss, f"highest loss in the first {warmup_demo.EARLY_STEPS} steps":
     v_fail.early_peak, "final loss": v_fail.final_loss, "ends at": f"({v_fail.final_xy[0]:.3f}, {v_fail.final_xy[1]:.3f})"},
    {"run": f"warmup {demo_warmup}", "loss at start": v_warm.start_loss,
     f"highest loss in the first {warmup_demo.EARLY_STEPS} steps": v_warm.early_peak, "final loss": v_warm.final_loss,
     "ends at": f"({v_warm.final_xy[0]:.3f}, {v_warm.final_xy[1]:.3f})"},
]), hide_index=True, key="sched.demo.table")
if minimum_losses:
    global_min = min(minimum_losses)
    if warmup_demo.rescued(v_fail, v_warm, global_min):
        st.success(f"Without warmup the loss jumps from {v_fail.start_loss:.3g} to {v_fail.early_peak:.3g} within "
                   f"{warmup_demo.EARLY_STEPS} steps and the run ends at {v_fail.final_loss:.4g}; with a {demo_warmup}-step "
                   f"warmup it never rises and ends at the global minimum f = {global_min:.4f}.")
    else:
        st.info(f"With these settings warmup does not rescue the run (global minimum f = {global_min:.4f}): "
                "compare the final losses in the table.")
st.caption("Numbers from the two runs drawn above; change η or W to see where the rescue holds and where it does not.")
