"""One look for every figure: explicit template, colour-blind-safe palette, projector-readable sizes."""
from __future__ import annotations

import plotly.graph_objects as go

# Okabe & Ito (2008) colour-blind-safe palette; an optimizer keeps its slot's colour on every page.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
TEMPLATE = "plotly_white"  # set explicitly: `import streamlit` replaces plotly's default template
CRITICAL_MARKERS = {"minimum": "star", "maximum": "triangle-up", "saddle": "x", "degenerate": "circle-open"}


def colour(slot: int) -> str:
    return PALETTE[slot % len(PALETTE)]


def base_layout(fig: go.Figure, *, title: str | None = None, present: bool = False, height: int = 480) -> go.Figure:
    """Apply the house template and sizes; `present` enlarges fonts and lines for a projector."""
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=height,
        font=dict(size=20 if present else 14),
        margin=dict(l=50, r=20, t=50 if title else 20, b=45),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig
