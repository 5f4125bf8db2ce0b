"""click's own usage errors (a missing argument, an unknown option, a bad choice, a word where a
number goes) in the CLI's one error form, in Chinese:

    错误：--year：“x”不是整数
    用法：xxgk report [OPTIONS] [COMMAND] [ARGS]...
    帮助：xxgk report --help

Exit code 2 as click gives it. What the commands say themselves (already Chinese) is kept as it is;
a reason click words in a shape not in CLICK_REASONS keeps click's words after a Chinese lead.
Nothing here imports another module of pipeline/commands (base.Group shows these errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import click

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


class ChineseUsageError(click.UsageError):
    """click's usage error, shown in Chinese: the error first, then the usage and where help is."""

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(said(error), error.ctx)

    def show(self, file: Any = None) -> None:
        click.echo("\n".join([f"错误：{self.message}", *usage_lines(self.ctx)]), file=file, err=True)


def usage_lines(ctx: click.Context | None) -> list[str]:
    """The command's usage line and where its help is, in Chinese (nothing without a context)."""
    if ctx is None:
        return []
    formatter = ctx.make_formatter()
    formatter.write_usage(ctx.command_path, " ".join(ctx.command.collect_usage_pieces(ctx)), prefix="用法：")
    lines = [formatter.getvalue().rstrip("\n")]
    help_names = ctx.command.get_help_option_names(ctx) if ctx.command.get_help_option(ctx) else ()
    if help_names:
        lines.append(f"帮助：{ctx.command_path} {max(help_names, key=len)}")
    return lines


def said(error: click.UsageError) -> str:
    """What the error says, in Chinese."""
    if isinstance(error, click.MissingParameter):
        return _missing(error)
    if isinstance(error, click.BadParameter):
        where = _named(error.param_hint if error.param_hint is not None else _names_of(error.param))
        return f"{where}：{reason(error.message)}" if where else reason(error.message)
    text = reason(error.message)
    guesses = getattr(error, "possibilities", None)  # NoSuchOption; NoSuchCommand (click 8.4+)
    return text + (f"（是否想用 {'、'.join(sorted(guesses))}？）" if guesses else "")


def _missing(error: click.MissingParameter) -> str:
    """缺少选项 --year / 缺少参数 ITEM, and the values a choice takes."""
    param = error.param
    kind = error.param_type or (param.param_type_name if param is not None else "parameter")
    name = _named(error.param_hint if error.param_hint is not None else _names_of(param))
    text = f"缺少{'选项' if kind == 'option' else '参数'} {name}".rstrip()
    if error.message:
        text += f"：{reason(error.message)}"
    if param is not None and isinstance(param.type, click.Choice):
        text += f"（可选：{'、'.join(map(str, param.type.choices))}）"
    return text


def _names_of(param: click.Parameter | None) -> Sequence[str]:
    """An option by its flags (--format / -f), an argument by its metavar (ITEM)."""
    if param is None:
        return ()
    if isinstance(param, click.Argument):
        return (param.human_readable_name,)
    return param.opts


def _named(hint: Sequence[str] | str) -> str:
    return hint if isinstance(hint, str) else " / ".join(hint)


def _quoted(value: str) -> str:
    """A value click shows as Python does ('x'), in Chinese quotes (“x”)."""
    return f"“{value[1:-1]}”" if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else f"“{value}”"


def _range(value: str, bounds: str) -> str:
    """click's range ("x>=1", "0<=x<=9") as a sentence."""
    low = re.fullmatch(r"x(>=?)(\S+)", bounds)
    high = re.fullmatch(r"x(<=?)(\S+)", bounds)
    both = re.fullmatch(r"(\S+?)(<=?)x(<=?)(\S+)", bounds)
    if low:
        return f"{value} {'应大于' if low[1] == '>' else '不能小于'} {low[2]}"
    if high:
        return f"{value} {'应小于' if high[1] == '<' else '不能大于'} {high[2]}"
    if both:
        return f"{value} 应在 {both[1]} 到 {both[4]} 之间"
    return f"{value} 不在允许的范围（{bounds}）内"


_KINDS = {"File": "文件", "Directory": "文件夹", "Path": "路径", "file": "文件", "directory": "文件夹", "path": "路径"}

# click's words for a usage error (the same since click 8.1) → Chinese; each a function of the match.
CLICK_REASONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple((re.compile(shape, re.S), say) for shape, say in (
    (r"No such option:? '?(?P<name>[^'\s]+)'?\.?", lambda m: f"没有选项 {m['name']}"),
    (r"No such command '(?P<name>.*)'\.", lambda m: f"没有命令 {m['name']}"),
    (r"Missing command\.", lambda m: "缺少子命令"),
    (r"Option '(?P<name>.*)' requires an argument\.", lambda m: f"选项 {m['name']} 后面要给一个值"),
    (r"Option '(?P<name>.*)' requires (?P<n>\d+) arguments\.", lambda m: f"选项 {m['name']} 后面要给 {m['n']} 个值"),
    (r"Option '(?P<name>.*)' does not take a value\.", lambda m: f"选项 {m['name']} 不带值"),
    (r"Got unexpected extra arguments? \((?P<args>.*)\)", lambda m: f"多余的参数：{m['args']}"),
    (r"Argument '(?P<name>.*)' takes (?P<n>\d+) values\.", lambda m: f"参数 {m['name'].upper()} 要给 {m['n']} 个值"),
    (r"Takes (?P<n>\d+) values but (?P<got>\d+) (?:was|were) given\.", lambda m: f"要给 {m['n']} 个值，却给了 {m['got']} 个"),
    (r"(?P<value>.*) is not a valid integer\.", lambda m: f"{_quoted(m['value'])}不是整数"),
    (r"(?P<value>.*) is not a valid float\.", lambda m: f"{_quoted(m['value'])}不是数字"),
    (r"(?P<value>.*) is not a valid boolean\..*", lambda m: f"{_quoted(m['value'])}不是是非值（可用 true/false、yes/no、1/0）"),
    (r"(?P<value>.*) is not a valid UUID\.", lambda m: f"{_quoted(m['value'])}不是 UUID"),
    (r"(?P<value>.*) is not one of (?P<choices>.*)\.|(?P<one>.*) is not (?P<choice>'.*')\.",
     lambda m: f"{_quoted(m['value'] or m['one'])}无效，应为："
               + "、".join(_quoted(c.strip()) for c in (m['choices'] or m['choice']).split(", "))),
    (r"(?P<value>.*) is not in the range (?P<range>.*)\.", lambda m: _range(m["value"], m["range"])),
    (r"(?P<kind>File|Directory|Path) (?P<name>.*) does not exist\.", lambda m: f"{_KINDS[m['kind']]}{_quoted(m['name'])}不存在"),
    (r"(?P<kind>File|Directory|Path) (?P<name>.*) is a file\.", lambda m: f"{_quoted(m['name'])}是文件，这里要文件夹"),
    (r"(?P<kind>File|Directory|Path) (?P<name>.*) is a directory\.", lambda m: f"{_quoted(m['name'])}是文件夹，这里要文件"),
    (r"(?P<kind>File|Directory|Path) (?P<name>.*) is not (?P<what>readable|writable|executable)\.",
     lambda m: f"{_KINDS[m['kind']]}{_quoted(m['name'])}"
               + {"readable": "没有读取权限", "writable": "没有写入权限", "executable": "不能执行"}[m["what"]]),
))


def reason(message: str) -> str:
    """click's reason in Chinese; a message already Chinese (a command's own) as it is; a shape not
    known after a Chinese lead."""
    for shape, say in CLICK_REASONS:
        if found := shape.fullmatch(message):
            return say(found)
    return message if CHINESE.search(message) else f"用法有误（{message}）"
