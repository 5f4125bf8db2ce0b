"""Issue 18, points 2 and 4: the review page's login under attack, over real HTTP on 127.0.0.1 —
the throttle decided before any hashing, a bounded number of verifications at once, memory
bounded under 200 simultaneous wrong logins, the client's address and scheme taken from a
reverse proxy only when configured, and staff accounts that can be disabled and removed."""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from pipeline.commands import main
from pipeline.review import auth, create_app
from pipeline.store import Store

from tests.builders import PASSWORD


class Served:
    """The real app in the server `xxgk serve` uses, on 127.0.0.1."""

    def __init__(self, config) -> None:
        from pipeline.review.server import Server

        self.server = Server(create_app(config), "127.0.0.1", 0, proxies=config.review_proxies)
        self.port = self.server.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()


def post_login(port: int, name: str, password: str, headers: dict | None = None) -> http.client.HTTPResponse:
    """One login POST with a matching double-submit token, as the login form sends it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = urlencode({"csrf": "tok", "name": name, "password": password})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": "xxgk_login_csrf=tok", **(headers or {})})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def simultaneously(n: int, attempt) -> list:
    """Run attempt(i) in n threads released together; their results."""
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = attempt(i)
        except Exception as e:  # a refused connection would be a finding: keep it
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class CountingHasher:
    """The real argon2 hasher, counting verifications and the most running at once."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real, self.calls, self.running, self.most = real, 0, 0, 0
        self.lock = threading.Lock()

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.real.verify(stored, password)
        finally:
            with self.lock:
                self.running -= 1

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    return counting


def test_forty_simultaneous_wrong_logins_reach_the_hasher_at_most_the_limit(review_office, hasher):
    served = Served(review_office)
    try:
        statuses = [r.status for r in simultaneously(40, lambda i: post_login(served.port, "wang", f"wrong-{i}"))]
    finally:
        served.close()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == hasher.calls <= auth.MAX_FAILURES
    assert hasher.most <= auth.VERIFYING
    with Store(review_office.database) as store:  # every verified attempt was counted, none twice
        assert store.db.execute("SELECT COUNT(*) FROM login_attempts WHERE ok = 0").fetchone()[0] == hasher.calls


def test_verifications_at_once_are_bounded_and_excess_refused_at_once(review_office, hasher):
    """Distinct names from distinct clients (behind a proxy) all pass the throttle: the slots bound them."""
    config = dataclasses.replace(review_office, review_proxies=1)
    served = Served(config)
    try:
        results = simultaneously(30, lambda i: post_login(served.port, f"user{i}", "wrong-password",
                                                          {"X-Forwarded-For": f"198.51.100.{i + 1}"}))
    finally:
        served.close()
    statuses = [r.status for r in results]
    assert set(statuses) <= {401, 429} and statuses.count(401) == hasher.calls
    assert hasher.most <= auth.VERIFYING
    assert hasher.calls <= 30


def test_behind_a_proxy_one_attacker_does_not_lock_out_the_staff(review_office):
    config = dataclasses.replace(review_office, review_proxies=1)
    served = Served(config)
    attacker = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    staff = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    try:
        burst = [post_login(served.port, f"guess{i}", "wrong-password", attacker).status for i in range(8)]
        assert burst.count(429) >= 8 - auth.MAX_FAILURES  # the attacker is throttled …
        ok = post_login(served.port, "wang", PASSWORD, staff)  # … and wang, elsewhere, is not
        assert ok.status == 302
        cookie = next(c for c in ok.headers.get_all("Set-Cookie") if c.startswith("xxgk_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie  # https at the proxy: a Secure cookie
    finally:
        served.close()


def test_without_the_proxy_setting_forwarded_headers_are_not_trusted(review_office):
    served = Served(review_office)  # [review] proxies = 0
    try:
        for i in range(auth.MAX_FAILURES):
            post_login(served.port, f"guess{i}", "wrong-password", {"X-Forwarded-For": f"203.0.113.{i}"})
        refused = post_login(served.port, "wang", PASSWORD, {"X-Forwarded-For": "198.51.100.7",
                                                              "X-Forwarded-Proto": "https"})
        assert refused.status == 429  # a client cannot pick its own address
        assert "Secure" not in " ".join(refused.headers.get_all("Set-Cookie") or [])
    finally:
        served.close()


def test_an_old_hash_is_upgraded_at_login(review_office):
    old = PasswordHasher(memory_cost=65536, time_cost=3)  # argon2-cffi's default before
    with Store(review_office.database) as store:
        store.db.execute("UPDATE users SET password_hash = ? WHERE name = 'wang'", [old.hash(PASSWORD)])
        store.db.conn.commit()
    served = Served(review_office)
    try:
        assert post_login(served.port, "wang", PASSWORD).status == 302
    finally:
        served.close()
    with Store(review_office.database) as store:
        stored = store.db.execute("SELECT password_hash FROM users WHERE name = 'wang'").fetchone()[0]
    assert "m=19456" in stored and "m=65536" not in stored


def test_user_disable_remove_and_passwd(review_office):
    run = lambda *args, input=None: CliRunner().invoke(main, ["--config", str(review_office.path), "user", *args],  # noqa: E731
                                                       input=input)
    served = Served(review_office)
    try:
        assert run("disable", "wang").exit_code == 0
        assert post_login(served.port, "wang", PASSWORD).status == 401
        assert run("passwd", "wang", input="another good password\n").exit_code == 0
        assert post_login(served.port, "wang", "another good password").status == 302
        assert run("remove", "wang").exit_code == 0
        assert post_login(served.port, "wang", "another good password").status == 401
    finally:
        served.close()
    missing = run("disable", "nobody")
    assert missing.exit_code == 2 and '用户名 "nobody"：没有这个工作人员账号' in missing.output
    missing = run("passwd", "nobody", input="whatever-password\n")
    assert missing.exit_code == 2 and '用户名 "nobody"：没有这个工作人员账号' in missing.output
    for command in ("passwd", "disable", "remove"):
        out = CliRunner().invoke(main, ["user", command, "--help"]).output
        assert "Example:" in out and f"xxgk user {command}" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        status = f.read()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def test_two_hundred_simultaneous_wrong_logins_keep_memory_bounded(review_office):
    """`xxgk serve` in its own process, behind a (pretended) proxy so that every attempt is a new
    client with a new name and passes the throttle: the verification slots bound the memory."""
    with open(review_office.path, "a", encoding="utf-8") as f:
        f.write("\n[review]\nproxies = 1\n")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline", "--config", str(review_office.path), "serve",
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert b"review page on" in server.stdout.readline()
        for _ in range(100):  # listening (bounded wait, no timing assert)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        before = _peak_rss_mib(server.pid)
        results = simultaneously(200, lambda i: post_login(port, f"attacker{i}", "wrong-password", {
            "X-Forwarded-For": f"10.{i // 250}.{i % 250}.1"}))
        peak = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()
    statuses = [r.status if isinstance(r, http.client.HTTPResponse) else repr(r) for r in results]
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) >= 1
    assert peak < 300, (before, peak)
    print(f"peak RSS {before:.0f} → {peak:.0f} MiB under 200 simultaneous wrong logins")
