"""pipeline.fetch.client against real HTTP servers on 127.0.0.1, with a fake clock for every wait.

Host names (site.test, other.test, …) are mapped to the loopback server with
FetchSettings.resolve, so allow-list and Host-header behaviour is real.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.errors import (
    DecodeError,
    FetchError,
    HostNotAllowed,
    HttpStatusError,
    RobotsDisallowed,
    TooLarge,
    TransportError,
    failure_kind,
)
from pipeline.nightly.health import FAILURE_WORDS
from pipeline.fetch.client import Fetcher, FetchSettings, Response, decode_body

FIXTURES = Path(__file__).parent / "fixtures" / "gov_list"  # the corpus list page (see its PROVENANCE.md)
LYING_META = FIXTURES / "NONGOV_rtfund_xxpl_list_declared_gb2312_actually_utf8.html"
UA = "xxgk-test/1.0 (+mailto:test@example.invalid)"
HOSTS = ("site.test", "other.test", "img.cdn.test")


# ---------------------------------------------------------------- harness

Route = Callable[[BaseHTTPRequestHandler], None]


class App:
    """Routes by (host, path) or path; records every request it sees."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []  # (Host header, path, headers)
        self.lock = threading.Lock()
        self.port = 0

    def route(self, path: str) -> Callable[[Route], Route]:
        def register(fn: Route) -> Route:
            self.routes[path] = fn
            return fn

        return register

    def url(self, path: str, host: str = "site.test") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.seen if urlsplit(p).path == path)


def reply(h: BaseHTTPRequestHandler, status: int = 200, body: bytes = b"", **headers: str) -> None:
    h.send_response(status)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        app: App = self.server.app  # type: ignore[attr-defined]
        host = (self.headers.get("Host") or "").split(":")[0]
        path = urlsplit(self.path).path
        with app.lock:
            app.seen.append((self.headers.get("Host", ""), self.path, dict(self.headers)))
        route = app.routes.get(f"{host}{path}") or app.routes.get(path)
        try:
            if route is None:
                reply(self, 404, b"not found")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (size cap, timeout): expected

    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # The client hangs up on bodies it does not want (errors, size cap): expected.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def app() -> Iterator[App]:
    app = App()
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.app = app  # type: ignore[attr-defined]
    app.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()


class FakeClock:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


class DictCache:
    def __init__(self) -> None:
        self.data: dict[str, tuple[str | None, str | None]] = {}
        self.recorded: list[tuple[str, int, bool]] = []

    def validators(self, url: str) -> tuple[str | None, str | None]:
        return self.data.get(url, (None, None))

    def record(self, url: str, response: Response) -> None:
        self.recorded.append((url, response.status, response.not_modified))
        self.data[url] = (response.etag, response.last_modified)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make(app: App, clock: FakeClock) -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def make(allowed: tuple[str, ...] = ("site.test",), cache: DictCache | None = None, **settings: object) -> Fetcher:
        base: dict[str, object] = dict(
            user_agent=UA, rate_per_host=0, retries=2, backoff=1.0, timeout=5.0,
            resolve={h: f"127.0.0.1:{app.port}" for h in HOSTS},
        )
        base.update(settings)
        fetcher = Fetcher(FetchSettings(**base), allowed, cache=cache, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def serve(app: App, path: str, body: bytes, content_type: str = "text/html") -> str:
    app.routes[path] = lambda h: reply(h, 200, body, Content_Type=content_type)
    return app.url(path)


# ---------------------------------------------------------------- success and decoding

GB_TEXT = "政府信息公开工作年度报告：兴华街道办事处主动公开政府信息一百五十六条"
GB18030_ONLY = "䶮𠮷€"  # not in GBK: only a GB18030 decoder gets these right

DECODING_CASES = {
    "utf8-header": ("text/html; charset=utf-8", f"<p>{GB_TEXT}</p>".encode(), "utf-8", GB_TEXT),
    "gbk-header": ("text/html; charset=GBK", f"<p>{GB_TEXT}</p>".encode("gbk"), "gb18030", GB_TEXT),
    "gb2312-meta-only": (
        "text/html",
        f'<html><head><meta charset="gb2312"></head><body>{GB_TEXT}</body>'.encode("gbk"),
        "gb18030", GB_TEXT,
    ),
    "http-equiv-meta": (
        "text/html",
        ('<meta http-equiv="Content-Type" content="text/html; charset=GB_2312-80">' + GB_TEXT).encode("gbk"),
        "gb18030", GB_TEXT,
    ),
    "xml-declaration": (
        "application/xml",
        f'<?xml version="1.0" encoding="x-gbk"?><rss><title>{GB_TEXT}</title></rss>'.encode("gbk"),
        "gb18030", GB_TEXT,
    ),
    "gb18030-only-chars-labelled-gb2312": (
        "text/html; charset=gb2312", f"<p>刘{GB18030_ONLY}</p>".encode("gb18030"), "gb18030", GB18030_ONLY,
    ),
    "header-says-utf8-bytes-gbk": (
        "text/html; charset=utf-8",
        f'<meta charset="gbk"><p>{GB_TEXT}</p>'.encode("gbk"), "gb18030", GB_TEXT,
    ),
    # GB18030 decodes these UTF-8 bytes without error, as 涓枃: valid UTF-8 must win.
    "short-utf8-declared-gb2312": ("text/html", '<meta charset=gb2312><p>中文</p>'.encode(), "utf-8", "<p>中文</p>"),
    "bom-utf8": ("text/html", "\ufeff<p>公开</p>".encode(), "utf-8", "<p>公开</p>"),
    "detected-gbk": ("text/html", f"<p>{GB_TEXT}</p>".encode("gbk"), "gb18030", GB_TEXT),
    "lying-meta-corpus": (
        "text/html", LYING_META.read_bytes(), "utf-8",
        "融通关于旗下部分开放式基金新增华瑞保险销售有限公司为销售机构并参加其费率优惠活动的公告",
    ),
}


@pytest.mark.parametrize("case", DECODING_CASES)
def test_200_is_decoded(app: App, make: Callable[..., Fetcher], case: str) -> None:
    content_type, body, encoding, expected = DECODING_CASES[case]
    url = serve(app, "/page", body, content_type)
    response = make().get(url)
    assert (response.status, response.not_modified, response.url) == (200, False, url)
    assert response.content == body
    assert response.encoding == encoding
    assert expected in response.text()
    if case == "bom-utf8":
        assert response.text() == expected


def test_undecodable_bytes_raise_decode_error(app: App, make: Callable[..., Fetcher]) -> None:
    url = serve(app, "/junk", bytes(range(256)) * 8, "text/html; charset=utf-8")
    response = make().get(url)  # fetching succeeds; only asking for text fails
    with pytest.raises(DecodeError) as info:
        response.text()
    assert info.value.url == url
    assert "could not decode" in str(info.value)
    with pytest.raises(DecodeError):
        decode_body(b"\x81\x30" * 100, "text/html")  # a free detector calls this mac-greek


def test_gzip_is_decoded_and_a_fetcher_works_again_after_close(app: App, make: Callable[..., Fetcher]) -> None:
    import gzip

    page = f"<p>{GB_TEXT}</p>".encode()
    app.routes["/z"] = lambda h: reply(h, 200, gzip.compress(page), Content_Encoding="gzip",
                                       Content_Type="text/html; charset=utf-8")
    fetcher = make()
    assert fetcher.get(app.url("/z")).content == page
    fetcher.close()  # each thread's transport handle is closed; the next request sets up a new one
    assert fetcher.get(app.url("/z")).content == page
    assert "gzip" in app.seen[-1][2].get("Accept-Encoding", "")


# ---------------------------------------------------------------- conditional requests


def test_etag_round_trip_gives_304(app: App, make: Callable[..., Fetcher]) -> None:
    @app.route("/etag")
    def _(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            reply(h, 304, ETag='"v1"')
        else:
            reply(h, 200, b"<p>v1</p>", ETag='"v1"', Content_Type="text/html")

    cache = DictCache()
    fetcher = make(cache=cache)
    url = app.url("/etag")
    first = fetcher.get(url)
    second = fetcher.get(url)
    assert (first.status, first.etag, first.content) == (200, '"v1"', b"<p>v1</p>")
    assert (second.status, second.not_modified, second.content, second.etag) == (304, True, b"", '"v1"')
    assert second.text() == ""
    assert cache.recorded == [(url, 200, False), (url, 304, True)]
    assert fetcher.stats["not_modified"] == 1
    # conditional=False asks for the whole body again
    assert fetcher.get(url, conditional=False).status == 200


def test_last_modified_round_trip_gives_304(app: App, make: Callable[..., Fetcher]) -> None:
    stamp = "Wed, 21 Oct 2020 07:28:00 GMT"

    @app.route("/lm")
    def _(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-Modified-Since") == stamp:
            reply(h, 304)
        else:
            reply(h, 200, b"body", Last_Modified=stamp)

    cache = DictCache()
    fetcher = make(cache=cache)
    url = app.url("/lm")
    assert fetcher.get(url).last_modified == stamp
    second = fetcher.get(url)
    assert second.not_modified and second.last_modified == stamp  # kept from the cache
    assert [r[1] for r in cache.recorded] == [200, 304]


# ---------------------------------------------------------------- retries


def test_429_retry_after_seconds_is_obeyed(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    calls = []

    @app.route("/busy")
    def _(h: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        if len(calls) == 1:
            reply(h, 429, b"slow down", Retry_After="2")
        else:
            reply(h, 200, b"ok")

    fetcher = make()
    assert fetcher.get(app.url("/busy")).content == b"ok"
    assert clock.sleeps == [2.0]
    assert fetcher.stats["retries"] == 1


def test_retry_after_http_date_is_capped(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    calls = []

    @app.route("/maint")
    def _(h: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        reply(h, 503, Retry_After=later) if len(calls) == 1 else reply(h, 200, b"ok")

    make(max_retry_after=30.0).get(app.url("/maint"))
    assert clock.sleeps == [30.0]


def test_500_twice_then_200_backs_off(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    calls = []

    @app.route("/flaky")
    def _(h: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        reply(h, 500) if len(calls) <= 2 else reply(h, 200, b"ok")

    assert make(retries=3, backoff=1.0).get(app.url("/flaky")).content == b"ok"
    assert len(clock.sleeps) == 2
    assert 1.0 <= clock.sleeps[0] <= 2.0  # backoff * 2**0 + jitter in [0, backoff]
    assert 2.0 <= clock.sleeps[1] <= 3.0  # backoff * 2**1 + jitter


def test_500_forever_gives_http_status_error(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    app.routes["/down"] = lambda h: reply(h, 500)
    fetcher = make(retries=2)
    with pytest.raises(HttpStatusError) as info:
        fetcher.get(app.url("/down"))
    assert (info.value.status, info.value.attempts) == (500, 3)
    assert str(info.value) == f"{app.url('/down')}: HTTP 500 after 3 attempts"
    assert app.hits("/down") == 3 and len(clock.sleeps) == 2
    assert fetcher.stats["errors"] == 1


@pytest.mark.parametrize("status", [404, 410, 403])
def test_4xx_is_not_retried(app: App, make: Callable[..., Fetcher], clock: FakeClock, status: int) -> None:
    app.routes["/gone"] = lambda h: reply(h, status)
    with pytest.raises(HttpStatusError) as info:
        make().get(app.url("/gone"))
    assert info.value.status == status and info.value.attempts == 1
    assert str(info.value).endswith(f": HTTP {status}")
    assert app.hits("/gone") == 1 and clock.sleeps == []


def test_slow_response_times_out(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        time.sleep(2.5)  # the client's silence limit is whole seconds: 0.2 s rounds up to 1 s
        reply(h, 200, b"late")

    app.routes["/slow"] = slow
    with pytest.raises(TransportError) as info:
        make(timeout=0.2, retries=1).get(app.url("/slow"))
    assert "timed out" in str(info.value) and "after 2 attempts" in str(info.value)
    assert len(clock.sleeps) == 1


def test_truncated_body_is_a_transport_error(app: App, make: Callable[..., Fetcher]) -> None:
    def short(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"only this much")
        h.close_connection = True

    app.routes["/short"] = short
    with pytest.raises(TransportError):
        make(retries=0).get(app.url("/short"))


def test_refused_connection_is_a_transport_error(make: Callable[..., Fetcher], clock: FakeClock) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fetcher = make(resolve={"site.test": f"127.0.0.1:{port}"}, retries=1)
    with pytest.raises(TransportError) as info:
        fetcher.get(f"http://site.test:{port}/")
    assert "could not connect" in str(info.value)
    assert len(clock.sleeps) == 2  # one retry for robots.txt (then "allow"), one for the page


def test_messages_and_logs_hide_secrets(
    app: App, make: Callable[..., Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    app.routes["/api"] = lambda h: reply(h, 500)
    url = app.url("/api?access_token=SEKRIT1&appid=SEKRIT2&secret=SEKRIT3&token=SEKRIT4&page=2")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(HttpStatusError) as info:
        make(retries=1).get(url)
    assert info.value.url == url  # callers get the real URL back
    assert "page=2" in str(info.value)
    request_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("GET ")]
    assert any("/api?" in line for line in request_lines)  # each request line is logged, redacted
    shown = str(info.value) + "\n".join(r.getMessage() for r in caplog.records)
    assert "SEKRIT" not in shown


# ---------------------------------------------------------------- TLS
# An HTTPS server on 127.0.0.1 with a certificate from a throwaway CA (trustme): the transport
# must check certificates against the trust store Python's ssl module uses (SSL_CERT_FILE
# honoured), never accept an unknown CA, and check the real host name through `resolve`.


@pytest.fixture
def tls_site(app: App, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    import ssl

    import trustme

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("secure.test").configure_cert(context)
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.app = app  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    yield server.server_address[1], ca_file
    server.shutdown()
    server.server_close()


def test_https_with_a_trusted_certificate(app: App, make: Callable[..., Fetcher], tls_site: tuple[int, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    port, ca_file = tls_site
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    app.routes["/doc"] = lambda h: reply(h, 200, "公开".encode(), Content_Type="text/html; charset=utf-8")
    fetcher = make(allowed=("secure.test",), resolve={"secure.test": f"127.0.0.1:{port}"})
    response = fetcher.get("https://secure.test/doc")
    assert (response.status, response.text(), response.url) == (200, "公开", "https://secure.test/doc")
    assert ("secure.test", "/doc") in [(host, path) for host, path, _ in app.seen]


def test_https_with_an_unknown_ca_fails(app: App, make: Callable[..., Fetcher], tls_site: tuple[int, Path],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    port, _ = tls_site  # the system's trust store does not know the throwaway CA
    app.routes["/doc"] = lambda h: reply(h, 200, b"never read")
    fetcher = make(allowed=("secure.test",), resolve={"secure.test": f"127.0.0.1:{port}"}, retries=0)
    with pytest.raises(TransportError) as info:
        fetcher.get("https://secure.test/doc", obey_robots=False)
    assert "TLS failed" in str(info.value)
    assert app.hits("/doc") == 0


def test_https_checks_the_real_host_name(app: App, make: Callable[..., Fetcher], tls_site: tuple[int, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    port, ca_file = tls_site
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    app.routes["/doc"] = lambda h: reply(h, 200, b"never read")
    fetcher = make(allowed=("other.test",), resolve={"other.test": f"127.0.0.1:{port}"}, retries=0)
    with pytest.raises(TransportError) as info:  # the certificate names secure.test, not other.test
        fetcher.get("https://other.test/doc", obey_robots=False)
    assert "TLS failed" in str(info.value)
    assert app.hits("/doc") == 0


# ---------------------------------------------------------------- allow-list and redirects


def test_redirect_to_host_not_allowed(app: App, make: Callable[..., Fetcher]) -> None:
    app.routes["/go"] = lambda h: reply(h, 302, Location=app.url("/x", host="other.test"))
    app.routes["other.test/x"] = lambda h: reply(h, 200, b"should not be fetched")
    with pytest.raises(HostNotAllowed) as info:
        make().get(app.url("/go"))
    assert "other.test" in str(info.value)
    assert not any(host.startswith("other.test") for host, _, _ in app.seen)


def test_host_not_allowed_is_never_contacted(app: App, make: Callable[..., Fetcher]) -> None:
    with pytest.raises(HostNotAllowed):
        make().get(app.url("/", host="other.test"))
    assert app.seen == []


def test_redirects_within_allow_list_are_followed(app: App, make: Callable[..., Fetcher]) -> None:
    app.routes["/old"] = lambda h: reply(h, 301, Location="/new")
    app.routes["/new"] = lambda h: reply(h, 302, Location=app.url("/img", host="IMG.cdn.test"))
    app.routes["img.cdn.test/img"] = lambda h: reply(h, 200, b"here")
    response = make(allowed=("Site.Test", "*.cdn.test")).get(app.url("/old"))
    assert response.content == b"here"
    assert response.url == app.url("/img", host="img.cdn.test")


def test_subdomain_wildcard_does_not_allow_other_hosts(make: Callable[..., Fetcher], app: App) -> None:
    fetcher = make(allowed=("*.cdn.test",))
    with pytest.raises(HostNotAllowed):
        fetcher.get(app.url("/", host="site.test"))


def test_redirect_loop(app: App, make: Callable[..., Fetcher]) -> None:
    app.routes["/a"] = lambda h: reply(h, 302, Location="/b")
    app.routes["/b"] = lambda h: reply(h, 302, Location="/a")
    with pytest.raises(TransportError) as info:
        make().get(app.url("/a"))
    assert "redirect loop" in str(info.value)
    # told as the site's redirects, not as a broken connection (an operator would check the network)
    assert failure_kind(info.value) == "redirects" and "跳转" in FAILURE_WORDS["redirects"]


def test_too_many_redirects(app: App, make: Callable[..., Fetcher]) -> None:
    for i in range(10):
        app.routes[f"/r{i}"] = functools.partial(reply, status=302, Location=f"/r{i + 1}")
    with pytest.raises(TransportError) as info:
        make(max_redirects=3).get(app.url("/r0"))
    assert "more than 3 redirects" in str(info.value) and failure_kind(info.value) == "redirects"
    assert app.hits("/r4") == 0


# ---------------------------------------------------------------- robots.txt


def test_robots_disallow_and_override(
    app: App, make: Callable[..., Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    app.routes["/robots.txt"] = lambda h: reply(
        h, 200, b"\xef\xbb\xbfUser-agent: xxgk-test\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n"
    )
    app.routes["/private/a"] = lambda h: reply(h, 200, b"secret page")
    app.routes["/public"] = lambda h: reply(h, 200, b"ok")
    fetcher = make()
    assert fetcher.get(app.url("/public")).content == b"ok"
    with pytest.raises(RobotsDisallowed):
        fetcher.get(app.url("/private/a"))
    assert app.hits("/private/a") == 0
    assert app.hits("/robots.txt") == 1  # once per host

    caplog.set_level(logging.WARNING)
    assert fetcher.get(app.url("/private/a"), obey_robots=False).content == b"secret page"
    fetcher.get(app.url("/private/a"), obey_robots=False)
    warnings = [r for r in caplog.records if r.name == "pipeline.fetch.client" and "robots.txt" in r.getMessage()]
    assert len(warnings) == 1  # once per host
    assert make(obey_robots=False).get(app.url("/private/a")).status == 200


def test_robots_404_allows_and_5xx_allows_with_warning(
    app: App, make: Callable[..., Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    app.routes["/page"] = lambda h: reply(h, 200, b"ok")
    caplog.set_level(logging.WARNING)
    assert make().get(app.url("/page")).status == 200  # no /robots.txt route: 404
    assert not caplog.records
    app.routes["/robots.txt"] = lambda h: reply(h, 503)
    assert make(retries=0).get(app.url("/page")).status == 200
    assert any("robots.txt" in r.getMessage() for r in caplog.records)


class DictRobots:
    """A RobotsCache in memory: what a run keeps, and what it is offered as fresh."""

    def __init__(self, fresh: dict[str, str] | None = None) -> None:
        self.offered = dict(fresh or {})
        self.kept: dict[str, str] = {}

    def fresh(self, url: str) -> str | None:
        return self.offered.get(url)

    def keep(self, url: str, body: str) -> None:
        self.kept[url] = body


def test_robots_txt_is_kept_when_fetched_or_absent_never_when_the_server_fails(
    app: App, clock: FakeClock
) -> None:
    """A fresh kept copy is used without a request; a 200 is kept as its body, a 404 as "" (no rules);
    a 503 is not kept, so the next run asks again."""
    app.routes["/page"] = lambda h: reply(h, 200, b"ok")
    app.routes["/private"] = lambda h: reply(h, 200, b"secret")
    url = app.url("/robots.txt")

    def fetcher(robots: DictRobots) -> Fetcher:
        settings = FetchSettings(user_agent=UA, rate_per_host=0, retries=0, resolve={"site.test": f"127.0.0.1:{app.port}"})
        return Fetcher(settings, ("site.test",), clock=clock, sleep=clock.sleep, robots=robots)

    offered = DictRobots({url: "User-agent: *\nDisallow: /private\n"})
    with fetcher(offered) as f:
        assert f.get(app.url("/page")).status == 200
        with pytest.raises(RobotsDisallowed):
            f.get(app.url("/private"))
    assert app.hits("/robots.txt") == 0 and offered.kept == {}

    for status, body, kept in ((200, b"User-agent: *\nDisallow: /x\n", "User-agent: *\nDisallow: /x\n"),
                               (404, b"not here", ""), (503, b"busy", None)):
        app.routes["/robots.txt"] = lambda h, status=status, body=body: reply(h, status, body)
        robots = DictRobots()
        with fetcher(robots) as f:
            assert f.get(app.url("/private")).status == 200
        assert robots.kept == ({} if kept is None else {url: kept}), status


def test_robots_crawl_delay_slows_the_host(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    app.routes["/robots.txt"] = lambda h: reply(h, 200, b"User-agent: *\nCrawl-delay: 5\n")
    app.routes["/p"] = lambda h: reply(h, 200, b"ok")
    fetcher = make(rate_per_host=1.0)
    for _ in range(3):
        fetcher.get(app.url("/p"))
    # robots.txt itself went at the default 1/s, then 5 s between page requests
    assert clock.sleeps == [1.0, 5.0, 5.0]


# ---------------------------------------------------------------- size cap


def _stream_50mb(with_length: bool) -> Route:
    chunk = b"x" * 65536
    total = 50 * 1024 * 1024

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        if with_length:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        for _ in range(total // len(chunk)):
            h.wfile.write(chunk)

    return handler


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "no-content-length"])
def test_50mb_body_is_too_large_and_memory_stays_low(
    app: App, make: Callable[..., Fetcher], with_length: bool
) -> None:
    app.routes["/big"] = _stream_50mb(with_length)
    fetcher = make(max_bytes=1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge) as info:
            fetcher.get(app.url("/big"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    assert "cap" in str(info.value)
    if with_length:
        assert "Content-Length" in str(info.value)


def test_a_big_error_page_is_a_status_error_not_too_large(app: App, make: Callable[..., Fetcher]) -> None:
    # An error page is read only so far, then the connection is dropped: its status is what counts.
    app.routes["/broken"] = lambda h: reply(h, 404, b"x" * (2 * 1024 * 1024))
    app.routes["/fine"] = lambda h: reply(h, 200, b"ok")
    fetcher = make(max_bytes=1024 * 1024)
    with pytest.raises(HttpStatusError) as info:
        fetcher.get(app.url("/broken"))
    assert info.value.status == 404
    assert fetcher.get(app.url("/fine")).content == b"ok"  # the next request gets a new connection


def test_interim_answers_and_folded_headers(app: App, make: Callable[..., Fetcher]) -> None:
    def early_hints(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                      b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Note: first\r\n  second\r\n"
                      b"Content-Type: text/plain\r\n\r\nok")

    app.routes["/hints"] = early_hints
    response = make().get(app.url("/hints"))
    assert (response.status, response.content) == (200, b"ok")
    assert response.headers["x-note"] == "first second"  # the folded line joins its header
    assert "link" not in response.headers  # the 103's headers are not the answer's


# ---------------------------------------------------------------- politeness


def test_rate_limit_per_host(app: App, make: Callable[..., Fetcher], clock: FakeClock) -> None:
    app.routes["/p"] = lambda h: reply(h, 200, b"ok")
    fetcher = make(rate_per_host=1.0, obey_robots=False)
    for _ in range(5):
        fetcher.get(app.url("/p"))
    assert sum(clock.sleeps) == pytest.approx(4.0)
    before = len(clock.sleeps)
    two_hosts = make(allowed=("site.test", "other.test"), rate_per_host=1.0, obey_robots=False)
    two_hosts.get(app.url("/p", host="other.test"))
    two_hosts.get(app.url("/p", host="site.test"))
    assert len(clock.sleeps) == before  # another host does not wait for this one


def test_user_agent_and_host_header(app: App, make: Callable[..., Fetcher]) -> None:
    app.routes["/p"] = lambda h: reply(h, 200, b"ok")
    make().get(app.url("/p"))
    assert [p for _, p, _ in app.seen] == ["/robots.txt", "/p"]
    for host, _, headers in app.seen:
        assert host == f"site.test:{app.port}"  # resolve keeps the Host header
        assert headers["User-Agent"] == UA


def test_concurrency_limits(app: App, make: Callable[..., Fetcher]) -> None:
    in_flight: Counter[str] = Counter()  # per Host header
    peak: Counter[str] = Counter()  # per Host header, and "total"
    lock = threading.Lock()

    def tracked(h: BaseHTTPRequestHandler) -> None:
        host = h.headers["Host"]
        with lock:
            in_flight[host] += 1
            peak[host] = max(peak[host], in_flight[host])
            peak["total"] = max(peak["total"], sum(in_flight.values()))
        time.sleep(0.05)
        with lock:
            in_flight[host] -= 1
        reply(h, 200, b"ok")

    app.routes["/c"] = tracked
    fetcher = make(
        allowed=("site.test", "other.test", "img.cdn.test"), concurrency=2, per_host_concurrency=1,
        obey_robots=False,
    )
    urls = [app.url(f"/c?{i}", host=HOSTS[i % 3]) for i in range(9)]
    results = list(fetcher.fetch_many(urls))
    assert len(results) == 9 and all(isinstance(r, Response) for _, r in results)
    assert peak.pop("total") <= 2
    assert set(peak.values()) == {1}


def test_fetch_many_returns_one_result_per_url(app: App, make: Callable[..., Fetcher]) -> None:
    app.routes["/robots.txt"] = lambda h: reply(h, 200, b"User-agent: *\nDisallow: /private\n")
    app.routes["/ok"] = lambda h: reply(h, 200, b"ok")
    urls = [
        app.url("/ok"),
        app.url("/missing"),
        app.url("/ok", host="other.test"),
        app.url("/private"),
        "ftp://site.test/file",
    ]
    results = dict(make().fetch_many(urls))
    assert set(results) == set(urls)
    assert isinstance(results[urls[0]], Response)
    missing = results[urls[1]]
    assert isinstance(missing, HttpStatusError) and missing.status == 404
    assert isinstance(results[urls[2]], HostNotAllowed)
    assert isinstance(results[urls[3]], RobotsDisallowed)
    assert type(results[urls[4]]) is FetchError


def test_fetch_many_uses_the_cache_only_in_the_calling_thread(app: App, make: Callable[..., Fetcher]) -> None:
    @app.route("/e")
    def _(h: BaseHTTPRequestHandler) -> None:
        reply(h, 304, ETag='"x"') if h.headers.get("If-None-Match") == '"x"' else reply(h, 200, b"e", ETag='"x"')

    threads: set[int] = set()

    class ThreadCheckingCache(DictCache):
        def validators(self, url: str) -> tuple[str | None, str | None]:
            threads.add(threading.get_ident())
            return super().validators(url)

        def record(self, url: str, response: Response) -> None:
            threads.add(threading.get_ident())
            super().record(url, response)

    cache = ThreadCheckingCache()
    fetcher = make(cache=cache, concurrency=3)
    urls = [app.url(f"/e?{i}") for i in range(6)]
    assert all(r.status == 200 for _, r in fetcher.fetch_many(urls))  # type: ignore[union-attr]
    assert all(r.not_modified for _, r in fetcher.fetch_many(urls))  # type: ignore[union-attr]
    assert threads == {threading.get_ident()}
    assert len(cache.recorded) == 12
