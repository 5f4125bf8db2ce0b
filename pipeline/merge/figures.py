"""Figures written one way, whatever way a copy writes them: the WeChat copy's 1.5万元 is the
website's 15000元 (15,000元, 一万五千元, １５０００元, 1.5 万元), 百分之三十 is 30%, 2024-03-05
and 2024.3.5 are 2024年3月5日. Copies of one notice must name the same figures (a notice naming
other figures is another notice: similarity.figures_swapped), so they are read as values here,
in one place, before a text is reduced to its words (similarity.normalise_body).

Pure functions. A Chinese numeral is read only where it counts something (before a unit such
as 元, 户, 名, 月, after 第 or 百分之): 一 in 一是 or 统一 is a word, not a figure.
"""

from __future__ import annotations

import re

# Full-width digits and the marks figures use, as ASCII (the one fold figures need; NFKC of a whole
# Chinese text is slow, and would turn the Chinese comma that lists figures into one that groups them).
_WIDTH = str.maketrans("０１２３４５６７８９．％－／", "0123456789.%-/")

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_GROUP = {"万": 10_000, "亿": 100_000_000}
_GROUP_PLACES = {"万": 4, "亿": 8}
_CN = "〇零一二两三四五六七八九十百千万亿"
# What a Chinese numeral counts when it is a figure (a unit, a date's part, an approximation).
_COUNTED = ("万元|亿元|元|角|户|人次|人|名|位|个|次|天|日|号|周|月|年|岁|项|件|场|批|期|届|季度|条|份|家|所|处|辆|台|"
            "套|间|张|本|册|吨|亩|公里|公斤|千克|平方米|米|小时|分钟|余|多")
# A run of Chinese numerals where it is a figure: before what it counts, or after 第 (a run is taken
# whole, ++: never a shorter part of it before a unit). Only those reach Python (_arabic), not every
# 一 of 统一 or 万 of 千家万户: the scan stays in the regex engine (two patterns: one with an optional
# 第 in front is three times slower).
_CN_COUNTED = re.compile(rf"[{_CN}]++(?=(?:{_COUNTED}))")
_CN_ORDINAL = re.compile(rf"第([{_CN}]++)")

_FULL_WIDTH = re.compile("[０-９．％－／]")
_PERCENT_WORDS = re.compile(rf"百分之(\d+(?:\.\d+)?|[{_CN}]+(?:点[〇零一二三四五六七八九]+)?)")
# Each starts with a digit, so that the regex engine skips ahead to one (a lookbehind first is slow).
_WRITTEN_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_NUMERIC_DATE = re.compile(r"((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})(?![\d.])")
_MONTH_DAY = re.compile(r"(\d{1,2}+)\s*+月\s*+(\d{1,2}+)\s*+[日号]")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])")
_MAGNITUDE = re.compile(r"(\d++(?:\.\d++)?+)\s*+([万亿])")
_DECIMAL = re.compile(r"\d+\.\d+(?![\d.])")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def canonical_figures(text: str) -> str:
    """text with its figures written one way: Arabic digits, no thousands separators, 万 and 亿
    multiplied out, decimals without trailing zeros, percentages as N%, dates as 2024年3月5日.
    (Each rewrite runs only on a text with the character it needs: a body is read in ~20 µs.)"""
    if _FULL_WIDTH.search(text):
        text = text.translate(_WIDTH)
    if "百分之" in text:
        text = _PERCENT_WORDS.sub(_percent, text)
    text = _CN_COUNTED.sub(_arabic, text)
    if "第" in text:
        text = _CN_ORDINAL.sub(_ordinal, text)
    if "年" in text:
        text = _WRITTEN_DATE.sub(lambda m: _date(m, m[1], m[2], m[3]), text)
    if "-" in text or "/" in text or "." in text:
        text = _NUMERIC_DATE.sub(lambda m: _date(m, m[1], m[3], m[4]), text)
    if "月" in text:
        text = _MONTH_DAY.sub(lambda m: _date(m, "", m[1], m[2]), text)
    if "," in text:
        text = _GROUPED.sub(lambda m: m[0] if _inside_figure(m) else m[0].replace(",", ""), text)
    if "万" in text or "亿" in text:
        text = _MAGNITUDE.sub(lambda m: m[0] if _inside_figure(m) else _shifted(m[1], _GROUP_PLACES[m[2]]), text)
    if "." in text:
        text = _DECIMAL.sub(lambda m: m[0] if _inside_figure(m) else _shifted(m[0], 0), text)
    return text


def figure_values(text: str) -> tuple[str, ...]:
    """The figures a text (its figures written one way) names, in order, as canonical numbers."""
    return tuple(_FIGURE.findall(text))


def chinese_number(numeral: str) -> int | None:
    """一万五千 → 15000, 三十 → 30, 二〇二四 → 2024, 一万五 → 15000 (as people read it),
    一万零五 → 10005; None for what is not a number (十十)."""
    if not any(c in _CN_UNIT or c in _CN_GROUP for c in numeral):  # digit by digit: 二〇二四
        return int("".join(str(_CN_DIGIT[c]) for c in numeral)) if numeral else None
    total = section = 0
    digit: int | None = None
    last, zero = 0, False  # the last unit read; a 零 since it (一万零五: the 五 is ones)
    for c in numeral:
        if c in _CN_DIGIT:
            if digit is not None and not zero:
                return None  # 一二十
            zero = zero or c in "〇零"
            digit = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            if section and _CN_UNIT[c] >= last:
                return None  # 十百, 三百四百
            section += (1 if digit is None else digit) * _CN_UNIT[c]
            digit, last, zero = None, _CN_UNIT[c], False
        else:
            if not (total or section or digit):
                return None  # 万 with nothing before it
            group = _CN_GROUP[c]
            if group > 10_000:  # 亿 multiplies what came before it, 万s included: 三万亿
                total = (total + section + (digit or 0)) * group
            else:
                total += (section + (digit or 0)) * group
            section, digit, last, zero = 0, None, group, False
    if digit:  # a last digit after a unit is one place below it, unless a 零 says ones: 一百五 = 150
        section += digit * (last // 10 if last and not zero else 1)
    return total + section


def _arabic(match: re.Match[str]) -> str:
    """A Chinese numeral before what it counts (_CN_COUNTED) in Arabic digits."""
    return _numeral(match[0]) or match[0]


def _ordinal(match: re.Match[str]) -> str:
    """第 and a Chinese numeral (_CN_ORDINAL): 第 and Arabic digits."""
    value = _numeral(match[1])
    return f"第{value}" if value else match[0]


def _numeral(numeral: str) -> str:
    """The numeral in Arabic digits; "" where it is no figure: a lone 百 or 千 is a word's (千家万户,
    百姓), not a count, and 十十 is no number."""
    value = None if numeral in ("百", "千") else chinese_number(numeral)
    return "" if value is None else str(value)


def _percent(match: re.Match[str]) -> str:
    whole, _, decimals = match[1].partition("点")
    value = whole if whole[0].isdigit() else chinese_number(whole)
    if value is None:
        return match[0]
    return f"{value}.{''.join(str(_CN_DIGIT[c]) for c in decimals)}%" if decimals else f"{value}%"


def _inside_figure(match: re.Match[str]) -> bool:
    """The match starts inside a longer figure (the 5 of 2024.5万): left as written."""
    at = match.start()
    return at > 0 and (match.string[at - 1].isdigit() or match.string[at - 1] in ".,")


def _date(match: re.Match[str], year: str, month: str, day: str) -> str:
    """Y年M月D日 (M月D日 without a year), no leading zeros; a date that is none is left as written."""
    if _inside_figure(match) or not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return match[0]
    return f"{year}年{int(month)}月{int(day)}日" if year else f"{int(month)}月{int(day)}日"


def _shifted(number: str, places: int) -> str:
    """A decimal number times 10**places, written without trailing zeros (1.5, 4 → 15000; 3.50, 0 → 3.5):
    exact, on the digits as written."""
    whole, _, fraction = number.partition(".")
    fraction = fraction.ljust(places, "0")
    whole, fraction = (whole + fraction[:places]).lstrip("0") or "0", fraction[places:].rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole
