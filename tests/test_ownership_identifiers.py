"""Issue 13 as pure rules: whose rows, contradicting identifiers, titles that recur, the title shown."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.merge import rules
from pipeline.merge import similarity as sim
from pipeline.merge.identifiers import Minter, is_minted, minted_number
from pipeline.merge.item_fields import clean_title
from pipeline.merge.ownership import Ownership
from pipeline.store import Store

OFFICE = SimpleNamespace(name="兴华街道办事处", aliases=("兴华发布",), departments=("兴华街道综合行政执法队",))
BODY = ("3月4日，中兴社区组织开展移风易俗入户走访活动，60余名居民参加。截至目前，共排查线索78处，已整改125处，"
        "文庙社区志愿者杨霞全程参与。东山社区网格员唐杰介绍，本次共走访87户，发放资料439份，解决垃圾清运等问题21件。"
        "下一步，中兴社区将持续开展形式多样的移风易俗活动，不断提升居民群众的获得感和幸福感。")
OTHER = ("3月9日，天津街社区组织开展禁毒宣传活动，120余名居民参加。马洋同志指出，禁毒工作关系群众切身利益，要在11个方面"
         "下功夫，确保92%以上的群众知晓。自3月20日起，在延安社区设立2个服务点，由郑涛负责，工作时间为每日7时至17时。"
         "下一步，天津街社区将持续开展形式多样的禁毒活动，不断提升居民群众的获得感和幸福感。")


def sketch(pid: str, title: str, body: str, hours: float = 0, meta: dict | None = None) -> rules.PostSketch:
    normal = sim.normalise_body(body)
    return rules.sketch_of(pid, int(hours * 3600), title, normal, sim.sketches([normal])[0],
                           rules.identity_keys(meta or {}))


@pytest.mark.parametrize("publisher, owned", [
    ("兴华街道办事处", True), ("吉林市昌邑区兴华街道办事处", True), ("兴华街道", True), ("兴华发布", True),
    ("", True), ("兴华街道综合行政执法队", True), ("昌邑区兴华街道综合行政执法队", True),
    ("昌邑区卫生健康局", False), ("昌邑区", False), ("昌邑区财政局", False), ("中兴街道办事处", False),
    ("中共兴华街道工作委员会", True), ("兴华街道办", True), ("新兴华街道办事处", False), ("新兴华街道综合行政执法队", False),
    ("街道办事处", False),
    # bodies of other systems named after the place (公安, 税务, 法院, schools, clinics …)
    ("兴华街道派出所", False), ("吉林市昌邑区兴华街道税务所", False), ("兴华街道社区卫生服务中心", False),
    ("兴华街道中心小学", False), ("兴华人民法庭", False), ("兴华街道东山社区居委会", True),
])
def test_whose_row_it_is(publisher, owned):
    assert Ownership.of(OFFICE).owns(publisher) is owned


def test_the_publisher_shown_is_the_office_or_its_department_never_a_source_line():
    owner = Ownership.of(OFFICE)
    assert owner.shown_publisher([{"publisher": "兴华街道综合行政执法队"}])[0] == "兴华街道综合行政执法队"
    assert owner.shown_publisher([{"source_name": "区卫生健康局", "account": "兴华发布"}])[0] == "兴华街道办事处"
    assert owner.shown_publisher([{"publisher": "兴华街道"}])[0] == "兴华街道办事处"  # not a department
    assert "“昌邑区卫生健康局”不是本单位" in owner.set_aside_reason({"publisher": "昌邑区卫生健康局"})
    assert "驻本地的其他机关（派出所）" in owner.set_aside_reason({"publisher": "兴华街道派出所"})


def test_a_body_of_another_system_the_office_publishes_for_is_claimed_as_a_department():
    """A township whose 卫生院 publishes through it lists it: departments are asked first."""
    office = SimpleNamespace(name="白青乡人民政府", aliases=(), departments=("白青乡卫生院",))
    owner = Ownership.of(office)
    assert owner.owns("平潭综合实验区白青乡卫生院") and not Ownership.of(OFFICE).owns("兴华街道卫生院")


def test_copies_with_different_official_identifiers_never_merge():
    a = sketch("a", "关于做好冬季供暖工作的通知", BODY, 0, {"index_number": "X/2023-00001"})
    b = sketch("b", "关于做好冬季供暖工作的通知", BODY, 1, {"index_number": "X/2023-00002"})
    assert rules.judge(b, a, 864000) is None  # the same text, even
    c = sketch("c", "关于做好冬季供暖工作的通知", BODY, 1, {"doc_number": "兴街发〔2023〕2号"})
    d = sketch("d", "关于做好冬季供暖工作的通知", BODY, 1, {"doc_number": "兴街发〔2023〕3号"})
    assert rules.judge(d, c, 864000) is None
    assert rules.judge(b, a, 864000, identity_rule="same 文号") is None
    e = sketch("e", "关于做好冬季供暖工作的通知", BODY, 1, {"index_number": "X/2023-00001"})
    assert rules.judge(e, a, 864000, identity_rule="same 索引号").rule == "same 索引号"
    plain = sketch("p", "关于做好冬季供暖工作的通知", BODY, 2)
    assert rules.judge(plain, a, 864000).rule == "same text"  # no identifier: nothing contradicts


def test_a_recurring_title_needs_agreeing_bodies():
    a = sketch("a", "兴华街道召开安全生产例会", BODY, 0)
    b = sketch("b", "兴华街道召开安全生产例会", OTHER, 24 * 5)
    assert rules.judge(b, a, 10 * 86400) is None
    dropped = sketch("c", "【工作动态】兴华街道召开安全生产例会", BODY[:BODY.index("东山")], 24)
    verdict = rules.judge(dropped, a, 10 * 86400)
    assert verdict is not None and verdict.rule == "same title"  # a copy with a paragraph dropped
    verdict = rules.confirm(verdict, sim.normalise_body(BODY[:BODY.index("东山")]), sim.normalise_body(BODY))
    assert verdict is not None and verdict.score > 0.9


def test_a_teaser_needs_a_close_date_and_its_own_dates():
    full = sketch("a", "兴华街道中兴社区开展移风易俗入户走访活动", BODY, 0)
    teaser_text = "【兴华街道中兴社区开展移风易俗入户走访活动】3月4日，中兴社区组织开展移风易俗入户走访活动……#兴华街道#"
    near = sketch("t", "兴华街道中兴社区开展移风易俗入户走访活动", teaser_text, 20)
    far = sketch("u", "兴华街道中兴社区开展移风易俗入户走访活动", teaser_text, 24 * (rules.TEASER_DAYS + 1))
    assert far.teaser and rules.judge(far, full, 10 * 86400) is None
    verdict = rules.judge(near, full, 10 * 86400)
    assert verdict is not None and verdict.check == "teaser"
    teaser, body = sim.normalise_body(teaser_text), sim.normalise_body(BODY)
    assert rules.confirm(verdict, teaser, body) is not None
    next_week = sketch("w", "兴华街道中兴社区开展移风易俗入户走访活动", BODY.replace("3月4日", "3月11日"), 0)
    assert rules.judge(near, next_week, 10 * 86400) is None  # the look-alike of another day


@pytest.mark.parametrize("shown, clean", [
    ("【工作动态】兴华街道 松江社区开展防汛演练", "兴华街道松江社区开展防汛演练"),
    ("兴华街道:关于调整办公时间的通知。", "兴华街道：关于调整办公时间的通知"),
    ("关于开展(第二批)登记的通知", "关于开展（第二批）登记的通知"),
    ("会议定于10:30召开", "会议定于10:30召开"),
    ("【通知】", "【通知】"),
])
def test_titles_are_cleaned(shown, clean):
    assert clean_title(shown) == clean


def test_a_weibo_title_keeps_its_brackets():
    assert clean_title("【关于犬只登记的通知】", "weibo") == "【关于犬只登记的通知】"


def test_minted_numbers_are_recognisable_and_skip_official_ones(tmp_path):
    from pipeline.merge import file_post

    assert minted_number("ORG", 2023, 7) == "ORG/2023-M00007" and is_minted("ORG/2023-M00007")
    assert not is_minted("ORG/2023-00007")
    with Store(tmp_path / "x.db") as store:
        with store.transaction():
            taken = sketch("p1", "某通知", BODY, 0, {"index_number": "ORG/2023-M00001"})
            store.db.execute("INSERT INTO posts (id, version) VALUES ('p1', 1)")
            file_post(store, taken, rules.identity_keys({"index_number": "ORG/2023-M00001"}))
            minter = Minter(store, "ORG")
            assert sorted(minter.mint_many([2023, 2023])) == ["ORG/2023-M00002", "ORG/2023-M00003"]  # not M00001
            assert minter.mint(2024) == "ORG/2024-M00001"
            minter.save()
        assert dict(store.db.execute("SELECT year, last FROM serials").fetchall()) == {2023: 3, 2024: 1}
