"""Short full garbage collections: what lives as long as the server is taken out of the collector's sight.

A full collection (`gc.collect(2)`) holds the GIL: no other session's script runs and no websocket message
goes out meanwhile. With JAX, plotly, pandas and Streamlit imported the heap holds about 220 000 tracked
objects (modules, functions, classes and their containers), and a full collection over them took
135-165 ms. Streamlit ran one after every script run (`runner.postScriptGC`, now off in
.streamlit/config.toml), and Python runs them on its own as objects accumulate. `gc.freeze()` moves the
objects alive now into a permanent generation that collections skip; after the first run, when the
landing page's imports are done, a full collection takes 0.2-3.5 ms.

A frozen object that later becomes part of a garbage cycle is never freed, so this runs once per process,
after a collection (no garbage is frozen), and freezes only what one finished page run left alive.
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_once() -> bool:
    """Collect, then freeze the heap, the first time it is called in this process; True if it froze now."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        gc.collect()
        gc.freeze()
        _frozen = True
        return True
