"""Name -> Surface lookup for every built-in surface."""
from __future__ import annotations

from landscapes import analytic, data
from landscapes.base import Surface
from optimizers.params import suggest

SURFACES: dict[str, Surface] = {s.name: s for s in (*analytic.SURFACES, *data.SURFACES)}


def get_surface(name: str) -> Surface:
    try:
        return SURFACES[name]
    except KeyError:
        raise ValueError(f"unknown surface {name!r}{suggest(name, SURFACES)}") from None
