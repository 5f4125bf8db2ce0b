"""A clerk's five years (2021–2025), entered through the CLI only: an opening balance,
applications and appeals with pending cases crossing years, corrections (edit, reopen,
withdraw, amend), figures files with a stated 现行有效件数 and exact 收费 amounts, and a
published year that a late change does not rewrite. Every cell of 表二, 表三 and 表四
of every year is checked against numbers worked out by hand below.

Tables by the format's numbering: 表二 主动公开 (JSON ``table1``), 表三 申请 (``table2``),
表四 复议、诉讼 (``table3``).
"""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from pipeline.commands import main

from .builders import add_application, cli as run, nonzero, report_json

T = "总计"


@pytest.fixture
def clerk(unsynced_office, monkeypatch):
    """The office on 2026-01-20, its clerk 王会计, a figures folder ready."""
    monkeypatch.setenv("XXGK_TODAY", "2026-01-20")
    monkeypatch.setenv("XXGK_USER", "王会计")
    (unsynced_office.folder / "figures").mkdir()
    return unsynced_office


def add(config, received, who, request="申请公开……") -> str:
    return add_application(config, received, who, request=request).split()[0]


def close(config, app_id, outcome, replied):
    run(config, "application", "close", app_id, "--outcome", outcome, "--replied", replied)


def appeal(config, kind, filed) -> str:
    return run(config, "appeal", "add", "--kind", kind, "--filed", filed).split()[0]


def decide(config, appeal_id, outcome, decided, *extra, code=0) -> str:
    return run(config, "appeal", "decide", appeal_id, "--outcome", outcome, "--decided", decided, *extra,
               code=code)


def report(config, year) -> dict:
    return report_json(config, year)


FIGURES = """
[table1]
"行政许可" = {permits}
"行政处罚" = 2
"行政强制" = 1
"行政事业性收费" = 0.123456
"""
STATED = """
[table1."行政规范性文件"]
"现行有效件数" = 12
"理由" = "2019年以前制发的文件未纳入采集；2023年清理后现行有效12件（街道办〔2023〕3号）"
"""


def enter_2021(config):
    run(config, "application", "opening", "--year", "2021", "--count", "自然人=2", "--count", "商业企业=１",
        "--reason", "2020年年度报告结转下年度继续办理")
    run(config, "application", "close-opening", "--year", "2021", "--applicant-type", "自然人",
        "--outcome", "予以公开", "--replied", "2021-01-15")
    run(config, "application", "close-opening", "--year", "2021", "--applicant-type", "自然人",
        "--outcome", "本机关不掌握相关政府信息", "--replied", "2021-01-20")
    a1 = add(config, "2021-03-01", "自然人")
    close(config, a1, "部分公开", "2021-03-20")
    a2 = add(config, "2021-04-01", "科研机构")
    close(config, a2, "保护第三方合法权益", "2021-04-20")
    a3 = add(config, "2021-05-06", "社会公益组织")
    close(config, a3, "重复申请", "2021-05-20")
    a4 = add(config, "2021-06-01", "法律服务机构")
    close(config, a4, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "2021-06-30")
    a5 = add(config, "2021-12-20", "其他")  # open at the year's end
    # entered with the wrong applicant type, corrected
    a6 = add(config, "2021-07-01", "商业企业")
    run(config, "application", "edit", a6, "--applicant-type", "自然人", "--reason", "申请人为个人，登记时选错")
    close(config, a6, "予以公开", "2021-07-10")
    # entered twice: the second is withdrawn
    a7 = add(config, "2021-07-01", "自然人")
    run(config, "application", "withdraw", a7, "--reason", f"与 {a6} 重复登记")
    # answered by mistake, reopened: open at the year's end
    a8 = add(config, "2021-08-02", "自然人")
    close(config, a8, "予以公开", "2021-08-10")
    run(config, "application", "reopen", a8, "--reason", "答复书未寄出，误登记为已答复")
    # appeals: F1 decided in the year, F2 decided next year, F3 amended, F4 never decided
    f1 = appeal(config, "行政复议", "2021-03-10")
    decide(config, f1, "结果维持", "2021-05-10")
    f2 = appeal(config, "直接起诉", "2021-09-01")
    f3 = appeal(config, "复议后起诉", "2021-10-08")
    decide(config, f3, "结果维持", "2021-12-01")
    out = decide(config, f3, "其他结果", "2021-12-01", code=2)
    assert "已于 2021-12-01 审结（结果维持）" in out and "--amend" in out
    decide(config, f3, "其他结果", "2021-12-01", "--amend", "--reason", "判决书为驳回起诉，登记错误")
    appeal(config, "行政复议", "2021-11-01")
    return {"a5": a5, "a8": a8, "f2": f2, "a6": a6, "a7": a7, "f3": f3}


def enter_pattern_year(config, year):
    """The same seven applications and three appeals each year 2022–2025."""
    for received, who, outcome, replied in (
            ("02-01", "自然人", "予以公开", "02-20"), ("03-01", "商业企业", "部分公开", "03-20"),
            ("04-01", "科研机构", "属于国家秘密", "04-20"), ("05-06", "社会公益组织", "补正后申请内容仍不明确", "05-25"),
            ("06-01", "法律服务机构", "要求提供公开出版物", "06-20"),
            ("07-01", "其他", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "07-30")):
        close(config, add(config, f"{year}-{received}", who), outcome, f"{year}-{replied}")
    open_at_end = add(config, f"{year}-12-15", "自然人")
    decide(config, appeal(config, "行政复议", f"{year}-03-15"), "结果纠正", f"{year}-05-15")
    decide(config, appeal(config, "直接起诉", f"{year}-06-15"), "结果维持", f"{year}-09-15")
    pending = appeal(config, "复议后起诉", f"{year}-11-16")
    return open_at_end, pending


NEW = {("new", "自然人"): 2, ("new", "商业企业"): 1, ("new", "科研机构"): 1, ("new", "社会公益组织"): 1,
       ("new", "法律服务机构"): 1, ("new", "其他"): 1, ("new", T): 7}
PATTERN_RESULTS = {
    ("granted", "自然人"): 1, ("partly_granted", "商业企业"): 1, ("withheld.state_secret", "科研机构"): 1,
    ("unable.still_unclear", "社会公益组织"): 1, ("not_processed.publication", "法律服务机构"): 1,
    ("other.fee_unpaid", "其他"): 1,
}


def totals(cells: dict) -> dict:
    """Add the 总计 column to hand-worked applicant cells."""
    out = dict(cells)
    for (row, _), n in cells.items():
        out[(row, T)] = out.get((row, T), 0) + n
    return out


EXPECTED_T3 = {
    2021: totals({
        ("new", "自然人"): 3, ("new", "科研机构"): 1, ("new", "社会公益组织"): 1, ("new", "法律服务机构"): 1,
        ("new", "其他"): 1,
        ("carried_over", "自然人"): 2, ("carried_over", "商业企业"): 1,
        ("granted", "自然人"): 2, ("partly_granted", "自然人"): 1, ("withheld.third_party", "科研机构"): 1,
        ("unable.not_held", "自然人"): 1, ("not_processed.repeat", "社会公益组织"): 1,
        ("other.no_correction", "法律服务机构"): 1,
        ("total", "自然人"): 4, ("total", "科研机构"): 1, ("total", "社会公益组织"): 1, ("total", "法律服务机构"): 1,
        ("carried_forward", "自然人"): 1, ("carried_forward", "商业企业"): 1, ("carried_forward", "其他"): 1,
    }),
    2022: totals({
        **{k: v for k, v in NEW.items() if k[1] != T},
        ("carried_over", "自然人"): 1, ("carried_over", "商业企业"): 1, ("carried_over", "其他"): 1,
        **PATTERN_RESULTS, ("granted", "其他"): 1, ("unable.needs_creation", "商业企业"): 1,
        ("not_processed.petition", "自然人"): 1,
        ("total", "自然人"): 2, ("total", "商业企业"): 2, ("total", "科研机构"): 1, ("total", "社会公益组织"): 1,
        ("total", "法律服务机构"): 1, ("total", "其他"): 2,
        ("carried_forward", "自然人"): 1,
    }),
}
for _y in (2023, 2024, 2025):
    EXPECTED_T3[_y] = totals({
        **{k: v for k, v in NEW.items() if k[1] != T}, ("carried_over", "自然人"): 1,
        **PATTERN_RESULTS, ("other.other", "自然人"): 1,
        ("total", "自然人"): 2, ("total", "商业企业"): 1, ("total", "科研机构"): 1, ("total", "社会公益组织"): 1,
        ("total", "法律服务机构"): 1, ("total", "其他"): 1,
        ("carried_forward", "自然人"): 1,
    })

ZERO = {"结果维持": 0, "结果纠正": 0, "其他结果": 0, "尚未审结": 0, "总计": 0}
EXPECTED_T4 = {
    2021: {"行政复议": {**ZERO, "结果维持": 1, "尚未审结": 1, "总计": 2},
           "未经复议直接起诉": {**ZERO, "尚未审结": 1, "总计": 1},
           "复议后起诉": {**ZERO, "其他结果": 1, "总计": 1}},
    **{y: {"行政复议": {**ZERO, "结果纠正": 1, "总计": 1}, "未经复议直接起诉": {**ZERO, "结果维持": 1, "总计": 1},
           "复议后起诉": {**ZERO, "尚未审结": 1, "总计": 1}} for y in (2022, 2023, 2024, 2025)},
}


def expected_t2(year: int) -> dict:
    in_force = 12 if year >= 2023 else 0
    return {"规章": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
            "行政规范性文件": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": in_force},
            "行政许可": {"本年处理决定数量": year - 2000}, "行政处罚": {"本年处理决定数量": 2},
            "行政强制": {"本年处理决定数量": 1}, "行政事业性收费": {"本年收费金额（单位：万元）": 0.123456}}


def test_five_years_of_registers_and_figures(clerk):
    config, folder = clerk
    for year in range(2021, 2026):
        text = FIGURES.format(permits=year - 2000) + (STATED if year >= 2023 else "")
        (folder / "figures" / f"{year}.toml").write_text(text, encoding="utf-8")

    first = enter_2021(config)
    # 2022: the three cases carried from 2021 are answered; F2 (filed 2021) is decided
    close(config, first["a8"], "信访举报投诉类申请", "2022-01-10")
    close(config, first["a5"], "予以公开", "2022-01-05")
    run(config, "application", "close-opening", "--year", "2021", "--applicant-type", "商业企业",
        "--outcome", "没有现成信息需要另行制作", "--replied", "2022-02-01")
    decide(config, first["f2"], "结果纠正", "2022-03-01")
    carried, pending = enter_pattern_year(config, 2022)
    for year in (2023, 2024, 2025):
        close(config, carried, "其他", f"{year}-01-10")
        decide(config, pending, "其他结果", f"{year}-02-15")
        carried, pending = enter_pattern_year(config, year)

    # every cell of every year
    for year in range(2021, 2026):
        data = report(config, year)
        assert nonzero(data["table2"]) == EXPECTED_T3[year], year
        assert data["table3"] == EXPECTED_T4[year], year
        assert data["table1"] == expected_t2(year), year
        assert data["violations"] == [] and data["table1_missing"] == [], year
        # every group of 表三 and 表四 is non-zero every year
        t3 = data["table2"]
        for group in ("new", "carried_over", "granted", "partly_granted", "total", "carried_forward"):
            assert t3[group][T] > 0, (year, group)
        for prefix in ("withheld.", "unable.", "not_processed.", "other."):
            assert sum(r[T] for k, r in t3.items() if k.startswith(prefix)) > 0, (year, prefix)
        assert all(g[T] > 0 for g in data["table3"].values()), year
    # no report for 2020 comes from the opening balance
    assert report(config, 2020)["applications"] == {"received": 0, "carried_over": 0, "closed": 0,
                                                    "carried_forward": 0}
    # a case decided in a later year is told in the text, not counted again
    assert [a["id"] for a in report(config, 2022)["appeals_decided_later"]] == [first["f2"]]

    # the stated 现行有效件数 and its reason: in the JSON, in --explain, in the text
    src = report(config, 2023)["table1_sources"]["行政规范性文件"]["现行有效件数"]
    assert src == {"source": "stated", "value": 12, "computed": 0,
                   "reason": "2019年以前制发的文件未纳入采集；2023年清理后现行有效12件（街道办〔2023〕3号）"}
    assert report(config, 2023)["table1_sources"]["行政许可"]["本年处理决定数量"] == {"source": "figures"}
    explained = run(config, "report", "--year", "2023", "--explain", "现行有效件数")
    assert "以数据文件为准：12（采集的文件计得 0；理由：2019年以前制发的文件未纳入采集" in explained
    assert "为数据文件填报（按采集的文件计为 0）" in run(config, "report", "--year", "2023")

    # exact 收费 in every format
    csv_text = run(config, "report", "--year", "2023", "--format", "csv")
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert ["第二十条第（八）项", "行政事业性收费", "本年收费金额（单位：万元）", "0.123456"] in rows
    assert ["表四 政府信息公开行政复议、行政诉讼情况"] in rows
    assert "0.123456" in run(config, "report", "--year", "2023", "--format", "markdown")
    assert "0.123456" in run(config, "report", "--year", "2023", "--format", "html")

    # the audit trail of a corrected entry: who, what before and after, why
    history = run(config, "application", "history", first["a6"])
    assert "王会计  更正  申请人类型 商业企业 → 自然人  理由：申请人为个人，登记时选错" in history
    assert "撤销" in run(config, "application", "history", first["a7"])
    assert "更改审结结果  结果 结果维持 → 其他结果  理由：判决书为驳回起诉" in run(
        config, "appeal", "history", first["f3"])
    assert first["a7"] not in run(config, "application", "list")


def test_a_published_year_keeps_its_figures(clerk):
    config, folder = clerk
    for year in (2022, 2023):
        (folder / "figures" / f"{year}.toml").write_text(FIGURES.format(permits=3), encoding="utf-8")
    carried, _ = enter_pattern_year(config, 2022)
    published = report(config, 2022)
    assert "已发布" in run(config, "report", "publish", "--year", "2022")
    assert "不能再次发布" in run(config, "report", "publish", "--year", "2022", code=2)
    close(config, carried, "其他", "2023-01-10")
    enter_pattern_year(config, 2023)

    # a back-dated application entered after publication: the clerk is told, the report is not rewritten
    result = CliRunner().invoke(main, ["--config", config, "application", "add", "--received", "2022-11-01",
                                       "--channel", "信函", "--applicant-type", "商业企业", "--request", "补登"])
    assert result.exit_code == 0 and "2022年年度报告已于" in result.output
    late = result.output.split()[0]
    close(config, late, "予以公开", "2022-11-20")
    now = report(config, 2022)
    assert now["table2"] == published["table2"] and now["table3"] == published["table3"]
    fixes = {(c["row"], c["column"]): (c["published"], c["now"]) for c in now["corrections"]}
    assert fixes == {
        ("一、本年新收政府信息公开申请数量", "法人或其他组织—商业企业"): (1, 2),
        ("一、本年新收政府信息公开申请数量", "总计"): (7, 8),
        ("（一）予以公开", "法人或其他组织—商业企业"): (0, 1),
        ("（一）予以公开", "总计"): (1, 2),
        ("（七）总计", "法人或其他组织—商业企业"): (1, 2),
        ("（七）总计", "总计"): (6, 7),
    }
    text = run(config, "report", "--year", "2022")
    assert "更正说明：表三（收到和处理政府信息公开申请情况）“（一）予以公开”行“总计”列：已发布 1，现为 2" in text
    assert "更正说明" in run(config, "report", "--year", "2022", "--format", "markdown")
    assert "已发布 1，现为 2" in run(config, "report", "--year", "2022", "--format", "html")
    run(config, "report", "--year", "2022", "--format", "docx", "-o", str(folder / "2022.docx"))
    from docx import Document  # the Word draft carries the 更正说明 too
    assert any("已发布 1，现为 2" in p.text for p in Document(str(folder / "2022.docx")).paragraphs)
    # a figures file changed after publication: a correction too, the published cell stays
    (folder / "figures" / "2022.toml").write_text(FIGURES.format(permits=4), encoding="utf-8")
    now = report(config, 2022)
    assert now["table1"]["行政许可"] == {"本年处理决定数量": 3}
    assert {"table": "表二（主动公开政府信息情况）", "row": "行政许可", "column": "本年处理决定数量",
            "published": 3, "now": 4} in [{k: c[k] for k in ("table", "row", "column", "published", "now")}
                                          for c in now["corrections"]]
    # the cross-year check reads the published 结转下年度继续办理
    assert report(config, 2023)["violations"] == []
    run(config, "application", "reopen", carried, "--reason", "答复被撤回")  # 2022's carry-over unchanged
    run(config, "application", "edit", carried, "--received", "2023-01-02", "--reason", "收到日期登记错误")
    # moved out of 2022, it is a 更正说明 of 2022's 四; 2023 follows 2022 as corrected and says why its
    # 上年结转 differs from what 2022 printed (a refusal here would leave 2023 unpublishable for good)
    assert ("四、结转下年度继续办理", T, 1, 0) in {(c["row"], c["column"], c["published"], c["now"])
                                                  for c in report(config, 2022)["corrections"]}
    y23 = report(config, 2023)
    assert y23["violations"] == []
    assert "与2022年报告发布时所列“四、结转下年度继续办理”1件不同" in y23["carried_over_note"]
    assert report(config, 2022)["table2"] == published["table2"]


def test_the_publication_day_is_the_offices_day(clerk):
    """A report published at 01:30 in Beijing is stored as the previous day's 17:30 UTC; the
    clerk reads the office's day."""
    import sqlite3

    config, folder = clerk
    (folder / "figures" / "2022.toml").write_text(FIGURES.format(permits=3), encoding="utf-8")
    enter_pattern_year(config, 2022)
    run(config, "report", "publish", "--year", "2022")
    with sqlite3.connect(clerk.database) as db:
        db.execute("UPDATE published_reports SET published_at = '2023-01-20T17:30:00+00:00' WHERE year = 2022")
    assert report(config, 2022)["published_on"] == "2023-01-21"
    assert "已发布：2023-01-21" in run(config, "report", "--year", "2022")
