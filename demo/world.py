"""Plan the demo world: which items exist, when and where each copy appeared.

``default_world`` is the 兴华街道 2020 world whose counts match the seed annual
report (156 items first published in 2020: 57 first on WeChat/Weibo, 99 first on
the website or the district catalog, 0 normative documents). ``scaled_world`` is
the same kind of world with N items over 2016–2025, for benchmarks.

Nothing here writes files; ``assign_addresses`` gives every copy its URL and
page ids once all items are planned (ids increase with publication time).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, cast

from demo.content import CATEGORIES, ZD_NAMES, make_title, website_title

TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # fixed offset: no tzdata needed
WEBSITE = "www.xinghua.gov.test"
CATALOG = "xxgk.cyq.gov.test"
CATALOG_ROOT = "qtdw/xhj/gkml"
WECHAT = "mp.weixin.qq.com"
BRIDGE = "rss.bridge.test"
WEIBO_UID = "7412589630"
WECHAT_BIZ = "MzA5NzkxMTI5MA=="
ORG_CODE = "11220202MB0X12345Y"
SOCIAL = ("wechat", "weibo")


@dataclass
class Copy:
    """One copy of an item on one channel (becomes one Post for the collectors)."""

    channel: str
    published: datetime
    title: str
    column: str = ""  # website column slug
    path: str = ""  # "<host>/<path>" of the page, "" for weibo
    url: str = ""
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Item:
    key: str
    category: str
    title: str
    copies: list[Copy]  # sorted by publication; copies[0] is the first
    normative: bool = False
    hostile: bool = False

    @property
    def first(self) -> Copy:
        return self.copies[0]


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


_NORM_RE = re.compile(r"^【[^】]*】|[\s,，:：()（）“”\"]")


def norm_title(title: str) -> str:
    """The title as a careless matcher would compare it (no prefix, punctuation, spaces)."""
    return _NORM_RE.sub("", title)


class Titles:
    """Hands out titles so that equal (normalised) titles are > ``gap`` days apart."""

    def __init__(self, gap_days: int | None, tries: int = 60) -> None:
        self.gap = gap_days  # None: titles never repeat
        self.tries = tries
        self.last: dict[str, datetime] = {}
        self.suffix = 0

    def claim(self, title: str, when: datetime) -> bool:
        key = norm_title(title)
        prev = self.last.get(key)
        if prev is not None and (self.gap is None or abs((when - prev).days) <= self.gap):
            return False
        self.last[key] = when
        return True

    def make(self, slug: str, rng: random.Random, when: datetime) -> str:
        for _ in range(self.tries):
            t = make_title(slug, rng, when)
            if self.claim(t, when):
                return t
        while True:  # a busy scaled world: number the batch, as offices do
            self.suffix += 1
            t = f"{make_title(slug, rng, when)}（第{self.suffix}期）"
            if self.claim(t, when):
                return t


# ---- times of copies ----------------------------------------------------

def _clock(rng: random.Random, day: date, lo: float, hi: float) -> datetime:
    minutes = rng.randint(int(lo * 60), int(hi * 60))
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=TZ)


def first_time(channel: str, day: date, rng: random.Random) -> datetime:
    if channel == "catalog":  # the catalog shows a date only
        return datetime(day.year, day.month, day.day, tzinfo=TZ)
    lo, hi = {"wechat": (7.5, 21.5), "weibo": (8, 22), "website": (8.5, 17.5)}[channel]
    return _clock(rng, day, lo, hi)


def later_time(channel: str, first: datetime, rng: random.Random, first_channel: str) -> datetime:
    """When a later copy appeared: always strictly after, always within 7 days."""
    if channel == "catalog":
        d = first.date() + timedelta(days=rng.randint(1, 7))
        return datetime(d.year, d.month, d.day, tzinfo=TZ)
    if channel == "weibo":
        return first + timedelta(minutes=rng.randint(10, 180))
    if channel == "wechat":
        return first + timedelta(minutes=rng.randint(60, 480))
    # website: 0–3 days after a social post, 1–5 days after a catalog entry
    lo = 1 if first_channel == "catalog" else 0
    d = first.date() + timedelta(days=rng.randint(lo, 3 if lo == 0 else 5))
    t = _clock(rng, d, 8.5, 17.5)
    if t <= first + timedelta(minutes=90):
        t = first + timedelta(minutes=rng.randint(120, 300))
    return t


def build_item(cat: str, title: str, channels: list[Any], day_or_time: date | datetime,
               rng: random.Random, **flags: bool) -> Item:
    """An item and its copies; a channel given as (channel, time) pins that copy's time."""
    first_ch = channels[0]
    if isinstance(day_or_time, datetime):
        t0 = day_or_time
    else:
        t0 = first_time(first_ch, day_or_time, rng)
    column = CATEGORIES[cat].column
    copies = [Copy(first_ch, t0, title, column=column if first_ch == "website" else "")]
    for ch in channels[1:]:
        if isinstance(ch, tuple):
            ch, t = ch
        else:
            t = later_time(ch, t0, rng, first_ch)
        ct = website_title(title, column, rng) if ch == "website" else title
        copies.append(Copy(ch, t, ct, column=column if ch == "website" else ""))
    copies.sort(key=lambda c: c.published)
    assert copies[0].channel == first_ch
    return Item("", cat, title, copies, **flags)


# ---- the default world (兴华街道 2020) -----------------------------------

# category → number of items first published in 2020
DEFAULT_2020 = {
    "jggk": 1, "ldxx": 1, "qtwj": 3, "zcjd": 2, "gzjh": 2, "czyjs": 2, "sgjf": 2, "rsrm": 1,
    "xxgknb": 1, "xxgkzd": 6, "zkzp": 3, "shbx": 3, "shjz": 6, "tzgg": 8, "ylfw": 5, "jy": 5,
    "aqsc": 14, "spyp": 3, "sthj": 4, "ggflfw": 5, "wsjk": 12, "ggwhfw": 5, "gzdt": 62,
}
TARGET_FIRST = {"wechat": 50, "weibo": 7, "website": 70, "catalog": 29}
# how many items with a given first channel also appear on other channels
TARGET_EXTRA = {
    ("wechat", "website"): 40, ("wechat", "catalog"): 6, ("wechat", "weibo"): 5,
    ("weibo", "wechat"): 4, ("weibo", "website"): 1,
    ("website", "catalog"): 14, ("catalog", "website"): 5,
}


def _pinned(rng: random.Random) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Hand-placed items: (category, title, channels, when, flags)."""
    in_year: list[tuple[Any, ...]] = [
        ("xxgknb", "兴华街道2019年政府信息公开工作年度报告", ["catalog"], date(2020, 1, 16), {}),
        ("gzdt", "兴华街道：新年第一天，干部职工坚守岗位服务群众", ["wechat", "website"], at(2020, 1, 1, 8, 20), {}),
        ("gzdt", "兴华街道召开2020年度述职评议会", ["website", ("catalog", at(2021, 1, 5))], at(2020, 12, 31, 16, 0), {}),
        # same title, months apart: two items each
        ("gzdt", "兴华街道开展垃圾分类宣传活动", ["wechat", "website"], date(2020, 3, 18), {}),
        ("gzdt", "兴华街道开展垃圾分类宣传活动", ["wechat", "website"], date(2020, 9, 16), {}),
        ("aqsc", "兴华街道开展消防安全大检查", ["website", "catalog"], date(2020, 1, 9), {}),
        ("aqsc", "兴华街道开展消防安全大检查", ["website"], date(2020, 11, 10), {}),
        ("gzdt", "兴华街道开展文明城市创建志愿服务活动", ["weibo", "wechat"], date(2020, 4, 22), {}),
        ("gzdt", "兴华街道开展文明城市创建志愿服务活动", ["website"], date(2020, 8, 19), {}),
        # real CMSs leak script into article bodies
        ("gzdt", "兴华街道召开2020年社区工作者业务培训会", ["website"], date(2020, 5, 14), {"hostile": True}),
    ]
    for i, name in enumerate(ZD_NAMES):
        in_year.append(("xxgkzd", f"兴华街道{name}", ["catalog"], date(2020, 3, 2 + 3 * i), {}))
    # the monthly safety meeting: one pattern, a different item each month;
    # March's was held late and April's early, so they are 4 days apart.
    meet_days = {3: 30, 4: 3}
    for m in range(3, 13):
        d = date(2020, m, meet_days.get(m, rng.randint(5, 12)))
        chans = ["wechat", "website"] if m in (3, 4) else ["website"]
        in_year.append(("aqsc", f"兴华街道召开2020年{m}月份安全生产例会", chans, d, {}))
    outside: list[tuple[Any, ...]] = [
        ("gzdt", "兴华街道松江社区开展迎新年志愿服务活动", ["wechat", ("website", at(2020, 1, 2, 9, 40))],
         at(2019, 12, 30, 18, 20), {}),
        ("qtwj", "兴华街道办事处关于2020年元旦春节期间值班安排的通知", ["catalog", ("website", at(2020, 1, 2, 10, 0))], date(2019, 12, 27), {}),
        ("aqsc", "兴华街道召开2019年12月份安全生产例会", ["website"], date(2019, 12, 10), {}),
        ("gzdt", "兴华街道中兴社区开展“冬季送温暖”志愿服务活动", ["weibo"], date(2019, 12, 18), {}),
        ("gzdt", "兴华街道召开2019年党风廉政建设工作会议", ["website"], date(2019, 12, 24), {}),
        # 2020-12-31 23:30 UTC, but 2021 in Shanghai
        ("gzdt", "兴华街道：新年新气象，奋进2021", ["wechat"], at(2021, 1, 1, 7, 30), {}),
        ("xxgknb", "兴华街道2020年政府信息公开工作年度报告", ["catalog"], date(2021, 1, 12), {}),
        ("aqsc", "兴华街道召开2021年1月份安全生产例会", ["website"], date(2021, 1, 8), {}),
        ("gzdt", "兴华街道召开2021年重点工作推进会", ["wechat", "website"], date(2021, 1, 20), {}),
    ]
    return in_year, outside


def default_world(seed: int = 2020) -> list[Item]:
    rng = random.Random(seed)
    titles = Titles(gap_days=None)
    in_year, outside = _pinned(rng)
    for spec in in_year + outside:
        titles.last.setdefault(norm_title(spec[1]), datetime(2000, 1, 1, tzinfo=TZ))

    remaining = dict(DEFAULT_2020)
    for cat, *_ in in_year:
        remaining[cat] -= 1
    # unpinned 2020 items: category and day
    days = [date(2020, 1, 1) + timedelta(days=i) for i in range(366)]
    free: list[tuple[str, date]] = []
    for cat, n in remaining.items():
        assert n >= 0, cat
        free += [(cat, rng.choice(days)) for _ in range(n)]
    free.sort(key=lambda x: (x[1], x[0]))

    # first channel for each free item, hitting TARGET_FIRST exactly
    need = dict(TARGET_FIRST)
    for _, _, pc, _, _ in in_year:
        need[pc[0]] -= 1
    first: list[str | None] = [None] * len(free)
    docs = [i for i, (c, _) in enumerate(free) if CATEGORIES[c].kind == "doc"]
    notices = [i for i, (c, _) in enumerate(free) if CATEGORIES[c].kind == "notice" or c == "shjz"]
    for i in docs:
        first[i] = "catalog"
    rng.shuffle(notices)
    by_cat: dict[str, int] = {}
    to_catalog = need["catalog"] - len(docs)
    for i in notices:  # up to two of each notice-like category go to the catalog first
        c = free[i][0]
        if to_catalog > 0 and by_cat.get(c, 0) < 2:
            by_cat[c] = by_cat.get(c, 0) + 1
            first[i] = "catalog"
            to_catalog -= 1
    for i in notices:
        if first[i] is None and free[i][0] == "tzgg":
            first[i] = "website"
    rest = [i for i in range(len(free)) if first[i] is None]
    rng.shuffle(rest)
    n_social = need["wechat"] + need["weibo"]
    for j, i in enumerate(rest):
        first[i] = "weibo" if j < need["weibo"] else "wechat" if j < n_social else "website"
    got = {ch: sum(1 for f in first if f == ch) for ch in TARGET_FIRST}
    assert got == need, (got, need)

    # extra channels, hitting TARGET_EXTRA exactly
    chans: list[list[str]] = [[cast(str, f)] for f in first]  # every one is set by now
    extra_need = dict(TARGET_EXTRA)
    for _, _, pc, _, _ in in_year:
        for ch in pc[1:]:
            extra_need[(pc[0], ch[0] if isinstance(ch, tuple) else ch)] -= 1
    for f0 in TARGET_FIRST:
        idx = [i for i in range(len(free)) if first[i] == f0]
        rng.shuffle(idx)
        if f0 == "wechat":
            with_site = idx[: extra_need[("wechat", "website")]]
            for i in with_site:
                chans[i].append("website")
            for i in with_site[: extra_need[("wechat", "catalog")]]:
                chans[i].append("catalog")
            for i in with_site[len(with_site) - extra_need[("wechat", "weibo")]:]:
                chans[i].append("weibo")
        elif f0 == "weibo":
            with_wx = idx[: extra_need[("weibo", "wechat")]]
            for i in with_wx:
                chans[i].append("wechat")
            for i in with_wx[: extra_need[("weibo", "website")]]:
                chans[i].append("website")
        else:
            other = "catalog" if f0 == "website" else "website"
            for i in idx[: extra_need[(f0, other)]]:
                chans[i].append(other)

    items: list[Item] = []
    for (cat, day), ch in zip(free, chans):
        t0 = first_time(ch[0], day, rng)
        items.append(build_item(cat, titles.make(cat, rng, t0), ch, t0, rng))
    for cat, title, ch, when, flags in in_year + outside:
        items.append(build_item(cat, title, ch, when, rng, **flags))
    return finish(items)


# ---- a scaled world -----------------------------------------------------

SCALED_START = at(2016, 1, 1)
SCALED_END = at(2026, 1, 1)


def scaled_world(n: int, seed: int = 2020) -> list[Item]:
    """``n`` items spread evenly over 2016–2025 with the default world's proportions."""
    rng = random.Random(seed)
    titles = Titles(gap_days=45, tries=6)
    slugs = list(CATEGORIES)
    weights = [CATEGORIES[s].weight for s in slugs]
    cum = [sum(weights[: i + 1]) for i in range(len(weights))]
    span = (SCALED_END - SCALED_START).total_seconds()
    step = span / max(n, 1)
    items: list[Item] = []
    for k in range(n):
        when = SCALED_START + timedelta(seconds=(k + rng.random()) * step)
        cat = rng.choices(slugs, cum_weights=cum)[0]
        kind = CATEGORIES[cat].kind
        r = rng.random()
        if kind == "doc":
            f0 = "catalog"
        elif kind == "notice":
            f0 = "catalog" if r < 0.3 else "website"
        else:
            f0 = ("weibo" if r < 0.06 else "wechat") if r < 0.49 else "website"
        chans = [f0]
        r2 = rng.random()
        if f0 == "wechat" and r2 < 0.70:
            chans.append("website")
            if rng.random() < 0.12:
                chans.append("catalog")
        elif f0 == "weibo" and r2 < 0.55:
            chans.append("wechat")
            if rng.random() < 0.25:
                chans.append("website")
        elif f0 == "website" and r2 < 0.25:
            chans.append("catalog")
        elif f0 == "catalog" and r2 < 0.17:
            chans.append("website")
        t0 = first_time(f0, when.astimezone(TZ).date(), rng)
        normative = cat == "qtwj" and rng.random() < 0.1
        if normative:
            title = f"兴华街道办事处关于印发《兴华街道{rng.choice(('社区网格员', '便民服务大厅', '居民议事会', '志愿服务'))}管理办法》的通知"
            if not titles.claim(title, t0):
                titles.suffix += 1
                title = title.replace("的通知", f"（第{titles.suffix}次修订）的通知")
                titles.claim(title, t0)
        else:
            title = titles.make(cat, rng, t0)
        hostile = f0 == "website" and k % 1999 == 1000
        items.append(build_item(cat, title, chans, t0, rng, normative=normative, hostile=hostile))
    return finish(items)


def finish(items: list[Item]) -> list[Item]:
    items.sort(key=lambda it: (it.first.published, it.title))
    width = max(4, len(str(len(items))))
    for i, it in enumerate(items, 1):
        it.key = f"xh-{i:0{width}d}"
    return items


# ---- addresses ----------------------------------------------------------

_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def assign_addresses(items: list[Item], seed: int) -> None:
    """Give every copy its URL and ids; ids and 索引号 serials grow with publication time."""
    rng = random.Random(seed * 7919 + 1)
    by_ch: dict[str, list[tuple[Copy, Item]]] = {"website": [], "catalog": [], "wechat": [], "weibo": []}
    for it in items:
        for c in it.copies:
            by_ch[c.channel].append((c, it))
    for lst in by_ch.values():
        lst.sort(key=lambda ci: (ci[0].published, ci[1].key))

    art_id = 10000
    for c, _ in by_ch["website"]:
        art_id += rng.randint(1, 37)
        p = c.published
        c.ids["id"] = str(art_id)
        c.path = f"{WEBSITE}/xwzx/{c.column}/{p:%Y%m}/t{p:%Y%m%d}_{art_id}.html"
        c.url = f"http://{c.path}"

    doc_id = 300
    serial: dict[int, int] = {}
    docno: dict[int, int] = {}
    for c, it in by_ch["catalog"]:
        doc_id += rng.randint(1, 9)
        p = c.published
        serial[p.year] = serial.get(p.year, 0) + 1
        c.ids["id"] = str(doc_id)
        c.ids["index_number"] = f"{ORG_CODE}/{p.year}-{serial[p.year]:05d}"
        if it.normative:
            docno[-p.year] = docno.get(-p.year, 0) + 1
            c.ids["doc_number"] = f"兴街规〔{p.year}〕{docno[-p.year]}号"
        elif it.category in ("qtwj", "rsrm") or (it.category == "gzjh" and rng.random() < 0.5):
            docno[p.year] = docno.get(p.year, 0) + 1
            c.ids["doc_number"] = f"兴街发〔{p.year}〕{docno[p.year]}号"
        else:
            c.ids["doc_number"] = "无"
        c.ids["formed_on"] = (p.date() - timedelta(days=rng.randint(1, 10))).isoformat()
        c.path = f"{CATALOG}/{CATALOG_ROOT}/{p:%Y%m}/t{p:%Y%m%d}_{doc_id}.html"
        c.url = f"http://{c.path}"

    mid = 2650000000
    last_day = None
    idx = 0
    for c, _ in by_ch["wechat"]:
        day = c.published.date()
        if day != last_day:
            mid += rng.randint(1, 40)
            last_day, idx = day, 0
        idx += 1
        sid = "".join(rng.choice(_ID_CHARS) for _ in range(22))
        c.ids.update(sid=sid, mid=str(mid), idx=str(min(idx, 8)), sn="%032x" % rng.getrandbits(128))
        c.path = f"{WECHAT}/s/{sid}"
        c.url = f"https://{WECHAT}/s/{sid}"

    for c, _ in by_ch["weibo"]:
        wmid = "".join(rng.choice(_B62) for _ in range(9))
        c.ids["mid"] = wmid
        c.url = f"https://weibo.com/{WEIBO_UID}/{wmid}"
