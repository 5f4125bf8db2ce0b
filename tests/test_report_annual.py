"""The annual report computed from the store: items, normative documents, timeliness,
the figures file, identities refused, the output files (docx read back)."""

from __future__ import annotations

import io
import json
import logging
from datetime import date
from zoneinfo import ZoneInfo

import docx

from pipeline.classify import office_tree
from pipeline.nightly.job import build_reports
from pipeline.publish import Writer
from pipeline.registers import ledger
from pipeline.report.annual import annual_report
from pipeline.registers.figures import figures_template, load_figures
from pipeline.registers.formats import HEADINGS, T2_NOTE
from pipeline.report.outputs import write_year
from pipeline.registers.records import Application
from pipeline.models import local_today
from pipeline.store import Store
from pipeline.workdays import next_year_calendar_warning

from .builders import cli, item_row

SH = ZoneInfo("Asia/Shanghai")
FIGURES_2021 = """date = "2022年1月12日"
[table1]
"行政许可" = 12
"行政处罚" = 3
"行政强制" = 0
"行政事业性收费" = 0.35
["正文"]
"五、存在的主要问题及改进情况" = "一是公开及时性有待提高。"
"""


def item(store, n, published: str, channel="website", category="gzdt", formed=None,
         normative=False, validity=None, title=None):
    """An item first published at local time ``published`` (YYYY-MM-DD[ HH:MM])."""
    item_row(store, n, published, title=title, channel=channel, category=category, formed_on=formed,
             normative=int(normative), validity=validity)


def fill(db):
    with Store(db) as store:
        item(store, 1, "2021-01-01 00:30", "wechat")  # Shanghai 2021, UTC 2020
        item(store, 2, "2021-03-05", "weibo", "tzgg")
        item(store, 3, "2021-03-08", "catalog", "gfxwj", formed="2021-03-01", normative=True,
             title="关于规范物业管理的通知")
        item(store, 4, "2021-12-31 23:00", "website", formed="2021-12-30")
        # 春节 2021 (02-11…02-17 off, make-up 02-07 and 02-20): formed 01-20, published 02-23 = 21 working days
        item(store, 5, "2021-02-23", "website", formed="2021-01-20", title="迟发的通知")
        item(store, 6, "2022-01-01 00:10", "wechat")  # next year
        # normative documents over the years: one repealed in 2021 by its 有效性, one still in force
        item(store, 7, "2019-06-03", "catalog", "gfxwj", formed="2019-05-28", normative=True,
             validity="2021-06-30废止")
        item(store, 8, "2020-04-01", "catalog", "gfxwj", formed="2020-03-25", normative=True, validity="有效")
        ledger.add_application(store, Application(date(2021, 3, 1), "网站", "自然人", "低保名单"))


def test_proactive_normative_and_timeliness_from_items(unsynced_office):
    path, folder = unsynced_office
    fill(folder / "xxgk.db")
    data = json.loads(cli(path, "report", "--year", "2021", "--format", "json"))
    p = data["proactive"]
    assert (p["total"], p["wechat_weibo"], p["other"]) == (5, 2, 3)
    assert data["table1"]["行政规范性文件"] == {"本年制发件数": 1, "本年废止件数": 1, "现行有效件数": 2}
    assert data["table1"]["规章"] == {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0}
    t = data["timeliness"]
    assert (t["with_formed_on"], t["within_20_workdays"], t["without_formed_on"]) == (3, 2, 2)
    assert [(x["title"], x["workdays"]) for x in t["late"]] == [("迟发的通知", 21)]
    assert data["by_month"]["01"] == 1 and data["by_month"]["12"] == 1
    assert data["format"] == "2021" and data["applications"]["carried_forward"] == 1
    text = cli(path, "report", "--year", "2021")
    assert "主动公开政府信息数量 5 条（政务微博、微信公开 2 条，其他方式公开 3 条）" in text
    assert "超期 21 个工作日：迟发的通知" in text and "2021.toml" in text  # no figures file yet
    # the 2020 report (试行 format): 规范性文件 cumulated, the 2019 document counted as published
    d20 = json.loads(cli(path, "report", "--year", "2020", "--format", "json"))
    assert d20["format"] == "2019"
    assert d20["table1"]["规范性文件"] == {"本年新制作数量": 1, "本年新公开数量": 1, "对外公开总数量": 2}


def test_explain_lists_the_items_behind_a_figure(unsynced_office):
    path, folder = unsynced_office
    fill(folder / "xxgk.db")
    social = cli(path, "report", "--year", "2021", "--explain", "wechat_weibo")
    assert social.splitlines()[0].endswith("：2") and "i0001" in social and "i0002" in social
    assert "i0005" in cli(path, "report", "--year", "2021", "--explain", "late")
    repealed = cli(path, "report", "--year", "2021", "--explain", "repealed")
    assert "i0007" in repealed and "废止2021-06-30" in repealed
    assert "i0002" in cli(path, "report", "--year", "2021", "--explain", "category:tzgg")
    assert "i0004" in cli(path, "report", "--year", "2021", "--explain", "month:12")
    assert "2021-001" in cli(path, "report", "--year", "2021", "--explain", "四、结转下年度继续办理")
    assert "不认识" in cli(path, "report", "--year", "2021", "--explain", "no-such-row", code=2)
    # a year before 2019 has no tables: a table row is refused, not explained as 0
    early = cli(path, "report", "--year", "2016", "--explain", "予以公开", code=2)
    assert "2016年的报告没有表格" in early and "：0" not in early


def test_figures_file_fills_table1_and_the_staff_prose(unsynced_office, tmp_path):
    path, folder = unsynced_office
    fill(folder / "xxgk.db")
    (folder / "figures").mkdir()
    (folder / "figures" / "2021.toml").write_text(FIGURES_2021, encoding="utf-8")
    md = cli(path, "report", "--year", "2021", "--format", "markdown")
    assert "| 行政许可 | 12 |" in md and "| 行政事业性收费 | 0.35 |" in md and "待填报" not in md
    assert "一是公开及时性有待提高。" in md and "2022年1月12日" in md
    assert "1条超过20个工作日公开：《迟发的通知》" in md
    # a bad value names the row and column
    (folder / "figures" / "2021.toml").write_text(FIGURES_2021.replace("= 3", "= 1.5"), encoding="utf-8")
    out = cli(path, "report", "--year", "2021", code=2)
    assert "行政处罚" in out and "整数" in out
    # the template has the right shape per format, and loads back
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "2020.toml").write_text(figures_template(2020), encoding="utf-8")
    f = load_figures(other, 2020)
    assert f.exists and f.table1["行政许可"] == {"上一年项目数量": 0, "本年增/减": 0, "处理决定数量": 0}
    assert '"行政事业性收费" = 0  # 万元' in cli(path, "report", "--year", "2021", "--figures-template")
    md20 = cli(path, "report", "--year", "2020", "--format", "markdown", "--figures", str(other))
    assert "| 政府集中采购 | 0 | 0 |" in md20


def test_identities_violated_refuse_naming_row_and_column(unsynced_office, tmp_path):
    path, folder = unsynced_office
    fill(folder / "xxgk.db")
    last = json.loads(cli(path, "report", "--year", "2020", "--format", "json"))
    last["table2"]["carried_forward"]["商业企业"] = 1
    last["table2"]["carried_forward"]["总计"] = 1
    published = tmp_path / "2020-published.json"
    published.write_text(json.dumps(last, ensure_ascii=False), encoding="utf-8")
    out = cli(path, "report", "--year", "2021", "--format", "html", "--previous", str(published), code=2)
    assert "表三“二、上年结转政府信息公开申请数量”行、“法人或其他组织—商业企业”列" in out
    assert "应为 1，实为 0" in out
    # the JSON still comes out, listing what is wrong
    data = json.loads(cli(path, "report", "--year", "2021", "--format", "json", "--previous", str(published)))
    assert len(data["violations"]) == 2 and "上年报告“四、结转下年度继续办理”" in data["violations"][0]


def test_output_files_and_the_docx_read_back(unsynced_office, caplog):
    path, folder = unsynced_office
    config = unsynced_office.load()
    fill(folder / "xxgk.db")
    names = office_tree(config).names
    with Store(config.database) as store:
        annual = annual_report(store, config, 2021, names, folder / "figures")
        writer = Writer(config.output, managed=())
        written = write_year(writer, annual, local_today(SH))  # the CLI below dates its draft so too
        assert sorted(written) == sorted(["reports/2021.json", "reports/2021.html", "reports/2021.md",
                                          "reports/2021.docx", "reports/2021-table1.csv",
                                          "reports/2021-table2.csv", "reports/2021-table3.csv"])
        again = Writer(config.output, managed=())
        write_year(again, annual_report(store, config, 2021, names, folder / "figures"), local_today(SH))
        assert again.written == [] and again.unchanged == 7  # byte-identical, the .docx too
        # a later night with nothing changed keeps the draft without rendering it (its date is the old one) …
        later = Writer(config.output, managed=())
        write_year(later, annual_report(store, config, 2021, names, folder / "figures"), date(2031, 5, 6))
        assert later.written == [] and later.unchanged == 7
        # … and a draft not made of today's inputs (an older release's, a changed register) is rendered again
        draft = config.output / "reports" / "2021.docx"
        kept = draft.read_bytes()
        draft.write_bytes(kept.replace(b"docProps/core.xml", b"docProps/core.xmm"))
        anew = Writer(config.output, managed=())
        write_year(anew, annual_report(store, config, 2021, names, folder / "figures"), local_today(SH))
        assert anew.written == ["reports/2021.docx"] and draft.read_bytes() == kept
    reports = config.output / "reports"
    page = (reports / "2021.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "按首次公开渠道" in page and "微信公众号" in page
    document = docx.Document(io.BytesIO((reports / "2021.docx").read_bytes()))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == list(HEADINGS)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "主动公开政府信息数量5条" in text and "【待填写" in text
    t1, t2, t3 = document.tables
    assert t2.cell(0, 0).text == T2_NOTE and [c.text for c in t2.rows[3].cells][3:] == \
        ["1", "0", "0", "0", "0", "0", "1"]  # 一、本年新收: one 自然人
    assert any([c.text for c in r.cells][:4] == ["行政规范性文件", "1", "1", "2"] for r in t1.rows)
    assert len(t3.rows) == 4
    # three charts after part 二: PNG pictures (bars only) with the labels and numbers in captions
    pictures = [s for s in document.inline_shapes]
    assert len(pictures) == 3
    blobs = [r.target_part.blob for r in document.part.rels.values() if "image" in r.reltype]
    assert len(blobs) == 3 and all(b.startswith(b"\x89PNG\r\n\x1a\n") for b in blobs)
    assert any("按首次公开渠道" in p.text and "（自上而下）" in p.text for p in document.paragraphs)
    # the CLI writes the same draft
    out = folder / "draft.docx"
    cli(path, "report", "--year", "2021", "--format", "docx", "-o", str(out))
    assert out.read_bytes() == (reports / "2021.docx").read_bytes()
    assert "--output" in cli(path, "report", "--year", "2021", "--format", "docx", code=2)


def test_nightly_build_writes_every_year_and_warns_in_december(unsynced_office, caplog):
    path, folder = unsynced_office
    config = unsynced_office.load()
    fill(folder / "xxgk.db")
    with Store(config.database) as store, caplog.at_level(logging.WARNING):
        reports = build_reports(store, config, office_tree(config), today=date(2026, 12, 1))
    assert sorted(reports) == [2019, 2020, 2021, 2022]
    assert reports[2021]["proactive"]["total"] == 5
    assert (config.output / "reports" / "2019.docx").exists()
    assert any("2027" in r.getMessage() for r in caplog.records)
    assert next_year_calendar_warning(date(2026, 11, 30)) is None
    assert next_year_calendar_warning(date(2025, 12, 1)) is None  # 2026 is in the data
    assert "2027" in next_year_calendar_warning(date(2026, 12, 31))


def test_repeal_dates_from_validity_events_and_collected_versions(unsynced_office):
    from pipeline.registers.documents import document_counts, normative_documents

    folder = unsynced_office.folder
    with Store(folder / "xxgk.db") as store:
        item(store, 1, "2020-03-02", "catalog", "gfxwj", formed="2020-02-20", normative=True, validity="废止")
        item(store, 2, "2020-05-06", "catalog", "gfxwj", normative=True, validity="失效")
        store.db["validity_events"].insert_all([  # 废止 noticed 2021-08-01, after being 有效
            {"item_id": "i0001", "at": "2020-03-02T10:00:00+00:00", "validity": "现行有效", "source": "auto"},
            {"item_id": "i0001", "at": "2021-07-31T17:00:00+00:00", "validity": "废止", "source": "auto"},
            {"item_id": "i0001", "at": "2021-09-01T00:00:00+00:00", "validity": "废止", "source": "staff"}])
        store.db["item_posts"].insert({"post_id": "p2", "item_id": "i0002"})
        store.db["post_versions"].insert_all([
            {"post_id": "p2", "version": 1, "fetched_at": "2020-05-06T02:00:00+00:00", "meta": '{"validity": "有效"}'},
            {"post_id": "p2", "version": 2, "fetched_at": "2022-01-03T02:00:00+00:00", "meta": '{"validity": "已失效"}'}])
        docs = normative_documents(store, SH)
    assert [(d.issued_on, d.repealed_on) for d in docs] == [
        (date(2020, 2, 20), date(2021, 8, 1)), (date(2020, 5, 6), date(2022, 1, 3))]
    c21 = {k: [d.item_id for d in v] for k, v in document_counts(docs, 2021).items()}
    assert c21["repealed"] == ["i0001"] and c21["in_force"] == ["i0002"] and c21["issued"] == []


def test_demo_office_2020_reproduces_the_seed_report(synced_copy):
    path, tmp_path = synced_copy
    text = cli(path, "report", "--year", "2020")
    assert "主动公开政府信息数量 156 条（政务微博、微信公开 57 条，其他方式公开 99 条）" in text
    assert "制发规范性文件总数 0 条" in text and "规范性文件 0/0/0" in text
    assert "新收申请 0 件，上年结转 0 件" in text and "行政复议 0 件" in text
    data = json.loads((tmp_path / "output" / "reports" / "2020.json").read_text(encoding="utf-8"))
    assert data["applications"]["received"] == 0 and data["appeals"]["administrative_review"] == 0
    assert data["appeals"]["litigation"] == 0 and data["format"] == "2019"
    md = (tmp_path / "output" / "reports" / "2020.md").read_text(encoding="utf-8")
    assert "主动公开政府信息数量156条，其中制发规范性文件总数0条，政务微博、微信公开57条，其他方式公开政府信息99条" in md
    assert "本机关未收到政府信息公开申请" in md and "未发生因政府信息公开工作被申请行政复议" in md
    for name in ("2020.html", "2020.docx", "2020-table1.csv", "2020-table2.csv", "2020-table3.csv"):
        assert (tmp_path / "output" / "reports" / name).stat().st_size > 0, name
    assert "只覆盖" not in md and "coverage" not in data  # the demo's data covers 2020 whole


def test_a_year_the_data_covers_in_part_says_so_in_every_format(synced_copy):
    """The demo's data begins on 10 December 2019 and ends in January 2021: those years' reports
    count a few weeks only, and every format says which (as the site's page for the year does)."""
    import zipfile

    path, tmp_path = synced_copy
    reports = tmp_path / "output" / "reports"
    for year in (2019, 2021):
        data = json.loads((reports / f"{year}.json").read_text(encoding="utf-8"))
        stretch = data["coverage"]
        assert stretch.startswith(f"{year}年") and "至" in stretch
        for name in (f"{year}.md", f"{year}.html"):
            assert f"只覆盖{stretch}" in (reports / name).read_text(encoding="utf-8"), name
        with zipfile.ZipFile(reports / f"{year}.docx") as docx:
            assert "只覆盖" in docx.read("word/document.xml").decode("utf-8")


def test_a_broken_figures_file_skips_that_year_only(unsynced_office, caplog):
    path, folder = unsynced_office
    config = unsynced_office.load()
    fill(folder / "xxgk.db")
    (folder / "figures").mkdir()
    (folder / "figures" / "2021.toml").write_text('[table1]\n"行政许可" = "十二"\n', encoding="utf-8")
    with Store(config.database) as store, caplog.at_level(logging.ERROR):
        reports = build_reports(store, config, office_tree(config), today=date(2026, 6, 1))
    assert 2021 not in reports and 2020 in reports
    assert any("2021年年度报告未生成" in r.getMessage() and "行政许可" in r.getMessage() for r in caplog.records)
    assert "行政许可" in cli(path, "report", "--year", "2021", code=2)


def test_a_published_year_keeps_its_category_counts_and_lists_a_refiling(synced_copy):
    """Publishing freezes every figure the report prints, not only its tables: staff refiling items
    afterwards changes no count of the published report (its text, its charts, its 按目录分类); the
    differences are listed as 更正说明."""
    from pipeline import config as config_mod
    from pipeline.review import actions

    path, folder = synced_copy
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "figures" / "2020.toml").write_text(cli(path, "report", "--year", "2020", "--figures-template"),
                                                  encoding="utf-8")
    cli(path, "report", "publish", "--year", "2020", "--by", "王静")
    published = json.loads(cli(path, "report", "--year", "2020", "--format", "json"))
    config = config_mod.load(path)
    with Store(config.database) as store:
        moved = [r[0] for r in store.db.execute(
            "SELECT id FROM items WHERE category = 'gzdt' AND published_at LIKE '2020-06%' LIMIT 3")]
        assert len(moved) == 3
        actions.change_category(store, office_tree(config), moved, "wsjk", "王静")
    now = json.loads(cli(path, "report", "--year", "2020", "--format", "json"))
    assert now["proactive"] == published["proactive"] and now["by_month"] == published["by_month"]
    was = published["proactive"]["by_category_name"]
    texts = [c["text"] for c in now["corrections"]]
    assert f"按目录分类“工作动态”类：已发布 {was['工作动态']} 条，现为 {was['工作动态'] - 3} 条" in texts
    assert f"按目录分类“卫生健康”类：已发布 {was['卫生健康']} 条，现为 {was['卫生健康'] + 3} 条" in texts
    markdown = cli(path, "report", "--year", "2020", "--format", "markdown")
    assert f"“工作动态”类{was['工作动态']}条" in markdown and texts[0] in markdown


def test_a_leaf_the_catalog_dropped_keeps_its_name_until_its_items_are_refiled(demo_office, tmp_path):
    """Between a catalog change and the next classify the report counted items under a leaf the tree no
    longer has by its raw id (gzdt 54); it keeps the name it had (工作动态 54)."""
    from pipeline.classify.tree import load_tree

    tree = load_tree(changes={"remove": ["gzdt"]})
    with Store(demo_office.database) as store:
        names = annual_report(store, demo_office, 2020, tree.report_names(), tmp_path).data["proactive"]["by_category_name"]
    assert names.get("工作动态", 0) > 0 and "gzdt" not in names
