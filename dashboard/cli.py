"""The command-line face of the engine: list what exists, trace one run, sweep a grid of runs, as CSV.

    python -m dashboard list [surfaces|optimizers|schedules]
    python -m dashboard trace --surface quadratic --optimizer sgd --param lr=0.05 --start=-1.8,0.6 --steps 50
    python -m dashboard sweep --surface quadratic --optimizer sgd --vary lr=1e-3:0.3:20:log --steps 200
    python -m dashboard list presets
    python -m dashboard export --preset zigzag --format png --out slides/

Every value is parsed and validated by the engine's own Param records, so the CLI accepts exactly what the
dashboard accepts. Bad input exits with status 2 and one line `error: ...` on stderr; a run that diverges is
a result, not an error (exit 0, status `diverged` from that row on).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from typing import Any, Callable, Iterable

import numpy as np

USAGE_ERROR = 2
TRACE_COLUMNS = ("step", "x", "y", "loss", "lr", "grad_x", "grad_y", "grad_norm", "update_x", "update_y",
                 "eig1", "eig2", "status")
SWEEP_RESULT_COLUMNS = ("final_x", "final_y", "final_loss", "steps_to_converge", "diverged_at", "status")
MAX_VARIED = 2


class UsageError(ValueError):
    """Input the CLI rejects before the engine sees it."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one `error: ...` line (no usage block), exit status 2."""

    def error(self, message: str):
        if "expected one argument" in message:  # argparse reads "-1.5,2" as an option, not a value
            message += " (write --option=VALUE when VALUE starts with '-')"
        raise UsageError(message)


# ---------------------------------------------------------------------------------------------------
# Formatting


def format_float(value: float) -> str:
    """Shortest text that reads back as the same float64 (repr), so CSV loses no precision."""
    return repr(float(value))


def format_value(param, value: Any) -> str:
    """A parameter value as the CLI takes it back: lists joined by ';', booleans true/false."""
    if param.kind == "bool":
        return "true" if value else "false"
    if param.kind == "list":
        return ";".join(format_float(v) if not float(v).is_integer() else str(int(v)) for v in value)
    if param.kind == "choice":
        return str(value)
    if param.kind == "int":
        return str(int(value))
    return format_float(value)


# ---------------------------------------------------------------------------------------------------
# Listing


def _describe_params(params, label: Callable[[Any], str] = lambda p: p.name) -> list[str]:
    if not params:
        return ["    (no parameters)"]
    rows = [(label(p), format_value(p, p.default), p.range_text(), p.help) for p in params]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"    {name:<{widths[0]}}  default {default:<{widths[1]}}  range {span:<{widths[2]}}  {text}".rstrip()
            for name, default, span, text in rows]


def _list_records(records: Iterable) -> list[str]:
    lines = []
    for record in records:
        lines.append(f"  {record.name}: {record.title}")
        lines.extend(_describe_params(record.params))
    return lines


def _list_surfaces() -> list[str]:
    from landscapes import SURFACES

    return _list_records(SURFACES.values()) + ["  custom:<formula>: a surface typed as a formula in x and y"]


def _list_optimizers() -> list[str]:
    from optimizers import RULES

    return _list_records(RULES.values())


def _list_schedules() -> list[str]:
    from optimizers import SCHEDULES

    return _list_records(SCHEDULES.values())


def _list_presets() -> list[str]:
    from dashboard.presets import preset_lines

    return preset_lines()


def _list_run_options() -> list[str]:
    from dashboard.engine import RUN_PARAMS

    return _describe_params(RUN_PARAMS, label=lambda p: f"--{_flag(p.name)}")


# One entry per listable kind (options: the run options every trace and sweep takes).
# `list presets` prints bare lines, name first, so `cut -d' ' -f1` gives the names.
LISTINGS: dict[str, Callable[[], list[str]]] = {
    "surfaces": _list_surfaces,
    "optimizers": _list_optimizers,
    "schedules": _list_schedules,
    "options": _list_run_options,
    "presets": _list_presets,
}


def run_list(args, out) -> int:
    from optimizers.params import suggest

    if args.kind is not None and args.kind not in LISTINGS:
        raise UsageError(f"cannot list {args.kind!r}{suggest(args.kind, LISTINGS)}")
    if args.kind == "presets":
        out.write("\n".join(LISTINGS["presets"]()) + "\n")
        return 0
    kinds = [args.kind] if args.kind else list(LISTINGS)
    for i, kind in enumerate(kinds):
        if i:
            out.write("\n")
        out.write(f"{kind}\n")
        out.write("\n".join(LISTINGS[kind]()) + "\n")
    return 0


# ---------------------------------------------------------------------------------------------------
# Building a RunConfig from the command line


def _flag(name: str) -> str:
    return name.replace("_", "-")


def _split_assignment(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{option} expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def parse_assignments(assignments: list[str], params, owner: str, option: str) -> tuple[tuple[str, Any], ...]:
    """`k=v` strings -> ((name, value), ...) parsed by each Param; unknown names suggest the nearest."""
    from optimizers.params import suggest

    by_name = {p.name: p for p in params}
    values: dict[str, Any] = {}
    for text in assignments:
        name, raw = _split_assignment(text, option)
        if name not in by_name:
            hint = suggest(name, by_name) if by_name else "; it takes no parameters"
            raise UsageError(f"{owner} has no parameter {name!r}{hint}")
        if name in values:
            raise UsageError(f"{option} {name} given twice")
        values[name] = by_name[name].parse(raw)
    return tuple(values.items())


def parse_start(text: str | None) -> tuple[float, float] | None:
    """'X,Y' -> (x, y), both finite."""
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise UsageError(f"--start expects X,Y (write --start=X,Y when X is negative), got {text!r}")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"--start expects two numbers X,Y, got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise UsageError(f"--start must be two finite numbers, got {text!r}")
    return x, y


def surface_from_args(args) -> str:
    """The surface's name: --surface, or "custom:<formula>" for `--surface custom --expr FORMULA`.

    A refused formula raises FormulaError (a ValueError) whose message names the column.
    """
    from landscapes.formula import CUSTOM_PREFIX, FormulaError, custom_surface

    expr = getattr(args, "expr", None)
    if args.surface != "custom":
        if expr is not None:
            raise UsageError("--expr needs --surface custom")
        return args.surface
    if expr is None or not expr.strip():
        raise UsageError("--surface custom needs --expr FORMULA, e.g. --expr 'x**2 + 3*y**2'")
    try:
        custom_surface(expr)
    except FormulaError as error:
        raise UsageError(f"--expr {expr!r}: column {error.column}: {error.reason}") from None
    return CUSTOM_PREFIX + expr


def build_config(args):
    """The RunConfig the options describe, every value validated (raises ValueError)."""
    from dashboard.engine import RUN_PARAMS, RunConfig, resolve_config
    from landscapes import get_surface
    from optimizers import get_rule, get_schedule

    surface_name = surface_from_args(args)
    surface = get_surface(surface_name)
    rule = get_rule(args.optimizer)
    schedule = get_schedule(args.schedule)
    run_values = {}
    for p in RUN_PARAMS:
        raw = getattr(args, p.name)
        if raw is not None:
            run_values[p.name] = p.parse(raw)
    config = RunConfig(
        surface=surface_name,
        optimizer=args.optimizer,
        schedule=args.schedule,
        surface_params=parse_assignments(args.surface_param, surface.params, f"surface {surface.name}",
                                         "--surface-param"),
        optimizer_params=parse_assignments(args.param, rule.params, f"optimizer {rule.name}", "--param"),
        schedule_params=parse_assignments(args.schedule_param, schedule.params, f"schedule {schedule.name}",
                                          "--schedule-param"),
        start=parse_start(args.start),
        **run_values,
    )
    resolve_config(config)  # cross-parameter checks (nesterov, onecycle) before any compilation
    return config


# ---------------------------------------------------------------------------------------------------
# trace


def trace_rows(trajectory) -> Iterable[list[str]]:
    """One CSV row per trajectory row; row k is the point after k updates."""
    for k in range(trajectory.xy.shape[0]):
        yield [str(k), *map(format_float, trajectory.xy[k]), format_float(trajectory.loss[k]),
               format_float(trajectory.lr[k]), *map(format_float, trajectory.grad[k]),
               format_float(trajectory.grad_norm[k]), *map(format_float, trajectory.update[k]),
               *map(format_float, trajectory.eigvals[k]), trajectory.status_names[k]]


def run_trace(args, out) -> int:
    from dashboard.engine import simulate

    trajectory = simulate(build_config(args))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRACE_COLUMNS)
    writer.writerows(trace_rows(trajectory))
    return 0


# ---------------------------------------------------------------------------------------------------
# sweep


def parse_vary(text: str) -> tuple[str, np.ndarray]:
    """'NAME=START:STOP:NUM[:log]' -> (name, NUM values), evenly or log-evenly spaced, ends included."""
    name, spec = _split_assignment(text, "--vary")
    parts = spec.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip() != "log"):
        raise UsageError(f"--vary expects NAME=START:STOP:NUM or NAME=START:STOP:NUM:log, got {text!r}")
    try:
        start, stop = float(parts[0]), float(parts[1])
    except ValueError:
        raise UsageError(f"--vary {name}: START and STOP must be numbers, got {spec!r}") from None
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise UsageError(f"--vary {name}: START and STOP must be finite, got {spec!r}")
    try:
        num = int(parts[2])
    except ValueError:
        raise UsageError(f"--vary {name}: NUM must be a whole number, got {parts[2]!r}") from None
    if num < 1:
        raise UsageError(f"--vary {name}: NUM must be at least 1, got {num}")
    if len(parts) == 4:
        if start <= 0 or stop <= 0:
            raise UsageError(f"--vary {name}: :log needs START and STOP > 0, got {spec!r}")
        return name, np.geomspace(start, stop, num)
    return name, np.linspace(start, stop, num)


def _check_grid_values(param, name: str, values: np.ndarray) -> None:
    """Each value validated by its Param (whole numbers for int and bool), before anything compiles."""
    if name == "steps":
        raise UsageError("steps cannot be varied in a sweep; set --steps")
    if param is None:  # start_x, start_y: any finite number
        return
    if param.kind in ("int", "bool"):
        whole = np.round(values)
        if not np.allclose(values, whole, rtol=0, atol=1e-9):
            raise UsageError(f"--vary {name}: values must be whole numbers, got {values.tolist()}")
        values[:] = whole
    for value in values.tolist():
        param.validate(int(value) if param.kind in ("int", "bool") else value)


def _format_varied(param, value: float) -> str:
    if param is None:  # start_x, start_y
        return format_float(value)
    return format_value(param, param.validate(int(value) if param.kind in ("int", "bool") else value))


def run_sweep(args, out) -> int:
    from dashboard.engine import STATUS_NAMES, locate, sweep

    config = build_config(args)
    if not args.vary:
        raise UsageError("sweep needs --vary NAME=START:STOP:NUM[:log] (once or twice)")
    if len(args.vary) > MAX_VARIED:
        raise UsageError(f"sweep varies at most {MAX_VARIED} names, got {len(args.vary)}")
    grid: dict[str, np.ndarray] = {}
    params = {}
    for text in args.vary:
        name, values = parse_vary(text)
        if name in grid:
            raise UsageError(f"--vary {name} given twice")
        _, _, param = locate(config, name)
        _check_grid_values(param, name, values)
        grid[name], params[name] = values, param
    result = sweep(config, grid)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*result.names, *SWEEP_RESULT_COLUMNS])
    for i in range(result.values.shape[0]):
        varied = [_format_varied(params[n], v) for n, v in zip(result.names, result.values[i])]
        converge, diverge = int(result.steps_to_converge[i]), int(result.diverged_at[i])
        writer.writerow([*varied, *map(format_float, result.final_xy[i]), format_float(result.final_loss[i]),
                         "" if converge < 0 else str(converge), "" if diverge < 0 else str(diverge),
                         STATUS_NAMES[int(result.status[i])]])
    return 0


# ---------------------------------------------------------------------------------------------------
# export


EXPORT_FORMATS = ("png", "svg", "pdf", "gif")


def run_export(args, out) -> int:
    """A preset's figures (one per surface it uses) written into --out as slides, a playback GIF or a thumbnail;
    prints each written path."""
    from pathlib import Path

    from dashboard.presets import PRESETS, get_preset

    if args.format not in EXPORT_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {args.format!r}")
    if args.thumbnail and args.format != "png":
        raise UsageError("--thumbnail writes PNG only (leave out --format or give --format png)")
    names = list(PRESETS) if args.preset == "all" else [get_preset(args.preset).name]
    directory = Path(args.out)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--out {args.out!r} is a file, not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    from dashboard import export

    for name in names:
        for path in export.export_preset(get_preset(name), directory, args.format, thumbnail=args.thumbnail):
            out.write(f"{path}\n")
    return 0


# ---------------------------------------------------------------------------------------------------
# Argument parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    from dashboard.engine import RUN_PARAMS, RunConfig

    defaults = RunConfig()
    parser.add_argument("--surface", default=defaults.surface, help="surface name, custom (with --expr), or custom:<formula> "
                        f"(default {defaults.surface}; see `list surfaces`)")
    parser.add_argument("--expr", metavar="FORMULA",
                        help="with --surface custom: f(x, y) typed as a formula, e.g. 'x**2 + 3*y**2' or "
                             "'sin(x)*cos(y)' (+ - * / ** ^, pi, e, sin, log, sqrt, ...)")
    parser.add_argument("--surface-param", action="append", default=[], metavar="NAME=VALUE",
                        help="a surface parameter (repeatable)")
    parser.add_argument("--optimizer", default=defaults.optimizer,
                        help=f"optimizer name (default {defaults.optimizer}; see `list optimizers`)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="an optimizer parameter, e.g. lr=0.01 (repeatable; lists as 30;60, booleans true/false)")
    parser.add_argument("--schedule", default=defaults.schedule,
                        help=f"learning-rate schedule (default {defaults.schedule}; see `list schedules`)")
    parser.add_argument("--schedule-param", action="append", default=[], metavar="NAME=VALUE",
                        help="a schedule parameter (repeatable)")
    parser.add_argument("--start", metavar="X,Y",
                        help="start point; write --start=X,Y when X is negative (default: the surface's)")
    for p in RUN_PARAMS:  # generic over the engine's run options, so a new one appears here by itself
        parser.add_argument(f"--{_flag(p.name)}", dest=p.name, metavar=p.name.upper(),
                            help=f"{p.help} (default {format_value(p, p.default)}, range {p.range_text()})")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m dashboard", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="{list,trace,sweep,export}")
    lister = commands.add_parser("list", help="names, parameters, defaults and ranges")
    lister.add_argument("kind", nargs="?", metavar="{" + ",".join(LISTINGS) + "}",
                        help="what to list (default: everything)")
    lister.set_defaults(handler=run_list)
    tracer = commands.add_parser("trace", help="one run as CSV, one row per step (row 0 is the start)")
    _add_run_options(tracer)
    tracer.set_defaults(handler=run_trace)
    sweeper = commands.add_parser("sweep", help="a grid of runs as CSV, one row per run")
    _add_run_options(sweeper)
    sweeper.add_argument("--vary", action="append", default=[], metavar="NAME=START:STOP:NUM[:log]",
                         help="a parameter (optimizer, schedule, surface, run option, start_x or start_y) "
                              "over NUM values from START to STOP, ends included; give it once or twice")
    sweeper.set_defaults(handler=run_sweep)
    exporter = commands.add_parser("export", help="a lecture preset's figures as slides (PNG, SVG, PDF) or a GIF")
    exporter.add_argument("--preset", required=True, help="preset name (see `list presets`), or all")
    exporter.add_argument("--format", default="png", metavar="{" + ",".join(EXPORT_FORMATS) + "}",
                          help="png, svg and pdf at 1920x1080; gif: the playback, 1280x720 (default png)")
    exporter.add_argument("--out", default=".", metavar="DIR", help="directory to write into (default .)")
    exporter.add_argument("--thumbnail", action="store_true",
                          help="a 480x270 PNG for the gallery, written as DIR/NAME.png "
                               "(regenerate all: --preset all --thumbnail --out dashboard/thumbnails)")
    exporter.set_defaults(handler=run_export)
    return parser


def main(argv: list[str] | None = None, out=None, err=None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = make_parser().parse_args(argv)
        return args.handler(args, out)
    except ValueError as exc:  # UsageError and every validation error of the engine
        message = " ".join(str(exc).split())
        err.write(f"error: {message}\n")
        return USAGE_ERROR
    except BrokenPipeError:  # `... | head`: the reader has what it wanted
        if out is sys.stdout:  # point stdout at /dev/null so the interpreter's final flush stays quiet
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
