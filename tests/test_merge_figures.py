"""One notice, its figures written two ways: 1.5万元 on WeChat, 15000元 on the website (15,000元,
一万五千元, full-width digits, 30% and 百分之三十, 2024年3月5日 and 2024-03-05). The copies are one
item; a notice naming another figure (15000元 vs 16000元) is another. Posts saved into a real
store, the real dedupe stage run."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from pipeline.merge import dedupe, rules
from pipeline.merge.figures import canonical_figures, figure_values
from pipeline.merge.item_fields import POSTS_OF_ITEMS, fingerprint
from pipeline.merge.similarity import figures_swapped, normalise_body, sketches
from pipeline.merge.index import file_post
from pipeline.store import post_id

from .builders import make_post, save_posts
from .test_merge_unseen import groups

# -- the canonical value of a figure, however it is written ------------------------------------

SAME_VALUE = [  # (written one way, written another way): one figure
    ("1.5万元", "15000元"),
    ("1.5万元", "15,000元"),
    ("1.5 万元", "15000元"),
    ("一万五千元", "15000元"),
    ("一万五元", "15000元"),  # 一万五 is 一万五千, as people read it
    ("１５０００元", "15000元"),
    ("１．５万元", "15000元"),
    ("2.35亿元", "235000000元"),
    ("0.8万元", "8000元"),
    ("3.50元", "3.5元"),
    ("30%", "百分之三十"),
    ("30％", "百分之三十"),
    ("12.5%", "百分之十二点五"),
    ("2024年3月5日", "2024-03-05"),
    ("2024年3月5日", "2024/3/5"),
    ("2024年3月5日", "2024.03.05"),
    ("2024年3月5日", "2024年03月05日"),
    ("2024年3月5日", "２０２４年３月５日"),
    ("2024年3月5日", "二〇二四年三月五日"),
    ("3月5日", "03月05日"),
    ("120户", "一百二十户"),
    ("十二名", "12名"),
    ("第十二期", "第12期"),
]

OTHER_VALUE = [  # figures that only look alike: other values
    ("1.5万元", "15万元"),
    ("3.5元", "35元"),
    ("15000元", "16000元"),
    ("30%", "百分之三"),
    ("一万零五元", "15000元"),
    ("2024年3月5日", "2024年3月15日"),
    ("2024-03-05", "2024-05-03"),
]


@pytest.mark.parametrize(("one", "other"), SAME_VALUE)
def test_a_figure_written_another_way_is_the_same_figure(one, other):
    assert canonical_figures(one) == canonical_figures(other)
    assert figure_values(normalise_body(one)) == figure_values(normalise_body(other))


@pytest.mark.parametrize(("one", "other"), OTHER_VALUE)
def test_figures_that_only_look_alike_stay_apart(one, other):
    assert figure_values(normalise_body(one)) != figure_values(normalise_body(other))


CANONICAL = [  # what the text reads as, after the figures are written one way
    ("慰问金1.5万元", "慰问金15000元"),
    ("共计15,000.50元", "共计15000.5元"),
    ("占百分之三十五", "占35%"),
    ("于2024-03-05召开", "于2024年3月5日召开"),
    ("电话0432-62773959", "电话0432-62773959"),  # no date, no amount: left as written
    ("一是加强统一领导", "一是加强统一领导"),  # 一 that counts nothing is a word
    ("千万不要", "千万不要"),
    ("分别为5，120，300户", "分别为5，120，300户"),  # the Chinese comma lists figures, it does not group them
    ("5千克", "5千克"),  # 千 after a digit is a unit's prefix here (千克, 千米), not a thousand
    ("1.2.3", "1.2.3"),  # a section number
]


@pytest.mark.parametrize(("written", "canonical"), CANONICAL)
def test_figures_are_written_one_way(written, canonical):
    assert canonical_figures(written) == canonical


def test_figure_values_are_numbers_in_the_order_written():
    assert figure_values(normalise_body("2024年3月5日发放慰问金1.5万元，覆盖百分之三十的家庭")) == \
        ("2024", "3", "5", "15000", "30")


def test_a_swapped_figure_is_a_swap_however_both_are_written():
    text = "会议明确，本次走访覆盖{}户困难家庭，发放慰问金共计{}，由街道财政列支，7日内发放到户。"
    assert not figures_swapped(normalise_body(text.format(120, "1.5万元")),
                               normalise_body(text.format("一百二十", "15,000元")))
    assert figures_swapped(normalise_body(text.format(120, "1.5万元")), normalise_body(text.format(120, "16000元")))


# -- the dedupe stage on a real store ---------------------------------------------------------

def visits(day: str, households: str, amount: str, share: str, deadline: str = "3月15日") -> str:
    return (f"为做好第1季度困难群众帮扶工作，兴华街道于{day}召开专题会议，研究部署走访慰问工作。"
            f"会议明确，本次走访慰问覆盖辖区{households}户困难家庭，发放慰问金共计{amount}，"
            f"慰问金由街道财政统一列支，其中{share}用于特困供养人员。"
            f"各社区要于{deadline}前完成入户走访，确保慰问金足额发放到户，并做好登记造册工作。"
            "街道纪工委将全程监督慰问金发放情况，设立24小时监督电话，对优亲厚友、虚报冒领等问题严肃追责。")


VISITS_TITLE = "兴华街道部署困难群众走访慰问工作"


@pytest.mark.parametrize("wechat", [
    visits("2024-03-05", "一百二十", "1.5万元", "百分之三十"),
    visits("3月5日", "120", "15,000元", "30%"),
    visits("2024年03月05日", "１２０", "一万五千元", "30％"),
    visits("2024年3月5日", "120", "1.5 万元", "30%", deadline="2024年3月15日"),
])
def test_copies_writing_their_figures_another_way_are_one_item(empty_store, wechat):
    config, store = empty_store
    save_posts(store,
               make_post("web", "website", title=VISITS_TITLE, body=visits("2024年3月5日", "120", "15000元", "30%")),
               make_post("wx", "wechat", title="速看！" + VISITS_TITLE, body=wechat, days=0.3))
    dedupe(config, store)
    assert groups(store) == [{"web", "wx"}]


def test_copies_of_one_notice_under_one_title_are_one_item_whichever_comes_first(empty_store):
    config, store = empty_store
    save_posts(store,
               make_post("wx", "wechat", title=VISITS_TITLE, body=visits("2024-03-05", "一百二十", "1.5万元", "百分之三十")),
               make_post("web", "website", title=VISITS_TITLE, body=visits("2024年3月5日", "120", "15000元", "30%"),
                         days=0.5),
               make_post("row", "catalog", title=VISITS_TITLE, body=visits("2024年3月5日", "120", "15,000元", "30%"),
                         days=1, meta={"publisher": "兴华街道办事处"}))
    dedupe(config, store)
    assert groups(store) == [{"wx", "web", "row"}]


def test_notices_naming_another_amount_stay_apart_however_each_writes_it(empty_store):
    config, store = empty_store
    save_posts(store,
               make_post("web", "website", title=VISITS_TITLE, body=visits("2024年3月5日", "120", "15000元", "30%")),
               make_post("wx", "wechat", title=VISITS_TITLE, body=visits("2024-03-05", "120", "1.5万元", "30%"), days=0.2),
               make_post("web2", "website", title=VISITS_TITLE, body=visits("2024年3月5日", "120", "16000元", "30%"),
                         days=1),
               make_post("wx2", "wechat", title=VISITS_TITLE, body=visits("2024-03-05", "120", "1.6万元", "30%"),
                         days=1.2))
    dedupe(config, store)
    assert groups(store) == [{"web", "wx"}, {"web2", "wx2"}]


def test_titles_writing_a_figure_another_way_are_one_title(empty_store):
    """The title names the amount: 1.5万元 on WeChat, 15000元 on the website (and 16000元, another notice)."""
    config, store = empty_store
    body = visits("2024年3月5日", "120", "15000元", "30%")
    save_posts(store,
               make_post("web", "website", title="兴华街道发放困难群众慰问金15000元", body=body),
               make_post("wx", "wechat", title="兴华街道发放困难群众慰问金1.5万元", body=body.replace("15000元", "1.5万元"),
                         days=0.2),
               make_post("other", "website", title="兴华街道发放困难群众慰问金16000元", days=1,
                         body=body.replace("15000元", "16000元")))
    dedupe(config, store)
    assert groups(store) == [{"web", "wx"}, {"other"}]


def relief(month: int, amounts: tuple[str, str, str]) -> str:
    people = zip(("张某某", "李某某", "孙某某"), amounts)
    return (f"根据《吉林市城乡居民最低生活保障办法》规定，经个人申请、社区入户调查、民主评议、街道审核，"
            f"拟将以下人员纳入2024年{month}月城市居民最低生活保障范围，现予以公示，公示期7天。"
            + "".join(f"{name}，{amount}；" for name, amount in people)
            + "如有异议，请于公示期内向兴华街道社会事务办公室反映。联系电话：0432-62773959。")


def test_the_march_and_april_relief_lists_stay_apart_their_copies_join(empty_store):
    """The monthly 低保 公示 under one title: March's and April's name other months and amounts."""
    config, store = empty_store
    title = "兴华街道城市居民最低生活保障拟保障对象公示"
    save_posts(store,
               make_post("mar", "website", title=title, body=relief(3, ("520元", "610元", "1,450元"))),
               make_post("mar-wx", "wechat", title=title, body=relief(3, ("520元", "610元", "1450元")), days=0.5),
               make_post("apr", "website", title=title, body=relief(4, ("520元", "610元", "1,540元")), days=5),
               make_post("apr-wx", "wechat", title=title, body=relief(4, ("520元", "610元", "0.154万元")), days=5.5))
    dedupe(config, store)
    assert groups(store) == [{"mar", "mar-wx"}, {"apr", "apr-wx"}]


# -- a store sketched before figures were written one way ------------------------------------

def sketch_as_before_figures(store, post: str, body: str) -> None:
    """File a post as the sketch rules before figures.py did (its text reduced to letters and digits
    as written: 15000 and 1.5万 two texts), its item's content hash made from that sketch, and
    forget which sketch rules the store follows: a store of then."""
    before = re.sub(r"[\W_]+", "", body).lower()
    assert before != normalise_body(body)
    with store.transaction():
        title, at = store.db.execute("SELECT title, published_at FROM posts WHERE id = ?", [post]).fetchone()
        sketch = rules.sketch_of(post, int(datetime.fromisoformat(at).timestamp()), title, before,
                                 sketches([before])[0])
        file_post(store, sketch, {})
        row = store.db.execute(POSTS_OF_ITEMS.format(marks="?"), [item_of(store, post)]).fetchone()
        old = fingerprint(row[1:])
        store.db.execute("UPDATE items SET content_hash = ?, seen_hash = ?, classified_hash = ? WHERE id = ?",
                         [old, old, old, row[0]])
        store.db.execute("DELETE FROM merge_state WHERE name = 'sketches'")


def item_of(store, post: str) -> str:
    return store.db.execute("SELECT item_id FROM item_posts WHERE post_id = ?", [post]).fetchone()[0]


def test_a_copy_filed_before_figures_were_written_one_way_is_found_by_a_new_copy(empty_store):
    """The website's 1.5万元 filed under the old rules; WeChat's 15000元 under another title comes
    a day later: the same text, once the store's copy is re-sketched (once)."""
    config, store = empty_store
    website = visits("2024-03-05", "一百二十", "1.5万元", "百分之三十")
    save_posts(store, make_post("web", "website", title=VISITS_TITLE, body=website))
    dedupe(config, store)
    web = post_id("website", make_post("web", "website").url)
    sketch_as_before_figures(store, web, website)
    item = item_of(store, web)
    shown = store.db.execute("SELECT updated_at, content_hash FROM items WHERE id = ?", [item]).fetchone()
    save_posts(store, make_post("wx", "wechat", title="困难群众请注意：慰问金这样发",
                                body=visits("2024年3月5日", "120", "15000元", "30%"), days=1))
    counts = dedupe(config, store)
    assert groups(store) == [{"web", "wx"}] and counts["resketched"] == 1
    # What the item shows did not change: `updated` stays, nothing asks to classify it again.
    updated, content_hash, seen, classified = store.db.execute(
        "SELECT updated_at, content_hash, seen_hash, classified_hash FROM items WHERE id = ?", [item]).fetchone()
    assert updated == shown[0] and content_hash != shown[1] and content_hash == seen == classified
    assert dedupe(config, store)["resketched"] == 0
    assert store.db.execute("SELECT value FROM merge_state WHERE name = 'sketches'").fetchone()[0] == \
        str(rules.SKETCH_VERSION)
