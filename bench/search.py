"""`make bench` section: the static search index (pipeline/publish/search.py) at 10,000 and
100,000 items — recall, full and incremental indexing time, peak memory.

Documents are synthetic but varied: titles and bodies of words cut from township notices,
drawn by a seeded generator (the same every run). Queries are 2–8 character substrings of
random documents' titles and bodies; every query is answered by the very script the
search page runs (static/search-core.js under Node), and its answer is compared with a
scan of every document for the exact substring.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import CACHE, REPO, in_subprocess, peak_mb, stopwatch

SIZES = (10_000, 100_000)
QUERIES = {10_000: 60, 100_000: 30}
SOURCE_TEXT = (
    "为进一步做好辖区垃圾分类和人居环境整治工作街道办事处组织各社区开展专项检查对发现的问题逐一登记限期整改"
    "并将整改情况纳入年度考核按照区委区政府统一部署切实做好疫情防控和安全生产工作落实最低生活保障特困人员"
    "救助供养临时救助政策开展低保对象年度复核全面排查燃气消防隐患组织防汛演练加强应急值守保障群众生命财产"
    "安全召开党工委会议传达学习上级精神研究部署近期重点工作推进老旧小区改造和背街小巷治理提升城市管理水平"
    "公开财政预算决算三公经费情况接受社会监督依法办理政府信息公开申请畅通群众诉求渠道做好退役军人服务保障"
)
PUNCT = "，。、；："
T0 = datetime.fromisoformat("2015-01-05T09:00:00+08:00")
CORE = REPO / "pipeline/publish/static/search-core.js"
RUNNER = REPO / "bench/search_node.js"


def documents(n: int, start: int = 0):  # type: ignore[no-untyped-def]
    """Documents start..start+n-1, the same every run."""
    from pipeline.publish.search import Doc

    for k in range(start, start + n):
        rng = random.Random(k)
        words = [_word(rng) for _ in range(rng.randint(60, 240))]
        text = "".join(w + (rng.choice(PUNCT) if rng.random() < 0.15 else "") for w in words)
        title = "关于" + "".join(_word(rng) for _ in range(rng.randint(2, 5))) + "的通知"
        yield Doc(item_id=f"i{k:07d}", title=title, published_at=T0 + timedelta(minutes=47 * k),
                  category="工作动态", text=text)


def _word(rng: random.Random) -> str:
    at = rng.randrange(len(SOURCE_TEXT) - 4)
    return SOURCE_TEXT[at:at + rng.randint(1, 4)]


def _index(out: str, n: int) -> dict:
    from pipeline.models import SHANGHAI
    from pipeline.publish.search import SearchIndex

    with stopwatch() as t:
        index = SearchIndex(Path(out), tz=SHANGHAI)
        for doc in documents(n):
            index.add(doc)
        index.keep_only(f"i{k:07d}" for k in range(n))
        index.save()
    return {"seconds": t["seconds"], "peak": peak_mb()}


def _update(out: str, n: int) -> dict:
    """One new item and one changed item, as a night's build hands them over."""
    from pipeline.models import SHANGHAI
    from pipeline.publish.search import SearchIndex

    with stopwatch() as t:
        index = SearchIndex(Path(out), tz=SHANGHAI)
        for doc in documents(1, start=n):
            index.add(doc)
        changed = next(documents(1, start=n // 2))
        index.add(changed.__class__(**{**changed.__dict__, "text": changed.text + "新增一段补充说明"}))
        index.keep_only(f"i{k:07d}" for k in range(n + 1))
        index.save()
    return {"seconds": t["seconds"], "peak": peak_mb()}


def _queries(n: int, count: int) -> list[str]:
    from pipeline.publish.search import normalize

    rng = random.Random(n)
    out = []
    while len(out) < count:
        doc = next(documents(1, start=rng.randrange(n)))
        text = normalize(doc.title if rng.random() < 0.3 else doc.text)
        size = rng.randint(2, 8)
        at = rng.randrange(max(1, len(text) - size))
        q = text[at:at + size]
        if len(q) >= 2 and not any(c in q for c in PUNCT + " "):
            out.append(q)
    return out


def _recall(out: Path, n: int, queries: list[str]) -> tuple[float, int]:
    """(mean recall, wrong answers) of the search script against a scan of every document."""
    from pipeline.publish.search import normalize

    done = subprocess.run(["node", str(RUNNER), str(CORE), str(out / "site" / "search")],
                          input="".join(json.dumps(q) + "\n" for q in queries), capture_output=True, text=True,
                          check=True)
    found = {q: {r[0] for r in hits} for q, _err, hits in map(json.loads, done.stdout.splitlines())}
    truth: dict[str, set[str]] = {q: set() for q in queries}
    for doc in documents(n):
        hay = normalize(doc.title) + "\n" + normalize(doc.text)
        for q in queries:
            if q in hay:
                truth[q].add(doc.item_id)
    recalls = [len(found.get(q, set()) & truth[q]) / len(truth[q]) for q in queries]
    wrong = sum(len(found.get(q, set()) - truth[q]) for q in queries)
    return sum(recalls) / len(recalls), wrong


def run() -> Iterator[str]:
    for n in SIZES:
        out = CACHE / f"search-out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        (out / "site").mkdir(parents=True)
        full = in_subprocess(_index, str(out), n)
        again = in_subprocess(_update, str(out), n)
        queries = _queries(n, QUERIES[n])
        recall, wrong = _recall(out, n + 1, queries)
        files = {p.stat().st_ino: p.stat().st_size for p in (out / "site" / "search").rglob("*") if p.is_file()}
        size = sum(files.values())  # the version before shares the unchanged files (hard links): counted once
        yield (f"search: recall {recall:.3f} on {len(queries)} queries, index full {full['seconds']:.1f} s / "
               f"incremental {again['seconds']:.2f} s, peak {max(full['peak'], again['peak']):.0f} MB "
               f"({n} items; {wrong} wrong hits; index {size / 1e6:.0f} MB on disk)")
        shutil.rmtree(out, ignore_errors=True)
