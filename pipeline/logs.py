"""Logging: one line per event, to a rotating file and to the terminal.

The terminal shows warnings and errors (everything with -v); under cron (`-q`) only
failures are printed, by the commands themselves. Secrets never reach a log: URLs are
redacted where messages are made (pipeline.errors.redact_url), and this filter is a
second net for credential query parameters.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

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
        handler = logging.StreamHandler()
        handler.xxgk_terminal = True
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactSecrets())
        root.addHandler(handler)
    for handler in root.handlers:
        if getattr(handler, "xxgk_terminal", False):
            handler.setLevel(logging.INFO if verbose else logging.WARNING)


def setup_file(path: Path | None) -> None:
    """Add the rotating log file (1 MB × 5) once per process."""
    if path is None:
        return
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
