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
