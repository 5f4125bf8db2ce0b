"""Serve a generated demo world on 127.0.0.1, one virtual host per folder.

    python -m demo.server DIR [--port P]

``GET /path`` with ``Host: www.xinghua.gov.test`` serves ``DIR/www.xinghua.gov.test/path``
(``/dir/`` → ``dir/index.html``). A request in absolute form (``GET http://host/path``,
as sent to a proxy) is served the same way. Responses carry an ``ETag`` (hash of the
bytes) and a ``Last-Modified`` derived from that hash, never from the file's mtime;
``If-None-Match`` and an exactly matching ``If-Modified-Since`` give 304. Per-file
headers come from ``DIR/_headers.json``. Nothing is logged.

HTTP/1.1 with keep-alive, on asyncio in one background thread: the benchmarks crawl
14,000 pages from it on the same two cores as the crawler, so the fixture must cost
little (about a fifth of http.server's thread-per-connection CPU per request).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import posixpath
import threading
from collections import Counter
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".atom": "application/atom+xml",
    ".xml": "application/rss+xml", ".json": "application/json", ".txt": "text/plain",
    ".pdf": "application/pdf", ".css": "text/css", ".js": "application/javascript",
    ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
}
NO_EXTENSION = "text/html; charset=utf-8"  # WeChat's /s/<id> pages
BASE_TIME = 1610668800  # 2021-01-15 00:00:00 UTC; Last-Modified = this + hash-derived seconds


class _Entry:
    __slots__ = ("stamp", "body", "etag", "last_modified", "ctype")

    def __init__(self, stamp: tuple[int, int], body: bytes, ctype: str) -> None:
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        self.stamp = stamp
        self.body = body
        self.etag = f'"{digest}"'
        self.last_modified = formatdate(BASE_TIME + int(digest[:8], 16) % 10_000_000, usegmt=True)
        self.ctype = ctype


class DemoServer:
    """A running demo server. Use as a context manager or call ``close()``."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = Path(root).resolve()
        headers_file = self.root / "_headers.json"
        self.headers: dict[str, dict[str, str]] = (
            json.loads(headers_file.read_text(encoding="utf-8")) if headers_file.exists() else {})
        self.cache: dict[str, _Entry] = {}
        self.lock = threading.Lock()
        self.count = 0
        self.paths: Counter[str] = Counter()  # "host/path" → times requested
        self._loop = asyncio.new_event_loop()
        listening = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Connection(self), "127.0.0.1", port))
        self._listening = listening
        self.port = listening.sockets[0].getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"
        self.thread = threading.Thread(target=self._loop.run_forever, name="demo-server", daemon=True)
        self.thread.start()

    @property
    def requests(self) -> int:
        """Requests answered so far (``paths`` has them by host/path)."""
        return self.count

    def reset_counts(self) -> None:
        with self.lock:
            self.count = 0
            self.paths.clear()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self.thread.join(timeout=5)
        self._listening.close()
        self._loop.run_until_complete(self._listening.wait_closed())
        self._loop.close()

    def __enter__(self) -> "DemoServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lookup ---------------------------------------------------------

    def resolve(self, host: str, raw_path: str) -> tuple[str, Path] | None:
        """(key "host/path", file) for a request, or None if it is outside the world."""
        host = host.strip().lower()
        if host.startswith("["):
            return None
        host = host.rsplit(":", 1)[0] if ":" in host else host
        if not host or host.startswith(".") or "/" in host or "\\" in host or host.startswith("_"):
            return None
        path = unquote(raw_path.split("?", 1)[0].split("#", 1)[0])
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in path.split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None
        rel = posixpath.join(*parts) if parts else ""
        if path.endswith("/") or not rel:
            rel = posixpath.join(rel, "index.html") if rel else "index.html"
        key = f"{host}/{rel}"
        return key, self.root / host / rel

    def load(self, key: str, file: Path) -> _Entry | None:
        try:
            st = os.stat(file)
        except OSError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        entry = self.cache.get(key)
        if entry is not None and entry.stamp == stamp:
            return entry
        if not os.path.isfile(file):
            return None
        body = file.read_bytes()
        ext = posixpath.splitext(key)[1].lower()
        ctype = self.headers.get(key, {}).get("Content-Type") or (
            CONTENT_TYPES.get(ext, "application/octet-stream") if ext else NO_EXTENSION)
        entry = _Entry(stamp, body, ctype)
        self.cache[key] = entry
        return entry


    def answer(self, target: str, headers: dict[str, str]) -> tuple[bytes, bytes]:
        """(status line and headers, body) for one GET or HEAD request (a HEAD sends no body)."""
        host = headers.get("host", "")
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            host, target = parts.netloc, parts.path or "/"
            if parts.query:
                target += "?" + parts.query
        found = self.resolve(host, target)
        with self.lock:
            self.count += 1
            self.paths[found[0] if found else f"{host}{target}"] += 1
        entry = self.load(*found) if found else None
        if entry is None:
            if found and os.path.isdir(found[1]):  # /dir → /dir/
                return _reply(301, "Moved Permanently", [("Location", target.split("?")[0] + "/")], b"")
            return _reply(404, "Not Found", [("Content-Type", "text/plain; charset=utf-8")], b"404 Not Found\n")
        validators = [("ETag", entry.etag), ("Last-Modified", entry.last_modified)]
        inm = headers.get("if-none-match")
        ims = headers.get("if-modified-since")
        if inm is not None:
            fresh = entry.etag in [t.strip().removeprefix("W/") for t in inm.split(",")] or inm.strip() == "*"
        else:
            fresh = ims is not None and ims.strip() == entry.last_modified
        if fresh:
            return _reply(304, "Not Modified", validators, b"", with_body=False)
        return _reply(200, "OK", [("Content-Type", entry.ctype)] + validators, entry.body)


def _reply(status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
           with_body: bool = True) -> tuple[bytes, bytes]:
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"), body if with_body else b""


MAX_HEAD = 64 * 1024  # a request head longer than this is refused


class _Connection(asyncio.Protocol):
    """One client connection: requests are read as they arrive and answered in order."""

    def __init__(self, server: DemoServer) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._refuse(431, "Request Header Fields Too Large")
                return
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
            self._handle(head)

    def _handle(self, head: str) -> None:
        request_line, *header_lines = head.split("\r\n")
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._refuse(400, "Bad Request")
            return
        method, target, version = parts
        headers = {}
        for line in header_lines:
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        if method not in ("GET", "HEAD") or "content-length" in headers or "transfer-encoding" in headers:
            self._refuse(405, "Method Not Allowed")  # nothing here takes a request body
            return
        status_and_headers, body = self.server.answer(target, headers)
        self.transport.write(status_and_headers + (b"" if method == "HEAD" else body))
        connection = headers.get("connection", "").lower()
        if connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive"):
            self.transport.close()

    def _refuse(self, status: int, reason: str) -> None:
        status_and_headers, body = _reply(status, reason, [("Connection", "close")], b"")
        self.transport.write(status_and_headers)
        self.transport.close()


def serve(root: Path, port: int = 0) -> DemoServer:
    """Start serving ``root`` on 127.0.0.1:``port`` (0: any free port) in a daemon thread."""
    return DemoServer(root, port)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo.server", description="Serve a generated demo world on 127.0.0.1.")
    ap.add_argument("root", type=Path, help="folder written by python -m demo.generate")
    ap.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks a free one)")
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        ap.error(f"{args.root} is not a folder")
    with serve(args.root, args.port) as srv:
        hosts = sorted(p.name for p in args.root.iterdir() if p.is_dir())
        print(f"serving {args.root} on {srv.url}  (hosts: {', '.join(hosts)})")
        print(f"e.g. curl -H 'Host: {hosts[0] if hosts else 'www.xinghua.gov.test'}' {srv.url}/   — Ctrl-C to stop")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
