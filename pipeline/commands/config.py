"""`xxgk config check`: the office's effective config, defaults included (the reference of every
key is docs/config.md, written from pipeline/config/keys.py).

Registered by pipeline/commands/main.py, like the other command modules.
"""

from __future__ import annotations

from typing import Any

import click
import tomli_w

from .. import config as config_mod
from .base import Env, reports_errors


@click.group(name="config")
def config_group() -> None:
    """The office's config (xxgk.toml); every key is described in docs/config.md.

    \b
    Example:
      xxgk --config xxgk.toml config check
    """


@config_group.command(name="check")
@click.pass_obj
@reports_errors
def check(env: Env) -> None:
    """Check the config and print it as in effect: every key, with defaults marked; say which
    special leaves (role = "normative" / "numbered" / "fallback") the catalog lacks.

    Exits 2 with the message when the config is wrong.

    \b
    Example:
      xxgk --config /etc/xxgk/xxgk.toml config check
    """
    from ..classify.tree import office_tree, role_problems
    from ..config.settings import guide_gaps

    config, effective = config_mod.load_effective(env.config_path)
    problems = role_problems(office_tree(config))  # the catalog loads, and has its special leaves
    click.echo(f"# {config.path}: OK ({len(config.sources)} sources); keys not in the file show their default")
    if gaps := guide_gaps(config.office):
        problems.append(f"公开指南缺少{'、'.join(gaps)}（条例第十二条要求公布；在 [office] 中填写，"
                        f"否则网站的指南页显示“—”）")
    for problem in problems:
        click.echo(f"# 注意：{problem}")
    for table, keys in effective.items():
        click.echo(effective_table(table, keys, _selector_defaults(config, table)))


def effective_table(table: str, keys: dict[str, tuple[Any, bool]], selector_defaults: dict[str, str]) -> str:
    """One table as TOML, each default marked `# default`; nested tables follow their keys."""
    lines, nested, listed = [f"\n[{table}]"], [], []
    for key, (value, given) in keys.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            listed.append((key, value))  # [[classify.add]]: after the table, as the file writes it
            continue
        if isinstance(value, dict):
            values = {**selector_defaults, **value} if key == "selectors" else value
            if values:
                nested.append((key, values, set(value)))
            continue
        if value is None:
            lines.append(f"# {key}: not set (the general setting applies)")
            continue
        lines.append(_line(key, value, given))
    for key, values, set_in_file in nested:
        lines.append(f"[{table}.{key}]")
        lines += [_line(name, v, name in set_in_file) for name, v in values.items()]
    for key, tables in listed:
        for one in tables:
            lines += [f"[[{table}.{key}]]", tomli_w.dumps(one).rstrip("\n")]
    return "\n".join(lines)


def _line(key: str, value: Any, given: bool) -> str:
    text = tomli_w.dumps({key: value}).rstrip("\n")
    return text if given else f"{text}  # default"


def _selector_defaults(config: config_mod.Config, table: str) -> dict[str, str]:
    """The kind's default selectors (its collector module's DEFAULTS), for a source's table."""
    import sys

    from sources import COLLECTORS

    source = next((s for s in config.sources if f"sources.{s.name}" == table), None)
    if source is None:
        return {}
    return dict(getattr(sys.modules[COLLECTORS[source.kind].__module__], "DEFAULTS", {}))
