"""What collectors share: the events they yield, the run context, and HTML helpers.

A collector is a generator `collect(source, ctx)` that yields:
  Post     a copy it found (the job stores it; unchanged ones are cheap)
  Seen     a known post still listed upstream (nothing fetched)
  Gone     a post withdrawn upstream (404/410, "已被发布者删除")
  Problem  one URL that failed; the collector goes on with the rest
A failure of the source as a whole (its list page or feed unreachable) is raised
as a FetchError / SourceError and recorded against the source by the job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from pipeline.errors import XxgkError
from pipeline.fetch import Fetcher
from pipeline.models import SHANGHAI, Attachment, Post
from pipeline.normalize import clean_text

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "et", "ppt", "pptx")
_ATTACHMENT_RE = re.compile(r"\.(%s)(?:$|\?)" % "|".join(ATTACHMENT_EXTENSIONS), re.I)


class SourceError(XxgkError):
    """A source as a whole could not be collected (a list or feed that is not what we expect)."""


@dataclass(frozen=True)
class Seen:
    url: str


@dataclass(frozen=True)
class Gone:
    url: str
    reason: str


@dataclass(frozen=True)
class Problem:
    url: str
    message: str


Event = Post | Seen | Gone | Problem


@dataclass
class Context:
    """What a collector may use: the one HTTP client and what the store already knows."""

    fetcher: Fetcher
    known: dict[str, str | None] = field(default_factory=dict)  # canonical URL → withdrawn_at
    full: bool = False  # re-crawl everything (--full)
    now: datetime | None = None
    recheck_days: int = 30  # known articles this recent are re-checked for edits
    tz: tzinfo = SHANGHAI
    log: Callable[[str], None] = lambda message: None

    def is_recent(self, when: datetime | None) -> bool:
        if when is None or self.now is None:
            return False
        return self.now - when <= timedelta(days=self.recheck_days)


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def meta_content(soup: BeautifulSoup, *names: str) -> str:
    """The first non-empty <meta name=…> or <meta property=…> among names."""
    for name in names:
        tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
        if tag and tag.get("content", "").strip():
            return clean_text(tag["content"])
    return ""


def select_one(root: Tag, selector: str | None) -> Tag | None:
    if not selector:
        return None
    for part in selector.split("||"):  # "a || b": the first selector that matches
        found = root.select_one(part.strip())
        if found is not None:
            return found
    return None


def find_attachments(root: Tag | None, base_url: str) -> tuple[Attachment, ...]:
    """Links to documents (pdf, doc, xls, ofd, zip …) with their link text, in page order, once each."""
    if root is None:
        return ()
    seen: dict[str, Attachment] = {}
    for a in root.find_all("a", href=True):
        href = a["href"].strip()
        if _ATTACHMENT_RE.search(href):
            url = urljoin(base_url, href)
            name = clean_text(a.get_text()) or a.get("title", "") or url.rsplit("/", 1)[-1]
            seen.setdefault(url, Attachment(url=url, name=name))
    return tuple(seen.values())


def image_urls(root: Tag | None, base_url: str) -> tuple[str, ...]:
    if root is None:
        return ()
    urls = []
    for img in root.find_all("img"):
        src = img.get("data-src") or img.get("src") or img.get("oldsrc") or ""
        if src.strip() and not src.startswith("data:"):
            urls.append(urljoin(base_url, src.strip()))
    return tuple(dict.fromkeys(urls))


# Labels of metadata tables on gov pages (spaces removed) → Post.meta keys.
META_TABLE_LABELS = {
    "索引号": "index_number",
    "发布机构": "publisher", "发文机关": "publisher", "发布单位": "publisher", "办文部门": "publisher",
    "发文机构": "publisher",
    "生成日期": "formed_on", "成文日期": "formed_on", "发文日期": "formed_on",
    "文号": "doc_number", "发文字号": "doc_number", "发布文号": "doc_number",
    "主题分类": "topic", "分类": "topic", "组配分类": "topic_group",
    "有效性": "validity", "时效": "validity", "是否有效": "validity",
    "发布日期": "published_on", "公开日期": "published_on",
    "公开方式": "disclosure_mode", "公开形式": "disclosure_mode",
    "主题词": "keywords", "关键词": "keywords",
    "标题": "doc_title", "名称": "doc_title", "公文名称": "doc_title",
}
_LABEL_JUNK = re.compile(r"[\s\u2002\u2003\u3000\xa0:：]+")


def metadata_table(root: Tag) -> dict[str, str]:
    """Label/value pairs of a gov metadata block (索引号, 发布机构, 生成日期, 文号, 主题分类, 有效性 …).

    Works on th/td tables, `<td><b>label：</b></td><td>value</td>` tables and
    `label：value` lines; only known labels are kept.
    """
    found: dict[str, str] = {}
    for cell in root.find_all(["th", "td", "dt", "span", "li", "label", "b", "strong"]):
        own = clean_text(cell.get_text())
        if not own or len(own) > 40:
            continue
        label, _, rest = own.partition("：") if "：" in own else own.partition(":")
        key = META_TABLE_LABELS.get(_LABEL_JUNK.sub("", label))
        if not key or key in found:
            continue
        if rest.strip():
            value = rest.strip()
        else:
            sibling = cell.find_next_sibling(["td", "dd", "span", "div"])
            if sibling is None and cell.parent is not None and cell.parent.name in ("td", "th"):
                sibling = cell.parent.find_next_sibling(["td", "dd"])
            if sibling is None:
                continue
            value = clean_text(sibling.get_text())
            if _LABEL_JUNK.sub("", value.partition("：")[0]) in META_TABLE_LABELS:
                value = ""  # the next cell is another label: this field is empty
        found[key] = value
    return found


def first(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")
