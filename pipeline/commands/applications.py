"""``xxgk application …``: the register of 政府信息公开申请 behind 表三 of the annual
report (``xxgk appeal …`` is in appeals). Thin: parse, call pipeline.report, print."""

from __future__ import annotations

import json
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

import click

from .base import Env, who
from ..models import staff_day, staff_time
from ..registers import corrections, ledger
from .report import DAY, Choice, RegisterGroup, Count, handles_errors, today_in
from ..registers.formats import APPLICANT_TYPES
from ..registers.records import (
    CHANNELS, MAX_EXTENSION, Application, check_entry_dates, check_length, check_request, outcome_label,
)

if TYPE_CHECKING:
    from ..store import Store

BY = click.option("--by", "by", metavar="NAME", help="Who makes the change (default: $XXGK_USER or the login name).")
REASON = click.option("--reason", required=True, help="Why (kept in the change history).")

# --- applications ----------------------------------------------------------------


@click.group(cls=RegisterGroup)
def application() -> None:
    """The register of 政府信息公开申请 (依申请公开): what 表三 of the annual report counts,
    and the reply deadlines of 条例第三十、三十三条.

    \b
    Example:
      xxgk application add --received 2021-03-01 --channel 网站 --applicant-type 自然人 --request "2020年低保名单"
      xxgk application list --open
      xxgk application close 2021-001 --outcome 予以公开 --replied 2021-03-20
      xxgk application edit 2021-001 --applicant-type 商业企业 --reason "登记时选错申请人类型"
      xxgk application opening --year 2021 --count 自然人=2
      xxgk application import 申请登记.xlsx
    """


@application.command(name="add")
@click.option("--received", type=DAY, required=True, help="收到申请之日 (条例第三十一条).")
@click.option("--channel", type=Choice(CHANNELS), required=True, help="How it came in.")
@click.option("--applicant-type", type=Choice(APPLICANT_TYPES), required=True, help="申请人类型.")
@click.option("--request", required=True, help="What was asked (申请内容, required).")
@click.option("--applicant", default="", help="The applicant's name (kept in the register, never published).")
@click.option("--note", default="")
@BY
@click.pass_obj
@handles_errors
def application_add(env: Env, received: date, channel: str, applicant_type: str, request: str,
                    applicant: str, note: str, by: str | None) -> None:
    """Register a received application; prints its number and reply deadline.

    \b
    Example:
      xxgk application add --received 2021-03-01 --channel 信函 --applicant-type 商业企业 --request "……"
    """
    check_entry_dates(today_in(env), received_on=received)
    app = Application(received_on=received, channel=channel, applicant_type=applicant_type,
                      request=check_request(request), applicant=check_length("applicant", applicant.strip()),
                      note=check_length("note", note.strip()))
    with env.store() as store:
        app = ledger.add_application(store, app, who(by))
        click.echo(f"{app.id}  答复期限 {app.deadline().due}")
        _published_notice(store, received.year)


@application.command(name="list")
@click.option("--open", "open_only", is_flag=True, help="Only applications not yet answered.")
@click.option("--today", type=DAY, help="Judge deadlines as of this day (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@click.pass_obj
@handles_errors
def application_list(env: Env, open_only: bool, today: date | None, as_json: bool) -> None:
    """List applications; open ones show their deadline, overdue (已逾期) and due soon (即将到期).

    \b
    Example:
      xxgk application list --open
    """
    today = today or today_in(env)
    with env.store() as store:
        apps = ledger.list_applications(store, open_only=open_only)
        due = {d.application.id: d for d in ledger.due_applications(store, today)}
    rows = [_row(app, due.get(app.id)) for app in apps]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        state = r["state"] if not r["outcome"] else f"已答复 {r['replied_on']} {outcome_label(r['outcome'])}"
        due_text = f"  期限 {r['final_due']}（剩 {r['workdays_left']} 个工作日）" if r["final_due"] else ""
        click.echo(f"{r['id']}  收到 {r['received_on']}  {r['channel']}  {r['applicant_type']}  "
                   f"{state}{due_text}  {r['request']}")
    for gap in sorted({g.message for d in due.values() for g in d.deadline.gaps}):
        click.echo(f"提示：{gap}", err=True)
    if not rows:
        click.echo("（没有申请）")


def _row(app: Application, due: ledger.DueApplication | None) -> dict[str, Any]:
    return {"id": app.id, "received_on": str(app.received_on), "channel": app.channel,
            "applicant_type": app.applicant_type, "request": app.request, "outcome": app.outcome,
            "outcome_label": outcome_label(app.outcome) if app.outcome else None,
            "replied_on": str(app.replied_on) if app.replied_on else None,
            "state": due.label if due else "已答复",
            "final_due": str(due.deadline.final_due) if due else None,
            "workdays_left": due.workdays_left if due else None}


@application.command(name="show")
@click.argument("app_id")
@click.pass_obj
@handles_errors
def application_show(env: Env, app_id: str) -> None:
    """Show one application with its deadlines (补正, extension, consultations).

    \b
    Example:
      xxgk application show 2021-001
    """
    with env.store() as store:
        app = ledger.get_application(store, app_id)
        trail = ledger.history(store, "application", app_id)
    d = app.deadline()
    lines = [f"编号 {app.id}", f"收到申请 {app.received_on}（{app.channel}）", f"申请人 {app.applicant_type}"
             + (f" {app.applicant}" if app.applicant else ""), f"申请内容 {app.request}",
             f"补正告知期限 {d.correction_notice_due}（第三十条，7个工作日）"]
    if app.corrected_on:
        lines.append(f"收到补正 {app.corrected_on}（答复期限自此重新计算）")
    for c in app.consultations:
        lines.append(f"征求意见 {c.sent_on} → " + (f"答复 {c.answered_on}" if c.answered_on else "尚未答复"))
    lines += [f"答复期限 {d.due}（第三十三条，20个工作日" + (f"，暂停 {d.paused_workdays} 个工作日" if d.paused_workdays else "")
              + ("，征求意见未复，暂按15个工作日估算" if d.provisional else "") + "）"]
    if app.extension_workdays:
        lines.append(f"延长 {app.extension_workdays} 个工作日，至 {d.final_due}")
    lines.append(f"办理结果 {outcome_label(app.outcome)}，答复 {app.replied_on}" if app.outcome else "办理中")
    if app.note:
        lines.append(f"备注 {app.note}")
    lines += [f"提示：{g.message}" for g in d.gaps]
    click.echo("\n".join(lines + _history_lines(trail, env.config.office.timezone)))


@application.command(name="close")
@click.argument("app_id")
@click.option("--outcome", required=True, help="A row of 三、本年度办理结果: 予以公开, 部分公开, 保护第三方合法权益, 重复申请 …")
@click.option("--replied", type=DAY, required=True, help="The reply date.")
@BY
@click.pass_obj
@handles_errors
def application_close(env: Env, app_id: str, outcome: str, replied: date, by: str | None) -> None:
    """Record the reply to an application and its outcome.

    \b
    Example:
      xxgk application close 2021-001 --outcome 本机关不掌握相关政府信息 --replied 2021-03-20
    """
    check_entry_dates(today_in(env), replied_on=replied)
    with env.store() as store:
        app = ledger.close_application(store, app_id, outcome, replied, who(by))
        late = replied > app.deadline().final_due
        _published_notice(store, replied.year)
    click.echo(f"{app.id}  {outcome_label(app.outcome)}  答复 {app.replied_on}" + ("（超过答复期限）" if late else ""))


@application.command(name="update")
@click.argument("app_id")
@click.option("--corrected", type=DAY, help="收到补正申请之日: the 20 days restart (第三十条).")
@click.option("--extend", "extension", type=Count(0, MAX_EXTENSION), help="Extension in working days (≤ 20, 第三十三条).")
@click.option("--consulted", type=DAY, help="A third party / agency was consulted on this day (clock paused).")
@click.option("--consultation-answered", "answered", type=DAY, help="The open consultation was answered.")
@BY
@click.pass_obj
@handles_errors
def application_update(env: Env, app_id: str, corrected: date | None, extension: int | None,
                       consulted: date | None, answered: date | None, by: str | None) -> None:
    """Record 补正, an extension or a third-party consultation; prints the new deadline.

    \b
    Example:
      xxgk application update 2021-001 --extend 20
      xxgk application update 2021-001 --consulted 2021-03-05
    """
    check_entry_dates(today_in(env), corrected_on=corrected, consulted_on=consulted, answered_on=answered)
    with env.store() as store:
        if corrected or extension is not None:
            changes: dict[str, Any] = {"corrected_on": corrected} if corrected else {}
            changes |= {"extension_workdays": extension} if extension is not None else {}
            ledger.update_application(store, app_id, who(by), "办理", **changes)
        if consulted:
            ledger.consult(store, app_id, consulted, who(by))
        if answered:
            ledger.consultation_answered(store, app_id, answered, who(by))
        d = ledger.get_application(store, app_id).deadline()
    click.echo(f"{app_id}  答复期限 {d.final_due}" + ("（征求意见未复，暂估）" if d.provisional else ""))


@application.command(name="edit")
@click.argument("app_id")
@click.option("--received", type=DAY, help="收到申请日期.")
@click.option("--channel", type=Choice(CHANNELS), help="申请渠道.")
@click.option("--applicant-type", type=Choice(APPLICANT_TYPES), help="申请人类型.")
@click.option("--applicant", help="申请人.")
@click.option("--request", help="申请内容.")
@click.option("--outcome", help="办理结果 (an answered application).")
@click.option("--replied", type=DAY, help="答复日期 (an answered application).")
@click.option("--corrected", type=DAY, help="收到补正日期.")
@click.option("--extend", "extension", type=Count(0, MAX_EXTENSION), help="延长答复期限（工作日）.")
@click.option("--note", help="备注.")
@REASON
@BY
@click.pass_obj
@handles_errors
def application_edit(env: Env, /, app_id: str, reason: str, by: str | None, **fields: object) -> None:
    """Correct an application entered wrongly; the old values stay in its history.

    \b
    Example:
      xxgk application edit 2021-003 --received 2021-03-02 --reason "收到日期登记错误，以签收单为准"
    """
    names = {"received": "received_on", "replied": "replied_on", "corrected": "corrected_on",
             "extension": "extension_workdays"}
    changes = {names.get(k, k): v for k, v in fields.items() if v is not None}
    with env.store() as store:
        before = ledger.get_application(store, app_id)
        app = corrections.edit_application(store, app_id, who(by), reason, today_in(env), **changes)
        for year in {before.received_on.year, app.received_on.year} | _reply_years(before, app):
            _published_notice(store, year)
    click.echo(f"{app.id}  已更正（{reason}）")


def _reply_years(*apps: Application) -> set[int]:
    return {a.replied_on.year for a in apps if a.replied_on}


@application.command(name="reopen")
@click.argument("app_id")
@REASON
@BY
@click.pass_obj
@handles_errors
def application_reopen(env: Env, app_id: str, reason: str, by: str | None) -> None:
    """An answered application is open again (its reply was recorded by mistake).

    \b
    Example:
      xxgk application reopen 2021-003 --reason "误登记为已答复"
    """
    with env.store() as store:
        before = ledger.get_application(store, app_id)
        corrections.reopen_application(store, app_id, who(by), reason)
        for year in _reply_years(before):
            _published_notice(store, year)
    click.echo(f"{app_id}  重新办理（{reason}）")


@application.command(name="withdraw")
@click.argument("app_id")
@REASON
@BY
@click.pass_obj
@handles_errors
def application_withdraw(env: Env, app_id: str, reason: str, by: str | None) -> None:
    """Take an application out of the register (entered twice, not an application): it is
    kept with the reason but no longer counted; its number is not given again. An application
    the applicant withdrew (申请人撤回) still counts: close it with --outcome 其他.

    \b
    Example:
      xxgk application withdraw 2021-004 --reason "与 2021-003 重复登记"
    """
    with env.store() as store:
        before = ledger.get_application(store, app_id)
        corrections.withdraw_application(store, app_id, who(by), reason)
        for year in {before.received_on.year} | _reply_years(before):
            _published_notice(store, year)
    click.echo(f"{app_id}  已撤销（{reason}）")


@application.command(name="history")
@click.argument("app_id")
@click.pass_obj
@handles_errors
def application_history(env: Env, app_id: str) -> None:
    """Every change of one application: who, when, what before and after, why.

    \b
    Example:
      xxgk application history 2021-003
    """
    show_history(env, "application", app_id)


def show_history(env: Env, register: str, entry_id: str) -> None:
    with env.store() as store:
        trail = ledger.history(store, register, entry_id)
    if not trail:
        raise click.ClickException(f"没有编号为 {entry_id} 的{'申请' if register == 'application' else '复议诉讼'}记录")
    click.echo("\n".join(_history_lines(trail, env.config.office.timezone)[1:]))


def _history_lines(trail: list[dict[str, Any]], tz: tzinfo) -> list[str]:
    lines = ["更改记录："]
    for t in trail:
        change = "；".join(ledger.change_lines(t["before"], t["after"]))
        lines.append(f"  {staff_time(t['at'], tz)}  {t['who']}  {t['action']}"
                     + (f"  {change}" if change else "") + (f"  理由：{t['reason']}" if t["reason"] else ""))
    return lines


def _published_notice(store: Store, year: int) -> None:
    """Say so when a change touches a year whose report is published (it stays as published)."""
    from ..registers.published import published

    frozen = published(store, year)
    if frozen is not None:
        click.echo(f"提示：{year}年年度报告已于 {staff_day(frozen['published_at'], store.tz)} 发布；发布的数字不变，"
                   f"如此更改使数字不同，将在该年报告中列为更正说明", err=True)


@application.command(name="opening")
@click.option("--year", type=int, required=True, help="The first year the register is kept in xxgk.")
@click.option("--count", "counts", multiple=True, required=True, metavar="类型=件数",
              help="Applications still open on 1 January of --year, by applicant type (repeatable).")
@click.option("--reason", default="", help="Where the numbers come from (e.g. 上年报告).")
@BY
@click.pass_obj
@handles_errors
def application_opening(env: Env, year: int, counts: tuple[str, ...], reason: str, by: str | None) -> None:
    """Record the opening balance: applications carried into --year (表三 二、上年结转), by
    applicant type. No application is invented and no report for the year before is made
    from them; answer them with `xxgk application close-opening`.

    \b
    Example:
      xxgk application opening --year 2021 --count 自然人=2 --count 商业企业=1 --reason "2020年报告结转"
    """
    from ..registers.records import halfwidth
    from ..registers.opening import set_opening

    parsed = {}
    for item in counts:
        kind, sep, n = halfwidth(item).partition("=")
        if not sep or not n.strip().isdigit():
            raise click.BadParameter(f"“{item}”应写作 申请人类型=件数，如 自然人=2", param_hint="--count")
        parsed[kind.strip()] = int(n)
    with env.store() as store:
        set_opening(store, year, parsed, who(by), reason)
    click.echo(f"{year}年期初结转：" + "，".join(f"{k} {v} 件" for k, v in parsed.items()))


@application.command(name="close-opening")
@click.option("--year", type=int, required=True, help="The year of the opening balance.")
@click.option("--applicant-type", type=Choice(APPLICANT_TYPES), required=True)
@click.option("--outcome", required=True, help="A row of 三、本年度办理结果.")
@click.option("--replied", type=DAY, required=True, help="The reply date.")
@BY
@click.pass_obj
@handles_errors
def application_close_opening(env: Env, year: int, applicant_type: str, outcome: str, replied: date,
                              by: str | None) -> None:
    """Record the reply to one case of an opening balance.

    \b
    Example:
      xxgk application close-opening --year 2021 --applicant-type 自然人 --outcome 予以公开 --replied 2021-01-15
    """
    from ..registers.opening import close_opening

    check_entry_dates(today_in(env), replied_on=replied)
    with env.store() as store:
        key = close_opening(store, year, applicant_type, outcome, replied, who(by))
        _published_notice(store, replied.year)
    click.echo(f"{year}年期初结转 {applicant_type}  {outcome_label(key)}  答复 {replied}")
