"""Figure factories and the numbers they draw, each checked against an independent computation."""
from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard import engine
from dashboard.critical import critical_points, minima
from dashboard.figures.curvature import curvature_figure, curvature_map_figure, newton_figure, stability_line
from dashboard.figures.curves import (PathView, frame_rows, linear_axis_range, log_axis, log_axis_range,
                                     loss_change)
from dashboard.figures.landscape import (CLICK_HINT, CLICK_TRACE_INDEX, trajectories_spec, NOT_FINITE_NAME, arrow_trace,
                                         contour_values, surface_3d_figure, trajectories_figure)
from dashboard.figures.style import TEMPLATE, colour
from dashboard.geometry import (condition_number, curvature_codes, curvature_kind, newton_step,
                                quadratic_ellipse)
from dashboard.summary import (distance_to_nearest, ending_markdown, stability_bound, status_reason, summary_row,
                               trajectories_csv)
from landscapes import get_surface

QUAD = engine.RunConfig(surface="quadratic", steps=120)  # f = ½(x² + 10y²): λ = 1, 10


def sgd(lr, **extra):
    return QUAD.with_(optimizer_params=(("lr", lr),) + tuple(extra.items()))


@pytest.fixture(scope="module")
def paths():
    return [PathView("gd", 0, engine.simulate(sgd(0.05))),
            PathView("hb", 1, engine.simulate(sgd(0.05, momentum=0.8)))]


@pytest.fixture(scope="module")
def grid():
    return engine.surface_grid("quadratic", resolution=41)


def test_frame_rows_cover_first_and_last():
    assert list(frame_rows(5)) == [0, 1, 2, 3, 4]
    rows = frame_rows(1001, max_frames=61)
    assert rows[0] == 0 and rows[-1] == 1000 and len(rows) <= 61 and np.all(np.diff(rows) > 0)
    with pytest.raises(ValueError):
        frame_rows(0)


def test_log_contours_are_log1p_above_the_minimum():
    g = engine.surface_grid("rosenbrock", resolution=31)
    x, y = np.meshgrid(g.x, g.y)
    f = (1 - x) ** 2 + 100 * (y - x**2) ** 2  # Rosenbrock by hand
    assert np.allclose(contour_values(g, True), np.log1p(f - f.min()), atol=1e-9)
    assert np.allclose(contour_values(g, False), f)


def test_trajectories_figure_structure(paths, grid):
    fig = trajectories_figure(paths, grid, get_surface("quadratic").domain, critical=critical_points("quadratic"),
                              minima=[(0.0, 0.0)])
    assert isinstance(fig, go.Figure) and fig.layout.template.layout.to_plotly_json() == \
        go.Figure(layout=dict(template=TEMPLATE)).layout.template.layout.to_plotly_json()
    assert fig.data[CLICK_TRACE_INDEX].type == "contour" and CLICK_HINT in fig.data[CLICK_TRACE_INDEX].hovertemplate
    assert fig.layout.yaxis.scaleanchor == "x" and list(fig.layout.xaxis.range) == [-2.0, 2.0]
    rows = frame_rows(121)
    frames = fig.to_dict()["frames"]  # frames are built unvalidated: read them as plain dicts
    assert [f["name"] for f in frames] == [str(r) for r in rows]
    for frame in frames:
        assert len(frame["data"]) == len(frame["traces"])
    # Each path keeps its slot's colour on the contour.
    trails = [t for t in fig.data if t.type == "scatter" and t.name in ("gd", "hb") and t.mode == "lines"]
    assert {t.line.color for t in trails} == {colour(0), colour(1)}
    # The head marker in frame k sits at the path's point k.
    k = int(rows[10])
    heads = [t for t in frames[10]["data"] if "text" in t and len(t["x"]) == 2]
    assert np.allclose(heads[0]["x"], [paths[0].traj.xy[k, 0], paths[1].traj.xy[k, 0]])
    # Side panels: loss on a log axis with a fixed range.
    assert fig.layout.yaxis2.type == "log" and fig.layout.yaxis2.range is not None
    assert fig.layout.sliders[0].active == len(rows) - 1


def test_first_order_prediction_is_minus_lr_grad_squared_for_gd(paths):
    traj = paths[0].traj
    actual, predicted = loss_change(traj)
    g = traj.grad[:-1]
    assert np.allclose(predicted[:-1], -0.05 * np.sum(g * g, axis=1))
    f = 0.5 * (traj.xy[:, 0] ** 2 + 10 * traj.xy[:, 1] ** 2)  # the quadratic by hand
    assert np.allclose(actual[:-1], np.diff(f))


def test_arrow_tips():
    trace = arrow_trace([np.array([1.0, 2.0])], [np.array([0.5, -1.0])], 2.0, ["#000000"], "solid", 2, "a")
    assert trace["x"][:2] == [1.0, 2.0] and trace["y"][:2] == [2.0, 0.0]
    empty = arrow_trace([np.array([1.0, 2.0])], [np.zeros(2)], 1.0, ["#000000"], "solid", 2, "a")
    assert empty["x"] == []


@pytest.mark.parametrize("extra, bound", [({}, 2 / 10), ({"momentum": 0.5}, 3 / 10),
                                          ({"momentum": 0.5, "nesterov": True}, 2 * 1.5 / (2 * 10))])
def test_stability_bounds_match_the_engine(extra, bound):
    """Just below the stated bound a run settles, just above it diverges (κ = 10, λmax = 10)."""
    assert stability_bound(sgd(0.1, **extra), 10.0).lr == pytest.approx(bound)
    below = engine.simulate(sgd(bound * 0.97, **extra).with_(steps=2000))
    above = engine.simulate(sgd(bound * 1.03, **extra).with_(steps=2000))
    assert below.diverged_at is None and below.loss[-1] < 1e-6
    assert above.diverged_at is not None


def test_status_reason_for_divergence_names_the_bound():
    traj = engine.simulate(sgd(0.3))
    assert traj.diverged_at is not None
    assert status_reason(traj).startswith(f"diverged at step {traj.diverged_at}: lr 0.3 > 2/λmax = 0.2")


def test_summary_and_csv(paths):
    table = [summary_row(label, traj) for label, _, traj in paths]
    assert [row["optimizer"] for row in table] == ["gd", "hb"]
    assert table[1]["steps to tolerance"] == paths[1].traj.converged_at
    csv = trajectories_csv(paths)
    assert csv.count("\n") == 1 + 2 * 121


def _pandas_csv(paths) -> str:
    """The CSV as pandas writes it (what trajectories_csv did before it stopped importing pandas)."""
    import pandas as pd

    return pd.concat([pd.DataFrame({
        "optimizer": label, "slot": slot, "step": np.arange(len(traj.loss)),
        "x": traj.xy[:, 0], "y": traj.xy[:, 1], "loss": traj.loss,
        "grad_x": traj.grad[:, 0], "grad_y": traj.grad[:, 1], "grad_norm": traj.grad_norm,
        "lr": traj.lr, "update_x": traj.update[:, 0], "update_y": traj.update[:, 1],
        "eig_min": traj.eigvals[:, 0], "eig_max": traj.eigvals[:, 1],
        "status": [("running", "converged", "diverged")[s] for s in traj.status],
    }) for label, slot, traj in paths], ignore_index=True).to_csv(index=False)


def test_the_csv_is_what_pandas_writes_for_the_same_rows(paths):
    """Converged, diverging (inf and NaN) and scheduled paths, a label with a comma and quotes: byte for byte."""
    import pandas as pd

    diverging = engine.simulate(sgd(0.3))
    fields = ("loss", "xy", "grad", "grad_norm", "lr", "update", "eigvals", "status")
    overflowed = SimpleNamespace(**{name: np.array(getattr(diverging, name)) for name in fields})
    overflowed.loss[-3:] = [np.inf, -np.inf, np.nan]  # as a formula surface may give
    overflowed.xy[-1] = [np.nan, 1e-300]
    diverged = PathView('too big, "0.3"', 4, overflowed)
    scheduled = PathView("cosine", 5, engine.simulate(sgd(0.1, momentum=0.9).with_(
        schedule="cosine", schedule_params={"T_max": 50})))
    shown = [*paths, diverged, scheduled]
    written = trajectories_csv(shown)
    assert written == _pandas_csv(shown)
    back = pd.read_csv(io.StringIO(written))
    assert back["optimizer"].iloc[-1] == "cosine" and (back["optimizer"] == 'too big, "0.3"').sum() == 121
    np.testing.assert_array_equal(back["loss"].to_numpy()[:121], paths[0].traj.loss.astype(float))
    assert trajectories_csv([]) == ""


def test_ending_markdown_states_each_paths_numbers(paths):
    """The Trajectories page's summary (one markdown block): a status line per path and a table row whose
    final loss is f at the path's last point, computed here from the coordinates, not the engine's loss."""
    fast = PathView("fast", 2, engine.simulate(sgd(0.1, momentum=0.5).with_(tol=1e-3)))
    diverged = PathView("too big", 3, engine.simulate(sgd(0.3)))
    shown = [*paths, fast, diverged]
    text = ending_markdown(shown, colour=lambda slot: f"#00000{slot}")
    lines = text.splitlines()
    assert lines[0] == "### How each path ended"
    for path in shown:
        assert f"<span style='color:#00000{path.slot};font-size:1.2em'>●</span> **{path.label}**: " \
               f"{status_reason(path.traj)}" in lines
    rows = [line.split(" | ") for line in lines if line.startswith("| <span")]
    assert [row[1] for row in rows] == ["gd", "hb", "fast", "too big"]
    for row, path in zip(rows[:3], shown):
        x, y = path.traj.xy[-1]
        assert row[3] == f"{0.5 * (x * x + 10 * y * y):.4e}"
        assert row[5] == ("—" if path.traj.converged_at is None else str(path.traj.converged_at))
        assert row[6] == f"{path.traj.final_status} |"
    assert fast.traj.converged_at is not None and rows[2][5] == str(fast.traj.converged_at)
    assert rows[1][2] == "lr=0.05, momentum=0.8" and rows[3][6] == "diverged |"


def test_distance_to_nearest():
    d = distance_to_nearest(np.array([[3.0, 4.0], [1.0, 0.0]]), [(0.0, 0.0), (1.0, 1.0)])
    assert np.allclose(d, [np.hypot(2, 3), 1.0])


def test_newton_step_reaches_the_quadratic_minimum():
    traj = engine.simulate(sgd(0.1).with_(start=(1.3, -0.7), steps=1))
    step = newton_step(traj.grad[0], traj.eigvals[0], traj.eigvecs[0])
    assert np.allclose(traj.xy[0] + step, [0.0, 0.0], atol=1e-12)


def test_saddle_free_newton_descends_where_newton_climbs():
    saddle = engine.RunConfig(surface="saddle", start=(0.5, 0.3), steps=1)
    traj = engine.simulate(saddle)
    g, lam, vec = traj.grad[0], traj.eigvals[0], traj.eigvecs[0]
    plain, free = newton_step(g, lam, vec), newton_step(g, lam, vec, saddle_free=True)
    assert np.allclose(traj.xy[0] + plain, [0, 0], atol=1e-12)  # Newton jumps to the saddle
    assert g @ free < 0  # saddle-free Newton is a descent direction
    assert np.allclose(free, [-0.5, 0.3])  # |H| = 2I: -g/2 with g = (2x, -2y)


def test_ellipse_is_a_level_set_of_the_local_quadratic():
    lam, vec = np.array([1.0, 9.0]), np.eye(2)
    points = quadratic_ellipse((0.0, 0.0), lam, vec, size=0.6)
    levels = 0.5 * (points[:, 0] ** 2 * 1.0 + points[:, 1] ** 2 * 9.0)
    assert np.allclose(levels, levels[0]) and np.max(np.abs(points[:, 0])) == pytest.approx(0.6)


def test_curvature_kinds_and_condition_number():
    assert [curvature_kind(e) for e in ([1, 2], [-1, 2], [-2, -1], [0, 1])] == ["convex", "saddle", "concave", "flat"]
    assert list(curvature_codes(np.array([[1, 2], [-1, 2], [-2, -1], [0, 1]]))) == [0, 1, 2, 3]
    assert condition_number([1.0, 10.0]) == 10.0 and condition_number([0.0, 1.0]) == float("inf")


def test_critical_points_of_the_quadratic():
    (point,) = critical_points("quadratic", (("kappa", 25.0),))
    assert point.kind == "minimum" and np.allclose(point.eigvals, [1.0, 25.0])
    assert minima([point]).shape == (1, 2)


def test_curvature_figures(paths, grid):
    fig = curvature_figure(paths, grid, get_surface("quadratic").domain)
    assert len(fig.frames) == len(frame_rows(121)) and fig.layout.yaxis.scaleanchor == "x"
    line = stability_line(paths[1].traj)
    assert np.allclose(line, (2 + 2 * 0.8) / 0.05)  # heavy ball: (2+2β)/η
    saddle_grid = engine.surface_grid("saddle", resolution=21)
    kinds = set(curvature_map_figure(saddle_grid).data[0].customdata.ravel())
    assert kinds == {"saddle"}
    newton = newton_figure(grid, (1.0, 1.0), np.array([1.0, 10.0]), np.array([1.0, 10.0]), np.eye(2), 0.1)
    tips = {t.name: (t.x[1], t.y[1]) for t in newton.data if t.name and "Newton" in t.name}
    assert np.allclose(tips["Newton −H⁻¹∇f"], (0.0, 0.0))


@pytest.mark.parametrize("lo, hi", [(10.0, 10.0), (3.0, 7.0), (1e-9, 1.2e-9), (2e5, 3e5), (0.004, 0.006), (1.0, 40.0)])
def test_narrow_log_axes_are_labelled_with_whole_numbers(lo, hi):
    """Over a few decades plotly writes bare digits ("4 3 2" above 10): the labels are the tick values."""
    y_range = log_axis_range([lo, hi])
    axis = log_axis(y_range)
    ticks, texts = axis["tickvals"], axis["ticktext"]
    assert len(ticks) >= 3 and all(y_range[0] <= np.log10(t) <= y_range[1] for t in ticks)
    assert [float(text) for text in texts] == pytest.approx(ticks, rel=1e-3)
    assert log_axis(log_axis_range([1e-6, 1.0])) == {"type": "log", "range": log_axis_range([1e-6, 1.0])}


@pytest.mark.parametrize("lo, hi", [(1e-10, 5.0), (0.3, 0.9), (10.0, 10.0), (2e5, 3e7), (1e-300, 1e-290)])
def test_log_axis_ranges_snap_to_decades_and_stay_put_under_small_changes(lo, hi):
    """Whole decades (quarter decades on a narrow axis) around the padded data; a 1 % change of the data,
    as a slider's step makes, leaves the range as it was, so the axes stay still while the curves move."""
    y_range = log_axis_range([lo, hi])
    data_span = np.log10(hi / lo) or 1.0  # a constant series is given a decade around it
    step = 1.0 if data_span + 0.3 >= 2.5 else 0.25  # 0.15 decades of padding either side
    assert all(abs(edge / step - round(edge / step)) < 1e-9 for edge in y_range)
    assert y_range[0] <= np.log10(lo) - 0.15 and y_range[1] >= np.log10(hi) + 0.15
    assert y_range[1] - y_range[0] <= data_span + 0.3 + 2 * step
    nearby = [log_axis_range([lo * f, hi * f]) for f in (0.99, 1.01)]
    assert sum(r == y_range for r in nearby) >= 1


@pytest.mark.parametrize("lo, hi, expected", [(0.3, 0.91, [0.2, 1.0]), (-3.2, 104.0, [-20.0, 120.0]),
                                              (5.0, 5.0, [4.7, 5.3])])
def test_linear_axis_ranges_snap_to_a_1_2_5_step(lo, hi, expected):
    """Padded by 6 % of the span, then out to multiples of the 1-2-5 step nearest above a tenth of it
    (for 0.3..0.91: padded 0.263..0.947, step 0.1); a constant 5 is padded by 6 % of 5."""
    assert linear_axis_range([lo, hi]) == pytest.approx(expected)


def test_condition_number_panel_reads_ten_for_the_kappa_ten_ravine(paths, grid):
    fig = curvature_figure(paths, grid, get_surface("quadratic").domain)  # κ = 10 everywhere
    axis = fig.layout.yaxis3  # row 2, col 2: κ along the paths
    assert axis.type == "log" and "10" in axis.ticktext
    assert all(float(text) > 0 for text in axis.ticktext)


def test_surface_3d_and_log_axis(paths, grid):
    fig = surface_3d_figure(paths, grid)
    assert fig.data[0].type == "surface" and len([t for t in fig.data if t.type == "scatter3d"]) >= 2
    assert log_axis_range([1e-3, 10.0], pad=0) == [-3.0, 1.0]
    assert log_axis_range([0.0, -1.0]) is None


def log_x_grid(n=25):
    """f = log(x) + y² on [-1, 2] x [-1, 1] by numpy: NaN left of x = 0, -inf on it (the engine's grid holds NaN)."""
    x, y = np.linspace(-1.0, 2.0, n), np.linspace(-1.0, 1.0, n - 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.log(x)[None, :] + y[:, None] ** 2
    z = np.where(np.isfinite(z), z, np.nan)
    return engine.SurfaceGrid(x=x, y=y, z=z, eigvals=np.zeros(z.shape + (2,)))


def test_cells_where_f_is_not_finite_are_hatched_with_a_legend_entry(paths):
    g = log_x_grid()
    fig = trajectories_figure(paths, g, ((-1.0, 2.0), (-1.0, 1.0)))
    assert fig.data[CLICK_TRACE_INDEX].type == "contour"  # the click target keeps its place
    (shade,) = [t for t in fig.data if t.name == NOT_FINITE_NAME]
    assert shade.showlegend and shade.fill == "toself" and shade.fillpattern.shape and shade.hoverinfo == "skip"
    # Rectangles between None separators; a grid point lies inside one exactly where numpy's f is not finite.
    xs, ys = np.array(shade.x, dtype=object), np.array(shade.y, dtype=object)
    cuts = np.flatnonzero(xs == None)  # noqa: E711
    rects = [(np.array(xs[a + 1 if i else 0:b], float), np.array(ys[a + 1 if i else 0:b], float))
             for i, (a, b) in enumerate(zip(np.concatenate([[0], cuts[:-1]]), cuts))]
    inside = np.zeros(g.z.shape, bool)
    gx, gy = np.meshgrid(g.x, g.y)
    for rx, ry in rects:
        inside |= (gx >= rx.min()) & (gx <= rx.max()) & (gy >= ry.min()) & (gy <= ry.max())
    assert np.array_equal(inside, ~np.isfinite(g.z)) and (~np.isfinite(g.z)).sum() > 0
    # Cells reach halfway to the first finite column: the shading ends between x = 0 and the next grid point.
    right = max(rx.max() for rx, _ in rects)
    first_finite = g.x[np.isfinite(g.z[0])][0]
    assert np.isclose(right, (first_finite + g.x[g.x < first_finite][-1]) / 2)
    # The contour leaves those cells empty (NaN), not coloured as some number.
    z = np.asarray(fig.data[0].z, float)
    assert np.array_equal(np.isnan(z), ~np.isfinite(g.z))


def test_no_shading_where_f_is_finite_everywhere(paths, grid):
    fig = trajectories_figure(paths, grid, get_surface("quadratic").domain)
    assert not [t for t in fig.data if t.name == NOT_FINITE_NAME]


def _underlay_pixels(image: dict) -> np.ndarray:
    import base64
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(image["source"].split(",", 1)[1]))).convert("RGBA"))


def test_animated_figures_lay_the_contour_under_their_axes_as_an_image(paths, grid):
    """plotly.js drops the contour trace while it animates frames: the same levels are drawn as an image
    under the axes, at the domain's place, so playback never shows a blank surface."""
    from dashboard.figures.curvature import curvature_spec
    from dashboard.figures.schedules import schedule_comparison_spec

    domain = get_surface("quadratic").domain
    for spec in (trajectories_spec(paths, grid, domain), curvature_spec(paths, grid, domain),
                 schedule_comparison_spec(paths, grid, domain)):
        (image,) = spec.layout["images"]
        assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (-2.0, 2.0, 4.0, 4.0)
        assert image["xref"] == "x" and image["yref"] == "y" and image["sizing"] == "stretch"
        contour = spec.data[0]
        z = np.asarray(contour["z"], float)
        step = (z.max() - z.min()) / 29
        assert contour["autocontour"] is False and contour["contours"]["size"] == pytest.approx(step)
    pixels = _underlay_pixels(image)
    assert pixels.shape == (480, 480, 4) and np.all(pixels[..., 3] == 255)
    # the bowl's floor (centre) is the scale's white end, its rim (corner) the dark end
    assert pixels[240, 240, :3].min() > 240 and pixels[0, 0, :3].max() < 180


def test_the_underlay_is_transparent_where_f_is_not_finite(paths):
    g = log_x_grid()
    (image,) = trajectories_spec(paths, g, ((-1.0, 2.0), (-1.0, 1.0))).layout["images"]
    pixels = _underlay_pixels(image)
    width = pixels.shape[1]
    assert np.all(pixels[:, : width // 4, 3] == 0)  # x < -0.25: log x is not finite
    assert np.all(pixels[:, -width // 4:, 3] == 255)
