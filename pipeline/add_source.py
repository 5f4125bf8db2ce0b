"""`xxgk add-source URL`: fetch a column page once and say what kind of list it has, with the
[sources.NAME] table xxgk would use (sources/probe.py judges; this module fetches and prints)."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from sources.probe import Finding, judge

from .config import FetchSettings
from .errors import ConfigError, FetchError
from .fetch import Fetcher


def probe_url(url: str, settings: FetchSettings, name: str = "news") -> Finding:
    """Fetch url (and, when its page lists nothing, an API its scripts name on the same host) and judge it."""
    host = urlsplit(url).hostname
    if urlsplit(url).scheme not in ("http", "https") or not host:
        raise ConfigError(f"{url}: 不是 http(s) 网址")
    with Fetcher(settings, [host]) as fetcher:
        page = fetcher.get(url, conditional=False)

        def fetch_text(api_url: str) -> str | None:
            try:
                return fetcher.get(api_url, conditional=False).text()
            except FetchError:
                return None

        return judge(page.text(), page.url, name, fetch_text)


@click.command("add-source")
@click.argument("url")
@click.option("--name", default="news", show_default=True, help="The NAME of the printed [sources.NAME] table.")
@click.pass_obj
def add_source_command(env, url: str, name: str) -> None:
    """Fetch a column URL once and print which kind of list it has and the config xxgk would use.

    Kinds: a static list with a pager, TRS createPageHTML, Hanweb (大汉) datastore/dataproxy,
    or a JSON list API the page's scripts name. Uses the [fetch] settings of the config
    when there is one. Nothing is stored; paste the printed table into xxgk.toml.

    \b
    Example:
      xxgk add-source http://www.example.gov.cn/col/col1234/index.html --name tzgg
    """
    from .cli import reports_errors

    @reports_errors
    def run() -> Finding:
        settings = env.config.fetch if env.config_path.exists() else FetchSettings()
        return probe_url(url, settings, name)

    finding = run()
    click.echo(f"检测到（{finding.kind}）：{finding.summary}\n")
    click.echo(finding.toml, nl=False)
