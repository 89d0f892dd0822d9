"""Held-out loss of a data-defined surface: the same loss on a second dataset drawn with another key.

The engine draws a run's training data with the seed's key folded with 0 (1 and 2 are its minibatches
and gradient noise); the held-out set is the surface's own make_data with the key folded with
HOLDOUT_FOLD, so it comes from the same distribution but shares no draw with the training set.
Pure JAX/numpy, no Streamlit.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from landscapes import get_surface
from optimizers.params import resolve, traced

TRAIN_FOLD = 0  # must match engine._objective
HOLDOUT_FOLD = 3


def dataset(surface_name: str, surface_params: tuple, seed: int, fold: int):
    """The surface's data for a seed and a fold of its key, as numpy arrays (fold 0: the training set)."""
    surface = get_surface(surface_name)
    if not surface.is_data_defined:
        raise ValueError(f"{surface.title} has no data: held-out loss needs a data-defined surface")
    theta = _theta(surface, surface_params)
    key = jax.random.fold_in(jax.random.key(np.uint32(seed)), fold)
    return jax.tree.map(np.asarray, surface.make_data(key, theta))


def _theta(surface, surface_params):
    values = resolve(surface.params, dict(surface_params), f"surface {surface.name}")
    return {k: jnp.asarray(v) for k, v in traced(surface.params, values).items()}


def _losses(surface_name, xy_rows, theta, data):
    surface = get_surface(surface_name)
    n = surface.n_samples
    weights = jnp.full((n,), 1.0 / n)
    return jax.vmap(lambda xy: surface.loss(xy, theta, data, weights))(xy_rows)


_losses_jit = jax.jit(_losses, static_argnames=("surface_name",))


def losses_on(surface_name: str, surface_params: tuple, seed: int, xy_rows, fold: int = HOLDOUT_FOLD) -> np.ndarray:
    """Full-batch loss at each row of xy_rows (n, 2) on the dataset of `fold` (NaN rows stay NaN)."""
    surface = get_surface(surface_name)
    data = dataset(surface_name, surface_params, seed, fold)
    xy_rows = np.asarray(xy_rows, float).reshape(-1, 2)
    with jax.enable_x64(True):
        out = _losses_jit(surface_name, jnp.asarray(xy_rows), _theta(surface, surface_params),
                          jax.tree.map(jnp.asarray, data))
    return np.asarray(out, float)
