"""Classification: rules on real-looking items of every top-level node, ambiguous ones, the text
model, normative documents and their validity, personal data, the office's own tree."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from pipeline import config as config_mod
from pipeline.classify import OfficeRecord, classify, classify_one, held_items, load_tree, office_tree, role_problems
from pipeline.classify import rules, signals
from pipeline.classify.model import MIN_EXAMPLES, Example, TextModel
from pipeline.errors import ConfigError
from pipeline.store import Store

from .builders import cli, invoke, write_config

TREE = load_tree()

# (title, body, hints, expected leaf) — one or more per top-level node of the default tree.
CASES = [
    ("兴华街道办事处机构职能", "主要职责：负责辖区党的建设……", {"column": "通知公告"}, "jggk"),  # 机构职能
    ("兴华街道办事处关于印发《2021年网格化管理工作方案》的通知", "各社区：现将工作方案印发给你们。",
     {"topic": "综合政务\\其他", "doc_number": "兴街发〔2021〕3号"}, "qtwj"),  # 政策文件
    ("兴华街道关于加强物业管理的若干规定", "", {"doc_number": "兴街规〔2020〕1号"}, "gfxwj"),
    ("兴华街道2021年工作计划", "一、指导思想……", {}, "gzjh"),  # 规划计划
    ("兴华街道办事处2020年部门预算", "收支总体情况……", {"topic": "财政、金融、审计\\财政"}, "czyjs"),  # 财政信息
    ("兴华街道办事处2019年“三公”经费决算情况说明", "", {"topic": "财政、金融、审计\\财政"}, "sgjf"),
    ("兴华街道关于王明等同志职务任免的通知", "", {"topic": "劳动、人事、监察\\人事工作"}, "rsrm"),  # 人事信息
    ("兴华街道2021年公开招聘社区工作者公告", "报名时间……", {}, "zkzp"),
    ("兴华街道召开2020年党风廉政建设工作会议", "会上，与会人员认真学习了……", {"column": "工作动态"}, "gzdt"),
    ("兴华街道关于松江社区部分区域临时停水的公告", "", {"column": "通知公告"}, "tzgg"),  # 通知公告
    ("兴华街道2020年3月城乡低保审批结果公示", "", {"topic": "民政、扶贫、救灾\\社会福利"}, "shjz"),  # 基层政务公开
    ("兴华街道开展燃气安全隐患排查整治", "", {"column": "工作动态"}, "aqsc"),
    ("兴华街道开展食品安全专项检查", "", {}, "spyp"),
    ("兴华街道2019年政府信息公开工作年度报告", "", {"topic": "综合政务\\政务公开"}, "xxgknb"),  # 政府信息公开
    ("兴华街道政府信息公开保密审查制度", "", {}, "xxgkzd"),
]


@pytest.mark.parametrize("title, body, hints, expected", CASES, ids=[c[3] for c in CASES])
def test_rules_file_real_looking_items(title, body, hints, expected):
    verdict = classify_one(TREE, title, body, hints)
    assert verdict.category == expected, verdict
    assert 0 <= verdict.confidence <= 1
    assert "→" in verdict.reason and TREE.names[expected] in verdict.reason


def test_every_top_level_node_is_covered_by_a_case():
    tops = {c.id for c in TREE.categories if not c.parent}
    covered = {TREE.top_of(case[3]) for case in CASES}
    assert tops <= covered


@pytest.mark.parametrize("ambiguous, clear", [
    # safety for the elderly: filed under 安全生产, but less surely (老年人 speaks for 养老服务)
    ("兴华街道组织老年人开展消防安全演练", "兴华街道开展燃气安全隐患排查整治"),
    # a 公告 that is a recruitment: 招考招聘 wins over 通知公告, less surely than a plain one
    ("兴华街道关于公开招聘公益性岗位人员的公告", "兴华街道2021年公开招聘社区工作者拟聘用人员面试"),
])
def test_ambiguous_items_are_less_sure(ambiguous, clear):
    a, c = classify_one(TREE, ambiguous, "", {}), classify_one(TREE, clear, "", {})
    assert a.category == c.category
    assert a.confidence < c.confidence


def test_nothing_matched_falls_back_to_the_default_leaf_unsure():
    verdict = classify_one(TREE, "兴华街道", "", {})
    keyword = classify_one(TREE, "兴华街道2020年3月城乡低保审批结果公示", "", {})
    assert verdict.category == TREE.default and "兜底" in verdict.reason
    assert verdict.confidence < keyword.confidence and verdict.confidence < config_mod.DEFAULTS_AUTO_ACCEPT


def test_normative_documents_are_recognised_by_doc_number():
    verdict = classify_one(TREE, "兴华街道关于规范社区议事协商的实施办法", "", {"doc_number": "兴街规〔2022〕2号"})
    assert verdict.normative and verdict.category == "gfxwj"
    numbered = classify_one(TREE, "兴华街道关于调整领导小组的通知", "", {"doc_number": "兴街发〔2022〕2号"})
    assert not numbered.normative and numbered.category == "qtwj"  # a numbered document with no subject word


def test_the_model_learns_from_confirmed_examples_and_the_rules_cover_what_it_never_saw():
    examples = [Example(f"兴华街道{c}开展邻里节活动第{i}场", "居民欢聚一堂。", {}, "gzdt") for i in range(15)
                for c in ("松江社区", "中兴社区")]
    examples += [Example(f"兴华街道{c}文明养犬告知书{i}", "请居民文明养犬。", {}, "tzgg") for i in range(15)
                 for c in ("松江社区", "中兴社区")]
    assert TextModel.train(examples[:MIN_EXAMPLES - 1]) is None
    model = TextModel.train(examples)
    assert model is not None and set(model.classes) == {"gzdt", "tzgg"}
    # no rule knows 文明养犬: the model's evidence is what files it
    learnt = classify_one(TREE, "兴华街道通江社区文明养犬须知", "请居民文明养犬。", {}, model)
    assert learnt.category == "tzgg" and "与本单位已归类的信息相似" in learnt.reason
    # a leaf the model never saw is still reachable through the rules
    unseen = classify_one(TREE, "兴华街道2020年3月城乡低保审批结果公示", "", {}, model)
    assert unseen.category == "shjz"


def test_the_model_fits_on_one_blas_thread_and_leaves_the_process_s_setting_alone(monkeypatch):
    import sklearn.linear_model
    from threadpoolctl import threadpool_info

    from pipeline.classify.model import BLAS_THREADS

    examples = [Example(f"兴华街道社区开展邻里节活动第{i}场", "", {}, "gzdt") for i in range(15)]
    examples += [Example(f"兴华街道文明养犬告知书{i}", "", {}, "tzgg") for i in range(15)]
    before = [pool["num_threads"] for pool in threadpool_info()]
    seen = []
    fit = sklearn.linear_model.LogisticRegression.fit

    def watched(self, *args, **kwargs):  # the real fit, its BLAS threads read from inside
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(sklearn.linear_model.LogisticRegression, "fit", watched)
    assert TextModel.train(examples) is not None
    assert seen and set(seen) == {BLAS_THREADS}
    assert [pool["num_threads"] for pool in threadpool_info()] == before


# -- personal data --------------------------------------------------------------------------
VALID_ID = "11010519491231002X"  # GB 11643's worked example: the check character is X


def luhn_number(prefix: str, length: int = 16) -> str:
    for last in "0123456789":
        candidate = prefix + "0" * (length - len(prefix) - 1) + last
        if signals.luhn_ok(candidate):
            return candidate
    raise AssertionError


@pytest.mark.parametrize("text, found", [
    (f"申请人身份证号：{VALID_ID}，住址……", ("身份证号",)),
    ("申请人身份证号：110105194912310021，住址……", ()),  # wrong check digit
    ("联系人：王明，电话 13812345678。", ("手机号",)),
    ("联系电话：0432-62773959，联系人：街道党政综合科。", ()),  # an office landline
    (f"补贴发放至银行卡 {luhn_number('622202')}。", ("银行卡号",)),
    (f"补贴发放至银行卡 {luhn_number('622202')[:-1]}{(int(luhn_number('622202')[-1]) + 1) % 10}。", ()),
    ("身份证号：110105********002X", ()),  # masked
    ("索引号 11220202MB0X12345Y/2020-00012，文号 兴街发〔2020〕3号", ()),
])
def test_personal_data_is_found(text, found):
    assert signals.personal_data(text) == found


def test_id_check_digit():
    assert signals.valid_id_number(VALID_ID) and not signals.valid_id_number(VALID_ID[:-1] + "1")


# -- validity of normative documents ----------------------------------------------------------
def test_validity_follows_the_page_and_the_term_of_validity():
    body = "本办法自2020年3月1日起施行，有效期3年。"
    assert signals.expiry_date(body, None) == date(2023, 3, 1)
    assert signals.validity_on(date(2022, 1, 1), {}, body, None)[0] == signals.IN_FORCE
    assert signals.validity_on(date(2023, 3, 1), {}, body, None)[0] == signals.EXPIRED
    assert signals.validity_on(date(2021, 1, 1), {"validity": "废止"}, body, None)[0] == signals.REPEALED
    assert signals.repealed_titles("兴华街道关于废止《兴华街道物业管理办法》的决定", "") == ["兴华街道物业管理办法"]


# -- the office's tree ------------------------------------------------------------------------
def test_an_office_renames_adds_and_removes_nodes():
    tree = load_tree(None, {"rename": {"gzdt": "街道动态"}, "remove": ["spyp"],
                            "add": [{"id": "tyjr", "name": "退役军人服务", "parent": "jczwgk", "title": ["退役军人"]}]})
    assert tree.names["gzdt"] == "街道动态" and "spyp" not in tree.names and "tyjr" in tree.leaves()
    assert classify_one(tree, "兴华街道走访慰问退役军人", "", {}).category == "tyjr"
    assert tree.path_name("tyjr") == "基层政务公开 › 退役军人服务"
    with pytest.raises(ConfigError, match=r'^\[classify\] remove = \["nope"\]："nope" 不是目录树中的类别 id$'):
        load_tree(None, {"remove": ["nope"]})
    with pytest.raises(ConfigError, match=r'^\[\[classify.add\]\] #1 id = "gzdt"：目录树中已有这个类别 id$'):
        load_tree(None, {"add": [{"id": "gzdt", "name": "x"}]})


def test_config_reads_tree_changes_and_publication_settings(tmp_path):
    text = write_config(tmp_path).read_text(encoding="utf-8")
    text += ('\n[classify]\nauto_accept = 0.8\nrename = { gzdt = "街道动态" }\nremove = ["spyp"]\n'
             '[[classify.add]]\nid = "tyjr"\nname = "退役军人服务"\nparent = "jczwgk"\n'
             '[publish]\nwait_for_review = true\n')
    (tmp_path / "xxgk.toml").write_text(text, encoding="utf-8")
    cfg = config_mod.load(tmp_path / "xxgk.toml")
    assert cfg.wait_for_review and cfg.hold_personal_data and cfg.auto_accept == 0.8
    tree = office_tree(cfg)
    assert tree.names["gzdt"] == "街道动态" and "tyjr" in tree.leaves() and "spyp" not in tree.names
    (tmp_path / "plain").mkdir()
    plain = config_mod.load(write_config(tmp_path / "plain"))
    assert plain.wait_for_review is False and plain.auto_accept == config_mod.DEFAULTS_AUTO_ACCEPT


def test_config_maps_the_offices_own_labels_and_says_which_is_wrong(tmp_path):
    text = write_config(tmp_path).read_text(encoding="utf-8")
    (tmp_path / "xxgk.toml").write_text(text + '\n[classify.labels]\n"街道要闻" = "gzdt"\n', encoding="utf-8")
    assert office_tree(config_mod.load(tmp_path / "xxgk.toml")).label_leaves("街道要闻") == {"gzdt"}
    (tmp_path / "xxgk.toml").write_text(text + '\n[classify.labels]\n"民生服务" = ["shjz", "ylfw"]\n', encoding="utf-8")
    assert office_tree(config_mod.load(tmp_path / "xxgk.toml")).label_leaves("民生服务") == {"shjz", "ylfw"}
    for wrong in ("3", "[]", '["shjz", 3]'):
        (tmp_path / "xxgk.toml").write_text(text + f'\n[classify.labels]\n"街道要闻" = {wrong}\n', encoding="utf-8")
        with pytest.raises(ConfigError, match=r"xxgk.toml：\[classify\] labels = \{ \"街道要闻\" = .*：应为 \"栏目或主题分类名称\""):
            config_mod.load(tmp_path / "xxgk.toml")
    (tmp_path / "xxgk.toml").write_text(text + '\n[classify.labels]\n"民生服务" = ["shjz", "nope"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        office_tree(config_mod.load(tmp_path / "xxgk.toml"))
    assert str(caught.value) == (f'{tmp_path / "xxgk.toml"}：[classify.labels] "民生服务" = ["shjz", "nope"]：'
                                 '"nope" 不是目录树中的末级类别')


def test_classify_warns_when_the_catalog_lacks_a_role(demo_office, tmp_path, caplog):
    bare = tmp_path / "bare.toml"
    bare.write_text('[[category]]\nid = "a"\nname = "甲"\n[[category]]\nid = "b"\nname = "乙"\n', encoding="utf-8")
    with Store(demo_office.database) as store, caplog.at_level("WARNING"):
        classify(demo_office, store, load_tree(bare), force=True)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("role" in w for w in warned) == 3 and any("normative" in w for w in warned)


# -- the stage, on the demo office --------------------------------------------------------------
def _set_text(store: Store, item_id: str, *, title: str | None = None, body: str | None = None) -> None:
    post, version = store.db.execute(
        "SELECT p.id, p.version FROM items i JOIN posts p ON p.id = i.primary_post WHERE i.id = ?",
        [item_id]).fetchone()
    if title is not None:
        store.db.execute("UPDATE post_versions SET title = ? WHERE post_id = ? AND version = ?", [title, post, version])
        store.db.execute("UPDATE items SET title = ? WHERE id = ?", [title, item_id])
    if body is not None:
        store.db.execute("UPDATE post_versions SET body_text = ? WHERE post_id = ? AND version = ?",
                         [body, post, version])
    store.db.execute("UPDATE items SET content_hash = 'edited-' || id WHERE id = ?", [item_id])


def test_the_demo_office_is_classified_with_reasons_and_history(demo_office):
    with Store(demo_office.database) as store:
        rows = store.db.execute("SELECT category, confidence, reason, status FROM items").fetchall()
        assert rows and all(r[0] and 0 <= r[1] <= 1 and "→" in r[2] and r[3] in ("auto", "review") for r in rows)
        assert store.db.execute("SELECT COUNT(DISTINCT item_id) FROM classifications").fetchone()[0] == len(rows)
        assert classify(demo_office, store)["classified"] == 0  # nothing new: nothing redone


def test_confirmed_items_are_kept_and_decisions_retrain_the_model(demo_office):
    with Store(demo_office.database) as store:
        ids = [r[0] for r in store.db.execute("SELECT id FROM items ORDER BY id LIMIT 40")]
        for item_id in ids:  # a person confirms 40 items, the first one into another leaf
            store.db.execute("UPDATE items SET status = 'confirmed', category = CASE WHEN id = ? THEN 'ggwhfw' "
                             "ELSE category END WHERE id = ?", [ids[0], item_id])
            store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after) "
                             "VALUES ('2021-01-01T00:00:00+00:00', 'wang', ?, 'accept', NULL, NULL)", [item_id])
        runs = store.db.execute("SELECT COUNT(*) FROM model_runs").fetchone()[0]
        counts = classify(demo_office, store)
        assert counts["classified"] > 0  # the unconfirmed items were refiled with the new model
        assert store.db.execute("SELECT COUNT(*) FROM model_runs").fetchone()[0] == runs + 1
        # the 40 confirmed items, plus what the office had already filed under its columns
        assert store.db.execute("SELECT examples FROM model_runs ORDER BY id DESC LIMIT 1").fetchone()[0] > 40
        assert store.db.execute("SELECT category, status FROM items WHERE id = ?", [ids[0]]).fetchone() == \
            ("ggwhfw", "confirmed")
        reasons = [r[0] for r in store.db.execute("SELECT reason FROM items WHERE status != 'confirmed'")]
        assert any("与本单位已归类的信息相似" in r for r in reasons)


def test_personal_data_holds_an_item_back_until_a_person_accepts_it(demo_office):
    from pipeline.nightly.job import build
    from pipeline.review.actions import accept

    with Store(demo_office.database) as store:
        item_id = store.db.execute("SELECT id FROM items WHERE status = 'auto' LIMIT 1").fetchone()[0]
        _set_text(store, item_id, body=f"经审核，同意王明（身份证号 {VALID_ID}，电话 13812345678）的申请。")
        classify(demo_office, store)
        status, flags, reason = store.db.execute(
            "SELECT status, personal_data, reason FROM items WHERE id = ?", [item_id]).fetchone()
        assert (status, flags) == ("review", "身份证号,手机号") and "个人信息" in reason
        assert item_id in held_items(store, demo_office)
        build(demo_office, store)
        page = demo_office.output / "site" / "item" / f"{item_id}.html"
        assert not page.exists()
        accept(store, [item_id], "wang")
        assert item_id not in held_items(store, demo_office)
        build(demo_office, store)
        assert page.exists()


def test_wait_for_review_holds_every_item_awaiting_review(demo_office):
    with Store(demo_office.database) as store:
        waiting = {r[0] for r in store.db.execute("SELECT id FROM items WHERE status = 'review'")}
        assert waiting and not held_items(store, demo_office) & waiting
        assert held_items(store, replace(demo_office, wait_for_review=True)) >= waiting


def test_wait_for_review_keeps_published_items_a_catalog_change_sends_back(demo_office):
    """With wait_for_review, removing a leaf sent its published items back to review, and the next
    build took them off the site (their pages, links and feed entries gone) until a clerk refiled
    them. They stay published meanwhile; an item that never passed review is still held."""
    waiting = replace(demo_office, wait_for_review=True)
    with Store(demo_office.database) as store:
        published = {r[0] for r in store.db.execute(
            "SELECT id FROM items WHERE category = 'aqsc' AND status IN ('auto', 'confirmed')")}
        assert published
        classify(replace(waiting, catalog_changes={"remove": ["aqsc"]}), store)
        never = {r[0] for r in store.db.execute("SELECT id FROM items WHERE status = 'review'")} - published
        assert never
        sent_back = {r[0] for r in store.db.execute(
            f"SELECT id FROM items WHERE status = 'review' AND id IN ({','.join('?' * len(published))})",
            sorted(published))}
        assert sent_back == published
        held = held_items(store, waiting)
    assert not held & published
    assert never <= held


def test_removing_a_node_refiles_its_items_and_keeps_their_history(demo_office):
    with Store(demo_office.database) as store:
        victims = {r[0] for r in store.db.execute("SELECT id FROM items WHERE category = 'aqsc'")}
        assert victims
        store.db.execute("UPDATE items SET status = 'confirmed' WHERE id = ?", [sorted(victims)[0]])
        changed = replace(demo_office, catalog_changes={"remove": ["aqsc"]})
        classify(changed, store)
        assert not store.db.execute("SELECT COUNT(*) FROM items WHERE category = 'aqsc'").fetchone()[0]
        assert store.db.execute("SELECT status FROM items WHERE id = ?", [sorted(victims)[0]]).fetchone()[0] == "review"
        kinds = {r[0] for r in store.db.execute(
            f"SELECT kind FROM decisions WHERE before = 'aqsc' AND item_id IN ({','.join('?' * len(victims))})",
            sorted(victims))}
        assert kinds == {"tree"}
        assert store.db.execute("SELECT retired_at FROM categories WHERE id = 'aqsc'").fetchone()[0]
        history = store.db.execute("SELECT COUNT(*) FROM classifications WHERE category = 'aqsc'").fetchone()[0]
        assert history >= len(victims)


def test_a_new_catalog_keeps_what_staff_confirmed_as_normative(demo_office, tmp_path):
    """An office switching catalogs: a document staff filed as normative, its leaf gone, was refiled by
    its words and lost the mark (and the report's count). It is offered under the new catalog's
    normative leaf, still normative, for staff to confirm."""
    from importlib import resources

    default = resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
    (tmp_path / "catalog.toml").write_text(default.replace('"gfxwj"', '"guifan"'), encoding="utf-8")
    with Store(demo_office.database) as store:
        first = store.db.execute("SELECT id FROM items WHERE category = 'gzdt' ORDER BY id LIMIT 1").fetchone()[0]
        store.db.execute("UPDATE items SET normative = 1, status = 'confirmed', category = 'gfxwj' WHERE id = ?", [first])
        classify(replace(demo_office, catalog_file=tmp_path / "catalog.toml"), store)
        row = store.db.execute("SELECT category, normative, status, reason FROM items WHERE id = ?", [first]).fetchone()
    assert row[:3] == ("guifan", 1, "review") and "曾确认为规范性文件" in row[3]


def test_a_build_by_hand_after_a_catalog_change_says_to_classify_first(demo_office):
    """A clerk who changes the catalog and runs `xxgk build` to look at it saw its removed leaf's items
    under no category, and nothing said why. The build says how many and that `xxgk classify` files
    them; after classify it says nothing."""
    config_path = demo_office.database.parent / "xxgk.toml"
    with Store(demo_office.database) as store:
        filed = store.db.execute("SELECT COUNT(*) FROM items WHERE category = 'aqsc' AND merged_into IS NULL "
                                 "AND withdrawn = 0").fetchone()[0]
    assert filed
    with config_path.open("a", encoding="utf-8") as f:
        f.write('\n[classify]\nremove = ["aqsc"]\n')
    result = invoke(config_path, "build")
    assert result.exit_code == 0 and f"{filed} 条信息的类别已不在当前目录树中" in result.output
    assert "xxgk classify" in result.output
    cli(config_path, "classify")
    assert "不在当前目录树中" not in cli(config_path, "build")


def test_a_repealing_document_marks_the_normative_one_repealed(demo_office):
    with Store(demo_office.database) as store:
        first, second = [r[0] for r in store.db.execute("SELECT id FROM items ORDER BY id LIMIT 2")]
        _set_text(store, first, title="兴华街道社区议事协商办法")
        # a person filed it as a normative document
        store.db.execute("UPDATE items SET normative = 1, status = 'confirmed', category = 'gfxwj' WHERE id = ?",
                         [first])
        classify(demo_office, store, today=date(2021, 1, 1))
        assert store.db.execute("SELECT validity FROM items WHERE id = ?", [first]).fetchone()[0] == "现行有效"
        _set_text(store, second, title="兴华街道关于废止《兴华街道社区议事协商办法》的决定")
        classify(demo_office, store, today=date(2021, 1, 1))
        validity = store.db.execute("SELECT validity FROM items WHERE id = ?", [first]).fetchone()[0]
        events = store.db.execute("SELECT validity, note FROM validity_events WHERE item_id = ? ORDER BY id",
                                  [first]).fetchall()
        assert validity == "废止" and events[-1][0] == "废止" and "废止" in events[-1][1]
        assert events[0][0] == "现行有效"  # the history shows it was in force before


# -- a clerk's reading, any catalog, learning the office -------------------------------------
@pytest.mark.parametrize("title, expected, words", [
    ("兴华街道党工委关于江涛等同志职务任免的通知", "rsrm", "职务任免"),  # 任免 over 的通知
    ("关于徐超同志任职的通知", "rsrm", "任职"),
    ("机构设置、主要职能及办公地址", "jggk", "机构设置"),
    ("兴华街道办事处2021年部门预算公开", "czyjs", "预算"),  # 预算 over 公开
    ("关于2021年3月城乡低保审批结果的通知", "shjz", "城乡低保"),  # 低保 over 通知
    ("餐饮油烟污染专项治理", "sthj", "油烟"),
    # 关于印发/工作方案 say what kind of paper it is, its subject says where it is filed (as real
    # catalogs file them: tests/data/real_titles.csv, the Pingtan 食品安全 and 安全检查 columns)
    ("关于印发《兴华街道燃气安全专项整治工作方案》的通知", "aqsc", "燃气安全"),
])
def test_specific_words_beat_generic_endings_and_the_reason_names_them(title, expected, words):
    verdict = classify_one(TREE, title, "", {})
    assert verdict.category == expected, verdict
    assert words in verdict.reason and TREE.names[expected] in verdict.reason
    assert not any(ch.isascii() and ch.isalpha() for ch in verdict.reason)  # Chinese only
    # a keyword hit in the title is strong evidence: without the word it is less sure, or filed elsewhere
    assert verdict.confidence >= 0.7
    without = classify_one(TREE, title.replace(words, ""), "", {})
    assert without.category != expected or without.confidence <= verdict.confidence


@pytest.mark.parametrize("report, document, leaf", [
    ("兴华街道召开2021年工作总结会", "兴华街道2021年工作总结", "gzjh"),
    ("兴华街道领导班子为党员干部讲专题党课", "兴华街道办事处领导班子成员及工作分工", "ldxx"),
    ("兴华街道参加区责任规划师成果展", "兴华街道“十四五”发展规划", "gzjh"),
])
def test_a_meeting_or_visit_report_is_not_filed_as_the_document_its_words_name(report, document, leaf):
    """计划总结 and 领导信息 are kinds of document (`document = true`): a report of the meeting at
    which a summary was given is an activity, filed as 工作动态 (or by its subject area)."""
    assert classify_one(TREE, report, "", {}).category == TREE.default
    assert classify_one(TREE, document, "", {}).category == leaf
    # an issued document about a meeting is no report of it
    assert not rules.is_activity_report("关于召开2021年工作总结会的通知")
    # the subject area still speaks in a report: a safety meeting is 安全生产
    assert classify_one(TREE, "兴华街道召开安全生产工作总结会", "", {}).category == "aqsc"


def test_an_issued_document_is_filed_by_its_subject_or_as_a_document_not_as_the_activity_it_orders():
    """关于开展…行动的通知 orders an activity: its 开展 is its subject, its 的通知 its kind."""
    assert classify_one(TREE, "兴华街道开展“清朗家园”专项行动", "", {}).category == TREE.default
    assert classify_one(TREE, "兴华街道关于开展“清朗家园”专项行动的通知", "", {}).category == "qtwj"
    assert classify_one(TREE, "兴华街道关于同意设立便民服务点的复函", "", {}).category == "qtwj"
    assert classify_one(TREE, "兴华街道关于开展燃气安全隐患排查的通知", "", {}).category == "aqsc"  # its subject area
    assert rules.is_issued_document("关于推进社区议事协商的实施意见（征求意见稿）")
    assert not rules.is_issued_document("兴华街道召开2021年工作总结会")


@pytest.mark.parametrize("title, leaf", [
    ("兴华街道全面落实河长制", "sthj"), ("兴华街道组织义务植树", "sthj"), ("兴华街道文物保护单位巡查", "ggwhfw"),
    ("兴华街道做好汛期准备", "aqsc"), ("兴华街道开展传染病防治宣传", "wsjk"),
    ("兴华街道2021年政府工作报告", "gzjh"), ("兴华街道2017年政府信息公开报告", "xxgknb"),
    ("关于组织申报2021年度社区服务项目的通知", "tzgg"), ("兴华街道空气质量持续改善", "sthj"),
    ("关于加快老旧小区改造的实施意见", "qtwj"), ("居住证办理常见问题解答", "zcjd"),
    ("失业了如何领取失业保险金", "shbx"), ("社区矛盾纠纷调解见成效", "ggflfw"), ("关爱青少年心理成长", "wsjk"),
    ("兴华路部分路段禁止通行", "tzgg"), ("今年招募“三支一扶”人员", "zkzp"),
])
def test_the_area_words_of_the_filing_convention_are_known(title, leaf):
    assert classify_one(TREE, title, "", {}).category == leaf


def test_a_catalog_says_which_leaves_are_kinds_of_document(tmp_path):
    catalog = tmp_path / "catalog.toml"
    body = '[[category]]\nid = "dt"\nname = "动态"\nrole = "fallback"\n' \
           '[[category]]\nid = "zj"\nname = "总结"\ntitle = ["工作总结"]\n'
    catalog.write_text(body, encoding="utf-8")
    assert classify_one(load_tree(catalog), "兴华街道召开工作总结会", "", {}).category == "zj"  # not declared
    catalog.write_text(body + "document = true\n", encoding="utf-8")
    assert classify_one(load_tree(catalog), "兴华街道召开工作总结会", "", {}).category == "dt"
    catalog.write_text(body + 'document = "是"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'catalog.toml：\[\[category\]\] #2 \(zj\) document = "是"：应为 true 或 false$'):
        load_tree(catalog)


def test_special_roles_are_declared_in_the_catalog_not_tied_to_ids(tmp_path):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text('''
[[category]]
id = "wenjian"
name = "文件"
[[category]]
id = "guifan"
name = "规范性文件"
parent = "wenjian"
role = "normative"
[[category]]
id = "qita"
name = "其他文件"
parent = "wenjian"
role = "numbered"
[[category]]
id = "dongtai"
name = "动态"
role = "fallback"
''', encoding="utf-8")
    tree = load_tree(catalog)
    assert role_problems(tree) == []
    numbered = classify_one(tree, "关于调整领导小组成员", "", {"doc_number": "兴街发〔2022〕2号"})
    assert numbered.category == "qita"
    normative = classify_one(tree, "关于规范议事协商的办法", "", {"doc_number": "兴街规〔2022〕2号"})
    assert normative.category == "guifan" and normative.normative
    assert classify_one(tree, "兴华街道", "", {}).category == "dongtai"
    bare = tmp_path / "bare.toml"
    bare.write_text('[[category]]\nid = "a"\nname = "甲"\n[[category]]\nid = "b"\nname = "乙"\n', encoding="utf-8")
    problems = role_problems(load_tree(bare))
    assert len(problems) == 3 and all("role" in p for p in problems)
    assert any("normative" in p for p in problems)
    assert classify_one(load_tree(bare), "兴华街道", "", {}).category == "a"  # still files somewhere


def test_the_office_label_mapping_files_what_it_had_already_filed():
    tree = load_tree(labels={"街道要闻": "gzdt", "民生保障": "shjz"})
    assert tree.label_leaves("街道要闻") == tree.label_leaves("工作动态") == {"gzdt"}  # own + default
    assert tree.label_leaves("政府工作报告") == {"gzjh"} and tree.label_leaves("环保新闻") == {"sthj"}  # common columns
    assert tree.label_leaves("政策文件/规范性文件") == tree.label_leaves("政策文件 > 规范性文件") == {"gfxwj"}  # a crawled path
    assert tree.label_leaves("街道新闻") == frozenset()  # a name nothing maps: says nothing
    # broader names several leaves list: a 主题分类 path that holds both kinds of personnel notice, a column
    assert tree.label_leaves("劳动、人事、监察\\人事工作") == tree.label_leaves("人事信息") == {"rsrm", "zkzp"}
    assert tree.label_leaves("财政信息") == {"czyjs", "sgjf"}
    assert tree.label_leaves("政策文件") == frozenset()  # documents of every subject: the title decides alone
    verdict = classify_one(tree, "关于开展春季走访的安排", "", {"column": "民生保障"})
    assert verdict.category == "shjz" and "民生保障" in verdict.reason


def test_a_broader_label_leaves_the_title_to_choose_among_its_leaves():
    from pipeline.classify.rules import FILED_CONFIDENCE

    topic = {"topic": "劳动、人事、监察\\人事工作"}  # gov.cn's 人事工作 holds 招录 notices as well as 任免
    hiring = classify_one(TREE, "兴华街道2020年公开招聘社区工作者笔试成绩公告", "", topic)
    appointing = classify_one(TREE, "兴华街道办事处关于徐超同志任职的通知", "", topic)
    assert (hiring.category, appointing.category) == ("zkzp", "rsrm")
    assert hiring.dispute is None and hiring.confidence >= FILED_CONFIDENCE  # no dispute: the label allows both
    assert classify_one(TREE, "兴华街道2020年公开招聘社区工作者笔试成绩公告", "", {"column": "人事信息"}).category == "zkzp"
    # a title that chooses none of them is not filed on the label's word alone
    assert classify_one(TREE, "兴华街道2020年度考核结果", "", {"column": "人事信息"}).confidence < FILED_CONFIDENCE
    # a title pointing outside every leaf of the label still disputes it
    assert classify_one(TREE, "兴华街道开展消防安全检查", "", {"column": "人事信息"}).dispute is not None
    with pytest.raises(ConfigError):
        load_tree(labels={"街道要闻": "no-such-leaf"})


# -- the title disputes the office's own filing ------------------------------------------------------
DISPUTED_TITLES = ["兴华街道开展低保对象动态核查工作", "幸福社区开展低保家庭走访", "街道召开低保评议会",
                   "开展城乡低保政策宣传", "低保边缘家庭排查工作推进"]


def test_a_title_that_disputes_the_offices_filing_waits_for_a_person():
    """Filed under 工作动态, a title about 低保: neither the column nor the word decides alone."""
    from pipeline.classify.rules import DISPUTED_CONFIDENCE

    tree = load_tree()
    verdict = classify_one(tree, DISPUTED_TITLES[0], "", {"column": "工作动态"})
    assert verdict.dispute == ("shjz", "gzdt") and verdict.confidence == DISPUTED_CONFIDENCE
    assert verdict.reason.startswith("标题含“低保”（社会救助），本单位归入工作动态，两者不一致")
    # a title that agrees with its filing, or a title with no column, is no dispute
    assert classify_one(tree, "兴华街道召开安全生产工作会议", "", {"column": "安全生产"}).dispute is None
    assert classify_one(tree, DISPUTED_TITLES[0], "", {}).dispute is None


@pytest.mark.parametrize("confirmed, accepted", [(3, False), (31, True)])
def test_staff_settle_a_kind_of_dispute_by_confirming_it(confirmed, accepted):
    """Staff filing 低保 news under 工作动态 time after time: the next such item follows them, as
    sure as their record ((k+1)/(n+2)): three confirmations are not enough, thirty-one are."""
    from pipeline.classify.records import ELSEWHERE, joined, settled_disputes
    from pipeline.config import DEFAULTS_AUTO_ACCEPT

    tree = load_tree()
    history = [Example(f"{DISPUTED_TITLES[i % 5]}（第{i}期）", "", {"column": "工作动态"}, "gzdt")
               for i in range(confirmed)]
    settled = settled_disputes(tree, history + [Example("召开安全生产工作会议", "", {"column": "安全生产"}, "aqsc")])
    assert list(settled) == [("shjz", "gzdt")]  # the agreeing item is no dispute
    verdict = classify_one(tree, "街道开展低保政策进社区活动", "", {"column": "工作动态"}, record=OfficeRecord(settled=settled))
    assert verdict.category == "gzdt" and f"本单位已归类 {confirmed} 条" in verdict.reason
    assert (verdict.confidence >= DEFAULTS_AUTO_ACCEPT) == accepted
    # the question was whether 工作动态 is a filing: a 防汛 title in it goes the same way
    flood = classify_one(tree, "开展防汛应急演练", "", {"column": "工作动态"}, record=OfficeRecord(settled=settled))
    assert flood.category == "gzdt" and flood.confidence == verdict.confidence
    # … unless 防汛 items in 工作动态 went the other way themselves
    own = settled_disputes(tree, [Example("开展防汛应急演练（一）", "", {"column": "工作动态"}, "aqsc")])
    flood = classify_one(tree, "开展防汛应急演练", "", {"column": "工作动态"}, record=OfficeRecord(settled={**settled, **own}))
    assert flood.category == "aqsc" and flood.confidence < DEFAULTS_AUTO_ACCEPT
    # votes for neither way (catalog filings under 综合政务\\其他) lower the confidence, never turn the way
    mixed = joined(settled, {("shjz", "gzdt"): Counter({ELSEWHERE: confirmed + 1})})
    doubted = classify_one(tree, "街道开展低保政策进社区活动", "", {"column": "工作动态"}, record=OfficeRecord(settled=mixed))
    assert doubted.category == "gzdt" and doubted.confidence < verdict.confidence
    # a dispute against another column is not settled by 工作动态's record
    assert classify_one(tree, "低保政策宣传", "", {"column": "通知公告"}, record=OfficeRecord(settled=settled)).confidence < 0.6


def test_the_offices_catalog_settles_disputes_of_its_website_columns(demo_office):
    """Items the website put under 工作动态 while their titles name an area: where the office's own
    disclosure catalog filed them too, it has shown which way it files such items before staff are
    asked. The demo's catalog files 健康义诊 news under 卫生 (the title's way) and most of its 防汛
    drills under 综合政务\\其他 (neither way, a vote against both): 低保 news follow the column's
    record, only as sure as its votes for neither allow."""
    from pipeline.classify.records import ELSEWHERE, catalog_settlements

    tree = load_tree()
    with Store(demo_office.database) as store:
        settled = catalog_settlements(store, tree)
    assert settled[("wsjk", "gzdt")] == {"wsjk": 2}
    assert settled[("aqsc", "gzdt")][ELSEWHERE] > settled[("aqsc", "gzdt")]["aqsc"]
    column = [votes for (_, filed), votes in settled.items() if filed == "gzdt"]
    total = sum(sum(votes.values()) for votes in column)
    by_title = sum(votes[title] for (title, filed), votes in settled.items() if filed == "gzdt")
    assert 0 < by_title < total
    verdict = classify_one(tree, "兴华街道开展低保政策进社区活动", "", {"column": "工作动态"}, record=OfficeRecord(settled=settled))
    assert verdict.category == "shjz" and f"本单位已归类 {total} 条" in verdict.reason
    assert verdict.confidence == round((by_title + 1) / (total + 2), 3)
    assert verdict.confidence < 0.9  # the votes for neither way keep it waiting


# -- a source's record: what a department's account is about without naming it --------------------
def test_a_title_that_says_nothing_follows_how_staff_filed_such_titles_of_its_source():
    """A 卫健 account's posts are about health without naming it: once staff have filed its titles
    that say nothing specific, the next such title of that account is offered where they went, as sure
    as their record ((k+1)/(n+2)); a title with a word of its own, or another source's, is not."""
    from pipeline.classify.records import silent, source_records

    tree = load_tree()
    history = [Example(f"守护你我他（第{i}期）", "", {"source": "健康临沂"}, "wsjk") for i in range(9)]
    history += [Example("一起来看看", "", {"source": "健康临沂"}, "gzdt"),
                Example("开展安全生产大检查", "", {"source": "健康临沂"}, "aqsc")]  # not silent: no lesson
    sources = source_records(tree, history)
    assert sources == {"健康临沂": Counter({"wsjk": 9, "gzdt": 1})}
    title = "这份夏日指南请收好"
    assert silent(tree, Example(title, "", {}))
    verdict = classify_one(tree, title, "", {"source": "健康临沂"}, record=OfficeRecord(sources=sources))
    assert verdict.category == "wsjk" and verdict.confidence == round(10 / 12, 3)
    assert "来源“健康临沂”的此类信息已确认 10 条，9 条归入卫生健康" in verdict.reason
    assert classify_one(tree, title, "", {"source": "南昌发布"}, record=OfficeRecord(sources=sources)).category == tree.default
    assert classify_one(tree, "开展消防安全检查", "", {"source": "健康临沂"}, record=OfficeRecord(sources=sources)).category == "aqsc"


def test_staff_filing_an_accounts_silent_posts_teaches_the_next_run(demo_office):
    """On the demo office: staff file three WeChat posts whose titles say nothing specific under one
    leaf; the next run offers the account's other such posts there, naming the record ((3+1)/(3+2)),
    unless what the office had filed already makes another verdict surer."""
    from pipeline.classify.records import candidates, silent

    tree = load_tree()
    with Store(demo_office.database) as store:
        quiet = [c for c in candidates(store, "1 = 1")
                 if c.example.meta.get("source") == "wechat" and silent(tree, c.example)]
        assert len(quiet) > 3
        for c in quiet[:3]:
            store.db.execute("UPDATE items SET status = 'confirmed', category = 'ggwhfw' WHERE id = ?", [c.id])
            store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after) "
                             "VALUES ('2021-01-01T00:00:00+00:00', 'wang', ?, 'accept', NULL, 'ggwhfw')", [c.id])
        classify(demo_office, store)
        rest = store.db.execute(f"SELECT category, confidence, reason FROM items WHERE id IN "
                                f"({','.join('?' * len(quiet[3:]))})", [c.id for c in quiet[3:]]).fetchall()
    followed = [r for r in rest if r[0] == "ggwhfw" and r[1] == 0.8 and "来源“wechat”的此类信息已确认 3 条" in r[2]]
    assert followed and all(r in followed or r[1] > 0.8 for r in rest)


# -- recurring titles: filed where the office filed the last one -----------------------------------
def test_a_titles_shape_makes_its_numbers_alike_and_needs_words_of_its_own():
    from pipeline.classify.recurring import filed_before, recurring_records, shape_of

    assert shape_of("兴华街道2020年3月城乡低保审批结果公示") == shape_of("兴华街道2021年12月城乡低保审批结果公示")
    assert shape_of("平潭安全生产信息第一期") == shape_of("平潭安全生产信息 第12期")
    assert shape_of("兴华街道2020年3月城乡低保审批结果公示") != shape_of("兴华街道2020年3月临时救助审批结果公示")
    assert shape_of("2020年第3期") is None  # numbers and a few characters name no kind of item
    filed = [Example(f"兴华街道召开2020年{m}月份安全生产例会", "", {}, "aqsc") for m in (1, 2)]
    records = recurring_records(filed)
    assert filed_before(records, "兴华街道召开2021年1月份安全生产例会") == ("aqsc", 2)
    assert filed_before(records, "兴华街道召开2021年1月份消防工作例会") is None
    split = recurring_records([*filed, Example("兴华街道召开2020年3月份安全生产例会", "", {}, "gzdt")])
    assert filed_before(split, "兴华街道召开2021年1月份安全生产例会") is None  # filed both ways: no rule


def test_a_recurring_title_follows_the_offices_earlier_filing_unless_its_own_label_says_otherwise():
    from pipeline.classify.recurring import RECURRING_CONFIDENCE, recurring_records

    tree = load_tree()
    records = recurring_records([Example("兴华街道召开2020年3月份安全生产例会", "", {}, "gzdt")])
    title = "兴华街道召开2020年4月份安全生产例会"
    news = classify_one(tree, title, "", {"column": "工作动态"}, record=OfficeRecord(recurrences=records))  # was a dispute
    assert news.category == "gzdt" and news.confidence == RECURRING_CONFIDENCE
    assert news.reason == "本单位同样的标题（数字不同）已归类 1 条，均归入工作动态 → 工作动态"
    assert classify_one(tree, title, "", {}, record=OfficeRecord(recurrences=records)).category == "gzdt"  # a WeChat post
    # under a column of a third leaf the title does not name, the office may have moved such items
    moved = classify_one(tree, title, "", {"column": "通知公告"}, record=OfficeRecord(recurrences=records))
    assert moved.confidence < RECURRING_CONFIDENCE
    assert classify_one(tree, title, "", {}).category == "aqsc"  # without the record, the title's words


def test_staff_confirming_one_monthly_item_files_the_next_months_on_the_next_run(demo_office):
    """On the demo office: the monthly 安全生产例会 news wait as disputes (安全生产 in 工作动态); staff
    confirm one, and the next run files the others of that title where staff put it."""
    from pipeline.classify.recurring import RECURRING_CONFIDENCE

    with Store(demo_office.database) as store:
        meetings = store.db.execute("SELECT id FROM items WHERE merged_into IS NULL AND title LIKE '%月份安全生产例会' "
                                    "AND status = 'review' ORDER BY id").fetchall()
        assert len(meetings) > 3
        first, rest = meetings[0][0], [r[0] for r in meetings[1:]]
        store.db.execute("UPDATE items SET status = 'confirmed', category = 'aqsc' WHERE id = ?", [first])
        store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after) "
                         "VALUES ('2021-01-01T00:00:00+00:00', 'wang', ?, 'accept', NULL, 'aqsc')", [first])
        classify(demo_office, store)
        after = store.db.execute(f"SELECT category, confidence, status FROM items WHERE id IN ({','.join('?' * len(rest))})",
                                 rest).fetchall()
    assert after and all(r == ("aqsc", RECURRING_CONFIDENCE, "auto") for r in after)
