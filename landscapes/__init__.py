"""Selectable 2-D loss surfaces: pure JAX functions of a 2-vector with their teaching metadata."""
from landscapes.base import CriticalPoint, Surface
from landscapes.registry import SURFACES, get_surface

__all__ = ["CriticalPoint", "Surface", "SURFACES", "get_surface"]
