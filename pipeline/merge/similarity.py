"""How alike two posts are: normalised text, MinHash sketches, LSH bucket keys, title relations.

Pure functions, no store. A body is reduced to its words (boilerplate lines such as
"来源：…" or "责任编辑：…" dropped, width folded, punctuation gone), cut into character
trigrams, and sketched by one-permutation MinHash (64 bins, densified by rotation,
Shrivastava & Li 2014): one hash per trigram, computed for a whole batch of posts at
once with numpy, so 100,000 posts sketch in about a second. The share of equal bins
estimates the Jaccard similarity of two bodies; 8 bands of 8 bins give the LSH bucket
keys under which a post is filed, so candidates come from shared buckets, never from
comparing all pairs. P(candidate) = 1-(1-J^8)^8: 0.9998 at J=0.95, 0.99 at J=0.9, 0.38 at
J=0.7: selective on purpose, as template look-alikes (J 0.5-0.8) are many and equal titles
and texts are found by their own keys.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ..normalize import title_key
from .figures import canonical_figures, chinese_number, figure_values

SHINGLE = 3  # characters per shingle: Chinese bigrams are too common to tell notices apart
BINS = 64  # MinHash values per post
BAND_ROWS = 8  # bins per LSH band → BINS // BAND_ROWS = 8 bands
MIN_SKETCH_CHARS = 80  # shorter bodies (a Weibo teaser) are too short to compare

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)

# Lines that copies add or drop without changing the information (来源、编辑、关注提示…).
_BOILERPLATE_LINE = re.compile(
    r"^[ \t\u3000]*(?:[（(][ \t]*)?(?:信息|文章|稿件)?(?:来源|来源于|编辑|责任编辑|审核|审核人|初审|复审|终审|审签|供稿|撰稿|"
    r"作者|通讯员|摄影|图片|文字|文图|图文|校对|监制|出品|签发|发布人|排版|记者)[ \t]*[:：丨|].*$"
    r"|^[ \t]*(?:点击|长按|扫描|扫码|识别).{0,12}(?:关注|二维码).*$"
    r"|^[ \t]*(?:分享|收藏|点赞|在看|阅读原文|打印本页|关闭窗口).*$"
    r"|^[ \t]*[【\[][ \t]*(?:打印|关闭|字体).*$",
    re.M,
)
# Everything after these lines is the channel's own furniture (related articles, an END mark).
_TAIL = re.compile(r"^[ \t]*(?:往期回顾|往期推荐|推荐阅读|相关阅读|相关链接|-*[ \t]*END[ \t]*-*)[ \t]*$", re.M | re.I)
# Not a letter or digit; a decimal point stays (3.5元 is not 35元). The plain class is twice as fast:
# the one with the decimal point is used only on a text that has a point.
_NOT_WORD = re.compile(r"(?:[^\w.]|_|(?<!\d)\.|\.(?!\d))+")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def _words(text: str) -> str:
    return (_NOT_WORD if "." in text else _NOT_LETTER_OR_DIGIT).sub("", text)


def normalise_body(text: str) -> str:
    """A body reduced to what identifies its information: boilerplate lines and tails dropped,
    figures written one way (figures.py: 1.5万元 is 15000元), width folded (NFKC), lower case,
    only letters, digits and decimal points."""
    tail = _TAIL.search(text)
    if tail:
        text = text[:tail.start()]
    words = _words(canonical_figures(_BOILERPLATE_LINE.sub("", text)))
    # NFKC is slow on CJK text: only run it where something (full-width digits) needs folding.
    if not unicodedata.is_normalized("NFKC", words):
        words = _words(unicodedata.normalize("NFKC", words))
    return words.lower()


def body_digest(normalised: str) -> str:
    return hashlib.sha1(normalised.encode()).hexdigest()[:20]


# -- MinHash (one permutation, 64 bins, densified) ---------------------------------------
def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """splitmix64 finaliser: a fixed, well-mixed 64-bit hash (stable across processes)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def sketches(bodies: Sequence[str]) -> list[tuple[bytes, list[int]] | None]:
    """MinHash signatures (BINS uint32 values as bytes) and their LSH band keys for a batch of
    normalised bodies; None for a body shorter than MIN_SKETCH_CHARS."""
    wanted = [i for i, b in enumerate(bodies) if len(b) >= MIN_SKETCH_CHARS]
    out: list[tuple[bytes, list[int]] | None] = [None] * len(bodies)
    if not wanted:
        return out
    texts = [bodies[i] for i in wanted]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # Trigram codes: code points are < 2**21, so three fit one uint64 exactly.
    codes = (points[:-2] << np.uint64(42)) | (points[1:-1] << np.uint64(21)) | points[2:]
    ends = np.cumsum(lengths)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[:-2]
    valid = np.ones(len(codes), dtype=bool)
    for back in range(1, SHINGLE):  # shingles that run across two bodies
        valid[ends[:-1] - back] = False
    codes, doc = codes[valid], doc[valid]
    hashed = _mix(codes)
    bins = (hashed >> np.uint64(58)).astype(np.int64)  # top 6 bits: one of 64 bins
    values = (hashed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    table = np.full((len(texts), BINS), _EMPTY, dtype=np.uint32)
    np.minimum.at(table.reshape(-1), doc * BINS + bins, values)
    _densify(table)
    bands = _band_table(table).tolist()
    for row, i in enumerate(wanted):
        out[i] = (table[row].tobytes(), bands[row])
    return out


def _band_table(table: np.ndarray) -> np.ndarray:
    """One signed 64-bit LSH key per band of BAND_ROWS bins (the band's number mixed in)."""
    rows = table.astype(np.uint64).reshape(len(table), BINS // BAND_ROWS, BAND_ROWS)
    salt = np.arange(BINS // BAND_ROWS, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    key = np.zeros(rows.shape[:2], dtype=np.uint64)
    for r in range(BAND_ROWS):
        key = _mix(key ^ rows[:, :, r] ^ salt)
    return key.view(np.int64)


def band_keys(signature: bytes) -> list[int]:
    """The LSH bucket keys of one signature."""
    keys: list[int] = _band_table(np.frombuffer(signature, dtype=np.uint32).reshape(1, BINS))[0].tolist()
    return keys


def shingles(body: str) -> set[str]:
    return {body[i:i + SHINGLE] for i in range(len(body) - SHINGLE + 1)}


@lru_cache(maxsize=2048)
def _shingles(body: str) -> frozenset[str]:
    """shingles, kept for the bodies compared again and again (a teaser's original, a recurring notice)."""
    return frozenset(shingles(body))


def exact_similarity(a: str, b: str) -> float:
    """The exact Jaccard similarity of two normalised bodies' trigram sets."""
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x and y else 0.0


_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")


def body_days(normalised: str) -> frozenset[int]:
    """The days a text names (3月12日 → 312): a teaser of the 12 March meeting is not one of the
    15 March meeting, however alike their words."""
    if "月" not in normalised:
        return frozenset()
    return frozenset(int(m) * 100 + int(d) for m, d in _DAY.findall(normalised))


def figures_swapped(a: str, b: str) -> bool:
    """Two normalised texts name other figures in the same place, between figures they share: the
    template notice of other people or amounts (the monthly 低保 公示), not a copy, which only drops
    or adds paragraphs. A difference at either end (a date line, a teaser cut short) is no swap."""
    x, y = figure_values(a), figure_values(b)
    if not x or not y or x == y:
        return False
    ops = SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    return any(op == "replace" for op, *_ in ops[1:-1])


def figures_left_out(teaser: str, text: str) -> bool:
    """A teaser (a text's first words) names figures the text does not, in its order: 250余名
    in the teaser, 73余名 in the text is the look-alike of the same day. A figure at the very
    end of the teaser may be cut short and is not read."""
    x, y = list(figure_values(teaser)), iter(figure_values(text))
    if x and teaser[-1:].isdigit():
        x.pop()
    return not all(figure in y for figure in x)  # a subsequence: `in` consumes the iterator


def overlap(a: str, b: str) -> float:
    """The share of the shorter normalised body's trigrams found in the longer one."""
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


def _densify(table: np.ndarray) -> None:
    """Fill empty bins from the next non-empty bin to the right (rotation), offset by the
    distance so that borrowed values differ from native ones."""
    empty = table == _EMPTY
    if not empty.any():
        return
    source = table.copy()
    for step in range(1, BINS):
        still = empty & (table == _EMPTY)
        if not still.any():
            break
        borrowed = np.roll(source, -step, axis=1)
        take = still & (borrowed != _EMPTY)
        with np.errstate(over="ignore"):
            table[take] = borrowed[take] + np.uint32(step * 0x9E3779B1 & 0xFFFFFFFF)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two bodies from their signatures."""
    return float(np.count_nonzero(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32))) / BINS


def key_of(kind: str, value: str) -> int:
    """A blocking key (identity, title, text) as a signed 64-bit integer."""
    return int.from_bytes(hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest(), "little", signed=True)


# -- titles -------------------------------------------------------------------------------
_NUMBER = re.compile(r"\d+|[〇零一二两三四五六七八九十百]+(?=[月期次批届号周季年日])|(?<=第)[〇零一二两三四五六七八九十百]+")


def title_numbers(title: str) -> frozenset[int]:
    """The numbers a title names (years, months, issues: 2020年, 3月, 第十二期), its figures
    written one way (figures.py)."""
    text = unicodedata.normalize("NFKC", canonical_figures(title))
    numbers = (int(n) if n.isdigit() else chinese_number(n) for n in _NUMBER.findall(text))
    return frozenset(n for n in numbers if n is not None)


def merge_title_key(title: str) -> str:
    """A title's key for matching (normalize.title_key), its figures written one way: 1.5万元 is 15000元."""
    return title_key(canonical_figures(title))


def numbers_conflict(a: frozenset[int], b: frozenset[int]) -> bool:
    """Each title names a number the other does not: 3月 vs 4月, 第12期 vs 第13期.
    One title merely leaving a number out (2020年 dropped) is no conflict."""
    return not a <= b and not b <= a


def title_relation(a: str, b: str) -> tuple[str, float]:
    """How two title keys relate: ("same", 1); ("contains", shorter/longer) when one is the
    other plus words (a column name, "兴华街道：", a catchy lead); ("edited", share of the shorter
    kept) when they differ only by words added or dropped in places; else ("differs", that share).
    A word swapped for another (主动 ↔ 依申请, 松江 ↔ 中兴) makes titles differ: look-alike notices."""
    if a == b:
        return "same", 1.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and short in long_:
        return "contains", len(short) / len(long_)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks()) / max(len(short), 1)
    swapped = any(op == "replace" for op, *_ in matcher.get_opcodes())
    return ("differs" if swapped else "edited"), round(kept, 3)


__all__ = ["normalise_body", "body_digest", "sketches", "similarity", "band_keys", "key_of", "title_key", "merge_title_key",
           "title_numbers", "numbers_conflict", "title_relation", "figures_swapped",
           "figures_left_out"]
