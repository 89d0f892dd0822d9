"""Slide export and the playback GIF: sizes and formats as read back by PIL, the GIF's frames (enough, all
different, a trail that fades), pixels landing where plotly puts the data, the CLI's export and listing and
its bad-input paths, and the committed gallery thumbnails."""
from __future__ import annotations

import io
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image, ImageSequence

from dashboard import export
from dashboard.cli import main
from dashboard.engine import RunConfig, simulate, surface_grid
from dashboard.figures import gif
from dashboard.figures.curves import PathView
from dashboard.figures.landscape import trajectories_figure
from dashboard.figures.style import colour
from dashboard.lecture_scene import run_settings, scene_views
from dashboard.presets import PRESETS, get_preset
from landscapes import get_surface

ROOT = Path(__file__).resolve().parent.parent
THUMBNAILS = ROOT / "dashboard" / "thumbnails"
DOMAIN = get_surface("quadratic").domain


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def paths():
    gd = simulate(RunConfig(optimizer_params=(("lr", 0.05),), start=(-1.8, 0.9), steps=60, tol=0.0))
    heavy = simulate(RunConfig(optimizer_params=(("lr", 0.03), ("momentum", 0.8)), start=(-1.8, 0.9), steps=60,
                               tol=0.0))
    return [PathView("GD", 0, gd), PathView("heavy ball", 1, heavy)]


@pytest.fixture(scope="module")
def grid():
    return surface_grid("quadratic", (), 0, 61, None)


@pytest.fixture(scope="module")
def figure(paths, grid):
    return trajectories_figure(paths, grid, DOMAIN)


@pytest.fixture(scope="module")
def playback(paths, grid):
    return export.Playback(paths, grid, DOMAIN, title="test scene")


def image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


# ---------------------------------------------------------------------------------------------------
# PNG, SVG, PDF


def test_png_is_a_full_hd_slide(figure):
    picture = image(export.figure_bytes(figure, "png"))
    assert picture.format == "PNG"
    assert picture.size[0] >= 1920 and picture.size[1] >= 1080
    assert picture.size == (export.SLIDE_WIDTH, export.SLIDE_HEIGHT)


def test_svg_and_pdf(figure):
    svg = export.figure_bytes(figure, "svg").lstrip()
    assert svg.startswith(b"<svg")
    assert b'width="1920"' in svg[:400] and b'height="1080"' in svg[:400]
    assert export.figure_bytes(figure, "pdf").startswith(b"%PDF")


def test_warm_png_takes_under_three_seconds(figure):
    export.figure_bytes(figure, "png")  # warm: the browser is up
    started = time.perf_counter()
    export.figure_bytes(figure, "png")
    assert time.perf_counter() - started < 3.0


def test_unknown_format_is_refused(figure):
    with pytest.raises(ValueError, match="format must be one of png, svg, pdf"):
        export.figure_bytes(figure, "jpeg")


def test_still_figure_keeps_the_data_and_drops_the_animation(figure):
    still = export.still_figure(figure)
    assert "frames" not in still and "updatemenus" not in still["layout"] and "sliders" not in still["layout"]
    assert len(figure.frames) > 10 and figure.layout.updatemenus  # the figure itself is left as it was
    assert len(still["data"]) == len(figure.data)


# ---------------------------------------------------------------------------------------------------
# GIF


def test_plot_area_pixels_are_where_plotly_draws_the_data(grid):
    """Red markers drawn by plotly at known points land on the pixels PlotArea.to_pixels names."""
    for domain in (DOMAIN, get_surface("linear_regression").domain, get_surface("cliff").domain):
        area = gif.plot_area(domain)
        (x0, x1), (y0, y1) = domain
        points = np.array([[x0 + 0.25 * (x1 - x0), y0 + 0.25 * (y1 - y0)],
                           [x0 + 0.8 * (x1 - x0), y0 + 0.6 * (y1 - y0)]])
        fig = gif.background_figure(surface_grid("quadratic", (), 0, 11, domain), area)
        fig.data = fig.data[:0]  # markers only, on white
        fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers",
                                 marker=dict(color="#ff0000", size=9, line=dict(width=0))))
        pixels = np.asarray(image(export.figure_bytes(fig, "png", gif.GIF_WIDTH, gif.GIF_HEIGHT)).convert("RGB"),
                            int)
        red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
        for expected in area.to_pixels(points):
            row, col = int(expected[1]), int(expected[0])
            near = np.argwhere(red[row - 12:row + 12, col - 12:col + 12])
            assert near.size, f"no marker near {expected} for domain {domain}"
            centre = near.mean(axis=0)[::-1] + expected.astype(int) - 12
            np.testing.assert_allclose(centre, expected, atol=1.5)
        # Equal scales on both axes, as on the page (scaleanchor): a unit is as many pixels in x as in y.
        assert area.width / (x1 - x0) == pytest.approx(area.height / (y1 - y0), rel=0.01)


def test_gif_has_enough_frames_all_different_at_the_playback_size(playback):
    data = export.playback_gif(playback, n_frames=30)
    movie = image(data)
    assert movie.format == "GIF" and movie.size == (gif.GIF_WIDTH, gif.GIF_HEIGHT)
    frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(movie)]
    assert len(frames) >= 20 and len(frames) == 30
    for before, after in zip(frames, frames[1:]):
        assert np.any(before != after), "two consecutive frames are identical"
    assert movie.info.get("loop") == 0


def test_gif_progress_is_reported_per_frame(playback):
    seen = []
    export.playback_gif(playback, n_frames=20, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 20) for k in range(1, 21)]


def test_trail_fades_with_age():
    """At step 30 of a straight 30-step path the segment ending at row i has opacity
    MIN_ALPHA + (1 - MIN_ALPHA) exp(-(30 - i)/tau), tau = 31/6 rows: the oldest faint, the newest opaque."""
    xy = np.stack([np.linspace(-1.8, 1.8, 31), np.zeros(31)], axis=1)
    path = PathView("line", 0, SimpleNamespace(xy=xy, loss=np.ones(31)))
    area = gif.plot_area(DOMAIN)
    overlay = Image.new("RGBA", (gif.GIF_WIDTH, gif.GIF_HEIGHT), (0, 0, 0, 0))
    gif.draw_trail(overlay, area, path, 30)
    alpha = np.asarray(overlay.getchannel("A"))
    tau = 31 / 6
    for end in (2, 10, 20, 26):
        x, y = np.round(area.to_pixels((xy[end - 1] + xy[end]) / 2)[0]).astype(int)
        expected = 255 * (gif.MIN_ALPHA + (1 - gif.MIN_ALPHA) * np.exp(-(30 - end) / tau))
        assert alpha[y, x] == pytest.approx(expected, abs=1.5), end


def test_frames_show_the_step_counter_and_only_the_path_so_far(paths, grid):
    playback = export.Playback(paths[:1], grid, DOMAIN, title="GD alone")
    early, late = playback.frame(5), playback.frame(50)
    early, late = np.asarray(early, int), np.asarray(late, int)
    counter = (slice(60, 120), slice(gif.PANEL_LEFT, gif.PANEL_RIGHT))
    assert np.any(early[counter] != late[counter])  # "step 5 / 60" against "step 50 / 60"
    # GD's point at step 50 is drawn on the late frame (its head in the path's colour) but not the early one.
    x, y = np.round(playback.area.to_pixels(paths[0].traj.xy[50])[0]).astype(int)
    blue = np.array(gif._rgb(colour(0)))
    assert np.abs(late[y, x] - blue).sum() < 40
    assert np.abs(early[y, x] - blue).sum() > 40


def test_settings_printed_on_the_frame_name_the_rule_and_every_hyperparameter():
    zigzag, rastrigin, clipping = get_preset("zigzag"), get_preset("rastrigin"), get_preset("clipping")
    assert run_settings(zigzag.runs[1].config) == "SGD: lr 0.03, momentum 0.8"
    noisy = run_settings(rastrigin.runs[2].config)
    assert noisy.startswith("SGD: lr 0.01") and "cosine schedule (T_max 1000)" in noisy
    assert "gradient noise σ 10 (seed 0)" in noisy
    assert "clip ‖g‖ to 1" in run_settings(clipping.runs[1].config)
    adam = run_settings(get_preset("adam-l2-adamw").runs[2].config)
    assert adam == "Adam: lr 0.05, weight_decay 0.5, decoupled_weight_decay on"


def test_runs_on_different_surfaces_get_their_own_figure():
    views = scene_views(get_preset("feature-scaling"), [None, None])
    assert [len(v.paths) for v in views] == [1, 1]
    assert views[1].caption == "linear_regression (standardize True)"
    assert [len(v.paths) for v in scene_views(get_preset("zigzag"), [None, None])] == [2]


# ---------------------------------------------------------------------------------------------------
# CLI


def test_list_presets_prints_one_name_first_per_line():
    status, out, err = run(["list", "presets"])
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESETS)
    for line, preset in zip(lines, PRESETS.values()):
        assert line.endswith(preset.title)


def test_cli_exports_a_full_hd_png_and_a_gif(tmp_path):
    status, out, err = run(["export", "--preset", "newton-saddle", "--format", "png", "--out", str(tmp_path)])
    assert (status, err) == (0, "")
    assert out.splitlines() == [str(tmp_path / "newton-saddle.png")]
    picture = Image.open(tmp_path / "newton-saddle.png")
    assert picture.size[0] >= 1920 and picture.size[1] >= 1080
    status, out, err = run(["export", "--preset", "newton-saddle", "--format", "gif", "--out", str(tmp_path)])
    assert (status, err) == (0, "")
    movie = Image.open(tmp_path / "newton-saddle.gif")
    assert movie.n_frames >= 20  # 30 steps: 31 rows, 31 frames


def test_cli_writes_one_file_per_surface(tmp_path):
    status, out, _ = run(["export", "--preset", "feature-scaling", "--format", "svg", "--out", str(tmp_path / "new")])
    assert status == 0
    assert out.splitlines() == [str(tmp_path / "new" / f"feature-scaling-{i}.svg") for i in (1, 2)]
    assert all((tmp_path / "new" / f"feature-scaling-{i}.svg").read_bytes().lstrip().startswith(b"<svg")
               for i in (1, 2))


@pytest.mark.parametrize("argv, message", [
    (["export", "--preset", "zigzg", "--out", "{tmp}"], "error: unknown preset 'zigzg'; did you mean 'zigzag'?"),
    (["export", "--preset", "zigzag", "--format", "jpeg", "--out", "{tmp}"],
     "error: --format must be one of png, svg, pdf, gif, got 'jpeg'"),
    (["export", "--preset", "zigzag", "--format", "svg", "--thumbnail", "--out", "{tmp}"],
     "error: --thumbnail writes PNG only"),
    (["export", "--out", "{tmp}"], "error: the following arguments are required: --preset"),
    (["export", "--preset", "zigzag", "--out", "{tmp}/file"], "is a file, not a directory"),
    (["list", "preset"], "error: cannot list 'preset'; did you mean 'presets'?"),
], ids=["preset", "format", "thumbnail-format", "no-preset", "out-is-file", "list-kind"])
def test_bad_export_input_exits_2_with_one_line(tmp_path, argv, message):
    (tmp_path / "file").write_text("")
    status, out, err = run([arg.replace("{tmp}", str(tmp_path)) for arg in argv])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert not list(tmp_path.glob("*.png"))


# ---------------------------------------------------------------------------------------------------
# Gallery thumbnails (regenerate: python -m dashboard export --preset all --thumbnail --out dashboard/thumbnails)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_has_a_thumbnail_showing_each_of_its_runs(name):
    path = THUMBNAILS / f"{name}.png"
    assert path.exists(), f"no thumbnail for {name}: run the command above"
    picture = Image.open(path)
    assert picture.format == "PNG" and picture.size == (export.THUMBNAIL_WIDTH, export.THUMBNAIL_HEIGHT)
    pixels = np.asarray(picture.convert("RGB"), int).reshape(-1, 3)

    def shows(slot):
        return np.min(np.abs(pixels - np.array(gif._rgb(colour(slot)))).sum(axis=1)) < 30

    preset = PRESETS[name]
    first_surface = scene_views(preset, [None] * len(preset.runs))[0]
    # The thumbnail is the first surface's last frame: each of its runs' colours is there, and no colour of a
    # run the preset does not have (a thumbnail left from an older version of the scene fails here).
    assert all(shows(p.slot) for p in first_surface.paths), name
    assert not shows(len(preset.runs)), name


def test_no_thumbnail_without_a_preset():
    assert {p.stem for p in THUMBNAILS.glob("*.png")} == set(PRESETS)


def test_trajectories_page_gif_button_offers_the_playback():
    from tests.apptest_helpers import open_page

    at = open_page()
    at.button(key="traj.gif").click().run()
    assert not at.exception
    assert "traj.gif.download" in {b.key for b in at.get("download_button")}


def test_gif_frames_decode_to_what_was_drawn(playback):
    """Frames are stored as changes from the previous one; decoded, each is the frame drawn (up to the palette)."""
    data = export.playback_gif(playback, n_frames=20)
    decoded = [np.asarray(f.convert("RGB"), int) for f in ImageSequence.Iterator(image(data))]
    rows = gif.gif_frame_rows(playback.n_rows, 20)
    for row, frame in zip(rows[::6], decoded[::6]):
        drawn = np.asarray(playback.frame(row), int)
        assert np.mean(np.abs(frame - drawn).sum(axis=2) < 40) > 0.99
