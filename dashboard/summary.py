"""What happened to each path, in words and tables: status with its reason, summary rows, CSV export.

Pure numpy over engine Trajectories (no Streamlit), so the reasons a student reads are testable.
"""
from __future__ import annotations

import csv
import io
import math
from typing import NamedTuple

import numpy as np

from dashboard.engine import CONVERGED, DIVERGED, STATUS_NAMES, Trajectory
from landscapes import get_surface
from landscapes.formula import explain_nonfinite
from optimizers import get_rule


class StabilityBound(NamedTuple):
    lr: float  # the largest stable learning rate on a quadratic with this λmax
    formula: str  # how it is written for the student, e.g. "2/λmax"


def stability_bound(config, lam_max: float) -> StabilityBound | None:
    """The largest stable lr on the local quadratic for plain GD, heavy ball and Nesterov (SGD, torch form).

    GD: 2/λ. Heavy ball (momentum β): (2+2β)/λ. Nesterov: 2(1+β)/((1+2β)λ). None for rules without a
    closed form (adaptive methods) or where λmax ≤ 0 (no step size is stable against negative curvature).
    """
    if not (math.isfinite(lam_max) and lam_max > 0) or config.optimizer != "sgd":
        return None
    values = dict(config.optimizer_params)
    beta = float(values.get("momentum", 0.0))
    if values.get("convention", "torch") != "torch":
        return None  # classic and averaging conventions scale lr differently
    if beta == 0.0:
        return StabilityBound(2.0 / lam_max, "2/λmax")
    if values.get("nesterov", False):
        return StabilityBound(2.0 * (1 + beta) / ((1 + 2 * beta) * lam_max), "2(1+β)/((1+2β)λmax)")
    return StabilityBound((2.0 + 2.0 * beta) / lam_max, "(2+2β)/λmax")


def _last_finite_row(traj: Trajectory, upto: int) -> int | None:
    for row in range(min(upto, len(traj.loss) - 1), -1, -1):
        if np.all(np.isfinite(traj.eigvals[row])) and np.isfinite(traj.loss[row]):
            return row
    return None


def nonfinite_reason(traj: Trajectory, row: int) -> str | None:
    """Why a typed formula stopped a path at `row`: f, or its gradient one row before, is not finite there.

    None for built-in surfaces and where f was finite (the path was flung out by too large a step).
    """
    surface = get_surface(traj.config.surface)
    if "formula" not in surface.extra:
        return None
    xy = traj.xy[row]
    if np.all(np.isfinite(xy)) and not np.isfinite(traj.loss[row]):
        return explain_nonfinite(surface, xy)
    if row > 0 and not np.all(np.isfinite(traj.grad[row - 1])) and np.all(np.isfinite(traj.xy[row - 1])):
        x, y = traj.xy[row - 1]
        return (f"the gradient of f is not finite at ({x:.4g}, {y:.4g}) (f is not differentiable there), "
                "so the step from there is not a number")
    return None


def status_reason(traj: Trajectory) -> str:
    """One sentence: how the path ended and why, with the numbers that explain it."""
    diverged, converged = traj.diverged_at, traj.converged_at
    if diverged is not None:
        outside = nonfinite_reason(traj, diverged)
        if outside is not None:
            return f"diverged at step {diverged}: {outside}"
        row = _last_finite_row(traj, diverged)
        if row is None:
            return f"diverged at step {diverged}: the loss is not finite at the start"
        lam_min, lam_max = float(traj.eigvals[row, 0]), float(traj.eigvals[row, 1])
        lr = float(traj.lr[max(row, 0)])
        bound = stability_bound(traj.config, lam_max)
        if lam_max <= 0 or (lam_min < 0 and bound is not None and lr <= bound.lr):
            return (f"diverged at step {diverged}: the surface falls away without bound here "
                    f"(λmin = {lam_min:.3g} < 0), so no step size can hold the path")
        if bound is not None:
            # Report the first step that broke the local bound: on curved surfaces the divergence row lies
            # far out, where any bound is tiny; the step that started it is the lesson.
            for first in range(row + 1):
                early = stability_bound(traj.config, float(traj.eigvals[first, 1]))
                if early is not None and traj.lr[first] > early.lr:
                    where = "here" if first == row else f"at step {first}"
                    return (f"diverged at step {diverged}: lr {traj.lr[first]:.3g} > {early.formula} = "
                            f"{early.lr:.3g} {where}")
            return f"diverged at step {diverged}: lr {lr:.3g} ≤ {bound.formula} = {bound.lr:.3g} here"
        return f"diverged at step {diverged}: lr {lr:.3g} is too large for the curvature here (λmax = {lam_max:.3g})"
    if converged is not None:
        x, y = traj.xy[converged]
        return (f"converged at step {converged}: ‖∇f‖ < {traj.config.tol:g} at ({x:.4g}, {y:.4g}), "
                f"loss {traj.loss[converged]:.4g}")
    last = len(traj.loss) - 1
    lam_min, lam_max = traj.eigvals[last]
    where = ""
    if lam_min < 0 < lam_max and traj.grad_norm[last] < 1e-2:
        where = " near a saddle point"
    return (f"still running after {last} steps{where}: ‖∇f‖ = {traj.grad_norm[last]:.3g}, "
            f"loss {traj.loss[last]:.4g}")


def distance_to_nearest(xy: np.ndarray, points) -> np.ndarray:
    """Euclidean distance from each row of xy (n, 2) to the nearest of `points` (m, 2); NaN if none."""
    points = np.asarray(points, float).reshape(-1, 2)
    xy = np.asarray(xy, float)
    if points.size == 0:
        return np.full(len(xy), np.nan)
    return np.min(np.linalg.norm(xy[:, None, :] - points[None, :, :], axis=-1), axis=1)


def changed_params(config) -> str:
    """The optimizer's parameters that differ from the rule's defaults, as 'lr=0.1, momentum=0.9'."""
    rule = get_rule(config.optimizer)
    defaults = {p.name: p.default for p in rule.params}
    parts = [f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
             for name, value in config.optimizer_params if defaults.get(name) != value]
    return ", ".join(parts)


def summary_row(label: str, traj: Trajectory) -> dict:
    """A path's final loss, steps to tolerance, status and reason."""
    last = _last_finite_row(traj, len(traj.loss) - 1)
    return {
        "optimizer": label,
        "settings": changed_params(traj.config),
        "final loss": float(traj.loss[last]) if last is not None else float("nan"),
        "final ‖∇f‖": float(traj.grad_norm[last]) if last is not None else float("nan"),
        "steps to tolerance": traj.converged_at,
        "status": traj.final_status,
        "reason": status_reason(traj),
    }


def _cell(value, spec: str = "") -> str:
    """A markdown table cell: a number formatted by `spec`, '|' escaped, a missing value as '—'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return format(value, spec).replace("|", "\\|")


def ending_markdown(paths, colour) -> str:
    """How each path ended as one markdown block (one element for the browser to redraw on every rerun): a
    line per path with its status and reason, then a table of summary_row's numbers. paths: (label, slot,
    traj); colour(slot) is a path's colour."""
    rows = [(slot, summary_row(label, traj)) for label, slot, traj in paths]
    lines = ["### How each path ended", ""]
    for slot, row in rows:
        lines += [f"<span style='color:{colour(slot)};font-size:1.2em'>●</span> **{row['optimizer']}**: "
                  f"{row['reason']}", ""]
    lines += ["| | optimizer | settings | final loss | final ‖∇f‖ | steps to tolerance | status |",
              "|---|---|---|--:|--:|--:|---|"]
    for slot, row in rows:
        cells = [f"<span style='color:{colour(slot)}'>●</span>", _cell(row["optimizer"]), _cell(row["settings"]),
                 _cell(row["final loss"], ".4e"), _cell(row["final ‖∇f‖"], ".3e"),
                 _cell(row["steps to tolerance"]), _cell(row["status"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


CSV_COLUMNS = ("optimizer", "slot", "step", "x", "y", "loss", "grad_x", "grad_y", "grad_norm", "lr", "update_x",
               "update_y", "eig_min", "eig_max", "status")


def trajectories_csv(paths) -> str:
    """Every row of every path in long format (one line per optimizer and step), as pandas' to_csv writes it
    (numbers as numpy prints them, NaN as an empty field), without importing pandas: on the landing page's
    first run that import took about half a second."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for label, slot, traj in paths:
        n = len(traj.loss)
        columns = [np.full(n, label, dtype=object), np.full(n, slot), np.arange(n),
                   traj.xy[:, 0], traj.xy[:, 1], traj.loss, traj.grad[:, 0], traj.grad[:, 1], traj.grad_norm,
                   traj.lr, traj.update[:, 0], traj.update[:, 1], traj.eigvals[:, 0], traj.eigvals[:, 1],
                   np.asarray(STATUS_NAMES, dtype=object)[np.asarray(traj.status)]]
        writer.writerows(zip(*(_csv_fields(column) for column in columns)))
    return out.getvalue() if paths else ""


def _csv_fields(column: np.ndarray) -> list[str]:
    column = np.asarray(column)
    if column.dtype.kind != "f":
        return column.astype(str).tolist()
    fields = column.astype(str)
    fields[np.isnan(column)] = ""
    return fields.tolist()


__all__ = ["CONVERGED", "DIVERGED", "StabilityBound", "stability_bound", "status_reason", "nonfinite_reason",
           "distance_to_nearest",
           "changed_params", "summary_row", "ending_markdown", "trajectories_csv"]
