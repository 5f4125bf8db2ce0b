"""Fetch a column page and say what kind of list it has, with the [sources.NAME] table
xxgk would use (sources/probe.py judges; this module fetches; `xxgk add-source URL` prints)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sources.probe import Finding, judge

from ..config import FetchSettings
from ..errors import ConfigError, FetchError
from ..fetch.client import Fetcher


def probe_url(url: str, settings: FetchSettings, name: str = "news") -> Finding:
    """Fetch url (and, on the same host, an API its scripts name when its page lists nothing, or its
    first entry) and judge it."""
    host = urlsplit(url).hostname
    if urlsplit(url).scheme not in ("http", "https") or not host:
        raise ConfigError(f"{url}：不是 http(s) 网址")
    with Fetcher(settings, [host]) as fetcher:
        page = fetcher.get(url, conditional=False)

        def fetch_text(other_url: str) -> str | None:
            try:
                return fetcher.get(other_url, conditional=False).text()
            except FetchError:
                return None

        return judge(page.text(), page.url, name, fetch_text)
