"""What collectors share: the events they yield, the run context, and HTML helpers.

A collector is a generator `collect(source, ctx)` that yields:
  Post     a copy it found (the job stores it; unchanged ones are cheap)
  Seen     a known post still listed upstream (nothing fetched)
  Gone     a post withdrawn upstream (404/410, "已被发布者删除")
  Problem  one URL that failed; the collector goes on with the rest
  Note     something worth a warning that is not a failure (pages only scripts reach)
  Listed   the listing was read this run (not a 304); `complete` when the collector walked
           all of it, so a known post missing from it may have been withdrawn upstream
A failure of the source as a whole (its list page or feed unreachable) is raised
as a FetchError / SourceError and recorded against the source by the job.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from html import escape as html_escape
from urllib.parse import urljoin

from lxml import etree
from lxml.etree import _Element as HtmlElement  # what lxml's HTML parser gives
from lxml.cssselect import CSSSelector

from pipeline.errors import FetchError, HttpStatusError, XxgkError
from pipeline.fetch import Fetcher
from pipeline.models import SHANGHAI, Attachment, Post
from pipeline.normalize import clean_text, html_parser

from .parsing import PageParser, ParseProblem

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


@dataclass(frozen=True)
class Note:
    url: str
    message: str


@dataclass(frozen=True)
class Listed:
    complete: bool


Event = Post | Seen | Gone | Problem | Note | Listed


def article_event(url: str, outcome: object) -> Event:
    """What a fetched (and parsed) article page says: Gone (404/410, or the page says so),
    Problem (the fetch or the parse failed), Seen (a 304: unchanged), else the parsed Post."""
    if isinstance(outcome, HttpStatusError) and outcome.status in (404, 410):
        return Gone(url, f"HTTP {outcome.status}")
    if isinstance(outcome, FetchError):
        return Problem(url, str(outcome))
    if isinstance(outcome, ParseProblem):
        return Problem(url, outcome.message)
    if isinstance(outcome, Gone):
        return Gone(url, outcome.reason)
    if isinstance(outcome, Post):
        return outcome
    return Seen(url)


@dataclass
class Context:
    """What a collector may use: the one HTTP client and what the store already knows."""

    fetcher: Fetcher
    known: dict[str, str | None] = field(default_factory=dict)  # canonical URL → withdrawn_at
    full: bool = False  # re-crawl everything (--full)
    now: datetime | None = None
    recheck_days: int = 30  # known articles this recent are re-checked for edits
    recent: tuple[str, ...] = ()  # known, not withdrawn, published within recheck_days: re-check these
    tz: tzinfo = SHANGHAI
    log: Callable[[str], None] = lambda message: None
    parser: PageParser = field(default_factory=lambda: PageParser(workers=0))  # where article pages are parsed

    def is_recent(self, when: datetime | None) -> bool:
        if when is None or self.now is None:
            return False
        return self.now - when <= timedelta(days=self.recheck_days)


# -- HTML helpers: lxml (BeautifulSoup was most of a crawl's time) ---------------------------
# The helpers mirror what the collectors used from BeautifulSoup: text without scripts,
# styles and comments, selectors that match below (never at) the element they start from.
_XML_DECLARATION = re.compile(r"^[\s\ufeff]*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"\s+")
_EMPTY_PAGE = "<html><body></body></html>"


def parse_html(html: str) -> HtmlElement:
    """The page's <html> element. lxml refuses a str with an XML encoding declaration: drop it.

    lxml's HTML parser without lxml.html's element classes: the same tree, cheaper nodes."""
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        root = etree.fromstring(html, html_parser())
    except (etree.ParserError, ValueError):
        root = None
    if root is None:  # empty, or only comments
        return etree.fromstring(_EMPTY_PAGE, html_parser())
    return _whole_document(root)


def _whole_document(root: HtmlElement) -> HtmlElement:
    """Markup after </html> becomes a second <html> beside the first (bs4 kept it too): hold all in one root."""
    if not any(_is_element(node) for node in (*root.itersiblings(), *root.itersiblings(preceding=True))):
        return root
    document = etree.Element("xxgk-document")
    document.extend([*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()])
    return document


_local = threading.local()  # per thread: the last page's meta tags


def _is_document(root: HtmlElement) -> bool:
    return root.getparent() is None


_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template"
                            " or ancestor::rt or ancestor::rp)]", smart_strings=False)


def strings(root: HtmlElement) -> list[str]:
    """The visible text nodes under root, in page order (no script/style/comment text)."""
    return _VISIBLE_TEXT(root)


def _is_element(node) -> bool:
    return isinstance(node.tag, str)  # comments and processing instructions have a function as tag


def text_of(root: HtmlElement | None, separator: str = "") -> str:
    return separator.join(strings(root)) if root is not None else ""


_ALL_TEXT = etree.XPath("string()")  # every text node, scripts' too: an upper bound of the visible text
_HIDDEN_TEXT = etree.XPath("boolean(.//script | .//style | .//template | .//rt | .//rp)")


def short_text(root: HtmlElement, limit: int) -> str | None:
    """The element's text, or None as soon as it holds more than `limit` non-space characters."""
    if not _HIDDEN_TEXT(root):  # all its text is visible: count it in one piece, from C
        everything = _ALL_TEXT(root)
        fits = len(everything) <= limit or len("".join(everything.split())) <= limit
        return everything if fits else None
    parts, seen = [], 0
    for part in strings(root):
        seen += len(_WS.sub("", part))
        if seen > limit:
            return None
        parts.append(part)
    return "".join(parts)


def descendants(root: HtmlElement, *tags: str) -> Iterator[HtmlElement]:
    """Elements with these tags below root (the document's own <html> included), in page order."""
    if tags:  # iter() by tag yields elements only
        found = root.iter(*tags)
        return found if _is_document(root) else (el for el in found if el is not root)
    found = root.iter()
    if not _is_document(root):
        found = (el for el in found if el is not root)
    return (el for el in found if _is_element(el))


def inner_html(root: HtmlElement) -> str:
    """The markup inside an element, as bs4's decode_contents() gave it (stored bodies stay byte-identical,
    so no post looks edited): whitespace-only text collapsed to one newline or space outside <pre> and
    <textarea>, attributes in name order."""
    root = copy.deepcopy(root)
    keep_space = any(el.tag in _KEEP_SPACE for el in (*root.iterancestors(), *root.iter(*_KEEP_SPACE)))
    for el in root.iter():
        if el is not root and el.tail and _ASCII_SPACE.fullmatch(el.tail) and not (keep_space and _in_pre(el.getparent())):
            el.tail = "\n" if "\n" in el.tail else " "
        if not _is_element(el):
            continue  # a comment's own text is dropped by clean_html anyway
        if el.text and _ASCII_SPACE.fullmatch(el.text) and not (keep_space and _in_pre(el)):
            el.text = "\n" if "\n" in el.text else " "
        if len(el.attrib) > 1:
            attributes = sorted(el.attrib.items())
            el.attrib.clear()
            el.attrib.update(attributes)
    head = html_escape(root.text, quote=False) if root.text else ""
    return head + "".join(etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in root)


_KEEP_SPACE = ("pre", "textarea")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")


def _in_pre(el: HtmlElement | None) -> bool:
    return el is not None and (el.tag in _KEEP_SPACE or any(a.tag in _KEEP_SPACE for a in el.iterancestors()))


def meta_content(root: HtmlElement, *names: str) -> str:
    """The first non-empty <meta name=…> or <meta property=…> among names."""
    by_name, by_property = _meta_tags(root)
    for name in names:
        tag = by_name.get(name)
        if tag is None:
            tag = by_property.get(name)
        if tag is not None and (tag.get("content") or "").strip():
            return clean_text(tag.get("content"))
    return ""


def _meta_tags(root: HtmlElement) -> tuple[dict[str, HtmlElement], dict[str, HtmlElement]]:
    """<meta> tags by name and by property (the first of each); the last page's are kept, as a
    parser asks for several names in a row."""
    last = getattr(_local, "meta_tags", None)
    if last is not None and last[0] is root:
        return last[1]
    by_name: dict[str, HtmlElement] = {}
    by_property: dict[str, HtmlElement] = {}
    for tag in root.iter("meta"):
        if tag.get("name") is not None:
            by_name.setdefault(tag.get("name"), tag)
        if tag.get("property") is not None:
            by_property.setdefault(tag.get("property"), tag)
    _local.meta_tags = (root, (by_name, by_property))
    return by_name, by_property


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """Elements matching one CSS selector below root (the document's own <html> included)."""
    found = _compiled(selector)(root)
    return found if _is_document(root) else [el for el in found if el is not root]


def select_one(root: HtmlElement, selector: str | None) -> HtmlElement | None:
    if not selector:
        return None
    for part in selector.split("||"):  # "a || b": the first selector that matches
        found = select(root, part.strip())
        if found:
            return found[0]
    return None


def find_attachments(root: HtmlElement | None, base_url: str) -> tuple[Attachment, ...]:
    """Links to documents (pdf, doc, xls, ofd, zip …) with their link text, in page order, once each."""
    if root is None:
        return ()
    seen: dict[str, Attachment] = {}
    for a in descendants(root, "a"):
        if a.get("href") is None:
            continue
        href = a.get("href").strip()
        if _ATTACHMENT_RE.search(href):
            url = urljoin(base_url, href)
            name = clean_text(text_of(a)) or a.get("title", "") or url.rsplit("/", 1)[-1]
            seen.setdefault(url, Attachment(url=url, name=name))
    return tuple(seen.values())


def image_urls(root: HtmlElement | None, base_url: str) -> tuple[str, ...]:
    if root is None:
        return ()
    urls = []
    for img in descendants(root, "img"):
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


def metadata_table(root: HtmlElement) -> dict[str, str]:
    """Label/value pairs of a gov metadata block (索引号, 发布机构, 生成日期, 文号, 主题分类, 有效性 …).

    Works on th/td tables, `<td><b>label：</b></td><td>value</td>` tables and
    `label：value` lines; only known labels are kept.
    """
    found: dict[str, str] = {}
    for cell in descendants(root, *_META_CELLS):
        own = short_text(cell, 40)  # a layout cell holding the whole page is never a label: stop early
        own = clean_text(own) if own is not None else ""
        if not own or len(own) > 40:
            continue
        label, _, rest = own.partition("：") if "：" in own else own.partition(":")
        key = META_TABLE_LABELS.get(_LABEL_JUNK.sub("", label))
        if not key or key in found:
            continue
        if rest.strip():
            value = rest.strip()
        else:
            sibling = _next_sibling(cell, ("td", "dd", "span", "div"))
            parent = cell.getparent()
            if sibling is None and parent is not None and parent.tag in ("td", "th"):
                sibling = _next_sibling(parent, ("td", "dd"))
            if sibling is None:
                continue
            value = clean_text(text_of(sibling))
            if _LABEL_JUNK.sub("", value.partition("：")[0]) in META_TABLE_LABELS:
                value = ""  # the next cell is another label: this field is empty
        found[key] = value
    return found


_META_CELLS = ("th", "td", "dt", "span", "li", "label", "b", "strong")

def _next_sibling(el: HtmlElement, tags: tuple[str, ...]) -> HtmlElement | None:
    return next((s for s in el.itersiblings() if s.tag in tags), None)


def first(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")
