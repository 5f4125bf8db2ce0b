"""The one HTML toolkit: collected HTML read, sanitised and turned into text.

- Sanitising: `clean_html` is an allow-list (nh3) and runs once, on the way in, with every
  URL made absolute — collected HTML is hostile until then.
- Text: `html_to_text` (one line per block) for stored bodies; `text_of`, `strings`,
  `short_text` for the text of a page's elements.
- Reading pages (lxml; BeautifulSoup was most of a crawl's time): `parse_html`, CSS `select`
  / `select_one`, `inner_html`, `meta_content`, gov `metadata_table`s, attachments, images.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from html import escape as html_escape
from typing import cast
from urllib.parse import urljoin, urlsplit

import nh3
from lxml import etree
from lxml.etree import _Element as HtmlElement  # what lxml's HTML parser gives
from lxml.cssselect import CSSSelector

from .models import Attachment
from .normalize import clean_text, strip_controls

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "et", "ppt", "pptx")
_ATTACHMENT_RE = re.compile(r"\.(%s)(?:$|\?)" % "|".join(ATTACHMENT_EXTENSIONS), re.I)

# -- sanitising and text: nh3, lxml ------------------------------------------------------------
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol",
    "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_ATTRIBUTES = {("a", "href"), ("img", "src")}
SAFE_SCHEMES = {"http", "https", "mailto"}
class _PerThread(threading.local):
    """Per thread: the HTML parser and the sanitiser (neither is for sharing), the base URL,
    the last page's meta tags."""

    cleaner: nh3.Cleaner
    html: etree.HTMLParser
    base_url: str
    meta_tags: tuple[HtmlElement, tuple[dict[str, HtmlElement], dict[str, HtmlElement]]]


_local = _PerThread()


def clean_html(html: str, base_url: str = "") -> str:
    """Allow-list sanitise collected HTML; URLs absolute against base_url; unsafe URLs dropped."""
    _local.base_url = base_url  # what _keep makes URLs absolute against, in this thread
    return strip_controls(_cleaner().clean(html)).strip()


def _cleaner() -> nh3.Cleaner:
    """This thread's sanitiser, built once: building one costs more than cleaning a page."""
    if not hasattr(_local, "cleaner"):
        _local.cleaner = nh3.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=SAFE_SCHEMES,
            attribute_filter=_keep,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
    return _local.cleaner


def _keep(element: str, attribute: str, value: str) -> str | None:
    if (element, attribute) not in URL_ATTRIBUTES:
        return value
    base_url = _local.base_url
    absolute = urljoin(base_url, value.strip()) if base_url else value.strip()
    return absolute if urlsplit(absolute).scheme in SAFE_SCHEMES else None


_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "dd", "dt"}


def html_to_text(html: str) -> str:
    """Readable text of an HTML fragment: one line per block, whitespace collapsed."""
    if not html.strip():
        return ""
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        block = element.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if element.text and isinstance(element.tag, str):
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n")
        if element.tail:
            parts.append(element.tail)

    # The body of the document lxml.html.fragment_fromstring would build, walked as its <div>
    # (a block, like the body); plain lxml elements are cheaper than lxml.html's.
    document = etree.fromstring(f"<html><body>{html}</body></html>", html_parser())
    body = document.find("body") if document is not None else None
    if body is None:
        return ""
    walk(body)
    text = _INLINE_SPACE.sub(" ", "".join(parts))
    lines = (line.strip() for line in strip_controls(text).split("\n"))
    return "\n".join(line for line in lines if line)


_INLINE_SPACE = re.compile(r"[ \t\u3000\xa0]+")


def html_parser() -> etree.HTMLParser:
    """lxml's HTML parser for this thread (a parser object is not for sharing between threads)."""
    if not hasattr(_local, "html"):
        _local.html = etree.HTMLParser()
    return _local.html


# -- reading pages: lxml (BeautifulSoup was most of a crawl's time) --------------------------
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


def _is_document(root: HtmlElement) -> bool:
    return root.getparent() is None


_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template"
                            " or ancestor::rt or ancestor::rp)]", smart_strings=False)


def strings(root: HtmlElement) -> list[str]:
    """The visible text nodes under root, in page order (no script/style/comment text)."""
    return cast(list[str], _VISIBLE_TEXT(root))  # text() nodes, plain strings (smart_strings=False)


def _is_element(node: HtmlElement) -> bool:
    return isinstance(node.tag, str)  # comments and processing instructions have a function as tag


def text_of(root: HtmlElement | None, separator: str = "") -> str:
    return separator.join(strings(root)) if root is not None else ""


def all_text(root: HtmlElement) -> str:
    """Every text node below root in one string, scripts' too: an upper bound of the visible text.
    (libxml2 joins them; an XPath string() does the same at twice the cost.)"""
    return etree.tostring(root, method="text", encoding="unicode", with_tail=False)


_HIDDEN = ("script", "style", "template", "rt", "rp")  # the elements whose text strings() leaves out


def short_text(root: HtmlElement, limit: int) -> str | None:
    """The element's text, or None as soon as it holds more than `limit` non-space characters."""
    if next(root.iterdescendants(*_HIDDEN), None) is None:  # all its text is visible: count it in one piece
        everything = all_text(root)
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
    if _tidy(root, change=False):  # most bodies are tidy already: the page's tree is serialised as it is
        root = copy.deepcopy(root)
        _tidy(root, change=True)
    head = html_escape(root.text, quote=False) if root.text else ""
    return head + "".join(etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in root)


def _tidy(root: HtmlElement, change: bool) -> bool:
    """Collapse whitespace-only text below root and order attributes by name; whether anything was
    (or, with change=False, would be) changed. Only a <pre> or <textarea> at or below root keeps space."""
    keep_space = next(root.iter(*_KEEP_SPACE), None) is not None
    untidy = False
    for el in root.iter():
        tail = el.tail
        if tail and _collapsed(tail) != tail and el is not root \
                and not (keep_space and _in_pre(el.getparent(), root)):
            if not change:
                return True
            el.tail, untidy = _collapsed(tail), True
        if not _is_element(el):
            continue  # a comment's own text is dropped by clean_html anyway
        text = el.text
        if text and _collapsed(text) != text and not (keep_space and _in_pre(el, root)):
            if not change:
                return True
            el.text, untidy = _collapsed(text), True
        # Re-adding attributes orders them and gives a bare one (<td nowrap>) an empty value.
        names = el.keys()
        if len(names) > 1 and (names != sorted(names) or "" in el.values()):
            if not change:
                return True
            attributes = sorted(el.attrib.items())
            el.attrib.clear()
            el.attrib.update(attributes)
            untidy = True
    return untidy


def _collapsed(text: str) -> str:
    """Whitespace-only text as bs4 stored it, one newline or one space; other text as it is."""
    if text == "\n" or text == " " or not _ASCII_SPACE.fullmatch(text):
        return text
    return "\n" if "\n" in text else " "


_KEEP_SPACE = ("pre", "textarea")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")


def _in_pre(el: HtmlElement | None, root: HtmlElement) -> bool:
    """Whether el is, or is inside, a <pre> or <textarea> at or below root."""
    while el is not None:
        if el.tag in _KEEP_SPACE:
            return True
        if el is root:
            return False
        el = el.getparent()
    return False


def meta_content(root: HtmlElement, *names: str) -> str:
    """The first non-empty <meta name=…> or <meta property=…> among names."""
    by_name, by_property = _meta_tags(root)
    for name in names:
        tag = by_name.get(name)
        if tag is None:
            tag = by_property.get(name)
        content = tag.get("content") if tag is not None else None
        if content and content.strip():
            return clean_text(content)
    return ""


def _meta_tags(root: HtmlElement) -> tuple[dict[str, HtmlElement], dict[str, HtmlElement]]:
    """<meta> tags by name and by property (the first of each); the last page's are kept, as a
    parser asks for several names in a row."""
    last = cast("tuple[HtmlElement, tuple[dict[str, HtmlElement], dict[str, HtmlElement]]] | None",
                getattr(_local, "meta_tags", None))
    if last is not None and last[0] is root:
        return last[1]
    by_name: dict[str, HtmlElement] = {}
    by_property: dict[str, HtmlElement] = {}
    for tag in root.iter("meta"):
        name, prop = tag.get("name"), tag.get("property")
        if name is not None:
            by_name.setdefault(name, tag)
        if prop is not None:
            by_property.setdefault(prop, tag)
    _local.meta_tags = (root, (by_name, by_property))
    return by_name, by_property


@lru_cache(maxsize=512)
def _compiled(selector: str) -> etree.XPath:
    return etree.XPath(_attribute_first(CSSSelector(selector, translator="html").path))


# cssselect's XPath for `tag.class` and `tag#id`: an element step with a predicate on one attribute.
_CLASS_STEP = re.compile(r"descendant-or-self::([\w*-]+)\[@class and contains\(@class, ('[^']*')\)"
                         r" and contains\(concat\(' ', normalize-space\(@class\), ' '\), ('[^']*')\)\]")
_ID_STEP = re.compile(r"descendant-or-self::([\w*-]+)\[@id = ('[^']*')\]")


def _attribute_first(path: str) -> str:
    """The same selection, stepping to the class or id attribute first and back to its element
    (`tag/@class[…]/..`): libxml2 then tests only the elements that have one, where a predicate
    on every element of the page costs twice the whole selection. Other paths stay as they are."""
    steps = []
    for step in path.split(" | "):  # a selector list: each must be simple (a literal holding " | " is not)
        if found := _CLASS_STEP.fullmatch(step):
            tag, contained, word = found.groups()
            steps.append(f"descendant-or-self::{tag}/@class[contains(., {contained})"
                         f" and contains(concat(' ', normalize-space(.), ' '), {word})]/..")
        elif found := _ID_STEP.fullmatch(step):
            steps.append(f"descendant-or-self::{found[1]}/@id[. = {found[2]}]/..")
        else:
            return path
    return " | ".join(steps)


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
    if root is None or not _ATTACHMENT_LIKE.search(" ".join(_HREFS(root))):  # most pages link no document
        return ()
    seen: dict[str, Attachment] = {}
    for a in descendants(root, "a"):
        href = a.get("href")
        if href is None:
            continue
        href = href.strip()
        if _ATTACHMENT_RE.search(href):
            url = urljoin(base_url, href)
            name = clean_text(text_of(a)) or a.get("title", "") or url.rsplit("/", 1)[-1]
            seen.setdefault(url, Attachment(url=url, name=name))
    return tuple(seen.values())


_HREFS = etree.XPath("descendant::a/@href", smart_strings=False)
_ATTACHMENT_LIKE = re.compile(r"\.(?:%s)" % "|".join(ATTACHMENT_EXTENSIONS), re.I)  # what _ATTACHMENT_RE needs


_LAZY_IMAGE = re.compile(r'<img([^>]*?)\sdata-src=("[^"]*"|\'[^\']*\')')


def lazy_images(html: str) -> str:
    """WeChat and some CMSs put an image's real address in data-src: keep it as src."""
    return _LAZY_IMAGE.sub(r"<img\1 src=\2", html)


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
        if not _may_hold_label(cell):  # most cells of a page: skipped without measuring their text
            continue
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
_LABEL_ENDS = re.compile("[%s]" % "".join(sorted({label[-1] for label in META_TABLE_LABELS})))


def _may_hold_label(cell: HtmlElement) -> bool:
    """False when no text in the cell holds the last character of a known label (so it starts with none)."""
    text = all_text(cell) if len(cell) else cell.text  # a cell of text only: nothing to join
    return text is not None and _LABEL_ENDS.search(text) is not None


def _next_sibling(el: HtmlElement, tags: tuple[str, ...]) -> HtmlElement | None:
    return next((s for s in el.itersiblings() if s.tag in tags), None)


def first(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")
