"""A labelled synthetic set for merging: posts with the item each truly belongs to.

Items are drawn from the demo office's vocabulary (demo/content.py) and published on 1–4
channels with the differences real copies have: 【栏目】 prefixes, half/full-width
punctuation, spaces, a retyped or catchy WeChat title, a "来源：" or "责任编辑：" line, a
"点击蓝字关注" header and a "往期回顾" footer, an extra paragraph on one channel, a Weibo
teaser carrying only the first paragraph, the catalog's 索引号/文号. Look-alikes that
must stay apart come in series: the monthly 安全生产例会 notice, the weekly 网格员培训
(第N期, a week apart), the same activity in two communities on the same day, and
documents that share a template body (the 信息公开制度 set).

`posts(n, seed)` streams (truth_key, Post) in publication order, deterministically.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from demo.content import CATEGORIES, COMMUNITIES, FESTIVALS, PROMO_THEMES, SURNAMES, make_body
from demo.world import Titles
from pipeline.models import Post

TZ = timezone(timedelta(hours=8))
START = datetime(2016, 1, 1, 8, tzinfo=TZ)
NEWS_SLUGS = [s for s, c in CATEGORIES.items() if c.kind == "news"]
DOC_SLUGS = [s for s, c in CATEGORIES.items() if c.kind in ("doc", "notice")]
LEADS = ("暖心！", "关注｜", "@全体居民 ", "速看！", "好消息！", "提醒：")
TAILS = ("｜兴华在行动", "（图）", "", "")
EXTRA_LINES = ("附件：报名登记表", "温馨提示：请居民朋友们相互转告。", "（图片由社区提供）", "欢迎广大居民积极参与。")
FOLLOW = "点击上方蓝字关注我们"


def _detail(rng: random.Random) -> str:
    """A sentence only this item has: who, where, how many."""
    name = rng.choice(SURNAMES) + rng.choice("明伟静丽强军洋勇艳杰涛超霞平刚")
    return (f"{rng.choice(COMMUNITIES)}{rng.choice(('网格员', '志愿者', '居民代表', '楼栋长'))}{name}介绍，"
            f"本次共走访{rng.randint(12, 480)}户，发放{rng.choice(PROMO_THEMES)}资料{rng.randint(50, 900)}份，"
            f"解决{rng.choice(('停车', '供暖', '漏水', '照明', '垃圾清运', '路面破损'))}等问题{rng.randint(2, 40)}件。")


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.titles = Titles(gap_days=30)
        self.n = 0
        self.doc_serial = 0
        self.months: set[tuple[int, int]] = set()  # one 安全生产例会 a month
        self.weekly = 0  # 网格员培训 issues are numbered through
        self.rules: set[tuple[str, int]] = set()  # one revision of each 制度 a year
        self.pending: list[tuple[datetime, str, list[tuple]]] = []

    def items(self, count: int) -> Iterator[tuple[datetime, str, list[tuple[str, datetime, str, str, dict]]]]:
        """(first time, key, copies) per item; a copy is (channel, time, title, body, meta)."""
        rng = self.rng
        when = START
        step = timedelta(days=3650) / max(count, 1)
        made = 0
        while made < count:
            when += step * rng.uniform(0.2, 1.8)
            r = rng.random()
            if r < 0.06:
                made += self._series(when, "meeting")
            elif r < 0.10:
                made += self._series(when, "weekly")
            elif r < 0.16:
                made += self._series(when, "communities")
            elif r < 0.19:
                made += self._series(when, "rules")
            else:
                self._plain(when)
                made += 1
        return iter(sorted(self.pending, key=lambda x: (x[0], x[1])))

    def _key(self) -> str:
        self.n += 1
        return f"t{self.n:07d}"

    def _add(self, when: datetime, title: str, body: list[str], slug: str, doc: bool) -> None:
        self.pending.append((when, self._key(), self._copies(when, title, body, slug, doc)))

    def _plain(self, when: datetime) -> None:
        rng = self.rng
        doc = rng.random() < 0.25
        slug = rng.choice(DOC_SLUGS if doc else NEWS_SLUGS)
        title = self.titles.make(slug, rng, when)
        if title.endswith("期）"):  # Titles numbers a title it cannot vary; an office would not
            slug, doc = rng.choice(NEWS_SLUGS), False
            title = self.titles.make(slug, rng, when)
        body = make_body(slug, title, rng, when)
        body.insert(rng.randint(1, len(body)), _detail(rng))
        self._add(when, title, body, slug, doc)

    def _series(self, when: datetime, kind: str) -> int:
        rng = self.rng
        if kind == "meeting":  # one a month, the same text but the month
            made = 0
            for k in range(rng.randint(3, 8)):
                t = when + timedelta(days=30 * k + rng.randint(-4, 4))
                if (t.year, t.month) in self.months:
                    continue
                self.months.add((t.year, t.month))
                title = f"兴华街道召开{t.year}年{t.month}月份安全生产例会"
                body = [f"{t.month}月{t.day}日，兴华街道召开{t.month}月份安全生产例会，街道班子成员、各科室及各社区负责人参加会议。",
                        "会议通报了上月安全生产检查情况，对辖区内发现的隐患逐一明确整改责任和时限。",
                        "会议强调，要压实安全生产责任，加强重点场所、重点时段的巡查检查，坚决遏制各类事故发生。",
                        f"会议还对{t.month + 1 if t.month < 12 else 1}月份安全生产重点工作进行了部署。"]
                self._add(t, title, body, "aqsc", False)
                made += 1
            return made
        if kind == "weekly":  # 第N期, a week apart: inside the merge window
            first, self.weekly = self.weekly + 1, self.weekly + 4
            for k in range(4):
                t = when + timedelta(days=7 * k, hours=rng.randint(0, 3))
                title = f"兴华街道网格员业务培训（第{first + k}期）"
                body = [f"本期培训于{t.month}月{t.day}日在街道三楼会议室举行，全体网格员参加。",
                        "培训围绕网格化管理信息系统操作、矛盾纠纷排查化解、特殊人群走访等内容展开。",
                        "授课老师结合工作实际，通过案例分析、现场演示等方式进行讲解，培训内容实用性强。",
                        "培训结束后进行了随堂测试，参训人员纷纷表示收获很大。"]
                self._add(t, title, body, "gzdt", False)
            return 4
        if kind == "communities":  # the same activity in several communities, same days
            theme, form = rng.choice(PROMO_THEMES), rng.choice(("宣传", "志愿服务", "主题"))
            made = 0
            for c in rng.sample(COMMUNITIES, rng.randint(2, 4)):
                t = when + timedelta(hours=rng.randint(0, 30))
                title = f"兴华街道{c}开展{theme}{form}活动"
                if not self.titles.claim(title, t):  # the same activity there this month already
                    continue
                body = [f"{t.month}月{t.day}日，{c}组织开展{theme}{form}活动，社区党员、志愿者和居民群众参加。",
                        f"活动中，工作人员通过发放宣传单、现场讲解等方式，向居民普及{theme}相关知识。",
                        "此次活动得到了辖区居民的广泛好评，大家纷纷表示，社区的服务越来越贴心、越来越到位。",
                        f"{c}将以此次活动为契机，持续开展形式多样的{theme}活动。"]
                self._add(t, title, body, "gzdt", False)
                made += 1
            return made
        # documents sharing a template body, days apart (the 信息公开制度 set)
        names = ("政府信息主动公开制度", "政府信息公开保密审查制度", "政府信息依申请公开制度",
                 "政府信息公开工作年度报告制度", "政府信息发布协调制度", "政府信息公开举报受理制度")
        fresh = [name for name in names if (name, when.year) not in self.rules]
        picked = rng.sample(fresh, min(len(fresh), rng.randint(2, 5)))
        for k, name in enumerate(picked):
            self.rules.add((name, when.year))
            t = when + timedelta(days=k * rng.randint(1, 3))
            title = f"兴华街道{name}（{t.year}年修订）"
            body = make_body("xxgkzd", title, random.Random(7), t)  # one template body for the set
            self._add(t, title, body, "xxgkzd", True)
        return len(picked)

    def _copies(self, when: datetime, title: str, body: list[str], slug: str, doc: bool) -> list[tuple]:
        rng = self.rng
        if doc:
            channels = ["catalog"] + rng.sample(["website", "wechat"], rng.choice((0, 1, 1, 2)))
        else:
            channels = [rng.choice(("wechat", "wechat", "website"))]
            channels += [c for c in ("website", "wechat", "weibo", "catalog")
                         if c not in channels and rng.random() < {"website": 0.7, "wechat": 0.4, "weibo": 0.25,
                                                                 "catalog": 0.15}[c]]
        meta: dict[str, str] = {}
        if "catalog" in channels:
            self.doc_serial += 1
            meta = {"index_number": f"11220202MB0X12345Y/{when.year}-{self.doc_serial:05d}",
                    "formed_on": when.date().isoformat()}
            if doc:
                meta["doc_number"] = f"兴华办发〔{when.year}〕{self.doc_serial}号"
        copies = []
        for i, channel in enumerate(channels):
            t = when if i == 0 else when + timedelta(hours=rng.randint(1, 24 * 7))
            copies.append((channel, t, *self._variant(channel, title, body, slug), dict(meta) if channel == "catalog"
                           else ({"doc_number": meta["doc_number"]} if "doc_number" in meta and rng.random() < 0.5 else {})))
        return copies

    def _variant(self, channel: str, title: str, body: list[str], slug: str) -> tuple[str, str]:
        rng = self.rng
        from demo.content import website_title

        paras = list(body)
        if channel == "weibo":
            return title, paras[0][:rng.randint(40, 110)] + "……#兴华街道#"
        if channel == "website":
            title = website_title(title, CATEGORIES[slug].column, rng)
            paras.append(rng.choice(("来源：兴华街道办事处", "（责任编辑：" + rng.choice(SURNAMES) + "静）", "来源：兴华街道")))
        if channel == "wechat":
            r = rng.random()
            if r < 0.15:
                title = rng.choice(LEADS) + title
            elif r < 0.25:
                title = title + rng.choice(TAILS)
            elif r < 0.30 and title.startswith("兴华街道"):
                title = title.replace("兴华街道", "兴华街道：", 1).replace("：：", "：")
            if rng.random() < 0.5:
                paras.insert(0, FOLLOW)
            if rng.random() < 0.4:
                paras += ["往期回顾", f"兴华街道开展{rng.choice(FESTIVALS)}主题活动", "兴华街道召开重点工作推进会"]
        if rng.random() < 0.1:  # one channel's editor added a line
            paras.insert(rng.randint(1, len(paras)), rng.choice(EXTRA_LINES))
        if rng.random() < 0.05:  # or fixed a typo
            k = rng.randrange(len(paras))
            paras[k] = paras[k].replace("，", ",", 1)
        return title, "\n".join(paras)


def posts(n_posts: int, seed: int = 4) -> Iterator[tuple[str, Post]]:
    """About n_posts (truth key, Post) pairs, in publication order."""
    gen = Generator(seed)
    out: list[tuple[datetime, str, str, Post]] = []
    count = 0
    for _, key, copies in gen.items(max(1, int(n_posts / 1.9))):
        for channel, t, title, body, meta in copies:
            count += 1
            url = {"wechat": f"https://mp.weixin.qq.com/s/{key}x{count}",
                   "weibo": f"https://weibo.com/7412589630/{key}{count}",
                   "website": f"http://www.xinghua.gov.test/xwzx/{key}/t{count}.html",
                   "catalog": f"http://xxgk.cyq.gov.test/gkml/{key}/{count}.html"}[channel]
            out.append((t, key, url, Post(source=channel, channel=channel, url=url, title=title, published_at=t,
                                          body_html="", body_text=body, meta=meta)))
    out.sort(key=lambda x: (x[0], x[2]))
    for _, key, _, post in out:
        yield key, post
