"""What a server's first run of the landing page waits for: the entry sends the plotly.js preload before it
imports the engine, and nothing on the landing page imports pandas (with pyarrow, about half a second).

Each check runs in a fresh interpreter, where nothing is imported yet; tests/test_live_chart.py checks over
the real protocol that the preload is the first element of a server's first run.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from dashboard import live_chart

ROOT = Path(__file__).resolve().parent.parent
LANDING_PAGE = ROOT / "pages" / "trajectories.py"


def _fresh(code: str) -> dict:
    """Run `code` in a new interpreter (the repository on its path); it prints one JSON object."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _landing_page_imports() -> list[str]:
    tree = ast.parse(LANDING_PAGE.read_text())
    return [node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names if not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]


def test_the_entry_script_imports_no_engine_before_its_run_sends_the_preload():
    loaded = _fresh("""
        import json, sys
        import dashboard.app
        print(json.dumps({name: name in sys.modules for name in ("jax", "pandas", "dashboard.engine")}))
    """)
    assert loaded == {"jax": False, "pandas": False, "dashboard.engine": False}


def test_the_landing_page_and_its_csv_import_no_pandas():
    modules = _landing_page_imports()
    assert "dashboard.summary" in modules and "dashboard.live_scene" in modules
    loaded = _fresh(f"""
        import importlib, json, sys
        for name in {modules!r}:
            importlib.import_module(name)
        from dashboard import engine
        from dashboard.figures.curves import PathView
        from dashboard.summary import trajectories_csv
        csv = trajectories_csv([PathView("gd", 0, engine.simulate(engine.RunConfig(surface="quadratic", steps=5)))])
        print(json.dumps({{"lines": csv.count("\\n"), "pandas": "pandas" in sys.modules,
                          "pyarrow": "pyarrow" in sys.modules}}))
    """)
    assert loaded == {"lines": 7, "pandas": False, "pyarrow": False}


def test_a_chart_hands_streamlit_only_strings_and_booleans(monkeypatch):
    """Streamlit inspects every other value of a component's data for a dataframe, importing pandas to do so."""
    sent = {}
    monkeypatch.setattr(live_chart, "_mount", lambda **kwargs: sent.update(kwargs))
    monkeypatch.setattr(live_chart, "plotly_js_url", lambda: "/component/plotly.min.js")
    live_chart.live_chart('{"data": []}', key="chart", config={"displaylogo": False, "scrollZoom": False},
                          on_click=print, on_step=print)
    data = sent["data"]
    assert all(isinstance(value, (str, bool)) for value in data.values()), data
    assert json.loads(data["config"]) == {"displaylogo": False, "scrollZoom": False}
    assert data["clicks"] is True and data["step_keys"] is True

