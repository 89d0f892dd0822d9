"""The Rule record: an optimizer as a pair of pure functions, torch.optim conventions."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from optimizers.params import Param

# init(xy) -> state (a NamedTuple of arrays)
# update(grad, state, xy, hp) -> (delta, state), where the new point is xy + delta.
#   hp: dict name -> traced scalar, including "lr" (the scheduled rate for this step) and every Param
#   of the rule; booleans arrive as 0.0/1.0 and choices as their index, so switching never recompiles.
#   grad: the (possibly clipped / noisy / minibatch) gradient at xy.
#   Rules needing curvature (newton) also receive hp["hessian"], the 2x2 Hessian at xy.
# velocity(state) -> shape (2,) vector worth drawing (momentum buffer, first moment), or zeros.


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    latex: str  # the update as it runs, in the symbols of the code
    params: tuple[Param, ...]  # "lr" first, with torch's default
    init: Callable[[Any], Any]
    update: Callable[..., tuple[Any, Any]]
    velocity: Callable[[Any], Any]
    needs_hessian: bool = False
    momentum_param: str | None = None  # which hyperparameter a cycling schedule drives ("momentum" / "beta1")
    torch_name: str | None = None  # e.g. "torch.optim.SGD"; None where torch has no such rule
    note: str = ""  # conventions that differ between libraries
    check: Callable[[dict], None] | None = None  # cross-parameter validation; raises ValueError
