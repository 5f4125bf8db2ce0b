"""Bytes → text for collected pages: a BOM, then the header charset, then <meta>, then detection.

GBK-family labels are decoded as GB18030 (a superset: pages labelled GB2312/GBK often
use characters beyond it); declared charsets that do not decode are not trusted, and
bytes that decode in no plausible encoding raise ``DecodeError`` rather than yield mojibake.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from pipeline.errors import DecodeError

__all__ = ["decode_body"]

_GB_LABELS = frozenset(
    {"gb2312", "gbk", "xgbk", "gb231280", "gb18030", "cp936", "ms936", "windows936", "euccn",
     "chinese", "csgb2312", "isoir58", "csiso58gb231280"}
)
_CHARSET_IN_CONTENT_TYPE = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_CHARSET_IN_MARKUP = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']\s*([\w.:-]+)""",
    re.I,
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Detection only chooses among encodings Chinese public-sector pages really use; left free,
# the detector "finds" mac-greek or UTF-16 in noise, which is mojibake by another name.
_DETECTABLE = ["utf_8", "gb18030", "big5", "cp1252"]


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label; GBK family → gb18030; None if unknown."""
    if not label:
        return None
    squashed = re.sub(r"[-_\s]", "", label.strip().lower())
    if squashed in _GB_LABELS:
        return "gb18030"  # a superset: pages labelled GB2312/GBK often use characters beyond it
    if squashed == "big5":
        return "big5hkscs"
    try:
        return codecs.lookup(label.strip()).name
    except LookupError:
        return None


def decode_body(content: bytes, content_type: str | None = None, *, url: str = "") -> tuple[str, str]:
    """(codec, text) for a body: BOM, then Content-Type charset, then <meta>/<?xml?>, then detection.

    Every decode is strict. A declared charset that fails to decode, or that is not
    UTF-8 while the bytes are valid multi-byte UTF-8 (a common lie: ``<meta charset=gb2312>``
    on a UTF-8 page, which GB18030 would otherwise turn into mojibake), is skipped.
    """
    if not content:
        return "utf-8", ""
    for bom, bom_codec in _BOMS:
        if content.startswith(bom):
            try:
                return bom_codec, content[len(bom):].decode(bom_codec)
            except UnicodeDecodeError:
                break

    try:
        utf8_text: str | None = content.decode("utf-8")
    except UnicodeDecodeError:
        utf8_text = None
    looks_utf8 = utf8_text is not None and not content.isascii()

    header_label = None
    if content_type and (in_header := _CHARSET_IN_CONTENT_TYPE.search(content_type)):
        header_label = in_header.group(1)
    markup_label = None
    if in_markup := _CHARSET_IN_MARKUP.search(content[:2048]):
        markup_label = (in_markup.group(1) or in_markup.group(2)).decode("ascii")

    tried: list[str] = []
    codec: str | None
    for label, where in ((header_label, "Content-Type"), (markup_label, "markup")):
        if label is None:
            continue
        codec = _codec(label)
        if codec is None:
            tried.append(f"{label} ({where}, unknown)")
            continue
        if codec == "utf-8" and utf8_text is not None:
            return codec, utf8_text
        if looks_utf8:
            tried.append(f"{label} ({where}, but the bytes are UTF-8)")
            continue
        try:
            return codec, content.decode(codec)
        except UnicodeDecodeError:
            tried.append(f"{label} ({where})")

    if utf8_text is not None:
        return "utf-8", utf8_text
    best = charset_normalizer.from_bytes(content, cp_isolation=_DETECTABLE).best()
    codec = _codec(best.encoding) if best is not None else None
    if codec is not None:
        try:
            return codec, content.decode(codec)
        except UnicodeDecodeError:
            pass
    if not any(t.startswith("utf-8") for t in tried):
        tried.append("utf-8")
    tried.append(f"detected {codec}" if codec else "detection (no plausible encoding)")
    raise DecodeError(url, "could not decode the body as text; tried " + ", ".join(tried))
