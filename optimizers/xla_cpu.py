"""XLA settings for the engine's loops, applied before JAX starts its CPU backend.

XLA on the CPU runs a while loop (a `lax.scan`) either as one compiled function or, when the loop's
cost analysis says it touches 1024 bytes or more, as a thunk per kernel of its body, dispatched again on
every iteration (about 100 ns each). A trace's body is two dozen tiny kernels on 2-vectors, so the
thunks cost 1.2 µs a step against 0.15–0.2 µs as one function (README, Performance). The
threshold is read once, from XLA_FLAGS, when the backend starts: hence an environment variable set on
import of the engine's packages, before anything has run on JAX.

Outside such a loop, each kernel of a program is a thunk, and XLA runs a program of more than 8 thunks
that could overlap as a dataflow graph on its thread pool: for a trace (three dozen scalar kernels
reading the packed inputs, the loop, a short vectorised pass after it) that meant waking pool threads
that then spin, on a 2-core machine beside the caller, for work of a few microseconds each.
`in_one_function` puts a whole program inside a loop that runs once, so XLA compiles it as one function
called on the caller's thread: a 1000-step trace went from 0.23-0.26 ms to 0.14-0.15 ms a call, and the
pool threads' CPU time during 3000 traces from more than the caller's own to none (bench/engine_bench.py).
"""
from __future__ import annotations

import os
from typing import Any, Callable

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


def in_one_function(compute: Callable[[], Any], shape: tuple[int, ...], dtype=None):
    """compute() (one array of `shape`) inside a while loop that runs once, which XLA on the CPU compiles
    as one function called on the caller's thread instead of a graph of thunks (see the module's note).

    The loop's count comes from a flag the body sets, which XLA does not fold away as it would a loop
    of constant trip count one; if a later XLA did, the result would be the same, only slower.
    """
    import jax
    import jax.numpy as jnp

    def once(carry):
        return jnp.ones((), bool), compute()

    initial = (jnp.zeros((), bool), jnp.zeros(shape, dtype))
    return jax.lax.while_loop(lambda carry: ~carry[0], once, initial)[1]


def configure() -> None:
    os.environ["XLA_FLAGS"] = with_small_loops(os.environ.get("XLA_FLAGS", ""))
    # Synchronous dispatch: with JAX's default asynchronous dispatch on the CPU, a 1000-step trace called
    # between other work took 0.21-0.36 ms against 0.14-0.23 ms (bench/engine_bench.py, alternate runs):
    # the call hands its inputs and result between threads although the caller needs the result at once.
    # Read when the CPU client is made, so set here, before anything has run on JAX.
    import jax

    jax.config.update("jax_cpu_enable_async_dispatch", False)
