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
little. A file is read, hashed and its responses built once (again only when its mtime or
size changes); after that a request costs a stat, a few string operations and one write.
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
from pathlib import Path
from stat import S_ISREG
from typing import cast
from urllib.parse import unquote, urlsplit
from wsgiref.handlers import format_date_time

CONTENT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".atom": "application/atom+xml",
    ".xml": "application/rss+xml", ".json": "application/json", ".txt": "text/plain",
    ".pdf": "application/pdf", ".css": "text/css", ".js": "application/javascript",
    ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
}
NO_EXTENSION = "text/html; charset=utf-8"  # WeChat's /s/<id> pages
BASE_TIME = 1610668800  # 2021-01-15 00:00:00 UTC; Last-Modified = this + hash-derived seconds


class _Entry:
    """One served file: its stamp, its whole 200 response and its 304 head, built once."""

    __slots__ = ("stamp", "etag", "last_modified", "ok", "head_length", "not_modified")

    def __init__(self, stamp: tuple[int, int], body: bytes, ctype: str) -> None:
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        self.stamp = stamp
        self.etag = f'"{digest}"'
        self.last_modified = format_date_time(BASE_TIME + int(digest[:8], 16) % 10_000_000)
        validators = f"ETag: {self.etag}\r\nLast-Modified: {self.last_modified}\r\n"
        head = _head(200, "OK", len(body), f"Content-Type: {ctype}\r\n{validators}")
        self.ok = head + body  # sent as it is: no per-request formatting or copying
        self.head_length = len(head)
        self.not_modified = _head(304, "Not Modified", 0, validators)

    def fresh(self, headers: dict[str, str]) -> bool:
        """Whether the client's validators match, so a 304 answers it."""
        inm = headers.get("if-none-match")
        if inm is not None:
            return self.etag in [t.strip().removeprefix("W/") for t in inm.split(",")] or inm.strip() == "*"
        ims = headers.get("if-modified-since")
        return ims is not None and ims.strip() == self.last_modified


class DemoServer:
    """A running demo server. Use as a context manager or call ``close()``."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = Path(root).resolve()
        self._root = str(self.root)  # plain strings on the hot path: pathlib costs more than the read
        headers_file = self.root / "_headers.json"
        self.headers: dict[str, dict[str, str]] = (
            json.loads(headers_file.read_text(encoding="utf-8")) if headers_file.exists() else {})
        self.cache: dict[str, _Entry] = {}
        self.lock = threading.Lock()
        self.count = 0
        self.paths: Counter[str] = Counter()  # "host/path" → times requested
        self.received = memoryview(bytearray(64 * 1024))  # every connection reads into it: one loop thread
        # The loop lives wholly in its thread (started, served, closed there): the calling thread
        # may be running an event loop of its own (Playwright's sync API does).
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(port, started, failure), name="demo-server",
                                       daemon=True)
        self.thread.start()
        started.wait()
        if failure:
            raise failure[0]
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"

    def _run(self, port: int, started: threading.Event, failure: list[BaseException]) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            listening = loop.run_until_complete(loop.create_server(lambda: _Connection(self), "127.0.0.1", port))
        except BaseException as e:  # the port is taken …: said in the caller's thread
            failure.append(e)
            started.set()
            loop.close()
            return
        self.port = listening.sockets[0].getsockname()[1]
        started.set()
        try:
            loop.run_forever()
        finally:
            listening.close()
            loop.run_until_complete(listening.wait_closed())
            loop.close()

    @property
    def requests(self) -> int:
        """Requests answered so far (``paths`` has them by host/path)."""
        return self.count

    def reset_counts(self) -> None:
        with self.lock:
            self.count = 0
            self.paths.clear()

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self.thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lookup ---------------------------------------------------------

    def resolve(self, host: str, raw_path: str) -> tuple[str, str] | None:
        """(key "host/path", file path) for a request, or None if it is outside the world."""
        host = host.strip().lower()
        if host.startswith("["):
            return None
        host = host.rsplit(":", 1)[0]
        if not host or host.startswith((".", "_")) or "/" in host or "\\" in host:
            return None
        path = unquote(raw_path.split("?", 1)[0].split("#", 1)[0])
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in path.split("/") if p]
        if "." in parts or ".." in parts:
            return None
        if path.endswith("/") or not parts:
            parts.append("index.html")
        key = host + "/" + "/".join(parts)
        return key, self._root + "/" + key

    def load(self, key: str, file: str) -> _Entry | None:
        """The file's entry, read again only when its mtime or size changed."""
        entry = self.cache.get(key)
        if entry is not None:  # a file not read yet is opened straight away: one path lookup, not two
            try:
                st = os.stat(file)
            except OSError:
                return None
            if (st.st_mtime_ns, st.st_size) == entry.stamp:
                return entry
        read = _read(file)
        if read is None:
            return None
        stamp, body = read
        ext = posixpath.splitext(key)[1].lower()
        ctype = self.headers.get(key, {}).get("Content-Type") or (
            CONTENT_TYPES.get(ext, "application/octet-stream") if ext else NO_EXTENSION)
        entry = _Entry(stamp, body, ctype)
        self.cache[key] = entry
        return entry

    def answer(self, target: str, headers: dict[str, str], head_only: bool = False) -> bytes:
        """The response to one GET (or, ``head_only``, HEAD) request: status line, headers, body."""
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
                return _head(301, "Moved Permanently", 0, f"Location: {target.split('?')[0]}/\r\n")
            return NOT_FOUND_HEAD if head_only else NOT_FOUND
        if entry.fresh(headers):
            return entry.not_modified
        return entry.ok[:entry.head_length] if head_only else entry.ok


def _read(file: str) -> tuple[tuple[int, int], bytes] | None:
    """(stamp, bytes) of a regular file, or None if there is none there.

    os.open/os.read make a third of the system calls of open().read().
    """
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: a FIFO must not block the loop
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        return ((st.st_mtime_ns, st.st_size), os.read(fd, st.st_size)) if S_ISREG(st.st_mode) else None
    finally:
        os.close(fd)


def _head(status: int, reason: str, length: int, fields: str) -> bytes:
    """Status line, Content-Length (the body's, sent or not) and ``fields`` ("Name: value\\r\\n" lines)."""
    return f"HTTP/1.1 {status} {reason}\r\nContent-Length: {length}\r\n{fields}\r\n".encode("latin-1", "replace")


_NOT_FOUND_BODY = b"404 Not Found\n"
NOT_FOUND_HEAD = _head(404, "Not Found", len(_NOT_FOUND_BODY), "Content-Type: text/plain; charset=utf-8\r\n")
NOT_FOUND = NOT_FOUND_HEAD + _NOT_FOUND_BODY

MAX_HEAD = 64 * 1024  # a request head longer than this is refused


class _Connection(asyncio.BufferedProtocol):
    """One client connection: requests are read as they arrive and answered in order.

    A BufferedProtocol, because asyncio's plain Protocol receives each read into a fresh
    256 KiB bytes, which costs more than answering the request it holds.
    """

    def __init__(self, server: DemoServer) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a stream server's connections are Transports

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.server.received

    def buffer_updated(self, nbytes: int) -> None:
        self.buffer += self.server.received[:nbytes]  # a copy: the next read reuses the buffer
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._refuse(431, "Request Header Fields Too Large")
                return
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
            self._handle(head)

    @property
    def _connection(self) -> asyncio.Transport:
        """The transport: requests are read only while there is one."""
        assert self.transport is not None
        return self.transport

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
        self._connection.write(self.server.answer(target, headers, head_only=method == "HEAD"))
        connection = headers.get("connection", "").lower()
        if connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive"):
            self._connection.close()

    def _refuse(self, status: int, reason: str) -> None:
        self._connection.write(_head(status, reason, 0, "Connection: close\r\n"))
        self._connection.close()


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
