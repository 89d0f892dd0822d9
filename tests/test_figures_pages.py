"""Figure factories and pure glue of the schedules, explorer and stochastic pages, each number checked
against an independent computation (the engine run step by step, numpy by hand, closed forms)."""
from __future__ import annotations

import math

import numpy as np
import plotly.io as pio
import pytest

from dashboard import engine
from dashboard import explorer as ex
from dashboard import holdout
from dashboard import stochastic as sto
from dashboard.figures import explorer as fx
from dashboard.figures import schedules as fs
from dashboard.figures import stochastic as fst
from dashboard.figures.curves import PathView
from dashboard.figures.style import TEMPLATE
from landscapes import analysis
from optimizers.schedules import schedule_values

QUAD = engine.RunConfig(surface="quadratic", optimizer="sgd", optimizer_params=(("lr", 0.1),), steps=100)


def _grid(surface="quadratic", resolution=21):
    return engine.surface_grid(surface, resolution=resolution)


# ---------------------------------------------------------------------------------------------------
# Schedules figures


def test_schedule_figure_draws_the_values_and_a_momentum_panel_only_when_cycled():
    lr, mom = schedule_values("cosine", {"T_max": 50}, 0.1, 60, warmup=5)
    fig = fs.schedule_figure([fs.ScheduleCurve("cos", 0, lr, mom, 5)])
    assert fig.layout.template == pio.templates[TEMPLATE]  # explicit, not whatever `import streamlit` set
    assert len(fig.data) == 1 and np.allclose(fig.data[0].y, lr)
    assert fig.data[0].y[0] == pytest.approx(0.1 / 5)  # warmup (t+1)/W × peak
    assert any(s.type == "rect" for s in fig.layout.shapes)  # the warmup band
    lr1, mom1 = schedule_values("onecycle", {}, 0.1, 100)
    fig = fs.schedule_figure([fs.ScheduleCurve("1cycle", 1, lr1, mom1)])
    assert len(fig.data) == 2 and np.allclose(fig.data[1].y, mom1)
    assert mom1[0] == pytest.approx(0.95)  # max_momentum at the start, as torch's OneCycleLR
    with pytest.raises(ValueError):
        fs.schedule_figure([])


def test_schedule_comparison_figure_animates_paths_and_curves():
    runs = [engine.simulate(QUAD.with_(schedule=s)) for s in ("constant", "cosine")]
    paths = [PathView(s, i, t) for i, (s, t) in enumerate(zip(("constant", "cosine"), runs))]
    fig = fs.schedule_comparison_figure(paths, _grid(), ((-2, 2), (-2, 2)))
    assert len(fig.frames) > 10
    lr_traces = [t for t in fig.data if "η" in (t.hovertemplate or "")]
    assert len(lr_traces) == 2
    assert np.allclose(np.asarray(lr_traces[1].y, float)[:-1], runs[1].lr[:-1])
    with pytest.raises(ValueError):
        fs.schedule_comparison_figure([], _grid(), ((-2, 2), (-2, 2)))


# ---------------------------------------------------------------------------------------------------
# Explorer figures and glue


def test_sweep_heatmap_shows_log_loss_and_greys_diverged_cells():
    x, y = np.array([0.1, 0.2, 0.4]), np.array([0.0, 0.5])
    z = np.array([[1.0, 1e-2, np.inf], [1e-4, 1e-6, 5.0]])
    diverged = np.array([[False, False, True], [False, False, False]])
    fig = fx.sweep_heatmap(x, y, z, x_name="lr", y_name="momentum", metric="final_loss", diverged=diverged,
                           boundaries=[fx.Boundary(np.array([0.3, 0.35]), y, "theory")])
    shown = np.asarray(fig.data[0].z, float)
    assert shown[0, 1] == pytest.approx(-2.0) and shown[1, 0] == pytest.approx(-4.0) and np.isnan(shown[0, 2])
    assert fig.data[1].name == "diverged" and fig.data[2].name == "theory"
    with pytest.raises(ValueError):
        fx.sweep_heatmap(x, y, z.T, x_name="lr", y_name="m", metric="final_loss")
    with pytest.raises(ValueError):
        fx.sweep_heatmap(x, y, z, x_name="lr", y_name="m", metric="accuracy")


def test_sweep_2d_layout_matches_single_runs():
    lrs, betas = np.array([0.05, 0.1, 0.3]), np.array([0.0, 0.5])
    grid = ex.sweep_2d(lambda c, g: engine.sweep(c, {n: np.asarray(v) for n, v in g}), QUAD, "lr", lrs,
                       "momentum", betas, n_chunks=2)
    assert grid.final_loss.shape == (2, 3)
    for i, lr in enumerate(lrs):
        for j, beta in enumerate(betas):
            run = engine.simulate(QUAD.with_(optimizer_params=(("lr", lr), ("momentum", beta))))
            assert grid.final_loss[j, i] == pytest.approx(run.loss[-1], rel=1e-9, abs=1e-300)
            last = run.xy[np.all(np.isfinite(run.xy), axis=1)][-1]  # a diverged path ends where it blew up
            assert np.allclose(grid.final_xy[j, i], last)
            assert (grid.status[j, i] == engine.DIVERGED) == (run.diverged_at is not None)


def test_chunks_are_equal_length_and_cover_the_values():
    pieces = ex.chunks(np.arange(7.0), 3)
    assert [len(p) for p in pieces] == [3, 3, 3]
    assert np.concatenate(pieces)[:7].tolist() == list(range(7))


def test_constant_hessian_recognises_the_quadratic_only():
    assert ex.constant_hessian(_grid().eigvals) == pytest.approx((1.0, 10.0))
    assert ex.constant_hessian(_grid("himmelblau").eigvals) is None


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_heavy_ball_boundary_separates_shrinking_from_growing_runs_in_the_engine(beta):
    limit = float(ex.heavy_ball_limits([beta], (1.0, 10.0))[0])
    assert limit == pytest.approx((2 + 2 * beta) / 10.0)
    config = QUAD.with_(steps=400, start=(0.3, 0.3))
    start_loss = engine.simulate(config.with_(steps=1)).loss[0]
    result = engine.sweep(config, {"lr": np.array([0.95 * limit, 1.05 * limit]), "momentum": np.array([beta])})
    below, above = result.final_loss
    assert below < start_loss and not (above < start_loss)


@pytest.mark.parametrize("lr, beta", [(0.05, 0.0), (0.15, 0.0), (0.1, 0.6), (0.25, 0.3), (0.02, 0.9)])
def test_heavy_ball_rate_matches_the_engine_contraction(lr, beta):
    """ρ against the engine: ‖θ_t‖ over the last 100 of 400 steps shrinks like ρ^100 (up to polynomial factors)."""
    rate = float(ex.heavy_ball_rate(lr, beta, (1.0, 10.0)))
    # tol = 0: the engine would otherwise freeze the run once the gradient is below its tolerance
    traj = engine.simulate(QUAD.with_(steps=400, tol=0.0, optimizer_params=(("lr", lr), ("momentum", beta))))
    norms = np.linalg.norm(traj.xy, axis=1)
    # complex roots oscillate: compare the envelope (largest norm over a window) 100 steps apart
    measured = (np.max(norms[380:401]) / np.max(norms[280:301])) ** (1 / 100)
    assert measured == pytest.approx(rate, rel=2e-2)


def test_heavy_ball_rate_closed_forms():
    # β = 0: gradient descent's max |1 − ηλ|; at Polyak's optimum, (√κ − 1)/(√κ + 1) = √β.
    assert ex.heavy_ball_rate(0.15, 0.0, (1.0, 10.0)) == pytest.approx(max(abs(1 - 0.15), abs(1 - 1.5)))
    lr, beta = analysis.heavy_ball_optimal((1.0, 10.0))
    assert ex.heavy_ball_rate(lr, beta, (1.0, 10.0)) == pytest.approx((math.sqrt(10) - 1) / (math.sqrt(10) + 1))
    assert ex.heavy_ball_rate(lr, beta, (1.0, 10.0)) == pytest.approx(math.sqrt(beta))


def test_rate_map_figure_greys_unstable_cells():
    lrs, betas = np.geomspace(0.01, 1, 5), np.array([0.0, 0.5])
    rate = ex.heavy_ball_rate(lrs[None, :], betas[:, None], (1.0, 10.0))
    fig = fx.rate_map_figure(lrs, betas, rate)
    assert np.array_equal(np.isnan(np.asarray(fig.data[1].z, float)), rate < 1)


def test_heavy_ball_equivalent_settings():
    assert ex.heavy_ball_equivalent(QUAD.with_(optimizer_params=(("lr", 0.1), ("momentum", 0.5))))
    assert not ex.heavy_ball_equivalent(QUAD.with_(optimizer_params=(("lr", 0.1), ("dampening", 0.5))))
    assert not ex.heavy_ball_equivalent(QUAD.with_(schedule="cosine"))


def test_basin_labels_by_hand_and_on_himmelblau():
    minima = np.array([[0.0, 0.0], [1.0, 1.0]])
    final = np.array([[0.01, 0.0], [0.98, 1.0], [0.5, 0.5], [np.nan, np.nan]])
    status = np.array([1, 0, 0, engine.DIVERGED])
    assert ex.basin_labels(final, status, minima, 0.1).tolist() == [0, 1, -1, -1]
    assert ex.basin_shares(np.array([0, 1, -1, -1]), 2).tolist() == [0.25, 0.25, 0.5]
    # Himmelblau's four minima (published values); a start beside each one ends in it.
    published = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]])
    config = engine.RunConfig(surface="himmelblau", optimizer="sgd", optimizer_params=(("lr", 0.01),), steps=200)
    result = engine.sweep(config, {"start_x": published[:, 0] + 0.3, "start_y": published[:, 1]})
    on_diagonal = result.final_xy.reshape(4, 4, 2)[np.arange(4), np.arange(4)]
    assert ex.basin_labels(on_diagonal, np.zeros(4), published, 0.05).tolist() == [0, 1, 2, 3]


def test_basins_figure_maps_labels_to_bands():
    labels = np.array([[0, 1], [-1, 0]])
    fig = fx.basins_figure(np.array([0.0, 1.0]), np.array([0.0, 1.0]), labels, np.array([[0, 0], [1, 1]]), _grid())
    assert np.array_equal(np.asarray(fig.data[0].z), labels + 1)
    with pytest.raises(ValueError):
        fx.basins_figure(np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([[5, 0], [0, 0]]),
                         np.array([[0, 0]]), _grid())


def test_range_test_gamma_reaches_lr_max_in_the_schedule():
    gamma = ex.range_test_gamma(1e-4, 10.0, 100)
    lr, _ = schedule_values("exponential", {"gamma": gamma}, 1e-4, 100)
    assert lr[0] == pytest.approx(1e-4) and lr[-1] == pytest.approx(10.0, rel=1e-10)
    with pytest.raises(ValueError):
        ex.range_test_gamma(1.0, 0.1, 100)


def test_range_test_pairs_each_rate_with_the_loss_after_its_step():
    gamma = ex.range_test_gamma(1e-3, 1.0, 30)
    traj = engine.simulate(QUAD.with_(schedule="exponential", schedule_params=(("gamma", gamma),), steps=30,
                                      optimizer_params=(("lr", 1e-3),)))
    lr, loss = ex.range_test_curve(traj.lr, traj.loss)
    # one gradient step by hand from row k with the row's rate gives the paired loss
    hessian = np.diag([1.0, 10.0])
    for k in (0, 10, 28):
        x = traj.xy[k]
        x_next = x - lr[k] * hessian @ x
        assert loss[k] == pytest.approx(0.5 * x_next @ hessian @ x_next, rel=1e-10)
        assert lr[k] == pytest.approx(1e-3 * gamma**k)


def test_range_test_suggestion_on_a_known_curve():
    lr = np.geomspace(1e-4, 10, 101)
    # a smooth bowl in log lr with its minimum at 0.1, then a blow-up past lr = 1
    loss = 1 + (np.log10(lr) + 1) ** 2
    loss = np.where(lr > 1, loss * 100, loss)
    result = ex.range_test(lr, loss, smoothing=0.0)
    assert result.min_loss_lr == pytest.approx(0.1, rel=1e-6)
    assert result.suggested_lr == pytest.approx(0.01, rel=1e-6)
    assert lr[result.usable] > 1 and lr[result.usable - 1] <= 1
    # slope of log(1 + u²) in u = log10 lr + 1 is 2u/(1 + u²), most negative at u = −1: lr = 0.01
    assert result.steepest_lr == pytest.approx(0.01, rel=1e-6)
    assert ex.smooth(np.full(5, 3.0)).tolist() == pytest.approx([3.0] * 5)  # bias-corrected: no start-up dip
    fig = fx.range_test_figure(lr, loss, result.suggested_lr, steepest_lr=result.steepest_lr)
    assert any(abs(t.x[0] - 0.01) < 1e-12 for t in fig.data if t.mode == "markers")


def test_fan_rates_straddle_the_limit_and_the_outcomes_say_so():
    rates, basis = ex.fan_learning_rates(0.2, 0.1)
    assert basis == "limit" and rates == pytest.approx([0.004, 0.1, 0.19, 0.22])
    runs = engine.simulate_many([QUAD.with_(optimizer_params=(("lr", r),)) for r in rates])
    words = [ex.outcome(t.loss, t.status, t.update) for t in runs]
    assert words[3].startswith("diverged at step")
    # On a quadratic GD's loss falls every step below 2/λmax (each mode shrinks by (1 − ηλ)² < 1), but past
    # 1/λmax the steep coordinate flips sign each step: the path zig-zags.
    assert all("fell every step" in w for w in words[:3])
    assert "zig-zag on 0 steps" in words[0] and "zig-zag on 0 steps" in words[1]
    zigzags = ex.reversals(runs[2].update)
    steep = runs[2].xy[:, 1]
    by_hand = int(np.count_nonzero(np.sign(np.diff(steep))[1:] * np.sign(np.diff(steep))[:-1] < 0))
    assert zigzags > 50 and zigzags == by_hand  # the flat x coordinate never reverses; y does every step
    assert ex.fan_learning_rates(None, 0.1) == (pytest.approx([0.01, 0.1, 0.3, 1.0]), "user")


def test_loss_fan_figure_drops_non_positive_values():
    fig = fx.loss_fan_figure([fx.FanCurve("a", 0, np.array([1.0, 0.0, np.inf]))])
    assert np.isnan(fig.data[0].y[1]) and np.isnan(fig.data[0].y[2])


# ---------------------------------------------------------------------------------------------------
# Stochastic glue and figures


def test_early_stopping_by_hand():
    heldout = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 3.05, 2.0]
    assert sto.early_stopping(heldout, 3) == (2, 5)
    assert sto.early_stopping(heldout, 5) == (7, None)
    # min_delta 0.5: 4.0 → 3.0 improves (by 1), nothing after does until 2.0 (patience 10 lets it arrive)
    assert sto.early_stopping(heldout, 10, 0.5) == (7, None)
    assert sto.early_stopping([1.0, 0.9, 0.85, 0.84], 2, 0.07) == (1, 3)
    with pytest.raises(ValueError):
        sto.early_stopping(heldout, 0)


def test_noise_floor_and_mean_path_by_hand():
    a, b = np.arange(10.0), np.arange(10.0) + 2
    floor = sto.noise_floor([a, b])
    tail = np.concatenate([a[5:], b[5:]])
    assert floor == (pytest.approx(tail.mean()), pytest.approx(tail.std()), 5)
    paths = [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 2.0], [np.nan, np.nan]])]
    assert sto.mean_path(paths).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert sto.left_at(np.array([0.0, -0.5, -1.5]), 0.0, 1.0) == 2
    assert [c.seed for c in sto.seed_fan(QUAD.with_(seed=4), 3)] == [4, 5, 6]


def test_holdout_training_fold_reproduces_the_engine_and_the_heldout_loss_matches_numpy():
    config = engine.RunConfig(surface="logistic_regression", optimizer="sgd", optimizer_params=(("lr", 0.5),),
                              steps=30, batch_size=8, seed=3)
    traj = engine.simulate(config)
    train = holdout.losses_on("logistic_regression", (), 3, traj.xy, fold=holdout.TRAIN_FOLD)
    assert np.allclose(train, traj.loss, rtol=1e-12)
    data = holdout.dataset("logistic_regression", (), 3, holdout.HOLDOUT_FOLD)
    x, y = np.asarray(data["x"]), np.asarray(data["y"])
    assert not np.allclose(x, holdout.dataset("logistic_regression", (), 3, 0)["x"])
    w = traj.xy[-1]
    by_hand = np.mean(np.log1p(np.exp(-(2 * y - 1) * (x @ w)))) + 0.5 * 1e-3 * w @ w  # l2 default 1e-3
    assert holdout.losses_on("logistic_regression", (), 3, traj.xy)[-1] == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError):
        holdout.dataset("quadratic", (), 0, 3)


def test_stochastic_figures():
    grid = _grid()
    runs = [fst.Run(f"s{i}", 0, np.random.default_rng(i).normal(size=(5, 2)), np.linspace(1, 0.1, 5)) for i in range(3)]
    fig = fst.seed_fan_figure(runs, sto.mean_path([r.xy for r in runs]), grid, ((-2, 2), (-2, 2)),
                              full_batch=fst.Run("full", 2, runs[0].xy, runs[0].loss), floor=(0.2, 0.05, 2))
    mean = next(t for t in fig.data if t.name == "mean of 3 seeds")
    assert np.allclose(np.c_[mean.x, mean.y], np.mean([r.xy for r in runs], axis=0))
    assert any(t.name == "noise floor 0.2" for t in fig.data)
    fig = fst.seed_fan_figure(runs, sto.mean_path([r.xy for r in runs]), grid, ((-2, 2), (-2, 2)), log_loss=True)
    loss_axis = fig.layout.yaxis2  # losses 0.1-1: labelled 0.1, 0.2, 0.5, 1, not plotly's bare digits
    assert loss_axis.type == "log" and [float(t) for t in loss_axis.ticktext] == pytest.approx(loss_axis.tickvals)
    assert "0.5" in loss_axis.ticktext
    fig = fst.holdout_figure(np.linspace(1, 0.1, 6), np.array([1, 0.8, 0.7, 0.75, 0.8, 0.9]), 2, 4)
    star = next(t for t in fig.data if (t.name or "").startswith("best held-out"))
    assert star.x[0] == 2 and star.y[0] == 0.7
    with pytest.raises(ValueError):
        fst.holdout_figure(np.ones(3), np.ones(4), 0, None)
    fig = fst.side_by_side_figure(runs[0], runs[1], grid, ((-2, 2), (-2, 2)))
    assert fig.layout.yaxis2.scaleanchor == "x2"
