"""Every chart on every page goes through chart(): one place for the toolbar's slide export, presentation
styling and the export buttons, so that no page draws a figure differently from another.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard.export import SLIDE_HEIGHT, SLIDE_WIDTH

# The toolbar's camera button saves a 16:9 slide at full HD instead of the chart's on-screen size.
TOOLBAR = {
    "displaylogo": False,
    "scrollZoom": False,
    "toImageButtonOptions": {"format": "png", "width": SLIDE_WIDTH, "height": SLIDE_HEIGHT, "scale": 1},
}


def chart(fig: go.Figure, key: str, **plotly_chart_kwargs):
    """st.plotly_chart with the house toolbar; returns what st.plotly_chart returns (selection events)."""
    config = {**TOOLBAR, **plotly_chart_kwargs.pop("config", {})}
    return st.plotly_chart(fig, key=key, config=config, **plotly_chart_kwargs)
