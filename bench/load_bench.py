"""A class on one server: N concurrent sessions moving sliders over Streamlit's real websocket protocol.

python -m bench.load_bench [--sessions 30] [--moves 10] [--rounds 3] [--script dashboard/app.py] [--slider KEY]

Each session opens the landing page (Trajectories: two optimizers on the shared surface), then moves the
sidebar's start-x slider (key "scene.start_x") to a random point of the quadratic's domain, waiting a think
time between moves (--think, mean 2 s; 0 hammers the server). Every move is a new start, so every redraw
runs the engine (no cache hit). Reports p50/p95 redraw latency (rerun sent -> script_finished received),
errors (exceptions drawn, timeouts, dropped connections) and the server's resident memory, sampled every
second from warm-up on. Goal (issue 5): 30 sessions, zero errors, p95 under 2 s, memory flat after warm-up.
"""
from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from pathlib import Path

from bench.browser import streamlit_server
from bench.ws_client import StreamlitSession

# The sidebar's start-x slider over the default surface's domain (quadratic: x in [-2, 2], 400 slider steps).
DEFAULT_SCRIPT, DEFAULT_SLIDER, DEFAULT_RANGE = "dashboard/app.py", "scene.start_x", (-2.0, 2.0)
SLIDER_STEP = 0.01


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class MemorySampler(threading.Thread):
    """The server's RSS every `every` seconds, as (seconds since start, MiB)."""

    def __init__(self, pid: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples = pid, every, []
        self._halt = threading.Event()
        self._t0 = time.perf_counter()

    def run(self):
        while not self._halt.is_set():
            self.samples.append((time.perf_counter() - self._t0, rss_mib(self.pid)))
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()


def one_session(url, slider, value_range, moves, seed, latencies, errors, think):
    rng = random.Random(seed)
    try:
        time.sleep(rng.uniform(0, think))  # students do not all arrive in the same millisecond
        session = StreamlitSession(url)
        session.rerun()
        for _ in range(moves):
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))  # a person looks at the chart before moving again
            value = round(round(rng.uniform(*value_range) / SLIDER_STEP) * SLIDER_STEP, 6)
            latencies.append(session.rerun([session.slider_state(slider, value)]))
            if not session.chart_specs:
                errors.append("no chart drawn")
        errors.extend(session.exceptions)
        session.close()
    except Exception as exc:  # a load test counts failures, it does not stop at the first
        errors.append(f"{type(exc).__name__}: {exc}")


def run_round(url, sessions, slider, value_range, moves, seed, think):
    latencies, errors, threads = [], [], []
    for i in range(sessions):
        thread = threading.Thread(target=one_session,
                                  args=(url, slider, value_range, moves, seed * 1000 + i, latencies, errors, think))
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds a session waits between moves (0 = hammer the server)")
    parser.add_argument("--script", default=DEFAULT_SCRIPT)
    parser.add_argument("--slider", default=DEFAULT_SLIDER)
    parser.add_argument("--low", type=float, default=DEFAULT_RANGE[0])
    parser.add_argument("--high", type=float, default=DEFAULT_RANGE[1])
    args = parser.parse_args(argv)
    with streamlit_server(args.script) as (url, process, _):
        warm = StreamlitSession(url)
        warm.rerun()
        warm.close()
        _, warm_errors = run_round(url, 2, args.slider, (args.low, args.high), 3, seed=99, think=0.0)  # warm-up
        memory = [rss_mib(process.pid)]
        sampler = MemorySampler(process.pid)
        sampler.start()
        print(f"server RSS after warm-up: {memory[0]:.0f} MiB" + (f"  (warm-up errors: {warm_errors[:3]})" if warm_errors else ""))
        results = []
        for r in range(args.rounds):
            started = time.perf_counter()
            latencies, errors = run_round(url, args.sessions, args.slider, (args.low, args.high), args.moves, seed=r, think=args.think)
            wall = time.perf_counter() - started
            memory.append(rss_mib(process.pid))
            results.append((latencies, errors))
            print(f"round {r + 1}: {args.sessions} sessions x {args.moves} moves in {wall:.1f} s: "
                  f"p50 {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
                  f"max {max(latencies):.2f} s, errors {len(errors)}, server RSS {memory[-1]:.0f} MiB")
            for e in errors[:5]:
                print("   error:", e)
        sampler.stop()
        series = sampler.samples[::max(1, len(sampler.samples) // 12)]
        print("server RSS over time: " + ", ".join(f"{t:.0f} s {m:.0f} MiB" for t, m in series)
              + f" (peak {max(m for _, m in sampler.samples):.0f} MiB)")
        all_latencies = [x for lat, _ in results for x in lat]
        all_errors = [e for _, err in results for e in err]
        print(f"overall: {len(all_latencies)} redraws, p50 {statistics.median(all_latencies):.2f} s, "
              f"p95 {percentile(all_latencies, 0.95):.2f} s, errors {len(all_errors)}; "
              f"RSS warm-up {memory[0]:.0f} MiB -> last round {memory[-1]:.0f} MiB "
              f"(growth over the last two rounds {memory[-1] - memory[-2]:+.0f} MiB)")
        return {"p50": statistics.median(all_latencies), "p95": percentile(all_latencies, 0.95),
                "errors": len(all_errors), "memory": memory, "memory_over_time": sampler.samples}


if __name__ == "__main__":
    main()
