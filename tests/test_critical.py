"""The critical points a page marks: read from the metadata at default parameters (no compile before the first
chart), found numerically otherwise, and the two agree wherever the metadata claims to be complete."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard.critical import critical_points
from landscapes import SURFACES

COMPLETE = [n for n, s in SURFACES.items() if s.critical_points_complete and not s.is_data_defined]


@pytest.mark.parametrize("name", COMPLETE)
def test_metadata_route_matches_the_numerical_search(name):
    quick = critical_points(name)
    searched = critical_points(name, numerical=True)
    assert len(quick) == len(searched)
    found = np.asarray([m.xy for m in searched])
    for a in quick:  # pair each listed point with the nearest one found
        b = searched[int(np.argmin(np.hypot(*(found - a.xy).T)))]
        assert a.kind == b.kind
        np.testing.assert_allclose(a.xy, b.xy, atol=1e-5)
        np.testing.assert_allclose(a.eigvals, b.eigvals, rtol=1e-4, atol=1e-5)


def test_changed_parameters_are_searched_not_read():
    """Rosenbrock's minimum moves to (a, a²) with a; the metadata holds only at a = 1."""
    marks = critical_points("rosenbrock", (("a", 0.5),))
    minimum = next(m for m in marks if m.kind == "minimum")
    np.testing.assert_allclose(minimum.xy, (0.5, 0.25), atol=1e-6)
