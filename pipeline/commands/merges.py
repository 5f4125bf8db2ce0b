"""`xxgk explain`, `xxgk merge`, `xxgk split`, `xxgk withdrawn`: thin commands over pipeline/merge/staff.py.

Registered by pipeline/commands/main.py. The group object (base.Env) gives `config` and `store()`.
"""

from __future__ import annotations

import json

import click

from ..merge import staff as merges
from .base import Env, reports_errors, who

who_option = click.option("--who", default=who, show_default="$XXGK_USER or the login name",
                          help="Who decides (recorded with the decision).")
note_option = click.option("--note", default="", help="Why (recorded with the decision).")


@click.command(name="explain")
@click.argument("item")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.pass_obj
@reports_errors
def explain_command(env: Env, item: str, as_json: bool) -> None:
    """Show why ITEM (an item id, its 索引号, or the 索引号 xxgk minted for it before an official
    one came) holds its posts: rule and score per post, first publication, counted channel,
    withdrawals, versions, staff decisions; and what it shows and why (title, dates, 索引号, 文号,
    发布机构). Given the URL of a row set aside as another agency's, says why it was set aside.

    \b
    Example:
      xxgk explain i0123456789ab
      xxgk explain 11220202MB0X12345Y/2020-00042 --json
    """
    with env.store() as store:
        data = merges.explain(store, item, env.config)
    if as_json:
        click.echo(json.dumps(data.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(merges.explanation_text(data, env.config.office.timezone))


@click.command(name="merge")
@click.argument("keep")
@click.argument("other")
@who_option
@note_option
@click.pass_obj
@reports_errors
def merge_command(env: Env, keep: str, other: str, who: str, note: str) -> None:
    """Merge item OTHER into item KEEP (staff decision): KEEP keeps its id and 索引号, OTHER's
    posts join it, OTHER is kept as a record but no longer published. No automatic run undoes it.

    \b
    Example:
      xxgk merge i0123456789ab i0fedcba98765 --who 王静 --note "same notice, retitled on WeChat"
    """
    with env.minting_store() as store:
        kept = merges.merge_items(env.config, store, keep, other, who, note)
    click.echo(f"已将条目 {other} 并入 {kept}（记录为 {who} 的决定）")


@click.command(name="split")
@click.argument("item")
@click.argument("posts", nargs=-1, required=True)
@who_option
@note_option
@click.pass_obj
@reports_errors
def split_command(env: Env, item: str, posts: tuple[str, ...], who: str, note: str) -> None:
    """Move POSTS (post ids or URLs) out of ITEM into a new item (staff decision, new 索引号).
    No automatic run puts them back.

    \b
    Example:
      xxgk split i0123456789ab p0123456789abcdef --who 王静 --note "April meeting, not March"
    """
    with env.minting_store() as store:
        new_id = merges.split_item(env.config, store, item, list(posts), who, note)
    click.echo(f"已从条目 {item} 拆出 {len(posts)} 个渠道副本，成为条目 {new_id}（记录为 {who} 的决定）")


@click.command(name="withdrawn")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_obj
@reports_errors
def withdrawn_command(env: Env, as_json: bool) -> None:
    """List items every copy of which was withdrawn upstream (flagged, never removed).

    \b
    Example:
      xxgk withdrawn --json
    """
    with env.store() as store:
        rows = merges.withdrawn_items(store)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['item_id']}  {row['index_number']}  撤下于 {row['withdrawn_at']}  {row['title']}")
    if not rows:
        click.echo("没有已撤下的条目")


COMMANDS = (explain_command, merge_command, split_command, withdrawn_command)
