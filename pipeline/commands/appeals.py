"""``xxgk appeal …``: the register of 行政复议 / 行政诉讼 behind 表四 of the annual report.
Thin: parse, call pipeline.registers.ledger / corrections, print."""

from __future__ import annotations

from datetime import date

import click

from .base import Env, who
from ..registers import corrections, ledger
from .report import DAY, Choice, RegisterGroup, handles_errors, today_in
from ..registers.formats import T3_RESULTS
from .applications import BY, REASON, _published_notice, show_history
from ..registers.records import APPEAL_KIND_ALIASES, APPEAL_KINDS, Appeal, check_entry_dates

# --- appeals ------------------------------------------------------------------------


@click.group(cls=RegisterGroup)
def appeal() -> None:
    """The register of 行政复议 and 行政诉讼 about disclosure: what 表四 counts (each case in
    the year it was filed, 尚未审结 if undecided on 31 December of that year).

    \b
    Example:
      xxgk appeal add --kind 行政复议 --filed 2021-05-06 --application 2021-001
      xxgk appeal decide F2021-001 --outcome 结果维持 --decided 2021-07-01
      xxgk appeal decide F2021-001 --outcome 结果纠正 --decided 2021-07-01 --amend --reason "决定书登记错误"
    """


def _kind(value: str) -> str:
    kind = APPEAL_KIND_ALIASES.get(value.strip(), value.strip())
    if kind not in APPEAL_KINDS:
        raise click.BadParameter(f"“{value}”无效，应为：{'、'.join(APPEAL_KINDS)}（或 复议、直接起诉、复议后起诉）",
                                 param_hint="--kind")
    return kind


@appeal.command(name="add")
@click.option("--kind", required=True, help="行政复议, 行政诉讼-未经复议直接起诉 or 行政诉讼-复议后起诉.")
@click.option("--filed", type=DAY, required=True, help="申请复议 / 起诉之日.")
@click.option("--application", "application_id", default="", help="The application it is about.")
@click.option("--note", default="")
@BY
@click.pass_obj
@handles_errors
def appeal_add(env: Env, kind: str, filed: date, application_id: str, note: str, by: str | None) -> None:
    """Register a 行政复议 or 行政诉讼 (尚未审结 until decided).

    \b
    Example:
      xxgk appeal add --kind 复议后起诉 --filed 2021-08-02
    """
    kind = _kind(kind)
    check_entry_dates(today_in(env), filed_on=filed)
    with env.store() as store:
        if application_id:
            ledger.get_application(store, application_id)
        a = ledger.add_appeal(store, Appeal(kind=kind, filed_on=filed, application_id=application_id,
                                            note=note.strip()), who(by))
        _published_notice(store, filed.year)
    click.echo(f"{a.id}  {a.kind}  {a.filed_on}")


@appeal.command(name="decide")
@click.argument("appeal_id")
@click.option("--outcome", type=Choice(T3_RESULTS[:3]), required=True)
@click.option("--decided", type=DAY, required=True, help="The day of the decision or judgment.")
@click.option("--amend", is_flag=True, help="Change the result of an appeal already decided (needs --reason).")
@click.option("--reason", default="", help="Why the result is changed (with --amend).")
@BY
@click.pass_obj
@handles_errors
def appeal_decide(env: Env, appeal_id: str, outcome: str, decided: date, amend: bool, reason: str,
                  by: str | None) -> None:
    """Record the result of an appeal. A decided appeal keeps its result unless --amend
    and --reason are given; the old result stays in its history.

    \b
    Example:
      xxgk appeal decide F2021-001 --outcome 结果纠正 --decided 2021-09-30
    """
    check_entry_dates(today_in(env), decided_on=decided)
    with env.store() as store:
        old = ledger.get_appeal(store, appeal_id)
        a = ledger.decide_appeal(store, appeal_id, outcome, decided, who(by), amend, reason)
        _published_notice(store, old.filed_on.year)
    click.echo(f"{a.id}  {a.outcome}  {a.decided_on}")


@appeal.command(name="edit")
@click.argument("appeal_id")
@click.option("--kind", help="行政复议, 行政诉讼-未经复议直接起诉 or 行政诉讼-复议后起诉.")
@click.option("--filed", type=DAY, help="申请复议 / 起诉之日.")
@click.option("--application", "application_id", help="The application it is about.")
@click.option("--note")
@REASON
@BY
@click.pass_obj
@handles_errors
def appeal_edit(env: Env, appeal_id: str, kind: str | None, filed: date | None,
                application_id: str | None, note: str | None, reason: str, by: str | None) -> None:
    """Correct an appeal entered wrongly (its result: decide --amend).

    \b
    Example:
      xxgk appeal edit F2021-002 --kind 复议后起诉 --reason "类型登记错误"
    """
    changes = {k: v for k, v in {"kind": _kind(kind) if kind else None, "filed_on": filed,
                                 "application_id": application_id, "note": note}.items() if v is not None}
    with env.store() as store:
        old = ledger.get_appeal(store, appeal_id)
        if application_id:
            ledger.get_application(store, application_id)
        a = corrections.edit_appeal(store, appeal_id, who(by), reason, today_in(env), **changes)
        for year in {old.filed_on.year, a.filed_on.year}:
            _published_notice(store, year)
    click.echo(f"{a.id}  已更正（{reason}）")


@appeal.command(name="withdraw")
@click.argument("appeal_id")
@REASON
@BY
@click.pass_obj
@handles_errors
def appeal_withdraw(env: Env, appeal_id: str, reason: str, by: str | None) -> None:
    """Take an appeal out of the register (entered by mistake): kept, no longer counted.
    A case withdrawn by the appellant (撤回复议申请, 撤诉) still counts: decide it --outcome 其他结果.

    \b
    Example:
      xxgk appeal withdraw F2021-003 --reason "重复登记"
    """
    with env.store() as store:
        old = ledger.get_appeal(store, appeal_id)
        corrections.withdraw_appeal(store, appeal_id, who(by), reason)
        _published_notice(store, old.filed_on.year)
    click.echo(f"{appeal_id}  已撤销（{reason}）")


@appeal.command(name="history")
@click.argument("appeal_id")
@click.pass_obj
@handles_errors
def appeal_history(env: Env, appeal_id: str) -> None:
    """Every change of one appeal: who, when, what before and after, why.

    \b
    Example:
      xxgk appeal history F2021-001
    """
    show_history(env, "appeal", appeal_id)


@appeal.command(name="list")
@click.pass_obj
@handles_errors
def appeal_list(env: Env) -> None:
    """List the appeals.

    \b
    Example:
      xxgk appeal list
    """
    with env.store() as store:
        appeals = ledger.list_appeals(store)
    for a in appeals:
        click.echo(f"{a.id}  {a.kind}  提起 {a.filed_on}  {a.outcome}"
                   + (f" {a.decided_on}" if a.decided_on else "")
                   + (f"  申请 {a.application_id}" if a.application_id else ""))
    if not appeals:
        click.echo("（没有行政复议或行政诉讼）")
