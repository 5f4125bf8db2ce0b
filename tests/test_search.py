"""Search (pipeline/publish/search.py + static/search-core.js): every item that holds a
2–8 character Chinese query is found and no other, title matches first, then newest;
the index follows a night's changes without being rebuilt. The queries are answered by
the page's own script under Node (bench/search_node.js), as the browser would."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path


from pipeline.models import SHANGHAI
from pipeline.publish import build
from pipeline.publish.build import search_text
from pipeline.publish.pages import display_title
from pipeline.publish.search import STATE, normalize

from .builders import CATEGORIES, SITE, ask_search, make_item

PUNCT = set("，。、；：！？“”《》（）()【】 \n")


def demo_items(office: Path) -> list:
    """The items the demo office's site publishes (what the nightly build gave the index)."""
    from pipeline import config
    from pipeline.classify import stage as classify_stage
    from pipeline.store import Store
    from pipeline.views import item_views

    cfg = config.load(office / "xxgk.toml")
    with Store(cfg.database) as store:
        held = classify_stage.held_items(store, cfg)
        return list(item_views(store, SHANGHAI, exclude=held))


def sample_queries(texts: list[str], count: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        text = rng.choice(texts)
        size = rng.randint(2, 8)
        at = rng.randrange(max(1, len(text) - size))
        q = text[at:at + size]
        if len(q) >= 2 and not PUNCT & set(q) and q not in out:
            out.append(q)
    return out


def test_demo_search_finds_exactly_the_items_holding_the_query(synced_office: Path) -> None:
    views = demo_items(synced_office)
    docs = {v.id: (normalize(display_title(v.title)), normalize(search_text(v)), v.published_at) for v in views}
    titles = [t for t, _, _ in docs.values()]
    bodies = [b for _, b, _ in docs.values() if b]
    queries = ["疫情", "低保", "安全生产", "垃圾分类", "兴华街道"]
    queries += sample_queries(titles, 20) + sample_queries(bodies, 40, seed=16)
    answers = ask_search(synced_office / "output/site/search", queries)
    for q in queries:
        error, hits = answers[q]
        truth = {i for i, (t, b, _) in docs.items() if q in t or q in b}
        assert error == "" and {h[0] for h in hits} == truth, q  # recall 1.0, and nothing else
        ranks = [(q not in docs[i][0], -docs[i][2].timestamp()) for i, _ in hits]
        assert ranks == sorted(ranks), q  # title matches first, then newest
        assert [h[1] for h in hits] == [q in docs[i][0] for i, _ in hits], q
    assert sum(bool(answers[q][1]) for q in queries[:5]) >= 3  # the demo office mentions these
    # a citizen with a document's number in hand: its 文号, its 索引号 (each shown on the item's page)
    numbered = next(v for v in views if v.doc_number)
    by_number = ask_search(synced_office / "output/site/search", [numbered.doc_number, numbered.index_number])
    assert numbered.id in {h[0] for h in by_number[numbered.doc_number][1]}
    assert [h[0] for h in by_number[numbered.index_number][1]] == [numbered.id]
    paged = ask_search(synced_office / "output/site/search", [[q, 7] for q in queries])
    assert all(paged[(q, 7)] == answers[q] for q in queries)  # a page at a time: the same, in the same order


def test_one_character_asks_for_two(tmp_path: Path) -> None:
    build([make_item(1)], CATEGORIES, SITE, tmp_path, search=True)
    assert ask_search(tmp_path / "site/search", ["期"])["期"] == ("请至少输入两个字。", [])


def test_a_night_updates_the_index_without_rebuilding_it(tmp_path: Path) -> None:
    its = [make_item(n) for n in range(1, 41)]
    build(its, CATEGORIES, SITE, tmp_path, search=True)
    base = base_files(tmp_path)
    assert ask_search(tmp_path / "site/search", ["第7期"])["第7期"][1] == [["item0007", True]]

    its[6] = make_item(7, body_html="<p>辖区开展防汛演练。</p>")  # changed
    del its[9]  # withdrawn from the site
    its.append(make_item(41, title="关于防汛演练的通知"))  # new
    build(its, CATEGORIES, SITE, tmp_path, search=True)
    answers = ask_search(tmp_path / "site/search", ["防汛演练", "第10期社区"])
    assert answers["防汛演练"][1] == [["item0041", True], ["item0007", False]]  # title first, then newest
    assert answers["第10期社区"][1] == []
    assert base_files(tmp_path) == base  # base untouched: the new version links the same files
    assert len(json.loads((tmp_path / STATE).read_text())["delta"]) == 2  # only the two changed items re-indexed


def base_files(out: Path) -> dict[str, tuple[int, int]]:
    """The published version's base postings: name → (inode, mtime)."""
    version = json.loads((out / "site/search/meta.json").read_text())["version"]
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / f"site/search/{version}/b").iterdir()}


def test_a_lost_index_is_rebuilt_from_every_item(tmp_path: Path) -> None:
    its = [make_item(n) for n in range(1, 6)]
    build(its, CATEGORIES, SITE, tmp_path, search=True)
    shutil.rmtree(tmp_path / "site/search")
    build(its, CATEGORIES, SITE, tmp_path, search=True)  # no page changed; the index still comes back whole
    assert [h[0] for h in ask_search(tmp_path / "site/search", ["社区工作"])["社区工作"][1]] == [
        f"item{n:04d}" for n in range(5, 0, -1)]
