"""The CLI: CSV against the engine and against numpy by hand, sweeps, listings, and every bad-input path."""
import csv
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dashboard.cli import SWEEP_RESULT_COLUMNS, TRACE_COLUMNS, main
from dashboard.engine import MAX_STEPS, RunConfig, simulate, sweep

ROOT = Path(__file__).resolve().parent.parent
QUADRATIC = ["--surface", "quadratic", "--optimizer", "sgd"]


def run(argv):
    """(exit status, stdout, stderr) of the CLI called in-process."""
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def csv_rows(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text
    return rows


def column(rows, name):
    return np.array([float(r[name]) for r in rows])


def numpy_gd_on_quadratic(start, lr, kappa, angle_deg, steps):
    """Gradient descent on f = 1/2 (u^2 + kappa v^2), (u, v) = R(-angle) (x, y), written out in numpy."""
    a = math.radians(angle_deg)
    rotate = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])  # (x, y) -> (u, v)
    hessian = rotate.T @ np.diag([1.0, kappa]) @ rotate
    xy = np.array(start, dtype=float)
    points, grads = [], []
    for _ in range(steps + 1):
        points.append(xy.copy())
        grads.append(hessian @ xy)
        xy = xy - lr * grads[-1]
    points, grads = np.array(points), np.array(grads)
    loss = 0.5 * np.einsum("ni,ij,nj->n", points, hessian, points)
    return points, grads, loss


# ---------------------------------------------------------------------------------------------------
# trace


def test_trace_columns_and_one_row_per_step():
    status, out, err = run(["trace", *QUADRATIC, "--param", "lr=0.05", "--start=-1.8,0.6", "--steps", "7"])
    assert (status, err) == (0, "")
    header = out.splitlines()[0].split(",")
    assert header == list(TRACE_COLUMNS)
    assert {"step", "x", "y", "loss", "lr", "grad_norm", "eig1", "eig2", "status"} <= set(header)
    rows = csv_rows(out)
    assert [int(r["step"]) for r in rows] == list(range(8))
    assert (float(rows[0]["x"]), float(rows[0]["y"])) == (-1.8, 0.6)  # row 0 is the start


@pytest.mark.parametrize("angle", [0.0, 30.0])
def test_trace_equals_gradient_descent_by_hand(angle):
    lr, kappa, steps, start = 0.05, 10.0, 25, (-1.8, 0.6)
    status, out, _ = run(["trace", *QUADRATIC, "--surface-param", "kappa=10", "--surface-param", f"angle={angle}",
                          "--param", f"lr={lr}", "--start=-1.8,0.6", "--steps", str(steps), "--tol", "0"])
    assert status == 0
    rows = csv_rows(out)
    points, grads, loss = numpy_gd_on_quadratic(start, lr, kappa, angle, steps)
    xy = np.stack([column(rows, "x"), column(rows, "y")], axis=1)
    np.testing.assert_allclose(xy, points, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(column(rows, "loss"), loss, rtol=1e-12)
    np.testing.assert_allclose(np.stack([column(rows, "grad_x"), column(rows, "grad_y")], 1), grads,
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(column(rows, "grad_norm"), np.linalg.norm(grads, axis=1), rtol=1e-12)
    updates = np.stack([column(rows, "update_x"), column(rows, "update_y")], 1)
    np.testing.assert_allclose(updates[:-1], -lr * grads[:-1], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(updates[-1], [0.0, 0.0])  # no update after the last row
    # The Hessian of this quadratic has eigenvalues 1 and kappa whatever the rotation.
    np.testing.assert_allclose(column(rows, "eig1"), 1.0, rtol=1e-12)
    np.testing.assert_allclose(column(rows, "eig2"), kappa, rtol=1e-12)
    np.testing.assert_allclose(column(rows, "lr"), lr, rtol=0)
    assert {r["status"] for r in rows} == {"running"}


def test_trace_values_are_the_engines_to_the_last_bit():
    argv = ["trace", "--surface", "rosenbrock", "--optimizer", "sgd", "--param", "lr=1e-3", "--param",
            "momentum=0.9", "--start=-1.5,2", "--steps", "40", "--schedule", "cosine", "--schedule-param",
            "T_max=40", "--warmup", "5", "--clip-norm", "50"]
    status, out, _ = run(argv)
    assert status == 0
    rows = csv_rows(out)
    traj = simulate(RunConfig(surface="rosenbrock", optimizer="sgd", optimizer_params=(("lr", 1e-3), ("momentum", 0.9)),
                              schedule="cosine", schedule_params=(("T_max", 40),), start=(-1.5, 2.0), steps=40,
                              warmup=5, clip_norm=50.0))
    pairs = {"x": traj.xy[:, 0], "y": traj.xy[:, 1], "loss": traj.loss, "lr": traj.lr, "grad_x": traj.grad[:, 0],
             "grad_y": traj.grad[:, 1], "grad_norm": traj.grad_norm, "update_x": traj.update[:, 0],
             "update_y": traj.update[:, 1], "eig1": traj.eigvals[:, 0], "eig2": traj.eigvals[:, 1]}
    for name, expected in pairs.items():
        np.testing.assert_array_equal(column(rows, name), expected, err_msg=name)  # repr round-trips exactly
    assert [r["status"] for r in rows] == traj.status_names
    assert np.all(column(rows, "eig1") <= column(rows, "eig2"))


def test_lr_column_follows_a_list_valued_schedule_by_hand():
    # multistep: lr_k = lr * gamma^(number of milestones <= k); row k carries the rate of update k -> k+1.
    status, out, _ = run(["trace", *QUADRATIC, "--param", "lr=0.1", "--schedule", "multistep",
                          "--schedule-param", "milestones=3;6", "--schedule-param", "gamma=0.5", "--steps", "9"])
    assert status == 0
    k = np.arange(10)
    expected = 0.1 * 0.5 ** ((k >= 3).astype(int) + (k >= 6).astype(int))
    np.testing.assert_allclose(column(csv_rows(out), "lr"), expected, rtol=1e-15)


def test_boolean_parameter_true_false():
    base = ["trace", *QUADRATIC, "--param", "lr=0.05", "--param", "momentum=0.9", "--steps", "5"]
    _, plain, _ = run(base + ["--param", "nesterov=false"])
    _, nesterov, _ = run(base + ["--param", "nesterov=true"])
    config = RunConfig(optimizer_params=(("lr", 0.05), ("momentum", 0.9), ("nesterov", True)), steps=5)
    np.testing.assert_array_equal(column(csv_rows(nesterov), "x"), simulate(config).xy[:, 0])
    assert column(csv_rows(plain), "x")[2] != column(csv_rows(nesterov), "x")[2]


def test_divergence_exits_zero_and_marks_every_row_from_there_on():
    # lr = 0.25 > 2/10: y_k = 0.6 (1 - 2.5)^k grows; the engine calls it diverged once the point is more
    # than 100 domain widths (4) from the centre.
    status, out, err = run(["trace", *QUADRATIC, "--param", "lr=0.25", "--start=-1.8,0.6", "--steps", "40"])
    assert (status, err) == (0, "")
    statuses = [r["status"] for r in csv_rows(out)]
    k = np.arange(41)
    y = 0.6 * (-1.5) ** k
    first = int(np.flatnonzero(np.abs(y) > 400)[0])
    assert first == 17
    assert statuses == ["running"] * first + ["diverged"] * (41 - first)


# ---------------------------------------------------------------------------------------------------
# sweep


def test_sweep_is_an_outer_product_with_the_engines_values():
    argv = ["sweep", *QUADRATIC, "--start=-1.8,0.6", "--steps", "60", "--tol", "0",
            "--vary", "lr=0.01:0.19:4", "--vary", "kappa=1:100:3:log"]
    status, out, err = run(argv)
    assert (status, err) == (0, "")
    rows = csv_rows(out)
    assert out.splitlines()[0].split(",") == ["lr", "kappa", *SWEEP_RESULT_COLUMNS]
    assert len(rows) == 4 * 3
    lrs, kappas = np.array([0.01, 0.07, 0.13, 0.19]), np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(column(rows, "lr"), np.repeat(lrs, 3), rtol=1e-15)  # first name slowest
    np.testing.assert_allclose(column(rows, "kappa"), np.tile(kappas, 4), rtol=1e-14)
    result = sweep(RunConfig(start=(-1.8, 0.6), steps=60, tol=0.0),
                   {"lr": np.linspace(0.01, 0.19, 4), "kappa": np.geomspace(1, 100, 3)})
    np.testing.assert_array_equal(column(rows, "final_loss"), result.final_loss)
    # Independently: with tol 0 nothing converges, so every stable run is GD's closed form after 60 steps.
    for row in rows:
        lr, kappa = float(row["lr"]), float(row["kappa"])
        if abs(1 - lr * kappa) < 1:
            x, y = -1.8 * (1 - lr) ** 60, 0.6 * (1 - lr * kappa) ** 60
            assert row["status"] == "running" and row["diverged_at"] == ""
            np.testing.assert_allclose(float(row["final_loss"]), 0.5 * (x * x + kappa * y * y), rtol=1e-10)
        else:
            assert row["status"] == "diverged" and int(row["diverged_at"]) > 0
        assert row["steps_to_converge"] == ""


def test_log_spacing_is_geometric():
    status, out, _ = run(["sweep", *QUADRATIC, "--steps", "5", "--vary", "lr=1e-4:1e-1:4:log"])
    assert status == 0
    lrs = column(csv_rows(out), "lr")
    np.testing.assert_allclose(lrs, [1e-4, 1e-3, 1e-2, 1e-1], rtol=1e-13)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], 10.0, rtol=1e-13)


def test_steps_to_converge_matches_the_trace():
    common = [*QUADRATIC, "--param", "lr=0.15", "--start=-1.8,0.6", "--steps", "60", "--tol", "1e-3"]
    _, out, _ = run(["sweep", *common, "--vary", "start_x=-1.8:-1.8:1"])
    (row,) = csv_rows(out)
    _, trace_out, _ = run(["trace", *common])
    statuses = [r["status"] for r in csv_rows(trace_out)]
    assert row["status"] == "converged"
    assert int(row["steps_to_converge"]) == statuses.index("converged")
    assert row["diverged_at"] == ""


def test_whole_number_and_boolean_parameters_print_as_such():
    status, out, _ = run(["sweep", *QUADRATIC, "--param", "momentum=0.9", "--steps", "3",
                          "--vary", "seed=0:2:3", "--vary", "nesterov=0:1:2"])
    assert status == 0
    rows = csv_rows(out)
    assert [(r["seed"], r["nesterov"]) for r in rows] == [(s, b) for s in "012" for b in ("false", "true")]


# ---------------------------------------------------------------------------------------------------
# list


def test_list_shows_every_registered_name_with_ranges():
    from landscapes import SURFACES
    from optimizers import RULES, SCHEDULES

    for kind, registry in (("surfaces", SURFACES), ("optimizers", RULES), ("schedules", SCHEDULES)):
        status, out, err = run(["list", kind])
        assert (status, err) == (0, "")
        for record in registry.values():
            assert f"  {record.name}: " in out
            for p in record.params:
                assert p.range_text() in out
    _, everything, _ = run(["list"])
    assert "surfaces" in everything and "optimizers" in everything and "schedules" in everything
    assert "milestones  default 50;75" in run(["list", "schedules"])[1]


# ---------------------------------------------------------------------------------------------------
# Bad input: exit 2, one line on stderr, never a traceback


BAD_INPUT = [
    (["trace", "--surface", "quadratc"], "did you mean 'quadratic'"),
    (["trace", "--optimizer", "sgdd"], "did you mean 'sgd'"),
    (["trace", "--schedule", "cosin"], "did you mean 'cosine'"),
    (["trace", "--param", "lrr=0.1"], "did you mean 'lr'"),
    (["trace", "--surface-param", "kapa=3"], "did you mean 'kappa'"),
    (["trace", "--schedule", "step", "--schedule-param", "gama=0.5"], "did you mean 'gamma'"),
    (["list", "surfacs"], "did you mean 'surfaces'"),
    (["trace", "--param", "lr=-1"], "lr"),
    (["trace", "--param", "lr=2000"], "lr"),
    (["trace", "--param", "lr=nan"], "NaN"),
    (["trace", "--param", "lr=abc"], "number"),
    (["trace", "--param", "lr"], "NAME=VALUE"),
    (["trace", "--surface-param", "kappa=0.5"], "kappa"),
    (["trace", "--grad-noise", "nan"], "NaN"),
    (["trace", "--steps", str(MAX_STEPS + 1)], "steps"),
    (["trace", "--steps", "0"], "steps"),
    (["trace", "--steps", "ten"], "steps"),
    (["trace", "--steps", "2.5"], "whole"),
    (["trace", "--projection", "disc"], "projection"),
    (["trace", "--param", "nesterov=maybe"], "nesterov"),
    (["trace", "--param", "nesterov=true"], "nesterov"),  # needs momentum > 0: a cross-parameter check
    (["trace", "--start=1"], "X,Y"),
    (["trace", "--start=1,2,3"], "X,Y"),
    (["trace", "--start=a,b"], "numbers"),
    (["trace", "--start=nan,0"], "finite"),
    (["trace", "--start", "-1,2"], "--option=VALUE"),
    (["trace", "--surface", "saddle", "--surface-param", "kappa=3"], "no parameters"),
    (["trace", "--bogus"], "unrecognized"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
    (["sweep"], "--vary"),
    (["sweep", "--vary", "lr"], "NAME=VALUE"),
    (["sweep", "--vary", "lr=0.1:1"], "START:STOP:NUM"),
    (["sweep", "--vary", "lr=0.1:1:3:lin"], "START:STOP:NUM"),
    (["sweep", "--vary", "lr=a:1:3"], "numbers"),
    (["sweep", "--vary", "lr=0.1:inf:3"], "finite"),
    (["sweep", "--vary", "lr=0.1:1:x"], "NUM"),
    (["sweep", "--vary", "lr=0.1:1:0"], "NUM"),
    (["sweep", "--vary", "lr=0:1:3:log"], "log"),
    (["sweep", "--vary", "lr=0:1:3"], "lr"),  # 0 is outside (0, 1000]
    (["sweep", "--vary", "lrr=0.1:1:3"], "did you mean 'lr'"),
    (["sweep", "--vary", "seed=0:1:3"], "whole"),
    (["sweep", "--vary", "steps=10:20:2"], "steps"),
    (["sweep", "--vary", "lr=0.1:1:2", "--vary", "lr=0.1:1:2"], "twice"),
    (["sweep", "--vary", "lr=0.1:1:2", "--vary", "kappa=1:2:2", "--vary", "momentum=0:0.5:2"], "at most 2"),
]


@pytest.mark.parametrize("argv,fragment", BAD_INPUT, ids=[" ".join(a) or "(nothing)" for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(argv, fragment):
    status, out, err = run(argv)
    assert status == 2
    assert out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert fragment in err


# ---------------------------------------------------------------------------------------------------
# As a real process


def python_m_dashboard(*args):
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def test_real_process_trace_and_error():
    done = python_m_dashboard("trace", *QUADRATIC, "--param", "lr=0.05", "--start=-1.8,0.6", "--steps", "10")
    assert done.returncode == 0, done.stderr
    points, _, _ = numpy_gd_on_quadratic((-1.8, 0.6), 0.05, 10.0, 0.0, 10)
    rows = csv_rows(done.stdout)
    np.testing.assert_allclose(np.stack([column(rows, "x"), column(rows, "y")], 1), points, rtol=1e-12)

    failed = python_m_dashboard("trace", "--surface", "rosenbrok")
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr.strip().splitlines() == ["error: unknown surface 'rosenbrok'; did you mean 'rosenbrock'?"]
