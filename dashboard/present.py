"""Presentation mode: `?present=1` (or the sidebar's toggle) hides the sidebar and every page's controls and
draws the figures for a projector (large fonts, thick lines, black text, the Okabe-Ito palette).

Pages wrap their control areas in st.container(key="controls-<page>"); Streamlit gives a keyed container
the CSS class st-key-<key>, which is what the style sheet hides (with the download buttons under charts).
The way out is the "exit presentation" button at the top of the page, or Esc.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard.controls import initial
from dashboard.figures.style import PALETTE

KEY = "present"
FONT_SIZE = 22  # every text on a figure, at least
LINE_WIDTH = 4  # every line of a 2-D or 3-D scatter, at least
MARKER_SCALE = 1.6
HEIGHT_SCALE = 1.25
INK = "#000000"
GREYS = ("#444444", "#555555", "#666666", "#777777", "grey", "gray")  # notes drawn in grey turn black
CONTROL_CLASS = "st-key-controls-"

STYLE = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[class*="{CONTROL_CLASS}"], [data-testid="stMain"] [data-testid="stDownloadButton"] {{ display: none !important; }}
[data-testid="stMain"] {{ font-size: 1.45rem; }}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] [data-testid="stCaptionContainer"] {{ font-size: 1.45rem; color: {INK}; }}
[data-testid="stMain"] h1 {{ font-size: 3.2rem; }}
[data-testid="stMain"] h2, [data-testid="stMain"] h3 {{ font-size: 2.3rem; }}
[data-testid="stMain"] .katex {{ font-size: 1.6em; }}
</style>
"""


def presenting() -> bool:
    """Whether this session is in presentation mode (the toggle's value, set from the link or the sidebar)."""
    return bool(st.session_state.get(KEY, False))


def _leave() -> None:
    st.session_state[KEY] = False


def presentation_controls() -> bool:
    """The sidebar toggle, and while presenting the style sheet and the way out; returns presenting()."""
    initial(KEY, False)
    st.sidebar.toggle("presentation mode", key=KEY,
                      help="hide the sidebar and controls, large fonts and thick lines for a projector "
                           "(or add ?present=1 to the link); Esc or the button at the top leaves it")
    if presenting():
        st.html(STYLE)
        st.button("exit presentation", key="present.exit", on_click=_leave, shortcut="Esc",
                  icon=":material/close_fullscreen:", type="tertiary")
    return presenting()


def projector_style(fig: go.Figure) -> go.Figure:
    """Large fonts, thick lines, bigger markers and black text on `fig` (changed in place and returned)."""
    fig.update_layout(font=dict(size=max(FONT_SIZE, (fig.layout.font.size or 0)), color=INK),
                      colorway=list(PALETTE), legend=dict(font=dict(size=FONT_SIZE)),
                      hoverlabel=dict(font=dict(size=FONT_SIZE)))
    if fig.layout.height:  # larger text needs room; the hidden sidebar and controls give it
        fig.update_layout(height=round(fig.layout.height * HEIGHT_SCALE))
    if fig.layout.title and fig.layout.title.text:
        fig.update_layout(title_font_size=max(FONT_SIZE + 4, fig.layout.title.font.size or 0))
    for annotation in fig.layout.annotations:
        annotation.font.size = max(FONT_SIZE, annotation.font.size or 0)
        if not isinstance(annotation.font.color, str) or annotation.font.color.lower() in GREYS:
            annotation.font.color = INK
    # Streamlit's chart theme sets small tick fonts of its own: every axis gets the projector's size.
    axis_fonts = dict(tickfont=dict(size=FONT_SIZE, color=INK), title_font=dict(size=FONT_SIZE, color=INK))
    fig.update_xaxes(**axis_fonts)
    fig.update_yaxes(**axis_fonts)
    if any(trace.type in ("surface", "scatter3d", "mesh3d") for trace in fig.data):
        fig.update_scenes(xaxis=axis_fonts, yaxis=axis_fonts, zaxis=axis_fonts)
    for slider in fig.layout.sliders:
        slider.font = dict(size=FONT_SIZE)
        slider.currentvalue.font = dict(size=FONT_SIZE)
    for menu in fig.layout.updatemenus:
        menu.font = dict(size=FONT_SIZE)
    for trace in fig.data:
        _thicken(trace)
    return fig


def _thicken(trace) -> None:
    if "colorbar" in trace:
        trace.colorbar.tickfont = dict(size=FONT_SIZE, color=INK)
        trace.colorbar.title.font = dict(size=FONT_SIZE, color=INK)
    if trace.type not in ("scatter", "scattergl", "scatter3d", "scatterpolar"):
        return
    mode = trace.mode or "lines"
    if "lines" in mode:
        trace.line.width = max(LINE_WIDTH, trace.line.width or 0)
    if "markers" in mode and isinstance(trace.marker.size, (int, float)):
        trace.marker.size = trace.marker.size * MARKER_SCALE
    if "text" in mode and trace.textfont is not None:
        trace.textfont.size = max(FONT_SIZE, trace.textfont.size or 0)
