"""Browser latency of the dashboard beside a bare Streamlit app, measured side by side in one run.

python -m bench.latency_bench [--moves 12] [--rounds 2]

For each app, in headless Chromium (launched before the server, so its own start is not counted):
- first chart: from launching `streamlit run` to the first chart drawn with the app idle;
- slider redraw: from a key press on a real slider (the bare app's "frequency", the dashboard's sidebar
  "start x", session key "scene.start_x") to the chart's data changing and the next frame painted, median
  and p95 over several moves (the first move after load is dropped as warm-up);
- the bytes Streamlit sends over its websocket per move (counted in the page, not by Playwright).
Rounds alternate bare app and dashboard so both meet the same machine load; figures are medians over rounds.
The dashboard keeps JAX's compiled programs on disk (dashboard/xla_cache.py): each round starts it with an
empty cache folder (a first start ever, then the slider moves), and starts it once more on the now filled
folder (any later start) for a second first-chart time.
Goals (issue 3): slider redraw within 1.5x the bare app's; first chart within 2x.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.browser import FINGERPRINT_JS, chromium_page, streamlit_server

IDLE_JS = """() => { const s = document.querySelector('[data-testid="stStatusWidget"]');
                     return !s || !s.innerText.includes('Running'); }"""
NEXT_PAINT_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"

APPS = {
    # name: (script, css selector of the slider's range input)
    "bare app": ("bench/bare_app.py", 'input[type="range"][aria-label="frequency"]'),
    "dashboard": ("dashboard/app.py", '[data-testid="stSidebar"] input[type="range"][aria-label="start x"]'),
}


def wait_idle(page, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


# The page counts the bytes its websockets receive, so that counting them adds no work outside the page while
# a move is timed (Playwright's framereceived event hands every frame to this process, base64-encoded: for the
# dashboard 15 times the bare app's bytes; in a same-session run the ratio moved within its usual spread).
COUNT_BYTES_JS = """
(() => {
  const Native = window.WebSocket;
  window.__benchBytes = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const data = event.data;
        window.__benchBytes += data.byteLength ?? data.size ?? data.length ?? 0;
      });
    }
  };
})();
"""


def measure(script: str, slider: str, moves: int, env: dict | None = None) -> dict:
    with chromium_page() as page:
        page.add_init_script(COUNT_BYTES_JS)
        with streamlit_server(script, env=env) as (url, _process, started):
            page.goto(url)
            page.wait_for_function(f"() => ({FINGERPRINT_JS})() !== null", timeout=180_000, polling=20)
            wait_idle(page)
            page.evaluate(NEXT_PAINT_JS)
            first_chart = time.perf_counter() - started
            thumb = page.locator(slider).first
            thumb.wait_for(state="attached", timeout=30_000)
            times, sizes = [], []
            for _ in range(moves):
                before = page.evaluate(FINGERPRINT_JS)
                thumb.focus()
                received = page.evaluate("window.__benchBytes")
                t0 = time.perf_counter()
                # Always onwards: moving back would meet Streamlit's caches (the figure message the browser
                # holds, the engine's cached runs) and time a shortcut a class rarely takes.
                page.keyboard.press("ArrowRight")
                page.wait_for_function(f"(before) => ({FINGERPRINT_JS})() !== before", arg=before,
                                       timeout=60_000, polling="raf")
                page.evaluate(NEXT_PAINT_JS)
                times.append(time.perf_counter() - t0)
                wait_idle(page)
                page.wait_for_timeout(200)  # let the finished run's last messages arrive
                sizes.append(page.evaluate("window.__benchBytes") - received)
    if moves < 2:
        return {"first_chart_s": first_chart}
    steady = sorted(times[1:])
    return {"first_chart_s": first_chart, "median_s": statistics.median(steady),
            "p95_s": steady[min(len(steady) - 1, int(0.95 * len(steady)))],
            "bytes_per_move": statistics.median(sizes[1:])}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    rounds = {name: [] for name in APPS}
    restarts = []
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="latency-xla-cache-") as cache:
            for name, (script, slider) in APPS.items():
                env = {"JAX_COMPILATION_CACHE_DIR": cache} if name == "dashboard" else None
                result = measure(script, slider, args.moves, env)
                rounds[name].append(result)
                print(f"round {r + 1} {name:10s} first chart {result['first_chart_s']:.2f} s, redraw median "
                      f"{result['median_s'] * 1e3:.0f} ms, p95 {result['p95_s'] * 1e3:.0f} ms, "
                      f"{result['bytes_per_move'] / 1e3:.0f} kB per move", flush=True)
            script, slider = APPS["dashboard"]
            restarts.append(measure(script, slider, 0, {"JAX_COMPILATION_CACHE_DIR": cache})["first_chart_s"])
            print(f"round {r + 1} dashboard restarted on its cache: first chart {restarts[-1]:.2f} s", flush=True)
    results = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
               for name, runs in rounds.items()}
    bare, ours = results["bare app"], results["dashboard"]
    ours["restart_first_chart_s"] = statistics.median(restarts)
    print(f"medians over {args.rounds} rounds of {args.moves} moves:")
    for name, r in results.items():
        print(f"  {name:10s} first chart {r['first_chart_s']:.2f} s   slider redraw median "
              f"{r['median_s'] * 1e3:.0f} ms, p95 {r['p95_s'] * 1e3:.0f} ms   {r['bytes_per_move'] / 1e3:.0f} kB/move")
    print(f"  dashboard restarted on its compilation cache: first chart {ours['restart_first_chart_s']:.2f} s")
    results["redraw_ratio"] = ours["median_s"] / bare["median_s"]
    results["first_chart_ratio"] = ours["first_chart_s"] / bare["first_chart_s"]
    results["restart_first_chart_ratio"] = ours["restart_first_chart_s"] / bare["first_chart_s"]
    print(f"redraw ratio dashboard/bare (goal <= 1.5):                       {results['redraw_ratio']:.2f}")
    print(f"first-chart ratio dashboard/bare, empty cache (goal <= 2):       {results['first_chart_ratio']:.2f}")
    print(f"first-chart ratio dashboard/bare, restart on cache (goal <= 2):  {results['restart_first_chart_ratio']:.2f}")
    return results


if __name__ == "__main__":
    main()
