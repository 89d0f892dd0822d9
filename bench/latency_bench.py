"""Browser latency of the dashboard beside a bare Streamlit app, measured side by side in one run.

python -m bench.latency_bench [--moves 12]

For each app: the time from launching the server to the first chart drawn in headless Chromium, and
the time from a slider key press to the chart's data changing (median and p95 over several moves).
Goals (issue 3): slider redraw within 1.5x the bare app's; first chart within 2x.
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.browser import chromium_page, streamlit_server

SIGNATURE_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p =>
  (p.data || []).map(t => [t.type, (t.x || []).length, JSON.stringify((t.y || []).slice ? Array.from(t.y).slice(0, 3) : t.y),
                            JSON.stringify(t.z ? Array.from(t.z[0] || []).slice(0, 2) : null)]).join('|')).join('||')"""

APPS = {
    # name: (script, url path, widget key of the slider to move)
    "bare app (one slider, one chart)": ("bench/bare_app.py", "/", "frequency"),
    "dashboard Trajectories page": ("dashboard/app.py", "/", "lr"),
}


def slider_thumb(page, key: str):
    """The range input of the slider whose Streamlit widget key is `key` (it carries class st-key-<key>)."""
    return page.locator(f'.st-key-{key} input[type="range"]').first


def measure(script: str, path: str, key: str, moves: int) -> dict:
    with streamlit_server(script) as (url, _process, started):
        with chromium_page() as page:
            page.goto(url + path)
            page.wait_for_selector(".js-plotly-plot", timeout=120_000)
            page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stSpinner\"]').length == 0")
            first_chart = time.perf_counter() - started
            thumb = slider_thumb(page, key)
            thumb.wait_for(state="attached", timeout=30_000)
            times = []
            for i in range(moves):
                before = page.evaluate(SIGNATURE_JS)
                thumb.focus()
                t0 = time.perf_counter()
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                page.wait_for_function(f"(before) => ({SIGNATURE_JS})() !== before", arg=before,
                                       timeout=30_000, polling="raf")
                times.append(time.perf_counter() - t0)
                page.wait_for_timeout(300)  # let the rerun settle before the next move
            # the first move after load may include one-off work; report steady state
            steady = sorted(times[1:])
            return {"first_chart_s": first_chart, "median_s": statistics.median(steady),
                    "p95_s": steady[min(len(steady) - 1, int(0.95 * len(steady)))]}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12)
    args = parser.parse_args(argv)
    results = {name: measure(*spec, args.moves) for name, spec in APPS.items()}
    bare, ours = results.values()
    for name, r in results.items():
        print(f"{name:36s} first chart {r['first_chart_s']:.2f} s   slider redraw median "
              f"{r['median_s'] * 1e3:.0f} ms, p95 {r['p95_s'] * 1e3:.0f} ms")
    print(f"redraw ratio dashboard/bare (goal <= 1.5): {ours['median_s'] / bare['median_s']:.2f}")
    print(f"first-chart ratio dashboard/bare (goal <= 2): {ours['first_chart_s'] / bare['first_chart_s']:.2f}")
    return results


if __name__ == "__main__":
    main()
