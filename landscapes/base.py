"""The Surface record: a pure JAX loss of a 2-vector plus what a lesson needs to know about it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from optimizers.params import Param

# loss(xy, theta, data, weights) -> scalar.
#   xy: shape (2,); theta: dict name -> traced scalar (the surface parameters);
#   data: pytree from make_data (empty tuple for analytic surfaces);
#   weights: per-sample weights of shape (n_samples,), summing to 1 (minibatch); shape (0,) for analytic ones.
LossFn = Callable[..., Any]


@dataclass(frozen=True)
class CriticalPoint:
    xy: tuple[float, float]
    kind: str  # "minimum" | "maximum" | "saddle"
    # True where the Hessian is singular, so the second-order test says "degenerate" and the kind comes
    # from higher-order terms (the monkey saddle's origin).
    degenerate: bool = False


@dataclass(frozen=True)
class Surface:
    name: str
    title: str
    latex: str
    loss: LossFn
    params: tuple[Param, ...] = ()
    domain: tuple[tuple[float, float], tuple[float, float]] = ((-2.0, 2.0), (-2.0, 2.0))
    starts: tuple[tuple[float, float], ...] = ((1.5, 1.5),)
    critical_points: tuple[CriticalPoint, ...] = ()  # at the default parameters
    # True when critical_points lists every critical point inside the domain (tests hold it to that);
    # False where only some are known (Ackley) or they depend on the data (regressions).
    critical_points_complete: bool = True
    log_contours: bool = False
    note: str = ""
    # Data-defined surfaces: make_data(key, theta) -> pytree of arrays with n_samples rows.
    make_data: Callable[..., Any] | None = None
    n_samples: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def is_data_defined(self) -> bool:
        return self.n_samples > 0
