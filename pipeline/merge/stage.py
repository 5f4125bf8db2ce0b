"""Dedupe stage: Posts → Items. Copies of one piece of information become one item.

Unassigned posts are taken oldest first, so the earliest copy founds the item. Each post
is sketched (rules.PostSketch: title key, normalised-body hash, MinHash signature)
and filed under its blocking and LSH keys; its candidates are the posts sharing a key
within the merge window (identity keys 索引号/文号: at any date), never all pairs: this
run's posts from memory (index.RunIndex), earlier runs' from the indexed
`post_keys` table. `rules.judge` decides; the link in `item_posts` records the rule
and score. A link is never moved by an automatic run, so staff moves (`xxgk merge`,
`xxgk split`, staff.py) stay as a person made them; an edited post is re-filed
under its new keys but stays in its item. A staff split also guides new copies: one that
matches both its sides by as strong a rule joins the posts staff split out (staff_side).
Identity keys stored under older key rules are re-made once (rekey_identities), and so are the
sketches made under older sketch rules (resketch_posts).

Before matching, a post published by another agency (its 发布机构, ownership.py) is set
aside: recorded in `set_aside` with the reason, never made an item. A copy already in an item
whose row is corrected upstream to another agency's leaves the item the same way, recorded
in the item's decisions, and returns to it if corrected back (set_aside.py). While matching, an
item is ruled out for a post when one of its copies carries another official 索引号/文号, or has
the same title and a body that disagrees (ItemIdentities, best_match): whichever copy the post
resembles.

Items are derived from their posts (item_fields.py: first publication, the channel the
year-end figures count, the copy shown, withdrawal, `updated`): the items a run founds are
written once, derived from the rows the run read (NewItems); items that gained a post, or
were changed by staff, are re-derived when dirty.
"""

from __future__ import annotations

import json
import logging
from array import array
from collections import defaultdict
from collections.abc import Iterator, Sized
from datetime import datetime, tzinfo
from functools import lru_cache
from itertools import islice
from typing import Any, NamedTuple

from . import rules
from . import similarity as sim
from ..config import Config
from ..gcpause import collector_paused
from .item_fields import PostRow, fingerprint, insert_items, refresh_items
from .index import Candidate, RunIndex, file_post
from .ownership import Ownership
from .set_aside import leave_items, recheck_ownership, reconsider_set_aside, set_aside
from ..store import Store, iso, utcnow

log = logging.getLogger("xxgk.dedupe")

CHUNK = 2000  # posts sketched per numpy batch

PENDING_SQL = """SELECT p.id FROM posts p
    WHERE NOT EXISTS (SELECT 1 FROM item_posts ip WHERE ip.post_id = p.id)
    AND NOT EXISTS (SELECT 1 FROM set_aside a WHERE a.post_id = p.id)
    ORDER BY COALESCE(p.published_at, p.first_seen), p.id"""


def dedupe(config: Config, store: Store, now: datetime | None = None) -> dict[str, int]:
    """Assign every unassigned post to an item; re-index edited posts; refresh dirty items."""
    with collector_paused():  # see pipeline/gcpause.py: at 100,000 posts its passes cost a second
        return _dedupe(config, store, now)


def _dedupe(config: Config, store: Store, now: datetime | None) -> dict[str, int]:
    now = now or utcnow()
    window = config.merge_window_days * 86400
    counts = {"posts": 0, "new_items": 0, "merged": 0, "reindexed": 0, "resketched": 0, "rekeyed": 0,
              "refreshed": 0, "set_aside": 0}
    owner = Ownership.of(config.office)
    with store.transaction():
        store.db.execute("PRAGMA cache_size = -65536")  # 64 MB: the key index is hit at random
        reconsider_set_aside(store, owner, now)  # first: a copy back in its item is re-filed below
        counts["reindexed"], counts["set_aside"] = index_stale_posts(store, owner, now)
        counts["set_aside"] += recheck_ownership(store, owner, now)
        counts["rekeyed"] = rekey_identities(store)
        counts["resketched"] = resketch_posts(store)
        earlier = store.db.execute("SELECT 1 FROM post_sketches LIMIT 1").fetchone() is not None
        pending = [row[0] for row in store.db.execute(PENDING_SQL)]
        run = RunIndex(store, window)
        identities = ItemIdentities(store)
        founded = NewItems(store, config.office.timezone, now)
        split_from = staff_splits(store)
        links: list[tuple[str, str, str, float]] = []
        for batch in _batched(pending, CHUNK):
            founded.reserve(batch)
            chunk = set_aside(store, owner, sketch_posts(store, batch), now)
            counts["set_aside"] += len(batch) - len(chunk)
            screened = run.screen(chunk)
            for post, (sid, nearby) in zip(chunk, screened):
                found = run.candidates(nearby, post.identity)
                if earlier:
                    found += candidates(store, post.sketch, post.identity, window)
                match = best_match(store, post.sketch, found, window, post.body, identities, split_from)
                if match is None:
                    item_id, verdict = founded.add(post), FIRST_COPY
                else:
                    item_id, verdict = match
                    founded.join(item_id, post)
                identities.add(item_id, post.sketch)
                links.append((post.id, item_id, verdict.rule, verdict.score))
                run.assign(sid, post.identity, item_id)
        counts.update(posts=len(links), new_items=len(founded), merged=len(links) - len(founded))
        if counts["set_aside"]:
            log.info("dedupe: %d row(s) set aside as other agencies' (xxgk status)", counts["set_aside"])
        decided_at = iso(now)
        store.db.conn.executemany(
            "INSERT INTO item_posts (post_id, item_id, rule, score, decided_by, decided_at) VALUES (?, ?, ?, ?, 'auto', ?)",
            [(*link, decided_at) for link in links])
        run.write()
        founded.write(config)
        grown = sorted({(link[1],) for link in links if link[1] not in founded})
        store.db.conn.executemany("UPDATE items SET dirty = 1 WHERE id = ?", grown)
        counts["refreshed"] = len(founded) + refresh_items(store, config, now)
    return counts


FIRST_COPY = rules.Verdict("first copy", 1.0)


class NewItems:
    """The items a run founds: ids and 索引号 handed out in memory, the rows written in one batch.

    An item takes the id "i" + its founding post's id digits; one already used (by a staff
    split, or by another founder of this run) gets a suffix, as fresh_item_id gives."""

    def __init__(self, store: Store, tz: tzinfo, now: datetime) -> None:
        self.store, self.tz, self.created_at = store, tz, iso(now)
        self.stored: set[str] = set()  # ids the store holds, among those this run's founders could take
        self.ids: set[str] = set()  # this run's new items
        self.rows: list[tuple[str, int, str]] = []  # (id, year of first publication, created at)
        self.post_rows: list[tuple[str, PostRow]] = []  # (item id, a post's row): what to derive them from

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.ids

    def reserve(self, post_ids: list[str]) -> None:
        """Learn in one query which of these posts' item ids the store already holds."""
        ids = ["i" + pid[1:13] for pid in post_ids]
        self.stored.update(row[0] for row in self.store.db.execute(
            f"SELECT id FROM items WHERE id IN ({_marks(ids)})", ids))

    def add(self, founder: Pending) -> str:
        """A new item for a post that matched nothing."""
        item_id = self._free_id("i" + founder.id[1:13])
        self.ids.add(item_id)
        self.rows.append((item_id, datetime.fromtimestamp(founder.sketch.at, self.tz).year, self.created_at))
        self.post_rows.append((item_id, founder.row))
        return item_id

    def join(self, item_id: str, post: Pending) -> None:
        """A post joins an item: this run's items keep its row."""
        if item_id in self.ids:
            self.post_rows.append((item_id, post.row))

    def _free_id(self, base: str) -> str:
        item_id, n = base, 1
        while item_id in self.ids or item_id in self.stored or (n > 1 and _item_exists(self.store, item_id)):
            n += 1
            item_id = f"{base}-{n}"
        return item_id

    def write(self, config: Config) -> None:
        """Store the new items, derived from their posts (their 索引号: identifiers.py)."""
        posts: dict[str, list[PostRow]] = defaultdict(list)  # grouped only now: fewer objects for the GC to visit
        for item_id, row in self.post_rows:
            posts[item_id].append(row)
        insert_items(self.store, config, self.rows, posts)


def _item_exists(store: Store, item_id: str) -> bool:
    return store.db.conn.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone() is not None


def _batched(values: list[str], size: int) -> Iterator[list[str]]:
    it = iter(values)
    while batch := list(islice(it, size)):
        yield batch


class Pending(NamedTuple):
    """A post to file, as one query gives it."""

    id: str
    sketch: rules.PostSketch
    identity: dict[int, str]  # identity key → rule
    body: str  # normalised
    version: int
    row: PostRow  # what item_fields.derive reads of it (item_fields.POSTS_OF_ITEMS, without the item id)
    meta: dict[str, Any]


def sketch_posts(store: Store, post_ids: list[str]) -> Iterator[Pending]:
    """Posts' latest versions, sketched, in the order given."""
    marks = ",".join("?" * len(post_ids))
    rows = {
        row[0]: row
        for row in store.db.execute(
            f"""SELECT p.id, p.channel, COALESCE(p.published_at, p.first_seen), p.withdrawn_at, v.title, v.meta,
                       v.attachments, v.body_text, p.version
                FROM posts p JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
                WHERE p.id IN ({marks})""",
            post_ids,
        )
    }
    ordered = [rows[pid] for pid in post_ids if pid in rows]
    bodies = [sim.normalise_body(row[7] or "") for row in ordered]
    for row, body, signed in zip(ordered, bodies, sim.sketches(bodies)):
        pid, _, when, _, title, meta = row[:6]
        meta = json.loads(meta or "{}")
        identity = rules.identity_keys(meta)
        sketch = rules.sketch_of(pid, int(datetime.fromisoformat(when).timestamp()), title or "", body, signed, identity)
        yield Pending(pid, sketch, identity, body, row[8], (*row[:7], sketch.title_key, sketch.body_hash), meta)


SKETCH_COLUMNS = """s.post_id, s.at, s.title_key, s.numbers, s.body_chars, s.body_hash, s.sig, s.idx, s.doc, s.days,
    ip.item_id
    FROM post_sketches s JOIN item_posts ip ON ip.post_id = s.post_id"""


def candidates(store: Store, sketch: rules.PostSketch, identity: dict[int, str], window: int) -> list[Candidate]:
    """Posts already in items that could be copies of this one, within the merge window: the
    same title key or text; a title that contains or is contained in this one (found by its
    first or last 10 characters, checked in SQL); a shared LSH band (similarity.py); or the
    same 索引号/文号 at any date."""
    found: dict[str, Candidate] = {}
    span = [sketch.at - window, sketch.at + window]
    exact, ends = rules.exact_keys(sketch) + list(sketch.bands), rules.end_keys(sketch)
    hits: list[str] = []
    args: list[Any] = []
    if exact:
        hits.append(f"SELECT sid FROM post_keys WHERE key IN ({_marks(exact)}) AND at BETWEEN ? AND ?")
        args += [*exact, *span]
    if ends:
        hits.append(f"""SELECT k.sid FROM post_keys k JOIN post_sketches e ON e.sid = k.sid
                        WHERE k.key IN ({_marks(ends)}) AND k.at BETWEEN ? AND ?
                        AND (instr(e.title_key, ?) > 0 OR instr(?, e.title_key) > 0)""")
        args += [*ends, *span, sketch.title_key, sketch.title_key]
    queries: list[tuple[str, list[Any], dict[int, str] | None]] = []
    if hits:
        queries.append((f"SELECT NULL, {SKETCH_COLUMNS} WHERE s.sid IN ({' UNION '.join(hits)})", args, None))
    if identity:
        queries.append((f"""SELECT k.key, {SKETCH_COLUMNS} JOIN post_keys k ON k.sid = s.sid
                            WHERE k.key IN ({_marks(identity)})""", list(identity), identity))
    for sql, qargs, rule_of in queries:
        for key, pid, at, title_key, numbers, chars, body_hash, sig, idx, doc, days, item_id in store.db.conn.execute(
                sql, qargs):
            rule = rule_of.get(key) if rule_of else None
            if pid in found and not rule:
                continue
            other = rules.PostSketch(pid, at, title_key, chars, body_hash, sig, _numbers(numbers),
                                     idx=idx or 0, doc=doc or 0, days=_numbers(days))
            found[pid] = Candidate(item_id, other, rule)
    return list(found.values())


def _marks(values: Sized) -> str:
    return ",".join("?" * len(values))


Rank = tuple[tuple[int, float], int, str]  # a verdict's rank, the later copy first, then the item id
Match = tuple[Rank, str, rules.Verdict, str]  # (rank, item id, verdict, the post matched)


def best_match(store: Store, sketch: rules.PostSketch, found: list[Candidate], window: int,
               body: str = "", identities: ItemIdentities | None = None,
               split_from: dict[str, str] | None = None) -> tuple[str, rules.Verdict] | None:
    """The item this post belongs to and why, or None: the strongest rule wins, then staff
    evidence (staff_side), then the score, then the earliest candidate. An item is ruled out
    (vetoed) when one of its copies carries another official 索引号/文号, or has the same title
    and a body that disagrees with this one: a teaser of it must not pull a look-alike in by
    title and date."""
    matches: list[Match] = []
    vetoed: set[str] = set()
    for c in found:
        if c.vetoes and not c.identity_rule:
            vetoed.add(c.item_id)
            continue
        verdict = rules.judge(sketch, c.sketch, window, c.identity_rule, c.estimate)
        if verdict is not None and verdict.check:
            verdict = rules.confirm(verdict, body, normalised_body(store, c.sketch),
                                    (sketch.title_key, c.sketch.title_key))
        if verdict is None:
            if rules.contradicts(sketch, c.sketch) or (
                    c.sketch.title_key == sketch.title_key and not c.sketch.teaser and not sketch.teaser):
                vetoed.add(c.item_id)
            continue
        if identities is not None and identities.conflict(c.item_id, sketch):
            vetoed.add(c.item_id)
            continue
        matches.append(((verdict.rank, -c.sketch.at, c.item_id), c.item_id, verdict, c.sketch.post_id))
    matches = [m for m in matches if m[1] not in vetoed]
    if not matches:
        return None
    best = staff_side(max(matches, key=lambda m: m[0]), matches, split_from or {})
    return best[1], best[2]


def staff_side(best: Match, matches: list[Match], split_from: dict[str, str]) -> Match:
    """A staff split is evidence the rules cannot tell its two sides apart: a copy that matches,
    by as strong a rule, both the item and a post staff split out of it belongs with that post
    (a page the website moved, republished under a new URL), whatever the scores and dates say.
    A stronger rule still wins: a split says the two differ, not which one a new copy is."""
    rule = best[0][0][0]
    split_out = [m for m in matches if m[0][0][0] == rule and m[1] != best[1] and split_from.get(m[3]) == best[1]]
    return max(split_out, key=lambda m: m[0]) if split_out else best


def staff_splits(store: Store) -> dict[str, str]:
    """Each post staff split out of an item → that item (its latest split; staff.split_item records
    the items after it as {"items": {item: posts left, new item: posts moved}})."""
    out: dict[str, str] = {}
    for item_id, after in store.db.execute("SELECT item_id, after FROM decisions WHERE kind = 'split' ORDER BY id"):
        for other, posts in (json.loads(after or "{}").get("items") or {}).items():
            if other != item_id:
                out.update(dict.fromkeys(posts, item_id))
    return out


class ItemIdentities:
    """The official 索引号/文号 keys each item's copies carry: a post carrying other ones must not
    join it, whichever copy it matched (rules.contradicts, for a whole item)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: dict[str, tuple[set[int], set[int]]] = {}

    def of(self, item_id: str) -> tuple[set[int], set[int]]:
        if item_id not in self.known:
            rows = self.store.db.conn.execute(
                """SELECT s.idx, s.doc FROM item_posts ip JOIN post_sketches s ON s.post_id = ip.post_id
                   WHERE ip.item_id = ? AND (s.idx IS NOT NULL OR s.doc IS NOT NULL)""", [item_id]).fetchall()
            self.known[item_id] = ({r[0] for r in rows if r[0]}, {r[1] for r in rows if r[1]})
        return self.known[item_id]

    def add(self, item_id: str, sketch: rules.PostSketch) -> None:
        if sketch.idx or sketch.doc:
            idxs, docs = self.of(item_id)
            if sketch.idx:
                idxs.add(sketch.idx)
            if sketch.doc:
                docs.add(sketch.doc)

    def conflict(self, item_id: str, sketch: rules.PostSketch) -> bool:
        if not (sketch.idx or sketch.doc):
            return False
        idxs, docs = self.of(item_id)
        if sketch.idx and idxs and sketch.idx not in idxs:
            return True
        return bool(sketch.doc and docs and sketch.doc not in docs and sketch.idx not in idxs)


def normalised_body(store: Store, sketch: rules.PostSketch) -> str:
    """A filed post's normalised body (latest version), kept by its digest: a teaser's original
    or a recurring notice is read once, not once per post compared with it."""
    body = _BODIES.get(sketch.body_hash)
    if body is None:
        row = store.db.execute(
            """SELECT v.body_text FROM posts p JOIN post_versions v ON v.post_id = p.id AND v.version = p.version
               WHERE p.id = ?""", [sketch.post_id]).fetchone()
        body = sim.normalise_body(row[0] or "") if row else ""
        if len(_BODIES) >= 4096:
            _BODIES.pop(next(iter(_BODIES)))
        _BODIES[sketch.body_hash] = body
    return body


_BODIES: dict[str, str] = {}  # body digest → normalised body (content-addressed: safe across runs)


@lru_cache(maxsize=4096)
def _numbers(text: str | None) -> frozenset[int]:
    return frozenset(int(n) for n in text.split(",")) if text else frozenset()


def index_stale_posts(store: Store, owner: Ownership, now: datetime) -> tuple[int, int]:
    """Re-file posts already in items whose sketch is missing or older than their latest
    version (an upstream edit). Their item does not change (links are never moved), unless the
    edit names another agency as 发布机构: that copy leaves its item (leave_items).
    Returns (posts re-filed, copies set aside)."""
    stale = [row[0] for row in store.db.execute(
        """SELECT ip.post_id FROM item_posts ip JOIN posts p ON p.id = ip.post_id
           LEFT JOIN post_sketches s ON s.post_id = ip.post_id
           WHERE s.post_id IS NULL OR s.version != p.version""")]
    leaving: list[tuple[str, str, str]] = []
    for batch in _batched(stale, CHUNK):
        for post in sketch_posts(store, batch):
            reason = owner.set_aside_reason(post.meta)
            if reason is None:
                file_post(store, post.sketch, post.identity)
            else:
                leaving.append((post.id, post.meta.get("publisher", "").strip(), reason))
    leave_items(store, leaving, now)
    return len(stale) - len(leaving), len(leaving)


def resketch_posts(store: Store) -> int:
    """Re-sketch the filed posts when the rules that sketch a post changed (rules.SKETCH_VERSION,
    kept in `merge_state`): a copy filed before 1.5万元 was read as 15000元 must be found by a new
    copy written 15000元, under its text's key and LSH bands. Links stay; an item shows what it
    showed, so its content hash follows the new sketch of its copy without moving `updated` or
    asking for a new classification. A post edited since it was filed is left to
    index_stale_posts. Checked once per run; the pass runs once per change of the rules.
    Returns how many posts were re-sketched."""
    version = str(rules.SKETCH_VERSION)
    row = store.db.execute("SELECT value FROM merge_state WHERE name = 'sketches'").fetchone()
    if row and row[0] == version:
        return 0
    filed = {pid: (title_key, body_hash) for pid, title_key, body_hash in store.db.execute(
        """SELECT s.post_id, s.title_key, s.body_hash FROM post_sketches s
           JOIN posts p ON p.id = s.post_id AND p.version = s.version""")}
    shown_by = {primary: (item_id, content_hash) for item_id, primary, content_hash in store.db.execute(
        "SELECT id, primary_post, content_hash FROM items WHERE primary_post IS NOT NULL")}
    for batch in _batched(list(filed), CHUNK):
        rehashed = []
        for post in sketch_posts(store, batch):
            file_post(store, post.sketch, post.identity)
            if post.id in shown_by:
                item_id, content_hash = shown_by[post.id]
                if content_hash == fingerprint((*post.row[:7], *filed[post.id])):
                    rehashed.append({"id": item_id, "old": content_hash, "new": fingerprint(post.row)})
        store.db.conn.executemany(
            """UPDATE items SET content_hash = :new,
               seen_hash = CASE WHEN seen_hash IS :old THEN :new ELSE seen_hash END,
               classified_hash = CASE WHEN classified_hash IS :old THEN :new ELSE classified_hash END
               WHERE id = :id""", rehashed)
    store.db.execute("INSERT OR REPLACE INTO merge_state (name, value) VALUES ('sketches', ?)", [version])
    if filed:
        log.info("dedupe: %d post(s) re-sketched (sketch rules version %s)", len(filed), version)
    return len(filed)


def rekey_identities(store: Store) -> int:
    """Re-make the 索引号/文号 keys of filed posts when the rules that make them changed
    (rules.IDENTITY_KEYS_VERSION, kept in `merge_state`): a 文号 filed before 第03号 was read as 3号
    must be found by a new copy written 3号. Checked once per run; the pass, over the posts with
    an identifier, runs once per change of the rules. Returns how many posts were re-keyed."""
    version = str(rules.IDENTITY_KEYS_VERSION)
    row = store.db.execute("SELECT value FROM merge_state WHERE name = 'identity_keys'").fetchone()
    if row and row[0] == version:
        return 0
    rekeyed = 0
    for sid, at, filed, idx, doc, meta in store.db.execute(
            """SELECT s.sid, s.at, s.keys, s.idx, s.doc, v.meta FROM post_sketches s
               JOIN post_versions v ON v.post_id = s.post_id AND v.version = s.version
               WHERE s.idx IS NOT NULL OR s.doc IS NOT NULL
                  OR v.meta LIKE '%"index_number"%' OR v.meta LIKE '%"doc_number"%'""").fetchall():
        identity = rules.identity_keys(json.loads(meta or "{}"))
        new_idx, new_doc = rules.identity_values(identity)
        if (new_idx, new_doc) == (idx or 0, doc or 0):
            continue
        old, new = {idx, doc} - {0, None}, set(identity)
        keys = sorted((set(array("q", filed or b"")) - old) | new)
        store.db.conn.executemany("DELETE FROM post_keys WHERE key = ? AND at = ? AND sid = ?",
                                  [(k, at, sid) for k in old - new])
        store.db.conn.executemany("INSERT OR IGNORE INTO post_keys (key, at, sid) VALUES (?, ?, ?)",
                                  [(k, at, sid) for k in new - old])
        store.db.execute("UPDATE post_sketches SET idx = ?, doc = ?, keys = ? WHERE sid = ?",
                         [new_idx or None, new_doc or None, array("q", keys).tobytes(), sid])
        rekeyed += 1
    store.db.execute("INSERT OR REPLACE INTO merge_state (name, value) VALUES ('identity_keys', ?)", [version])
    if rekeyed:
        log.info("dedupe: %d post(s) re-keyed by their 索引号/文号 (key rules version %s)", rekeyed, version)
    return rekeyed


def fresh_item_id(store: Store, founder: str) -> str:
    """'i' + the founding post's id digits; a suffix if a split already used that id."""
    base = "i" + founder[1:13]
    item_id, n = base, 1
    while store.db.conn.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone():
        n += 1
        item_id = f"{base}-{n}"
    return item_id


