"""WeChat official publishing API (发布能力) for the office's own account, by AppID / AppSecret.

    POST cgi-bin/stable_token          {grant_type, appid, secret}      → access_token
    POST cgi-bin/freepublish/batchget  ?access_token=…  {offset, count, no_content: 0}
         → {total_count, item_count, item: [{article_id, update_time,
                                              content: {news_item: [...], create_time, update_time}}]}

Every article comes with its content, so a night costs a token and one page per 20
published messages until the known ones. Only articles 发布 (published without a notification) are
listed: articles 群发 (mass-sent) never are, so an account that mass-sends needs a wechat_feed source
too; a list with nothing in it says so in the night's warnings. `is_deleted` articles become Gone. The
AppID/AppSecret come from the environment (names in the source's config) or a
secrets file; they never reach the store, the logs or an error message (the token
rides in the URL, which pipeline.errors.redact_url strips).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from pipeline.config import Source
from pipeline.errors import CredentialRefused
from pipeline.htmltools import clean_html, html_to_text, image_urls, lazy_images, parse_html
from pipeline.models import Post
from pipeline.normalize import canonical_url, clean_text

from .protocol import Capped, Context, Event, Gone, Listed, Note, Seen, SourceError

PAGE_SIZE = 20  # the API's maximum `count`
# batchget lists the articles 发布 (published without a notification) only: those 群发 (mass-sent), as most
# government accounts publish, are not in it (WeChat's open community: "群发(开启群发通知)的内容暂不支持获取").
NOTHING_LISTED = ("发布能力接口没有列出任何文章：它只列出“发布”的文章，“群发”（开启群发通知）的文章不在其中。"
                  "群发的文章请另配一个 wechat_feed 信息源，或用 xxgk add 逐篇添加")
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid or expired access_token: refresh once
# The credential itself refused (token again after a refresh, AppID, AppSecret, the IP allow-list):
# raised as CredentialRefused, which health alerts on as "credential".
CREDENTIAL_ERRORS = TOKEN_ERRORS | {40013, 40125, 40164}
ERRORS = {
    45009: "the account's daily API quota is used up (errcode 45009); the next run will try again",
    48001: "the account is not authorised for the publishing API (errcode 48001): it must be a verified "
           "service/subscription account with 发布能力, and this server's IP on the API allow-list",
    40013: "the AppID was rejected (errcode 40013): check the value in the configured variable or file",
    40125: "the AppSecret was rejected (errcode 40125): check the value in the configured variable or file",
    40164: "this server's IP is not on the account's API allow-list (errcode 40164)",
    50002: "the account is restricted and cannot use the API (errcode 50002)",
}


def credentials(source: Source, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(appid, secret) from the environment, else the secrets file; SourceError naming where to put them."""
    env = os.environ if env is None else env
    appid, secret = env.get(source.appid_env, ""), env.get(source.secret_env, "")
    if (not appid or not secret) and source.secrets_file is not None:
        try:
            data = tomllib.loads(source.secrets_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise SourceError(f"secrets file {source.secrets_file} cannot be read ({type(e).__name__})") from None
        appid, secret = appid or str(data.get("appid", "")), secret or str(data.get("secret", ""))
    if not appid or not secret:
        where = f"${source.appid_env} and ${source.secret_env}"
        if source.secrets_file is not None:
            where += f", or appid/secret in {source.secrets_file}"
        raise CredentialRefused(f"no WeChat AppID/AppSecret: set {where}")
    return appid, secret


class _Api:
    """One run's session with the API: a token, refreshed once when WeChat says it expired."""

    def __init__(self, source: Source, ctx: Context) -> None:
        self.source, self.fetcher = source, ctx.fetcher
        self.appid, self.secret = credentials(source)
        self.token = ""

    def _call(self, path: str, payload: dict[str, Any], token: bool = True) -> dict[str, Any]:
        url = urljoin(self.source.url, path) + (f"?access_token={self.token}" if token else "")
        response = self.fetcher.post_json(url, payload)
        try:
            data = json.loads(response.content)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise SourceError(f"{path}: the API answered with something that is not JSON") from None
        if not isinstance(data, dict):
            raise SourceError(f"{path}: unexpected API answer")
        return data

    def refresh(self, force: bool = False) -> None:
        data = self._call("cgi-bin/stable_token", {"grant_type": "client_credential", "appid": self.appid,
                                                   "secret": self.secret, "force_refresh": force}, token=False)
        _check(data, "cgi-bin/stable_token")
        self.token = str(data.get("access_token", ""))
        if not self.token:
            raise SourceError("cgi-bin/stable_token: no access_token in the answer")

    def batchget(self, offset: int) -> dict[str, Any]:
        payload = {"offset": offset, "count": PAGE_SIZE, "no_content": 0}
        data = self._call("cgi-bin/freepublish/batchget", payload)
        if data.get("errcode") in TOKEN_ERRORS:  # expired early (another client refreshed it): once
            self.refresh(force=True)
            data = self._call("cgi-bin/freepublish/batchget", payload)
        _check(data, "cgi-bin/freepublish/batchget")
        return data


def _check(data: dict[str, Any], what: str) -> None:
    code = data.get("errcode") or 0
    if code:
        known = ERRORS.get(code) or (f"the access token was refused again after a refresh (errcode {code})"
                                     if code in TOKEN_ERRORS else f"errcode {code}: {clean_text(str(data.get('errmsg', '')))[:100]}")
        raise (CredentialRefused if code in CREDENTIAL_ERRORS else SourceError)(f"{what}: {known}")


def article_post(news: dict[str, Any], published: datetime | None, source: Source) -> Post:
    """A Post from one news_item of a published message."""
    url = canonical_url(str(news.get("url", "")))
    raw = str(news.get("content", ""))
    body_html = clean_html(lazy_images(raw), url)
    meta = {"author": clean_text(str(news.get("author", ""))),
            "original_link": str(news.get("content_source_url", "")).strip()}
    return Post(
        source=source.name, channel=source.channel, url=url, title=clean_text(str(news.get("title", ""))),
        published_at=published, body_html=body_html, body_text=html_to_text(body_html),
        images=image_urls(parse_html(body_html), url) if body_html else (),
        meta={k: v for k, v in meta.items() if v},
    )


def _when(value: object) -> datetime | None:
    return datetime.fromtimestamp(int(str(value)), timezone.utc) if str(value or "").isdigit() else None


def collect(source: Source, ctx: Context) -> Iterator[Event]:
    """Page through the published messages newest first, until a page holds nothing new (or to
    the end while the list was never read whole, ctx.walk_whole). The API holds each article's
    content, so old ones are re-checked by walking the whole list once a cycle (ctx.sweep)."""
    api = _Api(source, ctx)
    api.refresh()
    offset, pages, complete = 0, 0, False
    while True:
        if source.max_pages and pages >= source.max_pages:
            yield Capped(f"{source.url}cgi-bin/freepublish/batchget?offset={offset}", source.max_pages)
            break
        data = api.batchget(offset)
        pages += 1
        items = data.get("item") or []
        fresh = False
        for item in items:
            content = item.get("content") or {}
            published = _when(content.get("create_time") or item.get("update_time"))
            for news in content.get("news_item") or []:
                url = canonical_url(str(news.get("url", "")))
                if not url.startswith("https://mp.weixin.qq.com/"):
                    continue
                if news.get("is_deleted"):
                    yield Gone(url, "deleted by the publisher (is_deleted in freepublish)")
                elif url in ctx.known and ctx.known[url] is None and not ctx.full and not ctx.sweep \
                        and not ctx.is_recent(published) and url not in ctx.recent:
                    yield Seen(url)
                else:  # new, or due for a re-check (only new ones lead to the next page)
                    fresh = fresh or url not in ctx.known or ctx.known[url] is not None
                    yield article_post(news, published, source)
        offset += len(items)
        if not items or offset >= int(data.get("total_count") or 0):
            complete = True
            if offset == 0:
                yield Note(f"{source.url}cgi-bin/freepublish/batchget", NOTHING_LISTED)
            break
        if not fresh and not ctx.full and not ctx.walk_whole and not ctx.sweep:
            break
    yield Listed(complete=complete)
