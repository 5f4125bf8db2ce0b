"""A [sources.NAME] table → Source: its kind, channel, CSS selectors (each one must parse), list
pages and, for a site whose lists are not in the HTML, its list endpoint ([sources.NAME.list_api])."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ConfigError
from . import keys
from .settings import LIST_API_ANSWERS, LIST_API_FIELDS, SOURCE_KINDS, WECHAT_API_URL, ListApi, Source
from .table import Table


def check_selector(path: Path, name: str, key: str, value: str) -> None:
    """CSS that parses (each alternative of "a || b")."""
    from cssselect import GenericTranslator, SelectorError

    where = f"{path}: [sources.{name}] selectors.{key}"
    for part in value.split("||"):
        if not part.strip():
            continue
        try:
            GenericTranslator().css_to_xpath(part.strip())
        except SelectorError as e:
            raise ConfigError(f"{where}: {part.strip()!r} is not a valid CSS selector ({e})") from None


def read_source(name: str, t: Table | None, path: Path) -> Source:
    if t is None:
        raise ConfigError(f"{path}: [sources.{name}]: expected a table with kind and url")
    kind = t.get("kind", str, expected=f"one of {', '.join(SOURCE_KINDS)}")
    if kind not in SOURCE_KINDS:
        raise t.fail("kind", f"one of {', '.join(SOURCE_KINDS)}")
    channel = t.get("channel", str, SOURCE_KINDS[kind])
    if channel not in ("wechat", "weibo", "website", "catalog"):
        raise t.fail("channel", "one of wechat, weibo, website, catalog")
    selectors = t.get("selectors", dict, {})
    known_selectors = keys.SELECTOR_KEYS.get(kind, {})
    for key, value in selectors.items():
        if key not in known_selectors:
            takes = f"one of {', '.join(known_selectors)}" if known_selectors else f"none for kind {kind}"
            raise ConfigError(f"{path}: [sources.{name}] selectors.{key}: unknown key (a typo? selectors: {takes})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: [sources.{name}] selectors.{key}: expected a CSS selector string, got {value!r}")
        check_selector(path, name, key, value)
    allow = t.get("allow_hosts", list, [])
    if not all(isinstance(h, str) for h in allow):
        raise t.fail("allow_hosts", "a list of host names")
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
        raise t.fail("list_api", "no list_api table: only a website or catalog source reads a list endpoint")
    if source.page_template and "{n}" not in source.page_template and "{page}" not in source.page_template:
        raise t.fail("page_template", 'a URL template with {n} (page - 1) or {page}, e.g. "index_{n}.html"')
    for key in ("recheck_days", "missing_runs"):
        if getattr(source, key) < 1:
            raise t.fail(key, "an integer >= 1")
    for key in ("max_pages", "recheck_cycle"):
        if getattr(source, key) < 0:
            raise t.fail(key, "an integer >= 0 (0: none)")
    t.check_unknown()
    return source


def read_list_api(t: Table) -> ListApi:
    """[sources.NAME.list_api]; every key is checked, unknown ones refused by name."""
    fields = {}
    for key in ("query", "form"):
        table = t.get(key, dict, {})
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in table.values()):
            raise t.fail(key, "a table of field = \"value\" (values may hold {page}, {start} …)")
        fields[key] = {name: str(value) for name, value in table.items()}
    api = ListApi(
        url=t.get("url", str, expected="the list endpoint's URL (a template with {page}, {start} …)"),
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
        raise t.fail("method", '"GET" or "POST"')
    if api.body not in ("form", "json"):
        raise t.fail("body", '"form" or "json"')
    if api.answer not in LIST_API_ANSWERS:
        raise t.fail("answer", " or ".join(f'"{a}"' for a in LIST_API_ANSWERS))
    if not 1 <= api.page_size <= 1000:
        raise t.fail("page_size", "an integer from 1 to 1000")
    if api.answer == "json":
        for key in ("records", "title", "link"):
            if not getattr(api, key):
                raise t.fail(key, "a dotted path into the JSON answer (e.g. \"data.list\", \"title\")")
    if api.form and api.method != "POST":
        raise t.fail("form", 'form fields only with method = "POST" (use query for GET)')
    if api.answer != "json":
        for key in ("title", "link_template", "total") + (("records",) if api.answer == "xml" else ()):
            if getattr(api, key):
                raise t.fail(key, f'nothing here with answer = "{api.answer}" (it is read from the records\' markup)')
    if api.link_template and re.findall(r"\{[^{}]*\}", api.link_template) != ["{}"]:
        raise t.fail("link_template", 'a URL template with one {} for the link field\'s value, e.g. "/art/{}.html"')
    for key, template in (("url", api.url), *((f"query.{k}", v) for k, v in api.query.items()),
                          *((f"form.{k}", v) for k, v in api.form.items())):
        problem = template_problem(template)
        if problem:
            raise ConfigError(f"{t.file}: {t.where}{key}: {problem} "
                              f"(use {', '.join('{' + f + '}' for f in LIST_API_FIELDS)}; {{{{ and }}}} for braces)")
    t.check_unknown()
    return api


def template_problem(template: str) -> str:
    """What is wrong with a list API template ("" when it fills)."""
    try:
        template.format(**dict.fromkeys(LIST_API_FIELDS, 1))
    except KeyError as e:
        return f"unknown placeholder {{{e.args[0]}}}"
    except (IndexError, ValueError) as e:
        return f"not a template: {e}"
    return ""
