"""Shared fixtures: the demo office's web world, served on 127.0.0.1, and configs pointing at it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "demo" / "xxgk.toml"


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory) -> Path:
    from demo.generate import generate

    root = tmp_path_factory.mktemp("demo-world")
    generate(root)
    return root


@pytest.fixture(scope="session")
def demo_server(demo_world):
    from demo.server import serve

    with serve(demo_world) as server:
        yield server


def write_config(folder: Path, text: str | None = None) -> Path:
    """A copy of the demo config whose database and output live in `folder`."""
    text = text if text is not None else DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "xxgk.db"')
    text = text.replace('output = "../output"', 'output = "output"')
    path = folder / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def demo_config(tmp_path, demo_server):
    """The demo office's config, its hosts mapped to the running demo server."""
    from pipeline import config

    return config.load(write_config(tmp_path)).with_resolve(demo_server.address)


CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright (no browser download: Debian's chromium)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def synced_office(tmp_path_factory, demo_server) -> Path:
    """A folder holding the demo office after one nightly job (xxgk.toml, xxgk.db, output/)."""
    from pipeline import config
    from pipeline.nightly.job import run_sync
    from pipeline.store import Store

    folder = tmp_path_factory.mktemp("synced-office")
    cfg = config.load(write_config(folder)).with_resolve(demo_server.address)
    with Store(cfg.database) as store:
        run_sync(cfg, store)
    return folder


@pytest.fixture
def demo_office(tmp_path, synced_office):
    """A private copy of the synced demo office's config and store (not its outputs: a build
    writes them afresh); returns its loaded config (no fetching needed)."""
    from pipeline import config

    folder = tmp_path / "office"
    shutil.copytree(synced_office, folder, ignore=shutil.ignore_patterns("output", "*.lock"))
    return config.load(folder / "xxgk.toml")


class LoopbackSite:
    """A tiny programmable web on 127.0.0.1 for collector tests: routes by "host/path".

    A route is (status, headers, body) or a function(handler) that writes the answer itself;
    `hits` counts requests by "host/path", `bodies` keeps POST bodies.
    """

    def __init__(self) -> None:
        import threading
        from collections import Counter
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self
        self.routes: dict = {}
        self.hits: Counter = Counter()
        self.bodies: list[tuple[str, bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _route(self) -> None:
                host = self.headers.get("Host", "").split(":")[0]
                key = host + self.path.split("?")[0]
                site.hits[key] += 1
                if self.command == "POST":
                    site.bodies.append((key, self.rfile.read(int(self.headers.get("Content-Length") or 0))))
                route = site.routes.get(key)
                if route is None:
                    route = (404, {"Content-Type": "text/plain"}, b"not found")
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _route

        class Quiet(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # clients that hang up mid-answer are part of the tests

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def page(self, key: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **headers) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[key] = (200, {"Content-Type": content_type, **headers}, data)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def loopback_site():
    """A LoopbackSite: point a config's hosts at it with Config.with_resolve(site.address)."""
    site = LoopbackSite()
    yield site
    site.close()
