"""Curvature (Hessian): eigenvalues along each path against the step size's stability limit, the local
quadratic at the current step, a map of curvature types, critical points and Newton's step."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cached, show
from dashboard.controls import initial, optimizer_controls
from dashboard.figures.curvature import curvature_map_figure, curvature_spec, newton_figure
from dashboard.figures.curves import SPEEDS_MS, PathView
from dashboard.figures.style import colour
from dashboard.geometry import condition_number, curvature_kind
from dashboard.engine import RunConfig
from dashboard.live_scene import scene_fragment
from landscapes import get_surface
from optimizers import RULES

MAX_OPTIMIZERS = 3
SLOT_DEFAULTS = (("sgd", {"lr": 0.15}), ("sgd", {"lr": 0.15, "momentum": 0.8}), ("sgd", {"lr": 0.05}))

st.title("Curvature (Hessian)")
st.markdown(
    "A step is stable only while the sharpest curvature λmax stays below 2/η (or (2+2β)/η with heavy-ball "
    "momentum): watch the solid λmax curve against each dotted limit. The dashed ellipse is the local "
    "quadratic model: the longer and thinner it is (large condition number), the more gradient descent zig-zags."
)

initial("curv.count", 2, low=1, high=MAX_OPTIMIZERS)
initial("curv.speed", "normal", options=list(SPEEDS_MS))
controls = st.container(key="controls-curv")  # hidden in presentation mode
left, right = controls.columns(2)
count = left.number_input("optimizers", 1, MAX_OPTIMIZERS, step=1, key="curv.count")
speed = right.selectbox("playback speed", list(SPEEDS_MS), key="curv.speed")

slots = []  # (slot, rule name, its parameters, the box its error goes in)
columns = controls.columns(MAX_OPTIMIZERS)
for slot in range(int(count)):
    box = columns[slot].container(border=True)
    rule_name, defaults = SLOT_DEFAULTS[slot]
    box.markdown(f"<span style='color:{colour(slot)};font-size:1.4em'>●</span> **optimizer {slot + 1}**",
                 unsafe_allow_html=True)
    rule_name, params = optimizer_controls(f"curv.opt{slot}", rule_name, defaults, container=box.container(),
                                           more_container=box.expander("more settings"))
    slots.append((slot, rule_name, params, box))


def draw(scene: RunConfig) -> None:
    """Everything that depends on the scene: moving a scene control reruns only this (live_scene)."""
    surface = get_surface(scene.surface)
    paths = []
    for slot, rule_name, params, box in slots:
        try:
            traj = cached.simulate(scene.with_(optimizer=rule_name, optimizer_params=params))
        except ValueError as error:
            box.error(f"optimizer {slot + 1}: {error}")
            continue
        paths.append(PathView(f"{slot + 1} {RULES[rule_name].title}", slot, traj))

    try:
        grid = cached.surface_grid(scene.surface, scene.surface_params, scene.seed, resolution=101)
        critical = cached.critical_points(scene.surface, scene.surface_params, scene.seed)
    except ValueError as error:
        st.error(str(error))
        return

    if paths:
        figure = curvature_spec(paths, grid, surface.domain, log_contours=surface.log_contours, critical=critical,
                            speed=speed)
        show.chart(figure, key="curv.chart", export="curvature", step_key="curv.step")
        st.latex(r"\text{stable on the local quadratic while}\ \lambda_{\max}<\frac{2}{\eta}\ \text{(GD)},\ "
                 r"\frac{2+2\beta}{\eta}\ \text{(heavy ball)},\ \frac{2(1+\beta)}{(1+2\beta)\eta}\ \text{(Nesterov)}")
        for name in dict.fromkeys(p.traj.config.optimizer for p in paths):
            show.update_rule(RULES[name].latex)
        metrics = st.columns(len(paths))
        for column, path in zip(metrics, paths):
            start_eigs = path.traj.eigvals[0]
            column.metric(f"{path.label}: κ at the start", f"{condition_number(start_eigs):.3g}",
                          help=f"λ = {start_eigs[0]:.4g}, {start_eigs[1]:.4g} ({curvature_kind(start_eigs)})")
    else:
        st.error("No optimizer could run with these settings; see the messages above.")

    map_column, table_column = st.columns([3, 2])
    with map_column:
        st.subheader("Where the surface curves which way")
        show.chart(curvature_map_figure(grid, critical=critical, log_contours=surface.log_contours),
                        key="curv.map")
    with table_column:
        st.subheader("Critical points")
        if critical:
            st.dataframe(pd.DataFrame([{"x": m.xy[0], "y": m.xy[1], "kind": m.kind, "λmin": m.eigvals[0],
                                        "λmax": m.eigvals[1], "κ": condition_number(m.eigvals)} for m in critical]),
                         hide_index=True, key="curv.critical")
        else:
            st.info("No critical point inside the domain.")
        st.latex(r"\nabla f(\theta^*)=0,\ \ H=V\Lambda V^\top")
        st.caption("Both eigenvalues positive: minimum; both negative: maximum; mixed signs: saddle. "
                   "Found numerically where landscapes.analysis is available, else from the surface's metadata.")

    st.subheader("Newton's step beside the gradient step")
    st.latex(r"\Delta\theta_{\mathrm{GD}}=-\eta\nabla f,\quad \Delta\theta_{\mathrm{Newton}}=-H^{-1}\nabla f,\quad "
             r"\Delta\theta_{\mathrm{SFN}}=-|H|^{-1}\nabla f")
    (x0, x1), (y0, y1) = surface.domain
    NEWTON_LRS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
    start_point = (float(min(max(scene.start[0], x0), x1)), float(min(max(scene.start[1], y0), y1)))
    if st.session_state.get("curv.point_surface", scene.surface) != scene.surface:  # a new surface: its start point
        st.session_state["curv.point_x"], st.session_state["curv.point_y"] = start_point
    st.session_state["curv.point_surface"] = scene.surface
    initial("curv.point_x", start_point[0], low=float(x0), high=float(x1))
    initial("curv.point_y", start_point[1], low=float(y0), high=float(y1))
    initial("curv.newton_lr", 0.1, options=NEWTON_LRS)
    point_columns = st.container(key="controls-curv-point").columns(3)
    px = point_columns[0].slider("point x", float(x0), float(x1), step=(x1 - x0) / 200, key="curv.point_x", format="%.3f")
    py = point_columns[1].slider("point y", float(y0), float(y1), step=(y1 - y0) / 200, key="curv.point_y", format="%.3f")
    newton_lr = point_columns[2].select_slider("η of the gradient step", NEWTON_LRS, key="curv.newton_lr")
    here = cached.simulate(scene.with_(start=(px, py), steps=1))  # row 0: gradient and Hessian at the point
    show.chart(newton_figure(grid, (px, py), here.grad[0], here.eigvals[0], here.eigvecs[0], newton_lr,
                                  log_contours=surface.log_contours, critical=critical), key="curv.newton")
    kind = curvature_kind(here.eigvals[0])
    st.caption(f"At ({px:.3g}, {py:.3g}): λ = {here.eigvals[0][0]:.4g}, {here.eigvals[0][1]:.4g} ({kind}). "
               + ("Newton's step heads for the stationary point of the local quadratic, which here is not a "
                  "minimum; saddle-free Newton flips the negative curvature and goes downhill."
                  if kind != "convex" else
                  "With positive curvature both Newton steps coincide and jump to the local quadratic's minimum."))


scene_fragment(draw)
