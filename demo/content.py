"""Words of the demo office: categories, title templates, body paragraphs.

Everything is drawn from fixed vocabulary lists with a caller-supplied
``random.Random``, so the same seed gives the same text. All characters are
GBK-encodable (a quarter of the website pages are served in GBK).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

OFFICE = "兴华街道办事处"
ACCOUNT = "兴华街道"
SOURCE_LINE = "来源：兴华街道办事处"


@dataclass(frozen=True)
class Category:
    """A leaf of the default catalog, as the demo world files items under it."""

    slug: str
    name: str
    topic: str  # 主题分类 on the catalog detail page (gov.cn vocabulary)
    column: str  # website column a website copy goes to: gzdt | tzgg
    kind: str  # news | notice | doc  (drives the channel an item is first shown on)
    weight: int  # relative frequency in a scaled world


CATEGORIES: dict[str, Category] = {
    c.slug: c
    for c in (
        Category("jggk", "机构概况", "综合政务\\其他", "tzgg", "doc", 1),
        Category("ldxx", "领导信息", "劳动、人事、监察\\人事工作", "tzgg", "doc", 1),
        Category("qtwj", "其他文件", "综合政务\\其他", "tzgg", "doc", 3),
        Category("zcjd", "政策解读", "综合政务\\政务公开", "tzgg", "doc", 2),
        Category("gzjh", "计划总结", "综合政务\\其他", "tzgg", "doc", 2),
        Category("czyjs", "财政预决算", "财政、金融、审计\\财政", "tzgg", "doc", 1),
        Category("sgjf", "“三公”经费", "财政、金融、审计\\财政", "tzgg", "doc", 1),
        Category("rsrm", "人事任免", "劳动、人事、监察\\人事工作", "tzgg", "doc", 1),
        Category("zkzp", "招考招聘", "劳动、人事、监察\\人事工作", "tzgg", "notice", 3),
        Category("gzdt", "工作动态", "综合政务\\其他", "gzdt", "news", 40),
        Category("tzgg", "通知公告", "综合政务\\政务公开", "tzgg", "notice", 6),
        Category("shjz", "社会救助", "民政、扶贫、救灾\\社会福利", "gzdt", "news", 4),
        Category("ylfw", "养老服务", "民政、扶贫、救灾\\社会福利", "gzdt", "news", 3),
        Category("jy", "就业", "劳动、人事、监察\\劳动就业", "gzdt", "news", 3),
        Category("shbx", "社会保险", "劳动、人事、监察\\社会保险", "tzgg", "notice", 2),
        Category("aqsc", "安全生产", "市场监管、安全生产监管\\安全生产监管", "gzdt", "news", 8),
        Category("spyp", "食品药品监管", "市场监管、安全生产监管\\食品药品监管", "gzdt", "news", 2),
        Category("sthj", "生态环境", "城乡建设、环境保护\\环境监测、保护与治理", "gzdt", "news", 3),
        Category("ggflfw", "公共法律服务", "公安、安全、司法\\司法", "gzdt", "news", 3),
        Category("wsjk", "卫生健康", "卫生、体育\\卫生", "gzdt", "news", 8),
        Category("ggwhfw", "公共文化服务", "文化、广电、新闻出版\\文化", "gzdt", "news", 3),
        Category("xxgknb", "政府信息公开年报", "综合政务\\政务公开", "tzgg", "doc", 1),
        Category("xxgkzd", "政府信息公开制度", "综合政务\\政务公开", "tzgg", "doc", 1),
    )
}

COLUMNS = {"gzdt": "工作动态", "tzgg": "通知公告"}

COMMUNITIES = (
    "松江社区", "中兴社区", "兴华社区", "东局子社区", "文庙社区", "通江社区",
    "延安社区", "天津街社区", "北京路社区", "新华社区", "站前社区", "东山社区",
)
UNITS = (
    "兴华街道", "兴华街道党工委", "兴华街道机关党支部", "兴华街道综合执法队",
    "兴华街道新时代文明实践所", "兴华街道网格化服务中心",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("明", "伟", "静", "丽", "强", "军", "洋", "勇", "艳", "杰", "涛", "超", "霞", "平", "刚", "桂英")
NUMERALS = "一二三四五六七八九十"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
FESTIVALS = ("春节", "元宵", "清明", "端午", "七夕", "中秋")
PROMO_THEMES = (
    "垃圾分类", "文明城市创建", "国家安全教育日", "禁毒", "全民国防教育", "节约用水",
    "移风易俗", "民族团结进步", "诚信建设", "反电信网络诈骗", "扫黑除恶专项斗争", "网格化管理",
    "学雷锋", "国家网络安全宣传周", "科普", "爱国主义教育",
)
PROMO_FORMS = ("宣传", "主题", "志愿服务", "入户走访", "集中", "专题", "进小区", "“小手拉大手”")
MEETINGS = (
    "党工委理论学习中心组学习会", "党风廉政建设工作会议", "基层党建工作推进会",
    "社区工作者业务培训会", "作风建设大会", "文明城市创建工作推进会", "信访维稳工作调度会",
    "重点工作推进会", "老旧小区改造工作推进会", "网格化管理工作部署会",
)
STUDY_TOPICS = (
    "社区治理", "老旧小区改造", "文明城市创建", "网格化管理", "信访维稳", "物业管理",
    "党建引领基层治理", "背街小巷整治", "便民服务",
)
LEADERS = ("兴华街道党工委书记", "兴华街道办事处主任", "兴华街道党工委副书记")
PARTY_DAYS = ("重温入党誓词", "不忘初心、牢记使命", "学习身边榜样", "走进红色教育基地", "党员进社区、服务零距离")
PLANS = ("政务公开", "营商环境优化", "网格化管理", "信访维稳", "老旧小区改造", "社区工作者队伍建设")


def _c(rng: random.Random) -> str:
    return rng.choice(COMMUNITIES)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _title_gzdt(rng: random.Random, when: datetime) -> str:
    y = when.year
    forms = [
        lambda: f"兴华街道{_c(rng)}开展{rng.choice(PROMO_THEMES)}{rng.choice(PROMO_FORMS)}活动",
        lambda: f"{rng.choice(UNITS)}召开{y}年{rng.choice(MEETINGS)}",
        lambda: f"兴华街道{_c(rng)}党支部开展“{rng.choice(PARTY_DAYS)}”主题党日活动",
        lambda: f"{rng.choice(LEADERS)}深入{_c(rng)}调研{rng.choice(STUDY_TOPICS)}工作",
        lambda: f"兴华街道{_c(rng)}开展“我们的节日·{rng.choice(FESTIVALS)}”主题活动",
        lambda: f"兴华街道：多措并举推进{rng.choice(STUDY_TOPICS)}工作",
        lambda: f"{rng.choice(UNITS)}组织开展防汛应急演练",
        lambda: f"兴华街道{_c(rng)}召开居民议事会，共商{rng.choice(STUDY_TOPICS)}",
        lambda: f"兴华街道（{_c(rng)}）开展{rng.choice(PROMO_THEMES)}志愿服务",
    ]
    if y == 2020:
        forms += [
            lambda: f"兴华街道{_c(rng)}全力推进第七次全国人口普查工作",
            lambda: "兴华街道：多措并举助力辖区企业复工复产",
            lambda: "兴华街道召开第七次全国人口普查工作部署会",
        ]
    if y >= 2021:
        forms.append(lambda: f"{rng.choice(UNITS)}开展党史学习教育专题学习")
    return rng.choice(forms)()


def _title_for(slug: str, rng: random.Random, when: datetime) -> str:
    y, m, c = when.year, when.month, _c(rng)
    q = QUARTERS[(m - 1) // 3]
    if slug == "gzdt":
        return _title_gzdt(rng, when)
    table: dict[str, Callable[[], list[str]]] = {
        "jggk": lambda: ["兴华街道办事处机构职能", "兴华街道办事处内设机构及工作职责", "兴华街道办事处机构概况"],
        "ldxx": lambda: ["兴华街道办事处领导班子成员及工作分工", "兴华街道领导信息"],
        "qtwj": lambda: [
            f"兴华街道办事处关于成立{y}年{rng.choice(PLANS)}工作领导小组的通知",
            f"兴华街道办事处关于印发《{y}年{rng.choice(PLANS)}工作方案》的通知",
            f"兴华街道办事处关于调整{rng.choice(PLANS)}工作领导小组成员的通知",
        ],
        "zcjd": lambda: [
            f"《兴华街道{y}年{rng.choice(PLANS)}工作方案》政策解读",
            f"图解：兴华街道{y}年{rng.choice(PLANS)}工作方案解读",
        ],
        "gzjh": lambda: [f"兴华街道{y}年工作计划", f"兴华街道{y}年上半年工作总结", f"兴华街道{y - 1}年工作总结及{y}年工作计划"],
        "czyjs": lambda: [f"兴华街道办事处{y}年部门预算", f"兴华街道办事处{y - 1}年部门决算"],
        "sgjf": lambda: [f"兴华街道办事处{y}年“三公”经费预算情况说明", f"兴华街道办事处{y - 1}年“三公”经费决算情况说明"],
        "rsrm": lambda: [f"兴华街道关于{_name(rng)}等同志职务任免的通知", f"兴华街道办事处关于{_name(rng)}同志任职的通知"],
        "zkzp": lambda: [
            f"兴华街道{y}年公开招聘社区工作者公告",
            f"兴华街道{y}年公益性岗位招聘公告",
            f"兴华街道{y}年公开招聘社区工作者拟聘用人员公示",
            f"兴华街道{y}年公开招聘社区工作者笔试成绩公告",
        ],
        "tzgg": lambda: [
            f"兴华街道关于{c}部分区域临时停水的通知",
            "兴华街道关于调整便民服务大厅服务时间的公告",
            f"兴华街道关于{y}年{rng.choice(FESTIVALS)}假期值班安排的通知",
            f"兴华街道关于{c}道路施工期间车辆绕行的公告",
            f"兴华街道关于开展{y}年度居民信息核对工作的通知",
        ],
        "shjz": lambda: [
            f"兴华街道{y}年{m}月城乡低保审批结果公示",
            "兴华街道开展困难群众走访慰问活动",
            f"兴华街道{c}开展临时救助政策宣传",
            "兴华街道开展低保对象动态核查工作",
            f"兴华街道{y}年{q}特困人员救助供养情况公示",
        ],
        "ylfw": lambda: [
            f"兴华街道{c}为高龄老人送去节日慰问",
            f"兴华街道开展{y}年高龄补贴资格认证工作",
            "兴华街道居家养老服务中心开展助老服务",
            "兴华街道开展养老机构服务质量检查",
            f"兴华街道{c}举办老年人智能手机使用培训",
        ],
        "jy": lambda: [
            "兴华街道开展“春风行动”就业服务活动",
            "兴华街道举办就业援助月专场活动",
            "兴华街道为高校毕业生提供就业指导",
            f"兴华街道{c}开展就业创业政策宣传",
            "兴华街道开展就业技能培训",
        ],
        "shbx": lambda: [
            f"兴华街道关于开展{y + 1}年度城乡居民医疗保险参保缴费工作的通知",
            f"兴华街道{c}开展社会保险政策宣传",
            "兴华街道开展医保政策进社区活动",
            f"关于做好{y}年社会保险待遇领取资格认证的通知",
        ],
        "aqsc": lambda: [
            f"兴华街道开展{rng.choice(('节前', '汛期', '冬季', '夏季'))}安全生产大检查",
            f"兴华街道{c}开展消防安全培训",
            "兴华街道开展燃气安全隐患排查整治",
            "兴华街道开展“安全生产月”宣传活动",
            f"兴华街道召开{y}年{q}安全生产工作会议",
            f"兴华街道{c}开展消防应急疏散演练",
        ],
        "spyp": lambda: [
            "兴华街道开展食品安全专项检查",
            "守护“舌尖上的安全”，兴华街道开展食品安全宣传周活动",
            f"兴华街道{c}开展药品安全宣传进社区活动",
            "兴华街道开展校园周边食品安全整治",
        ],
        "sthj": lambda: [
            "兴华街道开展大气污染防治专项检查",
            f"兴华街道{c}开展生态环境保护宣传活动",
            f"兴华街道{c}开展人居环境整治行动",
            "兴华街道开展“六五环境日”宣传活动",
            "兴华街道开展餐饮油烟污染专项治理",
        ],
        "ggflfw": lambda: [
            f"兴华街道{c}开展“八五”普法宣传活动" if y >= 2021 else f"兴华街道{c}开展“七五”普法宣传活动",
            "兴华街道开展“12·4”国家宪法日普法宣传",
            f"兴华街道{c}法律援助工作站开展法律咨询活动",
            f"兴华街道{c}开展“民法典进社区”普法宣传" if y >= 2020 else "兴华街道开展法律援助进社区活动",
        ],
        "wsjk": lambda: [
            f"兴华街道{c}开展健康义诊进社区活动",
            "兴华街道开展爱国卫生运动",
            f"兴华街道{c}开展健康素养知识宣传",
        ] + ([
            f"兴华街道{c}开展疫情防控入户排查",
            "兴华街道：筑牢疫情防控防线，守护居民健康",
            f"兴华街道{c}严格落实疫情防控各项措施",
        ] if 2020 <= y <= 2022 else []),
        "ggwhfw": lambda: [
            f"兴华街道{c}举办迎新春文艺汇演",
            "兴华街道开展“全民阅读”文化惠民活动",
            "兴华街道综合文化站开展送文化进社区活动",
            f"兴华街道{c}举办社区文化节",
        ],
        "xxgknb": lambda: [f"兴华街道{y - 1}年政府信息公开工作年度报告"],
        "xxgkzd": lambda: [f"兴华街道{name}" for name in ZD_NAMES],
    }
    return rng.choice(table[slug]())


ZD_NAMES = (
    "办事处政府信息主动公开制度", "政府信息公开保密审查制度", "办事处政府信息依申请公开制度",
    "政府信息公开工作年度报告制度", "办事处政府信息发布协调制度", "政府信息公开举报受理制度",
)


def make_title(slug: str, rng: random.Random, when: datetime) -> str:
    """A title for an item of category ``slug`` first published at ``when``."""
    return _title_for(slug, rng, when)


# ---- bodies -------------------------------------------------------------

OPENINGS = (
    "{md}，{unit}组织开展{topic}相关工作，街道班子成员、各科室负责人及{c}工作人员参加。",
    "为深入贯彻落实上级工作部署，{md}，{unit}组织召开专题会议，对{topic}工作进行安排部署。",
    "{md}上午，{unit}在{c}组织开展{topic}工作，{n}余名干部群众参与其中。",
)
PARAS: dict[str, tuple[str, ...]] = {
    "news": (
        "会上，与会人员认真学习了上级有关文件精神，通报了前一阶段工作进展情况，并对下一步重点任务进行了细化分解。",
        "活动中，工作人员通过发放宣传单、悬挂横幅、现场讲解等方式向居民群众普及相关知识，共发放宣传资料{n}余份。",
        "街道党工委书记强调，要进一步提高政治站位，压实工作责任，以更加务实的作风推动各项工作落地见效。",
        "{c}党支部充分发挥战斗堡垒作用，组织党员志愿者{n}人深入小区楼栋，做到不漏一户、不落一人。",
        "此次活动得到了辖区居民的广泛好评，大家纷纷表示，社区的服务越来越贴心、越来越到位。",
        "街道各科室、各社区要加强协调配合，形成工作合力，确保各项任务按时间节点完成。",
        "据了解，今年以来兴华街道已累计开展此类活动{n}场次，服务居民群众{m}余人次。",
    ),
    "notice": (
        "各社区、各有关单位：根据上级有关工作安排，结合我街道实际，现将有关事项通知如下。",
        "一、时间安排。自发布之日起至{md2}止，请各相关人员按时办理，逾期不再受理。",
        "二、办理地点。兴华街道便民服务大厅（吉林市昌邑区中兴街松江花园A号楼一楼）。",
        "三、所需材料。本人有效身份证件、户口簿及相关证明材料原件和复印件各一份。",
        "四、有关要求。各社区要高度重视，做好政策宣传和解释工作，确保群众知晓率。",
        "联系电话：0432-62773959，联系人：街道党政综合科。",
        "特此通知。",
    ),
    "doc": (
        "为认真贯彻落实《中华人民共和国政府信息公开条例》，进一步规范街道各项工作，结合工作实际，制定本文件。",
        "一、指导思想。坚持以人民为中心的发展思想，围绕街道中心工作，推动各项任务落实落细。",
        "二、主要目标。到年底，相关工作机制进一步健全，工作质量和服务水平明显提升。",
        "三、工作措施。（一）加强组织领导；（二）明确职责分工；（三）强化督促检查；（四）注重宣传引导。",
        "四、保障措施。街道党政综合科负责统筹协调，各科室、各社区按照职责分工抓好落实。",
        "本文件自发布之日起施行，由兴华街道党政综合科负责解释。",
    ),
}
CLOSINGS = (
    "下一步，兴华街道将持续巩固工作成果，建立长效机制，不断提升居民群众的获得感、幸福感和安全感。",
    "兴华街道将以此为契机，进一步转变工作作风，切实把好事办实、把实事办好。",
    "下一步，街道将加强督导检查，确保各项措施落到实处、取得实效。",
)
TOPIC_WORDS = {
    "gzdt": "基层治理", "aqsc": "安全生产", "wsjk": "卫生健康", "shjz": "社会救助", "ylfw": "养老服务",
    "jy": "就业服务", "shbx": "社会保险", "spyp": "食品安全", "sthj": "生态环境保护", "ggflfw": "普法宣传",
    "ggwhfw": "公共文化服务", "tzgg": "便民服务", "zkzp": "人员招聘", "rsrm": "干部管理",
}


def make_body(slug: str, title: str, rng: random.Random, when: datetime) -> list[str]:
    """3–8 plain-text paragraphs for an item (no HTML)."""
    kind = CATEGORIES[slug].kind
    fill = {
        "md": f"{when.month}月{when.day}日",
        "md2": f"{when.year}年{(when.month % 12) + 1}月{min(when.day + 3, 28)}日",
        "unit": "兴华街道",
        "title": title,
        "c": rng.choice(COMMUNITIES),
        "topic": TOPIC_WORDS.get(slug, "政务公开"),
    }
    count = rng.randint(3, 8)
    if kind == "news":
        paras = [rng.choice(OPENINGS)]
        paras += rng.sample(PARAS["news"], min(count - 2, len(PARAS["news"])))
        paras.append(rng.choice(CLOSINGS))
    else:
        pool = PARAS[kind]
        paras = [f"{title}。"] + list(pool[: max(2, min(count - 1, len(pool)))])
    out = []
    for p in paras:
        out.append(p.format(n=rng.randint(2, 30) * 10, m=rng.randint(3, 50) * 100, **fill))
    return out


# ---- copies of one title on another channel ----------------------------

_TO_ASCII = str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")"})
_TO_FULL = str.maketrans({",": "，", ":": "：", "(": "（", ")": "）"})


def website_title(title: str, column: str, rng: random.Random) -> str:
    """How the website editor retyped a WeChat title: column prefix, punctuation, spaces."""
    t = title
    r = rng.random()
    if r < 0.45:
        t = t.translate(_TO_ASCII) if any(ch in t for ch in "，：（）") else t.translate(_TO_FULL)
    if rng.random() < 0.3 and t.startswith("兴华街道") and len(t) > 6:
        t = "兴华街道 " + t[4:]
    if rng.random() < 0.2:
        t = t.replace("，", "， ").replace(",", ", ")
    if rng.random() < 0.45:
        t = f"【{COLUMNS[column]}】{t}"
    return t
