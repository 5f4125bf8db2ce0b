"""A [sources.NAME] table → Source: its kind, channel, CSS selectors (each one must parse), list
pages and, for a site whose lists are not in the HTML, its list endpoint ([sources.NAME.list_api])."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ConfigError
from . import keys, messages
from .settings import LIST_API_ANSWERS, LIST_API_FIELDS, SOURCE_KINDS, WECHAT_API_URL, ListApi, Source
from .table import Table


def check_selector(path: Path, name: str, key: str, value: str) -> None:
    """CSS that parses (each alternative of "a || b")."""
    from cssselect import GenericTranslator, SelectorError

    where = messages.place(f"sources.{name}", f"selectors.{key}")
    for part in value.split("||"):
        if not part.strip():
            continue
        try:
            GenericTranslator().css_to_xpath(part.strip())
        except SelectorError as e:
            which = "" if part.strip() == value.strip() else f"其中的 {messages.shown(part.strip())} "  # of "a || b"
            raise ConfigError(messages.say(path, f"{where} = {messages.shown(value)}",
                                           f"{which}不是有效的 CSS 选择器（{e}）")) from None


def read_source(name: str, t: Table | None, path: Path) -> Source:
    if t is None:
        raise ConfigError(messages.say(path, f"[sources.{name}]", "应为含 kind 和 url 的表"))
    kinds = messages.one_of(SOURCE_KINDS)
    kind = t.get("kind", str, expected=kinds)
    if kind not in SOURCE_KINDS:
        raise t.fail("kind", kinds)
    channel = t.get("channel", str, SOURCE_KINDS[kind])
    if channel not in ("wechat", "weibo", "website", "catalog"):
        raise t.fail("channel", messages.one_of(("wechat", "weibo", "website", "catalog")))
    selectors = t.get("selectors", dict, {})
    known_selectors = keys.SELECTOR_KEYS.get(kind, {})
    for key, value in selectors.items():
        if key not in known_selectors:
            where = t.place(f"selectors.{key}")
            if not known_selectors:
                raise ConfigError(messages.say(path, where, f"未知的键（kind = \"{kind}\" 的信息源没有 selectors）"))
            raise ConfigError(messages.unknown_key(path, where, known_selectors))
        if not isinstance(value, str):
            raise ConfigError(messages.expected(path, t.place(f"selectors.{key}"), "CSS 选择器（字符串）", value))
        check_selector(path, name, key, value)
    allow = t.get("allow_hosts", list, [])
    if not all(isinstance(h, str) for h in allow):
        raise t.fail("allow_hosts", "主机名的列表")
    source = Source(
        name=name,
        kind=kind,
        channel=channel,
        url=t.url("url", WECHAT_API_URL if kind == "wechat_api" else ...),
        selectors=dict(selectors),
        allow_hosts=tuple(h.lower() for h in allow),
        max_pages=t.get("max_pages", int, 0),
        obey_robots=t.get("obey_robots", bool, None),
        page_template=t.get("page_template", str, ""),
        recheck_days=t.get("recheck_days", int, 30),
        recheck_cycle=t.get("recheck_cycle", int, 7),
        column=t.get("column", str, ""),
        missing_runs=t.get("missing_runs", int, 3),
        appid_env=t.get("appid_env", str, "XXGK_WECHAT_APPID"),
        secret_env=t.get("secret_env", str, "XXGK_WECHAT_SECRET"),
        secrets_file=(path.resolve().parent / secrets) if (secrets := t.get("secrets_file", str, "")) else None,
        list_api=read_list_api(t.table("list_api")) if "list_api" in t.data else None,
    )
    if source.list_api is not None and kind not in ("website", "catalog"):
        raise t.wrong("list_api", f"kind = \"{kind}\" 的信息源不能有 list_api 表（只有 website 和 catalog 信息源读取列表接口）")
    if source.page_template and "{n}" not in source.page_template and "{page}" not in source.page_template:
        raise t.fail("page_template", '含 {n}（页码减 1）或 {page} 的网址模板，如 "index_{n}.html"')
    for key in ("recheck_days", "missing_runs"):
        if getattr(source, key) < 1:
            raise t.fail(key, "不小于 1 的整数")
    for key in ("max_pages", "recheck_cycle"):
        if getattr(source, key) < 0:
            raise t.fail(key, "不小于 0 的整数（0：不限）")
    t.check_unknown()
    return source


def read_list_api(t: Table) -> ListApi:
    """[sources.NAME.list_api]; every key is checked, unknown ones refused by name."""
    fields = {}
    for key in ("query", "form"):
        table = t.get(key, dict, {})
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in table.values()):
            raise t.fail(key, '字段 = "值" 组成的表（值中可用 {page}、{start} 等）')
        fields[key] = {name: str(value) for name, value in table.items()}
    api = ListApi(
        url=t.get("url", str, expected="列表接口的网址（可含 {page}、{start} 等的模板）"),
        method=t.get("method", str, "GET").upper(),
        query=fields["query"],
        form=fields["form"],
        body=t.get("body", str, "form"),
        page_size=t.get("page_size", int, 20),
        answer=t.get("answer", str, "json"),
        records=t.get("records", str, ""),
        title=t.get("title", str, ""),
        link=t.get("link", str, ""),
        date=t.get("date", str, ""),
        link_template=t.get("link_template", str, ""),
        total=t.get("total", str, ""),
    )
    if api.method not in ("GET", "POST"):
        raise t.fail("method", '"GET" 或 "POST"')
    if api.body not in ("form", "json"):
        raise t.fail("body", '"form" 或 "json"')
    if api.answer not in LIST_API_ANSWERS:
        raise t.fail("answer", messages.one_of(LIST_API_ANSWERS))
    if not 1 <= api.page_size <= 1000:
        raise t.fail("page_size", "1 到 1000 之间的整数")
    if api.answer == "json":
        for key in ("records", "title", "link"):
            if not getattr(api, key):
                raise t.fail(key, 'JSON 应答中的点分路径（如 "data.list"、"title"）')
    if api.form and api.method != "POST":
        raise t.wrong("form", 'form 字段只用于 method = "POST"（GET 请求请用 query）')
    if api.answer != "json":
        for key in ("title", "link_template", "total") + (("records",) if api.answer == "xml" else ()):
            if getattr(api, key):
                raise t.wrong(key, f'answer = "{api.answer}" 时不用此键（从记录的标记中读取）')
    if api.link_template and re.findall(r"\{[^{}]*\}", api.link_template) != ["{}"]:
        raise t.fail("link_template", '含一个 {}（链接字段的值）的网址模板，如 "/art/{}.html"')
    for key, template in (("url", api.url), *((f"query.{k}", v) for k, v in api.query.items()),
                          *((f"form.{k}", v) for k, v in api.form.items())):
        problem = template_problem(template)
        if problem:
            raise ConfigError(messages.say(t.file, f"{t.place(key)} = {messages.shown(template)}",
                                           f"{problem}（可用 {'、'.join('{' + f + '}' for f in LIST_API_FIELDS)}；"
                                           f"花括号本身写作 {{{{ 和 }}}}）"))
    t.check_unknown()
    return api


def template_problem(template: str) -> str:
    """What is wrong with a list API template ("" when it fills)."""
    try:
        template.format(**dict.fromkeys(LIST_API_FIELDS, 1))
    except KeyError as e:
        return f"未知的占位符 {{{e.args[0]}}}"
    except (IndexError, ValueError) as e:
        return f"不是有效的模板（{e}）"
    return ""
