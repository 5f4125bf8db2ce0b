"""Store one article by its link, as a post of the right channel (`xxgk add URL…`).

For posts no feed carries (WeChat 群发 messages, an article a list page hides): a
mp.weixin.qq.com link becomes a WeChat post of the office's WeChat source; any other
link must be on the host of a configured website or catalog source, whose selectors
read it. Fetching goes through the one HTTP client, like every collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from sources import catalog, website, wechat

from ..config import Config, Source
from ..errors import ConfigError, FetchError, XxgkError
from ..fetch.client import Fetcher
from ..models import Post
from ..normalize import canonical_url
from ..store import HttpCache, Store, utcnow

WECHAT_HOST = "mp.weixin.qq.com"


@dataclass(frozen=True)
class Added:
    url: str
    source: str
    result: str  # new | updated | unchanged | failed
    title: str = ""
    error: str = ""


def source_for(config: Config, url: str) -> Source:
    """The configured source a link belongs to; ConfigError when none does."""
    host = (urlsplit(url).hostname or "").lower()
    if urlsplit(url).scheme not in ("http", "https") or not host:
        raise ConfigError(f"{url}: not an http(s) link")
    if host == WECHAT_HOST:
        found = [s for s in config.sources if s.channel == "wechat"]
        if not found:
            raise ConfigError(f"{url}: a WeChat link, but the config has no WeChat source to file it under")
        return found[0]
    found = [s for s in config.sources if s.kind in ("website", "catalog") and urlsplit(s.url).hostname == host]
    if not found:
        raise ConfigError(f"{url}: host {host} is not the host of a website or catalog source in the config")
    return max(found, key=lambda s: len(s.url) if url.startswith(s.url) else 0)  # the most specific column


def read_article(fetcher: Fetcher, source: Source, url: str, tz: tzinfo) -> Post:
    response = fetcher.get(url, conditional=False, obey_robots=source.obey_robots)
    if urlsplit(url).hostname == WECHAT_HOST:
        return wechat.parse_article(response.text(), url, source, tz)
    defaults = catalog.DEFAULTS if source.kind == "catalog" else website.DEFAULTS
    return website.parse_article(response.text(), url, source, website.selectors_for(source, defaults), tz=tz)


def add_urls(config: Config, store: Store, urls: list[str], now: datetime | None = None) -> list[Added]:
    """Fetch and store each link; one failing link does not stop the others."""
    now = now or utcnow()
    cache = HttpCache(store)
    hosts = config.allowed_hosts | {WECHAT_HOST}
    results = []
    with Fetcher(config.fetch, hosts, cache=cache) as fetcher:
        for url in urls:
            try:
                source = source_for(config, url)
            except ConfigError as e:
                results.append(Added(url, "", "failed", error=str(e)))
                continue
            try:
                post = read_article(fetcher, source, canonical_url(url) if urlsplit(url).hostname == WECHAT_HOST else url,
                                    config.office.timezone)
            except (FetchError, XxgkError) as e:
                results.append(Added(url, source.name, "failed", error=str(e)))
                continue
            with store.transaction():
                result = store.save_post(post, now)
            results.append(Added(post.url, source.name, result, title=post.title))
        cache.flush()
    return results
