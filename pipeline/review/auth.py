"""Staff accounts, sessions and login throttling for the review page.

Passwords are stored as argon2id hashes (memory-hard). A session is a random token in an
HttpOnly, SameSite cookie; the store keeps only its SHA-256, with the session's CSRF token.
After MAX_FAILURES wrong passwords for one name (or from one address) further attempts are
refused for a delay that doubles with each further failure.

A login under attack must not exhaust the server: whether an attempt may be verified is
decided in one write transaction that also counts it (as a failure until it succeeds), so
concurrent attempts cannot all slip past the throttle; and at most VERIFYING verifications
run at once, with at most QUEUED more waiting — any further attempt is refused at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..config import messages
from ..errors import ConfigError, XxgkError
from ..store import Store, iso, utcnow

MAX_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
WINDOW = timedelta(hours=1)  # failures older than this are forgotten
SESSION_LIFETIME = timedelta(hours=12)
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
# argon2id at OWASP's recommended minimum (19 MiB, 2 passes): with VERIFYING at once, a burst
# of logins costs at most VERIFYING × 19 MiB. Hashes made with other parameters still verify,
# and are re-hashed with these at the next successful login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY = _hasher.hash("not a password")  # verified against for unknown names: same cost, no oracle
VERIFYING = 2  # password verifications at once (each holds memory_cost)
QUEUED = 8  # attempts waiting for a verification slot; beyond that, refused at once
_verifying = threading.BoundedSemaphore(VERIFYING)
_admitted = threading.BoundedSemaphore(VERIFYING + QUEUED)


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str


def add_user(store: Store, name: str, password: str) -> None:
    """Create a staff account, or set a new password for an existing one."""
    if not name or not set(name) <= NAME_CHARS or len(name) > 64:
        raise ConfigError(messages.say(f"用户名 {messages.shown(name)}", "只能用 1–64 个英文字母、数字、.、_ 或 -"))
    if len(password) < 8:
        raise ConfigError("密码：至少需要 8 个字符")
    with store.transaction():
        store.db.execute(
            """INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, disabled = 0""",
            [name, _hasher.hash(password), iso(utcnow())])
        store.db.execute("DELETE FROM sessions WHERE user = ?", [name])  # a new password ends old sessions


def set_password(store: Store, name: str, password: str) -> None:
    """A new password for an existing account (ends its sessions)."""
    if not _exists(store, name):
        raise ConfigError(no_account(name))
    add_user(store, name, password)


def disable_user(store: Store, name: str) -> None:
    """The account can no longer log in; its sessions end. `set_password` enables it again."""
    _change_account(store, name, "UPDATE users SET disabled = 1 WHERE name = ?")


def remove_user(store: Store, name: str) -> None:
    """Remove the account and its sessions (its past decisions keep the name they were made under)."""
    _change_account(store, name, "DELETE FROM users WHERE name = ?")


def _change_account(store: Store, name: str, statement: str) -> None:
    """Apply `statement` to an existing account and end its sessions; ConfigError for an unknown name."""
    with store.transaction():
        if not _exists(store, name):
            raise ConfigError(no_account(name))
        store.db.execute("DELETE FROM sessions WHERE user = ?", [name])
        store.db.execute(statement, [name])


def active_accounts(store: Store) -> int:
    """How many staff accounts can log in."""
    return int(store.db.execute("SELECT COUNT(*) FROM users WHERE disabled = 0").fetchone()[0])


def no_account(name: str) -> str:
    """The message for a name no staff account has (`xxgk user …`)."""
    return messages.say(f"用户名 {messages.shown(name)}", "没有这个工作人员账号（用 xxgk user add 添加）")


def _exists(store: Store, name: str) -> bool:
    return store.db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone() is not None


class Busy(XxgkError):
    """Too many logins are being verified already: refuse this one at once (HTTP 429)."""


@contextmanager
def verification_slot() -> Iterator[None]:
    """Hold one of the VERIFYING slots (waiting among at most QUEUED others); raises Busy."""
    if not _admitted.acquire(blocking=False):
        raise Busy()
    try:
        with _verifying:
            yield
    finally:
        _admitted.release()


def check_password(store: Store, name: str, password: str) -> bool:
    """Whether the password is right (one argon2 verification, also for unknown names)."""
    row = store.db.execute("SELECT password_hash FROM users WHERE name = ? AND disabled = 0", [name]).fetchone()
    stored = row[0] if row else _DUMMY
    try:
        ok = _hasher.verify(stored, password) and row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if ok and _hasher.check_needs_rehash(stored):
        with store.transaction():
            store.db.execute("UPDATE users SET password_hash = ? WHERE name = ?", [_hasher.hash(password), name])
    return ok


def admit(store: Store, name: str, address: str) -> tuple[timedelta | None, int]:
    """Decide, atomically, whether a login attempt may be verified: (wait, 0) when it is refused,
    else (None, attempt id). The attempt is counted as a failure at once, so that concurrent
    attempts see it; `succeeded` turns it into a success."""
    with store.transaction():  # BEGIN IMMEDIATE: one decision at a time, across threads and processes
        wait = locked_for(store, name, address)
        if wait is not None:
            return wait, 0
        cursor = store.db.execute("INSERT INTO login_attempts (at, name, address, ok) VALUES (?, ?, ?, 0)",
                                  [iso(utcnow()), name, address])
        return None, int(cursor.lastrowid or 0)


def forget_attempt(store: Store, attempt: int) -> None:
    with store.transaction():
        store.db.execute("DELETE FROM login_attempts WHERE id = ?", [attempt])


def succeeded(store: Store, attempt: int) -> None:
    with store.transaction():
        store.db.execute("UPDATE login_attempts SET ok = 1 WHERE id = ?", [attempt])


def locked_for(store: Store, name: str, address: str, now: datetime | None = None) -> timedelta | None:
    """How long login attempts for this name or from this address are refused (None: allowed)."""
    now = now or utcnow()
    longest = None
    for column, value in (("name", name), ("address", address)):
        rows = store.db.execute(
            f"""SELECT at FROM login_attempts WHERE {column} = ? AND ok = 0 AND at > ? AND at > COALESCE(
                  (SELECT MAX(at) FROM login_attempts WHERE {column} = ? AND ok = 1), '') ORDER BY at""",
            [value, iso(now - WINDOW), value]).fetchall()
        if len(rows) < MAX_FAILURES:
            continue
        delay = min(LONGEST_DELAY, FIRST_DELAY * 2 ** (len(rows) - MAX_FAILURES))
        left = datetime.fromisoformat(rows[-1][0]) + delay - now
        if left > timedelta(0) and (longest is None or left > longest):
            longest = left
    return longest


def record_attempt(store: Store, name: str, address: str, ok: bool) -> None:
    with store.transaction():
        store.db.execute("INSERT INTO login_attempts (at, name, address, ok) VALUES (?, ?, ?, ?)",
                         [iso(utcnow()), name, address, int(ok)])


def start_session(store: Store, user: str) -> str:
    """A new session for `user`; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with store.transaction():
        store.db.execute("DELETE FROM sessions WHERE expires_at < ?", [iso(now)])
        store.db.execute(
            "INSERT INTO sessions (token_hash, user, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [_digest(token), user, secrets.token_urlsafe(32), iso(now), iso(now + SESSION_LIFETIME)])
    return token


def find_session(store: Store, token: str | None) -> Session | None:
    if not token:
        return None
    row = store.db.execute(
        """SELECT s.user, s.csrf FROM sessions s JOIN users u ON u.name = s.user
           WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0""",
        [_digest(token), iso(utcnow())]).fetchone()
    return Session(row[0], row[1]) if row else None


def end_session(store: Store, token: str | None) -> None:
    if token:
        with store.transaction():
            store.db.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected.encode(), given.encode()))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
