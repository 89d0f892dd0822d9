"""Slide export: figures to PNG/SVG/PDF through kaleido and the system Chromium, playback to GIF.

One kaleido browser is started on first use and reused, so a warm figure takes well under a second.
"""
from __future__ import annotations

import atexit
import io
import os
import shutil
import threading

import plotly.graph_objects as go

FORMATS = ("png", "svg", "pdf")
SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080  # 16:9, full HD
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "gif": "image/gif"}

_lock = threading.Lock()
_server_started = False


def _ensure_server() -> None:
    global _server_started
    import kaleido

    if _server_started:
        return
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser and "BROWSER_PATH" not in os.environ:
        os.environ["BROWSER_PATH"] = browser
    kaleido.start_sync_server(silence_warnings=True)
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)
    _server_started = True


def figure_bytes(fig: go.Figure, fmt: str, width: int = SLIDE_WIDTH, height: int = SLIDE_HEIGHT) -> bytes:
    """The figure rendered as PNG, SVG or PDF at slide size (16:9, 1920x1080 by default)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    import kaleido

    with _lock:  # one browser, one render at a time: Streamlit serves sessions from several threads
        _ensure_server()
        return kaleido.calc_fig_sync(fig, opts={"format": fmt, "width": width, "height": height})


def gif_bytes(frames: list[go.Figure], fps: float = 10.0, width: int = 1280, height: int = 720,
              progress=None) -> bytes:
    """An animated GIF, one frame per figure; `progress(done, total)` is called after each frame."""
    from PIL import Image

    if not frames:
        raise ValueError("a GIF needs at least one frame")
    images = []
    for i, fig in enumerate(frames):
        png = figure_bytes(fig, "png", width=width, height=height)
        images.append(Image.open(io.BytesIO(png)).convert("P", palette=Image.Palette.ADAPTIVE, colors=255))
        if progress:
            progress(i + 1, len(frames))
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:],
                   duration=int(1000 / fps), loop=0, optimize=False)
    return out.getvalue()
