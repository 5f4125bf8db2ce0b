"""`xxgk serve` and `xxgk user add`: the review page and its staff accounts."""

from __future__ import annotations

import sys

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.pass_obj
def serve(env, host: str, port: int) -> None:
    """Serve the staff review page (log in, accept or change categories, see the history).

    Put it behind the office's HTTPS reverse proxy when it is reached from other machines.

    \b
    Example:
      xxgk user add zhangsan
      xxgk serve --host 127.0.0.1 --port 8080
    """
    from werkzeug.serving import make_server

    from ..cli import Failure, _exit_code_for
    from ..errors import XxgkError
    from .app import create_app

    try:
        config = env.config
        env.store().close()  # apply migrations, fail early on a bad database
        server = make_server(host, port, create_app(config), threaded=True)
    except XxgkError as e:
        raise Failure(str(e), _exit_code_for(e)) from None
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    click.echo(f"review page on http://{host}:{server.server_port}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@click.group()
def user() -> None:
    """Staff accounts of the review page.

    \b
    Example:
      xxgk user add zhangsan
    """


@user.command("add")
@click.argument("name")
@click.pass_obj
def user_add(env, name: str) -> None:
    """Create a staff account (or set a new password); the password is prompted for, or read
    from standard input when it is not a terminal.

    \b
    Example:
      xxgk user add zhangsan
      printf '%s\\n' "$PASSWORD" | xxgk user add zhangsan
    """
    from ..cli import Failure, _exit_code_for
    from ..errors import XxgkError
    from .auth import add_user

    if sys.stdin.isatty():
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with env.store() as store:
            add_user(store, name, password)
    except XxgkError as e:
        raise Failure(str(e), _exit_code_for(e)) from None
    click.echo(f"user {name} can now log in to the review page")
