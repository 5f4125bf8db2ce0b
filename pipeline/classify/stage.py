"""The classify stage: every new or changed item → a leaf, a confidence, a reason, a status.

The stage reads the office's record from the store (records.py), trains the text model on what
the office already filed and staff confirmed (model.py), files each item (verdict.py) and writes
the verdicts with their history. Items at or above `[classify] auto_accept` are accepted
automatically ('auto'), the rest wait ('review'); items with personal data always wait.
Confirmed items keep their category (staff decisions win).
"""

from __future__ import annotations

import logging
from datetime import date, tzinfo

from ..config import Config
from ..models import local_date, local_today
from ..store import Store, iso, utcnow
from . import signals
from .fitting import office_fit
from .recurring import recurring_records
from .records import (Candidate, OfficeRecord, candidates, catalog_settlements, filed_elsewhere, joined, lessons,
                      settled_disputes, source_records)
from .rules import Verdict
from .tree import CatalogTree, office_tree, role_problems
from .verdict import office_calibration, office_verdict, still_normative

log = logging.getLogger(__name__)


SYSTEM = "xxgk"  # `who` of automatic entries in `decisions`


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
    todo += [c for c in candidates(store, outside_tree(tree)) if c.id not in seen]  # their node left the tree
    fresh = [c for c in todo if not (c.status == "confirmed" and c.category in leaves)]
    examples = lessons(store, tree) if fresh else []
    fit = None
    if fresh:  # the last fit of the model and calibration, unless it no longer fits (fitting.py)
        fit = office_fit(store, tree, examples, last_decision, force=force,
                         calibrate=lambda: office_calibration(tree, examples, filed_elsewhere(store, tree)))
    model = fit.model if fit else None
    record = OfficeRecord(
        calibration=fit.calibration if fit else None,
        settled=joined(settled_disputes(tree, examples), catalog_settlements(store, tree)) if fresh else {},
        sources=source_records(tree, examples), recurrences=recurring_records(examples))
    probs = iter(model.predict([c.example for c in fresh]) if model else [])
    now = iso(utcnow())
    with store.transaction():
        sync_categories(store, tree, now)
        if fit and fit.refitted:
            store.db.execute(
                "INSERT INTO model_runs (at, examples, classes, last_decision, seconds) VALUES (?, ?, ?, ?, ?)",
                [now, model.trained_on if model else 0, len(model.classes) if model else 0, last_decision,
                 fit.seconds])
        for c in todo:
            kept = c.status == "confirmed" and c.category in leaves
            verdict = None if kept else office_verdict(tree, c.example, model, next(probs) if model else None,
                                                       record)
            if verdict is not None and c.status == "confirmed" and c.normative:  # its leaf left the tree
                verdict = still_normative(tree, verdict)
            pii = signals.personal_data(c.example.title + "\n" + c.example.body)
            status = _write(store, tree, config, c, verdict, pii, now)
            if not kept:
                counts["classified"] += 1
                counts[status] += 1
            counts["personal_data"] += bool(pii)
        track_validity(store, today, now, config.office.timezone)
    return counts


def outside_tree(tree: CatalogTree) -> str:
    """Pure: SQL (on alias i) for the items filed under a node the office's catalog no longer has."""
    known = ",".join("'" + leaf.replace("'", "''") + "'" for leaf in sorted(tree.leaves()))
    return f"i.category IS NOT NULL AND i.category NOT IN ({known})"


def unclassified_since_catalog_change(store: Store, tree: CatalogTree) -> int:
    """Published items (not merged away, not withdrawn) still filed under a node the catalog dropped:
    a build shows them under no category until `classify` files them again."""
    count: int = store.db.execute(f"SELECT COUNT(*) FROM items i WHERE i.merged_into IS NULL "
                                  f"AND COALESCE(i.withdrawn, 0) = 0 AND {outside_tree(tree)}").fetchone()[0]
    return count


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


def held_items(store: Store, config: Config) -> set[str]:
    """Items publishing must leave out for now: personal data not yet seen by a person, and,
    when `[publish] wait_for_review = true`, what waits for review and never passed it. An item
    once published (accepted or confirmed) that a catalog change or an edit sends back to review
    stays on the site meanwhile: taking it down would break every link to it over a filing."""
    held = set()
    if config.hold_personal_data:
        held |= {r[0] for r in store.db.execute(
            "SELECT id FROM items WHERE personal_data IS NOT NULL AND COALESCE(status, '') != 'confirmed'")}
    if config.wait_for_review:
        held |= {r[0] for r in store.db.execute(
            """SELECT id FROM items i WHERE COALESCE(status, 'review') = 'review' AND NOT EXISTS (
                   SELECT 1 FROM classifications c WHERE c.item_id = i.id AND c.status IN ('auto', 'confirmed'))""")}
    return held
