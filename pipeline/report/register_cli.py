"""``xxgk application …`` and ``xxgk appeal …``: the registers behind 表三 and 表四
of the annual report. Thin: parse, call pipeline.report.ledger, print."""

from __future__ import annotations

import json
from datetime import date

import click

from ..cli import Env
from . import ledger
from .cli import DAY, handles_errors, today_in
from .formats import APPLICANT_TYPES, T3_RESULTS
from .registers import APPEAL_KINDS, CHANNELS, Appeal, Application

APPEAL_KIND_ALIASES = {"复议": "行政复议", "直接起诉": "行政诉讼-未经复议直接起诉",
                       "未经复议直接起诉": "行政诉讼-未经复议直接起诉", "复议后起诉": "行政诉讼-复议后起诉"}


# --- applications ----------------------------------------------------------------


@click.group()
def application() -> None:
    """The register of 政府信息公开申请 (依申请公开): what 表三 of the annual report counts,
    and the reply deadlines of 条例第三十、三十三条.

    \b
    Example:
      xxgk application add --received 2021-03-01 --channel 网站 --applicant-type 自然人 --request "2020年低保名单"
      xxgk application list --open
      xxgk application close 2021-001 --outcome 予以公开 --replied 2021-03-20
    """


@application.command(name="add")
@click.option("--received", type=DAY, required=True, help="收到申请之日 (条例第三十一条).")
@click.option("--channel", type=click.Choice(CHANNELS), required=True, help="How it came in.")
@click.option("--applicant-type", type=click.Choice(APPLICANT_TYPES), required=True, help="申请人类型.")
@click.option("--request", default="", help="What was asked (申请内容).")
@click.option("--applicant", default="", help="The applicant's name (kept in the register, never published).")
@click.option("--note", default="")
@click.pass_obj
@handles_errors
def application_add(env: Env, received: date, channel: str, applicant_type: str, request: str,
                    applicant: str, note: str) -> None:
    """Register a received application; prints its number and reply deadline.

    \b
    Example:
      xxgk application add --received 2021-03-01 --channel 信函 --applicant-type 商业企业 --request "……"
    """
    app = Application(received_on=received, channel=channel, applicant_type=applicant_type,
                      request=request, applicant=applicant, note=note)
    with env.store() as store:
        app = ledger.add_application(store, app)
    click.echo(f"{app.id}  答复期限 {app.deadline().due}")


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
        state = r["state"] if not r["outcome"] else f"已答复 {r['replied_on']} {r['outcome']}"
        due_text = f"  期限 {r['final_due']}（剩 {r['workdays_left']} 个工作日）" if r["final_due"] else ""
        click.echo(f"{r['id']}  收到 {r['received_on']}  {r['channel']}  {r['applicant_type']}  "
                   f"{state}{due_text}  {r['request']}")
    for gap in sorted({g.message for d in due.values() for g in d.deadline.gaps}):
        click.echo(f"提示：{gap}", err=True)
    if not rows:
        click.echo("（没有申请）")


def _row(app: Application, due: ledger.DueApplication | None) -> dict:
    return {"id": app.id, "received_on": str(app.received_on), "channel": app.channel,
            "applicant_type": app.applicant_type, "request": app.request, "outcome": app.outcome,
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
    lines.append(f"办理结果 {app.outcome}，答复 {app.replied_on}" if app.outcome else "办理中")
    if app.note:
        lines.append(f"备注 {app.note}")
    lines += [f"提示：{g.message}" for g in d.gaps]
    click.echo("\n".join(lines))


@application.command(name="close")
@click.argument("app_id")
@click.option("--outcome", required=True, help="A row of 三、本年度办理结果: 予以公开, 部分公开, 保护第三方合法权益, 重复申请 …")
@click.option("--replied", type=DAY, required=True, help="The reply date.")
@click.pass_obj
@handles_errors
def application_close(env: Env, app_id: str, outcome: str, replied: date) -> None:
    """Record the reply to an application and its outcome.

    \b
    Example:
      xxgk application close 2021-001 --outcome 本机关不掌握相关政府信息 --replied 2021-03-20
    """
    with env.store() as store:
        app = ledger.close_application(store, app_id, outcome, replied)
        late = replied > app.deadline().final_due
    click.echo(f"{app.id}  {app.outcome}  答复 {app.replied_on}" + ("（超过答复期限）" if late else ""))


@application.command(name="update")
@click.argument("app_id")
@click.option("--corrected", type=DAY, help="收到补正申请之日: the 20 days restart (第三十条).")
@click.option("--extend", "extension", type=click.IntRange(0, 20), help="Extension in working days (≤ 20, 第三十三条).")
@click.option("--consulted", type=DAY, help="A third party / agency was consulted on this day (clock paused).")
@click.option("--consultation-answered", "answered", type=DAY, help="The open consultation was answered.")
@click.pass_obj
@handles_errors
def application_update(env: Env, app_id: str, corrected: date | None, extension: int | None,
                       consulted: date | None, answered: date | None) -> None:
    """Record 补正, an extension or a third-party consultation; prints the new deadline.

    \b
    Example:
      xxgk application update 2021-001 --extend 20
      xxgk application update 2021-001 --consulted 2021-03-05
    """
    with env.store() as store:
        if corrected or extension is not None:
            changes = {"corrected_on": corrected} if corrected else {}
            changes |= {"extension_workdays": extension} if extension is not None else {}
            ledger.update_application(store, app_id, **changes)
        if consulted:
            ledger.consult(store, app_id, consulted)
        if answered:
            ledger.consultation_answered(store, app_id, answered)
        d = ledger.get_application(store, app_id).deadline()
    click.echo(f"{app_id}  答复期限 {d.final_due}" + ("（征求意见未复，暂估）" if d.provisional else ""))


# --- appeals ------------------------------------------------------------------------


@click.group()
def appeal() -> None:
    """The register of 行政复议 and 行政诉讼 about disclosure: what 表四 counts.

    \b
    Example:
      xxgk appeal add --kind 行政复议 --filed 2021-05-06 --application 2021-001
      xxgk appeal decide F2021-001 --outcome 结果维持 --decided 2021-07-01
    """


def _kind(value: str) -> str:
    kind = APPEAL_KIND_ALIASES.get(value, value)
    if kind not in APPEAL_KINDS:
        raise click.BadParameter(f"{value!r}: one of {', '.join(APPEAL_KINDS)}")
    return kind


@appeal.command(name="add")
@click.option("--kind", required=True, help="行政复议, 行政诉讼-未经复议直接起诉 or 行政诉讼-复议后起诉.")
@click.option("--filed", type=DAY, required=True, help="申请复议 / 起诉之日.")
@click.option("--application", "application_id", default="", help="The application it is about.")
@click.pass_obj
@handles_errors
def appeal_add(env: Env, kind: str, filed: date, application_id: str) -> None:
    """Register a 行政复议 or 行政诉讼 (尚未审结 until decided).

    \b
    Example:
      xxgk appeal add --kind 复议后起诉 --filed 2021-08-02
    """
    with env.store() as store:
        if application_id:
            ledger.get_application(store, application_id)
        a = ledger.add_appeal(store, Appeal(kind=_kind(kind), filed_on=filed, application_id=application_id))
    click.echo(f"{a.id}  {a.kind}  {a.filed_on}")


@appeal.command(name="decide")
@click.argument("appeal_id")
@click.option("--outcome", type=click.Choice(T3_RESULTS[:3]), required=True)
@click.option("--decided", type=DAY, required=True, help="The day of the decision or judgment.")
@click.pass_obj
@handles_errors
def appeal_decide(env: Env, appeal_id: str, outcome: str, decided: date) -> None:
    """Record the result of an appeal.

    \b
    Example:
      xxgk appeal decide F2021-001 --outcome 结果纠正 --decided 2021-09-30
    """
    with env.store() as store:
        a = ledger.decide_appeal(store, appeal_id, outcome, decided)
    click.echo(f"{a.id}  {a.outcome}  {a.decided_on}")


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

