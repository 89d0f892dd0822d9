"""Slide export: figures to PNG/SVG/PDF through kaleido and the system Chromium, playback to GIF.

One kaleido browser is started on first use and reused, so a warm figure takes about a second (1920x1080).
A figure is exported as a still: its animation frames and playback controls are dropped (the figure already
shows its last frame), which also keeps the data sent to the browser small. The playback GIF renders the
contour once and draws the paths per frame (dashboard/figures/gif.py).
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


def still_figure(fig: go.Figure | dict) -> dict:
    """The figure as a dict without animation frames, play buttons and step slider: what a slide shows."""
    spec = fig.to_dict() if isinstance(fig, go.Figure) else dict(fig)
    spec.pop("frames", None)
    layout = dict(spec.get("layout") or {})
    for key in ("updatemenus", "sliders"):
        layout.pop(key, None)
    spec["layout"] = layout
    return spec


def figure_bytes(fig: go.Figure | dict, fmt: str, width: int = SLIDE_WIDTH, height: int = SLIDE_HEIGHT) -> bytes:
    """The figure rendered as PNG, SVG or PDF at slide size (16:9, 1920x1080 by default), as a still."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    import kaleido

    spec = still_figure(fig)
    with _lock:  # one browser, one render at a time: Streamlit serves sessions from several threads
        _ensure_server()
        return kaleido.calc_fig_sync(spec, opts={"format": fmt, "width": width, "height": height})


GIF_FRAMES = 40
GIF_FPS = 12.0
GIF_HOLD_MS = 2000  # the last frame stays up this long before the loop starts again


class Playback:
    """What every frame of a playback shares: the contour rendered once by kaleido, where the plot area is,
    and each run's settings as printed on the frame."""

    def __init__(self, paths, grid, domain, *, title: str, log_contours: bool = False, critical=()):
        from PIL import Image

        from dashboard.figures import gif
        from dashboard.lecture_scene import run_settings

        if not paths:
            raise ValueError("a playback needs at least one path")
        self.paths, self.title = list(paths), title
        self.area = gif.plot_area(domain)
        background = gif.background_figure(grid, self.area, log_contours=log_contours, critical=critical)
        png = figure_bytes(background, "png", width=gif.GIF_WIDTH, height=gif.GIF_HEIGHT)
        self.background = Image.open(io.BytesIO(png)).convert("RGB")
        self.settings = [run_settings(p.traj.config) for p in self.paths]
        self.n_rows = max(len(p.traj.loss) for p in self.paths)

    def frame(self, row: int):
        from dashboard.figures import gif

        return gif.frame_image(self.background, self.area, self.paths, int(row), title=self.title,
                               settings=self.settings)


def playback_gif(playback: Playback, n_frames: int = GIF_FRAMES, fps: float = GIF_FPS, progress=None) -> bytes:
    """The playback as an animated GIF (1280x720): paths growing with a fading trail, step counter, each run's
    rule and hyperparameters. The contour was rendered once by kaleido, the paths are drawn per frame with
    PIL; `progress(done, total)` is called after each frame."""
    from PIL import Image

    from dashboard.figures import gif

    rows = gif.gif_frame_rows(playback.n_rows, n_frames)
    images = []
    for i, row in enumerate(rows):
        images.append(playback.frame(row))
        if progress:
            progress(i + 1, len(rows))
    # One palette for every frame (taken from the last, which holds every colour), so colours do not flicker.
    palette = images[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    durations = [int(1000 / fps)] * (len(frames) - 1) + [GIF_HOLD_MS]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=True, disposal=1)  # optimize: frames stored as their change, ~10x smaller
    return out.getvalue()


THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT = 480, 270


def thumbnail_bytes(playback: Playback) -> bytes:
    """A 480x270 PNG of the playback's last frame (title, whole paths, each run's label and loss curve)."""
    from PIL import Image

    image = playback.frame(playback.n_rows - 1).resize((THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT),
                                                       Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def preset_playback(preset, view, grid, critical) -> Playback:
    """The playback of one surface of a preset (a dashboard.lecture_scene.SceneView)."""
    from landscapes import get_surface

    surface = get_surface(view.surface)
    title = preset.title if not view.caption else f"{preset.title}: {view.caption}"
    return Playback(view.paths, grid, surface.domain, title=title, log_contours=surface.log_contours,
                    critical=critical)


def preset_gif(preset, view, grid, critical, n_frames: int = GIF_FRAMES, progress=None) -> bytes:
    """The playback GIF of one surface of a preset (dashboard.lecture_scene.SceneView)."""
    return playback_gif(preset_playback(preset, view, grid, critical), n_frames=n_frames, progress=progress)


def export_preset(preset, directory, fmt: str, *, thumbnail: bool = False) -> list:
    """Write a preset's figures into `directory`: NAME.FORMAT, or NAME-1.FORMAT, NAME-2.FORMAT, ... when its runs
    use several surfaces; a thumbnail is NAME.png, the last frame of the first surface's playback. Returns the
    paths written."""
    from pathlib import Path

    from dashboard import engine
    from dashboard.critical import critical_points
    from dashboard.lecture_scene import SCENE_GRID_RESOLUTION, preset_figures

    directory = Path(directory)
    figures = preset_figures(preset)

    def playback(view):
        grid = engine.surface_grid(view.surface, view.surface_params, view.seed, SCENE_GRID_RESOLUTION, None)
        return preset_playback(preset, view, grid, critical_points(view.surface, view.surface_params, view.seed))

    if thumbnail:
        path = directory / f"{preset.name}.png"
        path.write_bytes(thumbnail_bytes(playback(figures[0][0])))
        return [path]
    written = []
    for i, (view, fig) in enumerate(figures, start=1):
        path = directory / (f"{preset.name}.{fmt}" if len(figures) == 1 else f"{preset.name}-{i}.{fmt}")
        if fmt == "gif":
            data = playback_gif(playback(view))
        else:
            data = figure_bytes(fig, fmt)
        path.write_bytes(data)
        written.append(path)
    return written
