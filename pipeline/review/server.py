"""The HTTP server under the review app: waitress, a fixed pool of worker threads.

werkzeug's threaded server starts a thread per connection, so a burst of requests (200
wrong logins at once) grew the process without bound; waitress reads connections
asynchronously and runs the app in THREADS threads, so memory stays bounded however many
clients connect. Proxy headers are left to the app (`[review] proxies`, ProxyFix): waitress
strips them unless a proxy is configured.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from waitress.server import create_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

THREADS = 4  # requests handled at once; the rest wait their turn in waitress's queue


class Server:
    def __init__(self, app: WSGIApplication, host: str, port: int, *, proxies: int = 0) -> None:
        self._server = create_server(app, host=host, port=port, threads=THREADS,
                                     clear_untrusted_proxy_headers=not proxies, ident="xxgk")
        # one host and port: a BaseWSGIServer (waitress makes a MultiSocketServer only for several)
        self.port = int(self._server.effective_port)  # type: ignore[union-attr]
        self._stopping = False

    def serve_forever(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):  # a socket closed under the loop by shutdown()
            if not self._stopping:
                raise

    def shutdown(self) -> None:
        """Stop serving (from another thread): close every connection, then the workers."""
        self._stopping = True
        logging.getLogger("waitress").setLevel(logging.CRITICAL)  # no tracebacks for closed sockets
        server = self._server
        # asyncore's socket map, private to waitress (its stubs leave it out)
        while server._map:  # type: ignore[union-attr]  # as webtest's StopableWSGIServer does
            for channel in list(server._map.values()):  # type: ignore[union-attr]
                channel.handle_close()
        server.task_dispatcher.shutdown()
