"""One look for every figure: explicit template, colour-blind-safe palette, projector-readable sizes."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.spec import FigureSpec

# Okabe & Ito (2008) colour-blind-safe palette; an optimizer keeps its slot's colour on every page.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
TEMPLATE = "plotly_white"  # set explicitly: `import streamlit` replaces plotly's default template
CRITICAL_MARKERS = {"minimum": "star", "maximum": "triangle-up", "saddle": "x", "degenerate": "circle-open"}


def colour(slot: int) -> str:
    return PALETTE[slot % len(PALETTE)]


def house_layout(*, title: str | None = None, present: bool = False, height: int = 480) -> dict:
    """The house sizes as layout properties; `present` enlarges fonts for a projector."""
    layout = dict(height=height, font=dict(size=20 if present else 14),
                  margin=dict(l=50, r=20, t=50 if title else 20, b=45),
                  legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    if title is not None:
        layout["title"] = title
    return layout


def base_layout(fig: go.Figure, *, title: str | None = None, present: bool = False, height: int = 480) -> go.Figure:
    """Apply the house template and sizes to a go.Figure."""
    fig.update_layout(template=TEMPLATE, **house_layout(title=title, present=present, height=height))
    return fig


def spec_figure(**subplots) -> FigureSpec:
    """A FigureSpec (plain dicts, see spec.py) on the house template, laid out like make_subplots(**subplots)."""
    return FigureSpec(TEMPLATE, **subplots)
