"""`xxgk add-source URL`: which kind of list a column page has, and its [sources.NAME] table
(pipeline/collect/add_source.py fetches, sources/probe.py judges)."""

from __future__ import annotations

import click

from sources.probe import Finding

from ..collect.add_source import probe_url
from ..config import FetchSettings
from .base import Env, reports_errors


@click.command("add-source")
@click.argument("url")
@click.option("--name", default="news", show_default=True, help="The NAME of the printed [sources.NAME] table.")
@click.pass_obj
def add_source_command(env: Env, url: str, name: str) -> None:
    """Fetch a column URL and print which kind of list it has and the config xxgk would use.

    Kinds: a static list with a pager (下一页 or page numbers), TRS createPageHTML, Hanweb (大汉)
    datastore/dataproxy, or a JSON list API the page's scripts name (also fetched once). A
    column whose list or first entry (also fetched) carries 索引号 and 主题分类 is a disclosure
    catalog: kind = "catalog". Uses the [fetch] settings of the config when there is one.
    Nothing is stored; paste the printed table into xxgk.toml.

    \b
    Example:
      xxgk add-source http://www.example.gov.cn/col/col1234/index.html --name tzgg
    """
    @reports_errors
    def run() -> Finding:
        settings = env.config.fetch if env.config_path.exists() else FetchSettings()
        return probe_url(url, settings, name)

    finding = run()
    click.echo(f"检测到（{finding.kind}）：{finding.summary}\n")
    click.echo(finding.toml, nl=False)
