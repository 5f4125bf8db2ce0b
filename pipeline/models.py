"""The record types every stage shares: Post, Item (as published), Category.

A Post is one copy of a piece of information as one channel showed it; an Item
is the piece of information itself (the cluster of its posts). Times are always
timezone-aware.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from zoneinfo import ZoneInfo

from .errors import InternalError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today(tz: tzinfo) -> date:
    """Today in a time zone: the office's day (a register date, a deadline, a report) is not the machine's."""
    return datetime.now(tz).date()


# The one reading of a stored instant on the office's clock ([office] timezone): the day an item
# shows, the year it counts in, the time a page prints. Never a fixed zone, never the machine's.
def local_time(moment: datetime | str, tz: tzinfo) -> datetime:
    """``moment`` (aware, or the store's ISO 8601 text) as the office's clock in ``tz`` shows it."""
    dt = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if dt.tzinfo is None:  # astimezone would read it on the machine's clock
        raise InternalError(f"naive datetime {dt!r}: stored times carry their zone")
    return dt.astimezone(tz)


def local_date(moment: datetime | str, tz: tzinfo) -> date:
    """The office's day of ``moment`` (a page's 发布日期, a register date)."""
    return local_time(moment, tz).date()


def local_year(moment: datetime | str, tz: tzinfo) -> int:
    """The year ``moment`` counts in (annual report, feed tag, year pages)."""
    return local_time(moment, tz).year


def cn_date(d: date) -> str:
    """A day as Chinese documents write it (GB/T 9704-2012 成文日期): Arabic numerals, no leading zeros."""
    return f"{d.year}年{d.month}月{d.day}日"


def staff_day(moment: datetime | str, tz: tzinfo | None) -> str:
    """A stored instant as the day staff read it in a message (2021-03-05: when an entry was
    withdrawn, a report published), on the office's clock. ``tz`` None (a store opened without
    the office's config): the UTC day, said to be one, never passed off as the office's."""
    return local_date(moment, tz).isoformat() if tz else f"{local_date(moment, timezone.utc)}（UTC）"


def staff_time(moment: datetime | str, tz: tzinfo) -> str:
    """A stored instant as staff read it, to the minute, on the office's clock (2021-03-05 01:30)."""
    return local_time(moment, tz).strftime("%Y-%m-%d %H:%M")


def local_iso(moment: datetime | str, tz: tzinfo) -> str:
    """``moment`` on the office's clock as ISO 8601 with its offset (sorts like the instant)."""
    return local_time(moment, tz).isoformat()


# Channels, and which of them count as 政务微博、微信 in the annual report.
CHANNELS = ("wechat", "weibo", "website", "catalog")
SOCIAL_CHANNELS = frozenset({"wechat", "weibo"})
CHANNEL_LABELS = {"wechat": "微信", "weibo": "微博", "website": "网站", "catalog": "区公开目录"}  # as staff read them


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)
# The image hosts of each channel ("*." every sub-domain): the image archive may fetch from them
# (pipeline/collect/images.py), and all of them serve https (pipeline/publish/images.py).
CHANNEL_IMAGE_HOSTS = {"wechat": ("mmbiz.qpic.cn", "mmbiz.qlogo.cn"), "weibo": ("*.sinaimg.cn",)}

# Metadata keys a post may carry (English name → the label gov pages use).
META_LABELS = {
    "index_number": "索引号",
    "publisher": "发布机构",
    "formed_on": "生成日期",
    "doc_number": "文号",
    "topic": "主题分类",
    "validity": "有效性",
    "column": "栏目",
    "source_name": "来源",
    "account": "公众号",
    "author": "作者",
}


@dataclass(frozen=True)
class Attachment:
    url: str
    name: str


@dataclass(frozen=True)
class Post:
    """One copy of a piece of information, as one channel showed it."""

    source: str  # the configured source's name
    channel: str  # one of CHANNELS
    url: str  # canonical URL (normalize.canonical_url)
    title: str
    published_at: datetime | None  # aware; None when the page gave no date
    body_html: str = ""  # sanitised HTML
    body_text: str = ""
    attachments: tuple[Attachment, ...] = ()
    images: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)  # keys from META_LABELS

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise InternalError(f"unknown channel {self.channel!r}")
        if self.published_at is not None and self.published_at.tzinfo is None:
            raise InternalError("published_at must be timezone-aware")


# What an id that names a file (a category's page and feed, an item's page) may be: a plain slug.
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class Category:
    """A node of the disclosure catalog tree (公开目录)."""

    id: str  # slug, stable
    name: str
    parent: str | None = None
    position: int = 0


@dataclass(frozen=True)
class ChannelCopy:
    """Where an item was shown: one of its posts, as the item page links it."""

    channel: str
    url: str
    published_at: datetime | None
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class ArchivedImage:
    """A body image kept by [collect] archive_images: the URL the body shows, the copy's file."""

    url: str
    name: str  # <sha256>.<ext>: what the site calls it (site/img/NAME)
    path: str  # where the archive keeps it (beside the database)


@dataclass(frozen=True)
class ItemView:
    """An item as publishing sees it: everything a feed entry or a page needs."""

    id: str
    index_number: str  # 索引号
    title: str
    body_html: str
    summary: str
    published_at: datetime  # first publication, any channel
    updated_at: datetime  # last content change
    first_channel: str
    category: str  # Category.id of a leaf
    formed_on: date | None = None  # 生成日期
    publisher: str = ""  # 发布机构
    doc_number: str = ""  # 文号
    topic: str = ""  # 主题分类
    validity: str = ""  # 有效性
    copies: tuple[ChannelCopy, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    withdrawn: bool = False  # every copy withdrawn upstream
    images: tuple[ArchivedImage, ...] = ()  # the body's images kept by the archive (others stay where they are)
