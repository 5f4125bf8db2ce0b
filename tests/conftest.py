"""Shared fixtures: the demo office's web world served on 127.0.0.1, offices built from it (unsynced,
served, synced, with a staff account), Chromium, a programmable loopback web. Session-scoped ones
are built once and only read; tests that change an office get a private copy. Plain builders
(configs, the CLI, store rows, publish inputs) are in builders.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .builders import PASSWORD, OfficeFiles, invoke, served_config, write_config


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


@pytest.fixture
def demo_config(tmp_path, demo_server):
    """The demo office's config, its hosts mapped to the running demo server."""
    from pipeline import config

    return config.load(write_config(tmp_path)).with_resolve(demo_server.address)


CHROMIUM = "/usr/bin/chromium"  # Debian's package; make test installs it (scripts/setup-system)
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
def first_sync(tmp_path_factory, demo_server):
    """The demo office's first nightly job, once per session, through the real CLI: (its folder,
    the `xxgk sync` click Result)."""
    folder = tmp_path_factory.mktemp("synced-office")
    result = invoke(served_config(folder, demo_server.address), "sync")
    write_config(folder)  # the plain demo config again: copies fetch nothing unless they ask (synced_copy)
    return folder, result


@pytest.fixture(scope="session")
def synced_office(first_sync) -> Path:
    """A folder holding the demo office after one nightly job (xxgk.toml, xxgk.db, output/).
    Shared by the whole session: only read it (demo_office and synced_copy are private copies)."""
    folder, result = first_sync
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def synced_copy(tmp_path, synced_office, demo_server) -> OfficeFiles:
    """A private copy of synced_office, outputs included, its config fetching from the demo server."""
    folder = tmp_path / "synced"
    shutil.copytree(synced_office, folder, ignore=shutil.ignore_patterns("*.lock"))
    return OfficeFiles(served_config(folder, demo_server.address), folder)


@pytest.fixture
def demo_office(tmp_path, synced_office):
    """A private copy of the synced demo office's config and store (not its outputs: a build
    writes them afresh); returns its loaded config (no fetching needed)."""
    from pipeline import config

    folder = tmp_path / "office"
    shutil.copytree(synced_office, folder, ignore=shutil.ignore_patterns("output", "*.lock"))
    return config.load(folder / "xxgk.toml")


@pytest.fixture
def unsynced_office(tmp_path) -> OfficeFiles:
    """The demo office's config in tmp_path, its store empty (nothing fetched; registers typed in)."""
    return OfficeFiles(str(write_config(tmp_path)), tmp_path)


@pytest.fixture
def empty_store(unsynced_office):
    """unsynced_office's loaded config and its store, open and empty (the test fills it): (config, store)."""
    from pipeline.store import Store

    config = unsynced_office.load()
    with Store(config.database) as store:
        yield config, store


@pytest.fixture
def served_office(tmp_path, demo_world):
    """A private copy of the demo web world (the test may change it), served on 127.0.0.1, with the
    demo config pointing at it and its open store: yields (world folder, server, config, store)."""
    from demo.server import serve
    from pipeline import config
    from pipeline.store import Store

    world = tmp_path / "world"
    shutil.copytree(demo_world, world)
    with serve(world) as server:
        cfg = config.load(write_config(tmp_path)).with_resolve(server.address)
        with Store(cfg.database) as store:
            yield world, server, cfg, store


@pytest.fixture
def review_office(demo_office):
    """demo_office with the staff account "wang" (password builders.PASSWORD) of the review page."""
    from pipeline.review import auth
    from pipeline.store import Store

    with Store(demo_office.database) as store:
        auth.add_user(store, "wang", PASSWORD)
    return demo_office


@pytest.fixture
def review_client(review_office):
    """A Flask test client of the review page, not logged in."""
    from pipeline.review import create_app

    return create_app(review_office).test_client()


@pytest.fixture
def review_site(review_office):
    """The review page running on 127.0.0.1: its base URL."""
    from pipeline.review import running

    with running(review_office) as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh Chromium page (zh-CN) in its own context."""
    context = browser.new_context(locale="zh-CN")
    yield context.new_page()
    context.close()


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
