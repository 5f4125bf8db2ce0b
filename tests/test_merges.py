"""Staff decisions (split, merge) win over later automatic runs; `xxgk explain` says why."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from click.testing import CliRunner

from pipeline.merge import staff as merges
from pipeline.commands import main
from pipeline.merge import dedupe
from pipeline.errors import MergeError
from pipeline.models import SHANGHAI
from pipeline.store import Store
from pipeline.views import item_views

from .builders import DRILL_BODY, items_of, make_post, save_posts

NOW = datetime(2020, 6, 1, 10, tzinfo=SHANGHAI)


def post_id_of(store: Store, channel: str) -> str:
    return store.db.execute("SELECT id FROM posts WHERE channel = ? ORDER BY id LIMIT 1", [channel]).fetchone()[0]


def test_a_staff_split_survives_later_runs(empty_store):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=1))
    dedupe(config, store)
    (item_id,) = items_of(store)
    website = post_id_of(store, "website")

    new_id = merges.split_item(config, store, item_id, [website], who="王静", note="a different drill", now=NOW)
    assert new_id != item_id and len(items_of(store)) == 2

    # New copies arrive that look like both; the automatic run assigns them but moves nothing.
    save_posts(store, make_post("c", "catalog", days=3), make_post("d", "weibo", body="兴华街道组织开展防汛应急演练……", days=0.2))
    dedupe(config, store)
    dedupe(config, store)
    links = dict(store.db.execute("SELECT post_id, item_id FROM item_posts"))
    assert links[website] == new_id and links[post_id_of(store, "wechat")] == item_id
    assert store.db.execute("SELECT decided_by, rule FROM item_posts WHERE post_id = ?", [website]).fetchone() == \
        ("王静", "staff split")
    assert len({links[p] for p in links}) == 2  # no third item, no re-merge
    kinds = [r[0] for r in store.db.execute("SELECT kind FROM decisions WHERE who = '王静' ORDER BY item_id")]
    assert sorted(kinds) == ["split", "split from"]
    # The split-off item got its own 索引号, and both are published.
    assert len({v.index_number for v in item_views(store, SHANGHAI, include_unclassified=True)}) == 2


def test_a_staff_merge_keeps_one_item_and_records_the_other(empty_store):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"),
               make_post("b", "website", title="兴华街道防汛演练检验应急预案", days=1, body=DRILL_BODY[:60] + "……详见附件。"))
    dedupe(config, store)
    assert len(items_of(store)) == 2
    keep = store.db.execute("SELECT item_id FROM item_posts WHERE post_id = ?", [post_id_of(store, "wechat")]).fetchone()[0]
    other = store.db.execute("SELECT item_id FROM item_posts WHERE post_id = ?", [post_id_of(store, "website")]).fetchone()[0]

    merges.merge_items(config, store, keep, other, who="李明", now=NOW)
    dedupe(config, store)
    assert list(items_of(store)) == [keep]
    views = list(item_views(store, SHANGHAI, include_unclassified=True))
    assert [v.id for v in views] == [keep] and len(views[0].copies) == 2
    explained = merges.explain(store, other)
    assert explained.merged_into == keep and explained.posts == ()
    assert [d.kind for d in merges.explain(store, keep).decisions] == ["merge"]
    with pytest.raises(MergeError):
        merges.merge_items(config, store, keep, other, who="李明")  # nothing left to merge


def test_a_split_keeps_the_item_with_its_first_post_and_undoes_a_merge(empty_store):
    """Splitting an item's own first post out (the clerk ticked the wrong side) moves the other posts
    instead: the item's id, 索引号 and page stay with the document first published; and posts a staff
    merge brought in, split out as they came, revive the item they came from (id, 索引号, status)."""
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"),
               make_post("b", "website", title="兴华街道防汛演练检验应急预案", days=1, body=DRILL_BODY[:60] + "……详见附件。"))
    dedupe(config, store)
    wechat, website = post_id_of(store, "wechat"), post_id_of(store, "website")
    links = dict(store.db.execute("SELECT post_id, item_id FROM item_posts"))
    keep, other = links[wechat], links[website]
    numbers = dict(store.db.execute("SELECT id, index_number FROM items"))
    store.db.execute("UPDATE items SET status = 'confirmed', category = 'aqsc' WHERE id = ?", [other])
    merges.merge_items(config, store, keep, other, who="李明", now=NOW)

    back = merges.split_item(config, store, keep, [wechat], who="李明", note="合并错了", now=NOW)  # the first post
    assert back == other  # the merged-in post left, back into its own item
    links = dict(store.db.execute("SELECT post_id, item_id FROM item_posts"))
    assert links == {wechat: keep, website: other}
    assert dict(store.db.execute("SELECT id, index_number FROM items")) == numbers
    assert store.db.execute("SELECT merged_into, status, category FROM items WHERE id = ?", [other]).fetchone() == \
        (None, "confirmed", "aqsc")
    assert {v.id for v in item_views(store, SHANGHAI, include_unclassified=True)} == {keep, other}


def test_split_refuses_what_it_cannot_do(empty_store):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=1),
               make_post("x", "wechat", title="兴华街道召开2020年党风廉政建设工作会议", body="会议传达了上级纪委全会精神。"))
    dedupe(config, store)
    drill = store.db.execute("SELECT item_id FROM item_posts WHERE post_id = ?", [post_id_of(store, "website")]).fetchone()[0]
    both = [r[0] for r in store.db.execute("SELECT post_id FROM item_posts WHERE item_id = ?", [drill])]
    with pytest.raises(MergeError, match="条目将为空"):
        merges.split_item(config, store, drill, both, who="王静")
    meeting = store.db.execute("SELECT id FROM posts WHERE title LIKE '%党风廉政%'").fetchone()[0]
    with pytest.raises(MergeError, match="不属于条目"):
        merges.split_item(config, store, drill, [meeting], who="王静")
    with pytest.raises(MergeError, match="没有条目"):
        merges.explain(store, "i-nothing")


def test_explain_shows_rule_score_and_channel_and_returns_data(empty_store, tmp_path):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", title="【工作动态】兴华街道组织开展防汛应急演练", days=1))
    dedupe(config, store)
    (item_id,) = items_of(store)
    data = merges.explain(store, item_id).as_dict()
    assert [(p["channel"], p["rule"], p["score"]) for p in data["posts"]] == \
        [("wechat", "first copy", 1.0), ("website", "same text", 1.0)]
    assert data["first_channel"] == data["count_channel"] == "wechat"

    runner = CliRunner()
    path = str(config.path)
    text = runner.invoke(main, ["--config", path, "explain", item_id], catch_exceptions=False)
    assert text.exit_code == 0 and "合并依据 正文相同（1.000）" in text.output and "年报计入 微信" in text.output
    index_number = data["index_number"]
    as_json = runner.invoke(main, ["--config", path, "explain", index_number, "--json"], catch_exceptions=False)
    assert json.loads(as_json.output)["item_id"] == item_id
    missing = runner.invoke(main, ["--config", path, "explain", "nope"])
    assert missing.exit_code == 2 and "没有条目" in missing.output


def test_merge_and_split_commands_record_who(empty_store):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=1))
    dedupe(config, store)
    (item_id,) = items_of(store)
    website = store.db.execute("SELECT url FROM posts WHERE channel = 'website'").fetchone()[0]
    runner = CliRunner()
    path = str(config.path)
    split = runner.invoke(main, ["--config", path, "split", item_id, website, "--who", "王静"], catch_exceptions=False)
    assert split.exit_code == 0, split.output
    assert split.output.startswith(f"已从条目 {item_id} 拆出 1 个渠道副本，成为条目 ")
    new_id = re.search(r"成为条目 (\w+)（记录为 王静 的决定）", split.output)[1]
    merged = runner.invoke(main, ["--config", path, "merge", item_id, new_id, "--who", "李明", "--note", "same drill"],
                           catch_exceptions=False)
    assert merged.exit_code == 0 and merged.output == f"已将条目 {new_id} 并入 {item_id}（记录为 李明 的决定）\n"
    rows = store.db.execute("SELECT who, kind, note FROM decisions ORDER BY id").fetchall()
    assert rows == [("王静", "split", ""), ("王静", "split from", ""), ("李明", "merge", "same drill"),
                    ("李明", "merged into", "same drill")]
    listed = runner.invoke(main, ["--config", path, "withdrawn"], catch_exceptions=False)
    assert listed.output == "没有已撤下的条目\n"


def test_explain_speaks_to_the_clerk_in_chinese(empty_store):
    """`xxgk explain` printed English ("first published … on wechat; counted under wechat", "2 post(s):",
    "by 王静", "merge {…} → {…}"); it says it now in the review page's words: its channel names, its
    merge rules, its decision kinds; --json keeps the store's English names for machines."""
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"), make_post("b", "website", days=1),
               make_post("c", "catalog", days=2))
    dedupe(config, store)
    (item_id,) = items_of(store)
    catalog = post_id_of(store, "catalog")
    store.withdraw_post("catalog", store.db.execute("SELECT url FROM posts WHERE id = ?", [catalog]).fetchone()[0],
                        "", NOW)
    split_off = merges.split_item(config, store, item_id, [catalog], who="王静", note="另一次演练", now=NOW)
    merges.merge_items(config, store, item_id, split_off, who="李明", now=NOW)

    runner = CliRunner()
    text = runner.invoke(main, ["--config", str(config.path), "explain", item_id], catch_exceptions=False).output
    assert "年报计入 微信" in text and "（微信）" in text and "各渠道副本（3 个）：" in text
    assert "合并依据 首个副本（1.000）" in text and " 网站 " in text and " 区公开目录 " in text
    assert "合并依据 人工合并（1.000，李明 " in text  # who moved the copy, and when
    assert "已撤下：" in text and "（源头已删除）" in text
    assert "王静：拆分（另一次演练）：" in text and "李明：合并：" in text and " → " in text
    assert "标题来源：" in text and "发布机构：" in text
    merged = runner.invoke(main, ["--config", str(config.path), "explain", split_off], catch_exceptions=False).output
    assert f"已由工作人员并入 {item_id}：本条目只保留为记录，不单独发布" in merged
    assert "王静：拆分而来（另一次演练）" in merged and "李明：被合并：" in merged
    for said in (text, merged):  # no English left but ids, URLs, config keys and the tool's name
        for line in said.splitlines():
            plain = re.sub(r"https?://\S+|\b[ip][0-9a-f]{12,}\b|\[office\]( [a-z]+)?|xxgk", "", line)
            assert not re.findall(r"\b[A-Za-z]{3,}\b", plain), line

    data = json.loads(runner.invoke(main, ["--config", str(config.path), "explain", item_id, "--json"]).output)
    assert {p["channel"] for p in data["posts"]} == {"wechat", "website", "catalog"}
    assert [d["kind"] for d in data["decisions"]] == ["split", "merge"]


def test_explain_of_an_item_every_copy_of_which_was_withdrawn_says_so_in_chinese(empty_store):
    config, store = empty_store
    save_posts(store, make_post("a", "wechat"))
    dedupe(config, store)
    (item_id,) = items_of(store)
    store.withdraw_post("wechat", store.db.execute("SELECT url FROM posts").fetchone()[0], "已删除", NOW)
    dedupe(config, store)
    text = merges.explanation_text(merges.explain(store, item_id), SHANGHAI)
    assert "已撤下：所有副本都已在源头撤下（最后一个 2020-06-01 10:00）；保留并标记" in text
    assert "已撤下：2020-06-01 10:00（已删除）" in text
    listed = CliRunner().invoke(main, ["--config", str(config.path), "withdrawn"], catch_exceptions=False).output
    assert listed.startswith(f"{item_id}  ") and "  撤下于 2020-06-01" in listed


@pytest.mark.parametrize("command", ["explain", "merge", "split", "withdrawn"])
def test_every_merge_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and f"xxgk {command}" in result.output


def test_merging_the_item_a_catalog_row_gave_its_number_into_another_moves_the_number(empty_store):
    """Staff merge an item whose catalog row carries the official 索引号 into an item without a catalog copy:
    the kept item now shows that number, and the merged-away one (published nowhere) gives it up for a
    minted one. The give-up read the merged-away item's publication day, which the merge had just cleared:
    a traceback (a 500 on the review page)."""
    config, store = empty_store
    official = "11220202MB0X12345Y/2020-00007"
    save_posts(store, make_post("a", "catalog", title="兴华街道2020年城乡低保对象公示", body="低保对象名单公示。" * 10,
                                meta={"index_number": official}),
               make_post("b", "wechat", title="兴华街道开展防汛演练", days=1))
    dedupe(config, store)
    ids = {next(iter(titles)): item_id for item_id, titles in items_of(store).items()}
    catalog_item, wechat_item = ids["兴华街道2020年城乡低保对象公示"], ids["兴华街道开展防汛演练"]
    merges.merge_items(config, store, wechat_item, catalog_item, who="王静", now=NOW)
    shown = dict(store.db.execute("SELECT id, index_number FROM items").fetchall())
    assert shown[wechat_item] == official
    assert shown[catalog_item] != official and shown[catalog_item]
