"""The scanned engine against plain loops, its statuses, batching, options, and compilation counts."""
import re

import numpy as np
import pytest

from dashboard import engine
from dashboard.engine import CONVERGED, DIVERGED, RUNNING, RunConfig, simulate, simulate_many, sweep


def quadratic_grad(xy, kappa):
    return np.array([xy[0], kappa * xy[1]])


def numpy_gd(start, lr, kappa, steps):
    xy = np.array(start, dtype=float)
    path = [xy.copy()]
    for _ in range(steps):
        xy = xy - lr * quadratic_grad(xy, kappa)
        path.append(xy.copy())
    return np.array(path)


def gd(lr, kappa=10.0, steps=40, start=(-1.8, 0.6), **kw):
    return RunConfig(surface="quadratic", optimizer="sgd", surface_params=(("kappa", kappa),),
                     optimizer_params=(("lr", lr),), start=start, steps=steps, **kw)


def test_scan_matches_python_loop():
    traj = simulate(gd(0.15, steps=40))
    np.testing.assert_allclose(traj.xy, numpy_gd((-1.8, 0.6), 0.15, 10.0, 40), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(traj.eigvals, np.tile([1.0, 10.0], (41, 1)), rtol=1e-12)
    np.testing.assert_allclose(traj.lr, 0.15)
    path = traj.xy
    loss = 0.5 * (path[:, 0] ** 2 + 10 * path[:, 1] ** 2)
    np.testing.assert_allclose(traj.loss, loss, rtol=1e-12)
    np.testing.assert_allclose(traj.update[:-1], np.diff(path, axis=0), rtol=1e-12, atol=1e-15)


def test_divergence_past_two_over_lambda_max_and_path_stops():
    traj = simulate(gd(0.21, steps=400))  # 0.21 > 2/10
    k = traj.diverged_at
    assert k is not None and traj.final_status == "diverged"
    assert np.all(traj.status[k:] == DIVERGED) and np.all(traj.status[:k] == RUNNING)
    assert np.all(np.isfinite(traj.xy[k])) and np.all(np.isnan(traj.xy[k + 1:]))
    # the divergence is real: the point is more than DIVERGENCE_SPAN domain widths out
    assert np.max(np.abs(traj.xy[k])) > engine.DIVERGENCE_SPAN * 4
    stable = simulate(gd(0.19, steps=400))
    assert stable.diverged_at is None


def test_convergence_latches_and_freezes():
    traj = simulate(gd(0.15, steps=400, tol=1e-6))
    k = traj.converged_at
    assert k is not None
    assert traj.grad_norm[k] < 1e-6 <= traj.grad_norm[k - 1]
    assert np.all(traj.status[k:] == CONVERGED)
    np.testing.assert_array_equal(traj.xy[k:], np.broadcast_to(traj.xy[k], traj.xy[k:].shape))


def test_simulate_many_equals_single_runs():
    configs = [gd(lr, start=(x, 0.5)) for lr, x in [(0.05, -1.0), (0.1, 1.5), (0.19, 0.3)]]
    for one, batched in zip(map(simulate, configs), simulate_many(configs)):
        np.testing.assert_allclose(batched.xy, one.xy, rtol=1e-12)
        np.testing.assert_array_equal(batched.status, one.status)


def test_sweep_matches_single_runs():
    lrs = np.array([0.01, 0.1, 0.19, 0.25])
    result = sweep(gd(0.1, steps=300), {"lr": lrs})
    for i, lr in enumerate(lrs):
        one = simulate(gd(lr, steps=300))
        assert result.status[i] == one.status[-1]
        assert result.steps_to_converge[i] == (one.converged_at if one.converged_at is not None else -1)
        assert result.diverged_at[i] == (one.diverged_at if one.diverged_at is not None else -1)
        if one.diverged_at is None:
            np.testing.assert_allclose(result.final_xy[i], one.xy[-1], rtol=1e-12, atol=1e-300)


def test_sweep_two_names_is_an_outer_product():
    result = sweep(gd(0.1, steps=50), {"lr": [0.05, 0.1, 0.15], "momentum": [0.0, 0.5]})
    assert result.values.shape == (6, 2)
    assert [tuple(v) for v in result.values] == [(a, b) for a in (0.05, 0.1, 0.15) for b in (0.0, 0.5)]


def test_projection_keeps_iterates_in_the_set():
    ball = simulate(gd(0.1, start=(3.0, 3.0), projection="ball", radius=1.0, steps=30))
    assert np.all(np.linalg.norm(ball.xy, axis=1) <= 1.0 + 1e-12)
    box = simulate(gd(0.1, start=(3.0, -3.0), projection="box", radius=0.5, steps=30))
    assert np.all(np.abs(box.xy) <= 0.5 + 1e-12)


def test_clipping_caps_the_gradient_norm_like_torch():
    traj = simulate(gd(0.01, kappa=100.0, start=(2.0, 2.0), clip_norm=1.0, steps=5))
    g = traj.grad[0]
    expected = g * (1.0 / (np.linalg.norm(g) + 1e-6))  # torch.nn.utils.clip_grad_norm_
    np.testing.assert_allclose(traj.grad_used[0], expected, rtol=1e-12)


def test_gradient_noise_is_seeded():
    a = simulate(gd(0.05, grad_noise=0.5, seed=1))
    b = simulate(gd(0.05, grad_noise=0.5, seed=1))
    c = simulate(gd(0.05, grad_noise=0.5, seed=2))
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy, c.xy)
    noise = a.grad_used - a.grad
    assert 0.2 < noise[:-1].std() < 0.8


def test_invalid_input_raises_value_error():
    with pytest.raises(ValueError, match="lr"):
        simulate(gd(-1.0))
    with pytest.raises(ValueError, match="steps"):
        simulate(gd(0.1, steps=engine.MAX_STEPS + 1))
    with pytest.raises(ValueError, match="did you mean"):
        simulate(RunConfig(surface="quadratc"))
    with pytest.raises(ValueError, match="start"):
        simulate(gd(0.1, start=(float("nan"), 0.0)))


def test_changing_numbers_never_recompiles():
    simulate(gd(0.1, steps=50))
    sweep(gd(0.1, steps=50), {"lr": [0.1, 0.2]})
    engine.surface_grid("quadratic", (("kappa", 10.0),))
    before = engine.compilations()
    variants = [
        gd(0.2, steps=50), gd(0.1, kappa=50.0, steps=60), gd(0.1, start=(0.3, -0.2), steps=50),
        gd(0.1, seed=7, grad_noise=0.3, steps=50), gd(0.1, clip_norm=2.0, steps=50),
        gd(0.1, projection="ball", radius=0.7, steps=50), gd(0.1, warmup=5, steps=50),
        RunConfig(surface="quadratic", optimizer="sgd", optimizer_params=(("lr", 0.1), ("momentum", 0.9),
                  ("nesterov", True)), steps=50, surface_params=(("kappa", 3.0), ("angle", 30.0))),
    ]
    for config in variants:
        simulate(config)
    sweep(gd(0.3, steps=50), {"lr": [0.05, 0.3]})
    engine.surface_grid("quadratic", (("kappa", 99.0), ("angle", 10.0)))
    assert engine.compilations() == before


def test_step_buckets_compile_once_each():
    assert engine.bucket(1) == engine.bucket(64) == 64
    assert engine.bucket(65) == engine.bucket(128) == 128
    simulate(gd(0.1, steps=70))
    before = engine.compilations()
    simulate(gd(0.1, steps=100))
    simulate(gd(0.1, steps=128))
    assert engine.compilations() == before


def test_compilation_counter_sees_a_new_structure():
    # the counter the tests above rely on must move when something really compiles
    before = engine.compilations()
    simulate(gd(0.1, steps=3001))  # bucket 4096: used by no other test
    assert engine.compilations() == before + 1


def test_schedule_cross_parameter_checks_reach_the_engine():
    # pct_start * total_steps = 1 would divide by zero inside onecycle: refused before running
    bad = gd(0.1).with_(schedule="onecycle", schedule_params=(("total_steps", 10), ("pct_start", 0.1)))
    with pytest.raises(ValueError):
        simulate(bad)


def test_trace_loop_compiles_as_one_function():
    """The scan runs as one compiled function (XLA's small-loop call), not a thunk per kernel per step:
    optimizers/xla_cpu.py raises the threshold before the backend starts; without it a step costs 8x."""
    config = gd(0.1, steps=300)
    inputs = engine.resolve_config(config).packed
    rows = engine.bucket(300) + 1
    text = engine.programs("quadratic").trace.lower("sgd", "constant", rows, inputs).compile().as_text()
    computation, homes = None, []
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith("{"):
            computation = line.split()[0]
        elif " while(" in line and f"f64[{rows}," in line:  # the scan over the trace's rows
            homes.append(computation)
    assert homes and all(home.endswith("_computation") for home in homes), homes  # inside a small call


def test_whole_trace_runs_as_one_function():
    """xla_cpu.in_one_function: the trace's entry is a few thunks, which XLA runs in sequence on the
    caller's thread, not three dozen scalar kernels run as a dataflow graph that wakes its thread pool."""
    config = gd(0.1, steps=300)
    text = engine.programs("quadratic").trace.lower(
        "sgd", "constant", engine.bucket(300) + 1, engine.resolve_config(config).packed).compile().as_text()
    entry = text[text.index("\nENTRY"):]
    instructions = [line.split(" = ", 1)[1] for line in entry[:entry.index("\n}")].splitlines() if " = " in line]
    thunks = [i for i in instructions if re.search(r"\b(fusion|call|copy|conditional|while|custom-call)\(", i)]
    assert len(thunks) <= 8, thunks  # XLA's ThunkExecutor runs up to 8 thunks sequentially


def test_cpu_dispatch_is_synchronous():
    """optimizers/xla_cpu.py turns JAX's asynchronous CPU dispatch off before the backend starts (a trace
    between other work took 1.5x as long with it on: bench/engine_bench.py)."""
    import jax

    assert jax.config.read("jax_cpu_enable_async_dispatch") is False


@pytest.mark.parametrize("flags, expected", [
    ("", "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=7"),
    ("--xla_dump_to=/tmp/x", "--xla_dump_to=/tmp/x --xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=7"),
    ("--xla_backend_extra_options=a=1", "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=7,a=1"),
    ("--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=3",
     "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=3"),  # the user's own value stays
])
def test_small_loop_flag_joins_the_users_xla_flags(flags, expected):
    from optimizers.xla_cpu import with_small_loops

    assert with_small_loops(flags, threshold=7) == expected
