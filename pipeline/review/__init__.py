"""The staff review web app (`xxgk serve`): log in, review the classification queue, decide.

    auth.py      accounts (argon2id), sessions, CSRF tokens, login throttling
    queries.py   the queue, an item with its posts and versions, the history
    actions.py   staff decisions, each recorded in `decisions`
    repeats.py   a merge or split form sent again when it is already done
    app.py       the Flask app (server-rendered, works without JavaScript)
    refusals.py  what each error page says (in Chinese: the reason and the way back)
    (`xxgk serve` and `xxgk user …` are in pipeline/commands/review.py)
    server.py    the HTTP server (waitress: a fixed pool of threads)
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
    from .server import Server

    server = Server(create_app(config), host, port, proxies=config.review_proxies)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.port}"
    finally:
        server.shutdown()
        thread.join()
