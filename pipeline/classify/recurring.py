"""Recurring titles: an office publishes the same kind of item again and again with other numbers
(2020年3月城乡低保审批结果公示, 平潭安全生产信息第12期, 1-6月三公经费统计表), and files it where it filed
the last one. On the real titles of the training split and the development offices, a title whose
shape an office had used before, its earlier ones all filed alike, was filed alike 212 times in
213 (`python -m bench.classify fit` prints it) — a clerk's surest rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .model import Example

NUMBERS = re.compile(r"[0-9０-９一二三四五六七八九十百千〇零]+")
SPACE = re.compile(r"\s+")
# Characters besides numbers a title needs for its shape to name a kind of item ("2020年第3期" names none).
SHAPE_LEAST = 6
# The share of such titles filed like their earlier ones: (212+1)/(213+2), fitted as above.
RECURRING_CONFIDENCE = 0.99

Recurrences = dict[str, Counter[str]]  # a title's shape → how the office filed titles of that shape


def shape_of(title: str) -> str | None:
    """Pure: the title with its numbers (years, months, issues, 第一批) made alike, or None when what
    is left is too short to name a kind of item."""
    shape = NUMBERS.sub("#", SPACE.sub("", title))
    return shape if len(shape.replace("#", "")) >= SHAPE_LEAST else None


def recurring_records(filed: Iterable[Example]) -> Recurrences:
    """Pure: how the office filed the titles of each shape (its confirmed and self-filed items)."""
    records: Recurrences = {}
    for example in filed:
        if (shape := shape_of(example.title)) and example.category:
            records.setdefault(shape, Counter())[example.category] += 1
    return records


def filed_before(records: Recurrences, title: str) -> tuple[str, int] | None:
    """Pure: (the leaf, how many) when the office filed every earlier title of this shape alike."""
    votes = records.get(shape_of(title) or "")
    if not votes or len(votes) > 1:
        return None
    return next(iter(votes.items()))
