"""An adversarial office for merging and ownership, with its ground truth.

Where real disclosure catalogs are hard, on purpose (issue 13):

- recurring titles: most items share their exact title with another item (the yearly
  关于做好冬季供暖工作的通知, the monthly 安全生产例会 and the weekly 网格员业务培训 without a
  number, news titles that recur across communities and years), their bodies different but for
  boilerplate sentences, and often within the merge window of each other;
- the same notice from two agencies on the same day (2023年部门决算 of the office and of a
  department it owns), template bodies, told apart only by their 索引号 / 文号;
- copies that differ: a website copy with a 【工作动态】 tag, stray spaces, half-width punctuation,
  a trailing 。, paragraphs dropped, a 来源 line; a WeChat copy with a lead (暖心！) or a tail, a
  关注 header and a 往期回顾 footer; a Weibo teaser carrying the first words; a catalog row
  with its 索引号 (of the same form xxgk used to mint), 文号 and 发布机构;
- other agencies' rows in the shared district catalog (区卫生健康局, 区财政局 …), some with the
  office's titles on the office's dates: not the office's items.

`Adversary(seed).docs(n)` plans n items of the office (plus the other agencies' rows); `posts`
streams them as labelled Posts for bench/merge.py; `write_world` renders them as a web world
(the demo office's hosts and page formats, demo/render.py) for tests served on 127.0.0.1, with
`truth.json` (every item, its copies, and the year-end counts). Seeds: TUNING_SEED is the one
the rules were tuned on; the bench reports REPORT_SEED.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

from pipeline.models import Post

TZ = timezone(timedelta(hours=8))
TUNING_SEED, REPORT_SEED = 1301, 3903
OFFICE = "兴华街道办事处"
ALIASES = ("兴华街道",)
DEPARTMENTS = ("兴华街道综合行政执法队", "兴华街道社区卫生服务中心")
OWN_PUBLISHERS = (OFFICE, "吉林市昌邑区兴华街道办事处", "兴华街道")  # how the catalog names the office
FOREIGN = ("昌邑区卫生健康局", "昌邑区财政局", "昌邑区民政局")
ORG = {OFFICE: "11220202MB0X12345Y", DEPARTMENTS[0]: "11220202MB0X12346Z", DEPARTMENTS[1]: "12220202MB0X12347A",
       FOREIGN[0]: "11220202013954012K", FOREIGN[1]: "11220202013954020P", FOREIGN[2]: "11220202013954039Q"}
DOC_PREFIX = {OFFICE: "兴街发", DEPARTMENTS[0]: "兴街执法发", DEPARTMENTS[1]: "兴卫服发",
              FOREIGN[0]: "昌卫发", FOREIGN[1]: "昌财发", FOREIGN[2]: "昌民发"}
COMMUNITIES = ("松江社区", "中兴社区", "兴华社区", "东局子社区", "文庙社区", "通江社区", "延安社区", "天津街社区",
               "北京路社区", "新华社区", "站前社区", "东山社区")
THEMES = ("垃圾分类", "文明城市创建", "禁毒", "节约用水", "反电信网络诈骗", "消防安全", "防汛", "健康素养",
          "国家安全教育", "移风易俗", "科普", "爱国卫生", "敬老爱老", "普法")
FORMS = ("宣传", "志愿服务", "主题", "入户走访", "专题讲座")
NOTICES = ("关于做好冬季供暖工作的通知", "关于开展犬只登记工作的通知", "关于春节期间禁止燃放烟花爆竹的通告",
           "关于开展城乡居民医疗保险缴费工作的通知", "关于开展安全生产大检查的通知", "关于做好防汛工作的通知",
           "关于开展夏季消防安全检查的通知", "关于征集民生实事项目的公告", "关于开展老旧小区改造意见征集的通知",
           "关于做好退役军人信息采集工作的通知", "关于开展人口抽样调查工作的通知", "关于开展高龄津贴年审工作的通知",
           "关于开展燃气安全隐患排查的通知", "关于清理楼道堆放杂物的通知", "关于开展流动人口登记的通知",
           "关于暂停办理部分业务的通知", "关于调整办公时间的通知", "关于开展防范电信诈骗宣传月活动的通知")
SERIES = ("兴华街道召开安全生产例会", "兴华街道召开党工委理论学习中心组学习会", "兴华街道网格员业务培训",
          "兴华街道召开重点工作推进会", "兴华街道开展环境卫生集中整治")
PAIRED = ("部门决算", "部门预算", "政府信息公开工作年度报告")  # f"{year}年{…}": the office's and a department's
RULES = ("行政执法公示制度", "环境卫生管理办法", "网格化服务管理办法", "志愿服务管理办法")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "明伟静丽强军洋勇艳杰涛超霞平刚"
LEADS = ("暖心！", "关注｜", "速看！", "提醒：", "好消息！")
TAILS = ("｜兴华在行动", "（图）", "，居民点赞")
FOLLOW = "点击上方蓝字关注我们"
FOOTER = ["往期回顾", "兴华街道开展中秋主题活动", "兴华街道召开重点工作推进会"]
WEBSITE, CATALOG, WECHAT, BRIDGE = "www.xinghua.gov.test", "xxgk.cyq.gov.test", "mp.weixin.qq.com", "rss.bridge.test"
CATALOG_ROOT = "qtdw/xhj/gkml"


@dataclass
class Copy:
    channel: str  # website | catalog | wechat | weibo
    at: datetime
    title: str
    paras: list[str]
    meta: dict[str, str] = field(default_factory=dict)
    column: str = "gzdt"  # website column
    url: str = ""


@dataclass
class Doc:
    key: str
    title: str
    category: str  # gzdt | tzgg | czyjs | xxgknb | gfxwj
    owner: str  # OFFICE, a department, or another agency
    normative: bool
    copies: list[Copy]

    @property
    def foreign(self) -> bool:
        return self.owner in FOREIGN

    @property
    def first(self) -> Copy:
        return min(self.copies, key=lambda c: (c.at, ("wechat", "weibo", "website", "catalog").index(c.channel)))


class Adversary:
    def __init__(self, seed: int, start: datetime = datetime(2022, 1, 3, 9, tzinfo=TZ)) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.serial: Counter[tuple[str, int]] = Counter()  # (agency, year) → 索引号 serial
        self.docno: Counter[tuple[str, int]] = Counter()
        self.n = 0
        self.out: list[Doc] = []

    # -- plan ---------------------------------------------------------------------------
    def docs(self, n_items: int) -> list[Doc]:
        """About n_items items of the office (and its departments), and other agencies' rows."""
        rng = self.rng
        days = max(730, n_items * 730 // 10_000)  # 10,000 items over two years; denser no further
        step = timedelta(days=days) / max(n_items, 1)
        when, made = self.start, 0
        series_next = {s: self.start + timedelta(days=rng.uniform(0, 20)) for s in SERIES}
        while made < n_items:
            when += step * rng.uniform(0.3, 1.7)
            for name, due in series_next.items():  # monthly and weekly series, no number in the title
                if due <= when and made < n_items:
                    self._series(name, due)
                    made += 1
                    gap = 7 if "培训" in name else 30
                    series_next[name] = due + timedelta(days=gap + rng.uniform(-4, 8))
            r = rng.random()
            if r < 0.30:
                self._notice(when)
                made += 1
            elif r < 0.37:
                made += self._paired(when)
            elif r < 0.40:
                self._rule(when)
                made += 1
            else:
                self._news(when)
                made += 1
            if rng.random() < 0.08:
                self._foreign(when)
        self.out.sort(key=lambda d: (d.first.at, d.key))
        return self.out

    def _key(self) -> str:
        self.n += 1
        return f"a{self.n:07d}"

    def _doc(self, title: str, category: str, owner: str, paras: list[str], copies: list[Copy],
             normative: bool = False) -> Doc:
        for c in copies:  # pages show minutes at best
            c.at = c.at.replace(second=0, microsecond=0)
        doc = Doc(self._key(), title, category, owner, normative, copies)
        self.out.append(doc)
        return doc

    def _news(self, when: datetime) -> None:
        rng = self.rng
        community, theme, form = rng.choice(COMMUNITIES), rng.choice(THEMES), rng.choice(FORMS)
        title = f"兴华街道{community}开展{theme}{form}活动"
        paras = [f"{when.month}月{when.day}日，{community}组织开展{theme}{form}活动，{rng.randint(20, 300)}余名居民参加。",
                 *(self._detail(when) for _ in range(rng.randint(2, 4))),
                 f"下一步，{community}将持续开展形式多样的{theme}活动，不断提升居民群众的获得感和幸福感。"]
        self._doc(title, "gzdt", OFFICE, paras, self._copies(when, title, paras, "news"))

    def _series(self, title: str, when: datetime) -> None:
        rng = self.rng
        paras = [f"{when.month}月{when.day}日，{title.removeprefix('兴华街道')}在街道三楼会议室举行，街道班子成员、各科室及各社区负责人参加。",
                 *(self._detail(when) for _ in range(rng.randint(2, 3))),
                 "会议强调，要压实工作责任，狠抓工作落实，确保各项任务按时保质完成。"]
        self._doc(title, "gzdt", OFFICE, paras, self._copies(when, title, paras, "news"))

    def _notice(self, when: datetime) -> None:
        rng = self.rng
        title = rng.choice(NOTICES)
        subject = title.removeprefix("关于").removesuffix("的通知").removesuffix("的通告").removesuffix("的公告")
        paras = ["各社区、辖区各单位，广大居民朋友：",
                 f"为进一步做好{subject}，根据上级有关要求，结合我街道实际，现将有关事项通知如下：",
                 *(self._detail(when) for _ in range(rng.randint(2, 4))),
                 f"联系人：{rng.choice(SURNAMES)}{rng.choice(GIVEN)}，联系电话：0432-6{rng.randint(1000000, 9999999)}。",
                 "特此通知。"]
        self._doc(title, "tzgg", OFFICE, paras, self._copies(when, title, paras, "notice", OFFICE))

    def _paired(self, when: datetime) -> int:
        """The same notice from the office and a department it owns, the same day."""
        rng = self.rng
        title = f"{when.year - 1}年{rng.choice(PAIRED)}"
        template = [f"根据《中华人民共和国预算法》和上级有关要求，现将{{owner}}{title}公开如下。",
                    "一、部门主要职能。负责辖区内经济社会发展、城市管理、社会事务和公共服务等工作。",
                    "二、收支总体情况。{owner}收入合计{a}万元，支出合计{b}万元，年末结转和结余{c}万元。",
                    "三、一般公共预算财政拨款支出{d}万元，主要用于基本支出和项目支出。",
                    "四、“三公”经费支出{e}万元，比上年减少{f}%，主要原因是厉行节约。",
                    "五、名词解释：财政拨款收入是指本级财政当年拨付的资金。"]
        owners = [OFFICE, rng.choice(DEPARTMENTS)]
        for owner in owners:
            nums = {k: f"{rng.uniform(10, 9000):.2f}" for k in "abcde"} | {"f": rng.randint(1, 30)}
            paras = [p.format(owner=owner, **nums) for p in template]
            category = "xxgknb" if "年度报告" in title else "czyjs"
            self._doc(title, category, owner, paras, self._copies(when, title, paras, "doc", owner))
        return 2

    def _rule(self, when: datetime) -> None:
        rng = self.rng
        title = f"兴华街道{rng.choice(RULES)}"
        paras = [f"第一条 为规范{title.removeprefix('兴华街道')}相关工作，根据有关法律法规，结合本街道实际，制定本办法。",
                 *(self._detail(when) for _ in range(3)), "第十条 本办法自印发之日起施行。"]
        self._doc(title, "gfxwj", OFFICE, paras, self._copies(when, title, paras, "normative", OFFICE), normative=True)

    def _foreign(self, when: datetime) -> None:
        """Another agency's row in the shared catalog, often with a title the office uses too."""
        rng = self.rng
        agency = rng.choice(FOREIGN)
        title = rng.choice((rng.choice(NOTICES), f"{when.year - 1}年{rng.choice(PAIRED)}",
                            f"{agency}关于开展{rng.choice(THEMES)}工作的通知"))
        paras = [f"{agency}：{self._detail(when)}", self._detail(when), "特此通知。"]
        t = datetime(when.year, when.month, when.day, tzinfo=TZ)
        self._doc(title, "foreign", agency, paras, [self._catalog(t, title, paras, agency, doc=True)])

    def _detail(self, when: datetime) -> str:
        """A sentence only this item has."""
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        return rng.choice((
            f"{rng.choice(COMMUNITIES)}网格员{name}介绍，本次共走访{rng.randint(12, 480)}户，发放资料{rng.randint(50, 900)}份，"
            f"解决{rng.choice(('停车', '供暖', '漏水', '照明', '垃圾清运'))}等问题{rng.randint(2, 40)}件。",
            f"自{when.month}月{rng.randint(1, 28)}日起，在{rng.choice(COMMUNITIES)}设立{rng.randint(2, 9)}个服务点，"
            f"由{name}负责，工作时间为每日{rng.randint(7, 9)}时至{rng.randint(16, 18)}时。",
            f"{name}同志指出，{rng.choice(THEMES)}工作关系群众切身利益，要在{rng.randint(2, 12)}个方面下功夫，"
            f"确保{rng.randint(80, 100)}%以上的群众知晓。",
            f"截至目前，共排查{rng.choice(('隐患', '问题', '线索'))}{rng.randint(3, 260)}处，已整改{rng.randint(1, 200)}处，"
            f"{rng.choice(COMMUNITIES)}{rng.choice(('楼栋长', '志愿者', '党员'))}{name}全程参与。",
        ))

    # -- copies -------------------------------------------------------------------------
    def _copies(self, when: datetime, title: str, paras: list[str], kind: str, owner: str = OFFICE) -> list[Copy]:
        rng = self.rng
        if owner != OFFICE:  # a department's document: the catalog only
            return [self._catalog(self._day(when), title, paras, owner, doc=True)]
        if kind in ("notice", "doc", "normative"):
            channels = ["catalog"] + [c for c, p in (("website", 0.7), ("wechat", 0.3)) if rng.random() < p]
            if kind == "normative":
                channels = ["catalog", "website"]
        else:
            channels = [rng.choice(("wechat", "wechat", "website"))]
            channels += [c for c, p in (("website", 0.7), ("wechat", 0.5), ("weibo", 0.3), ("catalog", 0.1))
                         if c not in channels and rng.random() < p]
        copies = []
        for i, channel in enumerate(channels):
            t = when if i == 0 else when + timedelta(hours=rng.uniform(1, 48 if channel == "weibo" else 72))
            if channel == "catalog":
                copies.append(self._catalog(self._day(t), title, paras, owner,
                                            doc=kind in ("notice", "doc", "normative"), normative=kind == "normative"))
            elif channel == "website":
                copies.append(self._website(t, title, paras, "gzdt" if kind == "news" else "tzgg"))
            elif channel == "wechat":
                copies.append(self._wechat(t, title, paras))
            else:
                copies.append(Copy("weibo", t, title, [paras[0][:rng.randint(30, 70)] + "……"]))
        return copies

    @staticmethod
    def _day(t: datetime) -> datetime:
        return datetime(t.year, t.month, t.day, tzinfo=TZ)

    def _catalog(self, t: datetime, title: str, paras: list[str], owner: str, doc: bool,
                 normative: bool = False) -> Copy:
        rng = self.rng
        self.serial[(owner, t.year)] += 1
        meta = {"index_number": f"{ORG[owner]}/{t.year}-{self.serial[(owner, t.year)]:05d}",
                "formed_on": (t - timedelta(days=rng.randint(0, 5))).date().isoformat(),
                "publisher": rng.choice(OWN_PUBLISHERS) if owner == OFFICE else owner}
        if doc and (normative or rng.random() < 0.6):
            prefix = "兴街规" if normative else DOC_PREFIX[owner]
            self.docno[(prefix, t.year)] += 1
            meta["doc_number"] = f"{prefix}〔{t.year}〕{self.docno[(prefix, t.year)]}号"
        else:
            meta["doc_number"] = "无"
        return Copy("catalog", t, title, list(paras), meta)

    def _website(self, t: datetime, title: str, paras: list[str], column: str) -> Copy:
        rng = self.rng
        shown = title
        if rng.random() < 0.3:
            shown = shown.replace("，", ",").replace("：", ":")
        if rng.random() < 0.2 and shown.startswith("兴华街道") and len(shown) > 8:
            shown = "兴华街道 " + shown[4:]
        if rng.random() < 0.1:
            shown += "。"
        if rng.random() < 0.4:
            shown = f"【{'工作动态' if column == 'gzdt' else '通知公告'}】{shown}"
        body = list(paras)
        if rng.random() < 0.3 and len(body) > 3:  # the web editor dropped a paragraph or two
            for _ in range(rng.randint(1, max(1, len(body) // 3))):
                body.pop(rng.randrange(1, len(body) - 1))
        body.append(rng.choice(("来源：兴华街道办事处", "来源：兴华街道党政综合办公室", f"（责任编辑：{rng.choice(SURNAMES)}静）")))
        return Copy("website", t, shown, body, column=column)

    def _wechat(self, t: datetime, title: str, paras: list[str]) -> Copy:
        rng = self.rng
        r, shown = rng.random(), title
        if r < 0.15:
            shown = rng.choice(LEADS) + title
        elif r < 0.25:
            shown = title + rng.choice(TAILS)
        elif r < 0.30 and title.startswith("兴华街道"):
            shown = title.replace("兴华街道", "兴华街道：", 1)
        body = list(paras)
        if rng.random() < 0.5:
            body.insert(0, FOLLOW)
        if rng.random() < 0.4:
            body += FOOTER
        return Copy("wechat", t, shown, body)


# -- truth ------------------------------------------------------------------------------------
def shared_title_share(docs: list[Doc]) -> float:
    """The share of the office's items whose exact title another item also has."""
    own = [d for d in docs if not d.foreign]
    counts = Counter(d.title for d in own)
    return sum(counts[d.title] > 1 for d in own) / max(len(own), 1)


def year_counts(docs: list[Doc]) -> dict[str, dict]:
    """The year-end figures of the office's items: total, by channel of first publication
    (政务微博、微信 = WeChat or Weibo; 其他方式), normative documents, and by catalog leaf."""
    out: dict[str, dict] = {}
    for d in docs:
        if d.foreign:
            continue
        year = str(d.first.at.year)
        row = out.setdefault(year, {"total": 0, "social": 0, "other": 0, "normative": 0, "by_category": {}})
        row["total"] += 1
        row["social" if d.first.channel in ("wechat", "weibo") else "other"] += 1
        row["normative"] += d.normative
        row["by_category"][d.category] = row["by_category"].get(d.category, 0) + 1
    return out


# -- labelled posts (bench/merge.py) ---------------------------------------------------------
def posts(n_items: int, seed: int = REPORT_SEED) -> Iterator[tuple[str, Post]]:
    """(truth key, Post) in publication order; other agencies' rows have keys "foreign:…"."""
    out = []
    for d in Adversary(seed).docs(n_items):
        for i, c in enumerate(d.copies):
            url = f"https://{c.channel}.test/{d.key}/{i}"
            body = "\n".join(c.paras)
            key = f"foreign:{d.key}" if d.foreign else d.key
            out.append((c.at, url, key, Post(source=c.channel, channel=c.channel, url=url, title=c.title,
                                              published_at=c.at, body_html="", body_text=body, meta=dict(c.meta))))
    out.sort(key=lambda x: (x[0], x[1]))
    for _, _, key, post in out:
        yield key, post


# -- a web world (tests) ------------------------------------------------------------------------
def write_world(root: Path, n_items: int, seed: int = REPORT_SEED) -> dict:
    """Render the office as the demo office's hosts would serve it; write truth.json; return it."""
    from demo import render
    from demo.generate import PER_PAGE, WECHAT_FEED, WEIBO_FEED, Writer

    docs = Adversary(seed).docs(n_items)
    w = Writer(Path(root))
    columns: dict[str, list] = {"gzdt": [], "tzgg": []}
    catalog, wechat, weibo = [], [], []
    serial = 10000
    try:
        for d in docs:
            for c in d.copies:
                serial += 1
                html_paras = [escape(p) for p in c.paras]
                p = c.at
                if c.channel == "website":
                    path = f"{WEBSITE}/xwzx/{c.column}/{p:%Y%m}/t{p:%Y%m%d}_{serial}.html"
                    c.url = f"http://{path}"
                    w.write(path, render.website_article(
                        column=c.column, title=c.title, url=c.url, published=p, paras=html_paras, images=[],
                        attachments=[], date_style=serial % 3, charset_meta=render.UTF8_META, hostile=False).encode())
                    columns[c.column].append((p, serial, f"./{p:%Y%m}/t{p:%Y%m%d}_{serial}.html", c.title))
                elif c.channel == "catalog":
                    path = f"{CATALOG}/{CATALOG_ROOT}/{p:%Y%m}/t{p:%Y%m%d}_{serial}.html"
                    c.url = f"http://{path}"
                    w.write(path, render.catalog_detail(
                        title=c.title, ids=c.meta, topic="综合政务", published=p, paras=html_paras, attachments=[],
                        publisher=c.meta["publisher"]).encode())
                    catalog.append((p, serial, f"./{p:%Y%m}/t{p:%Y%m%d}_{serial}.html", c.title))
                elif c.channel == "wechat":
                    sid = f"adv{serial:08d}{d.key}"
                    c.url = f"https://{WECHAT}/s/{sid}"
                    ids = {"mid": str(2650000000 + serial), "idx": "1", "sn": f"{serial:032x}"}
                    w.write(f"{WECHAT}/s/{sid}", render.wechat_article(
                        title=c.title, ids=ids, published=p, paras=html_paras, images=[],
                        summary="".join(c.paras)[:60]).encode())
                    wechat.append((p, c.title, c.url, "".join(c.paras)[:60]))
                else:
                    c.url = f"https://weibo.com/7412589630/adv{serial}"
                    weibo.append((p, f"【{d.title}】{c.paras[0]}", c.url, f"【{escape(d.title)}】{html_paras[0]}<br><br>#兴华街道#"))
        for col, rows in columns.items():
            _lists(w, rows, lambda chunk, pg, pages, col=col: render.website_list(col, chunk, pg, pages, render.UTF8_META),
                   f"{WEBSITE}/xwzx/{col}", PER_PAGE)
        _lists(w, catalog, lambda chunk, pg, pages: render.catalog_list(chunk, pg, pages, pg * PER_PAGE + 1),
               f"{CATALOG}/{CATALOG_ROOT}", PER_PAGE)
        wechat.sort(key=lambda e: e[0], reverse=True)
        weibo.sort(key=lambda e: e[0], reverse=True)
        w.write(WECHAT_FEED, render.wechat_atom(wechat).encode())
        w.write(WEIBO_FEED, render.weibo_rss(weibo).encode())
        for host in (WEBSITE, CATALOG, WECHAT, BRIDGE):
            w.write(f"{host}/robots.txt", b"User-agent: *\nDisallow:\n")
    finally:
        w.close()
    truth = {
        "office": OFFICE, "aliases": list(ALIASES), "departments": list(DEPARTMENTS), "seed": seed,
        "shared_title_share": shared_title_share(docs), "years": year_counts(docs),
        "foreign_rows": sum(d.foreign for d in docs),
        "items": [{"key": d.key, "title": d.title, "owner": d.owner, "foreign": d.foreign, "normative": d.normative,
                   "first_channel": d.first.channel, "first_published": d.first.at.isoformat(),
                   "copies": [{"channel": c.channel, "url": c.url, "title": c.title, "meta": c.meta,
                              "published": c.at.isoformat()} for c in d.copies]}
                  for d in docs],
    }
    (Path(root) / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=0), encoding="utf-8")
    (Path(root) / "_headers.json").write_text("{}\n", encoding="utf-8")
    return truth


def _lists(w, rows: list, render_page, folder: str, per_page: int) -> None:
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    pages = max(1, -(-len(rows) // per_page))
    for pg in range(pages):
        chunk = [(h, t, f"{p:%Y-%m-%d}") for p, _, h, t in rows[pg * per_page:(pg + 1) * per_page]]
        name = "index.html" if pg == 0 else f"index_{pg}.html"
        w.write(f"{folder}/{name}", render_page(chunk, pg, pages).encode())


def office_config(demo_config_text: str) -> str:
    """The demo office's config, naming who the adversarial office is ([office] aliases, departments)."""
    names = ", ".join(f'"{n}"' for n in ALIASES)
    departments = ", ".join(f'"{n}"' for n in DEPARTMENTS)
    return demo_config_text.replace('[office]\n', f'[office]\naliases = [{names}]\ndepartments = [{departments}]\n', 1)
