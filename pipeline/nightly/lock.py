"""The run lock: one job at a time per database.

An advisory `flock` on `<database>.lock`; the kernel drops it when the process dies,
so a lock left by a crashed run is simply free again. The file records who holds it.
`xxgk status` probes it (run_in_progress) to tell a run in progress from one that was killed.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ..errors import LockHeld, StoreError


STAFF_PUBLISH = "staff publish"  # the review page's Publish: short, so the nightly job waits for it
POLL = 1.0  # seconds between tries while waiting
PROBE_GRACE = 0.2  # seconds a run tries again at once: `xxgk status` may hold the lock for a probe's instant


@contextmanager
def run_lock(database: Path, *, purpose: str = "run", wait_for_staff: float = 0.0) -> Iterator[None]:
    """Hold the run lock; raises LockHeld at once when another run holds it — except that
    with `wait_for_staff` seconds, a staff publish holding it is waited for (it takes its turn)."""
    path = Path(str(database) + ".lock")
    started = time.monotonic()
    give_up = started + wait_for_staff
    while True:
        try:
            handle = _take(path, purpose)
            break
        except LockHeld as held:
            if time.monotonic() < started + PROBE_GRACE:  # perhaps only a status probe: try again at once
                time.sleep(PROBE_GRACE / 10)
                continue
            if not held.holder.startswith(STAFF_PUBLISH) or time.monotonic() >= give_up:
                raise
            time.sleep(POLL)
        except OSError as e:  # a full disk, a read-only folder: the store cannot be used (exit 4)
            raise StoreError(f"cannot take the run lock {path}: {e.strerror or e}") from None
    with handle:
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_in_progress(database: Path) -> bool:
    """Whether a live process holds the run lock: a shared lock tried and dropped at once, so
    nothing is written or created (no lock file: no run ever took it). A lock file that
    cannot be opened tells nothing: taken as held, so a live run is never called killed."""
    try:
        fd = os.open(str(database) + ".lock", os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # held (BlockingIOError), or the lock cannot be tried: as above
        return True
    finally:
        os.close(fd)  # drops the shared lock with the file
    return False


def _take(path: Path, purpose: str) -> TextIO:
    """The lock file, locked and naming its holder; raises LockHeld."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 (held open: the lock lasts as long as the file is open)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            held = LockHeld(f"another xxgk run holds {path} ({holder}); try again when it ends")
            held.holder = holder
            raise held from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{purpose} pid {os.getpid()}")
        handle.flush()
    except BaseException:
        handle.close()
        raise
    return handle
