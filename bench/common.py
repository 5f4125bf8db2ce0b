"""What the benchmarks share: synthetic offices on disk, a loopback server, measuring.

Worlds are generated once into .cache/bench/ (outside /tmp, where creating files is
slow on this machine kind) and reused: the generator is deterministic.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bench"


def world(items: int) -> Path:
    """The synthetic office of `items` items (generated on first use)."""
    from demo.generate import generate

    root = CACHE / f"world-{items}"
    if not (root / "truth.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        generate(root, items=items)
    return root


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def stopwatch() -> Any:
    result = {"seconds": 0.0}
    start = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - start


def in_subprocess(func: Callable[..., Any], *args: Any) -> Any:
    """Run func in a fresh process so its peak memory is its own (spawned, not forked: a forked
    child starts with the parent's resident pages, so an earlier section's memory would count)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(func, args)
