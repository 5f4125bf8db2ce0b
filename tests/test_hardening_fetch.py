"""Issue 18, point 3: no request, and no source, can hold a run for long. A small socket server on
127.0.0.1 trickles its answer a few bytes at a time (fast enough to pass the "nothing sent for
`timeout` seconds" check); the request's overall deadline and the source's time budget end it.
No timing asserts: the server counts what it sent, and the body could not have been finished."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline.config import FetchSettings
from pipeline.errors import HttpStatusError, TransportError
from pipeline.fetch.client import Fetcher

BODY_LENGTH = 100_000  # at TRICKLE bytes per TICK this would take hours


class Trickler:
    """Answers every connection with headers promising BODY_LENGTH bytes, then 2 bytes every 0.2 s."""

    TICK, TRICKLE = 0.2, b"ab"

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.sent: list[int] = []  # body bytes sent on each connection before the client hung up
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        sent = 0
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Content-Length: %d\r\n\r\n" % BODY_LENGTH)
                while not self.stop.is_set() and sent < BODY_LENGTH:
                    conn.sendall(self.TRICKLE)
                    sent += len(self.TRICKLE)
                    time.sleep(self.TICK)
            except OSError:
                pass  # the client gave up: what this test wants
        self.sent.append(sent)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def trickler():
    server = Trickler()
    yield server
    server.close()


def settings(trickler: Trickler, **overrides) -> FetchSettings:
    base = dict(user_agent="xxgk-test", rate_per_host=0, timeout=2.0, retries=3, backoff=0.01, deadline=1.5,
                obey_robots=False, resolve={"slow.test": f"127.0.0.1:{trickler.port}"})
    return FetchSettings(**{**base, **overrides})


def test_a_trickling_server_is_given_up_at_the_deadline(trickler):
    with Fetcher(settings(trickler), ["slow.test"]) as fetcher, pytest.raises(TransportError) as caught:
        fetcher.get("http://slow.test/page.html")
    assert "deadline" in str(caught.value)
    assert trickler.connections == 1  # the deadline covers the retries: none were made
    for _ in range(50):  # the server notices the hang-up at its next write
        if trickler.sent:
            break
        time.sleep(0.1)
    assert trickler.sent and trickler.sent[0] < BODY_LENGTH


def test_the_source_budget_ends_every_later_request_at_once(trickler):
    with Fetcher(settings(trickler, deadline=30.0), ["slow.test"]) as fetcher, fetcher.budget(1.0):
        results = list(fetcher.fetch_many([f"http://slow.test/{n}.html" for n in range(6)]))
    errors = [r for _, r in results if isinstance(r, TransportError)]
    assert len(errors) == 6 and all("budget" in str(e) for e in errors), errors
    assert trickler.connections <= 4  # the ones in flight when the budget ran out; the rest never connected


def test_retry_after_is_capped_and_stalls_only_its_host(loopback_site):
    loopback_site.routes["busy.test/a"] = (503, {"Retry-After": "99999"}, b"busy")
    loopback_site.page("calm.test/b", "<p>fine</p>")
    slept: list[float] = []
    fetch_settings = FetchSettings(user_agent="xxgk-test", rate_per_host=0, retries=3, deadline=60.0,
                                   obey_robots=False, resolve={"busy.test": loopback_site.address,
                                                                "calm.test": loopback_site.address})
    with Fetcher(fetch_settings, ["busy.test", "calm.test"], sleep=slept.append) as fetcher:
        with pytest.raises(HttpStatusError) as caught:
            fetcher.get("http://busy.test/a")
        assert fetcher.get("http://calm.test/b").content == b"<p>fine</p>"
    assert caught.value.status == 503
    assert loopback_site.hits["busy.test/a"] == 1  # a wait past the deadline is not waited: given up at once
    assert all(s < 60 for s in slept), slept


def test_deadline_and_budget_are_configurable_and_checked(tmp_path: Path):
    base = ('[office]\nname = "x"\norg_code = "X"\nsite_url = "https://x.test/"\n'
            '[sources.a]\nkind = "feed"\nurl = "http://a.test/f.xml"\n')
    path = tmp_path / "xxgk.toml"
    path.write_text(base + "[fetch]\ndeadline = 30\nsource_budget = 600\n", encoding="utf-8")
    loaded = config_mod.load(path)
    assert loaded.fetch.deadline == 30 and loaded.fetch.source_budget == 600
    for bad in ("deadline = 0", "source_budget = -5"):
        path.write_text(base + f"[fetch]\n{bad}\n", encoding="utf-8")
        with pytest.raises(config_mod.ConfigError):
            config_mod.load(path)


def test_broken_gzip_is_not_retried(loopback_site):
    loopback_site.routes["z.test/a"] = (200, {"Content-Encoding": "gzip", "Content-Type": "text/html"},
                                        b"\x1f\x8b\x08\x00not gzip at all" * 20)
    fetch_settings = FetchSettings(user_agent="xxgk-test", rate_per_host=0, retries=3, obey_robots=False,
                                   resolve={"z.test": loopback_site.address})
    with Fetcher(fetch_settings, ["z.test"], sleep=lambda s: None) as fetcher, pytest.raises(TransportError) as caught:
        fetcher.get("http://z.test/a")
    assert "gzip" in str(caught.value)
    assert loopback_site.hits["z.test/a"] == 1


@pytest.mark.parametrize("table, bad, key", [
    ("[sources.a]", "max_pages = -1", "max_pages"),
    ("[merge]", "window_days = -5", "window_days"),
    ("[office]", 'org_code = ""', "org_code"),
    ("[sources.a.selectors]", 'list_itme = "ul li"', "list_itme"),
    ("[sources.a.selectors]", 'content = "div..body"', "content"),
    ("[review]", "proxies = -1", "proxies"),
    ("[publish]", "feed_entries = 0", "feed_entries"),
    ("[alerts]", "failing_nights = 0", "failing_nights"),
    ("[alerts]", "smtp_port = 70000", "smtp_port"),
    ("[fetch]", "deadline = 0", "deadline"),
])
def test_config_values_are_range_checked(tmp_path: Path, table: str, bad: str, key: str):
    tables = {
        "[office]": ['name = "x"', 'org_code = "X"', 'site_url = "https://x.test/"'],
        "[sources.a]": ['kind = "website"', 'url = "http://a.test/list/"'],
    }
    name, _, value = bad.partition(" = ")
    tables.setdefault(table, [])
    tables[table] = [line for line in tables[table] if not line.startswith(name + " ")] + [bad]
    text = "\n".join(f"{t}\n" + "\n".join(lines) for t, lines in tables.items()) + "\n"
    path = tmp_path / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(config_mod.ConfigError) as caught:
        config_mod.load(path)
    assert key in str(caught.value)
