"""`xxgk add URL…`: store articles by their links (pipeline/collect/add.py fetches and stores)."""

from __future__ import annotations

import click

from ..collect.add import Added, add_urls
from ..nightly.health import failure_line
from .base import EXIT_SOURCE_FAILED, Env, reports_errors

# What became of a stored link (pipeline/collect/add.py's results), in words for staff.
RESULT_WORDS = {"new": "新收录", "updated": "已收录过（内容有变化，已存为新版本）", "unchanged": "已收录过（内容无变化）"}


@click.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL…")
@click.pass_obj
def add_command(env: Env, urls: tuple[str, ...]) -> None:
    """Store articles by their links (WeChat 群发 messages, pages no list shows).

    A mp.weixin.qq.com link is filed under the config's WeChat source; any other link
    under the website or catalog source on its host. Run `xxgk sync` afterwards to
    merge, file and publish them. A link already stored is read again (an edit becomes a
    new version); a column's list page is refused: `xxgk add-source` is for columns.

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
            click.echo(f"未收录 {r.url}：{failure_line([r.kind], r.error) if r.kind else r.error}", err=True)
        else:
            click.echo(f"{RESULT_WORDS[r.result]} {r.source}：{r.title}  {r.url}")
    if any(r.result == "failed" for r in results):
        raise SystemExit(EXIT_SOURCE_FAILED)
