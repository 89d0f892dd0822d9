"""Start a Streamlit server and a headless Debian Chromium for benchmarks and end-to-end tests."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHART = '.js-plotly-plot'  # plotly's plot divs: dashboard/live_chart.py's, and st.plotly_chart's in the bare app
# A fingerprint of every chart's data: the sum and count of the finite x and y values, or a hash of their
# base64 form ({dtype, bdata}: plotly 6+ sends numpy arrays so, and gd.data keeps it).
FINGERPRINT_JS = """
() => {
  const charts = Array.from(document.querySelectorAll('%s')).filter(gd => gd.data);
  if (!charts.length) return null;
  let total = 0, count = 0;
  for (const trace of charts.flatMap(gd => gd.data)) {
    for (const key of ['x', 'y']) {
      const values = trace[key];
      if (values && typeof values.bdata === 'string') {  // plotly's base64 typed-array form
        let h = 0;
        for (let i = 0; i < values.bdata.length; i++) h = (h * 31 + values.bdata.charCodeAt(i)) | 0;
        total += h; count += values.bdata.length;
        continue;
      }
      if (!values || typeof values.length !== 'number') continue;
      for (let i = 0; i < values.length; i++) {
        const v = Number(values[i]);
        if (Number.isFinite(v)) { total += v; count++; }
      }
    }
  }
  return total.toPrecision(12) + ':' + count;
}
""" % CHART

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: str, port: int | None = None, timeout: float = 60.0, env: dict | None = None):
    """Run `streamlit run script` headless on loopback (with `env` added to the environment); yields
    (base_url, process, start_time)."""
    port = port or free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"streamlit did not start: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield url, process, started
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 900):
    """A fresh page in headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("no chromium on PATH: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()
