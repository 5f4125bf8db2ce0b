"""Signals read from an item's text that are not about its category:

- normative documents (行政规范性文件, a row of the annual report) and their validity
  (现行有效 / 废止 / 失效) as the page states it or as its 有效期 implies;
- personal data (18-digit 身份证号 with a valid check digit, mobile numbers, bank card numbers
  passing Luhn), which puts an item in front of a person before publication.
"""

from __future__ import annotations

import re
from datetime import date

NORMATIVE_DOC = re.compile(r"规〔\d{4}〕|规\[\d{4}\]|规【\d{4}】|规范性文件")  # e.g. 兴街规〔2020〕1号
IN_FORCE, REPEALED, EXPIRED = "现行有效", "废止", "失效"
VALIDITY_WORDS = {"有效": IN_FORCE, "现行有效": IN_FORCE, "废止": REPEALED, "已废止": REPEALED,
                  "失效": EXPIRED, "已失效": EXPIRED, "无效": EXPIRED}
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
VALID_UNTIL = re.compile(r"有效期至\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
VALID_YEARS = re.compile(r"有效期(?:为)?\s*([0-9一二两三四五六七八九十])\s*年")
IN_EFFECT_FROM = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日起(?:施行|实施|执行)")
REPEALS = re.compile(r"废止《([^》]{4,80})》")


def is_normative(title: str, meta: dict[str, str]) -> bool:
    return bool(NORMATIVE_DOC.search(meta.get("doc_number", ""))) or "规范性文件" in title or \
        "规范性文件" in meta.get("topic", "") + meta.get("topic_group", "")


def stated_validity(meta: dict[str, str]) -> str:
    """The validity a catalog page states (有效性 / 时效), normalised; '' when none."""
    return VALIDITY_WORDS.get(meta.get("validity", "").strip(), "")


def expiry_date(body: str, published: date | None) -> date | None:
    """When a document's 有效期 ends: "有效期至2025年12月31日", or "有效期N年" from its start."""
    m = VALID_UNTIL.search(body)
    if m:
        return _date(*m.groups())
    m = VALID_YEARS.search(body)
    if not m:
        return None
    years = int(m.group(1)) if m.group(1).isdigit() else _CN_NUM[m.group(1)]
    start = IN_EFFECT_FROM.search(body)
    begin = _date(*start.groups()) if start else published
    if begin is None:
        return None
    try:
        return begin.replace(year=begin.year + years)
    except ValueError:  # 29 February
        return begin.replace(year=begin.year + years, day=28)


def validity_on(today: date, meta: dict[str, str], body: str, published: date | None) -> tuple[str, str]:
    """(validity, why) of a normative document on `today`."""
    stated = stated_validity(meta)
    if stated and stated != IN_FORCE:
        return stated, f"页面标注 有效性 = {meta.get('validity')}"
    ends = expiry_date(body, published)
    if ends and today >= ends:
        return EXPIRED, f"有效期至 {ends.isoformat()}"
    if stated:
        return IN_FORCE, f"页面标注 有效性 = {meta.get('validity')}"
    return IN_FORCE, f"有效期至 {ends.isoformat()}" if ends else "未见废止或失效"


def repealed_titles(title: str, body: str) -> list[str]:
    """Titles of documents an item repeals ("关于废止《…》的决定")."""
    return [t.strip() for t in REPEALS.findall(title + "\n" + body[:2000])]


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


# -- personal data -----------------------------------------------------------------------
# 6-digit area, birth date (YYYYMMDD), 3-digit sequence, check character (GB 11643)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                       r"\d{3}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![\d.\-])(?:\+?86[\s\-]?)?1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}(?![\d\-])")
CARD = re.compile(r"(?<![\d\-])(?:\d{4}[\s\-]?){3}\d{4}(?:\d{1,3})?(?![\d\-])")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"  # GB 11643: the check character for sum mod 11


def valid_id_number(number: str) -> bool:
    """GB 11643 check digit of an 18-digit 公民身份号码."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def personal_data(text: str) -> tuple[str, ...]:
    """Kinds of personal data found in a text, e.g. ("身份证号", "手机号"). Masked numbers
    (1234********5678) are not personal data any more and are not flagged."""
    found: list[str] = []
    ids = [m.group(0) for m in ID_NUMBER.finditer(text) if valid_id_number(m.group(0))]
    if ids:
        found.append("身份证号")
    if MOBILE.search(text):
        found.append("手机号")
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if digits not in ids and 16 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 2:
            found.append("银行卡号")
            break
    return tuple(found)
