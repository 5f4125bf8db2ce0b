"""A clerk's January after a published year: an application for that year registered late (or an
entry of it corrected) is a 更正说明 of that year's report, and next year's report still comes out,
saying why its 上年结转 differs from what was published."""

from __future__ import annotations

import pytest

from .builders import add_application, cli, report_json

FIGURES = '[table1]\n"行政许可" = 1\n"行政处罚" = 0\n"行政强制" = 0\n"行政事业性收费" = 0\n'


@pytest.fixture
def office(unsynced_office, monkeypatch):
    """2022 entered and published on 2023-01-10: one application answered, one open on 31 December."""
    monkeypatch.setenv("XXGK_USER", "王会计")
    (unsynced_office.folder / "figures").mkdir()
    for year in (2022, 2023):
        (unsynced_office.folder / "figures" / f"{year}.toml").write_text(FIGURES, encoding="utf-8")
    config = unsynced_office.config
    monkeypatch.setenv("XXGK_TODAY", "2023-01-10")
    answered = add_application(config, "2022-03-01").split()[0]
    cli(config, "application", "close", answered, "--outcome", "予以公开", "--replied", "2022-03-10")
    carried = add_application(config, "2022-12-25", "商业企业").split()[0]
    cli(config, "report", "publish", "--year", "2022")
    monkeypatch.setenv("XXGK_TODAY", "2024-01-10")
    cli(config, "application", "close", carried, "--outcome", "予以公开", "--replied", "2023-01-20")
    return unsynced_office


def test_an_application_of_a_published_year_registered_late_leaves_next_year_publishable(office):
    config = office.config
    late = add_application(config, "2022-12-20").split()[0]  # received in December, registered in 2024
    cli(config, "application", "close", late, "--outcome", "属于国家秘密", "--replied", "2023-01-05")

    y22 = report_json(config, 2022)  # the published figures stay, the difference is a 更正说明
    assert y22["table2"]["carried_forward"]["总计"] == 1
    assert {(c["row"], c["column"], c["published"], c["now"]) for c in y22["corrections"]} >= {
        ("四、结转下年度继续办理", "总计", 1, 2)}

    y23 = report_json(config, 2023)
    assert y23["violations"] == []
    assert y23["table2"]["carried_over"]["总计"] == 2
    text = cli(config, "report", "--year", "2023", "--format", "markdown")
    assert "与2022年报告发布时所列“四、结转下年度继续办理”1件不同" in text and "2022年报告的更正说明" in text
    assert "2022年报告的更正说明" in cli(config, "report", "--year", "2023")
    assert "已发布" in cli(config, "report", "publish", "--year", "2023")


def test_a_carry_over_no_correction_explains_is_still_refused(office, tmp_path):
    """Only last year's figures as published or as its 更正说明 now gives them are accepted."""
    import json

    config = office.config
    last = report_json(config, 2022)
    last["table2"]["carried_forward"]["科研机构"] = 1
    last["table2"]["carried_forward"]["总计"] = 2
    given = tmp_path / "2022.json"
    given.write_text(json.dumps(last, ensure_ascii=False), encoding="utf-8")
    out = cli(config, "report", "--year", "2023", "--format", "html", "--previous", str(given), code=2)
    assert "“法人或其他组织—科研机构”列" in out


def test_a_year_with_nothing_published_claims_no_timeliness(office):
    """An office keeping only its registers: part 二 does not say 0 items were all published in time."""
    text = cli(office.config, "report", "--year", "2023", "--format", "markdown")
    assert "均在形成或者变更之日起20个工作日内公开" not in text
    assert "本年没有主动公开的政府信息，不涉及公开的及时性。" in text


def test_a_published_year_after_a_corrected_one_stays_printable_when_more_comes_late(office):
    """2023 was published following 2022 as corrected; another late 2022 entry changes 2022 again:
    2023's published figures were checked when published, stay, and get their own 更正说明."""
    config = office.config
    first = add_application(config, "2022-12-20").split()[0]
    cli(config, "application", "close", first, "--outcome", "予以公开", "--replied", "2023-01-05")
    cli(config, "report", "publish", "--year", "2023")
    second = add_application(config, "2022-12-21").split()[0]
    cli(config, "application", "close", second, "--outcome", "予以公开", "--replied", "2023-01-06")
    y23 = report_json(config, 2023)
    assert y23["violations"] == [] and y23["table2"]["carried_over"]["总计"] == 2
    assert ("二、上年结转政府信息公开申请数量", "总计", 2, 3) in {
        (c["row"], c["column"], c["published"], c["now"]) for c in y23["corrections"]}
    assert "2022年报告的更正说明" in cli(config, "report", "--year", "2023", "--format", "markdown")


def test_last_years_report_given_as_a_file_is_taken_as_its_corrections_give_it(office, tmp_path):
    """--previous with the 2022 JSON xxgk wrote (published figures + 更正说明): 2023 is checked against
    2022's 四 as corrected, as when 2022 is read from the store, and says why it differs from print."""
    import json

    config = office.config
    late = add_application(config, "2022-12-20").split()[0]
    cli(config, "application", "close", late, "--outcome", "属于国家秘密", "--replied", "2023-01-05")
    given = tmp_path / "2022.json"
    given.write_text(cli(config, "report", "--year", "2022", "--format", "json"), encoding="utf-8")
    assert json.loads(given.read_text(encoding="utf-8"))["corrections"]
    data = json.loads(cli(config, "report", "--year", "2023", "--format", "json", "--previous", str(given)))
    assert data["violations"] == []
    text = cli(config, "report", "--year", "2023", "--format", "markdown", "--previous", str(given))
    assert "与2022年报告发布时所列“四、结转下年度继续办理”1件不同" in text
