"""Name -> Surface lookup for every built-in surface."""
from __future__ import annotations

from landscapes import analytic, classic, data
from landscapes.base import Surface
from landscapes.formula import CUSTOM_PREFIX, custom_surface
from optimizers.params import suggest

SURFACES: dict[str, Surface] = {s.name: s for s in (*analytic.SURFACES, *classic.SURFACES, *data.SURFACES)}


def get_surface(name: str) -> Surface:
    """A built-in surface by name, or "custom:<formula>" parsed (and memoised) by landscapes.formula."""
    if isinstance(name, str) and name.startswith(CUSTOM_PREFIX):
        return custom_surface(name[len(CUSTOM_PREFIX):])
    try:
        return SURFACES[name]
    except KeyError:
        raise ValueError(f"unknown surface {name!r}{suggest(name, SURFACES)}") from None
