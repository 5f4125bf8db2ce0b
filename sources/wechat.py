"""WeChat official-account collector: a bridge feed (RSSHub, WeWe RSS …) plus article pages.

Bridge feeds often carry only a title and a summary, so the article page on
mp.weixin.qq.com is fetched for the body. `parse_article` reads what WeChat pages
hold: og:title / #activity-name, the account name, `var ct` (unix seconds),
#js_content with lazy images in data-src, the canonical msg_link. A deleted
article ("该内容已被发布者删除") becomes a Gone event; a blocked one ("环境异常",
a captcha) a Problem — neither stops the rest of the feed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import tzinfo
from html import unescape as unescape_html

from lxml.etree import _Element as HtmlElement

from pipeline.config import Source
from pipeline.errors import ArticleBlocked, ArticleDeleted
from pipeline.htmltools import (
    clean_html, descendants, html_to_text, image_urls, inner_html, lazy_images, meta_content, parse_html, select_one,
    text_of,
)
from pipeline.models import Post
from pipeline.normalize import canonical_url, clean_text, parse_date

from .feed import FeedEntry, entry_post, feed_problems, fetch_feed
from .parsing import Page
from .protocol import Context, Event, Gone, Listed, Seen, SourceError, article_event

DELETED_MARKERS = ("该内容已被发布者删除", "此内容因违规无法查看", "该公众号已迁移", "内容已被删除")
BLOCKED_MARKERS = ("环境异常", "完成验证后即可继续访问", "请在微信客户端打开链接")
SUMMARY_ONLY_CHARS = 200  # feed content shorter than this is a summary: fetch the article


_JS_VARS = ("msg_title", "nickname", "ct", "create_time", "publish_time", "msg_link", "msg_source_url")
_VAR_NAME = re.compile(r"var\s+(\w+)\s*=")  # a `var x =` inside another one's match cannot be: none is missed
_VAR_VALUE = re.compile(r"\s*([^\n]*)")  # the rest of its line: a trailing `;` holds no string literal
_JS_LITERAL = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"|\'([^\'\\]*(?:\\.[^\'\\]*)*)\'')  # "…" or '…', \-escapes


def _js_vars(html: str) -> dict[str, str]:
    """The values of `var name = "…"` (also `"" || "X"` and htmlDecode("X")) in a WeChat page, for the
    names parse_article reads: the first declaration of each, found in one pass over the page."""
    found: dict[str, str] = {}
    for declared in _VAR_NAME.finditer(html):
        name = declared.group(1)
        if name in _JS_VARS and name not in found and (value := _VAR_VALUE.match(html, declared.end())):
            literals = _JS_LITERAL.findall(value.group(1))
            found[name] = next((v for v in (a or b for a, b in literals) if v), "")
    return found


def parse_article(html: str, url: str, source: Source, tz: tzinfo) -> Post:
    """A Post from a WeChat article page; raises ArticleDeleted / ArticleBlocked / SourceError."""
    soup = parse_html(html)
    content = select_one(soup, "#js_content")
    page_text = text_of(soup, " ") if content is None else ""
    if content is None and any(marker in page_text for marker in DELETED_MARKERS):
        raise ArticleDeleted(f"{url}: deleted by the publisher (该内容已被发布者删除)")
    if content is None and any(marker in page_text for marker in BLOCKED_MARKERS):
        raise ArticleBlocked(f"{url}: WeChat refused the request (环境异常 / verification)")
    js_vars = _js_vars(html)
    title = (
        meta_content(soup, "og:title", "twitter:title")
        or clean_text(_unescape_js(js_vars.get("msg_title", "")))
        or clean_text(_text(select_one(soup, "#activity-name || h2.rich_media_title, h1.rich_media_title")))
        or clean_text(text_of(next(descendants(soup, "title"), None)))
    )
    if not title or content is None:
        raise SourceError(f"{url}: not a WeChat article page (no title or #js_content)")
    account = clean_text(
        js_vars.get("nickname", "")
        or _text(select_one(soup, "#js_name"))
        or _text(select_one(soup, ".profile_nickname"))
        or _text(select_one(soup, "#post-user"))
    )
    published = (
        parse_date(js_vars.get("ct", ""), tz)
        or parse_date(js_vars.get("create_time", ""), tz)
        or parse_date(js_vars.get("publish_time", ""), tz)
        or parse_date(_text(select_one(soup, "#publish_time")), tz)
        or parse_date(_text(select_one(soup, "#post-date")), tz)
    )
    link = _unescape_js(js_vars.get("msg_link", "")) or meta_content(soup, "og:url")
    canonical = canonical_url(link) if "mp.weixin.qq.com" in link and ("__biz=" in link or "/s/" in link) else ""
    raw_body = lazy_images(inner_html(content))
    body_html = clean_html(raw_body, url)
    meta = {"account": account}
    source_url = _unescape_js(js_vars.get("msg_source_url", ""))
    if source_url:
        meta["original_link"] = source_url  # the "阅读原文" link
    elif (original := select_one(soup, "#js_view_source, a.original_primary_link")) is not None \
            and original.get("href", "").startswith("http"):
        meta["original_link"] = original.get("href", "")
    if canonical and canonical != canonical_url(url):
        meta["msg_link"] = canonical
    return Post(
        source=source.name,
        channel=source.channel,
        url=canonical_url(url),
        title=title,
        published_at=published,
        body_html=body_html,
        body_text=html_to_text(body_html),
        images=image_urls(content, url),
        meta={k: v for k, v in meta.items() if v},
    )


def needs_article(entry: FeedEntry) -> bool:
    """True when the feed carries only a summary (or the title again): the body is on the article page."""
    return len(html_to_text(entry.content_html)) < SUMMARY_ONLY_CHARS


def _text(el: HtmlElement | None) -> str:
    return text_of(el, " ")


# A JS string escape: \xNN, \uNNNN, or a character after a backslash (\/, \", \n …).
_JS_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|(.))", re.S)
_JS_NAMED = {"n": "\n", "r": "\r", "t": "\t"}


def _unescape_js(value: str) -> str:
    r"""A `var msg_*` value as text: WeChat HTML-escapes it, then writes it in a JS string
    ("…\x26amp;…", "…&amp;…", "\x0a"), so the JS escapes are undone first, then the entities."""
    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        return chr(int(code, 16)) if code else _JS_NAMED.get(m.group(3), m.group(3))
    return unescape_html(_JS_ESCAPE.sub(one, value))


def collect(source: Source, ctx: Context) -> Iterator[Event]:
    """A bridge feed; article pages fetched for entries whose feed content is only a summary.

    A feed shows only the latest entries, so it is never a complete listing (Listed(False)):
    an article is judged gone only by its own page ("已被发布者删除", 404).
    """
    feed = fetch_feed(source, ctx) if ctx.lists else None  # an hourly re-check reads no feed
    entries: list[FeedEntry] = []
    account = ""
    if feed is not None:
        account = feed.title
        yield from feed_problems(feed, source.url)
        entries = feed.entries
    to_fetch: dict[str, FeedEntry] = {}
    for entry in entries:
        if entry.url in ctx.known and ctx.known[entry.url] is None and not ctx.full \
                and not ctx.is_recent(entry.published) and entry.url not in ctx.recent:
            yield Seen(entry.url)
        elif not needs_article(entry):
            yield entry_post(entry, source)
        else:
            to_fetch[entry.link] = entry
    # Recent known articles the feed no longer shows are re-checked too (edits, deletions).
    listed = {entry.url for entry in entries}
    for url in ctx.recent:
        if url not in listed:
            to_fetch[url] = FeedEntry(url=url, link=url, title="", published=None, content_html="", summary_html="")
    for conditional in (False, True):
        links = [link for link, entry in to_fetch.items() if (ctx.known.get(entry.url, "new") is None) == conditional]
        if links:
            fetched = ctx.fetcher.fetch_many(links, conditional=conditional, obey_robots=source.obey_robots)
            for link, outcome in ctx.parser.parsed(fetched, parse_page, source, ctx.tz):
                yield _article_event(to_fetch[link], outcome, account)
    if feed is not None:
        yield Listed(complete=False)


def parse_page(page: Page, source: Source, tz: tzinfo) -> Post | Gone:
    """parse_article on a fetched page (run by sources.parsing, maybe in a worker process)."""
    try:
        return parse_article(page.text(), page.listed_url, source, tz)
    except ArticleDeleted as e:
        return Gone(page.listed_url, str(e))


def _article_event(entry: FeedEntry, outcome: object, account: str) -> Event:
    url = entry.url
    event = article_event(url, outcome)
    if not isinstance(event, Post):
        return event
    post = event if event.url == url else replace(event, url=url)
    # The feed's date wins when the page hides it (saved DOMs, new layouts).
    if post.published_at is None and entry.published is not None:
        post = replace(post, published_at=entry.published)
    if account and not post.meta.get("account"):
        post = replace(post, meta={**post.meta, "account": account})
    return post
