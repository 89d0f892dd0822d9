"""Several Streamlit processes behind nginx: every browser sticks to one process, browsers spread out."""
import shutil
from pathlib import Path

import pytest

from bench.browser import free_port
from bench.ws_client import StreamlitSession
from dashboard.serve import render_config, serve

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def test_rendered_config_lists_every_backend_and_hashes_on_the_cookie():
    text = render_config(8080, [8601, 8602, 8603], "/tmp/x")
    assert text.count("server 127.0.0.1:86") == 3
    assert "hash $route_key consistent" in text and "listen 127.0.0.1:8080" in text


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install -y nginx)")
def test_sessions_stick_to_one_process_and_spread_across_processes():
    import urllib.request

    port, first = free_port(), free_port()
    with serve(2, port, first, script="bench/bare_app.py") as (url, pids):
        assert len(pids) == 2
        upstreams = set()
        for i in range(12):
            cookie = f"stroute=student{i}"
            seen = set()
            for _ in range(3):
                request = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": cookie})
                with urllib.request.urlopen(request, timeout=10) as response:
                    seen.add(response.headers["X-Upstream"])
            assert len(seen) == 1, f"{cookie} was served by {seen}"
            upstreams |= seen
        assert len(upstreams) == 2, f"12 browsers all went to {upstreams}"
        session = StreamlitSession(url)  # the websocket protocol works through the proxy
        session.rerun()
        session.rerun([session.slider_state("frequency", 4.0)])
        assert session.chart_specs and not session.exceptions
        session.close()
