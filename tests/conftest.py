"""Shared test set-up: the engine runs in float64, as the dashboard does."""
import jax

jax.config.update("jax_enable_x64", True)
