"""Every chart on every page goes through chart(): one place for the toolbar's slide export, presentation
styling and the export buttons, so that no page draws a figure differently from another.

chart(..., step_key=...) puts an animated figure at the frame of a step cursor kept in session state (and so
in the link), moved by the step buttons under the chart and by ← → and PageUp/PageDown (the keys a presenter's
clicker sends), which the chart reports.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import time

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from dashboard.controls import initial
from dashboard.export import SLIDE_HEIGHT, SLIDE_WIDTH
from dashboard.figures.spec import FigureSpec
from dashboard.live_chart import frames_token_for, live_chart, live_frames
from dashboard.present import presenting, projector_style

# The toolbar's camera button saves a 16:9 slide at full HD instead of the chart's on-screen size.
TOOLBAR = {
    "displaylogo": False,
    "scrollZoom": False,
    "toImageButtonOptions": {"format": "png", "width": SLIDE_WIDTH, "height": SLIDE_HEIGHT, "scale": 1},
}


# The pause a chart_first() block puts after its first chart (see there); tests replace _sleep.
_pause_after_chart = contextvars.ContextVar("pause_after_chart", default=0.0)
_sleep = time.sleep


@contextlib.contextmanager
def chart_first(pause_s: float):
    """Within this block, the first chart sent is followed by a pause of `pause_s` before anything else is sent.

    The browser renders every message that reaches it before it paints, so elements that arrive while it
    draws a chart (its step buttons, the export popover, a summary, the sidebar's controls: all re-rendered
    in the same pass) hold the new chart back from the screen. With the rest sent a moment later, the chart
    is painted first and the rest follows. dashboard/live_scene.py uses this for a scene move.
    """
    token = _pause_after_chart.set(pause_s)
    try:
        yield
    finally:
        _pause_after_chart.reset(token)


def _let_the_browser_draw() -> None:
    pause = _pause_after_chart.get()
    if pause > 0:
        _pause_after_chart.set(0.0)  # once per block: after its first chart
        _sleep(pause)


def chart(fig: go.Figure | FigureSpec, key: str, export: str | None = None, on_click=None,
          config: dict | None = None, step_key: str | None = None):
    """Draw a figure with the house toolbar, in place of the one drawn under `key` before (live_chart);
    on_click(point) gets a click's {"curve", "x", "y"}.

    With step_key (a session-state key), an animated figure is shown at that step cursor's frame, with step
    buttons under it, and ← → PageUp and PageDown pressed anywhere on the page but in a control step it.

    The chart is sent before its step buttons and the export popover: the browser draws it only after every
    element sent before it (and, in a chart_first() block, before the elements sent after it). A stepped
    FigureSpec's animation frames, most of its bytes, follow in the step buttons' row (live_chart.live_frames),
    so the chart's message is smaller and goes sooner.
    A FigureSpec goes to the browser as it is; it becomes a go.Figure only where one is needed: to restyle
    it for a projector in presentation mode (in place: see dashboard/present.py) or to export it.
    """
    steps = frame_steps(fig) if step_key is not None else []
    if steps:
        index = step_cursor(fig, steps, step_key)
    if presenting():
        fig = projector_style(as_figure(fig))
    on_step = functools.partial(_step_key_pressed, step_key, steps) if steps else None
    frames_later = bool(steps) and isinstance(fig, FigureSpec)
    if isinstance(fig, FigureSpec):
        figure_json = fig.to_json(frames=not frames_later)
    else:
        figure_json = pio.to_json(fig.to_dict(), validate=False)
    token = frames_token_for(figure_json) if frames_later else ""
    live_chart(figure_json, key=key, config={**TOOLBAR, **(config or {})}, on_click=on_click, on_step=on_step,
               frames_token=token)
    _let_the_browser_draw()
    if steps:
        row = step_buttons(step_key, steps, index)
        if frames_later:
            with row:
                live_frames(fig.frames_json(), chart_key=key, token=token)
    if export:  # a file stem: PNG, SVG and PDF download buttons under the chart
        export_buttons(fig, export, key)


def as_figure(fig: go.Figure | FigureSpec) -> go.Figure:
    return fig.figure() if isinstance(fig, FigureSpec) else fig


def frame_steps(fig: go.Figure | FigureSpec) -> list[int]:
    """The step each animation frame shows (frames are named by their step)."""
    if isinstance(fig, FigureSpec):
        return [int(name) for name in fig.frame_names()]
    return [int(frame.name) for frame in fig.frames]


def frame_index(steps: list[int], cursor: int) -> int:
    """The frame that shows step `cursor`: the last frame at or before it; the last frame for -1 (the end)."""
    if not steps:
        raise ValueError("the figure has no animation frames")
    if cursor < 0 or cursor >= steps[-1]:
        return len(steps) - 1
    return max(i for i, step in enumerate(steps) if step <= cursor) if cursor >= steps[0] else 0


def at_frame(fig: go.Figure | FigureSpec, index: int) -> go.Figure | FigureSpec:
    """Show frame `index` (its animated traces' data and the playback slider's position); in place."""
    if isinstance(fig, FigureSpec):
        return fig.show_frame(index)
    frame = fig.frames[index].to_plotly_json()
    for trace_index, data in zip(frame["traces"], frame["data"]):
        fig.data[trace_index].update(data)
    if fig.layout.sliders:
        fig.layout.sliders[0].active = index
    return fig


def _move(key: str, steps: list[int], delta: int) -> None:
    index = min(max(frame_index(steps, int(st.session_state.get(key, -1))) + delta, 0), len(steps) - 1)
    st.session_state[key] = -1 if index == len(steps) - 1 else steps[index]


def _step_key_pressed(key: str, steps: list[int], delta) -> None:
    """A stepping key pressed over the page (live_chart's "step" trigger: -1 or 1); anything else is ignored."""
    if delta in (-1, 1) and not isinstance(delta, bool):
        _move(key, steps, delta)


def step_cursor(fig: go.Figure | FigureSpec, steps: list[int], key: str) -> int:
    """Put an animated figure (its frames' steps: `steps`) at the frame of its step cursor; returns the frame.

    The cursor (session state `key`, -1 for the end) is a step number, so it stays put when the number of
    steps changes, and goes into the link like any control.
    """
    initial(key, -1, low=-1, high=10**7)
    index = frame_index(steps, int(st.session_state[key]))
    at_frame(fig, index)
    return index


def step_buttons(key: str, steps: list[int], index: int):
    """One frame back and on, and which step is shown (frame `index` of the frames' `steps`); returns the row."""
    row = st.container(horizontal=True, vertical_alignment="center", key=f"stepper-{key}")
    row.button("◀ step", key=f"{key}.back", on_click=_move, args=(key, steps, -1),
               help="one frame back (← or PageUp)")
    row.button("step ▶", key=f"{key}.forward", on_click=_move, args=(key, steps, 1),
               help="one frame on (→ or PageDown)")
    row.caption(f"showing step {steps[index]} of {steps[-1]}: ← → or a presenter's clicker (PageUp/PageDown) "
                "step through the frames")
    return row


def export_buttons(fig: go.Figure | FigureSpec, stem: str, key: str) -> None:
    """A popover with PNG, SVG and PDF of the figure at slide size (1920x1080): a format's button renders it
    with kaleido and a download button for those bytes appears in the same run.

    Rendering on click, not through download_button's data=callable: Streamlit keeps every run's callable
    (and the figure it closes over) until some session ends, so a session moving a slider grew the server's
    memory by a figure a run.
    """
    from dashboard.export import FORMATS, MIME, figure_bytes

    with st.popover("Export for slides", icon=":material/download:", key=f"{key}.export"):
        st.caption("1920 × 1080, as a still of the step shown")
        for fmt in FORMATS:
            if st.button(f"Render {fmt.upper()}", key=f"{key}.render.{fmt}", width="stretch"):
                with st.spinner(f"rendering {fmt.upper()}"):
                    data = figure_bytes(as_figure(fig), fmt)
                st.download_button(f"Download {fmt.upper()}", data=data, file_name=f"{stem}.{fmt}",
                                   mime=MIME[fmt], key=f"{key}.export.{fmt}", on_click="ignore",
                                   width="stretch", icon=":material/download:")


def gif_download(make, key: str, file_name: str, signature) -> None:
    """A button that renders the playback GIF with a progress bar, then a download button for it.

    make(progress) returns the GIF's bytes and calls progress(done, total) per frame; `signature` names what
    the GIF shows, so a GIF made for other settings is not offered.
    """
    from dashboard.export import MIME

    store = f"{key}.gif"
    if st.button("Make a GIF of the playback", key=key, icon=":material/animated_images:"):
        bar = st.progress(0.0, text="rendering frames")
        data = make(lambda done, total: bar.progress(done / total, text=f"frame {done} / {total}"))
        bar.empty()
        st.session_state[store] = (signature, data)
    made = st.session_state.get(store)
    if made and made[0] == signature:
        st.download_button("Download GIF", data=made[1], file_name=file_name, mime=MIME["gif"],
                           key=f"{key}.download", on_click="ignore", icon=":material/download:")


def stacked_latex(latex: str, separator: str = r";\ ") -> str:
    """A chain of statements 'a;\\ b;\\ c' as one per line (aligned environments), so that a long update rule
    wraps instead of running off the page; separators inside braces or environments are left alone."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\begin{", i):
            depth += 1
        elif latex.startswith(r"\end{", i):
            depth -= 1
        elif latex[i] == "{":
            depth += 1
        elif latex[i] == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(separator, i):
            parts.append(latex[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    parts.append(latex[start:])
    if len(parts) == 1:
        return latex
    return r"\begin{gathered}" + r"\\".join(p.strip() for p in parts if p.strip()) + r"\end{gathered}"


def update_rules(rules: list[tuple[str, str]], heading: str = "The update rules", container=st) -> None:
    """Each optimizer's label (markdown, may hold HTML) and its update rule, one statement per line, as one
    markdown element under a heading: what st.latex draws, with fewer elements to redraw on every rerun."""
    blocks = [f"### {heading}"]
    for label, latex in rules:
        blocks += [label, f"$$\n{stacked_latex(latex)}\n$$"]
    container.markdown("\n\n".join(blocks), unsafe_allow_html=True)


def update_rule(latex: str, container=st) -> None:
    """An optimizer's update rule, one statement per line."""
    container.latex(stacked_latex(latex))
