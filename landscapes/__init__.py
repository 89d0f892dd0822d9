"""Selectable 2-D loss surfaces: pure JAX functions of a 2-vector with their teaching metadata."""
from optimizers import xla_cpu

xla_cpu.configure()  # before anything runs on JAX: see optimizers/xla_cpu.py
from landscapes.base import CriticalPoint, Surface
from landscapes.registry import SURFACES, get_surface

__all__ = ["CriticalPoint", "Surface", "SURFACES", "get_surface"]
