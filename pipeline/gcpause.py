"""Pausing Python's cyclic garbage collector for a batch stage (merge, build).

A stage that holds 100,000s of rows and keys for its whole run, and makes millions of
short-lived objects on the way, sets off collections that each walk everything it
holds: a fifth of a full build, and a cost that grows faster than the run. These
stages make no reference cycles to speak of (their memory is freed as they go), so
the collector is paused while they run and restored after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
