"""The server keeps compiled programs in the OS's temporary directory, so a restart loads them from disk."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dashboard import xla_cache

ROOT = Path(__file__).resolve().parent.parent
RUN_ONCE = """
import jax
from dashboard import xla_cache, engine
hits = []
jax.monitoring.register_event_listener(
    lambda event, **kw: hits.append(event) if event == "/jax/compilation_cache/cache_hits" else None)
print(xla_cache.enable())
engine.simulate(engine.RunConfig(optimizer_params=(("lr", 0.05),), steps=10))
print(len(hits))
"""


def test_cache_lives_in_the_temporary_directory_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    assert xla_cache.cache_dir().parent == Path(tempfile.gettempdir())
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "/somewhere/else")
    assert xla_cache.cache_dir() == Path("/somewhere/else")


def test_a_compiled_trace_is_written_and_a_second_process_reads_it(tmp_path):
    env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "xla"), "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", RUN_ONCE], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    folder, hits = first.stdout.split()
    assert folder == str(tmp_path / "xla") and hits == "0"
    entries = sorted(p.name for p in (tmp_path / "xla").iterdir())
    assert entries, "nothing was cached"
    second = subprocess.run([sys.executable, "-c", RUN_ONCE], env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert int(second.stdout.split()[1]) >= 1  # the trace came from the cache
    assert sorted(p.name for p in (tmp_path / "xla").iterdir()) == entries
