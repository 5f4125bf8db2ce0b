"""The project's one exception tree.

    XxgkError
    ├── ConfigError                  the office config (or a setting) is wrong
    ├── StoreError                   the SQLite store cannot be used (schema too new, …)
    ├── LockHeld                     another run holds the run lock
    ├── OutputError                  outputs could not be written (the previous ones stay)
    ├── InputError                   what a person typed on the command line cannot be used (exit 2)
    │   ├── MergeError               a staff merge/split names an unknown or unsuitable item or post
    │   └── report.ReportError       the annual report's data or a register entry is wrong
    └── FetchError(url, reason)      one URL could not be fetched
        ├── HostNotAllowed           host (or a redirect target) not in the allow-list
        ├── RobotsDisallowed         robots.txt forbids the URL for our user agent
        ├── TooLarge                 body over the size cap
        ├── HttpStatusError(status)  4xx/5xx (after retries for 429 and 5xx)
        ├── DecodeError              bytes could not be decoded as text
        └── TransportError           DNS, refused, timeout, redirect loop, truncated body

Only the CLI turns these into user-facing messages (click.ClickException); stages
raise or record them. ``str(error)`` is one line of plain English and never contains
a secret: URL query parameters that carry credentials are stripped (``redact_url``).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

# Query parameters that carry credentials (the WeChat API puts access_token in the URL).
SECRET_PARAMS = frozenset({"appid", "secret", "access_token", "token"})


def redact_url(url: str) -> str:
    """The URL without credential query parameters or user:password@, for messages and logs."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<unparseable URL>"
    query = "&".join(
        p for p in parts.query.split("&") if p and p.split("=", 1)[0].lower() not in SECRET_PARAMS
    )
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class XxgkError(Exception):
    """Base of every error xxgk raises on purpose."""


class ConfigError(XxgkError):
    """The office config, or a setting built from it, is wrong."""


class StoreError(XxgkError):
    """The store cannot be opened or used (e.g. its schema is newer than this code)."""


class OutputError(XxgkError):
    """Outputs could not be written (disk full, folder not writable); the previous ones stay."""


class InputError(XxgkError):
    """A person's input (a command's arguments, a register entry) cannot be used."""


class MergeError(InputError):
    """A staff merge or split names an unknown item or post, or one that cannot be moved so."""


class LockHeld(XxgkError):
    """Another run holds the run lock."""

    holder = ""  # what the lock file says about its holder ("run pid 123", "staff publish pid 45")


class FetchError(XxgkError):
    """One URL could not be fetched. ``url`` is the URL as requested (unredacted)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{redact_url(url)}: {reason}")


class HostNotAllowed(FetchError):
    """The host, or the target of a redirect, is not in the allow-list."""


class RobotsDisallowed(FetchError):
    """robots.txt disallows the URL for our user agent."""


class TooLarge(FetchError):
    """The body is larger than the size cap."""


class HttpStatusError(FetchError):
    """The server answered 4xx/5xx. ``status`` tells a withdrawal (404, 410) from a fault."""

    def __init__(self, url: str, status: int, *, attempts: int = 1, reason: str | None = None) -> None:
        self.status = status
        self.attempts = attempts
        if reason is None:
            reason = f"HTTP {status}" + (f" after {attempts} attempts" if attempts > 1 else "")
        super().__init__(url, reason)


class DecodeError(FetchError):
    """The body could not be decoded as text in any plausible encoding."""


class TransportError(FetchError):
    """No usable answer: DNS, connection refused, timeout, redirect loop, truncated body."""


# What failed, in a few words a person can act on (pipeline/collect/stage.py tallies them; nightly/health.py
# alerts with them): the words of pipeline/fetch/client.py's reasons mapped to a kind.
_TRANSPORT_KINDS = (("TLS failed", "TLS"), ("could not find the host", "unreachable host"),
                    ("could not connect", "unreachable host"), ("timed out", "timeout"),
                    ("deadline", "timeout"), ("time budget", "timeout"))


def failure_kind(error: Exception) -> str:
    """"unreachable host", "TLS", "timeout", "HTTP 503", … for one failed fetch."""
    if isinstance(error, HttpStatusError):
        return f"HTTP {error.status}"
    if isinstance(error, TransportError):
        return next((kind for words, kind in _TRANSPORT_KINDS if words in error.reason), "broken connection")
    names = {TooLarge: "too large", RobotsDisallowed: "robots.txt", HostNotAllowed: "host not allowed",
             DecodeError: "undecodable page"}
    return next((kind for cls, kind in names.items() if isinstance(error, cls)), "other")

