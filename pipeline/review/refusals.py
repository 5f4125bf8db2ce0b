"""What an error page of the review app says: in Chinese, and the right reason — a refused
decision says what was refused, an expired form how to keep what was typed, a wrong method
or an oversized form what happened — with the way back (pure: the app renders error.html)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException

# The action a refused form asked for (app.MESSAGES' keys, the message after it is done).
ACTIONS = {"accepted": "接受分类", "changed": "修改分类", "validity": "设定有效性", "merged": "合并",
           "split": "拆分", "unconfirmed": "撤销确认"}
KEEP_TEXT = "请用浏览器的“后退”回到刚才的页面（填写的内容还在）"


# The description of the 400 a form gets whose token is not this session's: opened before logging
# in again (or forged). Its page says the form expired and how to keep what was typed.
FORM_EXPIRED = "form token missing or not this session's"


# The free text a clerk types into a form (the rest are choices and ids): shown again, to copy, on the
# page of a form refused because the session ended meanwhile — going back would re-ask for the login.
TYPED_FIELDS = {"note": "备注", "reason": "理由", "request": "申请内容", "applicant": "申请人"}
TYPED_AT_MOST = 2000  # the longest text a register keeps (an application's request)


def typed_texts(form: Mapping[str, str]) -> list[tuple[str, str]]:
    """Pure: (label, text) of each free-text field filled in a form, to show it again."""
    return [(label, form[field][:TYPED_AT_MOST]) for field, label in TYPED_FIELDS.items()
            if form.get(field, "").strip()]


@dataclass(frozen=True)
class Refusal:
    heading: str
    text: str
    detail: str = ""  # the refusal's own words (a DecisionError, a register check)


def refusal(error: HTTPException, action: str = "") -> Refusal:
    """Pure: the page for ``error``; ``action`` is the ACTIONS key of a refused decision."""
    code = error.code or 500
    detail = (error.description or "") if error.description != type(error).description else ""
    if code == 400 and detail == FORM_EXPIRED:
        return Refusal("表单已过期", "这张表单是在重新登录（或登录过期）之前打开的，已不能提交。"
                       f"{KEEP_TEXT}，把要保留的文字复制下来，再刷新那一页，粘贴后重新提交。")
    if code == 400 and (detail or action):
        what = ACTIONS.get(action, "执行该操作")
        return Refusal(f"未能{what}", f"没有{what}，原因如下。{KEEP_TEXT}，改正后再提交。",
                       detail)
    return {
        400: Refusal("无法处理该请求", f"提交的内容不完整或无法识别。{KEEP_TEXT}，检查后再提交。"),
        403: Refusal("请先登录", "登录已过期或尚未登录：请先登录，再回到刚才的页面。"),
        404: Refusal("没有找到该页面", "该条目或页面不存在（可能已撤销或已并入其他条目）。"),
        405: Refusal("该地址不能直接打开", "这个地址只用来提交表单（例如刷新了提交之后的页面，或从地址栏打开了它）。"
                     "请返回上一页重新操作。"),
        413: Refusal("提交的内容太多", f"一次提交的内容超过了 1 MB。{KEEP_TEXT}，删减后再提交。"),
        503: Refusal("数据库正忙，没有保存", "另一项任务（例如夜间任务）正在写入数据库，等了一会儿仍未结束，这次提交没有保存。"
                     f"{KEEP_TEXT}，过一两分钟再提交。"),
    }.get(code, Refusal("系统出错", "处理时出了错。请返回上一页稍后再试；如仍出错，请告知管理员。"))
