"""XLA settings for the engine's loops, applied before JAX starts its CPU backend.

XLA on the CPU runs a while loop (a `lax.scan`) either as one compiled function or, when the loop's
cost analysis says it touches 1024 bytes or more, as a thunk per kernel of its body, dispatched again on
every iteration (about 100 ns each). A trace's body is two dozen tiny kernels on 2-vectors, so the
thunks cost 1.2 µs a step against 0.15–0.2 µs as one function (README, Performance). The
threshold is read once, from XLA_FLAGS, when the backend starts: hence an environment variable set on
import of the engine's packages, before anything has run on JAX.
"""
from __future__ import annotations

import os

SMALL_LOOP_OPTION = "xla_cpu_small_while_loop_byte_threshold"
SMALL_LOOP_BYTES = 1 << 40  # every loop: measured no slower on the 40 000-run sweeps either
_EXTRA = "--xla_backend_extra_options="


def with_small_loops(flags: str, threshold: int = SMALL_LOOP_BYTES) -> str:
    """XLA_FLAGS with the small-loop threshold added (kept as it is where the user set one)."""
    if SMALL_LOOP_OPTION in flags:
        return flags
    pair = f"{SMALL_LOOP_OPTION}={threshold}"
    if _EXTRA in flags:  # one map flag: add our pair to the user's extra options
        return flags.replace(_EXTRA, f"{_EXTRA}{pair},", 1)
    return f"{flags} {_EXTRA}{pair}".strip()


def configure() -> None:
    os.environ["XLA_FLAGS"] = with_small_loops(os.environ.get("XLA_FLAGS", ""))
