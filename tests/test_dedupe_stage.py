"""The dedupe stage on a real SQLite store: merging, dates, versions, withdrawals, counted channel."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from pipeline import config as config_mod
from pipeline.merge import dedupe
from pipeline.models import SHANGHAI
from pipeline.store import Store
from pipeline.views import item_views

from .builders import DRILL_AT, DRILL_BODY, POST_URLS, items_of, make_post, save_posts, write_config



def test_copies_across_channels_become_one_item_with_reasons(empty_store):
    config, store = empty_store
    save_posts(store,
               make_post("a", "wechat"),
               make_post("b", "website", title="【工作动态】兴华街道 组织开展防汛应急演练", body=DRILL_BODY + "\n来源：兴华街道办事处", days=2),
               make_post("c", "weibo", body="5月12日上午，兴华街道组织开展防汛应急演练……#兴华街道#", days=0.1),
               make_post("d", "catalog", title="兴华街道组织开展防汛应急演练", days=6,
                         meta={"index_number": "11220202MB0X12345Y/2020-00042", "formed_on": "2020-05-12"}),
               make_post("e", "wechat", title="暖心！兴华街道组织开展防汛应急演练", days=1,
                         body="点击上方蓝字关注我们\n" + DRILL_BODY + "\n欢迎广大居民积极参与。"))
    counts = dedupe(config, store)
    assert counts["new_items"] == 1 and counts["merged"] == 4
    rules = dict(store.db.execute("SELECT p.channel || p.url, ip.rule FROM item_posts ip JOIN posts p ON p.id = ip.post_id"))
    assert sorted(rules.values()) == ["first copy", "same text", "same text", "same title", "title variant"]
    (view,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert view.first_channel == "wechat" and view.published_at == DRILL_AT
    assert view.formed_on.isoformat() == "2020-05-12"
    assert {c.channel for c in view.copies} == {"wechat", "website", "weibo", "catalog"}
    assert view.title == "兴华街道组织开展防汛应急演练"  # the catalog's formal copy is shown


def test_look_alikes_stay_apart(empty_store):
    config, store = empty_store
    march = DRILL_BODY.replace("5月12日", "3月30日")
    save_posts(store,
               make_post("m3", "website", title="兴华街道召开2020年3月份安全生产例会", body=march),
               make_post("m4", "website", title="兴华街道召开2020年4月份安全生产例会", body=march.replace("3月30日", "4月3日"), days=4),
               make_post("s", "wechat", title="兴华街道松江社区开展防汛应急演练", days=0.5),
               make_post("z", "wechat", title="兴华街道中兴社区开展防汛应急演练", body=DRILL_BODY.replace("松江社区", "中兴社区"), days=0.6))
    dedupe(config, store)
    assert len(items_of(store)) == 4


def test_the_date_window_is_configurable(empty_store, tmp_path):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=20))
    dedupe(config, store)
    assert len(items_of(store)) == 2  # 20 days apart: next year's drill is another item
    with Store(tmp_path / "wide.db") as wide:
        save_posts(wide, make_post("a", "wechat"), make_post("b", "website", days=20))
        dedupe(dataclasses.replace(config, merge_window_days=30), wide)
        assert len(items_of(wide)) == 1


def test_the_same_doc_number_is_the_same_item_at_any_date(empty_store):
    config, store = empty_store
    meta = {"doc_number": "兴华办发〔2020〕3号"}
    save_posts(store, make_post("a", "catalog", title="兴华街道办事处关于印发《2020年政务公开工作方案》的通知", meta=meta),
               make_post("b", "website", title="关于印发政务公开工作方案的通知", body="详见附件。", days=40,
                         meta={"doc_number": "兴华办发[2020]3号"}))
    dedupe(config, store)
    assert [rule for (rule,) in store.db.execute("SELECT rule FROM item_posts ORDER BY rule")] == ["first copy", "same 文号"]


def test_an_edit_keeps_versions_and_moves_updated_only_on_content_change(empty_store):
    config, store = empty_store
    first_run = datetime(2020, 5, 13, 2, tzinfo=SHANGHAI)
    save_posts(store, make_post("a", "website"), now=first_run)
    dedupe(config, store, now=first_run)
    (before,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert before.updated_at == before.published_at

    # A copy of the same text arrives: same item, same `updated`.
    later = first_run + timedelta(days=1)
    save_posts(store, make_post("b", "wechat", days=0.5), now=later)
    dedupe(config, store, now=later)
    (same,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert same.id == before.id and same.updated_at == before.updated_at and len(same.copies) == 2

    # The website edits its text upstream: a second version, the item shows it, `updated` moves.
    edit = first_run + timedelta(days=3)
    save_posts(store, make_post("a", "website", body=DRILL_BODY.replace("六十余人", "七十余人")), now=edit)
    dedupe(config, store, now=edit)
    (after,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert after.id == before.id and "七十余人" in after.body_html
    assert after.updated_at == edit
    assert store.db.execute("SELECT COUNT(*) FROM post_versions").fetchone()[0] == 3
    assert store.db.execute("SELECT body_text FROM post_versions WHERE version = 1 AND post_id = "
                            "(SELECT primary_post FROM items)").fetchone()[0] == DRILL_BODY

    # Running again changes nothing.
    dedupe(config, store, now=edit + timedelta(days=1))
    (again,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert again.updated_at == edit


def test_withdrawn_posts_are_kept_and_an_all_withdrawn_item_is_flagged(empty_store):
    config, store = empty_store
    from pipeline.merge.staff import withdrawn_items

    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=1))
    dedupe(config, store)
    gone = datetime(2020, 6, 1, tzinfo=SHANGHAI)
    with store.transaction():
        store.withdraw_post("wechat", POST_URLS["wechat"].format("a"), "该内容已被发布者删除", now=gone)
    dedupe(config, store)
    (view,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert not view.withdrawn and withdrawn_items(store) == []
    with store.transaction():
        store.withdraw_post("website", POST_URLS["website"].format("b"), "HTTP 404", now=gone + timedelta(days=2))
    dedupe(config, store)
    (view,) = item_views(store, SHANGHAI, include_unclassified=True)
    assert view.withdrawn and len(view.copies) == 2  # flagged, never removed
    (flagged,) = withdrawn_items(store)
    assert flagged["item_id"] == view.id and flagged["withdrawn_at"].startswith("2020-06-02")


@pytest.mark.parametrize("rule, expected", [("first", "website"), ("any_social", "wechat"), ("primary", "website")])
def test_the_counted_channel_follows_the_configured_rule(empty_store, rule, expected):
    config, store = empty_store
    save_posts(store, make_post("a", "website"), make_post("b", "wechat", days=1))
    dedupe(dataclasses.replace(config, merge_count_channel=rule), store)
    assert store.db.execute("SELECT first_channel, count_channel FROM items").fetchone() == ("website", expected)


def test_count_channel_is_checked_in_the_config(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + '\n[merge]\ncount_channel = "loudest"\n', encoding="utf-8")
    with pytest.raises(config_mod.ConfigError, match="count_channel"):
        config_mod.load(path)
