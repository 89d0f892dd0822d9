"""A class on one server: N concurrent sessions moving sliders over Streamlit's real websocket protocol.

python -m bench.load_bench [--sessions 30] [--moves 10] [--rounds 3] [--think 2] [--processes 1]
                           [--script dashboard/app.py] [--slider KEY]

Each session opens the landing page (Trajectories: two optimizers on the shared surface), then moves the
sidebar's start-x slider (key "scene.start_x") to a random point of the quadratic's domain, waiting a think
time between moves (--think, mean 2 s; 0 hammers the server). Every move is a new start, so every redraw
runs the engine (no cache hit). Reports p50/p95 redraw latency (rerun sent -> script_finished received),
errors (exceptions drawn, timeouts, dropped connections) and the server's resident memory, sampled every
second from warm-up on (summed over the processes). With --processes N > 1 the sessions go through nginx to
N Streamlit processes (dashboard/serve.py, the README's set-up for a bigger class), each websocket pinned to
one process. Goal (issue 5): 30 sessions, zero errors, p95 under 2 s, memory flat after warm-up.
"""
from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import threading
import time
from pathlib import Path

from bench.browser import free_port, streamlit_server
from bench.ws_client import StreamlitSession

# The sidebar's start-x slider over the default surface's domain (quadratic: x in [-2, 2], 400 slider steps).
DEFAULT_SCRIPT, DEFAULT_SLIDER, DEFAULT_RANGE = "dashboard/app.py", "scene.start_x", (-2.0, 2.0)
SLIDER_STEP = 0.01


def rss_mib(pids: list[int]) -> float:
    """Resident memory of the server processes together."""
    total = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


@contextlib.contextmanager
def dashboard_servers(script: str, processes: int):
    """(url, server pids, each process's own url): one Streamlit process, or `processes` behind nginx."""
    if processes == 1:
        with streamlit_server(script) as (url, process, _):
            yield url, [process.pid], [url]
        return
    from dashboard.serve import serve

    first_backend = free_port()
    ports = [first_backend + i for i in range(processes)]
    with serve(processes, free_port(), first_backend, script) as (url, pids):
        yield url, pids, [f"http://127.0.0.1:{port}" for port in ports]


class MemorySampler(threading.Thread):
    """The servers' RSS every `every` seconds, as (seconds since start, MiB)."""

    def __init__(self, pids: list[int], every: float = 1.0):
        super().__init__(daemon=True)
        self.pids, self.every, self.samples = pids, every, []
        self._halt = threading.Event()
        self._t0 = time.perf_counter()

    def run(self):
        while not self._halt.is_set():
            self.samples.append((time.perf_counter() - self._t0, rss_mib(self.pids)))
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
    parser.add_argument("--processes", type=int, default=1,
                        help="Streamlit processes behind nginx (1 = a single process, no nginx)")
    parser.add_argument("--script", default=DEFAULT_SCRIPT)
    parser.add_argument("--slider", default=DEFAULT_SLIDER)
    parser.add_argument("--low", type=float, default=DEFAULT_RANGE[0])
    parser.add_argument("--high", type=float, default=DEFAULT_RANGE[1])
    args = parser.parse_args(argv)
    with dashboard_servers(args.script, args.processes) as (url, pids, backends):
        warm_errors = []
        for backend in backends:  # each process compiles its programs before the clock starts
            warm_errors += run_round(backend, 2, args.slider, (args.low, args.high), 3, seed=99, think=0.0)[1]
        memory = [rss_mib(pids)]
        sampler = MemorySampler(pids)
        sampler.start()
        print(f"{args.processes} server process(es); server RSS after warm-up: {memory[0]:.0f} MiB" + (f"  (warm-up errors: {warm_errors[:3]})" if warm_errors else ""))
        results = []
        for r in range(args.rounds):
            started = time.perf_counter()
            latencies, errors = run_round(url, args.sessions, args.slider, (args.low, args.high), args.moves, seed=r, think=args.think)
            wall = time.perf_counter() - started
            memory.append(rss_mib(pids))
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
