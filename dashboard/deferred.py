"""Widgets settled now and drawn later: a stand-in for a Streamlit container that records element calls.

Streamlit sends elements in the order a script calls them, and the browser draws them in that order. The
sidebar's scene controls must be settled (held values refused, starts clamped, values seeded from the link)
before a page reads the scene, yet a page's chart reaches the screen sooner when it is sent before them.
Run the code that draws such controls against a Deferred: every call is recorded, a widget call returns
the value that widget is about to show (its session-state value: each widget drawn this way has a key and
is seeded before it is drawn), and replay(container) draws everything later, in the same order.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

NESTING = {"columns", "container", "expander", "popover"}  # calls that return containers to write into


class Deferred:
    """Records element calls (selectbox, slider, error, columns ...) to replay into a real container."""

    def __init__(self) -> None:
        self._calls: list[tuple[str, tuple, dict, Any]] = []

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def record(*args, **kwargs):
            if name in NESTING:
                count = 1 if name != "columns" else (args[0] if isinstance(args[0], int) else len(args[0]))
                children = [Deferred() for _ in range(count)]
                self._calls.append((name, args, kwargs, children))
                return children if name == "columns" else children[0]
            self._calls.append((name, args, kwargs, None))
            key = kwargs.get("key")
            return st.session_state.get(key) if key is not None else None

        return record

    def replay(self, container) -> None:
        """Draw what was recorded into `container`, children into the containers their calls make."""
        for name, args, kwargs, children in self._calls:
            made = getattr(container, name)(*args, **kwargs)
            if children is not None:
                for child, real in zip(children, made if name == "columns" else [made]):
                    child.replay(real)
