"""`xxgk serve` and `xxgk user add/passwd/disable/remove`: the review page and its staff accounts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..store import Store
    from .base import Env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.pass_obj
def serve(env: Env, host: str, port: int) -> None:
    """Serve the staff review page (log in, accept or change categories, see the history).

    Put it behind the office's HTTPS reverse proxy when it is reached from other machines.

    \b
    Example:
      xxgk user add zhangsan
      xxgk serve --host 127.0.0.1 --port 8080
    """
    from .base import failure
    from ..errors import XxgkError
    from ..review.app import create_app
    from ..review.server import Server

    from ..review.auth import active_accounts

    try:
        config = env.config
        with env.store() as store:  # apply migrations, fail early on a bad database
            accounts = active_accounts(store)
        server = Server(create_app(config), host, port, proxies=config.review_proxies)
    except XxgkError as e:
        raise failure(e) from None
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    if not accounts:
        click.echo("注意：还没有工作人员账号，无法登录。请先运行 xxgk user add 姓名（拼音或字母）添加账号。", err=True)
    click.echo(f"review page on http://{host}:{server.port}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


@click.group()
def user() -> None:
    """Staff accounts of the review page.

    \b
    Example:
      xxgk user add zhangsan
      xxgk user disable zhangsan
    """


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _on_accounts(env: Env, action: Callable[[Store], object]) -> None:
    from .base import failure
    from ..errors import XxgkError

    try:
        with env.store() as store:
            action(store)
    except XxgkError as e:
        raise failure(e) from None


@user.command("passwd")
@click.argument("name")
@click.pass_obj
def user_passwd(env: Env, name: str) -> None:
    """Set a new password for an existing account (its sessions end); prompted for, or read from
    standard input when it is not a terminal.

    \b
    Example:
      xxgk user passwd zhangsan
    """
    from ..review.auth import set_password

    password = _read_password()
    _on_accounts(env, lambda store: set_password(store, name, password))
    click.echo(f"user {name} has a new password")


@user.command("disable")
@click.argument("name")
@click.pass_obj
def user_disable(env: Env, name: str) -> None:
    """Stop an account from logging in and end its sessions (`xxgk user passwd` enables it again).

    \b
    Example:
      xxgk user disable zhangsan
    """
    from ..review.auth import disable_user

    _on_accounts(env, lambda store: disable_user(store, name))
    click.echo(f"user {name} can no longer log in")


@user.command("remove")
@click.argument("name")
@click.pass_obj
def user_remove(env: Env, name: str) -> None:
    """Remove an account and its sessions (decisions it made keep its name).

    \b
    Example:
      xxgk user remove zhangsan
    """
    from ..review.auth import remove_user

    _on_accounts(env, lambda store: remove_user(store, name))
    click.echo(f"user {name} removed")


@user.command("add")
@click.argument("name")
@click.pass_obj
def user_add(env: Env, name: str) -> None:
    """Create a staff account (or set a new password); the password is prompted for, or read
    from standard input when it is not a terminal.

    \b
    Example:
      xxgk user add zhangsan
      printf '%s\\n' "$PASSWORD" | xxgk user add zhangsan
    """
    from ..review.auth import add_user

    password = _read_password()
    _on_accounts(env, lambda store: add_user(store, name, password))
    click.echo(f"user {name} can now log in to the review page")
