"""Lecture scene: one preset as configured, opened by its link /scene?preset=NAME.

Shows what to notice, the runs exactly as the preset defines them (animated contour with loss curves), each
run's update rule and settings, how each run ended and why, and the lesson with the numbers measured in this
scene. A link with an unknown name shows a note and the first scene; it never raises.
"""
from __future__ import annotations

import dataclasses
import difflib
import math

import pandas as pd
import streamlit as st

from dashboard import cached, export, show
from dashboard.app import PAGES, ROOT
from dashboard.controls import initial
from dashboard.critical import minima
from dashboard.figures.style import colour
from dashboard.lecture_scene import SCENE_GRID_RESOLUTION, measured, run_settings, scene_figures
from dashboard.presets import PRESETS, Preset, PresetRun, preset_names, simulate_runs
from dashboard.summary import status_reason
from optimizers import RULES

PRESET_KEY = "lecture.preset"
ARROWS_KEY = "lecture.arrows"
STEP_KEY = "lecture.step"
MIN_RATE, MAX_RATE = 1e-6, 100.0
SEEN_KEY = "_lecture.url_preset"  # the last ?preset= this session acted on, so a rerun does not undo a choice
URL_PARAM = "preset"
PAGE_TITLES = {url_path: title for _, title, _, url_path in PAGES}


@st.cache_data(max_entries=32, show_spinner="Running the scene…")
def preset_runs(name: str) -> tuple:
    """Every run of the preset, batched as dashboard.presets.simulate_preset batches them."""
    return tuple(simulate_runs(PRESETS[name].configs))


@st.cache_data(max_entries=32, show_spinner="Running the scene…")
def edited_runs(configs: tuple) -> tuple:
    """The runs of a scene whose rates were changed on the page."""
    return tuple(simulate_runs(configs))


def rate_key(name: str, index: int) -> str:
    return f"lecture.{name}.lr{index}"


def reset_rates(name: str, rates: dict) -> None:
    for index, rate in rates.items():
        st.session_state[rate_key(name, index)] = rate


def with_rates(preset: Preset, rates: dict) -> Preset:
    """The preset with some runs' lr replaced (labels say so: a label naming the old rate would mislead)."""
    runs = list(preset.runs)
    for index, rate in rates.items():
        run = runs[index]
        params = tuple((k, rate if k == "lr" else v) for k, v in run.config.optimizer_params)
        runs[index] = PresetRun(f"{run.label} → lr {rate:g}", run.config.with_(optimizer_params=params))
    return dataclasses.replace(preset, runs=tuple(runs))


def follow_link() -> str | None:
    """Apply ?preset=NAME when it is new to this session; returns the name when it is not a preset."""
    requested = st.query_params.get(URL_PARAM)
    pending = st.session_state.get("_url.pending")
    if isinstance(pending, dict):  # the URL-state helper need not report ?preset= as a control it lacks
        pending.pop(URL_PARAM, None)
    if requested is None:
        return None
    if requested not in PRESETS:
        return requested
    if requested != st.session_state.get(SEEN_KEY):
        st.session_state[SEEN_KEY] = requested
        st.session_state[PRESET_KEY] = requested
    return None


def on_choose() -> None:
    """Keep the address bar on the chosen scene, so it can be copied."""
    st.session_state[SEEN_KEY] = st.session_state[PRESET_KEY]
    st.query_params[URL_PARAM] = st.session_state[PRESET_KEY]


unknown = follow_link()
names = preset_names()
initial(PRESET_KEY, names[0])
if st.session_state[PRESET_KEY] not in PRESETS:  # a stale or hand-typed value: back to the first scene
    unknown = unknown or str(st.session_state[PRESET_KEY])
    st.session_state[PRESET_KEY] = names[0]
initial(ARROWS_KEY, False)

if unknown is not None:
    close = difflib.get_close_matches(unknown, names, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    st.warning(f"There is no lecture scene called {unknown!r}{hint}. Showing "
               f"“{PRESETS[st.session_state[PRESET_KEY]].title}” instead; pick one below or in the gallery.",
               icon=":material/help:")

st.sidebar.caption("A lecture scene sets its own surface, start and steps: the scene controls above apply to "
                   "the other pages.")
top = st.columns([3, 1])
name = top[0].selectbox("lecture scene", names, key=PRESET_KEY, on_change=on_choose,
                        format_func=lambda n: f"{PRESETS[n].title}  ({n})")
arrows = top[1].toggle("step arrows", key=ARROWS_KEY, help="gradient, velocity and update at the current step")
preset = PRESETS[name]

st.title(preset.title)
st.info(f"**What to notice.** {preset.notice}", icon=":material/visibility:")

preset_rates = {i: float(dict(run.config.optimizer_params)["lr"]) for i, run in enumerate(preset.runs)
                if "lr" in dict(run.config.optimizer_params)}
for i, rate in preset_rates.items():
    initial(rate_key(name, i), rate, low=MIN_RATE, high=MAX_RATE)
with st.expander("Try other learning rates"):
    st.caption("Each run's rate as the scene sets it; change one to see what the scene's lesson depends on.")
    boxes = st.columns(min(len(preset_rates), 4) or 1)
    for box, (i, rate) in zip(boxes * 4, preset_rates.items()):
        box.number_input(preset.runs[i].label, min_value=MIN_RATE, max_value=MAX_RATE, key=rate_key(name, i),
                         step=10.0 ** math.floor(math.log10(rate)) / 10, format="%g")
    st.button("back to the scene's rates", key="lecture.reset_rates", on_click=reset_rates,
              args=(name, preset_rates))
edited = {i: float(st.session_state[rate_key(name, i)]) for i, rate in preset_rates.items()
          if float(st.session_state[rate_key(name, i)]) != rate}
if edited:
    preset = with_rates(preset, edited)

try:
    trajectories = preset_runs(name) if not edited else edited_runs(preset.configs)
except ValueError as error:
    st.error(f"This scene cannot run: {error}")
    st.stop()


def grid_of(surface, params, seed):
    return cached.surface_grid(surface, params, seed, resolution=SCENE_GRID_RESOLUTION)


figures = scene_figures(preset, trajectories, grid_of, cached.critical_points, minima, arrows=arrows)
for i, (view, figure) in enumerate(figures):
    if view.caption:
        st.subheader(view.caption)
    stem = preset.name if len(figures) == 1 else f"{preset.name}-{i + 1}"
    # One stepped figure per page (its buttons, ← → and the clicker's keys): the first.
    show.chart(figure, key=f"lecture.chart{i}", export=stem, step_key=STEP_KEY if i == 0 else None)
    grid = grid_of(view.surface, view.surface_params, view.seed)
    critical = cached.critical_points(view.surface, view.surface_params, view.seed)
    show.gif_download(lambda progress, view=view, grid=grid, critical=critical:
                      export.preset_gif(preset, view, grid, critical, progress=progress),
                      key=f"lecture.gif{i}", file_name=f"{stem}.gif",
                      signature=tuple(p.traj.config for p in view.paths))
st.caption("Press ▶ Play to watch the runs; drag the step slider under the chart to scrub.")

if preset.page != "trajectories":
    st.page_link(str(ROOT / "pages" / f"{preset.page}.py"), label=f"Explore on the {PAGE_TITLES[preset.page]} page",
                 icon=":material/arrow_forward:")

st.subheader("The runs and their update rules")
for rule_name in dict.fromkeys(run.config.optimizer for run in preset.runs):
    for slot, (run, traj) in enumerate(zip(preset.runs, trajectories)):
        if run.config.optimizer == rule_name:
            st.markdown(f"<span style='color:{colour(slot)};font-size:1.3em'>●</span> **{run.label}**: "
                        f"{run_settings(run.config)}", unsafe_allow_html=True)
    show.update_rule(RULES[rule_name].latex)

st.subheader("How each run ended")
for slot, (run, traj) in enumerate(zip(preset.runs, trajectories)):
    st.markdown(f"<span style='color:{colour(slot)};font-size:1.3em'>●</span> **{run.label}**: "
                f"{status_reason(traj)}", unsafe_allow_html=True)

st.subheader("The lesson")
st.success(preset.lesson, icon=":material/school:")
if edited:
    st.warning("You changed a learning rate: the lesson holds for the scene's own rates, the table below "
               "measures your runs.", icon=":material/tune:")
st.caption("Measured in the runs above (tests/test_presets.py checks the lesson against independent "
           "computations):")
table = pd.DataFrame([{"run": run.label, **measured(traj)} for run, traj in zip(preset.runs, trajectories)])
st.dataframe(table, hide_index=True, key="lecture.measured",
             column_config={"final loss": st.column_config.NumberColumn(format="%.4g"),
                            "tolerance ‖∇f‖ <": st.column_config.NumberColumn(format="%g")})
