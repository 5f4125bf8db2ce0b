"""The staff review web app (`xxgk serve`): log in, review the classification queue, decide.

    auth.py      accounts (argon2id), sessions, CSRF tokens, login throttling
    queries.py   the queue, an item with its posts and versions, the history
    actions.py   staff decisions, each recorded in `decisions`
    app.py       the Flask app (server-rendered, works without JavaScript)
    commands.py  `xxgk serve`, `xxgk user add`
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..config import Config
from .app import create_app

__all__ = ["create_app", "running"]


@contextmanager
def running(config: Config, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the review app in a background thread; yields its base URL (tests, demos)."""
    from werkzeug.serving import make_server

    server = make_server(host, port, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
