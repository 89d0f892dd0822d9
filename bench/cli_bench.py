"""Whole-process CLI timings, side by side: one 500-step trace against a 200x200 sweep of 500 steps.

python -m bench.cli_bench        (goal, issue 2: the sweep takes at most twice the trace's time)
Both include interpreter start, imports and compilation, as a lecturer scripting material meets them.
"""
from __future__ import annotations

import subprocess
import sys
import time

COMMON = ["--surface", "rosenbrock", "--optimizer", "sgd", "--start=-1.5,2", "--steps", "500"]
TRACE = [sys.executable, "-m", "dashboard", "trace", *COMMON, "--param", "lr=1e-4", "--param", "momentum=0.9"]
SWEEP = [sys.executable, "-m", "dashboard", "sweep", *COMMON,
         "--vary", "lr=1e-5:3e-3:200:log", "--vary", "momentum=0:0.99:200"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(repeat: int = 3) -> dict:
    # Interleaved (trace, sweep) pairs so that load from elsewhere meets both; the fastest of each counts.
    pairs = [(timed(TRACE), timed(SWEEP)) for _ in range(repeat)]
    trace, sweep = min(t for t, _ in pairs), min(s for _, s in pairs)
    print(f"trace, 500 steps, whole process:              {trace:.2f} s")
    print(f"sweep, 200x200 runs x 500 steps, whole process: {sweep:.2f} s")
    print(f"ratio sweep/trace (goal <= 2):                 {sweep / trace:.2f}")
    return {"trace_s": trace, "sweep_s": sweep, "ratio": sweep / trace}


if __name__ == "__main__":
    main()
