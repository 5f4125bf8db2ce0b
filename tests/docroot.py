"""Serving output/site/ as the README says (a static host, at the root or under a sub-path)
and crawling it: every link, asset, feed entry and report download of every page."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import deque
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree, html as lxml_html


class _Handler(SimpleHTTPRequestHandler):
    prefix = "/"

    def log_message(self, *args) -> None:  # quiet
        pass

    def translate_path(self, path: str) -> str:
        clean = urlsplit(path).path
        if not clean.startswith(self.prefix):
            return str(Path(self.directory) / "\0missing")  # outside the published sub-path: 404
        return super().translate_path("/" + clean[len(self.prefix):])


class DocRoot:
    """A plain static host on 127.0.0.1 serving ``folder`` at ``prefix`` (e.g. "/xhj/")."""

    def __init__(self, folder: Path, prefix: str = "/") -> None:
        handler = type("Handler", (_Handler,), {"prefix": prefix})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}{prefix}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def links_in(url: str, body: bytes, content_type: str) -> list[str]:
    """Every URL a page, feed, OPML, sitemap or JSON feed points at (absolute)."""
    name = urlsplit(url).path
    found: list[str] = []
    if name.endswith(".html") or name.endswith("/"):
        doc = lxml_html.fromstring(body)
        found = doc.xpath("//a/@href | //link/@href | //img/@src | //script/@src | //form/@action | //source/@src")
    elif name.endswith((".xml", ".opml")):
        root = etree.fromstring(body)
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            if local in ("link", "loc") and el.text and el.text.strip():
                found.append(el.text.strip())
            for attr in ("href", "url", "xmlUrl", "htmlUrl"):
                if el.get(attr):
                    found.append(el.get(attr))
    elif name.endswith(".json") and "/feeds/" in name:
        doc = json.loads(body)
        found = [doc.get("home_page_url"), doc.get("feed_url")]
        for item in doc.get("items", []):
            found.append(item.get("url"))
            found += [a.get("url") for a in item.get("attachments", [])]
    return [urljoin(url, u.strip()) for u in found if u]


def crawl(start: str, base: str) -> tuple[dict[str, int], dict[str, set[str]]]:
    """(status of every URL under ``base`` reached from ``start``, {outside URL: pages linking it})."""
    seen: dict[str, int] = {}
    outside: dict[str, set[str]] = {}
    todo = deque([start])
    while todo:
        url = todo.popleft()
        if url in seen:
            continue
        try:
            with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (127.0.0.1 only)
                seen[url], body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            seen[url] = e.code
            continue
        for link in links_in(url, body, ctype):
            link, _ = urldefrag(link)
            if link.startswith(("mailto:", "tel:")):
                continue
            if link.startswith(base):
                if link not in seen:
                    todo.append(unquote(link) if "%" not in link else link)
            else:
                outside.setdefault(link, set()).add(url)
    return seen, outside
