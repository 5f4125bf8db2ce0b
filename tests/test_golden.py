"""Golden output: the whole output tree of a small fixed office, built by the real `xxgk build`,
compared file by file with tests/golden/site-build/ (see tests/golden/README.md).

Regenerate after an intended output change, then review the diff:

    XXGK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from pipeline import publish
from pipeline.models import Attachment
from pipeline.store import Store

from .builders import cli, config_without_sources, published_item

GOLDEN = Path(__file__).parent / "golden" / "site-build"
UPDATE = os.environ.get("XXGK_UPDATE_GOLDEN") == "1"
SAVED_AT = datetime(2022, 1, 10, 2, 0, tzinfo=timezone.utc)  # when the posts were collected: a fixed clock

OFFICE = {"name": "青石街道办事处", "org_code": "11220202MB1234567X", "aliases": ["青石街道"],
          "site_url": "https://xxgk.example.gov.cn/qsjd/", "site_id_code": "2202020099",
          "address": "吉林市昌邑区青石路1号", "phone": "0432-66000000"}
# The 落款 date is the figures file's: without it the .docx would be signed with today's date.
FIGURES = {2020: 'date = "2021年1月15日"\n', 2021: """date = "2022年1月12日"
[table1]
"行政许可" = 3
"行政处罚" = 1
"行政强制" = 0
"行政事业性收费" = 0.5
"""}
WEB, WX, WB, GK = "https://www.qingshi.gov.test", "https://mp.weixin.qq.com/s", "https://weibo.com/qsjd", \
    "http://xxgk.cyq.gov.test/qsjd"


def small_office(folder: Path) -> Path:
    """Four items over two years in three categories, on all four channels (one item with two
    copies, one normative document with a 文号 and an attachment), one application in the register."""
    config = config_without_sources(folder, **OFFICE)
    (folder / "figures").mkdir()
    for year, text in FIGURES.items():
        (folder / "figures" / f"{year}.toml").write_text(text, encoding="utf-8")
    with Store(folder / "xxgk.db") as store:
        published_item(store, "i0001", "11220202MB1234567X/2020-00001", "青石街道开展冬季消防安全检查", "gzdt",
                       [("website", f"{WEB}/art/2020/12/8/art_1.html", "2020-12-08 09:30")],
                       body="12月7日，青石街道组织开展冬季消防安全检查。", saved_at=SAVED_AT,
                       publisher="青石街道办事处")
        published_item(store, "i0002", "11220202MB1234567X/2021-00001", "关于做好春节期间疫情防控工作的通知", "tzgg",
                       [("wechat", f"{WX}/Qs0125", "2021-01-25 16:00"),
                        ("website", f"{WEB}/art/2021/1/26/art_2.html", "2021-01-26 09:00")],
                       body="各社区：春节将至，现就做好疫情防控工作通知如下。", saved_at=SAVED_AT,
                       publisher="青石街道办事处", formed_on="2021-01-25")
        published_item(store, "i0003", "11220202MB1234567X/2021-00002", "青石街道物业管理办法", "gfxwj",
                       [("catalog", f"{GK}/202103/t20210305_3.html", "2021-03-05")],
                       body="第一条 为规范本街道物业管理，制定本办法。", saved_at=SAVED_AT,
                       attachments=(Attachment(f"{GK}/202103/P020210305.pdf", "青石街道物业管理办法.pdf"),),
                       publisher="青石街道办事处", doc_number="青街发〔2021〕3号", formed_on="2021-03-01",
                       normative=1, validity="有效")
        published_item(store, "i0004", "11220202MB1234567X/2021-00003", "青石街道举办垃圾分类宣传活动", "gzdt",
                       [("weibo", f"{WB}/4650001", "2021-06-18 20:15")],
                       body="6月18日，青石街道在社区广场举办垃圾分类宣传活动。", saved_at=SAVED_AT,
                       publisher="青石街道办事处")
    cli(config, "application", "add", "--received", "2021-03-01", "--channel", "网站",
        "--applicant-type", "自然人", "--request", "2020年低保名单")
    return config


@pytest.fixture
def built(tmp_path, monkeypatch) -> Path:
    """The small office's output folder after one `xxgk build`."""
    monkeypatch.setenv("XXGK_TODAY", "2022-01-10")  # the register's today (dates after it are refused)
    monkeypatch.delenv("XXGK_FIGURES", raising=False)
    cli(small_office(tmp_path), "build")
    return tmp_path / "output"


# --- what is compared: every file, with only the legitimately variable parts normalised --------

# Build state, not output: its keys hash the package's own code (publish/build.py _code_key), so
# any edit to the code changes them; what they describe is compared through the files themselves.
BUILD_STATE = {".build-manifest", ".build-rows", ".built-from"}  # .built-from: a random mark per build
# The build copies the package's static files (CSS, scripts, icon) as they are: the golden tree keeps
# no second copy of them to go stale; site/static/ is compared with the package's own files.
STATIC, PACKAGE_STATIC = "site/static", Path(publish.__file__).parent / "static"
# The .docx draft carries the day it was generated (its properties): the real clock of the build;
# and the digest of what it was rendered from (dc:identifier), which hashes the drafting code too
# (report/outputs.py draft_inputs), so any edit of that code changes it, as with the build state.
DOCX_DATES = [(re.compile(rb"(<dcterms:(?:created|modified)[^>]*>|<cp:lastPrinted>)[^<]*"), rb"\1(generated)"),
              (re.compile("草稿，[0-9]+年[0-9]+月[0-9]+日生成".encode()), "草稿，(date)生成".encode()),
              (re.compile(rb"(<dc:identifier>)[0-9a-f]+"), rb"\1(inputs digest)")]


def views(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` as compared: a .docx by its members (a zip's member order and
    compression are its writer's), build state by its name only, anything else byte for byte;
    for the golden tree, site/static/ is the package's."""
    out: dict[str, bytes] = {}
    if root == GOLDEN:
        out = {f"{STATIC}/{p.relative_to(PACKAGE_STATIC).as_posix()}": p.read_bytes()
               for p in PACKAGE_STATIC.rglob("*") if p.is_file()}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel in BUILD_STATE:
            out[rel] = b"(build state: present)"
        elif rel.endswith(".docx"):
            with zipfile.ZipFile(path) as docx:
                for name in sorted(docx.namelist()):
                    data = docx.read(name)
                    if name == "docProps/core.xml":
                        for pattern, fixed in DOCX_DATES:
                            data = pattern.sub(fixed, data)
                    out[f"{rel}!{name}"] = data
        else:
            out[rel] = path.read_bytes()
    return out


def readable(name: str, data: bytes) -> list[str]:
    """Lines to diff: text as it is (JSON indented, one-line XML pretty-printed); binary as a digest."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [f"({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]})"]
    if name.endswith(".json"):
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=1)
    elif name.endswith((".xml", ".rels")) and text.count("\n") < 3:
        text = etree.tostring(etree.fromstring(data), pretty_print=True, encoding="unicode")
    return text.splitlines()


def report(expected: dict[str, bytes], actual: dict[str, bytes], most: int = 3, lines: int = 40) -> str:
    """The file lists' differences, then a unified diff of the first ``most`` differing files."""
    parts = []
    missing, extra = sorted(expected.keys() - actual.keys()), sorted(actual.keys() - expected.keys())
    for label, names in (("not built any more", missing), ("built but not in the golden tree", extra)):
        if names:
            parts.append(f"{label} ({len(names)}): " + ", ".join(names[:20]) + (" …" if len(names) > 20 else ""))
    differing = [n for n in sorted(expected.keys() & actual.keys()) if expected[n] != actual[n]]
    for name in differing[:most]:
        diff = difflib.unified_diff(readable(name, expected[name]), readable(name, actual[name]),
                                    f"golden/{name}", f"built/{name}", lineterm="", n=2)
        parts.append("\n".join(list(diff)[:lines]))
    if len(differing) > most:
        parts.append(f"… and {len(differing) - most} more differing files: " + ", ".join(differing[most:]))
    return "\n\n".join(parts)


def test_the_small_office_builds_the_golden_tree(built):
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(built, GOLDEN)
        for name in BUILD_STATE:  # kept empty: compared by name only, their bytes would change with any code edit
            (GOLDEN / name).write_bytes(b"")
        shutil.rmtree(GOLDEN / STATIC, ignore_errors=True)  # compared with the package's static files
    expected, actual = views(GOLDEN), views(built)
    if expected != actual:  # not a bare assert: pytest would print both trees before the diff
        pytest.fail("the build's output differs from tests/golden/site-build/ (if the change is intended: "
                    "XXGK_UPDATE_GOLDEN=1 pytest tests/test_golden.py, and review the diff)\n\n"
                    + report(expected, actual), pytrace=False)


def test_a_difference_is_shown_as_a_readable_diff():
    golden = {"site/index.html": b"<p>a</p>\n<p>b</p>\n", "site/feeds/all.json": b'{"items": [1, 2]}',
              "site/gone.html": b"x"}
    built = {"site/index.html": b"<p>a</p>\n<p>c</p>\n", "site/feeds/all.json": b'{"items": [1, 3]}',
             "site/new.html": b"y"}
    text = report(golden, built)
    assert "not built any more (1): site/gone.html" in text
    assert "built but not in the golden tree (1): site/new.html" in text
    assert "-<p>b</p>\n+<p>c</p>" in text and "-  2\n+  3" in text


def test_only_the_generation_date_of_the_docx_is_normalised(tmp_path):
    def docx(core: str, body: str) -> Path:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.docx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("docProps/core.xml", core)
            z.writestr("word/document.xml", body)
        return path

    core = ('<cp:coreProperties><dc:description>2021年报告草稿，{}生成</dc:description>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">{}T00:00:00Z</dcterms:created></cp:coreProperties>')
    one = docx(core.format("2026年12月3日", "2026-12-03"), "<w:t>2022年1月12日</w:t>")
    two = docx(core.format("2027年1月5日", "2027-01-05"), "<w:t>2022年1月12日</w:t>")
    three = docx(core.format("2027年1月5日", "2027-01-05"), "<w:t>2022年1月13日</w:t>")
    view = {p.name: {k.split("!")[1]: v for k, v in views(tmp_path).items() if k.startswith(p.name)}
            for p in (one, two, three)}
    assert view[one.name] == view[two.name]
    assert view[two.name]["word/document.xml"] != view[three.name]["word/document.xml"]
