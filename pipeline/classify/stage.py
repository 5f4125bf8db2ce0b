"""The classify stage: every new or changed item → a leaf, a confidence, a reason, a status.

Rules and the text model are blended: the model (trained on what the office already filed and
what staff confirmed) gets more say for a leaf as its examples accumulate; with nothing filed the
rules decide alone. Where the office has filed enough, the blended confidence is calibrated on its
own filed items (calibrate.py): it says what share of such verdicts is right in this office. Items
at or above `[classify] auto_accept` are accepted automatically ('auto'), the rest wait ('review');
items with personal data always wait. Confirmed items keep their category (staff decisions win).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

from ..config import Config
from ..models import local_date, local_today
from ..store import Store, iso, utcnow
from . import signals
from .calibrate import Calibration, calibrated, cross_validated, fit
from .model import Example, TextModel
from .recurring import RECURRING_CONFIDENCE, Recurrences, filed_before, recurring_records
from .rules import FILED_CONFIDENCE, Verdict, dispute, rule_distribution, rule_verdict, score
from .tree import CatalogTree, office_tree, role_problems

log = logging.getLogger(__name__)

# Confirmed items of a leaf at which the model and the rules weigh the same for it. At 4 the model
# outvoted the rules too early: 50 confirmed real titles filed the other training titles worse than
# the rules alone (top-1 0.853 against 0.869, training split, 5 draws); at 10 it no longer does.
LEAF_HALF = 10
SYSTEM = "xxgk"  # `who` of automatic entries in `decisions`


@dataclass(frozen=True)
class Candidate:
    """An item as classification reads it."""

    id: str
    example: Example
    content_hash: str
    status: str
    category: str | None
    published: datetime | None  # the instant; its day is the office's (local_date)


# (title's leaf, office's filing) of a disputed item → how staff filed such items, per leaf
Settled = dict[tuple[str, str], Counter[str]]
# source name → how staff filed its confirmed items whose titles said nothing specific, per leaf
Sources = dict[str, Counter[str]]
ELSEWHERE = ""  # a vote for no leaf of the tree (the catalog filed the item under a 主题分类 that maps to none)


def classify_one(tree: CatalogTree, title: str, body: str, meta: dict[str, str],
                 model: TextModel | None = None, calibration: Calibration | None = None,
                 settled: Settled | None = None, sources: Sources | None = None,
                 recurrences: Recurrences | None = None) -> Verdict:
    """Pure: the best leaf for an item, from the rules and (if trained) the model, its confidence
    calibrated on the office's filed items when there is a calibration."""
    example = Example(title, body, meta)
    return office_verdict(tree, example, model, model.predict([example])[0] if model else None, calibration,
                          settled, sources, recurrences)


def office_verdict(tree: CatalogTree, example: Example, model: TextModel | None, probs: dict[str, float] | None,
                   calibration: Calibration | None, settled: Settled | None = None,
                   sources: Sources | None = None, recurrences: Recurrences | None = None) -> Verdict:
    """Pure: the blended verdict, its confidence the office's share right unless the office's own
    filing (FILED_CONFIDENCE) or a normative document's 文号 decided it. A title the office filed
    before with other numbers is filed where it went (`again`). When the verdict goes against
    the item's own 栏目/主题分类 that share may lower the confidence, never raise it: the held-out
    items had their labels taken away, so they say nothing of how often a title word beats the
    office's filing (防汛应急演练 under 工作动态). A title that says nothing specific follows its
    source's record when that is surer (`by_source`)."""
    verdict = blend(tree, example, model, probs)
    if verdict.normative or verdict.confidence >= FILED_CONFIDENCE:
        return verdict
    if recurred := again(tree, example, verdict, recurrences or {}):
        return recurred
    if verdict.dispute:
        return settle(tree, verdict, settled or {})
    if _against_label(tree, example, verdict):
        lowered = calibrated(calibration, verdict)
        return lowered if lowered.confidence < verdict.confidence else verdict
    return by_source(tree, example, calibrated(calibration, verdict), sources or {})


def again(tree: CatalogTree, example: Example, verdict: Verdict, recurrences: Recurrences) -> Verdict | None:
    """Pure: a recurring title filed where the office filed every earlier one of its shape, unless
    that goes against the item's own 栏目/主题分类 where its title's words do not point (the office
    may have moved such items since)."""
    before = filed_before(recurrences, example.title)
    if before is None or before[0] not in tree.leaves():
        return None
    leaf, times = before
    if _against_label(tree, example, replace(verdict, category=leaf)) and leaf not in (verdict.dispute or ()):
        return None
    name = tree.names[leaf]
    return Verdict(leaf, RECURRING_CONFIDENCE, f"本单位同样的标题（数字不同）已归类 {times} 条，均归入{name} → {name}",
                   verdict.normative)


def silent(tree: CatalogTree, example: Example) -> bool:
    """Pure: nothing in the item's title or labels speaks for a leaf — no specific word, no filed
    栏目/主题分类, no 文号 (a generic ending may stand)."""
    scored = score(tree, example.title, example.body, example.meta)
    return not scored.keyword and not scored.filed and not scored.numbered


def source_records(tree: CatalogTree, confirmed: Iterable[Example]) -> Sources:
    """How staff filed the confirmed items whose titles said nothing specific, per source."""
    record: Sources = defaultdict(Counter)
    for example in confirmed:
        if (source := example.meta.get("source")) and silent(tree, example):
            record[source][example.category] += 1
    return dict(record)


def by_source(tree: CatalogTree, example: Example, verdict: Verdict, sources: Sources) -> Verdict:
    """A title that says nothing specific (a 卫健 account's 爱耳日 post) filed as staff filed such
    titles of the same source, as sure as that record — (k+1)/(n+2) of n, k alike — when that is
    surer than the verdict; a department's account is about its area without naming it."""
    source = example.meta.get("source", "")
    votes = sources.get(source)
    if not votes or not silent(tree, example):
        return verdict
    leaf, chosen = max(sorted(votes.items()), key=lambda kv: kv[1])
    total = sum(votes.values())
    confidence = round((chosen + 1) / (total + 2), 3)
    if confidence <= verdict.confidence:
        return verdict
    name = tree.names[leaf]
    return replace(verdict, category=leaf, confidence=confidence,
                   reason=f"标题无明确依据；来源“{source}”的此类信息已确认 {total} 条，{chosen} 条归入{name} → {name}")


def settled_disputes(tree: CatalogTree, confirmed: Iterable[Example]) -> Settled:
    """How staff filed the disputed items they confirmed, per kind of dispute (rules.dispute)."""
    settled: Settled = defaultdict(Counter)
    for example in confirmed:  # a lesson the office filed itself carries no 栏目 (meta {}): no dispute
        if example.meta and (sides := dispute(score(tree, example.title, example.body, example.meta))):
            settled[sides][example.category] += 1
    return dict(settled)


def catalog_settlements(store: Store, tree: CatalogTree) -> Settled:
    """How the office's own disclosure catalog filed the items it shares with a website column the
    title disputes (卫生 news in 工作动态, filed by the catalog under 卫生): the office settling that
    kind of dispute itself, before staff are asked. A catalog filing that speaks for neither side
    (综合政务\\其他) is a vote against both."""
    copies: dict[str, dict[str, tuple[str, dict[str, str]]]] = defaultdict(dict)
    for item_id, channel, title, meta in store.db.execute(
            """SELECT ip.item_id, p.channel, v.title, v.meta FROM item_posts ip JOIN posts p ON p.id = ip.post_id
               JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
               WHERE p.channel IN ('catalog', 'website') ORDER BY ip.item_id, p.id"""):
        copies[item_id].setdefault(channel, (title or "", json.loads(meta or "{}")))
    settled: Settled = defaultdict(Counter)
    for by_channel in copies.values():
        if len(by_channel) < 2:
            continue
        title, site = by_channel["website"]
        sides = dispute(score(tree, title, "", {"column": site.get("column", "")}))
        if not sides:
            continue
        catalog_title, catalog_meta = by_channel["catalog"]
        catalog_filed = score(tree, catalog_title, "", {"topic": catalog_meta.get("topic", "")}).filed
        chosen = [leaf for leaf in sides if leaf in catalog_filed]
        settled[sides][chosen[0] if chosen else ELSEWHERE] += 1
    return dict(settled)


def joined(*records: Settled) -> Settled:
    """Pure: the records of disputes from several witnesses (staff, the catalog), votes added up."""
    out: Settled = defaultdict(Counter)
    for record in records:
        for sides, votes in record.items():
            out[sides].update(votes)
    return dict(out)


def _ways(sides: tuple[str, str], votes: Counter[str]) -> Counter[str]:
    """A kind's record as the way each item went: by its title's words, by the office's column, or
    elsewhere (a third leaf, or a catalog filing that maps to none)."""
    title_leaf, filed_leaf = sides
    return Counter({"title": votes[title_leaf], "column": votes[filed_leaf],
                    "elsewhere": sum(votes.values()) - votes[title_leaf] - votes[filed_leaf]})


def settle(tree: CatalogTree, verdict: Verdict, settled: Settled) -> Verdict:
    """A disputed verdict filed the way the office files disputes against the same column — by the
    title's words or by the column, whatever the words (the question a dispute asks is whether that
    column is a filing) — unless this very kind went the other way; as sure as that record makes it:
    the share (k+1)/(n+2) of n such items of which k went that way (about 30, all alike, reach 0.97;
    items filed elsewhere count against both ways). With no record it waits as the rules left it."""
    if not verdict.dispute:
        return verdict
    title_leaf, filed_leaf = verdict.dispute
    own = _ways(verdict.dispute, settled.get(verdict.dispute, Counter()))
    record: Counter[str] = Counter()
    for sides, votes in settled.items():
        if sides[1] == filed_leaf:
            record.update(_ways(sides, votes))
    way = _way(record)
    if _way(own) not in (None, way):
        record, way = own, _way(own)
    if way is None:
        return verdict
    leaf, names = (title_leaf if way == "title" else filed_leaf), tree.names
    rule = "按标题所指归类" if way == "title" else f"按栏目归入{names[filed_leaf]}"
    return replace(verdict, category=leaf, confidence=round((record[way] + 1) / (record.total() + 2), 3),
                   reason=f"标题指向{names[title_leaf]}、本单位归入{names[filed_leaf]}；归入{names[filed_leaf]}而标题"
                          f"另有所指的信息，本单位已归类 {record.total()} 条（人工确认或公开目录），{record[way]} 条{rule}"
                          f" → {names[leaf]}")


def _way(ways: Counter[str]) -> str | None:
    """The way more of a record's items went (title or column; None when neither ever did, or a tie)."""
    if ways["title"] == ways["column"]:
        return None
    return "title" if ways["title"] > ways["column"] else "column"


def _against_label(tree: CatalogTree, example: Example, verdict: Verdict) -> bool:
    """The office filed the item elsewhere: under a 栏目/主题分类 of another leaf, or under a 主题分类
    none of the verdict's leaf's own (防汛 drills the catalog filed under 综合政务\\其他, not 安全生产监管)."""
    filed = {tree.label_leaf(example.meta.get(key, "")) for key in ("column", "topic")} - {None}
    if filed:
        return verdict.category not in filed
    topic = example.meta.get("topic", "")
    own = next((rule.topics for rule in tree.rules if rule.category == verdict.category), ())
    return bool(topic and own) and not any(t in topic for t in own)


def blend(tree: CatalogTree, example: Example, model: TextModel | None, probs: dict[str, float] | None) -> Verdict:
    """Pure: the verdict for one item given the model's probabilities for it (None: rules only)."""
    normative = signals.is_normative(example.title, example.meta)
    normative_leaf = tree.role("normative")
    if normative and normative_leaf:
        return Verdict(normative_leaf, 0.97, f"文号/标题/分类表明为行政规范性文件 → {tree.names[normative_leaf]}",
                       normative=True)
    scored = score(tree, example.title, example.body, example.meta)
    by_rules = rule_verdict(tree, scored)
    # The office's own filing (its 栏目/主题分类, the title agreeing) decides alone; when the title
    # disputes it, a person does.
    if model is None or probs is None or by_rules.confidence >= FILED_CONFIDENCE or by_rules.dispute:
        return replace(by_rules, normative=normative)
    # The model speaks for a leaf as far as it has seen that leaf filed (confirmed, or filed by the
    # office itself); about an item the rules give to a leaf it has hardly seen it has nothing to say.
    leaves = tree.leaves()
    if by_rules.category != tree.default and model.support.get(by_rules.category, 0) < LEAF_HALF:
        return replace(by_rules, normative=normative)
    others = rule_distribution(tree, scored)
    rest = sum(v for c, v in others.items() if c != by_rules.category) or 1.0
    rules = {c: (by_rules.confidence if c == by_rules.category else (1 - by_rules.confidence) * v / rest)
             for c, v in others.items()}
    raw = {c: _trust(model.support.get(c, 0)) * probs.get(c, 0.0) + (1 - _trust(model.support.get(c, 0))) * rules.get(c, 0.0)
           for c in (set(probs) | set(rules)) & leaves}
    total = sum(raw.values()) or 1.0
    best = max(sorted(raw), key=lambda c: raw[c])
    confidence = round(min(0.99, raw[best] / total), 3)
    similar = f"与本单位已归类的信息相似（{probs.get(best, 0.0):.0%}）"
    if best == by_rules.category and scored.scores:
        reason = by_rules.reason.replace(" → ", f"；{similar} → ", 1)
    elif scored.scores:
        reason = f"{similar}；关键词倾向{tree.names[by_rules.category]} → {tree.names[best]}"
    else:
        reason = f"{similar} → {tree.names[best]}"
    return Verdict(best, confidence, reason, normative, learned=True)


def _trust(support: int) -> float:
    return support / (support + LEAF_HALF)


def lessons(store: Store, tree: CatalogTree) -> list[Example]:
    """What the office has already filed: the items staff confirmed, and the items its catalog
    rows (主题分类) and website columns (栏目) file under a leaf of today's tree — so the first run
    already knows the office before it asks staff about WeChat/Weibo posts."""
    leaves = tree.leaves()
    confirmed = [c.example for c in candidates(store, "i.status = 'confirmed'") if c.example.category in leaves]
    seen = {(e.title, e.category) for e in confirmed}
    filed = [replace(c.example, category=leaf, meta={}) for c in candidates(store, "COALESCE(i.status, '') != 'confirmed'")
             if (leaf := filed_leaf(tree, c.example)) and (c.example.title, leaf) not in seen]
    return confirmed + filed


def filed_elsewhere(store: Store, tree: CatalogTree) -> list[Example]:
    """Items the district catalog filed under a 主题分类 that speaks for no leaf (综合政务\\其他) while
    their titles' words point to a leaf the office's labels do not give them (`_against_label`: a
    website column of another leaf, or a leaf with 主题分类 of its own, such as 防汛 drills → 安全生产):
    the office did not file them where the rules would, which the record of its verdicts must count
    (as ELSEWHERE)."""
    out = []
    in_catalog = ("COALESCE(i.status, '') != 'confirmed' AND EXISTS (SELECT 1 FROM item_posts cp JOIN posts cpp "
                  "ON cpp.id = cp.post_id WHERE cp.item_id = i.id AND cpp.channel = 'catalog')")
    for c in candidates(store, in_catalog):
        topic = c.example.meta.get("topic", "")
        if not topic or score(tree, "", "", {"topic": topic}).filed:
            continue
        scored = score(tree, c.example.title, c.example.body, {})
        verdict = rule_verdict(tree, scored)
        if scored.keyword.get(verdict.category) and _against_label(tree, c.example, verdict):
            out.append(replace(c.example, category=ELSEWHERE, meta={}))
    return out


def office_calibration(tree: CatalogTree, examples: list[Example],
                       elsewhere: Sequence[Example] = ()) -> Calibration | None:
    """The map confidence → share right from the office's filed and confirmed items, held out
    fold by fold, and the items it filed elsewhere (`filed_elsewhere`: held out, never learned
    from, never right); None with too few, see calibrate.MIN_FILED."""
    def file(trained_on: Sequence[Example], held_out: Sequence[Example]) -> list[Verdict]:
        model = TextModel.train([e for e in trained_on if e.category != ELSEWHERE])
        probs = model.predict(held_out) if model else [None] * len(held_out)
        return [blend(tree, e, model, p) for e, p in zip(held_out, probs)]

    return fit(cross_validated([*examples, *elsewhere], file))


def filed_leaf(tree: CatalogTree, example: Example) -> str | None:
    """The leaf the office itself filed an item under (its 栏目 or 主题分类, mapped), when the
    rules agree with it: a title word pointing elsewhere (a 消防 item in 工作动态) makes it no
    lesson. The model learns the text only (the label itself would teach it nothing new)."""
    verdict = rule_verdict(tree, score(tree, example.title, example.body, example.meta))
    return verdict.category if verdict.confidence >= FILED_CONFIDENCE else None


def classify(config: Config, store: Store, tree: CatalogTree | None = None, *,
             today: date | None = None, force: bool = False) -> dict[str, int]:
    """Classify items that are new or changed (all unconfirmed ones when the model was retrained
    on new decisions, or with `force`); track normative validity; flag personal data."""
    tree = tree or office_tree(config)
    for problem in role_problems(tree):
        log.warning("目录树：%s", problem)
    today = today or local_today(config.office.timezone)
    counts = {"classified": 0, "auto": 0, "review": 0, "personal_data": 0}
    last_decision = store.db.execute("SELECT COALESCE(MAX(id), 0) FROM decisions WHERE who != ?",
                                     [SYSTEM]).fetchone()[0]
    last_trained = store.db.execute("SELECT MAX(last_decision) FROM model_runs").fetchone()[0]
    retrain = force or last_trained is None or last_decision > last_trained
    leaves = tree.leaves()
    where = "COALESCE(i.status, '') != 'confirmed'" if retrain else \
        "(i.classified_hash IS NULL OR i.classified_hash != i.content_hash OR i.category IS NULL)"
    todo = list(candidates(store, where))
    todo += candidates(store, "i.status = 'confirmed' AND (i.classified_hash IS NULL "
                              "OR i.classified_hash != i.content_hash OR i.category IS NULL)")
    seen = {c.id for c in todo}
    known = ",".join("'" + leaf.replace("'", "''") + "'" for leaf in sorted(leaves))
    todo += [c for c in candidates(store, f"i.category IS NOT NULL AND i.category NOT IN ({known})")
             if c.id not in seen]  # their node left the tree
    fresh = [c for c in todo if not (c.status == "confirmed" and c.category in leaves)]
    started = time.perf_counter()
    examples = lessons(store, tree) if fresh else []
    model = TextModel.train(examples)
    calibration = office_calibration(tree, examples, filed_elsewhere(store, tree)) if model else None
    settled = joined(settled_disputes(tree, examples), catalog_settlements(store, tree)) if fresh else {}
    sources = source_records(tree, examples)
    recurrences = recurring_records(examples)
    seconds = round(time.perf_counter() - started, 3)
    probs = iter(model.predict([c.example for c in fresh]) if model else [])
    now = iso(utcnow())
    with store.transaction():
        sync_categories(store, tree, now)
        if retrain and fresh:
            store.db.execute(
                "INSERT INTO model_runs (at, examples, classes, last_decision, seconds) VALUES (?, ?, ?, ?, ?)",
                [now, model.trained_on if model else 0, len(model.classes) if model else 0, last_decision, seconds])
        for c in todo:
            kept = c.status == "confirmed" and c.category in leaves
            verdict = None if kept else office_verdict(tree, c.example, model, next(probs) if model else None,
                                                       calibration, settled, sources, recurrences)
            pii = signals.personal_data(c.example.title + "\n" + c.example.body)
            status = _write(store, tree, config, c, verdict, pii, now)
            if not kept:
                counts["classified"] += 1
                counts[status] += 1
            counts["personal_data"] += bool(pii)
        track_validity(store, today, now, config.office.timezone)
    return counts


def _write(store: Store, tree: CatalogTree, config: Config, c: Candidate, verdict: Verdict | None,
           pii: tuple[str, ...], now: str) -> str:
    pii_text = ",".join(pii) or None
    if verdict is None:  # confirmed by a person: only the personal-data check is redone
        status = "review" if pii and config.hold_personal_data else "confirmed"
        if status == "review":
            store.record_decision(now, SYSTEM, c.id, "personal_data", c.category, c.category,
                                  f"内容更新后含个人信息：{pii_text}")
        store.db.execute("UPDATE items SET personal_data = ?, status = ?, classified_hash = ? WHERE id = ?",
                         [pii_text, status, c.content_hash, c.id])
        return status
    status = "auto" if verdict.confidence >= config.auto_accept else "review"
    reason = verdict.reason
    if pii:
        status, reason = "review", f"含个人信息（{pii_text}），需人工审核；" + reason
    if c.status == "confirmed" or (c.category and c.category not in tree.leaves()):
        store.record_decision(now, SYSTEM, c.id, "tree", c.category, verdict.category,
                              "原目录节点已不在目录树中，重新分类待审核")
        status = "review"
    store.db.execute(
        """UPDATE items SET category = ?, confidence = ?, reason = ?, status = ?, normative = ?,
           personal_data = ?, classified_hash = ? WHERE id = ?""",
        [verdict.category, verdict.confidence, reason, status, int(verdict.normative), pii_text, c.content_hash,
         c.id])
    last = store.db.execute("SELECT category, status FROM classifications WHERE item_id = ? ORDER BY id DESC LIMIT 1",
                            [c.id]).fetchone()
    if last != (verdict.category, status):
        store.db.execute(
            """INSERT INTO classifications (item_id, at, category, confidence, reason, status, content_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [c.id, now, verdict.category, verdict.confidence, reason, status, c.content_hash])
    return status


def sync_categories(store: Store, tree: CatalogTree, now: str) -> None:
    """The tree into `categories`; nodes the office removed stay, marked retired."""
    store.db.table("categories").upsert_all(
        [{"id": c.id, "name": c.name, "parent": c.parent, "position": c.position, "retired_at": None}
         for c in tree.categories], pk="id")
    ids = [c.id for c in tree.categories]
    store.db.execute(f"UPDATE categories SET retired_at = ? WHERE retired_at IS NULL AND id NOT IN "
                     f"({','.join('?' * len(ids))})", [now, *ids])


def track_validity(store: Store, today: date, now: str, tz: tzinfo) -> None:
    """Re-derive each normative document's validity (``today`` and publication days in the office's
    zone ``tz``); a person's setting wins; record changes."""
    normative = list(candidates(store, "i.normative = 1"))
    repealers = [c for c in candidates(store, "i.title LIKE '%废止%'")]
    for doc in normative:
        last = store.db.execute(
            "SELECT validity, source FROM validity_events WHERE item_id = ? ORDER BY id DESC LIMIT 1", [doc.id]
        ).fetchone()
        if last and last[1] == "staff":
            continue
        validity, why = signals.validity_on(today, doc.example.meta, doc.example.body,
                                             local_date(doc.published, tz) if doc.published else None)
        for other in repealers:
            if other.id != doc.id and any(_same_document(t, doc.example.title)
                                          for t in signals.repealed_titles(other.example.title, other.example.body)):
                validity, why = signals.REPEALED, f"被《{other.example.title}》废止"
        if not last or last[0] != validity:
            store.db.execute("INSERT INTO validity_events (item_id, at, validity, source, note) VALUES (?, ?, ?, ?, ?)",
                             [doc.id, now, validity, "auto", why])
        store.db.execute("UPDATE items SET validity = ? WHERE id = ?", [validity, doc.id])


def _same_document(quoted: str, title: str) -> bool:
    core = title.split("关于印发", 1)[-1].strip("《》的通知 ")
    return quoted in title or (len(core) >= 4 and core in quoted)


def candidates(store: Store, where: str) -> Iterable[Candidate]:
    """Items matching `where` (SQL on alias i), with the text and merged hints of all their copies."""
    rows = store.db.execute(
        f"""SELECT i.id, i.content_hash, i.status, i.category, i.published_at, v.title, v.body_text, p.source
            FROM items i JOIN posts p ON p.id = i.primary_post
            JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
            WHERE {where} ORDER BY i.id"""
    ).fetchall()
    if not rows:
        return
    metas = _metas(store, where)
    for item_id, digest, status, category, published, title, body, source in rows:
        meta = metas.get(item_id, {}) | ({"source": source} if source else {})  # the primary copy's source
        example = Example(title or "", body or "", meta, category or "")
        at = datetime.fromisoformat(published) if published else None
        yield Candidate(item_id, example, digest or "", status or "", category, at)


def _metas(store: Store, where: str) -> dict[str, dict[str, str]]:
    """The metadata hints of the copies of matching items: the catalog's win over others, but for
    the 栏目, which is the website's (a district catalog's page names the office as its ColumnName)."""
    merged: dict[str, dict[str, str]] = defaultdict(dict)
    for item_id, channel, meta in store.db.execute(
        f"""SELECT ip.item_id, p.channel, v.meta FROM items i JOIN item_posts ip ON ip.item_id = i.id
            JOIN posts p ON p.id = ip.post_id JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
            WHERE {where}
            ORDER BY ip.item_id, CASE p.channel WHEN 'catalog' THEN 0 WHEN 'website' THEN 1 ELSE 2 END"""
    ):
        for key, value in json.loads(meta or "{}").items():
            if key == "column" and channel == "website" and value:
                merged[item_id][key] = value
            else:
                merged[item_id].setdefault(key, value)
    return merged


def held_items(store: Store, config: Config) -> set[str]:
    """Items publishing must leave out for now: personal data not yet seen by a person, and,
    when `[publish] wait_for_review = true`, everything still waiting for review."""
    held = set()
    if config.hold_personal_data:
        held |= {r[0] for r in store.db.execute(
            "SELECT id FROM items WHERE personal_data IS NOT NULL AND COALESCE(status, '') != 'confirmed'")}
    if config.wait_for_review:
        held |= {r[0] for r in store.db.execute("SELECT id FROM items WHERE COALESCE(status, 'review') = 'review'")}
    return held
