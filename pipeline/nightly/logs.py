"""Logging: one line per event, to a rotating file and to the terminal.

The terminal shows warnings and errors (everything with -v); under cron (`-q`) only
failures are printed, by the commands themselves, and the installation's notices
(workdays.NOTICES) go to the log file only: each is an alert too, sent and printed once. Secrets never reach a log: URLs are
redacted where messages are made (pipeline.errors.redact_url), and this filter is a
second net for credential query parameters.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SECRET = re.compile(r"((?:appid|secret|access_token|token|password)=)[^&\s\"']+", re.I)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def setup_terminal(verbose: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if not any(getattr(h, "xxgk_terminal", False) for h in root.handlers):
        handler = _Terminal()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactSecrets())
        root.addHandler(handler)
    for h in root.handlers:
        if getattr(h, "xxgk_terminal", False):
            h.setLevel(logging.INFO if verbose else logging.WARNING)


class _Terminal(logging.StreamHandler[TextIO]):
    """The terminal's handler, marked so that a second setup finds it."""

    xxgk_terminal = True


def setup_file(path: Path | None) -> None:
    """Add the rotating log file (1 MB × 5) once per process. A log that cannot be written (a
    read-only mount, a full disk) falls back to the terminal: it never stops a command."""
    if path is None:
        return
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # the handler's first write says so, once
    handler = _FileElseStderr(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8", delay=True)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)


class _FileElseStderr(logging.handlers.RotatingFileHandler):
    """The log file; once a write fails, standard error (what the terminal handler does not
    already show), after one line saying why."""

    fallback: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.fallback is None:
            super().emit(record)  # calls handleError on failure
        elif record.levelno < _terminal_level():
            self.fallback.emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.fallback is not None:
            return
        error = sys.exc_info()[1]
        sys.stderr.write(f"xxgk：无法写入日志文件 {self.baseFilename}"
                         f"（{getattr(error, 'strerror', None) or error}），日志改写到标准错误输出\n")
        try:
            if self.stream is not None:
                self.stream.close()
        except OSError:
            pass
        self.stream = None
        self.fallback = logging.StreamHandler(sys.stderr)
        self.fallback.setFormatter(self.formatter)
        self.emit(record)

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        try:
            return bool(super().shouldRollover(record))
        except OSError:
            return False


def _terminal_level() -> int:
    levels = [h.level for h in logging.getLogger().handlers if getattr(h, "xxgk_terminal", False)]
    return min(levels) if levels else logging.CRITICAL + 1


class _FirstOnly(logging.Filter):
    """Lets each message through the first time only (thread-safe: offices log side by side)."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        with self._lock:
            first = message not in self._seen
            self._seen.add(message)
        return first


@contextmanager
def once_per_run(logger: str) -> Iterator[None]:
    """Within (a district run): each message of ``logger`` is handled once however many offices give it —
    logged in this process or relayed from a stage worker (whose records the district's relay hands to
    their logger here, where this filter sits). The offices' own alerts (nightly.health) are untouched."""
    notices, first = logging.getLogger(logger), _FirstOnly()
    notices.addFilter(first)
    try:
        yield
    finally:
        notices.removeFilter(first)


class _Not(logging.Filter):
    """Drops the records of one logger (and those below it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == self.name or record.name.startswith(self.name + "."))


@contextmanager
def off_the_terminal(logger: str) -> Iterator[None]:
    """Within (a quiet run): ``logger``'s messages reach the log file, not the terminal — a notice that
    every night would repeat (the holiday data lacks next year) is raised as an alert instead
    (pipeline.nightly.health: recorded, sent and printed once, shown by `xxgk status`)."""
    terminals = [h for h in logging.getLogger().handlers if getattr(h, "xxgk_terminal", False)]
    hidden = _Not(logger)
    for handler in terminals:
        handler.addFilter(hidden)
    try:
        yield
    finally:
        for handler in terminals:
            handler.removeFilter(hidden)
