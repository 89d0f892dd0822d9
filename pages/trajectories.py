"""Trajectories (landing page): up to six optimizers' paths on the shared surface, animated side by side."""
from __future__ import annotations

import functools

import streamlit as st

from dashboard import cached, export, show
from dashboard.controls import initial, optimizer_controls
from dashboard.critical import minima
from dashboard.figures.curves import SPEEDS_MS, PathView
from dashboard.figures.landscape import CLICK_TRACE_INDEX, surface_3d_figure, trajectories_spec
from dashboard.figures.style import colour
from dashboard.engine import RunConfig
from dashboard.live_scene import scene_fragment
from dashboard.scene import start_from_click
from dashboard.summary import ending_markdown, trajectories_csv
from landscapes import get_surface
from optimizers import RULES

MAX_OPTIMIZERS = 6
CHART_KEY = "traj.chart"
STEP_KEY = "traj.step"  # the step the figure shows (-1: the end); ← → and a clicker's PageUp/PageDown move it
# What each slot starts as: GD, heavy ball, then whichever of these rules the registry has.
SLOT_DEFAULTS = (
    ("sgd", {"lr": 0.05}),
    ("sgd", {"lr": 0.05, "momentum": 0.8}),
    ("adam", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("rmsprop", {"lr": 0.05}),
    ("adagrad", {"lr": 0.5}),
)
CONTOUR_RESOLUTION = 61  # grid points per axis: smooth contours at a third of 101x101's bytes and drawing time
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10)


def slot_default(slot: int) -> tuple[str, dict]:
    rule, params = SLOT_DEFAULTS[slot]
    return (rule, params) if rule in RULES else ("sgd", {"lr": 0.05})


st.title("Trajectories")
st.markdown(
    "Watch how each update rule turns the same gradients into a different path: plain gradient descent "
    "zig-zags across a steep valley while momentum builds speed along it. Where the dashed first-order "
    "prediction and the solid actual decrease part company, the step is too long for the local curvature."
)

initial("traj.count", 2, low=1, high=MAX_OPTIMIZERS)
initial("traj.arrows", True)
initial("traj.show3d", False)
initial("traj.speed", "normal", options=list(SPEEDS_MS))
initial("traj.tol", 1e-6, options=TOLERANCES)
controls = st.container(key="controls-traj")  # hidden in presentation mode
options = controls.columns(5)
count = options[0].number_input("optimizers", 1, MAX_OPTIMIZERS, step=1, key="traj.count",
                                help="how many optimizers to overlay (up to six)")
show_arrows = options[1].toggle("step arrows", key="traj.arrows",
                                help="gradient, velocity, update (and per-axis steps of adaptive methods)")
show_3d = options[2].toggle("3-D view", key="traj.show3d")
speed = options[3].selectbox("playback speed", list(SPEEDS_MS), key="traj.speed")
tol = options[4].select_slider("tolerance ‖∇f‖ <", TOLERANCES, key="traj.tol", format_func="{:g}".format,
                               help="a path has converged once its gradient norm is below this")

slots = []  # (slot, rule name, its parameters, the box its error goes in)
for row_start in range(0, int(count), 3):
    columns = controls.columns(3)
    for offset, column in enumerate(columns):
        slot = row_start + offset
        if slot >= count:
            break
        box = column.container(border=True)
        default_rule, default_params = slot_default(slot)
        box.markdown(f"<span style='color:{colour(slot)};font-size:1.4em'>●</span> **optimizer {slot + 1}**",
                     unsafe_allow_html=True)
        rule_name, params = optimizer_controls(f"traj.opt{slot}", default_rule, default_params, container=box.container(),
                                               more_container=box.expander("more settings"))
        slots.append((slot, rule_name, params, box))


def draw(scene: RunConfig) -> None:
    """Everything that depends on the scene: moving a scene control reruns only this (live_scene)."""
    surface = get_surface(scene.surface)
    paths = []
    for slot, rule_name, params, box in slots:
        config = scene.with_(optimizer=rule_name, optimizer_params=params, tol=float(tol))
        try:
            traj = cached.simulate(config)
        except ValueError as error:
            box.error(f"optimizer {slot + 1}: {error}")
            continue
        paths.append(PathView(f"{slot + 1} {RULES[rule_name].title}", slot, traj))
    if not paths:
        st.error("No optimizer could run with these settings; see the messages above.")
        return

    try:
        grid = cached.surface_grid(scene.surface, scene.surface_params, scene.seed, resolution=CONTOUR_RESOLUTION)
        critical = cached.critical_points(scene.surface, scene.surface_params, scene.seed)
    except ValueError as error:
        st.error(str(error))
        return

    figure = trajectories_spec(paths, grid, surface.domain, log_contours=surface.log_contours, critical=critical,
                              minima=minima(critical), arrows=show_arrows, speed=speed)
    show.chart(figure, key=CHART_KEY, on_click=functools.partial(start_from_click, CLICK_TRACE_INDEX),
               export="trajectories", step_key=STEP_KEY)
    show.gif_download(lambda progress: export.playback_gif(
        export.Playback(paths, grid, surface.domain, title=f"Trajectories on {surface.title}",
                        log_contours=surface.log_contours, critical=critical), progress=progress),
        key="traj.gif", file_name="trajectories.gif", signature=tuple(p.traj.config for p in paths))
    if show_3d:
        show.chart(surface_3d_figure(paths, grid, log_scale=surface.log_contours, critical=critical),
                   key="traj.chart3d")
    st.markdown(ending_markdown(paths, colour), unsafe_allow_html=True)
    st.download_button("Download trajectories (CSV)", data=trajectories_csv(paths),
                       file_name=f"trajectories_{scene.surface}.csv", mime="text/csv", key="traj.csv",
                       on_click="ignore")


st.caption("Click anywhere on the contour to start every path there. Press ▶ Play to watch the paths grow, "
           "or drag the step slider under the chart to scrub.")
scene_fragment(draw)

# The rules follow the optimizer controls, not the scene: drawn outside the fragment, they are not typeset
# again on every move of a scene control.
rules = []
for name in dict.fromkeys(rule_name for _, rule_name, _, _ in slots):
    dots = " ".join(f"<span style='color:{colour(slot)}'>●</span>" for slot, rule_name, _, _ in slots
                    if rule_name == name)
    rules.append((f"{dots} **{RULES[name].title}**", RULES[name].latex))
show.update_rules(rules)
