"""Data-defined losses: a small synthetic dataset per seed, and true minibatch losses over it.

Each surface draws N_SAMPLES examples with make_data(key, theta) (the engine passes the run seed's key)
and its loss is a weighted mean over them: loss(xy, theta, data, weights) with weights of shape
(N_SAMPLES,) summing to 1. Full batch is weights = 1/N everywhere; a minibatch B puts 1/|B| on its
members and 0 elsewhere, so jax.grad of the loss is exactly the minibatch gradient.

The minimum depends on the drawn data, so these surfaces list no critical points; landscapes.analysis
finds the minimum numerically for a given seed.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from landscapes.base import Surface
from optimizers.params import Param

N_SAMPLES = 64

# Linear regression: features far from 0 and wide (x ~ N(5, 2^2)) couple w and b, which is the ravine.
FEATURE_MEAN, FEATURE_STD = 5.0, 2.0
W_TRUE, B_TRUE = 1.0, -4.0


def _linear_data(key, theta):
    key_x, key_noise = jax.random.split(key)
    x = FEATURE_MEAN + FEATURE_STD * jax.random.normal(key_x, (N_SAMPLES,))
    y = W_TRUE * x + B_TRUE + theta["noise"] * jax.random.normal(key_noise, (N_SAMPLES,))
    # Standardise with the sample's own mean and (population) standard deviation, so the full-batch
    # Hessian becomes exactly the identity: mean(x~) = 0 and mean(x~^2) = 1.
    standardized = (x - jnp.mean(x)) / jnp.std(x)
    return {"x": jnp.where(theta["standardize"] > 0.5, standardized, x), "y": y}


def _linear_loss(xy, theta, data, weights):
    # 1/2 sum_i w_i (w x_i + b - y_i)^2: with the 1/2 the Hessian is the weighted second moment
    # [[E x^2, E x], [E x, 1]] with no factor 2 (and does not depend on (w, b)).
    residual = xy[0] * data["x"] + xy[1] - data["y"]
    return 0.5 * jnp.sum(weights * residual**2)


# Logistic regression: 2-D Gaussian features with correlation rho, labels from a true weight vector
# through a noisy threshold (probit-style label noise).
LOGISTIC_W_TRUE = (2.0, -1.0)


def _logistic_data(key, theta):
    key_x, key_z, key_noise = jax.random.split(key, 3)
    rho = theta["correlation"]
    x1 = jax.random.normal(key_x, (N_SAMPLES,))
    x2 = rho * x1 + jnp.sqrt(1.0 - rho**2) * jax.random.normal(key_z, (N_SAMPLES,))
    features = jnp.stack([x1, x2], axis=1)
    logit = features @ jnp.asarray(LOGISTIC_W_TRUE) + theta["noise"] * jax.random.normal(key_noise, (N_SAMPLES,))
    return {"x": features, "y": (logit > 0).astype(features.dtype)}


def _logistic_loss(xy, theta, data, weights):
    # Binary cross-entropy of sigmoid(x.w) against y in {0, 1}, written with s = 2y - 1 as
    # softplus(-s x.w), which never overflows; plus (l2/2)|w|^2, which guarantees a minimum even when the
    # data are separable (without it the loss keeps falling as |w| grows).
    sign = 2.0 * data["y"] - 1.0
    margins = sign * (data["x"] @ xy)
    return jnp.sum(weights * jax.nn.softplus(-margins)) + 0.5 * theta["l2"] * jnp.sum(xy**2)


SURFACES = (
    Surface(
        name="linear_regression",
        title="Linear regression (w, b)",
        latex=(r"L(w,b)=\tfrac12\sum_i \omega_i\,(w\,x_i+b-y_i)^2,\ x_i\sim\mathcal N(5,2^2),\ "
               r"y_i=x_i-4+\sigma\,\epsilon_i"),
        loss=_linear_loss,
        params=(
            Param("noise", 1.0, 0.0, 10.0, help="σ of the label noise"),
            Param("standardize", False, kind="bool", help="use (x − mean)/std as the feature"),
        ),
        domain=((-1.0, 4.0), (-8.0, 4.0)),
        starts=((3.5, 3.0),),
        critical_points_complete=False,
        note="Raw features of mean 5 tie w to b: the Hessian [[E x², E x], [E x, 1]] has κ in the hundreds. "
             "Standardising the feature makes it the identity (κ = 1) and the ravine disappears.",
        make_data=_linear_data,
        n_samples=N_SAMPLES,
        extra={"true_params": (W_TRUE, B_TRUE)},
    ),
    Surface(
        name="logistic_regression",
        title="Logistic regression (w₁, w₂)",
        latex=(r"L(w)=\sum_i \omega_i\,\operatorname{softplus}(-s_i\,x_i^\top w)+\tfrac{\lambda}{2}\|w\|^2,\ "
               r"s_i=\operatorname{sign}(x_i^\top w^\ast+\sigma\epsilon_i),\ w^\ast=(2,-1)"),
        loss=_logistic_loss,
        params=(
            Param("noise", 1.0, 0.0, 5.0, help="σ of the noise added to the true logit before thresholding"),
            Param("correlation", 0.5, -0.95, 0.95, help="correlation ρ between the two features"),
            Param("l2", 1e-3, 0.0, 1.0, help="weight decay λ; with separable data (σ = 0) only it bounds the minimum"),
        ),
        domain=((-2.0, 8.0), (-6.0, 4.0)),
        starts=((-1.5, 3.0),),
        critical_points_complete=False,
        note="A convex loss whose minimum depends on the sample: minibatches see a different minimum each step, "
             "and with separable data the minimum drifts off to infinity unless weight decay holds it.",
        make_data=_logistic_data,
        n_samples=N_SAMPLES,
        extra={"true_params": LOGISTIC_W_TRUE},
    ),
)
