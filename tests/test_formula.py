"""Typed formulas: values against numpy written separately, hostile input refused with a column, engine end to end."""
import builtins
import math
import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jax.test_util import check_grads

from dashboard import engine
from dashboard.engine import RunConfig, simulate
from landscapes import get_surface
from landscapes.formula import (DOMAIN, MAX_EXPONENT, FormulaError, custom_surface, explain_nonfinite,
                                parse_formula)
from landscapes.formula_grammar import MAX_LENGTH, MAX_NESTING, MAX_NODES, parse, to_text, without_positions

RNG = np.random.default_rng(0)
POINTS = RNG.uniform(-2.5, 2.5, size=(40, 2))


def values(surface, points):
    f = lambda p: surface.loss(p, {}, (), jnp.zeros((0,)))  # noqa: E731
    return np.asarray(jax.vmap(f)(jnp.asarray(points, dtype=jnp.float64)))


# Each formula beside the same function written by hand in numpy (floats, Python precedence applied by hand).
TABLE = [
    ("x**2 + 3*y**2", lambda x, y: x * x + 3 * y * y),
    ("x^2+3*y^2", lambda x, y: x * x + 3 * y * y),
    ("-x**2 + y", lambda x, y: -(x * x) + y),
    ("-2^2 + x", lambda x, y: -4.0 + x),
    ("2**3**2 * x / 512", lambda x, y: x),
    ("2**-x**2", lambda x, y: np.exp2(-(x * x))),
    ("x - y - 1 - (x - y)", lambda x, y: -1.0 + 0 * x),
    ("x / y / 2", lambda x, y: (x / y) / 2),
    ("x*-y", lambda x, y: -x * y),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2),
    ("sin(x)*cos(y) + tan(x/3)", lambda x, y: np.sin(x) * np.cos(y) + np.tan(x / 3)),
    ("exp(-(x**2 + y**2)/2)", lambda x, y: np.exp(-(x * x + y * y) / 2)),
    ("log(1 + x**2) + sqrt(y**2 + 1) + ln(2)", lambda x, y: np.log1p(x * x) + np.hypot(y, 1) + math.log(2)),
    ("abs(x) + max(x, y) - min(x, y)", lambda x, y: np.abs(x) + np.abs(x - y)),
    ("sigmoid(x) + softplus(y)", lambda x, y: 1 / (1 + np.exp(-x)) + np.log1p(np.exp(y))),
    ("relu(x) + sign(y)", lambda x, y: np.where(x > 0, x, 0.0) + np.where(y > 0, 1.0, -1.0)),
    ("tanh(x)*sinh(y)/cosh(x)", lambda x, y: np.tanh(x) * np.sinh(y) / np.cosh(x)),
    ("atan(x) + asin(y/4) + acos(x/4) + atan2(y, x) + arctan2(x, y)",
     lambda x, y: np.arctan(x) + np.arcsin(y / 4) + np.arccos(x / 4) + np.arctan2(y, x) + np.arctan2(x, y)),
    ("log10(x**2 + 1) + log2(y**2 + 1)", lambda x, y: np.log(x * x + 1) / np.log(10) + np.log(y * y + 1) / np.log(2)),
    ("1e-3*x + .5*y + 2.5E+1", lambda x, y: 0.001 * x + 0.5 * y + 25),
    ("2*pi*x - e**y", lambda x, y: 2 * np.pi * x - np.exp(y)),
    ("x**-2 + y**3", lambda x, y: 1 / (x * x) + y * y * y),
    ("3", lambda x, y: 3.0 + 0 * x),
]


@pytest.mark.parametrize("text, reference", TABLE, ids=[t for t, _ in TABLE])
def test_values_match_numpy_written_by_hand(text, reference):
    got = values(parse_formula(text), POINTS)
    np.testing.assert_allclose(got, reference(POINTS[:, 0], POINTS[:, 1]), rtol=1e-12, atol=1e-12)


SMOOTH = ["x**2 + 3*y**2", "(1 - x)^2 + 100*(y - x^2)^2", "sin(x)*cos(y) + tan(x/3)", "exp(-(x**2 + y**2)/2)",
          "log(1 + x**2) + sqrt(y**2 + 1) + ln(2)", "sigmoid(x) + softplus(y)", "tanh(x)*sinh(y)/cosh(x)",
          "2**-x**2", "log10(x**2 + 1) + log2(y**2 + 1)", "2*pi*x - e**y"]


def central_differences(f, x, y, h=1e-4):
    """Gradient and Hessian of a numpy function by central differences (error O(h^2))."""
    fx = (f(x + h, y) - f(x - h, y)) / (2 * h)
    fy = (f(x, y + h) - f(x, y - h)) / (2 * h)
    fxx = (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / h**2
    fyy = (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / h**2
    fxy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h)
    return np.stack([fx, fy], -1), np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)


@pytest.mark.parametrize("text", SMOOTH)
def test_gradient_and_hessian_match_finite_differences_of_the_numpy_reference(text):
    f = lambda p: parse_formula(text).loss(p, {}, (), ())  # noqa: E731
    grad_and_hessian = jax.jit(jax.vmap(lambda p: (jax.grad(f)(p), jax.hessian(f)(p))))
    points = POINTS[:8]
    grad, hessian = grad_and_hessian(jnp.asarray(points))
    fd_grad, fd_hessian = central_differences(dict(TABLE)[text], points[:, 0], points[:, 1])
    scale = 1 + np.abs(fd_hessian).max()
    np.testing.assert_allclose(grad, fd_grad, rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(hessian, fd_hessian, rtol=1e-4, atol=1e-4 * scale)


def test_check_grads_to_second_order():
    f = jax.jit(lambda p: parse_formula("x*sin(y) + exp(x/2)*y**3 - atan2(y, x)").loss(p, {}, (), ()))
    check_grads(f, (jnp.asarray([0.7, -1.3]),), order=2, modes=("fwd", "rev"), atol=1e-5, rtol=1e-5)


def test_hessian_of_rosenbrock_matches_closed_form():
    x, y = 0.3, -0.8
    hessian = jax.hessian(lambda p: parse_formula("(1 - x)^2 + 100*(y - x^2)^2").loss(p, {}, (), ()))
    expected = [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(hessian(jnp.asarray([x, y])), expected, rtol=1e-12)


# ---------------------------------------------------------------------------------------------------
# Generated expressions: a tree drawn here, rendered to text for the parser, and valued by this file's own
# numpy walk over the same tree (no code shared with landscapes.formula).

TEST_UNARY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "ln": np.log, "sqrt": np.sqrt,
    "abs": np.abs, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "arctan": np.arctan, "atan": np.arctan,
    "arcsin": np.arcsin, "asin": np.arcsin, "arccos": np.arccos, "acos": np.arccos,
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "softplus": lambda v: np.log1p(np.exp(v)),
    "log10": np.log10, "log2": np.log2, "relu": lambda v: np.where(v > 0, v, 0.0 * v), "sign": np.sign,
}
TEST_BINARY_CALLS = {"min": np.minimum, "max": np.maximum, "atan2": np.arctan2, "arctan2": np.arctan2}
NUMBER_SPELLINGS = ["0", "1", "2", "3", "7", "0.5", ".5", "5e-1", "1.5", "2.25", "1e-3", "1E2", "10", "3.0"]

leaves = st.one_of(
    st.sampled_from(["x", "y", "pi", "e"]).map(lambda n: ("name", n)),
    st.sampled_from(NUMBER_SPELLINGS).map(lambda s: ("num", s)),
)


def _extend(inner):
    return st.one_of(
        st.tuples(st.just("neg"), inner),
        st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/", "**", "^"]), inner, inner),
        st.tuples(st.just("call"), st.sampled_from(sorted(TEST_UNARY)), inner),
        st.tuples(st.just("call2"), st.sampled_from(sorted(TEST_BINARY_CALLS)), inner, inner),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


def render(tree, space) -> str:
    """Fully parenthesised text, with the drawn spacing around operators."""
    kind = tree[0]
    if kind in ("name", "num"):
        return tree[1]
    if kind == "neg":
        return f"-({render(tree[1], space)})"
    if kind == "bin":
        return f"({render(tree[2], space)}){space}{tree[1]}{space}({render(tree[3], space)})"
    if kind == "call":
        return f"{tree[1]}({render(tree[2], space)})"
    return f"{tree[1]}({render(tree[2], space)},{space}{render(tree[3], space)})"


def reference(tree, x, y):
    """(value, largest magnitude met on the way), elementwise, in numpy."""
    kind = tree[0]
    if kind == "name":
        value = {"x": x, "y": y, "pi": np.full_like(x, np.pi), "e": np.full_like(x, np.e)}[tree[1]]
        return value, np.abs(value)
    if kind == "num":
        value = np.full_like(x, float(tree[1]))
        return value, np.abs(value)
    if kind == "neg":
        value, scale = reference(tree[1], x, y)
        return -value, scale
    if kind == "call":
        arg, scale = reference(tree[2], x, y)
        value = TEST_UNARY[tree[1]](arg)
        return value, np.fmax(scale, np.abs(value))
    if kind == "call2":
        (a, sa), (b, sb) = reference(tree[2], x, y), reference(tree[3], x, y)
        value = TEST_BINARY_CALLS[tree[1]](a, b)
        return value, np.fmax(np.fmax(sa, sb), np.abs(value))
    (a, sa), (b, sb) = reference(tree[2], x, y), reference(tree[3], x, y)
    value = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
             "**": np.power, "^": np.power}[tree[1]](a, b)
    return value, np.fmax(np.fmax(sa, sb), np.abs(value))


SEMANTIC_REFUSALS = ("overflows", "is infinite", "is undefined", "is too large")


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(trees, st.sampled_from(["", " ", "  "]))
def test_generated_formulas_match_numpy_or_are_refused_for_a_stated_reason(tree, space):
    text = render(tree, space)
    try:
        surface = parse_formula(text)
    except FormulaError as error:
        # The text is grammatical by construction: only a constant that is not a finite float64, or a
        # constant exponent over MAX_EXPONENT, may be refused.
        assert any(reason in error.reason for reason in SEMANTIC_REFUSALS), (text, str(error))
        assert re.match(r"column \d+: ", str(error))
        return
    x, y = POINTS[:, 0], POINTS[:, 1]
    with np.errstate(all="ignore"):
        expected, scale = reference(tree, x, y)
    got = values(surface, POINTS)
    both = np.isfinite(expected) & np.isfinite(got)
    error = np.abs(got[both] - expected[both])
    assert np.all(error <= 1e-7 * np.abs(expected[both]) + 1e-9 * scale[both] + 1e-300), text
    # Where the separate numpy value is finite, so is the parser's (softplus may be finite where
    # log1p(exp(v)) overflows, so only this direction holds).
    assert np.all(np.isfinite(got[np.isfinite(expected)])), text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(trees, st.sampled_from(["", " "]))
def test_canonical_text_parses_back_to_the_same_tree(tree, space):
    text = render(tree, space)
    parsed = without_positions(parse(text))
    canonical = to_text(parse(text))
    assert without_positions(parse(canonical)) == parsed
    assert to_text(parse(canonical)) == canonical


GRAMMAR_ALPHABET = "xy0123456789.eE+-*/^() ,pisncoqrtablgmh_"


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=60), st.text(alphabet=GRAMMAR_ALPHABET, max_size=60)))
def test_any_text_gives_a_surface_or_a_formula_error(text):
    try:
        surface = parse_formula(text)
    except FormulaError as error:
        assert re.match(r"column \d+: \S", str(error)) and 1 <= error.column <= len(text) + 1
        return
    assert surface.name.startswith("custom:")


# ---------------------------------------------------------------------------------------------------
# Hostile input

ADVERSARIAL = [
    ("__import__('os')", 1, "unknown name '__import__'"),
    ("x.__class__", 2, "attribute access"),
    ("open('f')", 1, "unknown name 'open'"),
    ("().__class__", 3, "attribute access"),
    ("x if y else 1", 3, "'if' is a Python keyword"),
    ("[x]", 1, "subscripts"),
    ("x[0]", 2, "subscripts"),
    ("lambda: 1", 1, "'lambda' is a Python keyword"),
    ("[x for x in y]", 1, "subscripts"),
    ("x=1", 2, "assignments"),
    ("x == y", 3, "assignments and comparisons"),
    ("x; import os", 2, "statements"),
    ("x # comment", 3, "comments"),
    ("'x'", 1, "strings"),
    ('"x"', 1, "strings"),
    ("{x}", 1, "'{'"),
    ("x @ y", 3, "'@'"),
    ("10**10**10", 1, "10**10**10 overflows"),
    ("x + 10**400", 5, "10**400 overflows"),
    ("exp(1e6)", 1, "exp(1e6) overflows"),
    ("y*exp(1000)", 3, "exp(1000) overflows"),
    ("1/0 + x", 1, "1/0 is infinite"),
    ("log(0)", 1, "log(0) is infinite"),
    ("x + sqrt(-2)", 5, "sqrt(-2) is undefined"),
    ("x**1e6", 4, "exponent 1000000"),
    ("(x + y)^-101", 9, "exponent -101 in (x + y)^-101"),
    ("1e400*x", 1, "too large for float64"),
    ("(" * 1000 + "x" + ")" * 1000, MAX_LENGTH + 1, "longer than 500"),
    ("(" * 40 + "x" + ")" * 40, MAX_NESTING + 1, "nesting deeper than 32"),
    ("-" * 40 + "x", MAX_NESTING + 1, "nesting deeper"),
    ("sin(" * 40 + "x" + ")" * 40, 4 * MAX_NESTING + 4, "nesting deeper"),  # the 33rd "("
    ("x" * 10_000, MAX_LENGTH + 1, "longer than 500"),
    ("x" * 10, 1, "unknown name 'xxxxxxxxxx'"),
    ("+".join(["x"] * 200), 2 * (MAX_NODES // 2) + 1, f"more than {MAX_NODES}"),
    ("sin(x", 4, "never closed"),
    ("(x", 1, "never closed"),
    ("x)", 2, "no matching '('"),
    ("x +", 4, "ends too early"),
    ("2 ** ** 3", 6, "found '**'"),
    ("sin x", 1, "needs parentheses"),
    ("sin", 1, "needs parentheses"),
    ("unknownfn(x)", 1, "unknown name 'unknownfn'"),
    ("sinn(x)", 1, "did you mean 'sin'"),
    ("X**2", 1, "did you mean 'x'"),
    ("", 1, "empty formula"),
    ("   \t", 1, "empty formula"),
    ("x + \u2211y", 5, "U+2211"),
    ("x\x00", 2, "U+0000"),
    ("x \u2212 y", 3, "unicode minus"),
    ("x\u00b2", 2, "**2"),
    ("\ud800", 1, "U+D800"),
    ("2x", 2, "missing operator before 'x'"),
    ("x y", 3, "missing operator"),
    ("x(2)", 2, "missing operator before '('"),
    ("1.2.3", 1, "malformed number"),
    ("x,y", 2, "',' is only allowed between a function's arguments"),
    ("(x, y)", 3, "',' is only allowed"),
    ("min(x)", 1, "min takes 2 arguments, got 1"),
    ("sin(x, y)", 1, "sin takes 1 argument, got 2"),
    ("sin()", 5, "found ')'"),
]


@pytest.mark.parametrize("text, column, reason", ADVERSARIAL, ids=[repr(t[:24]) for t, _, _ in ADVERSARIAL])
def test_hostile_input_is_refused_with_what_and_where(text, column, reason):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert caught.value.column == column
    assert str(caught.value).startswith(f"column {column}: ")
    assert reason in str(caught.value)
    assert isinstance(caught.value, ValueError)  # the engine and CLI already turn ValueError into messages


def test_not_text_is_refused():
    with pytest.raises(FormulaError, match="must be text"):
        parse_formula(b"x")
    with pytest.raises(ValueError, match="column 1: a formula must be text"):
        parse_formula(None)


def test_limits_at_the_boundary_are_accepted():
    parse_formula("(" * MAX_NESTING + "x" + ")" * MAX_NESTING)
    parse_formula("x**" + str(MAX_EXPONENT) + " + y**-" + str(MAX_EXPONENT))
    parse_formula("x" + " " * (MAX_LENGTH - 1))
    parse_formula("10**300*x")  # a large but finite constant is fine


def test_parsing_never_calls_eval_exec_or_compile(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the formula reached eval, exec or compile")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    for text, _, _ in ADVERSARIAL:
        with pytest.raises(FormulaError):
            parse_formula(text)
    for text, _ in TABLE:
        assert parse_formula(text).name.startswith("custom:")


def test_source_has_no_dynamic_evaluation():
    for module in ("formula.py", "formula_grammar.py"):
        source = (pathlib.Path(__file__).parent.parent / "landscapes" / module).read_text()
        assert not re.search(r"(?<![.\w])(eval|exec|compile|getattr|__import__)\s*\(", source), module
        assert "literal_eval" not in source and "sympy" not in source and "importlib" not in source


# ---------------------------------------------------------------------------------------------------
# The Surface record


def test_name_title_latex_and_spelling_variants():
    surface = parse_formula("x^2+3 * y ^ 2")
    assert surface.name == "custom:x**2 + 3*y**2"
    assert surface.title == "f(x, y) = x**2 + 3*y**2"
    assert surface.latex == r"f(x,y)=x^{2}+3\,y^{2}"
    assert surface.params == () and surface.domain == DOMAIN
    assert get_surface("custom:x**2 + 3*y**2").name == surface.name
    assert get_surface("custom:x^2+3*y^2") is get_surface("custom:x^2+3*y^2")  # memoised


@pytest.mark.parametrize("text, latex", [
    ("-x^2", "-x^{2}"),
    ("(-x)^2", r"\left(-x\right)^{2}"),
    ("sqrt(x)/abs(y)", r"\frac{\sqrt{x}}{\left|y\right|}"),
    ("1e-20*x", r"10^{-20}\,x"),
    ("1.5e-7*y", r"1.5\times 10^{-7}\,y"),
    ("x - (y - 1)", r"x-\left(y-1\right)"),
    ("2*pi*sin(x)", r"2\,\pi\cdot \sin\left(x\right)"),
    ("log(x) + log10(y)", r"\ln\left(x\right)+\log_{10}\left(y\right)"),
    ("e^(x*y)", r"e^{x\cdot y}"),
])
def test_latex(text, latex):
    assert parse_formula(text).latex == "f(x,y)=" + latex


def test_canonical_name_parses_back_even_when_longer_than_the_typed_text():
    typed = "+".join(["x"] * 128)  # 255 characters; the canonical "x + x + ..." has 509
    surface = parse_formula(typed)
    assert len(surface.name) - len("custom:") > MAX_LENGTH
    assert get_surface(surface.name).name == surface.name
    with pytest.raises(FormulaError, match="longer than 500"):
        parse_formula("x  +  " * 100 + "x")  # long and not canonical


@pytest.mark.parametrize("text", ["x**2 + 3*y**2", "log(x) + y**2", "sqrt(y - 1) + x", "x*y", "sin(3*x)*cos(3*y)",
                                  "1/(x**2 + y**2)"])
def test_default_start_is_in_the_domain_finite_and_not_stationary(text):
    surface = parse_formula(text)
    start = jnp.asarray(surface.starts[0])
    (x0, x1), (y0, y1) = surface.domain
    assert x0 <= start[0] <= x1 and y0 <= start[1] <= y1
    f = lambda p: surface.loss(p, {}, (), ())  # noqa: E731
    assert np.isfinite(f(start))
    grad = np.asarray(jax.grad(f)(start))
    assert np.all(np.isfinite(grad)) and np.linalg.norm(grad) > 1e-6


def test_notes_for_flat_and_nowhere_finite_formulas():
    assert "flat" in parse_formula("x*0 + 3").note
    assert "not finite anywhere" in parse_formula("log(x - 10)").note
    # 61x61 samples: x <= 0 on 31 of 61 columns; a pole at the origin is 1 of 3721 samples.
    assert "not finite on 51% of the domain" in parse_formula("log(x) + y**2").note
    assert "not finite on 0.027% of the domain" in parse_formula("1/(x**2 + y**2)").note


def test_explain_nonfinite_names_the_failing_sub_expression():
    surface = parse_formula("y**2 + log(x) + sqrt(y)")
    assert explain_nonfinite(surface, (1.0, 1.0)) is None
    assert explain_nonfinite(surface, (-1.0, 1.0)).endswith("log(x) (column 8) takes the logarithm of a negative number")
    assert "logarithm of 0" in explain_nonfinite(surface, (0.0, 1.0))
    assert explain_nonfinite(surface, (1.0, -1.0)).endswith("sqrt(y) (column 17) takes the square root of a negative number")
    assert "divides by zero" in explain_nonfinite(parse_formula("x/(y - 1)"), (1.0, 1.0))
    assert "outside [-1, 1]" in explain_nonfinite(parse_formula("arcsin(x)"), (2.0, 0.0))
    assert "fractional power" in explain_nonfinite(parse_formula("x**0.5"), (-2.0, 0.0))
    assert "overflows" in explain_nonfinite(parse_formula("exp(x*y)"), (30.0, 30.0))
    assert explain_nonfinite(get_surface("quadratic"), (1.0, 1.0)) is None


# ---------------------------------------------------------------------------------------------------
# Through the engine


def test_gradient_descent_converges_on_a_typed_quadratic():
    traj = simulate(RunConfig(surface="custom:x**2+3*y**2", optimizer="sgd", optimizer_params=(("lr", 0.1),),
                              start=(1.0, 1.0), steps=200))
    assert traj.final_status == "converged"
    # x_k = 0.8^k, y_k = 0.4^k: the closed form of gradient descent on this quadratic.
    k = np.arange(traj.converged_at + 1)
    np.testing.assert_allclose(traj.xy[k], np.stack([0.8 ** k, 0.4 ** k], axis=1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(traj.eigvals[0], [2.0, 6.0], rtol=1e-12)


def test_compiles_once_per_distinct_formula():
    base = RunConfig(surface="custom:sin(x) + y**2/3", optimizer="sgd", optimizer_params=(("lr", 0.1),), steps=30)
    simulate(base)
    before = engine.compilations()
    simulate(base.with_(optimizer_params=(("lr", 0.05),), start=(0.3, -1.0)))
    assert engine.compilations() == before
    simulate(base.with_(surface="custom:sin(x) + y**2/4"))
    assert engine.compilations() == before + 1


def test_path_into_the_log_of_a_negative_ends_diverged_and_says_why():
    # f = log(x) + y^2 from x = 0.5: the step x - lr/x = 0.5 - 2 = -1.5 leaves the domain of log.
    traj = simulate(RunConfig(surface="custom:log(x) + y**2", optimizer="sgd", optimizer_params=(("lr", 1.0),),
                              start=(0.5, 1.0), steps=20))
    assert traj.final_status == "diverged" and traj.diverged_at == 1
    np.testing.assert_allclose(traj.xy[1], [0.5 - 1.0 / 0.5, 1.0 - 2.0 * 1.0])
    assert np.isnan(traj.loss[1])
    why = explain_nonfinite(get_surface("custom:log(x) + y**2"), traj.xy[1])
    assert why == "f is not finite at (-1.5, -1): log(x) (column 1) takes the logarithm of a negative number"


def test_surface_grid_is_nan_exactly_where_log_is_undefined():
    grid = engine.surface_grid("custom:log(x) + y**2", resolution=31)
    x, y = np.meshgrid(grid.x, grid.y)
    assert np.array_equal(~np.isfinite(grid.z), x <= 0)
    finite = x > 0
    np.testing.assert_allclose(grid.z[finite], np.log(x[finite]) + y[finite] ** 2, rtol=1e-12)


def test_sweep_over_learning_rates_on_a_typed_formula():
    result = engine.sweep(RunConfig(surface="custom:x**2 + 3*y**2", optimizer="sgd", start=(1.0, 1.0), steps=300),
                          {"lr": np.array([0.05, 0.3, 0.34])})
    # Stable below 2/lambda_max = 1/3, diverged above.
    assert [engine.STATUS_NAMES[s] for s in result.status] == ["converged", "converged", "diverged"]


def test_memo_returns_the_same_surface_object():
    assert custom_surface("x*y") is custom_surface("x*y")
    assert get_surface("custom:x*y") is custom_surface("x*y")


# ---------------------------------------------------------------------------------------------------
# Non-finite regions and bounded compile caches


def test_surface_grid_is_nan_at_a_pole_and_its_curvatures_too():
    # 1/(y - 1) on a grid whose last row is y = 1 exactly: inf there in IEEE arithmetic, NaN in the grid.
    grid = engine.surface_grid("custom:x + 1/(y - 1)", resolution=21, domain=((-1.0, 1.0), (-3.0, 1.0)))
    x, y = np.meshgrid(grid.x, grid.y)
    pole = y == 1.0
    assert pole.sum() == 21
    assert np.array_equal(np.isnan(grid.z), pole)
    assert np.all(np.isnan(grid.eigvals[pole]))
    np.testing.assert_allclose(grid.z[~pole], x[~pole] + 1 / (y[~pole] - 1), rtol=1e-12)


@pytest.mark.parametrize("text, start, lr, reason", [
    # x1 = 0.5 - 1/0.5 = -1.5, y1 = 1 - 2 = -1
    ("log(x) + y**2", (0.5, 1.0), 1.0,
     "diverged at step 1: f is not finite at (-1.5, -1): log(x) (column 1) takes the logarithm of a negative number"),
    # x1 = 1 - 3 * 1/(2 sqrt(1)) = -0.5
    ("y^2 + sqrt(x)", (1.0, 0.0), 3.0,
     "diverged at step 1: f is not finite at (-0.5, 0): sqrt(x) (column 7) takes the square root of a negative number"),
    # f = |x| + y^2 at x = 0: sqrt(x*x) has gradient x/|x| = 0/0 there, so the step is NaN
    ("sqrt(x*x) + y**2", (0.0, 1.0), 0.1,
     "diverged at step 1: the gradient of f is not finite at (0, 1) (f is not differentiable there), "
     "so the step from there is not a number"),
])
def test_a_path_into_a_non_finite_region_says_why_it_stopped(text, start, lr, reason):
    from dashboard.summary import status_reason

    traj = simulate(RunConfig(surface="custom:" + text, optimizer="sgd", optimizer_params=(("lr", lr),),
                              start=start, steps=10))
    assert traj.final_status == "diverged"
    assert status_reason(traj) == reason


def test_built_in_surfaces_keep_their_stability_reason():
    from dashboard.summary import status_reason

    traj = simulate(RunConfig(surface="quadratic", optimizer="sgd", optimizer_params=(("lr", 10.0),), steps=20))
    assert status_reason(traj).startswith("diverged at step") and "2/λmax = 0.2" in status_reason(traj)


def test_fifty_formulas_keep_the_compile_cache_bounded():
    import gc
    import weakref

    client = jax.devices()[0].client
    engine.surface_grid("custom:x**2 + 0.5*y**2", resolution=5)
    first = weakref.ref(engine.programs("custom:x**2 + 0.5*y**2"))
    gc.collect()
    compiled_before, live_before = engine.compilations(), len(client.live_executables())
    for i in range(50):
        engine.surface_grid(f"custom:x**2 + {i + 1}*y**2", resolution=5)
    # Held now: the last MAX_CUSTOM_SURFACES formulas, one grid program each (whatever earlier tests left).
    assert engine.cached_programs(custom_only=True) == engine.MAX_CUSTOM_SURFACES
    gc.collect()
    assert engine.compilations() == compiled_before + 50  # each formula really compiled its own program
    assert first() is None  # the oldest formula's jitted functions are gone...
    # ...and JAX freed their executables: at most one per kept formula more than before.
    assert len(client.live_executables()) - live_before <= engine.MAX_CUSTOM_SURFACES
    # Built-in surfaces are never evicted.
    engine.surface_grid("quadratic", resolution=5)
    assert engine.programs("quadratic") is engine.programs("quadratic")


def test_an_evicted_formula_compiles_again_and_gives_the_same_path(monkeypatch):
    monkeypatch.setattr(engine, "MAX_CUSTOM_SURFACES", 2)
    configs = [RunConfig(surface=f"custom:(x - {a})**2 + y**2", optimizer_params=(("lr", 0.1),), steps=12)
               for a in (1, 2, 3)]
    first = simulate(configs[0])
    for config in configs[1:]:
        simulate(config)
    assert configs[0].surface not in engine._CUSTOM_PROGRAMS
    before = engine.compilations()
    again = simulate(configs[0])
    assert engine.compilations() == before + 1
    np.testing.assert_array_equal(again.xy, first.xy)
