"""Store one article by its link, as a post of the right channel (`xxgk add URL…`).

For posts no feed carries (WeChat 群发 messages, an article a list page hides): a
mp.weixin.qq.com link becomes a WeChat post of the office's WeChat source; any other
link must be on the host of a configured website or catalog source, whose selectors
read it. Fetching goes through the one HTTP client, like every collection.

A link that cannot be stored is refused with its reason, and the other links go on. The
reasons this module decides (not a link, no source for it, not a web page, a column's list
page, no article on it) are said in Chinese here; a fetch that failed is recorded by its
kind (errors.failure_kind), which the command says in words (pipeline/nightly/health.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from sources import catalog, website, wechat
from sources.lists import ListPage, parse_list

from ..config import Config, Source
from ..errors import (
    ArticleBlocked, ArticleDeleted, ConfigError, FetchError, HttpStatusError, InputError, SourceError, XxgkError,
    failure_kind,
)
from ..fetch.client import Fetcher, Response
from ..htmltools import parse_html, select_one
from ..models import Post
from ..normalize import canonical_url
from ..store import HttpCache, Store, utcnow

WECHAT_HOST = "mp.weixin.qq.com"
HTML_TYPES = ("text/html", "application/xhtml+xml")
LIST_MIN_ENTRIES = 3  # list rows on a page before it can be a column's list (an article's 相关链接 are fewer)
GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class Added:
    url: str
    source: str
    result: str  # new | updated | unchanged | failed
    title: str = ""
    error: str = ""  # why it failed: in Chinese, or (with kind) the fetch's technical detail
    kind: str = ""  # a fetch's failure kind (errors.failure_kind); "" when error is already the reason in words


def source_for(config: Config, url: str) -> Source:
    """The configured source a link belongs to; ConfigError when none does."""
    host = (urlsplit(url).hostname or "").lower()
    if urlsplit(url).scheme not in ("http", "https") or not host:
        raise ConfigError("不是 http(s) 链接：请给出文章页的完整网址（以 http:// 或 https:// 开头）")
    if host == WECHAT_HOST:
        found = [s for s in config.sources if s.channel == "wechat"]
        if not found:
            raise ConfigError("这是微信文章链接，但配置里没有微信公众号信息源可以归入（请先在 xxgk.toml 中配置）")
        return found[0]
    found = [s for s in config.sources if s.kind in ("website", "catalog") and urlsplit(s.url).hostname == host]
    if not found:
        raise ConfigError(f"主机 {host} 不是配置中任何网站或公开目录信息源的主机：只收录已配置网站上的文章")
    return max(found, key=lambda s: len(s.url) if url.startswith(s.url) else 0)  # the most specific column


def read_article(fetcher: Fetcher, source: Source, url: str, tz: tzinfo) -> Post:
    """The article at url as a Post; InputError (in Chinese) when the answer is not one article's page."""
    response = fetcher.get(url, conditional=False, obey_robots=source.obey_robots)
    _refuse_unless_html(response)
    if urlsplit(url).hostname == WECHAT_HOST:
        return _wechat_article(response.text(), url, source, tz)
    selectors = website.selectors_for(source, catalog.DEFAULTS if source.kind == "catalog" else website.DEFAULTS)
    text = response.text()
    listing = parse_list(text, url, selectors, tz=tz)
    try:
        post: Post | None = website.parse_article(text, url, source, selectors, tz=tz)
    except SourceError:
        post = None  # no title
    if reads_as_list(listing, post) and not _names_its_body(text, source):
        raise InputError(f"这是栏目（列表）页，不是单篇文章：页面上有 {len(listing.entries)} 条文章链接。"
                         f"xxgk add 只收录单篇文章；要采集整个栏目，请用 xxgk add-source {url} 生成信息源配置，"
                         "加入 xxgk.toml")
    if post is None:
        raise InputError("页面上找不到标题，不像一篇文章：请给出文章页本身的链接")
    if not (post.body_text or post.attachments or post.images):
        raise InputError("页面上找不到正文、附件或图片，不像一篇文章（若是栏目页，请用 xxgk add-source）")
    return post


def reads_as_list(listing: ListPage, post: Post | None) -> bool:
    """A column's list page rather than an article: several list rows (link and date), and the titles
    they list outweigh what the article reader took for a body besides them — on a list page that
    "body" is the list itself or the footer, on an article the text is longer than its 相关链接."""
    titles = [entry.title for entry in listing.entries]
    if len(titles) < LIST_MIN_ENTRIES:
        return False
    if post is None:
        return True
    rest = post.body_text
    for title in titles:
        rest = rest.replace(title, "")
    return len("".join(rest.split())) < sum(len(title) for title in titles)


def _names_its_body(html: str, source: Source) -> bool:
    """Whether the source's own content selector (configured, not a default guess) finds an article
    body on the page: a short notice beside a long 最新文章 list is then an article all the same."""
    own = source.selectors.get("content")
    return bool(own) and select_one(parse_html(html), own) is not None


def _refuse_unless_html(response: Response) -> None:
    """A PDF, an image, a JSON answer … is no article page (an answer naming no type is read as one)."""
    media_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise InputError(f"不是网页（Content-Type: {media_type}）：xxgk add 只收录文章页，"
                         "附件随它所在的文章页一起收录，请给出文章页的链接")


def _wechat_article(text: str, url: str, source: Source, tz: tzinfo) -> Post:
    try:
        return wechat.parse_article(text, url, source, tz)
    except ArticleDeleted:
        raise InputError("该微信文章已被发布者删除") from None
    except ArticleBlocked:
        raise InputError("微信拒绝了这次请求（环境异常或要求验证）：请稍后再试") from None
    except SourceError:
        raise InputError("不是微信文章页面（没有标题或正文）：请给出文章本身的链接") from None


def _failed(url: str, source: str, error: XxgkError) -> Added:
    """A link not stored, and why: a refusal in its words; a fetch that failed by its kind and detail."""
    if isinstance(error, HttpStatusError) and error.status in GONE_STATUSES:
        return Added(url, source, "failed", error=f"页面不存在（HTTP {error.status}）：请核对链接，文章可能已被删除或移走")
    if isinstance(error, FetchError):
        return Added(url, source, "failed", error=error.reason, kind=failure_kind(error))
    return Added(url, source, "failed", error=str(error))


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
                results.append(_failed(url, "", e))
                continue
            try:
                post = read_article(fetcher, source, canonical_url(url) if urlsplit(url).hostname == WECHAT_HOST else url,
                                    config.office.timezone)
            except XxgkError as e:
                results.append(_failed(url, source.name, e))
                continue
            with store.transaction():
                result = store.save_post(post, now)
            results.append(Added(post.url, source.name, result, title=post.title))
        cache.flush()
    return results
