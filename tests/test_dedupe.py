"""Merging as pure functions: post identity, title keys, normalised bodies, sketches, the rules."""

from __future__ import annotations

import pytest

from pipeline.merge import rules
from pipeline.merge import similarity as sim
from pipeline.normalize import canonical_url, title_key, url_identity

BODY = (
    "5月12日上午，兴华街道在松江社区组织开展防汛应急演练，街道班子成员、各科室负责人及社区工作人员六十余人参加。\n"
    "演练模拟了强降雨导致低洼小区积水、居民被困的情景，检验了预警发布、人员转移、物资调配等环节。\n"
    "演练结束后，街道党工委书记进行了点评，要求各社区进一步完善应急预案，加强防汛物资储备和队伍建设。\n"
    "下一步，兴华街道将持续开展隐患排查，确保辖区居民安全度汛。"
)


@pytest.mark.parametrize("a, b", [
    ("http://www.xinghua.gov.test/xwzx/gzdt/index.html", "https://www.xinghua.gov.test/xwzx/gzdt/"),
    ("http://www.xinghua.gov.test/a/t1.html?utm_source=wx&from=timeline#top", "http://www.xinghua.gov.test/a/t1.html"),
    ("https://mp.weixin.qq.com/s?__biz=MzA5&mid=2650&idx=1&sn=abc&chksm=ff&scene=27#wechat_redirect",
     "http://mp.weixin.qq.com/s?__biz=MzA5&mid=2650&idx=1&sn=abc"),
    ("https://mp.weixin.qq.com/s/AbC-12_x?scene=1", "https://mp.weixin.qq.com/s/AbC-12_x/"),
])
def test_the_same_post_has_one_identity(a, b):
    assert url_identity(a) == url_identity(b)


def test_different_posts_keep_different_identities():
    assert url_identity("https://mp.weixin.qq.com/s?__biz=MzA5&mid=2650&idx=1&sn=abc") != \
        url_identity("https://mp.weixin.qq.com/s?__biz=MzA5&mid=2650&idx=2&sn=abd")
    assert canonical_url("http://www.xinghua.gov.test/list.jsp?id=7&page=2") != \
        canonical_url("http://www.xinghua.gov.test/list.jsp?id=8&page=2")


@pytest.mark.parametrize("variant", [
    "【工作动态】兴华街道：多措并举推进背街小巷整治工作",
    "[通知公告] 兴华街道:多措并举推进背街小巷整治工作",
    "兴华街道 ：多措并举推进背街小巷整治工作",
    "兴华街道：多措并举推进背街小巷整治工作！",
    "兴华街道：多措并举推进背街小巷整治工作",  # full-width colon
])
def test_title_key_folds_prefixes_punctuation_spacing_and_width(variant):
    assert title_key(variant) == "兴华街道多措并举推进背街小巷整治工作"


def test_body_normalisation_drops_what_channels_add():
    website = BODY + "\n来源：兴华街道办事处\n（责任编辑：王静）"
    wechat = "点击上方蓝字关注我们\n" + BODY + "\n往期回顾\n兴华街道开展端午主题活动"
    assert sim.normalise_body(website) == sim.normalise_body(BODY) == sim.normalise_body(wechat)
    assert "，" not in sim.normalise_body(BODY) and len(sim.normalise_body(BODY)) > 100


def test_minhash_estimates_similarity():
    longer = BODY + "\n温馨提示：请居民朋友们相互转告，雨天尽量减少外出。"
    other = BODY.replace("防汛应急演练", "消防安全培训").replace("强降雨导致低洼小区积水", "高层住宅发生火灾")
    unrelated = "兴华街道召开2020年党风廉政建设工作会议，全体机关干部参加。会议传达了上级纪委全会精神，部署了全年党风廉政建设和反腐败工作任务。" * 2
    a, b, c, d = (s[0] for s in sim.sketches([sim.normalise_body(t) for t in (BODY, longer, other, unrelated)]))
    assert sim.similarity(a, a) == 1.0
    assert sim.similarity(a, b) > 0.8
    assert 0.3 < sim.similarity(a, c) < 0.9
    assert sim.similarity(a, d) < 0.1
    assert abs(sim.similarity(a, b) - sim.exact_similarity(sim.normalise_body(BODY), sim.normalise_body(longer))) < 0.15


def test_sketches_are_stable_and_skip_short_bodies():
    first = sim.sketches([sim.normalise_body(BODY), "太短"])
    again = sim.sketches(["无关的一段文字" * 20, sim.normalise_body(BODY)])
    assert first[1] is None
    assert first[0] == again[1]  # the same text sketches the same in any batch
    assert len(first[0][1]) == sim.BINS // sim.BAND_ROWS and sim.band_keys(first[0][0]) == first[0][1]


@pytest.mark.parametrize("a, b, conflict", [
    ("兴华街道召开2020年3月份安全生产例会", "兴华街道召开2020年4月份安全生产例会", True),
    ("兴华街道网格员业务培训（第十二期）", "兴华街道网格员业务培训（第13期）", True),
    ("兴华街道召开2020年党风廉政建设工作会议", "兴华街道召开党风廉政建设工作会议", False),
    ("兴华街道召开三月份安全生产例会", "兴华街道召开3月份安全生产例会", False),
])
def test_titles_naming_different_numbers_conflict(a, b, conflict):
    assert sim.numbers_conflict(sim.title_numbers(a), sim.title_numbers(b)) is conflict


def sketch(post_id: str, title: str, body: str, day: float = 0) -> rules.PostSketch:
    normalised = sim.normalise_body(body)
    return rules.sketch_of(post_id, int(1_600_000_000 + day * 86400), title, normalised, sim.sketches([normalised])[0])


WINDOW = 10 * 86400


def test_rules_merge_copies_with_their_reason():
    wechat = sketch("a", "兴华街道组织开展防汛应急演练", BODY)
    website = sketch("b", "【工作动态】兴华街道 组织开展防汛应急演练", BODY + "\n来源：兴华街道办事处", day=2)
    retitled = sketch("c", "暖心！兴华街道组织开展防汛应急演练", "点击上方蓝字关注我们\n" + BODY + "\n欢迎广大居民积极参与。", 1)
    weibo = sketch("d", "兴华街道组织开展防汛应急演练", "5月12日上午，兴华街道在松江社区组织开展防汛应急演练……#兴华街道#", 0.1)
    assert rules.judge(website, wechat, WINDOW) == rules.Verdict("same text", 1.0)
    assert rules.judge(retitled, wechat, WINDOW).rule == "title variant"
    assert rules.judge(weibo, wechat, WINDOW).rule == "same title"
    assert rules.judge(website, wechat, WINDOW, "same 文号") == rules.Verdict("same 文号", 1.0)


def test_rules_keep_look_alikes_apart():
    march = sketch("a", "兴华街道召开2020年3月份安全生产例会", BODY.replace("5月12日", "3月30日"))
    april = sketch("b", "兴华街道召开2020年4月份安全生产例会", BODY.replace("5月12日", "4月3日"), day=4)
    assert rules.judge(april, march, WINDOW) is None
    songjiang = sketch("c", "兴华街道松江社区开展防汛应急演练", BODY)
    zhongxing = sketch("d", "兴华街道中兴社区开展防汛应急演练", BODY.replace("松江社区", "中兴社区"), day=0.2)
    assert rules.judge(zhongxing, songjiang, WINDOW) is None
    later = sketch("e", "兴华街道组织开展防汛应急演练", BODY, day=25)
    earlier = sketch("f", "兴华街道组织开展防汛应急演练", BODY)
    assert rules.judge(later, earlier, WINDOW) is None  # outside the window: next year's drill
    assert rules.judge(later, earlier, 30 * 86400).rule == "same text"


def test_same_title_with_a_plainly_different_text_stays_apart():
    one = sketch("a", "兴华街道开展食品安全专项检查", BODY)
    other = sketch("b", "兴华街道开展食品安全专项检查",
                   "近日，兴华街道联合市场监管所对辖区餐饮店、小超市开展食品安全专项检查，重点检查了证照公示、"
                   "从业人员健康证明、食品进货查验记录等情况，共检查经营户四十二家，现场责令整改问题十一处，"
                   "对存在隐患的经营户下发整改通知书，要求限期整改到位，街道将适时组织复查。" * 2, day=3)
    assert rules.judge(other, one, WINDOW) is None


def test_identity_keys_fold_bracket_variants_and_ignore_placeholders():
    a = rules.identity_keys({"doc_number": "兴华办发〔2020〕3号"})
    b = rules.identity_keys({"doc_number": "兴华办发[2020]3号"})
    assert a == b and list(a.values()) == ["same 文号"]
    assert rules.identity_keys({"doc_number": "无", "index_number": ""}) == {}
