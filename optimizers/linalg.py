"""Closed-form linear algebra of 2x2 symmetric matrices, shared by the rules, the engine and the analysis."""
from __future__ import annotations

import jax.numpy as jnp


def symmetric_eigen_2x2(h):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric 2x2 matrix in closed form.

    With d = (a − c)/2 and r = hypot(d, b): λ = (a + c)/2 ∓ r. The larger one's eigenvector solves a row of
    (H − λ₂I)v = 0: (d + r, b) from the second row, or (b, r − d) from the first, whichever does not
    cancel (d ≥ 0 or d < 0); it is signed to point right (x ≥ 0), and the smaller one's is it turned by
    90°. No trigonometry: a vectorised pass over a trace's thousand rows
    spent most of its time in arctan2, cos and sin.
    """
    a, b, c = h[0, 0], 0.5 * (h[0, 1] + h[1, 0]), h[1, 1]
    mean, half_gap = 0.5 * (a + c), 0.5 * (a - c)
    radius = jnp.hypot(half_gap, b)
    right = half_gap >= 0
    vx = jnp.where(right, half_gap + radius, b)
    vy = jnp.where(right, b, radius - half_gap)
    norm = jnp.hypot(vx, vy)
    isotropic = norm == 0  # a multiple of the identity: any basis; take the axes
    flip = jnp.where(vx < 0, -1.0, 1.0) / jnp.where(isotropic, 1.0, norm)
    cos, sin = jnp.where(isotropic, 1.0, vx * flip), jnp.where(isotropic, 0.0, vy * flip)
    eigvals = jnp.stack([mean - radius, mean + radius])
    eigvecs = jnp.stack([jnp.stack([-sin, cos]), jnp.stack([cos, sin])], axis=1)
    return eigvals, eigvecs
