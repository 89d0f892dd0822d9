"""Frames of an animated GIF of the playback: the contour once (a plotly figure, rendered by kaleido), the
paths drawn over it frame by frame with PIL.

Rendering one plotly figure per frame costs about half a second each in kaleido; drawing a path on a fixed
background costs milliseconds. The background figure pins its margins (no automargin), so a data point maps
to a known pixel (PlotArea.to_pixels) and what PIL draws lands where plotly would have put it.

Each frame shows the paths up to step k with a fading trail (older segments more transparent), a head per
path, a step counter "step k / N", every run's rule and hyperparameters, its loss at step k, and a small
loss curve. Pure: numpy and PIL in, images out; no Streamlit.
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from dashboard.engine import SurfaceGrid
from dashboard.figures.curves import PathView
from dashboard.figures.landscape import CriticalMark, contour_trace, critical_traces
from dashboard.figures.style import TEMPLATE, colour

GIF_WIDTH, GIF_HEIGHT = 1280, 720
PLOT_BOX = (80, 70, 760, 670)  # left, top, right, bottom: where the contour may go (kept to the domain's aspect)
PANEL_LEFT, PANEL_RIGHT = 800, 1260  # the text panel on the right
MIN_ALPHA = 0.3  # the oldest part of a trail, as a fraction of full opacity
TRAIL_WIDTH = 4
MAX_CRITICAL_MARKS = 20  # Rastrigin has a hundred: marked, they would hide the paths
FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
BOLD_FONT_FILES = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf") + FONT_FILES


class PlotArea(NamedTuple):
    """The contour's plot area in pixels and the data range it shows (y grows upwards in data, down in pixels)."""

    left: float
    top: float
    width: float
    height: float
    domain: tuple[tuple[float, float], tuple[float, float]]

    def to_pixels(self, xy) -> np.ndarray:
        xy = np.asarray(xy, float).reshape(-1, 2)
        (x0, x1), (y0, y1) = self.domain
        px = self.left + (xy[:, 0] - x0) / (x1 - x0) * self.width
        py = self.top + (y1 - xy[:, 1]) / (y1 - y0) * self.height
        return np.stack([px, py], axis=1)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (int(round(self.left)), int(round(self.top)), int(round(self.left + self.width)),
                int(round(self.top + self.height)))


def plot_area(domain) -> PlotArea:
    """The largest area with the domain's aspect ratio (equal scales on x and y) inside PLOT_BOX, centred."""
    (x0, x1), (y0, y1) = domain
    left, top, right, bottom = PLOT_BOX
    scale = min((right - left) / (x1 - x0), (bottom - top) / (y1 - y0))
    width, height = (x1 - x0) * scale, (y1 - y0) * scale
    return PlotArea(float(round(left + (right - left - width) / 2)), float(round(top + (bottom - top - height) / 2)),
                    float(round(width)), float(round(height)), ((x0, x1), (y0, y1)))


def background_figure(grid: SurfaceGrid, area: PlotArea, *, log_contours: bool = False,
                      critical: list[CriticalMark] = ()) -> go.Figure:
    """The contour (and critical points, unless there are too many to read) with margins pinned so that the
    plot area is exactly `area`."""
    marks = list(critical) if len(critical) <= MAX_CRITICAL_MARKS else []
    fig = go.Figure([contour_trace(grid, log_contours), *critical_traces(marks)])
    (x0, x1), (y0, y1) = area.domain
    fig.update_layout(
        template=TEMPLATE, width=GIF_WIDTH, height=GIF_HEIGHT, showlegend=False, font=dict(size=15),
        margin=dict(l=area.left, t=area.top, r=GIF_WIDTH - area.left - area.width,
                    b=GIF_HEIGHT - area.top - area.height, pad=0, autoexpand=False),
    )
    fig.update_xaxes(range=[x0, x1], automargin=False, title=None, showgrid=False, zeroline=False, ticks="outside")
    fig.update_yaxes(range=[y0, y1], automargin=False, title=None, showgrid=False, zeroline=False, ticks="outside")
    return fig


@functools.lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    for name in (BOLD_FONT_FILES if bold else FONT_FILES):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    hex_colour = hex_colour.lstrip("#")
    return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))


def wrap(text: str, width_px: float, typeface) -> list[str]:
    """Greedy word wrap to lines no wider than width_px in this font."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and typeface.getlength(candidate) > width_px:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def _finite_run(points: np.ndarray) -> np.ndarray:
    """The rows up to the first non-finite one (a diverged path ends where it left the numbers)."""
    bad = ~np.all(np.isfinite(points), axis=1)
    return points[: int(np.argmax(bad))] if bad.any() else points


def draw_trail(overlay: Image.Image, area: PlotArea, path: PathView, row: int) -> None:
    """The path up to `row` on an RGBA overlay: each segment's opacity falls with its age (steps behind row)."""
    points = _finite_run(path.traj.xy[: row + 1])
    if len(points) == 0:
        return
    pixels = np.clip(area.to_pixels(points), -1e4, 1e4)
    red, green, blue = _rgb(colour(path.slot))
    draw = ImageDraw.Draw(overlay)
    tau = max(len(path.traj.loss) / 6.0, 3.0)  # steps over which a segment fades to ~1/e of its excess opacity
    ages = row - np.arange(len(points))
    alphas = 255 * (MIN_ALPHA + (1 - MIN_ALPHA) * np.exp(-ages / tau))
    for i in range(1, len(pixels)):  # oldest first, so newer segments lie on top
        draw.line([tuple(pixels[i - 1]), tuple(pixels[i])], fill=(red, green, blue, int(alphas[i])),
                  width=TRAIL_WIDTH)
    sx, sy = pixels[0]
    draw.ellipse([sx - 8, sy - 8, sx + 8, sy + 8], outline=(red, green, blue, 255), width=3)
    hx, hy = pixels[-1]
    draw.ellipse([hx - 9, hy - 9, hx + 9, hy + 9], fill=(red, green, blue, 255), outline=(255, 255, 255, 255),
                 width=3)


def _loss_at(path: PathView, row: int) -> float | None:
    loss = path.traj.loss
    value = float(loss[min(row, len(loss) - 1)])
    return value if math.isfinite(value) else None


def draw_loss_curve(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], paths: list[PathView], row: int,
                    n_rows: int) -> None:
    """Each run's loss up to `row` (log scale when every loss is positive), x axis fixed at 0..n_rows-1."""
    left, top, right, bottom = box
    draw.rectangle(box, outline=(180, 186, 194), width=1)
    series = [np.asarray(p.traj.loss, float) for p in paths]
    finite = np.concatenate([s[np.isfinite(s)] for s in series]) if series else np.array([])
    if finite.size == 0:
        return
    log = bool(np.all(finite > 0))
    values = [np.log10(np.where(s > 0, s, np.nan)) if log else s for s in series]
    shown = np.concatenate([v[np.isfinite(v)] for v in values])
    lo, hi = float(np.min(shown)), float(np.max(shown))
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    width, height = right - left - 12, bottom - top - 30
    for path, value in zip(paths, values):
        shown_rows = np.arange(min(row + 1, len(value)))
        ys = value[shown_rows]
        keep = np.isfinite(ys)
        if keep.sum() < 2:
            continue
        px = left + 6 + shown_rows[keep] / max(n_rows - 1, 1) * width
        py = top + 22 + (hi - ys[keep]) / (hi - lo) * height
        draw.line(list(zip(px.tolist(), py.tolist())), fill=_rgb(colour(path.slot)), width=2)
    cursor = left + 6 + row / max(n_rows - 1, 1) * width
    draw.line([(cursor, top + 20), (cursor, bottom - 6)], fill=(120, 120, 120), width=1)
    label = "loss (log scale)" if log else "loss"
    draw.text((left + 6, top + 3), label, fill=(60, 60, 60), font=font(15))


def frame_image(background: Image.Image, area: PlotArea, paths: list[PathView], row: int, *, title: str,
                settings: list[str]) -> Image.Image:
    """One frame: the background with every path up to `row`, the step counter, each run's settings and loss."""
    n_rows = max(len(p.traj.loss) for p in paths)
    overlay = Image.new("RGBA", background.size, (0, 0, 0, 0))
    for path in paths:
        draw_trail(overlay, area, path, row)
    clip = Image.new("L", background.size, 0)  # keep what lies outside the plot area off the frame
    ImageDraw.Draw(clip).rectangle(area.box, fill=255)
    overlay.putalpha(Image.composite(overlay.getchannel("A"), clip, clip))
    frame = Image.alpha_composite(background.convert("RGBA"), overlay)
    draw = ImageDraw.Draw(frame)
    draw.text((area.left, 18), title, fill=(20, 20, 20), font=font(24, bold=True))
    draw.text((PANEL_LEFT, 70), f"step {row} / {n_rows - 1}", fill=(20, 20, 20), font=font(34, bold=True))
    y = 128
    text_width = PANEL_RIGHT - PANEL_LEFT - 26
    for path, setting in zip(paths, settings):
        draw.ellipse([PANEL_LEFT, y + 4, PANEL_LEFT + 16, y + 20], fill=_rgb(colour(path.slot)))
        draw.text((PANEL_LEFT + 26, y), path.label, fill=(20, 20, 20), font=font(19, bold=True))
        y += 26
        for line in wrap(setting, text_width, font(15))[:2]:
            draw.text((PANEL_LEFT + 26, y), line, fill=(70, 70, 70), font=font(15))
            y += 19
        loss = _loss_at(path, row)
        draw.text((PANEL_LEFT + 26, y), "loss: left the picture" if loss is None else f"loss {loss:.4g}",
                  fill=(70, 70, 70), font=font(15))
        y += 30
    if GIF_HEIGHT - 50 - y >= 120:
        draw_loss_curve(draw, (PANEL_LEFT, y + 6, PANEL_RIGHT, GIF_HEIGHT - 50), paths, row, n_rows)
    return frame.convert("RGB")


def gif_frame_rows(n_rows: int, n_frames: int) -> np.ndarray:
    """`n_frames` rows from 0 to n_rows - 1, evenly spaced (fewer only when the run has fewer rows)."""
    if n_frames < 2:
        raise ValueError(f"a playback needs at least 2 frames, got {n_frames}")
    return np.unique(np.round(np.linspace(0, n_rows - 1, min(n_frames, n_rows))).astype(int))
