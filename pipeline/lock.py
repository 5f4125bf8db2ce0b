"""The run lock: one job at a time per database.

An advisory `flock` on `<database>.lock`; the kernel drops it when the process dies,
so a lock left by a crashed run is simply free again. The file records who holds it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockHeld, StoreError


@contextmanager
def run_lock(database: Path) -> Iterator[None]:
    path = Path(str(database) + ".lock")
    try:
        handle = _take(path)
    except OSError as e:  # a full disk, a read-only folder: the store cannot be used (exit 4)
        raise StoreError(f"cannot take the run lock {path}: {e.strerror or e}") from None
    with handle:
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take(path: Path):  # type: ignore[no-untyped-def]
    """The lock file, locked and naming its holder; raises LockHeld."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockHeld(f"another xxgk run holds {path} ({holder}); try again when it ends") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
    except BaseException:
        handle.close()
        raise
    return handle
