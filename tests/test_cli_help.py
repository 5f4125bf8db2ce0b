"""Every command has help text with an example, and the exit codes are documented (STYLE habit 12)."""

from __future__ import annotations

import click
from click.testing import CliRunner

from pipeline.commands import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_with_an_example():
    missing = []
    for path, command in all_commands(main):
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        if not isinstance(command, click.Group) and "Example" not in result.output:
            missing.append(" ".join(path))
    assert not missing, f"commands without an example in --help: {missing}"


def test_exit_codes_are_in_the_main_help():
    text = CliRunner().invoke(main, ["--help"]).output
    for code in ("0", "1", "2", "3", "4", "141"):
        assert f"  {code}  " in text


def test_errors_are_said_in_chinese_with_a_chinese_prefix(unsynced_office):
    """A mistyped --source named the sources in English, under click's English "Error:"."""
    result = CliRunner().invoke(main, ["--config", unsynced_office.config, "collect", "--source", "wechatt"])
    assert result.exit_code == 2
    assert result.output.startswith("错误：") and "Error" not in result.output
    assert "没有名为 wechatt 的信息源（已配置：" in result.output and "wechat" in result.output
