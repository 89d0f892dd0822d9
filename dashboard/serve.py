"""Serve a large class: several Streamlit processes behind nginx with sticky sessions.

python -m dashboard.serve --processes 4 --port 8080

Each process runs the dashboard on its own loopback port; nginx (Debian's `nginx` package) listens on
--port and pins each browser to one process by a cookie. Ctrl-C stops everything. Only loopback
addresses are used; put the host's reverse proxy or firewall rule in front for a real room.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("deploy") / "nginx.conf.template"


def render_config(listen_port: int, backend_ports: list[int], prefix: str) -> str:
    backends = "\n".join(f"        server 127.0.0.1:{port};" for port in backend_ports)
    return TEMPLATE.read_text().format(listen_port=listen_port, backends=backends, prefix=prefix)


def wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy in {timeout:.0f} s")


@contextlib.contextmanager
def serve(processes: int, port: int, first_backend_port: int, script: str = "dashboard/app.py"):
    """Start the processes and nginx; yields (the public URL, the Streamlit processes' PIDs); stops all on exit."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        raise RuntimeError("nginx not found: apt-get install -y nginx")
    ports = [first_backend_port + i for i in range(processes)]
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="dashboard-nginx-") as prefix:
        try:
            for backend_port in ports:
                children.append(subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", str(ROOT / script), "--server.headless", "true",
                     "--server.address", "127.0.0.1", "--server.port", str(backend_port),
                     "--browser.gatherUsageStats", "false"],
                    cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for backend_port in ports:
                wait_healthy(f"http://127.0.0.1:{backend_port}")
            config = Path(prefix) / "nginx.conf"
            config.write_text(render_config(port, ports, prefix))
            children.append(subprocess.Popen([nginx, "-c", str(config), "-p", prefix, "-g", "daemon off;"],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            wait_healthy(f"http://127.0.0.1:{port}", timeout=20)
            yield f"http://127.0.0.1:{port}", [child.pid for child in children[:processes]]
        finally:
            for child in reversed(children):
                child.terminate()
            for child in children:
                try:
                    child.wait(10)
                except subprocess.TimeoutExpired:
                    child.kill()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="Streamlit processes (about one per core)")
    parser.add_argument("--port", type=int, default=8080, help="the port nginx listens on")
    parser.add_argument("--backend-port", type=int, default=8601, help="first Streamlit process's port")
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 64:
        print("error: --processes must be between 1 and 64", file=sys.stderr)
        return 2
    with serve(args.processes, args.port, args.backend_port) as (url, _):
        print(f"serving {args.processes} processes at {url} (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0


if __name__ == "__main__":
    sys.exit(main())
