"""The project's one exception tree: every error xxgk raises is an XxgkError.

    XxgkError
    ├── ConfigError                  the office config (or a setting) is wrong
    ├── StoreError                   the SQLite store cannot be used (schema too new, …)
    ├── LockHeld                     another run holds the run lock
    ├── OutputError                  outputs could not be written (the previous ones stay)
    │   └── UnsafePathError          a path the writer refuses (outside the output folder, twice, not a slug)
    ├── InputError                   what a person typed cannot be used (exit 2)
    │   ├── MergeError               a staff merge/split names an unknown or unsuitable item or post
    │   ├── DatesOutOfOrder          a date before the one it follows (补正 before receipt, …)
    │   └── report.ReportError       the annual report's data or a register entry is wrong
    │       (ReportInconsistent, FiguresInvalid, RegisterError: pipeline/report/errors.py)
    ├── DecisionError                a staff decision that cannot be applied (unknown item, not a leaf)
    ├── CalendarGapError             the holiday calendar lacks a year (strict deadlines only)
    ├── NotifyError                  an alert could not be delivered
    ├── SourceError                  a source as a whole could not be collected
    │   ├── CredentialRefused        the source's credential is missing or refused (WeChat API)
    │   ├── ArticleDeleted           a WeChat article deleted by its publisher
    │   └── ArticleBlocked           WeChat refused the request (verification page)
    ├── FetchError(url, reason)      one URL could not be fetched
    │   ├── HostNotAllowed           host (or a redirect target) not in the allow-list
    │   ├── RobotsDisallowed         robots.txt forbids the URL for our user agent
    │   ├── TooLarge                 body over the size cap
    │   ├── HttpStatusError(status)  4xx/5xx (after retries for 429 and 5xx)
    │   ├── DecodeError              bytes could not be decoded as text
    │   ├── NotAnImage               an image to archive is no PNG, JPEG, GIF or WebP (type and bytes)
    │   └── TransportError           DNS, refused, timeout, redirect loop, truncated body
    └── InternalError                the code called wrongly (a naive time, an id twice, an
        └── UndeclaredKey            undeclared config key): a bug, never a person's mistake

Two private ones live beside the code they steer and are caught there: fetch._Transient (an
attempt worth retrying) and review.auth.Busy (too many logins being verified: HTTP 429).

Only the CLI turns these into user-facing messages (click.ClickException); stages
raise or record them. ``str(error)`` is one line and never contains a secret: URL query
parameters that carry credentials are stripped (``redact_url``). What staff or the operator act on
is said in Chinese (the config, what a person typed, registers, merges, decisions); a fetch's
technical detail stays as the transport gave it, after the Chinese words that say what failed
(nightly.health.failure_words).
``failure_kind`` names what failed in a few words: collect records it with a failed source,
and health alerts by it (never by the words of a message).
"""

from __future__ import annotations

from typing import Any
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


class DatesOutOfOrder(InputError):
    """A date before the one it follows: a 补正 before the application came in, an answer
    before the consultation was sent."""


class UnsafePathError(OutputError):
    """A path that would land outside the output folder, was written twice, or is not a slug."""


class DecisionError(XxgkError):
    """A staff decision that cannot be applied (unknown item, category not a leaf, …)."""


class CalendarGapError(XxgkError):
    """Raised in ``strict`` mode when a date falls outside the holiday data (pipeline.workdays)."""

    def __init__(self, gap: Any) -> None:  # a workdays.CalendarGap: its message says which year
        super().__init__(gap.message)
        self.gap = gap


class NotifyError(XxgkError):
    """An alert could not be delivered."""


class InternalError(XxgkError):
    """The code was called wrongly: a bug, said plainly (never a person's mistake)."""


class UndeclaredKey(InternalError):
    """The code reads a config key the reference (pipeline/config/keys.py) does not declare."""


class SourceError(XxgkError):
    """A source as a whole could not be collected (a list or feed that is not what we expect)."""


class CredentialRefused(SourceError):
    """The source's credential is missing, or the API refused it (WeChat's AppID/AppSecret, token, IP list)."""


class ArticleDeleted(SourceError):
    """A WeChat article its publisher deleted (该内容已被发布者删除)."""


class ArticleBlocked(SourceError):
    """WeChat refused the request (环境异常 / a verification page)."""


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


class NotAnImage(FetchError):
    """An image to archive is not a PNG, JPEG, GIF or WebP image, by its Content-Type and its first bytes."""


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
    """No usable answer: DNS, connection refused, timeout, redirect loop, truncated body.
    ``kind`` (one of TRANSPORT_KINDS) is what pipeline/fetch/client.py found when it gave up."""

    def __init__(self, url: str, reason: str, kind: str = "broken connection") -> None:
        self.kind = kind
        super().__init__(url, reason)


TRANSPORT_KINDS = ("unreachable host", "TLS", "timeout", "broken connection", "redirects")
CREDENTIAL = "credential"  # the kind of a CredentialRefused
INTERNAL = "internal error"  # the kind of a collector's crash (a bug)


def failure_kind(error: BaseException) -> str:
    """What failed, in a few words a person can act on — "unreachable host", "TLS", "timeout",
    "HTTP 503", "credential" … — from the error's type (pipeline/collect/stage.py records it with a
    failed source and tallies it per page; pipeline/nightly/health.py alerts by it)."""
    if isinstance(error, HttpStatusError):
        return f"HTTP {error.status}"
    if isinstance(error, TransportError):
        return error.kind
    names = {TooLarge: "too large", RobotsDisallowed: "robots.txt", HostNotAllowed: "host not allowed",
             DecodeError: "undecodable page", CredentialRefused: CREDENTIAL, SourceError: "unusable source"}
    if not isinstance(error, XxgkError):
        return INTERNAL
    return next((kind for cls, kind in names.items() if isinstance(error, cls)), "other")

