"""click's own usage errors in the CLI's one error form, in Chinese, for every command and subcommand:
"错误：" first, then the usage line and where the help is; exit code 2 as click gives it. Each case was
click's English ("Usage: … Error: Missing argument 'ITEM'."). A real process, as staff run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.commands import usage
from pipeline.commands.base import Group

ROOT = Path(__file__).resolve().parent.parent
CLICK_WORDS = ("Error", "Usage", "Try ", "Missing", "Invalid", "No such", "unexpected", "requires", "Did you mean",
               "does not", "is not")


def xxgk(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a folder with no config (every usage error comes before the config is read)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_")} | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)


PROG = "python -m pipeline"  # how click names the program run as `python -m pipeline`


@pytest.mark.parametrize("args, said, command", [
    (["report", "publish"], "缺少选项 --year", "report publish"),                      # a missing option
    (["explain"], "缺少参数 ITEM", "explain"),                                         # a missing argument
    (["report", "--nope", "2021"], "没有选项 --nope", "report"),                       # an unknown option
    (["report", "--yaer", "2021"], "没有选项 --yaer（是否想用 --year？）", "report"),  # … with click's guess
    (["district", "report", "--year", "2021", "--format", "pdf"],                      # a bad choice
     "--format：“pdf”无效，应为：“text”、“json”、“markdown”、“html”、“csv”", "district report"),
    (["report", "--year", "二〇二一"], "--year：“二〇二一”不是整数", "report"),        # not an integer
    (["district", "inspect", "--silent-nights", "0"], "--silent-nights：0 不能小于 1", "district inspect"),
    (["repot"], "没有命令 repot（是否想用 report？）", ""),                           # an unknown command
    (["district", "nosuch"], "没有命令 nosuch", "district"),                            # … of a subgroup
    (["status", "extra", "words"], "多余的参数：extra words", "status"),
    (["-v"], "缺少子命令", ""),
    # A command's own refusal, already Chinese, keeps its words and gains the usage line.
    (["application", "add", "--received", "2021-13-01"],
     "收到申请日期（--received）：“2021-13-01”这一天不存在（一年只有 12 个月，没有13月），请检查日期", "application add"),
])
def test_a_usage_error_is_said_in_chinese_with_the_usage_and_where_help_is(tmp_path, args, said, command):
    result = xxgk(tmp_path, *args)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    path = f"{PROG} {command}".strip()
    assert lines[0] == f"错误：{said}"
    assert lines[1].startswith(f"用法：{path} [OPTIONS]")
    assert lines[2:] == [f"帮助：{path} --help"]
    assert not [word for word in CLICK_WORDS if word in result.stderr], result.stderr


@pytest.mark.parametrize("args, said", [
    (["report", "--year"], "选项 --year 后面要给一个值"),     # click knows no command yet: no usage line
    (["explain", "--json=yes", "x"], "选项 --json 不带值"),
])
def test_an_option_used_wrongly_is_said_in_chinese(tmp_path, args, said):
    result = xxgk(tmp_path, *args)
    assert result.returncode == 2 and result.stderr.splitlines()[0] == f"错误：{said}"
    assert not [word for word in CLICK_WORDS if word in result.stderr], result.stderr


def test_help_still_renders_and_a_bare_group_still_shows_its_help(tmp_path):
    helped = xxgk(tmp_path, "report", "--help")
    assert helped.returncode == 0 and "--year INTEGER" in helped.stdout and "Example:" in helped.stdout
    bare = xxgk(tmp_path, "config")  # no subcommand: the group's help, as click shows it
    assert "check" in bare.stdout + bare.stderr and "错误" not in bare.stdout + bare.stderr


@pytest.mark.parametrize("kind, value, said", [
    (click.INT, "十", "“十”不是整数"),
    (click.FLOAT, "x", "“x”不是数字"),
    (click.BOOL, "maybe", "“maybe”不是是非值（可用 true/false、yes/no、1/0）"),
    (click.IntRange(1, 9), "10", "10 应在 1 到 9 之间"),
    (click.IntRange(max=9), "10", "10 不能大于 9"),
    (click.IntRange(0, min_open=True), "0", "0 应大于 0"),
    (click.Choice(["text"]), "pdf", "“pdf”无效，应为：“text”"),
    (click.Choice(["复议", "诉讼"]), "x", "“x”无效，应为：“复议”、“诉讼”"),
    (click.Path(exists=True), "missing", "路径“missing”不存在"),
    (click.Path(exists=True, file_okay=False), "a.txt", "“a.txt”是文件，这里要文件夹"),
    (click.Path(exists=True, dir_okay=False), "folder", "“folder”是文件夹，这里要文件"),
])
def test_every_reason_a_click_type_gives_is_said_in_chinese(tmp_path, monkeypatch, kind, value, said):
    """click's own words (not copied here: each raised by the type itself), as staff read them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    with pytest.raises(click.BadParameter) as caught:
        kind.convert(value, None, None)
    assert usage.reason(caught.value.message) == said


def test_a_reason_of_a_shape_not_known_keeps_clicks_words_after_a_chinese_lead():
    assert usage.reason("Something new.") == "用法有误（Something new.）"
    assert usage.reason("“x”应写作 申请人类型=件数") == "“x”应写作 申请人类型=件数"  # a command's own, as it is


def test_any_group_built_on_the_house_group_says_clicks_errors_in_chinese():
    """Options taking several values: the shapes no command of xxgk has yet."""

    @click.group(cls=Group)
    def tool() -> None:
        """A group as main.py builds it."""

    @tool.command()
    @click.option("--span", nargs=2, type=int)
    @click.argument("pair", nargs=2)
    def pairs(span: tuple[int, int], pair: tuple[str, str]) -> None:
        """Two values each."""

    @tool.command()
    @click.option("--kind", type=click.Choice(["复议", "诉讼"]), required=True)
    def kinds(kind: str) -> None:
        """A choice that must be made."""

    runner = CliRunner()
    assert runner.invoke(tool, ["pairs", "a", "b", "--span", "1"]).output.startswith("错误：选项 --span 后面要给 2 个值\n")
    one = runner.invoke(tool, ["pairs", "a"])
    assert one.exit_code == 2 and one.output.startswith("错误：参数 PAIR 要给 2 个值\n"), one.output
    missing = runner.invoke(tool, ["kinds"])
    assert missing.exit_code == 2 and missing.output.startswith("错误：缺少选项 --kind（可选：复议、诉讼）\n用法："), missing.output
