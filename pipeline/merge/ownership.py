"""Whose information a row is: the office's own, a department it publishes for, or another agency's.

A district's 公开目录 is shared: the office's rows stand beside those of 区卫生健康局, 区财政局 …
A row whose 发布机构 (the `publisher` of its metadata table) names another agency is not an
item of this office: dedupe sets it aside (table `set_aside`, with the reason), it is neither
published nor counted, and it stays in the store. A row without a 发布机构 is the office's:
its own website and WeChat account carry none. A 来源 line or a WeChat account name is not a
发布机构 and is never read here.

The office names itself by `[office] name`, its short name (the name less 办事处 / 人民政府,
taken without asking) and `aliases`; `departments` are agencies it publishes for and owns:
their rows are items, shown under the department's name (item_fields.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

_SPACE = re.compile(r"\s+")
_OFFICE_SUFFIXES = ("办事处", "人民政府")
_BARE_REGION = ("省", "市", "区", "县", "州", "旗", "盟")  # "昌邑区" alone is the district, not the office
# What may stand right before the office's name in a longer one: a region (吉林市昌邑区兴华街道),
# 中共 (中共兴华街道工作委员会), a government (昌邑区人民政府兴华街道办事处), or a separator. Any other
# character makes it another place's name: 新兴华街道 is the neighbour, not 兴华街道.
_NAME_MAY_FOLLOW = frozenset("".join(_BARE_REGION) + "共府委")
MIN_NAME = 4  # a shorter fragment of a name ("街道") names nobody
# Raised whenever the rules below change what a name owns (2: whole names only, other systems' bodies):
# items of earlier runs are then asked again, once.
OWNERSHIP_RULES_VERSION = 2
# Bodies that carry the place's name but answer to another system (public security, tax, courts,
# the procuratorate, utilities, banks, schools, clinics, the market regulator's and the fire
# service's local stations): 兴华街道派出所 adds a body to 兴华街道 and is still not the office. A
# body of the office's own (a 综合行政执法队, a 社区) is never among them; one the office does
# publish for is claimed in [office] departments, which is asked first.
OTHER_SYSTEM = re.compile(r"派出所|公安|交警|交通警察|税务|人民法庭|法庭|法院|检察|供电|邮政|银行|信用社|"
                          r"市场监督管理所|市场监管所|卫生院|卫生服务中心|医院|学校|小学|中学|幼儿园|消防救援")


_SHORT_FORMS = (("居民委员会", "居委会"), ("村民委员会", "村委会"))  # both are written, in rows and in configs


def fold(name: str) -> str:
    """A name as compared: width folded, no spaces, 居民委员会 as 居委会."""
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", name)) if name else ""
    for long_form, short_form in _SHORT_FORMS:
        folded = folded.replace(long_form, short_form)
    return folded


class Office(Protocol):
    """What ownership reads of an office: config's Office, or anything with a name (aliases and
    departments are read when it has them)."""

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Ownership:
    office: str  # [office] name, as written
    own: tuple[str, ...]  # folded names of the office itself
    departments: tuple[str, ...]  # folded names of the agencies it owns

    @classmethod
    def of(cls, office: Office) -> Ownership:
        """From a config's Office (name, aliases, departments)."""
        names = [office.name, *getattr(office, "aliases", ())]
        for suffix in _OFFICE_SUFFIXES:
            if office.name.endswith(suffix) and len(office.name) - len(suffix) >= MIN_NAME - 1:
                names.append(office.name[: -len(suffix)])
        own = tuple(dict.fromkeys(fold(n) for n in names if fold(n)))
        return cls(office.name, own, tuple(dict.fromkeys(fold(n) for n in getattr(office, "departments", ()))))

    def fingerprint(self) -> str:
        """Pure: what decides whose rows are the office's — its names, departments and the rules'
        version: when it changes, the copies already in items are asked again (merge/stage.py)."""
        return f"{OWNERSHIP_RULES_VERSION}|{'、'.join(self.own)}|{'、'.join(self.departments)}"

    def department(self, publisher: str) -> bool:
        """The publisher is one of the office's departments."""
        p = fold(publisher)  # the department's whole name (a region or the office may precede it): not a part of it
        return bool(p) and any(d and (_named_in(d, p) or any(_named_in(n + d, p) for n in self.own))
                               for d in self.departments)

    def owns(self, publisher: str) -> bool:
        """The office publishes what this publisher publishes (no publisher: the office's own)."""
        p = fold(publisher)
        return not p or self.department(p) or (
            any(_names_same(p, n) for n in self.own) and not self.other_system(p))

    def other_system(self, publisher: str) -> str:
        """The kind of body of another system a publisher named after the office's place is
        (兴华街道派出所 → 派出所), or "" (the word is read after the office's name only)."""
        p = fold(publisher)
        for name in self.own:
            at = p.find(name)
            if at >= 0 and (found := OTHER_SYSTEM.search(p, at + len(name))):
                return found.group()
        return ""

    def set_aside_reason(self, meta: dict[str, Any]) -> str | None:
        """Why a row is not the office's (None: it is)."""
        publisher = meta.get("publisher") if meta else None
        if not publisher or self.owns(publisher):
            return None
        if kind := self.other_system(publisher):
            return (f"发布机构“{publisher.strip()}”是驻本地的其他机关（{kind}），不是本单位"
                    "（如确由本单位发布，请把它加入 [office] departments）")
        return f"发布机构“{publisher.strip()}”不是本单位（不在 [office] 的 name、aliases、departments 中）"

    def shown_publisher(self, metas: list[dict[str, Any]]) -> tuple[str, str]:
        """The 发布机构 an item shows, and why: the department named in a copy's metadata when the
        office publishes for it, else the office (never a WeChat account or a 来源 line)."""
        for meta in metas:
            publisher = meta.get("publisher", "").strip() if meta else ""
            if publisher and self.department(publisher):
                return publisher, f"副本的发布机构“{publisher}”是本单位的部门（[office] departments）"
        return self.office, "本单位（[office] name）"


def _names_same(publisher: str, name: str) -> bool:
    """One name names the other: equal, or the longer adds a region or a body to it
    (吉林市昌邑区兴华街道办事处 ⊃ 兴华街道), never as the tail of another name (新兴华街道办事处).
    A bare region is not the office."""
    if not name:
        return False
    if _named_in(name, publisher):
        return True
    return len(publisher) >= MIN_NAME and _named_in(publisher, name) and not publisher.endswith(_BARE_REGION)


def _named_in(name: str, text: str) -> bool:
    """`name` occurs in `text` as a whole name: at the start, or after a region, 中共, a
    government or a separator (never as the tail of another name: 新兴华街道, 卫生健康局综合行政执法队)."""
    at = text.find(name)
    while at >= 0:
        if at == 0 or text[at - 1] in _NAME_MAY_FOLLOW or not text[at - 1].isalnum():
            return True
        at = text.find(name, at + 1)
    return False


__all__ = ["Ownership", "fold"]
