"""The plumbing every command shares, at the bottom of pipeline/commands: the group's
environment (Env), the exit codes, and the translation of the project's errors, of click's usage
errors (usage.py) and of store / file-system faults into one clear line and the documented exit code.

Nothing here imports another module of pipeline/commands but usage.py, which imports none.
"""

from __future__ import annotations

import errno
import getpass
import os
import select
import shutil
import sqlite3
import sys
import unicodedata
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from .. import config as config_mod
from ..nightly import logs
from ..nightly.built_from import adopt_published
from ..errors import ConfigError, InputError, LockHeld, StoreError, XxgkError
from ..store import Store, store_fault
from .usage import ChineseUsageError

# EXIT_READER_GONE: 128 + SIGPIPE (13), what a shell shows for `git log | head -1`.
EXIT_OK, EXIT_SOURCE_FAILED, EXIT_CONFIG, EXIT_LOCKED, EXIT_STORE, EXIT_READER_GONE = 0, 1, 2, 3, 4, 128 + 13
EXIT_CODES = {
    EXIT_OK: "everything worked",
    EXIT_SOURCE_FAILED: "the job ran but some source failed (the others were collected), or a\n"
                        "       source's list was cut by its max_pages",
    EXIT_CONFIG: "bad usage or a wrong config",
    EXIT_LOCKED: "another run holds the run lock",
    EXIT_STORE: "the store cannot be used (e.g. a database from a newer xxgk)",
    EXIT_READER_GONE: "what read the output closed it early (`| head -1`), as for any Unix tool",
}
# The one table of exit codes, as `--help` shows it (\b: click keeps the lines as they are).
EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())


class Failure(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click types it a ClassVar; click reads the instance's

    def show(self, file: Any = None) -> None:
        """One line on stderr, "错误：" before the message (click's own prefix is English)."""
        click.echo(f"错误：{self.format_message()}", file=file, err=True)


def exit_code_for(error: XxgkError) -> int:
    if isinstance(error, (ConfigError, InputError)):
        return EXIT_CONFIG
    if isinstance(error, LockHeld):
        return EXIT_LOCKED
    if isinstance(error, StoreError):
        return EXIT_STORE
    return EXIT_SOURCE_FAILED


def failure(error: XxgkError) -> Failure:
    """The project's error as one clear line with its documented exit code."""
    return Failure(str(error), exit_code_for(error))


P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into one clear line and the documented exit code."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except XxgkError as e:
            raise failure(e) from None

    return wrapper


class Group(click.Group):
    """Every fault of the store or of the file system, wherever it strikes (a disk filling up
    mid-run, a damaged page of the database), ends in one line and the documented exit code:
    4 for the store (the database, its lock, its folder), 1 for the outputs — never a traceback.
    A reader that stops early (`xxgk … | head -1`) ends any command quietly (exit_if_reader_gone).
    click's usage errors, of this group or of any command under it, are said in Chinese (usage.py)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:  # --help and --version print here, before any command runs
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:
            raise _in_chinese(e) from None
        except OSError as e:
            exit_if_reader_gone(e)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:  # every subcommand's arguments are parsed in here, and every command runs in here
            return super().invoke(ctx)
        except click.UsageError as e:
            raise _in_chinese(e) from None
        except sqlite3.Error as e:
            raise Failure(store_fault(_database(ctx), e), EXIT_STORE) from None
        except OSError as e:
            exit_if_reader_gone(e)
            where = str(e.filename or "")
            database = str(_database(ctx))
            if where and where.startswith(database):
                raise Failure(store_fault(_database(ctx), e), EXIT_STORE) from None
            raise Failure(f"无法写入 {where or '文件'}：{e.strerror or e}", EXIT_SOURCE_FAILED) from None


def _in_chinese(error: click.UsageError) -> click.UsageError:
    """click's usage error said in Chinese; a group's help shown for a bare `xxgk config` stays as it is."""
    if isinstance(error, (ChineseUsageError, _NO_ARGS_IS_HELP)):
        return error
    return ChineseUsageError(error)


_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click 8.2+: prints the help


def exit_if_reader_gone(error: OSError) -> None:
    """End quietly with 141 when error is the broken pipe of a reader that closed our output early.

    Not by restoring SIGPIPE's default (sockets of the fetcher and the review page would kill the
    process); 141 rather than 0 because the output was cut short, which a script with `set -o
    pipefail` should learn, as it does from coreutils. Our standard streams go to /dev/null first,
    so the flush at exit raises nothing more."""
    if error.errno != errno.EPIPE or not _reader_gone():
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):  # a stream with no file behind it (click's test runner)
            pass
    sys.exit(EXIT_READER_GONE)


def _reader_gone() -> bool:
    """Whether stdout's or stderr's reader has gone: a pipe whose read end is closed polls as an error.
    A broken pipe of anything else (a child process's stdin) stays an ordinary fault."""
    if not hasattr(select, "poll"):
        return True  # no poll (Windows): the broken pipe is ours
    poller = select.poll()
    for stream in (sys.stdout, sys.stderr):
        try:
            poller.register(stream.fileno(), 0)  # POLLERR is reported whatever is asked
        except (OSError, ValueError):
            continue
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _database(ctx: click.Context) -> Path:
    config = getattr(ctx.obj, "_config", None)
    return config.database if config is not None else Path("(the configured database)")


class Env:
    """What the group option gives every command: the config, loaded on first use."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_mod.find_config(config_path)
        self.explicit = bool(config_path or os.environ.get("XXGK_CONFIG"))
        self._config: config_mod.Config | None = None

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path)
            logs.setup_file(self._config.log_file)
        return self._config

    def store(self) -> Store:
        return Store(self.config.database, self.config.office.timezone)

    def minting_store(self) -> Store:
        """The store, for a command that may mint 索引号 (dedupe, merge, split): one restored from a
        backup first takes back the numbers the site showed (nightly/built_from.py), as a night would."""
        store = self.store()
        try:
            adopt_published(store, self.config.output, self.config.office.timezone)
        except BaseException:
            store.close()
            raise
        return store


def who(given: str | None = None) -> str:
    """Who makes a change, for the audit trail: --by / --who, else $XXGK_USER, else the login name
    ("staff" where the system knows none, as in a container without a passwd entry)."""
    name = given or os.environ.get("XXGK_USER")
    if name:
        return name.strip()
    try:
        return getpass.getuser().strip()
    except (KeyError, OSError):
        return "staff"


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """A progress line on a terminal, rewritten in place as work advances; nothing under cron."""
    if quiet or not sys.stderr.isatty():
        return lambda message: None
    width = shutil.get_terminal_size().columns - 1

    def show(message: str) -> None:  # an empty message clears the line
        line = f"… {message}"[:width] if message else ""
        click.echo("\r" + line.ljust(width) + ("" if message else "\r"), err=True, nl=False)

    return show


# How a run or a source ended, as staff read it (`status`, `district status`; --json keeps the stored word).
STATUS_WORDS = {"ok": "正常", "partial": "部分来源失败", "failed": "失败", "interrupted": "中断", "running": "运行中",
                "never run": "从未运行", "figures": "只报送数据"}


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def padded(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)
