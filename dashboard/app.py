"""The dashboard's entry: shared scene controls in the sidebar and st.navigation over pages/.

Run with `streamlit run dashboard/app.py`. Only pages whose script exists are listed, so the app starts
while pages are still being written.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import live_chart, stale_widgets  # noqa: E402  (light: the engine is imported in main())

# (script, title, icon, url path); the first is the landing page.
PAGES = (
    ("pages/trajectories.py", "Trajectories", ":material/timeline:", "trajectories"),
    ("pages/curvature.py", "Curvature (Hessian)", ":material/filter_hdr:", "curvature"),
    ("pages/schedules.py", "Schedules and warmup", ":material/schedule:", "schedules"),
    ("pages/explorer.py", "Learning-rate explorer", ":material/grid_on:", "explorer"),
    ("pages/stochastic.py", "Stochastic gradients", ":material/scatter_plot:", "stochastic"),
    ("pages/gallery.py", "Lecture scenes", ":material/photo_library:", "gallery"),
    ("pages/lecture.py", "Lecture scene", ":material/co_present:", "scene"),
)


def available_pages() -> list:
    pages = []
    for script, title, icon, url_path in PAGES:
        if (ROOT / script).exists():
            pages.append(st.Page(str(ROOT / script), title=title, icon=icon, url_path=url_path,
                                 default=not pages))
    return pages


def main() -> None:
    st.set_page_config(page_title="Optimisation on loss surfaces", page_icon=":material/landscape:",
                       layout="wide")
    stale_widgets.forget()  # metadata of widgets gone since earlier runs, which Streamlit 1.67 keeps
    with st.sidebar:
        # Before the engine's imports (JAX and the pages' modules: most of a second on a server's first run):
        # the browser fetches and evaluates plotly.js (4.7 MB) while they and the first figure's compilation run.
        live_chart.preload()
    from dashboard import heap, live_scene, urlstate, xla_cache
    from dashboard.present import presentation_controls

    xla_cache.enable()  # a restarted server loads its compiled programs from the temporary directory
    # A page that stops early (st.stop after an error message) still writes its controls into the link.
    st.stop = urlstate.write_before_stop(st.stop)
    page = st.navigation(available_pages())
    urlstate.begin()  # the link's values seed the widgets; notes about ignored values go at the top
    presentation_controls()
    with st.sidebar:
        st.markdown("### Scene")
    live_scene.begin()  # settled now, drawn after the page: the browser gets the page's chart first
    try:
        page.run()
    finally:
        live_scene.end()
    urlstate.finish()  # the controls that differ from their defaults go into the link
    heap.freeze_once()  # after the first run's imports: Streamlit's collection after each run stays short


if __name__ == "__main__":
    main()
