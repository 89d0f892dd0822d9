"""Lecture scenes: every preset as a card with its title, what to notice, a thumbnail and a link that opens it.

Thumbnails are committed PNGs (dashboard/thumbnails/NAME.png, 480x270), made from each scene's own figure by
`python -m dashboard export --preset all --thumbnail --out dashboard/thumbnails`.
"""
from __future__ import annotations

import streamlit as st

from dashboard.app import ROOT
from dashboard.presets import PRESETS

THUMBNAILS = ROOT / "dashboard" / "thumbnails"
LECTURE_PAGE = str(ROOT / "pages" / "lecture.py")
COLUMNS = 3

st.title("Lecture scenes")
st.markdown(f"{len(PRESETS)} scenes, each a few runs set up to show one idea, with what to watch for and the claim "
            "it proves. Open one to play it, export it for slides or as a GIF. Each scene's address is "
            "`/scene?preset=NAME`.")

presets = list(PRESETS.values())
for row_start in range(0, len(presets), COLUMNS):
    for column, preset in zip(st.columns(COLUMNS), presets[row_start:row_start + COLUMNS]):
        card = column.container(border=True)
        thumbnail = THUMBNAILS / f"{preset.name}.png"
        if thumbnail.exists():
            card.image(str(thumbnail), width="stretch", output_format="PNG")
        else:
            card.caption("(no thumbnail yet)")
        card.markdown(f"**{preset.title}**")
        card.caption(preset.notice)
        card.page_link(LECTURE_PAGE, label="Open the scene", query_params={"preset": preset.name},
                       icon=":material/play_circle:", help=f"/scene?preset={preset.name}")
        card.caption(f"`{preset.name}` · {len(preset.runs)} run{'s' if len(preset.runs) > 1 else ''}")
