"""Streamlit caches around the engine: the compute graph every page draws from.

Results are keyed on frozen RunConfigs (plain, hashable values) and bounded with max_entries, so a class
of students cannot grow the server's memory without limit. Compiled programs live in the engine's
module-level jit caches, which Streamlit reruns never discard.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard import engine


@st.cache_data(max_entries=256, show_spinner=False)
def simulate(config: engine.RunConfig) -> engine.Trajectory:
    return engine.simulate(config)


@st.cache_data(max_entries=64, show_spinner=False)
def simulate_many(configs: tuple[engine.RunConfig, ...]) -> list[engine.Trajectory]:
    return engine.simulate_many(list(configs))


@st.cache_data(max_entries=32, show_spinner=False)
def sweep(config: engine.RunConfig, grid: tuple[tuple[str, tuple[float, ...]], ...]) -> engine.SweepResult:
    return engine.sweep(config, {name: np.asarray(values) for name, values in grid})


@st.cache_data(max_entries=64, show_spinner=False)
def surface_grid(surface: str, surface_params: tuple = (), seed: int = 0, resolution: int = 121,
                 domain: tuple | None = None) -> engine.SurfaceGrid:
    return engine.surface_grid(surface, surface_params, seed, resolution, domain)


@st.cache_data(max_entries=64, show_spinner=False)
def critical_points(surface: str, surface_params: tuple = (), seed: int = 0) -> list:
    from dashboard.critical import critical_points as find

    return find(surface, surface_params, seed)
