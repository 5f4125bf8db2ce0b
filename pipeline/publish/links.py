"""URLs for publishing: safe absolute links, absolute URLs inside body HTML, MIME types, ids."""

from __future__ import annotations

import html
import mimetypes
import re
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from pipeline.errors import UnsafePathError
from pipeline.models import SLUG as _SLUG  # ids become file names, so they must be plain slugs (never titles)
from pipeline.models import ChannelCopy, ItemView

LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
FETCH_SCHEMES = frozenset({"http", "https"})

# The stdlib table only (no /etc/mime.types), so every machine builds the same bytes;
# plus the formats Chinese offices attach that the stdlib does not know.
_MIME = mimetypes.MimeTypes()
_EXTRA_MIME = {
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".wps": "application/vnd.ms-works",
    ".et": "application/vnd.ms-excel",
    ".ofd": "application/ofd",
    ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}


def check_slug(value: str, what: str) -> str:
    """Return ``value`` if it is usable as a file name, else raise UnsafePathError."""
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise UnsafePathError(f"{what} {value!r} is not a slug usable as a file name")
    return value


# Browsers drop tab and newline anywhere in a URL and C0 controls and spaces at its
# ends before reading the scheme ("java\tscript:" is javascript:); so do we.
_URL_NOISE = re.compile(r"[\t\n\r]")
_URL_ENDS = "".join(chr(i) for i in range(0x21))
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def safe_url(url: str, base: str = "", schemes: frozenset[str] = LINK_SCHEMES) -> str:
    """``url`` made absolute against ``base``; "" when it is not a link we will print."""
    url = _URL_NOISE.sub("", url or "").strip(_URL_ENDS)
    if not url:
        return ""
    m = _SCHEME.match(url)
    if m:
        return encode_illegal(url) if m.group(1).lower() in schemes else ""
    if not base:
        return ""  # relative, and nothing to resolve it against
    try:
        joined = _join(base, url)
    except ValueError:
        return ""
    m = _SCHEME.match(joined)
    return encode_illegal(joined) if m and m.group(1).lower() in schemes else ""


_ILLEGAL = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')  # never valid in a URL (WHATWG); Chinese is left alone


def encode_illegal(url: str) -> str:
    """Percent-encode what may not stand in a URL (a quote, a space …), as a browser would."""
    return _ILLEGAL.sub(lambda m: f"%{ord(m.group(0)):02X}", url) if _ILLEGAL.search(url) else url


# An http(s) base's origin, when its host part is plain ASCII (anything else goes through urljoin).
_WEB_ORIGIN = re.compile(r"(https?)://([A-Za-z0-9.\-:@%_~!$&'()*+,=]*)(?=[/?#]|$)", re.IGNORECASE)
_ROOTED_PATH = re.compile(r"/(?!/)[^?#;]*")  # "/a/b.pdf"; not "//host", no query, fragment or ;params


def _web_origin(base: str) -> str:
    """The "scheme://host" of an http(s) base ("" for any other)."""
    m = _WEB_ORIGIN.match(base)
    if m:
        return f"{m.group(1).lower()}://{m.group(2)}"  # what urlsplit gives, for a fraction of its cost
    if base and _SCHEME.match(base) and base[: base.find(":")].lower() in FETCH_SCHEMES:
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def _join(base: str, url: str) -> str:
    """urljoin(base, url), without its cost for the common case: a path from the root with no
    dot segments, query, fragment or parameters, against an http(s) base (origin + path)."""
    if _ROOTED_PATH.fullmatch(url) and "/." not in url:
        m = _WEB_ORIGIN.match(base)
        if m:
            return f"{m.group(1).lower()}://{m.group(2)}{url}"
    return urljoin(base, url)


def guess_type(url: str, name: str = "") -> str:
    """A MIME type from the URL's extension, else the file name's; octet-stream if unknown."""
    for candidate in (urlsplit(url).path, name):
        dot = candidate.rfind(".")
        if dot < 0:
            continue
        ext = candidate[dot:].lower()
        found = _EXTRA_MIME.get(ext) or _MIME.types_map[1].get(ext)
        if found:
            return found
    return "application/octet-stream"


def first_copy(item: ItemView) -> ChannelCopy | None:
    """The first-published copy with a web URL (undated copies last): the base for relative URLs."""
    usable = [c for c in item.copies if safe_url(c.url, "", FETCH_SCHEMES)]
    if not usable:
        return None
    return min(
        usable,
        key=lambda c: (c.published_at is None, c.published_at or datetime.min.replace(tzinfo=timezone.utc)),
    )


# A start tag with attributes, honouring quoted attribute values (which may contain ">"),
# and one attribute of it. Attributes are read one after another from the tag name on, so
# a value such as title="a href=x" is never mistaken for an attribute. Tags without
# attributes (a body's many bare <p>) hold no URL and are passed over.
_TAG = re.compile(
    r"""<[A-Za-z][^\s/>]*+(?:\s*[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)+\s*/?>""")
_TAG_NAME = re.compile(r"<[A-Za-z][^\s/>]*")
_ATTR = re.compile(r"""(\s*)([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_URL_ATTRS = {"href": LINK_SCHEMES, "cite": LINK_SCHEMES, "src": FETCH_SCHEMES, "poster": FETCH_SCHEMES}
_URL_ATTR_HINT = re.compile("|".join(_URL_ATTRS), re.IGNORECASE)  # anywhere in the tag: a cheap pre-check


def absolutize_html(body: str, base: str) -> str:
    """Make every link and source in sanitised HTML absolute against ``base``.

    Only tags are touched (text stays byte for byte). A URL whose scheme is not a plain
    web link after joining is dropped: defence in depth behind the upstream sanitiser.
    """
    if not body or ("href" not in body and "src" not in body and "cite" not in body):
        return body
    origin = _web_origin(base)

    def fix(tag: re.Match[str]) -> str:
        text = tag.group(0)
        return _fix_tag(text, base, origin) if _URL_ATTR_HINT.search(text) else text  # most tags hold no URL

    return _TAG.sub(fix, body)


def _fix_tag(tag: str, base: str, origin: str) -> str:
    pos = _TAG_NAME.match(tag).end()  # type: ignore[union-attr]  # _TAG matched
    out = [tag[:pos]]
    while True:
        m = _ATTR.match(tag, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        name = m.group(2).lower()
        schemes = _URL_ATTRS.get(name)
        if schemes is None:
            out.append(m.group(0))
            continue
        double, single, bare = m.group(3, 4, 5)
        raw = double if double is not None else single if single is not None else bare or ""
        value = html.unescape(raw).strip()
        if value.startswith("#"):
            out.append(m.group(0))  # an anchor within the same text
            continue
        if origin and value.startswith("/") and not value.startswith("//") and "/." not in value:
            url = encode_illegal(origin + value)  # the common case, without urljoin's cost
        else:
            url = safe_url(value, base, schemes)
        if url:
            out.append(f'{m.group(1) or " "}{m.group(2)}="{html.escape(url, quote=True)}"')
    out.append(tag[pos:])
    return "".join(out)


_IMG_OR_A = re.compile(r"<(?:img|a)(?=[\s/>])[^>]*>", re.IGNORECASE)
_HAS_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)
_HAS_HREF = re.compile(r"\shref\s*=", re.IGNORECASE)
_HAS_SRC = re.compile(r"\ssrcset\s*=|\ssrc\s*=", re.IGNORECASE)
_REFERRER_POLICY = re.compile(r"""\sreferrerpolicy\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_KEEP_ON_A = re.compile(r"""(?<=\s)(?:id|title)\s*=\s*(?:"[^"]*"|'[^']*')""", re.IGNORECASE)
IMAGE_ALT = "图片"  # for an image the channel gave no text for (WeChat and Weibo images have none)
# WeChat's image CDN (mmbiz.qpic.cn) and Weibo's (sinaimg.cn) answer a request whose Referer is
# another site with a "未经允许不可引用" placeholder, and accept one without a Referer. So a
# body's images (theirs, like any third party's) are fetched without one; the attribute travels
# with the body into the feeds, and the rest of the site keeps the browser's default policy.
IMAGE_REFERRER_POLICY = "no-referrer"


def repair_tags(body: str) -> str:
    """Make sanitised body HTML valid and showable where its source left gaps: an image without a
    source goes, one without ``alt`` gets a plain one, every image is fetched without a Referer
    (IMAGE_REFERRER_POLICY); a link whose URL the sanitiser dropped loses the attributes that only
    a link may carry (rel, target …), so it stays as text."""
    if "<img" not in body and "<a" not in body:
        return body

    def fix(m: re.Match[str]) -> str:
        tag = m.group(0)
        if tag[1:4].lower() == "img":
            if not _HAS_SRC.search(tag):
                return ""  # its source was not safe to keep: nothing to show
            alt = "" if _HAS_ALT.search(tag) else f' alt="{IMAGE_ALT}"'
            tag = _REFERRER_POLICY.sub("", tag)  # ours, whatever the body said
            end = -2 if tag.endswith("/>") else -1
            return f'{tag[:end].rstrip()}{alt} referrerpolicy="{IMAGE_REFERRER_POLICY}"{tag[end:]}'
        if _HAS_HREF.search(tag):
            return tag
        keep = _KEEP_ON_A.findall(tag)  # an anchor's id stays a target
        return "<a" + "".join(f" {k}" for k in keep) + ">"

    return _IMG_OR_A.sub(fix, body)
