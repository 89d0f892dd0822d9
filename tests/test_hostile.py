"""Typed formulas on every page, hostile input as messages (never exceptions), and a server that writes
nothing outside its temporary directory."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import PAGES
from tests.apptest_helpers import APP, TIMEOUT, errors, figures, values

ROOT = Path(__file__).resolve().parent.parent
PAGE_SCRIPTS = [script for script, *_ in PAGES if (ROOT / script).exists()]


def app_with(state: dict) -> AppTest:
    """The app's first run with session values set before it (as a preset or a stale session would)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def contour_z(at: AppTest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    contour = figures(at)[0].data[0]
    assert contour.type == "contour"
    return values(contour.x), values(contour.y), values(contour.z)


# ---------------------------------------------------------------------------------------------------
# Typed formulas in the dashboard


@pytest.mark.parametrize("formula", ["sin(x)*cos(y)", "log(x) + y^2"])
def test_every_page_runs_on_a_typed_formula(formula):
    at = app_with({"scene.surface": "custom", "scene.formula": formula})
    assert not at.exception and not errors(at)
    # The landing page's contour is the typed f, evaluated independently with numpy (NaN where log(x) is not).
    x, y, z = contour_z(at)
    gx, gy = np.meshgrid(x, y)
    with np.errstate(all="ignore"):
        expected = np.sin(gx) * np.cos(gy) if formula.startswith("sin") else np.log(gx) + gy ** 2
    expected = np.where(np.isfinite(expected), expected, np.nan)
    # The contour travels as float32 (a third of the bytes): equal to numpy within float32's precision.
    np.testing.assert_allclose(z.reshape(expected.shape).astype(float), expected, rtol=1e-6, atol=1e-6,
                               equal_nan=True)
    for script in PAGE_SCRIPTS:
        at.switch_page(f"../{script}").run()
        assert not at.exception, (script, [e.message for e in at.exception])
        assert at.session_state["scene.surface"] == "custom"


def test_formula_box_appears_with_custom_and_its_surface_reaches_the_pages():
    at = app_with({})
    assert not at.sidebar.get("text_input") or all(t.key != "scene.formula" for t in at.sidebar.text_input)
    at.sidebar.selectbox(key="scene.surface").set_value("custom").run()
    assert not at.exception and not errors(at)
    box = at.sidebar.text_input(key="scene.formula")
    assert box.value == "x**2 + 3*y**2" and box.label == "f(x, y) ="
    x, y, z = contour_z(at)
    gx, gy = np.meshgrid(x, y)
    np.testing.assert_allclose(z.reshape(gx.shape).astype(float), gx ** 2 + 3 * gy ** 2, rtol=1e-6)  # float32
    assert any("x^{2}+3\\,y^{2}" in latex.value for latex in at.sidebar.get("latex"))


def test_a_refused_formula_shows_the_column_with_a_caret_and_keeps_the_last_good_one():
    at = app_with({"scene.surface": "custom", "scene.formula": "sin(x)*cos(y)"})
    before = contour_z(at)[2]
    at.sidebar.text_input(key="scene.formula").set_value("sin(x)*cos(yy)").run()
    assert not at.exception
    (message,) = errors(at)
    assert message.startswith("Formula refused at column 12: unknown name 'yy'")
    assert "Still showing f(x, y) = sin(x)*cos(y)" in message
    caret = [c.value for c in at.sidebar.code]
    assert "sin(x)*cos(yy)\n           ^" in caret
    np.testing.assert_array_equal(contour_z(at)[2], before)  # the scene still draws the last good formula
    for hostile in ("__import__('os').system('id')", "x" * 2000, "x**1e6", "1/0", ""):
        at.sidebar.text_input(key="scene.formula").set_value(hostile).run()
        assert not at.exception and len(errors(at)) == 1 and "column" in errors(at)[0]
        np.testing.assert_array_equal(contour_z(at)[2], before)


def test_a_new_formula_starts_where_it_is_finite():
    at = app_with({"scene.surface": "custom", "scene.formula": "x**2 + y**2"})
    at.sidebar.text_input(key="scene.formula").set_value("log(x) + log(y)").run()
    assert not at.exception and not errors(at)
    x, y = at.session_state["scene.start_x"], at.session_state["scene.start_y"]
    assert x > 0 and y > 0 and np.isfinite(np.log(x) + np.log(y))


def test_a_path_into_log_of_a_negative_is_diverged_with_the_reason():
    at = app_with({"scene.surface": "custom", "scene.formula": "log(x) + y^2", "scene.start_x": 0.5,
                   "scene.start_y": 1.0, "traj.count": 1, "traj.opt0.sgd.lr": 1.0})
    assert not at.exception and not errors(at)
    # x1 = 0.5 - 1/0.5 = -1.5, y1 = 1 - 2 = -1
    assert any("diverged at step 1: f is not finite at (-1.5, -1): log(x) (column 1) takes the logarithm of "
               "a negative number" in m.value for m in at.markdown)


# ---------------------------------------------------------------------------------------------------
# Hostile values held for widgets: a message each, the default used, the page still drawn


@pytest.mark.parametrize("state, message", [
    ({"scene.start_x": float("nan")}, "start x: nan cannot be used; using -1.8 instead."),
    ({"scene.start_y": float("inf")}, "start y: inf cannot be used; using 0.6 instead."),
    ({"scene.start_x": "abc"}, "start x: 'abc' cannot be used; using -1.8 instead."),
    ({"scene.steps": 10 ** 9}, "steps: 1000000000 cannot be used; using 100 instead."),
    ({"scene.steps": float("nan")}, "steps: nan cannot be used; using 100 instead."),
    ({"scene.seed": -5}, "seed: -5 cannot be used; using 0 instead."),
    ({"scene.surface": "../../etc/passwd"}, "surface: '../../etc/passwd' cannot be used; using quadratic instead."),
    ({"scene.surface": "custom", "scene.formula": 12}, "f(x, y): 12 cannot be used; using x**2 + 3*y**2 instead."),
    ({"scene.quadratic.kappa": float("nan")}, "kappa: NaN is not a value; using 10.0 instead."),
    ({"traj.opt0.sgd.lr": float("inf")}, "lr: must be finite, got inf; using 0.05 instead."),
    ({"traj.opt0.sgd.lr": -0.1}, "lr: must be in (0, 1000], got -0.1; using 0.05 instead."),
    ({"traj.opt1.sgd.momentum": 1.0}, "momentum: must be in [0, 1), got 1.0; using 0.8 instead."),
    ({"traj.opt0.rule": "adam", "traj.opt0.adam.beta2": 1.0}, "beta2: must be in [0, 1), got 1.0; using 0.999 instead."),
    ({"traj.opt0.rule": "adam", "traj.opt0.adam.eps": 0.0}, "eps: must be in (0, 1], got 0.0; using 1e-08 instead."),
    ({"traj.opt0.rule": "adam", "traj.opt0.adam.eps": -1e-8}, "eps: must be in (0, 1], got -1e-08; using 1e-08 instead."),
    ({"traj.opt0.sgd.nesterov": "yes"}, "nesterov: expected true or false, got 'yes'; using False instead."),
    ({"traj.opt1.sgd.momentum": 0.995}, "momentum: 0.995 is beyond this slider (0 to 0.99); using 0.8 instead."),
], ids=["start-nan", "start-inf", "start-text", "steps-huge", "steps-nan", "seed-negative", "surface-path",
        "formula-number", "kappa-nan", "lr-inf", "lr-negative", "momentum-1", "beta2-1", "eps-0", "eps-negative",
        "flag-text", "momentum-past-slider"])
def test_junk_held_for_a_widget_is_a_message_and_the_default(state, message):
    at = app_with(state)
    assert not at.exception, [e.message for e in at.exception]
    assert message in errors(at)
    assert figures(at), "the page still draws with the default in place"


def test_a_run_that_overflows_says_diverged_and_still_draws():
    at = app_with({"traj.opt0.sgd.lr": 10.0})  # quadratic, kappa 10: 2/λmax = 0.2
    assert not at.exception and not errors(at)
    reasons = [m.value for m in at.markdown if "diverged at step" in m.value]
    assert reasons and "lr 10 > 2/λmax = 0.2" in reasons[0]
    contour, *paths = figures(at)[0].data
    assert np.isfinite(values(contour.z).astype(float)).all()  # the contour is drawn, not blank axes
    table = next(m.value for m in at.markdown if "| status |" in m.value)
    assert "| diverged |" in table


# ---------------------------------------------------------------------------------------------------
# Writes: the server keeps to its temporary directory

AUDIT_HOOK = textwrap.dedent(r"""
    import json, os, sys
    written = []

    def hook(event, args):
        if event == "open" and args[0] is not None and not isinstance(args[0], int):
            mode, flags = args[1], args[2]
            writes = (mode is not None and any(c in str(mode) for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if writes:
                written.append(os.fsdecode(args[0]))
        elif event in ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.copyfile", "shutil.rmtree"):
            written.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)
""")
PAGES_SESSION = textwrap.dedent(r"""
    from streamlit.testing.v1 import AppTest
    from dashboard.app import PAGES

    at = AppTest.from_file(sys.argv[1], default_timeout=600)
    at.session_state["scene.surface"] = "custom"
    at.session_state["scene.formula"] = "sin(x) + y**2/4"
    at.run()
    problems = [e.message for e in at.exception]
    for script, *_ in PAGES:
        if os.path.exists(script):
            at.switch_page("../" + script).run()
            problems += [e.message for e in at.exception]
""")
REPORT = textwrap.dedent(r"""
    with open(sys.argv[2], "w") as report:
        json.dump({"written": written, "problems": problems}, report)
    os._exit(0)  # skip atexit: stopping kaleido's browser can outlast the test; the caller ends it
""")


def files_written(tmp_path, script: str) -> list[str]:
    """Run `script` under an audit hook with HOME and TMPDIR inside tmp_path; the paths it opened for writing
    (or made, renamed, removed) outside tmp_path."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT),
           "PYTHONDONTWRITEBYTECODE": "1", "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_CONFIG_HOME": str(home / ".config")}
    report_path, log_path = tmp_path / "report.json", tmp_path / "stderr.txt"
    with open(log_path, "w") as log:
        # A session of its own, so the browser kaleido leaves behind is ended with it (and holds no pipe of ours).
        child = subprocess.Popen([sys.executable, "-c", AUDIT_HOOK + script + REPORT, APP, str(report_path)],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            status = child.wait(timeout=900)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
    assert status == 0, log_path.read_text()[-3000:]
    report = json.loads(report_path.read_text())
    assert not report["problems"]
    assert report["written"], "the hook saw nothing: it is not watching"
    allowed = (str(tmp_path), "/dev/", "/proc/")
    return sorted({p for p in report["written"] if not os.path.realpath(p).startswith(allowed)
                   and not p.startswith(allowed)})


def test_a_session_of_every_page_writes_only_inside_its_temporary_directory(tmp_path):
    assert files_written(tmp_path, PAGES_SESSION) == []
