"""When two posts are copies of one piece of information: the merge rules, as pure functions.

A post is described for matching by a PostSketch (built once, stored in `post_sketches`).
`judge` compares a new post with one candidate (found through shared blocking or LSH keys)
and returns the rule and score that justify a merge, or None. Rules, strongest first:

  same 索引号 / same 文号     identity: always the same item, whatever the dates
  same text                 equal normalised bodies (>= 80 characters)
  same title                equal title keys (【栏目】 prefixes, punctuation, width folded) AND
                            body agreement: the shorter body mostly inside the longer (a copy may
                            drop paragraphs); for a short teaser (Weibo), publication within
                            TEASER_DAYS instead. Titles recur (the yearly 犬只登记 notice, the same
                            notice from two departments): a title alone is no evidence.
  title variant             one title key is the other plus words, and the bodies agree as for same title;
                            a teaser with a contained title of 10+ as for same title
  near-duplicate body       bodies nearly equal (J >= 0.95 on the texts), titles differing only by words added
                            or dropped (a retitled WeChat copy), never by a word swapped

Official identifiers contradict: two copies carrying different official 索引号 are never
merged, nor two carrying different 文号 (unless their 索引号 is the same): they are two
documents, whatever their titles and texts. A shared identifier is not enough when the copies
contradict it (same_document): a 解读 citing its document's 文号, a page that printed another
document's 索引号 under its own title and text. Every rule but identity needs the two
publication dates within the merge window, and no rule but identity merges titles that name
different numbers (3月 vs 4月, 第12期 vs 第13期): the monthly look-alikes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from . import similarity as sim

# The rules' names as staff read them (the review page, `xxgk explain`); the store keeps the names.
RULE_LABELS = {"first copy": "首个副本", "same text": "正文相同", "same title": "标题相同",
               "title variant": "标题近似", "near-duplicate body": "正文近似", "same 索引号": "索引号相同",
               "same 文号": "文号相同", "staff merge": "人工合并", "staff split": "人工拆分"}

MIN_TITLE_KEY = 6  # shorter titles ("通知") say too little to merge on
LONG_BODY = 150  # characters: below this on either side, a same-title pair's overlap is confirmed on the texts
SAME_TITLE_OVERLAP = 0.8  # same title: share of the shorter body found in the longer, at least
LOOSE_OVERLAP = 0.3  # … estimated on a short body, then confirmed at SAME_TITLE_OVERLAP
SURE_BODY = 0.9  # … unless the texts are nearly equal (Jaccard estimate)
TEASER_DAYS = 7  # a teaser with hardly any text merges on its title only with a copy this close in time
MIN_TEASER_TEXT = 20  # characters of a teaser's text enough to be looked for in the other copy
TEASER_OVERLAP = 0.5  # … and the share of it found there (a teaser repeats its title, the body need not)
MIN_VARIANT_ALONE = 10  # a contained title this long merges on its own when a body is too short
NEAR_DUP_BODY = 0.9  # estimated, then confirmed on the texts at NEAR_DUP_EXACT
NEAR_DUP_EXACT = 0.95
NEAR_DUP_TITLE = 0.6  # share of the shorter title kept in the longer
LEAST_BODY = 0.7  # below this estimate, other titles merge only when one contains the other (index.py screens)
NO_DOC_NUMBER = {"", "无", "无文号", "无〔〕号", "—", "-", "/", "none", "null"}
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "(": "〔", ")": "〕", "【": "〔", "】": "〕", "（": "〔", "）": "〕",
                           "﹝": "〔", "﹞": "〕", "［": "〔", "］": "〕", "〈": "〔", "〉": "〕", "{": "〔", "}": "〕"})
# GB/T 9704-2012 7.2.4: the serial has no leading zeros and no 第 ("1不编为01，不加'第'字"); pages write both.
_SERIAL = re.compile(r"〕第?0*(?=\d)")

# The version of identity_keys' answers: raise it with any change to how a 索引号 or 文号 is read, and
# the next dedupe run re-keys the posts filed before (stage.rekey_identities). 2: a 文号's serial
# without leading zeros and 第.
IDENTITY_KEYS_VERSION = 2
# The version of how a post is sketched (its title key and numbers, its normalised body and what is
# read from it): raise it with any change to those, and the next dedupe run re-sketches the posts
# filed before (stage.resketch_posts). 2: figures written one way (figures.py: 1.5万元 is 15000元).
SKETCH_VERSION = 2

RULE_PRIORITY = {"same 索引号": 6, "same 文号": 5, "same text": 4, "same title": 3, "title variant": 2,
                 "near-duplicate body": 1}


@dataclass(frozen=True, slots=True)
class PostSketch:
    """What matching needs of one post (its latest version)."""

    post_id: str
    at: int  # publication, unix seconds (first seen when the page gave no date)
    title_key: str
    body_chars: int  # length of the normalised body
    body_hash: str
    sig: bytes | None  # MinHash signature; None for short bodies
    numbers: frozenset[int] = frozenset()
    bands: tuple[int, ...] = ()  # LSH bucket keys of sig  } only while filing a new post
    keys: tuple[tuple[int, ...], tuple[int, ...]] | None = None  # (exact_keys, end_keys), computed once
    idx: int = 0  # identity key of its official 索引号, 0: none
    doc: int = 0  # identity key of its 文号, 0: none
    days: frozenset[int] = frozenset()  # the days its text names (similarity.body_days)

    @property
    def teaser(self) -> bool:
        """Too short a body to compare (a Weibo post): its title and date are all there is."""
        return self.sig is None

    @property
    def comparable(self) -> bool:
        return self.sig is not None


@dataclass(frozen=True)
class Verdict:
    rule: str
    score: float  # the evidence: body similarity where bodies compare, else 1.0
    check: str = ""  # to be confirmed on the texts (confirm): "jaccard", "overlap", "teaser" or "figures"; "" final

    @property
    def rank(self) -> tuple[int, float]:
        return RULE_PRIORITY[self.rule], self.score


def identity_keys(meta: dict[str, str]) -> dict[int, str]:
    """Blocking keys that are identities: 索引号 and 文号 (key → rule)."""
    keys: dict[int, str] = {}
    index_number = unicodedata.normalize("NFKC", meta.get("index_number", "")).strip()
    if index_number and index_number.lower() not in NO_DOC_NUMBER:
        keys[sim.key_of("idx", re.sub(r"\s+", "", index_number))] = "same 索引号"
    doc = re.sub(r"\s+", "", unicodedata.normalize("NFKC", meta.get("doc_number", ""))).translate(_BRACKETS)
    doc = _SERIAL.sub("〕", doc)
    if doc.lower() not in NO_DOC_NUMBER and doc != "无〔〕号":
        keys[sim.key_of("doc", doc)] = "same 文号"
    return keys


def identity_values(identity: dict[int, str]) -> tuple[int, int]:
    """(索引号 key, 文号 key) of identity_keys' answer, 0 for none."""
    by_rule = {rule: key for key, rule in identity.items()}
    return by_rule.get("same 索引号", 0), by_rule.get("same 文号", 0)


def contradicts(a: PostSketch, b: PostSketch, identity_rule: str | None = None) -> bool:
    """Different official 索引号, or different 文号 (where the 索引号 is not shared): two documents."""
    if a.idx and b.idx and a.idx != b.idx:
        return True
    return identity_rule != "same 索引号" and bool(a.doc and b.doc and a.doc != b.doc)


def body_overlap(estimate: float, a_chars: int, b_chars: int) -> float:
    """Share of the shorter body's text found in the longer, from their Jaccard similarity:
    |A∩B| = J(|A|+|B|)/(1+J). A copy with paragraphs dropped is inside the full one (J ~ 0.5, overlap ~ 1)."""
    shorter = max(min(a_chars, b_chars), 1)
    return min(1.0, estimate * (a_chars + b_chars) / ((1 + estimate) * shorter))


def exact_keys(s: PostSketch) -> list[int]:
    """Keys under which a post is filed for windowed matching on equality: title key, text."""
    return list(s.keys[0]) if s.keys is not None else _exact(s.title_key, s.body_chars, s.body_hash)


def end_keys(s: PostSketch) -> list[int]:
    """The title key's first and last 10 characters: a title that gained words at one end
    (a column name, a catchy lead, "（图）") keeps the other."""
    return list(s.keys[1]) if s.keys is not None else _ends(s.title_key)


def _exact(title_key: str, body_chars: int, body_hash: str) -> list[int]:
    keys: list[int] = []
    if len(title_key) >= MIN_TITLE_KEY:
        keys.append(sim.key_of("title", title_key))
    if body_chars >= sim.MIN_SKETCH_CHARS:
        keys.append(sim.key_of("body", body_hash))
    return keys


def _ends(title_key: str) -> list[int]:
    if len(title_key) <= MIN_VARIANT_ALONE:
        return []
    return [sim.key_of("head", title_key[:10]), sim.key_of("tail", title_key[-10:])]


def judge(new: PostSketch, old: PostSketch, window_seconds: int, identity_rule: str | None = None,
          estimate: float | None = None) -> Verdict | None:
    """Why `new` is a copy of the same information as `old`, or None if it is not shown to be.
    Cheap tests first: most candidates from LSH buckets are look-alikes whose titles name other
    numbers, or fail on the body estimate (`estimate`: sim.similarity of the signatures, if taken).
    index.py screens pairs in bulk on what this implies: no merge across conflicting numbers
    (but by identity), and none of two signed posts with other titles and texts below LEAST_BODY."""
    if contradicts(new, old, identity_rule):
        return None
    if identity_rule:
        return Verdict(identity_rule, 1.0) if same_document(new, old, estimate) else None
    apart = abs(new.at - old.at)
    if apart > window_seconds or sim.numbers_conflict(new.numbers, old.numbers):
        return None
    if new.body_chars >= sim.MIN_SKETCH_CHARS and new.body_hash == old.body_hash:
        return Verdict("same text", 1.0)
    body = estimate
    if body is None and new.sig is not None and old.sig is not None:
        body = sim.similarity(new.sig, old.sig)
    close = 1 - apart / (TEASER_DAYS * 86400)  # > 0: close enough for a teaser; the closer, the likelier
    if new.title_key == old.title_key and len(new.title_key) >= MIN_TITLE_KEY:
        if body is None:
            return _teaser("same title", new, old, close)
        return _agreeing("same title", new, old, body)
    short, long_ = sorted((new.title_key, old.title_key), key=len)
    if len(short) >= MIN_TITLE_KEY and short in long_:
        if body is None:
            return _teaser("title variant", new, old, close) if len(short) >= MIN_VARIANT_ALONE else None
        return _agreeing("title variant", new, old, body)
    if body is None or body < NEAR_DUP_BODY:
        return None
    relation, kept = sim.title_relation(new.title_key, old.title_key)
    if relation == "edited" and kept >= NEAR_DUP_TITLE:
        return Verdict("near-duplicate body", round(body, 3), "jaccard")  # to be confirmed on the texts
    return None


_INTERPRETATION = re.compile(r"解读|图解|一图读懂|一图看懂|答记者问|问答")


def same_document(a: PostSketch, b: PostSketch, estimate: float | None = None) -> bool:
    """A shared 索引号 or 文号 is the same document unless the copies themselves say otherwise:
    one is a 解读 of the other (it cites the document's 文号, often its 索引号) or another kind
    of 解读, or their titles differ by a word swapped and their texts disagree (a page that
    printed another document's number). A copy with hardly any text (a catalog row "详见附件")
    is taken at its number."""
    if set(_INTERPRETATION.findall(a.title_key)) != set(_INTERPRETATION.findall(b.title_key)):
        return False  # a 解读 and its document, or a 政策解读 and a 一图读懂 of one document
    if sim.title_relation(a.title_key, b.title_key)[0] != "differs" or a.sig is None or b.sig is None:
        return True
    if a.body_hash == b.body_hash:
        return True
    body = sim.similarity(a.sig, b.sig) if estimate is None else estimate
    least = LOOSE_OVERLAP if min(a.body_chars, b.body_chars) < LONG_BODY else SAME_TITLE_OVERLAP
    return body_overlap(body, a.body_chars, b.body_chars) >= least


def _agreeing(rule: str, new: PostSketch, old: PostSketch, body: float) -> Verdict | None:
    """Titles that match merge when the bodies agree: the shorter mostly inside the longer
    (estimated; on a short body, where the estimate is rough, its days named in the other and,
    unless the texts are nearly equal, confirmed on the texts). Bodies that each name a day the
    other does not (this week's 安全生产例会 and last week's) never agree, and texts that are
    not equal are confirmed to name the same figures (confirm: the monthly 低保 公示)."""
    if sim.numbers_conflict(new.days, old.days):
        return None
    overlap = body_overlap(body, new.body_chars, old.body_chars)
    same = new.body_hash == old.body_hash
    if min(new.body_chars, old.body_chars) < LONG_BODY:
        if overlap < LOOSE_OVERLAP or not days_agree(new, old):
            return None
        return Verdict(rule, round(overlap, 3), "overlap" if body < SURE_BODY else "" if same else "figures")
    if overlap < SAME_TITLE_OVERLAP:
        return None
    return Verdict(rule, round(overlap, 3), "" if same else "figures")


def _headless(body: str, titles: tuple[str, ...]) -> str:
    """Pure: a normalised body without the title it opens with (【兴华街道2020年3月…公示】3月3日上午…)."""
    return next((body[len(t):] for t in titles if t and body.startswith(t)), body)


def days_agree(a: PostSketch, b: PostSketch) -> bool:
    """The shorter text names no day the longer does not."""
    short, long_ = sorted((a, b), key=lambda s: s.body_chars)
    return short.days <= long_.days


def _teaser(rule: str, new: PostSketch, old: PostSketch, close: float) -> Verdict | None:
    """A teaser matched by its title: a date within TEASER_DAYS, and its few words found in the
    other's text (confirmed on the texts) unless it has hardly any."""
    if close <= 0 or not days_agree(new, old):
        return None
    if min(new.body_chars, old.body_chars) >= MIN_TEASER_TEXT:
        return Verdict(rule, 0.0, "teaser")
    return Verdict(rule, round(close, 3))


def confirm(verdict: Verdict, new_body: str, old_body: str, titles: tuple[str, ...] = ()) -> Verdict | None:
    """A near-duplicate body under another title is confirmed on the exact texts: the
    estimate cannot tell a retitled copy (J ~ 1) from a look-alike whose body restates
    its own title (J ~ 0.9). Texts that name other figures in the same place are two
    notices of one template (sim.figures_swapped), however alike their words; a teaser
    naming figures its text does not is another day's or place's (sim.figures_left_out); its
    headline (a Weibo post's 【title】, one of `titles`, the copies' title keys) is not its text."""
    if verdict.check != "teaser" and sim.figures_swapped(new_body, old_body):
        return None
    teaser, text = sorted((new_body, old_body), key=len)
    if verdict.check == "teaser" and sim.figures_left_out(_headless(teaser, titles), text):
        return None
    if verdict.check == "jaccard":
        exact = sim.exact_similarity(new_body, old_body)
        return Verdict(verdict.rule, round(exact, 3)) if exact >= NEAR_DUP_EXACT else None
    if verdict.check in ("overlap", "teaser"):  # a short body's share in the other
        exact = sim.overlap(new_body, old_body)
        least = TEASER_OVERLAP if verdict.check == "teaser" else SAME_TITLE_OVERLAP
        return Verdict(verdict.rule, round(exact, 3)) if exact >= least else None
    return verdict


def sketch_of(post_id: str, at: int, title: str, normalised_body: str,
              signed: tuple[bytes, list[int]] | None, identity: dict[int, str] | None = None) -> PostSketch:
    key, numbers, title_keys, end_keys = _title_facts(title)
    digest = sim.body_digest(normalised_body)
    exact = (*title_keys, sim.key_of("body", digest)) if len(normalised_body) >= sim.MIN_SKETCH_CHARS else title_keys
    idx, doc = identity_values(identity or {})
    return PostSketch(post_id, at, key, len(normalised_body), digest, signed[0] if signed else None,
                      numbers, tuple(signed[1]) if signed else (), (exact, end_keys), idx, doc,
                      sim.body_days(normalised_body))


@lru_cache(maxsize=8192)
def _title_facts(title: str) -> tuple[str, frozenset[int], tuple[int, ...], tuple[int, ...]]:
    """What a title gives a sketch: its key, numbers, title key and end keys (as _exact, _ends).
    Cached: a run meets each title on several channels within days."""
    key = sim.merge_title_key(title)
    return key, sim.title_numbers(title), tuple(_exact(key, 0, "")), tuple(_ends(key))
