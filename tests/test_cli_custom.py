"""The CLI on typed formulas: `--surface custom --expr FORMULA` for trace and sweep, refusals as one line."""
import csv
import io

import numpy as np
import pytest

from dashboard.cli import main


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_trace_of_a_typed_quadratic_is_gradient_descent_in_closed_form():
    status, out, err = run(["trace", "--surface", "custom", "--expr", "x**2 + 3*y^2", "--param", "lr=0.1",
                            "--start=1,1", "--steps", "20"])
    assert status == 0, err
    table = rows(out)
    k = np.arange(21)
    # grad = (2x, 6y): x_k = (1 - 0.2)^k, y_k = (1 - 0.6)^k
    np.testing.assert_allclose([float(r["x"]) for r in table], 0.8 ** k, rtol=1e-12)
    np.testing.assert_allclose([float(r["y"]) for r in table], 0.4 ** k, rtol=1e-12)
    np.testing.assert_allclose([float(r["loss"]) for r in table], 0.8 ** (2 * k) + 3 * 0.4 ** (2 * k), rtol=1e-12)
    assert {(r["eig1"], r["eig2"]) for r in table} == {("2.0", "6.0")}


def test_expr_equals_the_custom_prefix_form():
    common = ["--param", "lr=0.05", "--start=0.4,-1.2", "--steps", "15"]
    a = run(["trace", "--surface", "custom", "--expr", "sin(x)*cos(y)", *common])
    b = run(["trace", "--surface", "custom:sin(x)*cos(y)", *common])
    assert a[0] == b[0] == 0 and a[1] == b[1]


def test_sweep_on_a_typed_formula_finds_the_stability_bound():
    status, out, err = run(["sweep", "--surface", "custom", "--expr", "x**2 + 3*y**2", "--start=1,1",
                            "--steps", "300", "--vary", "lr=0.3:0.36:4"])
    assert status == 0, err
    # lambda_max = 6: stable for lr < 2/6 = 0.333..., diverged above
    assert [r["status"] for r in rows(out)] == ["converged", "converged", "diverged", "diverged"]


def test_a_path_into_the_log_of_a_negative_is_a_result_not_an_error():
    status, out, err = run(["trace", "--surface", "custom", "--expr", "log(x) + y**2", "--param", "lr=1",
                            "--start=0.5,1", "--steps", "5"])
    assert status == 0 and err == ""
    table = rows(out)
    # x1 = 0.5 - 1/0.5 = -1.5: log is undefined there, the run stops as diverged on row 1
    assert [r["status"] for r in table] == ["running"] + ["diverged"] * 5
    assert float(table[1]["x"]) == -1.5 and table[1]["loss"] == "nan" and table[2]["x"] == "nan"


@pytest.mark.parametrize("expr, column, words", [
    ("x**2 + 3*yy", 10, "unknown name 'yy'"),
    ("x**2 + __import__('os').system('ls')", 8, "unknown name '__import__'"),
    ("x.real", 2, None),
    ("x**2 +", 7, None),
    ("(x + y", 1, None),
    ("x**1e6", 4, "exponent"),
    ("1/0 + x", 1, "division by zero"),
    ("x" * 600, 501, None),
])
def test_refused_formula_exits_2_with_one_line_naming_the_column(expr, column, words):
    status, out, err = run(["trace", "--surface", "custom", "--expr", expr])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: --expr ")
    assert f"column {column}:" in err
    if words:
        assert words in err


@pytest.mark.parametrize("argv, words", [
    (["trace", "--surface", "custom"], "--surface custom needs --expr"),
    (["trace", "--surface", "custom", "--expr", "   "], "--surface custom needs --expr"),
    (["trace", "--surface", "quadratic", "--expr", "x"], "--expr needs --surface custom"),
    (["sweep", "--expr", "x*y", "--vary", "lr=0.1:0.2:2"], "--expr needs --surface custom"),
])
def test_custom_and_expr_go_together(argv, words):
    status, _, err = run(argv)
    assert status == 2 and words in err and err.count("\n") == 1


def test_hostile_numbers_on_a_typed_formula_exit_2():
    base = ["trace", "--surface", "custom", "--expr", "x*y"]
    for extra, words in ((["--param", "lr=nan"], "NaN"), (["--param", "lr=inf"], "finite"),
                         (["--steps", "1000000"], "steps"), (["--start=nan,0"], "finite")):
        status, _, err = run(base + extra)
        assert status == 2 and words in err, (extra, err)
