"""Long update rules are drawn one statement per line, and nothing inside braces or environments is split."""
from __future__ import annotations

import pytest

from dashboard.show import stacked_latex
from optimizers import RULES


def test_statements_go_on_lines_of_their_own():
    assert stacked_latex(r"a=1;\ b=2;\ c=3") == r"\begin{gathered}a=1\\b=2\\c=3\end{gathered}"
    assert stacked_latex(r"a=1") == r"a=1"


def test_separators_inside_braces_and_environments_stay():
    inside = r"x=\text{a;\ b};\ y=\begin{cases}1;\ 2&t\\3&u\end{cases}"
    assert stacked_latex(inside) == (r"\begin{gathered}x=\text{a;\ b}\\"
                                     r"y=\begin{cases}1;\ 2&t\\3&u\end{cases}\end{gathered}")


def letters(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_keeps_its_text(name):
    latex = RULES[name].latex
    stacked = stacked_latex(latex)
    body = stacked.removeprefix(r"\begin{gathered}").removesuffix(r"\end{gathered}")
    assert body.count("{") == body.count("}")
    assert letters(body) == letters(latex)  # only separators differ
    assert stacked == latex or body.count("\\\\") > latex.count("\\\\")  # and it was split
