"""Scraped text, dates, canonical URLs and titles, normalised.

HTML itself (parsing, selecting, sanitising, text of a page) is the one HTML toolkit,
pipeline/htmltools.py.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


_SPACE = re.compile(r"\s+")  # \s covers the ideographic space and the no-break space


def clean_text(text: str) -> str:
    """One line of scraped text: whitespace (incl. ideographic spaces) collapsed, control and
    bidi-override characters gone."""
    return _SPACE.sub(" ", strip_controls(text)).strip()


def halfwidth(text: str) -> str:
    """Full-width digits and punctuation (２０２１－０３－０１) as ASCII: accepted in every
    date and number a clerk types, on the command line, in forms and in imported files."""
    return unicodedata.normalize("NFKC", text).strip()


# C0 controls but tab, newline and carriage return; DEL; C1 controls; the bidi marks, embeddings,
# overrides and isolates (U+202E makes "gpj.exe" read as "exe.jpg"): nothing a title or text needs.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """text without control or bidi-override characters."""
    return _CONTROLS.sub("", text)


# -- dates ------------------------------------------------------------------------------
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T\u3000]*(?P<H>\d{1,2})[:：时](?P<M>\d{2})(?:[:：分](?P<S>\d{2}))?)?"
)


def parse_date(text: str | None, tz: tzinfo) -> datetime | None:
    """The first date (and time) in text, as an aware datetime in tz; None when there is none.

    Handles 2020-05-12, 2020年5月12日, 2020/5/12 09:30, 发布时间：…, ISO 8601 with an
    offset, RFC 822 (feeds) and WeChat-style unix seconds.
    """
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{9,10}", text):
        return datetime.fromtimestamp(int(text), tz)
    if re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text):
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return value if value.tzinfo else value.replace(tzinfo=tz)
        except ValueError:
            pass
    if re.match(r"[A-Za-z]{3},? ", text):
        try:
            value = parsedate_to_datetime(text)
            return value if value.tzinfo else value.replace(tzinfo=tz)
        except (TypeError, ValueError):
            pass
    match = _DATE.search(text)
    if not match:
        return None
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    try:
        return datetime(parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"], tzinfo=tz)
    except ValueError:
        return None


# -- URLs -------------------------------------------------------------------------------
_TRACKING = re.compile(r"^(utm_.*|spm|from|isappinstalled|scene|subscene|share_.*|sharer_.*|clicktime|enterid|"
                       r"chksm|mpshare|srcid|sessionid|ascene|devicetype|nettype|exportkey|pass_ticket|wx_header)$")
_WECHAT_KEYS = ("__biz", "mid", "idx", "sn")
_INDEX_PAGES = re.compile(r"/(index|default)\.(html?|shtml|jsp|php|aspx?)$", re.I)


@lru_cache(maxsize=16384)  # a crawl asks again for URLs it has just seen (listed, stored, identified)
def canonical_url(url: str) -> str:
    """The URL that identifies a post: no fragment, no tracking parameters, host lower-cased,
    default port dropped, `dir/index.html` folded to `dir/`; WeChat articles reduced to
    `__biz, mid, idx, sn` or `/s/<id>`."""
    url = url.strip().replace("\\x26amp;", "&").replace("&amp;", "&")
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if host == "mp.weixin.qq.com":
        if path.startswith("/s/"):
            return urlunsplit(("https", host, path.rstrip("/"), "", ""))
        wanted = {k: v for k, v in query if k in _WECHAT_KEYS}
        if all(wanted.get(k) for k in _WECHAT_KEYS):
            return urlunsplit(("https", host, "/s", urlencode([(k, wanted[k]) for k in _WECHAT_KEYS]), ""))
    path = _INDEX_PAGES.sub("/", path)
    kept = [(k, v) for k, v in query if not _TRACKING.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(kept), ""))


def url_identity(url: str) -> str:
    """What makes two canonical URLs the same post: http and https fold together."""
    return canonical_url(url).split("://", 1)[-1]


# -- titles -----------------------------------------------------------------------------
_PREFIX = re.compile(r"^\s*(?:【[^】]{1,12}】|\[[^\]]{1,12}\]|〔[^〕]{1,12}〕)\s*")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def title_key(title: str) -> str:
    """A title reduced for matching: width folded (NFKC), 【栏目】 prefixes, punctuation and spaces gone."""
    text = unicodedata.normalize("NFKC", title)
    while True:
        stripped = _PREFIX.sub("", text)
        if stripped == text:
            break
        text = stripped
    return _NOT_WORD.sub("", text).lower()
