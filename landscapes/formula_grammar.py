"""Tokenizer and recursive-descent parser for typed formulas f(x, y): text -> a small AST, refusing all else.

The grammar, with Python's precedence (``-x**2`` is ``-(x**2)``; powers are right-associative)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("+" | "-") unary | power
    power   := primary (("**" | "^") unary)?
    primary := NUMBER | "x" | "y" | "pi" | "e" | FUNCTION "(" expr ("," expr)* ")" | "(" expr ")"

Nothing here evaluates anything: the text is read character by character into tokens and nodes of the
types below, and every other character, name or construct is refused with a ``FormulaError`` that names
the 1-based column. Limits keep hostile input cheap: ``MAX_LENGTH`` characters, ``MAX_NESTING`` levels of
parentheses, calls, signs and exponents (so recursion stays shallow), ``MAX_NODES`` nodes.
"""
from __future__ import annotations

import difflib
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass, replace

MAX_LENGTH = 500
MAX_NESTING = 32
MAX_NODES = 256

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
# Canonical function name -> number of arguments.
FUNCTIONS = {
    "sin": 1, "cos": 1, "tan": 1, "arcsin": 1, "arccos": 1, "arctan": 1,
    "sinh": 1, "cosh": 1, "tanh": 1,
    "exp": 1, "log": 1, "log10": 1, "log2": 1, "sqrt": 1, "abs": 1, "sign": 1,
    "sigmoid": 1, "softplus": 1, "relu": 1,
    "min": 2, "max": 2, "arctan2": 2,
}
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2", "ln": "log"}
KNOWN_NAMES = (*VARIABLES, *CONSTANTS, *FUNCTIONS, *ALIASES)
ALLOWED_TEXT = ("x, y, pi, e and the functions " + ", ".join(sorted(FUNCTIONS))
                + " (aliases " + ", ".join(f"{a}={c}" for a, c in sorted(ALIASES.items())) + ")")


class FormulaError(ValueError):
    """A formula refused, with the 1-based column where the problem is."""

    def __init__(self, column: int, reason: str):
        super().__init__(f"column {column}: {reason}")
        self.column = column
        self.reason = reason


# ---------------------------------------------------------------------------------------------------
# Nodes. start/end are 0-based offsets into the text, so messages can quote the source of a sub-expression.


@dataclass(frozen=True)
class Num:
    value: float
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Var:
    name: str  # "x" | "y"
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Const:
    name: str  # "pi" | "e"
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Unary:
    op: str  # "+" | "-"
    operand: "Node"
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Binary:
    op: str  # "+" | "-" | "*" | "/" | "**"
    left: "Node"
    right: "Node"
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Call:
    name: str  # canonical name from FUNCTIONS
    args: tuple
    start: int = 0
    end: int = 0


Node = Num | Var | Const | Unary | Binary | Call


def children(node: Node) -> tuple:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def without_positions(node: Node) -> Node:
    """The same tree with every position zeroed: trees parsed from different spellings compare equal."""
    if isinstance(node, Unary):
        return Unary(node.op, without_positions(node.operand))
    if isinstance(node, Binary):
        return Binary(node.op, without_positions(node.left), without_positions(node.right))
    if isinstance(node, Call):
        return Call(node.name, tuple(without_positions(a) for a in node.args))
    return Num(node.value) if isinstance(node, Num) else type(node)(node.name)


# ---------------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class Token:
    kind: str  # "num" | "name" | "op" | "(" | ")" | "," | "end"
    text: str
    start: int  # 0-based
    value: float = 0.0

    @property
    def column(self) -> int:
        return self.start + 1

    def describe(self) -> str:
        return "the end of the formula" if self.kind == "end" else repr(self.text)


_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHITESPACE = " \t\r\n"
# Characters a student might paste from Python, a PDF or a word processor, with why each is refused.
_REFUSED_CHARACTERS = {
    ".": "attribute access '.' is not allowed",
    "'": "strings are not allowed", '"': "strings are not allowed",
    "[": "subscripts and lists '[' are not allowed", "]": "subscripts and lists ']' are not allowed",
    "{": "'{' is not allowed", "}": "'}' is not allowed",
    "=": "assignments and comparisons '=' are not allowed",
    "<": "comparisons '<' are not allowed", ">": "comparisons '>' are not allowed",
    ";": "statements ';' are not allowed", ":": "':' (lambdas, slices) is not allowed",
    "%": "'%' is not allowed", "@": "'@' is not allowed", "!": "'!' is not allowed",
    "&": "'&' is not allowed", "|": "'|' is not allowed; write abs(...)", "~": "'~' is not allowed",
    "#": "comments '#' are not allowed", "\\": "backslashes are not allowed",
    "\u2212": "unicode minus sign; type -", "\u00d7": "'×': type * for a product",
    "\u00b7": "'·': type * for a product", "\u00f7": "'÷': type / for a quotient",
    "\u00b2": "'²': type **2", "\u00b3": "'³': type **3",
}


def _character_error(text: str, i: int) -> FormulaError:
    ch = text[i]
    if ch in _REFUSED_CHARACTERS:
        return FormulaError(i + 1, _REFUSED_CHARACTERS[ch])
    label = unicodedata.name(ch, "control character" if unicodedata.category(ch).startswith("C") else "unnamed")
    shown = f"{ch!r} " if ch.isprintable() else ""
    return FormulaError(i + 1, f"unexpected character {shown}(U+{ord(ch):04X} {label})")


def _name_error(name: str, start: int) -> FormulaError:
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return FormulaError(start + 1, f"{name!r} is a Python keyword; only arithmetic on x and y is allowed")
    close = [name.lower()] if name.lower() in KNOWN_NAMES else difflib.get_close_matches(name, KNOWN_NAMES, n=1,
                                                                                         cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FormulaError(start + 1, f"unknown name {name!r}{hint} (allowed: {ALLOWED_TEXT})")


def tokenize(text: str, max_length: int = MAX_LENGTH) -> list[Token]:
    """Tokens of the text, ending with an "end" token; refuses any character outside the grammar."""
    if not isinstance(text, str):
        raise FormulaError(1, f"a formula must be text, got {type(text).__name__}")
    if len(text) > max_length:
        raise FormulaError(max_length + 1, f"formula is longer than {max_length} characters ({len(text)})")
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch.isascii() and (ch.isdigit() or (ch == "." and text[i + 1:i + 2].isdigit())):
            match = _NUMBER.match(text, i)
            end = match.end()
            if text[end:end + 1] == "." or text[end:end + 1].isdigit():
                run = re.match(r"[0-9A-Za-z_.]*", text[i:]).group()
                raise FormulaError(i + 1, f"malformed number {run!r}")
            value = float(match.group())
            if not math.isfinite(value):
                raise FormulaError(i + 1, f"number {match.group()!r} is too large for float64")
            tokens.append(Token("num", match.group(), i, value))
            i = end
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            name = _NAME.match(text, i).group()
            if name not in KNOWN_NAMES:
                raise _name_error(name, i)
            tokens.append(Token("name", name, i))
            i += len(name)
        elif text.startswith("**", i):
            tokens.append(Token("op", "**", i))
            i += 2
        elif ch in "+-*/^":
            tokens.append(Token("op", "**" if ch == "^" else ch, i))
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, i))
            i += 1
        else:
            raise _character_error(text, i)
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, text: str, max_length: int):
        self.text = text
        self.tokens = tokenize(text, max_length)
        self.pos = 0
        self.nesting = 0
        self.nodes = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def node(self, cls, *fields, start: int, end: int):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            where = self.tokens[self.pos - 1].column
            raise FormulaError(where, f"formula has more than {MAX_NODES} numbers, names and operations")
        return cls(*fields, start=start, end=end)

    def enter(self, token: Token):
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise FormulaError(token.column, f"nesting deeper than {MAX_NESTING} levels")

    def leave(self):
        self.nesting -= 1

    def parse(self) -> Node:
        if self.peek.kind == "end":
            raise FormulaError(1, "empty formula; type f(x, y), for example x**2 + 3*y**2")
        tree = self.expr()
        if self.peek.kind != "end":
            raise self.stray(self.peek)
        return tree

    def stray(self, token: Token) -> FormulaError:
        """Why a token cannot follow a complete expression."""
        if token.kind == ")":
            return FormulaError(token.column, "')' has no matching '('")
        if token.kind == ",":
            return FormulaError(token.column, "',' is only allowed between a function's arguments")
        if token.kind in ("num", "name", "("):
            return FormulaError(token.column, f"missing operator before {token.describe()} "
                                              "(a product needs *, for example 2*x)")
        return FormulaError(token.column, f"unexpected {token.describe()}")

    def expr(self) -> Node:
        left = self.term()
        while self.peek.kind == "op" and self.peek.text in ("+", "-"):
            op = self.take().text
            right = self.term()
            left = self.node(Binary, op, left, right, start=left.start, end=right.end)
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.peek.kind == "op" and self.peek.text in ("*", "/"):
            op = self.take().text
            right = self.unary()
            left = self.node(Binary, op, left, right, start=left.start, end=right.end)
        return left

    def unary(self) -> Node:
        if self.peek.kind == "op" and self.peek.text in ("+", "-"):
            sign = self.take()
            self.enter(sign)
            operand = self.unary()
            self.leave()
            return self.node(Unary, sign.text, operand, start=sign.start, end=operand.end)
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.peek.kind == "op" and self.peek.text == "**":
            op = self.take()
            self.enter(op)
            exponent = self.unary()
            self.leave()
            return self.node(Binary, "**", base, exponent, start=base.start, end=exponent.end)
        return base

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "num":
            return self.node(Num, token.value, start=token.start, end=token.start + len(token.text))
        if token.kind == "name":
            end = token.start + len(token.text)
            if token.text in VARIABLES:
                return self.node(Var, token.text, start=token.start, end=end)
            if token.text in CONSTANTS:
                return self.node(Const, token.text, start=token.start, end=end)
            return self.call(token)
        if token.kind == "(":
            self.enter(token)
            inner = self.expr()
            closing = self.close(token, "a parenthesis")
            self.leave()
            # The span takes in the parentheses, so a message quoting it reads "(x + y)^-101".
            return replace(inner, start=token.start, end=closing.start + 1)
        if token.kind == "end":
            raise FormulaError(token.column, "formula ends too early; expected a number, x, y, a constant, "
                                             "a function or '('")
        raise FormulaError(token.column, f"expected a number, x, y, a constant, a function or '(' "
                                         f"but found {token.describe()}")

    def call(self, name: Token) -> Node:
        canonical = ALIASES.get(name.text, name.text)
        if self.peek.kind != "(":
            raise FormulaError(name.column, f"function {name.text!r} needs parentheses: {name.text}(...)")
        opening = self.take()
        self.enter(opening)
        args = [self.expr()]
        while self.peek.kind == ",":
            self.take()
            args.append(self.expr())
        closing = self.close(opening, f"the call of {name.text}")
        self.leave()
        arity = FUNCTIONS[canonical]
        if len(args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            raise FormulaError(name.column, f"{name.text} takes {arity} {plural}, got {len(args)}")
        return self.node(Call, canonical, tuple(args), start=name.start, end=closing.start + 1)

    def close(self, opening: Token, what: str) -> Token:
        token = self.peek
        if token.kind == ")":
            return self.take()
        if token.kind == "end":
            raise FormulaError(opening.column, f"'(' of {what} is never closed")
        if token.kind == ",":
            raise FormulaError(token.column, "',' is only allowed between a function's arguments")
        raise self.stray(token)


def parse(text: str, max_length: int = MAX_LENGTH) -> Node:
    """The AST of a formula; raises FormulaError (what and which column) for anything outside the grammar."""
    return _Parser(text, max_length).parse()


# ---------------------------------------------------------------------------------------------------
# Canonical text: the inverse of parse, with only the parentheses the grammar needs.

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_UNARY, _POWER, _ATOM = 3, 4, 5


def precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _POWER if node.op == "**" else _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return _UNARY
    return _ATOM


def number_text(value: float) -> str:
    """Shortest text that reads back as the same float: 3 rather than 3.0, repr otherwise."""
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def to_text(node: Node) -> str:
    if isinstance(node, Num):
        return number_text(node.value)
    if isinstance(node, (Var, Const)):
        return node.name
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_text(a) for a in node.args)})"
    if isinstance(node, Unary):
        inner = to_text(node.operand)
        return node.op + (f"({inner})" if precedence(node.operand) < _UNARY else inner)
    level = precedence(node)
    if node.op == "**":
        # The base must be an atom ((-x)**2, (x**2)**3); the exponent is a unary, so only sums and
        # products need parentheses there (2**-x and 2**3**2 read back unchanged).
        left = _wrap(node.left, precedence(node.left) < _ATOM)
        right = _wrap(node.right, precedence(node.right) < _UNARY)
        return f"{left}**{right}"
    # Left-associative: the right operand needs parentheses at equal precedence, a - (b - c).
    left = _wrap(node.left, precedence(node.left) < level)
    right = _wrap(node.right, precedence(node.right) <= level)
    return f"{left} {node.op} {right}" if level == 1 else f"{left}{node.op}{right}"


def _wrap(node: Node, needed: bool) -> str:
    text = to_text(node)
    return f"({text})" if needed else text
