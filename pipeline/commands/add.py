"""`xxgk add URL…`: store articles by their links (pipeline/collect/add.py fetches and stores)."""

from __future__ import annotations

import click

from ..collect.add import Added, add_urls
from .base import EXIT_SOURCE_FAILED, Env, reports_errors


@click.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL…")
@click.pass_obj
def add_command(env: Env, urls: tuple[str, ...]) -> None:
    """Store articles by their links (WeChat 群发 messages, pages no list shows).

    A mp.weixin.qq.com link is filed under the config's WeChat source; any other link
    under the website or catalog source on its host. Run `xxgk sync` afterwards to
    merge, file and publish them.

    \b
    Example:
      xxgk add "https://mp.weixin.qq.com/s/AbCdEf123" http://www.example.gov.cn/xwzx/202101/t20210105_1.html
    """
    @reports_errors
    def run() -> list[Added]:
        with env.store() as store:
            return add_urls(env.config, store, list(urls))

    results = run()
    for r in results:
        if r.result == "failed":
            click.echo(f"failed   {r.url}: {r.error}", err=True)
        else:
            click.echo(f"{r.result:<9}{r.source}: {r.title}  {r.url}")
    if any(r.result == "failed" for r in results):
        raise SystemExit(EXIT_SOURCE_FAILED)
