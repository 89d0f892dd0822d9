"""The closed-form 2x2 eigen-decomposition that the engine, Newton's rule and the analysis share, against LAPACK."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizers.linalg import symmetric_eigen_2x2

entries = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(entries, entries, entries)
def test_matches_numpy_eigh(a, b, c):
    h = np.array([[a, b], [b, c]])
    values, vectors = (np.asarray(m) for m in symmetric_eigen_2x2(h))
    expected = np.linalg.eigvalsh(h)
    scale = max(1.0, np.abs(h).max())
    np.testing.assert_allclose(values, expected, atol=1e-9 * scale)
    assert values[0] <= values[1]
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(2), atol=1e-12)  # orthonormal columns
    np.testing.assert_allclose(h @ vectors, vectors * values, atol=1e-9 * scale)  # H v = λ v, column by column


def test_asymmetric_input_is_symmetrised():
    values, _ = symmetric_eigen_2x2(np.array([[2.0, 1.0], [3.0, 2.0]]))
    np.testing.assert_allclose(np.asarray(values), np.linalg.eigvalsh([[2.0, 2.0], [2.0, 2.0]]), atol=1e-12)


@pytest.mark.parametrize("h", [
    [[2.0, 0.0], [0.0, 2.0]],  # isotropic: any basis; the axes
    [[1.0, 0.0], [0.0, 3.0]],  # diagonal, larger curvature along y
    [[3.0, 0.0], [0.0, 1.0]],
    [[1.0, 1e-300], [1e-300, 1.0]],  # nearly isotropic
    [[-4.0, 1.0], [1.0, -4.0 + 1e-12]],
    [[1e200, 3e199], [3e199, -1e200]],  # entries whose squares overflow
    [[0.0, -5.0], [-5.0, 0.0]],  # a saddle at 45°
])
def test_degenerate_and_extreme_matrices(h):
    h = np.array(h)
    values, vectors = (np.asarray(m) for m in symmetric_eigen_2x2(h))
    scale = np.abs(h).max()
    np.testing.assert_allclose(values, np.linalg.eigvalsh(h), rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(h @ vectors / scale, vectors * values / scale, atol=1e-12)
    assert vectors[0, 1] >= 0  # the larger eigenvalue's vector points right
