"""Custom surfaces typed as formulas: parsed text -> a checked tree -> a pure jnp loss, LaTeX and a Surface.

``parse_formula("x**2 + 3*y**2")`` returns a Surface named ``custom:x**2 + 3*y**2`` whose loss is built from
the parsed tree (landscapes.formula_grammar) by calling jnp functions from a fixed table; the text itself
is never evaluated. Checks made once, when the formula is parsed:

- every sub-expression without x or y is computed in float64 numpy with floating-point errors raised; one
  that overflows (``10**400``, ``exp(1000)``), divides by zero (``1/0``, ``log(0)``) or is undefined
  (``sqrt(-1)``) is refused, with its column;
- a constant exponent on a base that depends on x or y must satisfy |p| <= MAX_EXPONENT (``x**1e6``
  is refused); exponents that depend on x or y are allowed and may overflow while a path runs.

Outside the checks f may be non-finite on parts of the plane (``log(x)`` for x <= 0). The engine's grid
then holds NaN or inf there, a path that steps in ends ``diverged``, and ``explain_nonfinite`` says which
sub-expression failed and why.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from landscapes.base import Surface
from landscapes.formula_grammar import (CONSTANTS, MAX_LENGTH, Binary, Call, Const, FormulaError, Node, Num,
                                        Unary, Var, children, number_text, parse, precedence, to_text)

__all__ = ["CUSTOM_PREFIX", "DOMAIN", "FormulaError", "MAX_EXPONENT", "custom_surface", "evaluate",
           "explain_nonfinite", "parse_formula", "to_latex"]

CUSTOM_PREFIX = "custom:"
MAX_EXPONENT = 100
DOMAIN = ((-3.0, 3.0), (-3.0, 3.0))
# Canonical text may be longer than what was typed (spaces, "ln" -> "log"), and a surface's name must parse
# back, so text already in canonical form gets this much more room.
_CANONICAL_ROOM = 4


def _np_sigmoid(v):
    # tanh form: no overflow for large |v|, equal to 1/(1+exp(-v)) in exact arithmetic.
    return 0.5 * (1.0 + np.tanh(0.5 * v))


NUMPY_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp, "log": np.log, "log10": np.log10,
    "log2": np.log2, "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign, "sigmoid": _np_sigmoid,
    "softplus": lambda v: np.logaddexp(v, 0.0), "relu": lambda v: np.maximum(v, 0.0),
    "min": np.minimum, "max": np.maximum, "arctan2": np.arctan2,
}
JAX_FUNCTIONS = {
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "arcsin": jnp.arcsin, "arccos": jnp.arccos,
    "arctan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh, "tanh": jnp.tanh, "exp": jnp.exp, "log": jnp.log,
    "log10": jnp.log10, "log2": jnp.log2, "sqrt": jnp.sqrt, "abs": jnp.abs, "sign": jnp.sign,
    "sigmoid": jax.nn.sigmoid, "softplus": jax.nn.softplus, "relu": jax.nn.relu,
    "min": jnp.minimum, "max": jnp.maximum, "arctan2": jnp.arctan2,
}
_POWER = {"numpy": np.power, "jax": jnp.power}
_TABLES = {"numpy": NUMPY_FUNCTIONS, "jax": JAX_FUNCTIONS}


def evaluate(node: Node, x, y, backend: str = "jax"):
    """f at (x, y) by walking the tree with the backend's functions ("jax" or "numpy"; arrays broadcast)."""
    functions, power = _TABLES[backend], _POWER[backend]
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Const):
        return CONSTANTS[node.name]
    if isinstance(node, Var):
        return x if node.name == "x" else y
    if isinstance(node, Unary):
        value = evaluate(node.operand, x, y, backend)
        return -value if node.op == "-" else value
    if isinstance(node, Call):
        return functions[node.name](*(evaluate(a, x, y, backend) for a in node.args))
    left, right = evaluate(node.left, x, y, backend), evaluate(node.right, x, y, backend)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "/":
        return left / right
    if isinstance(node.right, Num) and float(node.right.value).is_integer():
        # An integer exponent as a Python int: jnp lowers it to integer_pow (x**2 stays differentiable and
        # real at negative x), numpy to repeated multiplication.
        return power(left, int(node.right.value))
    return power(left, right)


# ---------------------------------------------------------------------------------------------------
# Checks on the parsed tree


def _source(text: str, node: Node) -> str:
    return text[node.start:node.end]


def _why_not_finite(message: str) -> str:
    if "overflow" in message:
        return "overflows float64 (its magnitude exceeds about 1.8e308)"
    if "divide" in message:
        return "is infinite (a division by zero or the logarithm of 0)"
    return "is undefined (not a real number)"


def fold_constants(node: Node, text: str) -> Node:
    """The tree with every sub-expression free of x and y replaced by its float64 value.

    Refuses (FormulaError with the column) constants that overflow, divide by zero or are undefined, and
    constant exponents beyond MAX_EXPONENT on bases that depend on x or y.
    """
    if isinstance(node, (Num, Var)):
        return node
    if isinstance(node, Const):
        return Num(CONSTANTS[node.name], start=node.start, end=node.end)
    if isinstance(node, Unary):
        folded = Unary(node.op, fold_constants(node.operand, text), start=node.start, end=node.end)
    elif isinstance(node, Binary):
        folded = Binary(node.op, fold_constants(node.left, text), fold_constants(node.right, text),
                        start=node.start, end=node.end)
    else:
        folded = Call(node.name, tuple(fold_constants(a, text) for a in node.args), start=node.start, end=node.end)
    if not all(isinstance(c, Num) for c in children(folded)):
        if (isinstance(folded, Binary) and folded.op == "**" and isinstance(folded.right, Num)
                and abs(folded.right.value) > MAX_EXPONENT):
            raise FormulaError(node.right.start + 1,
                               f"exponent {number_text(folded.right.value)} in {_source(text, node)} is too large: "
                               f"a power of an expression in x or y may be at most {MAX_EXPONENT} in absolute value")
        return folded
    scalar = _as_float64(folded)
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            value = evaluate(scalar, None, None, "numpy")
    except (FloatingPointError, OverflowError, ZeroDivisionError) as error:
        raise FormulaError(node.start + 1, f"{_source(text, node)} {_why_not_finite(str(error))}") from None
    if not np.isfinite(value):
        raise FormulaError(node.start + 1, f"{_source(text, node)} {_why_not_finite('overflow')}")
    return Num(float(value), start=node.start, end=node.end)


def _as_float64(node: Node) -> Node:
    """Constant leaves as numpy float64 scalars, so numpy (not Python) arithmetic applies errstate."""
    if isinstance(node, Num):
        return Num(np.float64(node.value), start=node.start, end=node.end)
    if isinstance(node, Unary):
        return Unary(node.op, _as_float64(node.operand))
    if isinstance(node, Binary):
        return Binary(node.op, _as_float64(node.left), _as_float64(node.right))
    if isinstance(node, Call):
        return Call(node.name, tuple(_as_float64(a) for a in node.args))
    return node


# ---------------------------------------------------------------------------------------------------
# LaTeX

_LATEX_NAMES = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "arcsin": r"\arcsin", "arccos": r"\arccos",
    "arctan": r"\arctan", "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh", "exp": r"\exp", "log": r"\ln",
    "log10": r"\log_{10}", "log2": r"\log_{2}", "min": r"\min", "max": r"\max", "sign": r"\operatorname{sgn}",
    "sigmoid": r"\sigma", "softplus": r"\operatorname{softplus}", "relu": r"\operatorname{ReLU}",
    "arctan2": r"\operatorname{arctan2}",
}


def _latex_number(value: float) -> str:
    text = number_text(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return (f"{mantissa}\\times " if mantissa != "1" else "") + f"10^{{{int(exponent)}}}"


def to_latex(node: Node) -> str:
    """LaTeX of the parsed tree (as typed: constants are not folded), with the same grouping."""
    if isinstance(node, Num):
        return _latex_number(node.value)
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Const):
        return r"\pi" if node.name == "pi" else "e"
    if isinstance(node, Call):
        args = ", ".join(to_latex(a) for a in node.args)
        if node.name == "sqrt":
            return rf"\sqrt{{{args}}}"
        if node.name == "abs":
            return rf"\left|{args}\right|"
        return rf"{_LATEX_NAMES[node.name]}\left({args}\right)"
    if isinstance(node, Unary):
        return node.op + _latex_group(node.operand, precedence(node.operand) < 3)
    if node.op == "**":
        return f"{_latex_group(node.left, precedence(node.left) < 5)}^{{{to_latex(node.right)}}}"
    if node.op == "/":
        return rf"\frac{{{to_latex(node.left)}}}{{{to_latex(node.right)}}}"
    level = precedence(node)
    left = _latex_group(node.left, precedence(node.left) < level)
    right = _latex_group(node.right, precedence(node.right) <= level)
    if node.op == "*":
        # 3\,x reads as a product; between two numbers or before a sign, an explicit dot.
        juxtapose = isinstance(node.left, (Num, Const)) and not right[:1].isdigit() and right[:1] not in "+-"
        return f"{left}\\,{right}" if juxtapose else f"{left}\\cdot {right}"
    return f"{left}{node.op}{right}"


def _latex_group(node: Node, needed: bool) -> str:
    inner = to_latex(node)
    return rf"\left({inner}\right)" if needed else inner


# ---------------------------------------------------------------------------------------------------
# Start point and non-finite regions


def _values(tree: Node, x, y) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(evaluate(tree, x, y, "numpy"), dtype=np.float64), np.shape(x))


def _start_candidates(domain) -> np.ndarray:
    """Points in the domain, preferred first: off-centre corners like the built-in surfaces' starts, then a grid."""
    (x0, x1), (y0, y1) = domain
    preferred = [(0.6, 0.5), (-0.6, 0.5), (0.6, -0.5), (-0.6, -0.5), (0.5, 0.8), (-0.8, -0.3)]
    grid = [(u, v) for u in np.linspace(-0.9, 0.9, 13) for v in np.linspace(-0.9, 0.9, 13)]
    unit = np.asarray(preferred + grid)
    centre = np.asarray([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.asarray([(x1 - x0) / 2, (y1 - y0) / 2])
    return np.round(centre + unit * half, 6)  # 1.8, not 1.7999999999999998


def default_start(tree: Node, domain=DOMAIN) -> tuple[tuple[float, float], str]:
    """A start where f and its (central-difference) gradient are finite and the gradient is not zero.

    Returns the point and a note for the lesson ("" when all is well).
    """
    points = _start_candidates(domain)
    x, y = points[:, 0], points[:, 1]
    h = 1e-5
    f = _values(tree, x, y)
    with np.errstate(all="ignore"):
        fx = (_values(tree, x + h, y) - _values(tree, x - h, y)) / (2 * h)
        fy = (_values(tree, x, y + h) - _values(tree, x, y - h)) / (2 * h)
    finite = np.isfinite(f)
    moving = finite & np.isfinite(fx) & np.isfinite(fy) & (np.hypot(fx, fy) > 1e-6)
    if moving.any():
        index, note = int(np.argmax(moving)), ""
    elif finite.any():
        index, note = int(np.argmax(finite)), "f is flat at every sampled point: no path will move."
    else:
        index, note = 0, "f is not finite anywhere in the domain: no path can start."
    return (float(points[index, 0]), float(points[index, 1])), note


def nonfinite_fraction(tree: Node, domain=DOMAIN, resolution: int = 61) -> float:
    (x0, x1), (y0, y1) = domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return float(np.mean(~np.isfinite(_values(tree, gx, gy))))


def _failure(node: Node, args: list) -> str:
    """Why a node with finite arguments produced a non-finite value."""
    if isinstance(node, Call):
        (a, *_) = args
        if node.name in ("log", "log10", "log2"):
            return "takes the logarithm of 0" if a == 0 else "takes the logarithm of a negative number"
        if node.name == "sqrt":
            return "takes the square root of a negative number"
        if node.name in ("arcsin", "arccos"):
            return f"takes {node.name} of a number outside [-1, 1]"
    if isinstance(node, Binary):
        left, right = args
        if node.op == "/" and right == 0:
            return "divides by zero"
        if node.op == "**" and left < 0 and not float(right).is_integer():
            return "raises a negative number to a fractional power"
        if node.op == "**" and left == 0 and right < 0:
            return "raises 0 to a negative power"
    return "overflows float64"


def explain_nonfinite(surface: Surface, xy) -> str | None:
    """Why a custom surface's f is not finite at xy: the innermost failing sub-expression and its column.

    None where f is finite, or for surfaces that are not typed formulas.
    """
    formula = surface.extra.get("formula")
    if formula is None:
        return None
    x, y = float(xy[0]), float(xy[1])
    culprit: list = []

    def walk(node: Node):
        args = [walk(c) for c in children(node)]
        with np.errstate(all="ignore"):
            value = float(evaluate(_with_values(node, args), x, y, "numpy"))
        if not np.isfinite(value) and all(np.isfinite(args)) and not culprit:
            culprit.append((node, args))
        return value

    if np.isfinite(walk(formula.folded)):
        return None
    if not culprit:  # x or y themselves are not finite
        return f"f is not finite at ({x:.4g}, {y:.4g}): the point itself is not finite"
    node, args = culprit[0]
    return (f"f is not finite at ({x:.4g}, {y:.4g}): {_source(formula.text, node)} (column {node.start + 1}) "
            f"{_failure(node, args)}")


def _with_values(node: Node, values: list) -> Node:
    """The node with its children replaced by numbers: evaluates one operation at a time."""
    leaves = tuple(Num(np.float64(v)) for v in values)
    if isinstance(node, Unary):
        return Unary(node.op, *leaves)
    if isinstance(node, Binary):
        return Binary(node.op, *leaves)
    if isinstance(node, Call):
        return Call(node.name, leaves)
    return node


# ---------------------------------------------------------------------------------------------------
# The Surface


@dataclass(frozen=True)
class Formula:
    """What a custom surface keeps of its text: the typed text, the parsed and the constant-folded trees."""

    text: str
    tree: Node
    folded: Node


def _loss_of(folded: Node):
    def loss(xy, theta, data, weights):
        x, y = xy[0], xy[1]
        # + zeros: a formula without x and y still returns an array of the point's dtype.
        return evaluate(folded, x, y, "jax") + jnp.zeros_like(x)

    return loss


def _parse_checked(text: str) -> Node:
    """Parse with the length limit, relaxed for text already in canonical form (a surface's own name)."""
    try:
        return parse(text)
    except FormulaError as error:
        if not (isinstance(text, str) and MAX_LENGTH < len(text) <= _CANONICAL_ROOM * MAX_LENGTH):
            raise
        try:
            tree = parse(text, max_length=_CANONICAL_ROOM * MAX_LENGTH)
        except FormulaError:
            raise error from None
        if to_text(tree) != text:
            raise error from None
        return tree


def parse_formula(text: str) -> Surface:
    """The Surface of a typed formula f(x, y); raises FormulaError (a ValueError) naming what and the column."""
    tree = _parse_checked(text)
    folded = fold_constants(tree, text)
    canonical = to_text(tree)
    start, note = default_start(folded)
    missing = nonfinite_fraction(folded)
    if missing > 0 and not note:
        note = (f"f is not finite on {100 * missing:.2g}% of the domain (shown blank); a path that steps "
                "there stops as diverged.")
    title = canonical if len(canonical) <= 60 else canonical[:59] + "…"
    return Surface(
        name=CUSTOM_PREFIX + canonical,
        title=f"f(x, y) = {title}",
        latex=f"f(x,y)={to_latex(tree)}",
        loss=_loss_of(folded),
        domain=DOMAIN,
        starts=(start,),
        note=note or "A formula typed by the user.",
        extra={"formula": Formula(text=text, tree=tree, folded=folded)},
    )


@functools.lru_cache(maxsize=128)
def custom_surface(expression: str) -> Surface:
    """parse_formula memoised on the text: one Surface (and one loss function) per distinct formula."""
    return parse_formula(expression)
