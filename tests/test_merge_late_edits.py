"""Staff decisions and late edits against later automatic runs: posts saved into a real store, the
real dedupe stage run. A post staff split out and republished under a new URL stays with what staff
made of it; a catalog row whose 发布机构 is corrected upstream to another agency leaves its item (and
comes back when corrected again); 文号 keys stored before a change of the key rules are re-keyed."""

from __future__ import annotations

from datetime import datetime

from pipeline.merge import dedupe, explain, explanation_text, rules
from pipeline.merge import similarity as sim
from pipeline.merge import staff as merges
from pipeline.models import SHANGHAI
from pipeline.store import Store, post_id
from pipeline.views import item_views

from .builders import DRILL_BODY, POST_URLS, make_post, save_posts

NOW = datetime(2020, 6, 1, 10, tzinfo=SHANGHAI)
OFFICE = {"publisher": "兴华街道办事处"}
HEALTH = {"publisher": "昌邑区卫生健康局"}


def pid(channel: str, slug: str) -> str:
    return post_id(channel, POST_URLS[channel].format(slug))


def item_of(store: Store, post: str) -> str | None:
    row = store.db.execute("SELECT item_id FROM item_posts WHERE post_id = ?", [post]).fetchone()
    return row[0] if row else None


def shown(store: Store) -> dict[str, str]:
    """item id → title of the items published (and counted)."""
    return {v.id: v.title for v in item_views(store, SHANGHAI, include_unclassified=True)}


def counted(store: Store) -> set[str]:
    return {r[0] for r in store.db.execute("SELECT id FROM counted_items")}


# --- 1. a post staff split out, republished under a new URL ------------------------------------------------


def split_drill(config, store) -> tuple[str, str]:
    """The drill on WeChat and the website, merged by the rules; staff split the website copy out.
    Returns (the item it was split from, the item it forms)."""
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=1))
    dedupe(config, store)
    (item,) = {item_of(store, pid("wechat", "a")), item_of(store, pid("website", "b"))}
    out = merges.split_item(config, store, item, [pid("website", "b")], who="王静", note="另一次演练", now=NOW)
    return item, out


def test_a_split_out_post_republished_under_a_new_url_joins_the_post_staff_split_out(empty_store):
    config, store = empty_store
    item, out = split_drill(config, store)
    # The website moved the page: the same text under a new address. It matches both copies equally.
    save_posts(store, make_post("b-moved", "website", days=2))
    dedupe(config, store)
    assert item_of(store, pid("website", "b-moved")) == out
    assert item_of(store, pid("wechat", "a")) == item and item_of(store, pid("website", "b")) == out
    dedupe(config, store)  # and a later run leaves it so
    assert item_of(store, pid("website", "b-moved")) == out


def test_staff_evidence_breaks_a_tie_of_rules_never_a_stronger_rule(empty_store):
    """A copy that is the text of the post left in the item (same text) and only the title of the one
    split out (same title) still joins the item: the split says the two differ, not which it is."""
    config, store = empty_store
    edited = DRILL_BODY + "演练结束后，街道应急办对演练情况进行了总结点评。"
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", body=edited, days=1))
    dedupe(config, store)
    (item,) = {item_of(store, pid("wechat", "a")), item_of(store, pid("website", "b"))}
    out = merges.split_item(config, store, item, [pid("website", "b")], who="王静", now=NOW)
    save_posts(store, make_post("a-again", "weibo", days=2), make_post("b-again", "catalog", body=edited, days=2))
    dedupe(config, store)
    assert item_of(store, pid("weibo", "a-again")) == item
    assert item_of(store, pid("catalog", "b-again")) == out


# --- 2. a post in an item whose 发布机构 is corrected upstream to another agency ------------------------------


def test_a_copy_whose_publisher_is_corrected_to_another_agency_leaves_its_item_alone(empty_store):
    config, store = empty_store
    save_posts(store, make_post("row", "catalog", meta=OFFICE), make_post("wx", "wechat", days=0.5))
    dedupe(config, store)
    (item,) = {item_of(store, pid("catalog", "row")), item_of(store, pid("wechat", "wx"))}
    # The district corrects its catalog row: it was the 区卫健局's all along.
    save_posts(store, make_post("row", "catalog", meta=HEALTH))
    counts = dedupe(config, store)
    assert counts["set_aside"] == 1
    assert item_of(store, pid("catalog", "row")) is None and item_of(store, pid("wechat", "wx")) == item
    reason = store.db.execute("SELECT reason FROM set_aside WHERE post_id = ?", [pid("catalog", "row")]).fetchone()
    assert reason and "昌邑区卫生健康局" in reason[0]
    assert item in shown(store) and item in counted(store)  # the WeChat copy is the office's own
    assert store.db.execute("SELECT primary_post FROM items WHERE id = ?", [item]).fetchone()[0] == pid("wechat", "wx")
    # The item keeps its history: the copy that left, when and why.
    (left,) = [d for d in explain(store, item).decisions if d.kind == "set aside"]
    assert pid("catalog", "row") in left.before["items"][item] and pid("catalog", "row") not in left.after["items"][item]
    assert "昌邑区卫生健康局" in left.note


def test_an_item_whose_only_copy_turns_out_another_agencys_is_neither_published_nor_counted(empty_store):
    config, store = empty_store
    save_posts(store, make_post("row", "catalog", meta=OFFICE))
    dedupe(config, store)
    item = item_of(store, pid("catalog", "row"))
    number = store.db.execute("SELECT index_number FROM items WHERE id = ?", [item]).fetchone()[0]
    assert item in shown(store) and item in counted(store)
    save_posts(store, make_post("row", "catalog", meta=HEALTH))
    dedupe(config, store)
    assert item not in shown(store) and item not in counted(store)
    # Kept as a record: found by its id and 索引号, its history says why it is empty.
    e = explain(store, number)
    assert e.item_id == item and not e.posts and [d.kind for d in e.decisions] == ["set aside"]
    assert "已无渠道副本" in explanation_text(e) and "昌邑区卫生健康局" in explanation_text(e)
    # Corrected back (the row was the office's after all): the copy returns to its item, as it was linked.
    save_posts(store, make_post("row", "catalog", meta=OFFICE))
    dedupe(config, store)
    assert item_of(store, pid("catalog", "row")) == item and item in shown(store) and item in counted(store)
    assert store.db.execute("SELECT index_number FROM items WHERE id = ?", [item]).fetchone()[0] == number
    assert [d.kind for d in explain(store, item).decisions] == ["set aside", "returned"]


def test_a_staff_link_set_aside_and_corrected_back_returns_as_staff_made_it(empty_store):
    config, store = empty_store
    item, out = split_drill(config, store)
    save_posts(store, make_post("b", "website", days=1, meta=HEALTH))
    dedupe(config, store)
    assert item_of(store, pid("website", "b")) is None and out not in shown(store)
    save_posts(store, make_post("b", "website", days=1, meta=OFFICE))
    dedupe(config, store)
    assert store.db.execute("SELECT item_id, rule, decided_by FROM item_posts WHERE post_id = ?",
                            [pid("website", "b")]).fetchone() == (out, "staff split", "王静")
    assert out in shown(store) and item in shown(store)


# --- 3. 文号 keys written before a change of the key rules --------------------------------------------------


def file_as_before_the_serial_fold(store: Store, post: str, doc_number: str) -> None:
    """Turn a filed post's 文号 key into what the rules wrote before leading zeros and 第 were folded
    (the key of the bare 文号), and forget which key rules the store's keys follow: a store of then."""
    old = sim.key_of("doc", doc_number)
    (new,) = [k for k, rule in rules.identity_keys({"doc_number": doc_number}).items() if rule == "same 文号"]
    assert old != new
    with store.transaction():
        sid = store.db.execute("SELECT sid FROM post_sketches WHERE post_id = ?", [post]).fetchone()[0]
        store.db.execute("UPDATE post_keys SET key = ? WHERE key = ? AND sid = ?", [old, new, sid])
        store.db.execute("UPDATE post_sketches SET doc = ? WHERE sid = ?", [old, sid])
        if store.db["merge_state"].exists():
            store.db.execute("DELETE FROM merge_state")


def test_a_new_copy_of_a_document_keyed_before_the_serial_fold_finds_it(empty_store):
    config, store = empty_store
    body = ("各社区：为做好2020年度防汛工作，现将有关事项通知如下。一、各社区要于5月20日前完成辖区隐患排查，"
            "建立问题台账。二、街道成立防汛工作领导小组，由应急办负责日常工作。三、汛期实行24小时值班制度。特此通知。")
    save_posts(store, make_post("doc", "website", title="兴华街道关于做好2020年防汛工作的通知", body=body,
                                meta={"doc_number": "兴街发〔2020〕第03号"}))
    dedupe(config, store)
    item = item_of(store, pid("website", "doc"))
    file_as_before_the_serial_fold(store, pid("website", "doc"), "兴街发〔2020〕第03号")
    # The catalog lists it months later, under its GB/T 9704 文号, its text only "详见附件".
    save_posts(store, make_post("row", "catalog", title="关于做好防汛工作的通知", body="详见附件。", days=90,
                                meta={**OFFICE, "doc_number": "兴街发〔2020〕3号"}))
    counts = dedupe(config, store)
    assert item_of(store, pid("catalog", "row")) == item and counts["rekeyed"] == 1
    # Re-keyed once: the store now says which key rules its keys follow, and the next run does nothing.
    assert dedupe(config, store)["rekeyed"] == 0
    assert store.db.execute("SELECT value FROM merge_state WHERE name = 'identity_keys'").fetchone()[0] == \
        str(rules.IDENTITY_KEYS_VERSION)


def test_a_department_taken_out_of_the_config_takes_its_rows_out_of_the_items(empty_store):
    """README: adding a name to departments brings its rows back at the next run. Taking one out
    left its rows published and counted as the office's; they leave their items once the setting
    changes (and come back when it is put back), as an edited row does."""
    from dataclasses import replace

    config, store = empty_store
    team = {"publisher": "昌邑区综合执法局兴华中队"}
    with_team = replace(config, office=replace(config.office, departments=("昌邑区综合执法局兴华中队",)))
    save_posts(store, make_post("row", "catalog", meta=team))
    dedupe(with_team, store)
    item = item_of(store, pid("catalog", "row"))
    assert item in counted(store)
    assert dedupe(with_team, store)["set_aside"] == 0  # nothing changed: nothing asked again
    assert dedupe(config, store)["set_aside"] == 1
    assert item_of(store, pid("catalog", "row")) is None and item not in counted(store)
    reason = store.db.execute("SELECT reason FROM set_aside WHERE post_id = ?", [pid("catalog", "row")]).fetchone()[0]
    assert "昌邑区综合执法局兴华中队" in reason
    dedupe(with_team, store)
    assert item_of(store, pid("catalog", "row")) == item and item in counted(store)
