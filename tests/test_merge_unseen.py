"""Merging and ownership on offices xxgk was not tuned on: posts saved into a real store, the real
dedupe stage run. Recurring template notices, documents and their 解读 sharing a 文号, pages
printing another document's 索引号, neighbours whose names contain the office's."""

from __future__ import annotations

from pipeline.merge import dedupe

from .builders import make_post, save_posts


def groups(store) -> list[set[str]]:
    """The items, each as the slugs (URL tails) of its posts, in the order they were founded."""
    out: dict[str, set[str]] = {}
    for item_id, url in store.db.execute(
            """SELECT ip.item_id, p.url FROM item_posts ip JOIN posts p ON p.id = ip.post_id
               JOIN items i ON i.id = ip.item_id ORDER BY i.published_at, i.id, p.url"""):
        out.setdefault(item_id, set()).add(url.rsplit("/", 1)[-1].removesuffix(".html"))
    return list(out.values())


def weekly_meeting(day: str, who: str) -> str:
    return (f"{day}上午，兴华街道召开安全生产例会，街道党工委书记主持会议，各科室负责人、各社区书记参加会议。"
            "会议传达学习了上级关于安全生产工作的有关文件精神，听取了各社区近期安全隐患排查整治情况汇报。"
            "会议指出，当前正值汛期，各社区要切实增强责任意识，加强巡查检查，确保辖区安全形势稳定。"
            f"会议要求，{who}要牵头做好隐患排查工作，发现问题立即整改，不能立即整改的要落实防范措施。")


def relief_list(people: list[tuple[str, int]]) -> str:
    return ("根据《吉林市城乡居民最低生活保障办法》规定，经个人申请、社区入户调查、民主评议、街道审核，"
            "拟将以下人员纳入城市居民最低生活保障范围，现予以公示，公示期7天。"
            + "".join(f"{name}，{amount}元；" for name, amount in people)
            + "如有异议，请于公示期内向兴华街道社会事务办公室反映。联系电话：0432-62773959。")


def test_this_weeks_meeting_is_not_last_weeks_whose_text_differs_only_in_its_day(empty_store):
    config, store = empty_store
    title = "兴华街道召开安全生产例会"
    save_posts(store,
               make_post("w1", "website", title=title, body=weekly_meeting("5月12日", "应急办")),
               make_post("w2", "website", title=title, body=weekly_meeting("5月19日", "应急办"), days=7),
               make_post("w2c", "wechat", title=title, body=weekly_meeting("5月19日", "应急办"), days=7.1))
    dedupe(config, store)
    assert groups(store) == [{"w1"}, {"w2", "w2c"}]


def test_monthly_relief_lists_naming_other_people_and_amounts_stay_apart(empty_store):
    config, store = empty_store
    title = "兴华街道城市居民最低生活保障拟保障对象公示"
    may = relief_list([("张某某", 520), ("李某某", 610), ("孙某某", 450)])
    save_posts(store,
               make_post("may", "website", title=title, body=may),
               make_post("may-wx", "wechat", title=title, body="点击上方蓝字关注我们\n" + may + "\n往期回顾\n兴华街道召开例会", days=0.5),
               make_post("june", "website", title=title, body=relief_list([("王某某", 520), ("赵某某", 480),
                                                                           ("孙某某", 450)]), days=6))
    dedupe(config, store)
    assert groups(store) == [{"may", "may-wx"}, {"june"}]


def test_a_copy_with_a_paragraph_dropped_still_joins_its_item(empty_store):
    config, store = empty_store
    title = "兴华街道城市居民最低生活保障拟保障对象公示"
    full = relief_list([("张某某", 520), ("李某某", 610), ("孙某某", 450)])
    save_posts(store,
               make_post("full", "catalog", title=title, body=full, meta={"publisher": "兴华街道办事处"}),
               make_post("short", "website", title="【通知公告】" + title, body=full.replace("李某某，610元；", ""),
                         days=1))
    dedupe(config, store)
    assert groups(store) == [{"full", "short"}]
