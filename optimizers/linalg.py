"""Closed-form linear algebra of 2x2 symmetric matrices, shared by the rules, the engine and the analysis."""
from __future__ import annotations

import jax.numpy as jnp


def symmetric_eigen_2x2(h):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric 2x2 matrix in closed form.

    λ = (a + c)/2 ∓ hypot((a − c)/2, b); the larger one's eigenvector lies at angle atan2(2b, a − c)/2.
    A LAPACK call per step inside a scan costs several times more than this.
    """
    a, b, c = h[0, 0], 0.5 * (h[0, 1] + h[1, 0]), h[1, 1]
    mean, radius = 0.5 * (a + c), jnp.hypot(0.5 * (a - c), b)
    angle = 0.5 * jnp.arctan2(2.0 * b, a - c)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    eigvals = jnp.stack([mean - radius, mean + radius])
    eigvecs = jnp.stack([jnp.stack([-sin, cos]), jnp.stack([cos, sin])], axis=1)
    return eigvals, eigvecs
