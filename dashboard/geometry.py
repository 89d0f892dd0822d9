"""The local quadratic model at one point of a path: Hessian, Newton steps, level ellipse, curvature kind.

Pure numpy on the engine's per-row eigen-decompositions (no JAX, no Streamlit), so pages and figure
factories share one definition of each quantity.
"""
from __future__ import annotations

import numpy as np

# Relative size below which an eigenvalue counts as zero when naming the curvature.
FLAT_TOL = 1e-9
CURVATURE_KINDS = ("convex", "saddle", "concave", "flat")


def hessian_from_eigs(eigvals: np.ndarray, eigvecs: np.ndarray) -> np.ndarray:
    """H = V diag(λ) Vᵀ (eigenvectors as columns)."""
    eigvals, eigvecs = np.asarray(eigvals, float), np.asarray(eigvecs, float)
    return eigvecs @ np.diag(eigvals) @ eigvecs.T


def newton_step(grad, eigvals, eigvecs, saddle_free: bool = False) -> np.ndarray:
    """−H⁻¹∇f, or −|H|⁻¹∇f (saddle-free Newton: each eigenvalue replaced by its magnitude).

    Returns NaNs where the Hessian is singular, because the Newton step does not exist there.
    """
    eigvals, eigvecs, grad = np.asarray(eigvals, float), np.asarray(eigvecs, float), np.asarray(grad, float)
    scale = np.abs(eigvals) if saddle_free else eigvals
    if np.any(np.abs(scale) <= FLAT_TOL * max(1.0, float(np.max(np.abs(eigvals))))):
        return np.full(2, np.nan)
    along = eigvecs.T @ grad  # gradient in the eigenbasis
    return -(eigvecs @ (along / scale))


def curvature_kind(eigvals, tol: float = FLAT_TOL) -> str:
    """'convex' (both > 0), 'concave' (both < 0), 'saddle' (opposite signs) or 'flat' (an eigenvalue ≈ 0)."""
    low, high = float(np.min(eigvals)), float(np.max(eigvals))
    scale = max(1.0, abs(low), abs(high))
    if abs(low) <= tol * scale or abs(high) <= tol * scale:
        return "flat"
    if low > 0:
        return "convex"
    if high < 0:
        return "concave"
    return "saddle"


def curvature_codes(eigvals: np.ndarray, tol: float = FLAT_TOL) -> np.ndarray:
    """Vectorised curvature_kind over (..., 2) eigenvalues -> integer index into CURVATURE_KINDS."""
    eigvals = np.asarray(eigvals, float)
    low, high = eigvals.min(axis=-1), eigvals.max(axis=-1)
    scale = np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
    flat = (np.abs(low) <= tol * scale) | (np.abs(high) <= tol * scale)
    codes = np.where(low > 0, 0, np.where(high < 0, 2, 1))
    return np.where(flat, 3, codes)


def condition_number(eigvals) -> float:
    """|λ|max / |λ|min: how much faster the loss curves along one axis than the other (inf when flat)."""
    magnitudes = np.abs(np.asarray(eigvals, float))
    low = float(np.min(magnitudes))
    return float(np.max(magnitudes)) / low if low > 0 else float("inf")


def quadratic_ellipse(centre, eigvals, eigvecs, size: float, n: int = 73) -> np.ndarray:
    """Points (n, 2) of a level set of the local model ½dᵀ|H|d around `centre`, longest semi-axis = size.

    Semi-axes are proportional to 1/√|λᵢ| along the eigenvectors: a long thin ellipse is an ill-conditioned
    valley. |H| is used so a saddle still shows its two axes (the true level set is a hyperbola there).
    """
    magnitudes = np.abs(np.asarray(eigvals, float))
    if not np.all(np.isfinite(magnitudes)) or np.max(magnitudes) <= 0:
        return np.full((n, 2), np.nan)
    inverse_root = 1.0 / np.sqrt(np.maximum(magnitudes, FLAT_TOL * np.max(magnitudes)))
    semi = size * inverse_root / np.max(inverse_root)
    angle = np.linspace(0.0, 2.0 * np.pi, n)
    local = np.stack([semi[0] * np.cos(angle), semi[1] * np.sin(angle)], axis=1)
    return np.asarray(centre, float) + local @ np.asarray(eigvecs, float).T


def eigen_axes(centre, eigvals, eigvecs, size: float) -> list[np.ndarray]:
    """Two segments (2, 2) from `centre` along the eigenvectors, lengths as the ellipse's semi-axes."""
    magnitudes = np.abs(np.asarray(eigvals, float))
    if not np.all(np.isfinite(magnitudes)) or np.max(magnitudes) <= 0:
        return [np.full((2, 2), np.nan), np.full((2, 2), np.nan)]
    inverse_root = 1.0 / np.sqrt(np.maximum(magnitudes, FLAT_TOL * np.max(magnitudes)))
    semi = size * inverse_root / np.max(inverse_root)
    centre = np.asarray(centre, float)
    return [np.stack([centre, centre + semi[i] * np.asarray(eigvecs, float)[:, i]]) for i in range(2)]
