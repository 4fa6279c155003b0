"""Garbage collection paused while building big acyclic structures."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["frozen_heap", "paused_gc"]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while building big acyclic structures: its passes over
    every live object would make the build quadratic-ish; collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect now, then leave every surviving object (TensorFlow's millions, after tracing)
    out of later collections until the end of the block: each full pass over them took
    0.3-0.5 s, several times while the files were written. Nothing is frozen when someone
    else froze objects already (their unfreeze is theirs to do)."""
    gc.collect()
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
