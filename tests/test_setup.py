"""Set-up invariants: pinned requirements, a pure engine (no UI imports), make targets, and CI calling them."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_PACKAGES = {"streamlit", "plotly", "kaleido"}
PURE = [*sorted((ROOT / "landscapes").glob("*.py")), *sorted((ROOT / "optimizers").glob("*.py")),
        ROOT / "dashboard" / "engine.py", ROOT / "dashboard" / "cli.py", ROOT / "dashboard" / "__main__.py"]


def test_every_requirement_is_pinned():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line]
    assert requirements
    for line in requirements:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[0-9][0-9A-Za-z.+!-]*", line), line


def imported_packages(path: Path) -> set[str]:
    """Top-level package of every import in a file, including imports inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_checker_sees_imports_everywhere_in_a_file(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from plotly import graph_objects\n    import streamlit.components.v1 as c\n")
    assert imported_packages(sample) == {"plotly", "streamlit"}


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_and_cli_never_import_the_ui(path):
    assert not imported_packages(path) & UI_PACKAGES


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, flags=re.M))


def test_makefile_has_run_and_test():
    text = (ROOT / "Makefile").read_text()
    assert {"run", "test"} <= makefile_targets()
    assert re.search(r"^test:.*\n(\t.*\n)*\t.*-m pytest", text, flags=re.M)
    assert re.search(r"^run:.*\n(\t.*\n)*\t.*streamlit run dashboard/app\.py --server\.headless true", text, flags=re.M)
    assert "requirements.txt" in text


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert script.startswith("#!/usr/bin/env bash") or script.startswith("#!/bin/bash")
    assert "set -euo pipefail" in script
    commands = [line.split("#")[0].strip() for line in script.splitlines()]
    assert any(re.fullmatch(r"make test\b.*", c) for c in commands)
    assert "chromium" in script
