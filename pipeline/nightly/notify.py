"""Send health alerts: e-mail over SMTP, or a WeCom / DingTalk style webhook.

Credentials come from environment variables named in the config, never from the
config file itself, and never appear in a message or a log line.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from typing import Any

from ..config import Alerts, Config
from ..errors import NotifyError, XxgkError
from .health import Alert

log = logging.getLogger("xxgk.notify")


def alert_text(office: str, alerts: Sequence[Alert]) -> str:
    lines = [f"xxgk（{office}）需要处理的问题："]
    lines += [f"- {a.message}" for a in alerts]
    return "\n".join(lines)


def webhook_payload(kind: str, text: str) -> dict[str, Any]:
    """WeCom and DingTalk robots both take {"msgtype": "text", "text": {"content": …}}."""
    if kind in ("wecom", "dingtalk"):
        return {"msgtype": "text", "text": {"content": text}}
    return {"text": text}


def send_email(settings: Alerts, subject: str, text: str, env: Mapping[str, str] | None = None) -> None:
    env = os.environ if env is None else env
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.email_from or f"xxgk@{settings.smtp_host}"
    message["To"] = ", ".join(settings.email_to)
    message.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            user = env.get(settings.smtp_user_env, "") if settings.smtp_user_env else ""
            if user:
                smtp.login(user, env.get(settings.smtp_password_env, ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as e:
        # The exception text may echo the server's reply, never our password.
        raise NotifyError(f"e-mail to {', '.join(settings.email_to)} via {settings.smtp_host} failed: "
                          f"{type(e).__name__}") from None


def send(settings: Alerts, office: str, alerts: Sequence[Alert],
         post_json: Callable[[str, dict[str, Any]], None] | None = None) -> tuple[list[str], bool]:
    """Deliver alerts on every configured channel; returns the problems and whether the alerts were
    delivered: by some channel, or there is none to try (delivery never raises)."""
    if not alerts:
        return [], True
    text = alert_text(office, alerts)
    problems, tried = [], 0
    if settings.email_to:
        tried += 1
        try:
            send_email(settings, f"[xxgk] {office}：{len(alerts)} 个问题", text)
        except NotifyError as e:
            problems.append(str(e))
    if settings.webhook_url and post_json is not None:
        tried += 1
        try:
            post_json(settings.webhook_url, webhook_payload(settings.webhook_kind, text))
        except XxgkError as e:
            problems.append(f"webhook failed: {e}")
    for problem in problems:
        log.warning("alert delivery: %s", problem)
    return problems, len(problems) < tried or not tried


def webhook_poster(config: Config) -> Callable[[str, dict[str, Any]], None] | None:
    """POST through the one HTTP client (fetch.py), allowed to reach only the webhook's host."""
    from urllib.parse import urlsplit

    from ..fetch.client import Fetcher

    url = config.alerts.webhook_url
    if not url:
        return None

    def post(target: str, payload: dict[str, Any]) -> None:
        with Fetcher(config.fetch, {urlsplit(url).hostname or ""}) as fetcher:
            answer = fetcher.post_json(target, payload)
        if config.alerts.webhook_kind in ("wecom", "dingtalk") and (refused := robot_refusal(answer.content)):
            raise NotifyError(refused)

    return post


def send_run_alert(config: Config, message: str) -> None:
    """One message about the run itself (the scheduler's failed night) as an alert ([alerts])."""
    send(config.alerts, config.office.name, [Alert("run", "nightly", message)], post_json=webhook_poster(config))


def robot_refusal(answer: bytes) -> str:
    """Pure: why a WeCom or DingTalk robot refused a message it answered with HTTP 200 ({"errcode":
    93000, "errmsg": "invalid webhook url"}; a rate limit, DingTalk's keyword check), else ""."""
    try:
        data = json.loads(answer)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return f"the robot's answer is not JSON ({answer[:80]!r})"
    code = data.get("errcode", 0) if isinstance(data, dict) else 0
    return "" if code == 0 else f"the robot refused the message: errcode {code} {data.get('errmsg', '')}".rstrip()
