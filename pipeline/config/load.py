"""Read an office's config file: TOML → a checked Config, and what every key read gave.

Precedence: the TOML file, then the environment (XXGK_DATABASE, XXGK_OUTPUT), then CLI options.
Paths in the TOML are relative to the config file; those of the environment, to the current folder.
Every mistake stops with one ConfigError naming the file,
the key and what was expected, in Chinese (the form: pipeline/config/messages.py).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from . import keys, messages
from .settings import (DEFAULT_CONFIG_NAME, DEFAULTS_AUTO_ACCEPT, RECHECK_MODES, RESOLVE_EXPECTED, Alerts, Config,
                       FetchSettings, Office, fetch_out_of_range)
from .sources import read_source
from .table import Table


def find_config(explicit: str | os.PathLike[str] | None) -> Path:
    """The config path: --config, else $XXGK_CONFIG, else ./xxgk.toml."""
    chosen = explicit or os.environ.get("XXGK_CONFIG") or DEFAULT_CONFIG_NAME
    return Path(chosen)


def load(path: str | os.PathLike[str], env: Mapping[str, str] | None = None, raw: dict[str, Any] | None = None) -> Config:
    """Read and check a config file; raise ConfigError with the file and key on any mistake.

    ``raw``: the TOML already read (an office's block in a district file, pipeline/district);
    ``path`` then names it in messages and anchors its relative paths."""
    return load_effective(path, env, raw)[0]


def load_effective(path: str | os.PathLike[str], env: Mapping[str, str] | None = None, raw: dict[str, Any] | None = None
                   ) -> tuple[Config, dict[str, dict[str, tuple[Any, bool]]]]:
    """The config, and what every key read gave: table → key → (value, whether the file set it)."""
    path = Path(path)
    env = os.environ if env is None else env
    root = Table(read_toml(path, "配置文件", "用 --config PATH 指定，或设置环境变量 XXGK_CONFIG") if raw is None else raw,
                 "", path)
    base = path.resolve().parent
    # in the order `xxgk config check` shows the tables
    office = _read_office(root.table("office"))
    fields = _read_paths(root.table("paths"), base, env)
    fetch = _read_fetch(root.table("fetch"))
    fields |= {**_read_collect(root.table("collect")), **_read_merge(root.table("merge")),
               **_read_classify(root.table("classify"), base), **_read_publish(root.table("publish"))}
    alerts = _read_alerts(root.table("alerts"))
    fields |= {**_read_schedule(root.table("schedule")), **_read_review(root.table("review"))}
    # no [sources] at all is valid: an office that only keeps its registers and annual report
    sources_table = root._get("sources", dict, {}, expected="每个信息源一个 [sources.NAME] 表")
    sources = tuple(
        read_source(name, Table(spec, f"[sources.{name}]", path, f"sources.{name}", "sources.*", root.effective)
                    if isinstance(spec, dict) else None, path)
        for name, spec in sources_table.items()
    )
    root.check_unknown()
    return Config(path=path, office=office, fetch=fetch, sources=sources, alerts=alerts, **fields), root.effective


def read_toml(path: Path, what: str, how_to_name: str) -> dict[str, Any]:
    """A TOML file read (`what`: "配置文件", "区配置文件"; `how_to_name`: how to point xxgk at another),
    or one ConfigError saying in Chinese why not."""
    try:  # utf-8-sig: Windows Notepad's UTF-8 begins with a BOM, which TOML would refuse on line 1
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(messages.say(path, f"没有这个{what}（{how_to_name}）")) from None
    except IsADirectoryError:
        raise ConfigError(messages.say(path, f"是文件夹，不是{what}（{how_to_name}）")) from None
    except PermissionError:
        raise ConfigError(messages.say(path, f"没有读取这个{what}的权限")) from None
    except OSError as e:  # anything else the system refuses
        raise ConfigError(messages.say(path, f"无法读取{what}（{e.strerror or e}）")) from None
    except UnicodeDecodeError:
        raise ConfigError(messages.say(path, "不是 UTF-8 编码的文本，请以 UTF-8 保存")) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(messages.say(path, messages.not_toml(str(e)))) from None


def _read_paths(t: Table, base: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """[paths], relative to the config file; the environment's XXGK_DATABASE and XXGK_OUTPUT first."""
    database = _placed(env.get("XXGK_DATABASE"), base / t.get("database", str, "xxgk.db"))
    output = _placed(env.get("XXGK_OUTPUT"), base / t.get("output", str, "output"))
    site = t.get("site", str, None)  # None: output/site, wherever the output is
    docroot = (base / site).resolve() if site is not None else None
    if docroot is not None and output.is_relative_to(docroot):
        raise t.wrong("site", f"网站根目录不能是输出文件夹 {output} 本身或包含它："
                              "输出文件夹里的年度报告草稿和内部文件会随网站公开（省略此项即为 output/site）")
    t.effective["paths"]["site"] = (str(docroot or output / "site"), site is not None)  # `config check` shows where
    log_file = (base / t.get("log", str, str(database.with_suffix(".log")))).resolve()
    t.check_unknown()
    return {"database": database, "output": output, "site": docroot, "log_file": log_file}


def _placed(given: str | None, configured: Path) -> Path:
    """A path the environment gives (the operator's: a relative one is from the current folder, never
    from the config file's, which for `xxgk demo` is the installed package's), else the configured one."""
    return Path(given).resolve() if given else configured.resolve()


def _read_collect(t: Table) -> dict[str, Any]:
    parse_workers = t.get("parse_workers", (int, str), "auto")
    if parse_workers == "auto":
        parse_workers = None
    elif not isinstance(parse_workers, int) or isinstance(parse_workers, bool) or parse_workers < 0:
        raise t.fail("parse_workers", '"auto" 或不小于 0 的整数')
    recheck = t.get("recheck", object, "nightly")  # any type: a wrong one gets the Chinese message too
    if recheck not in RECHECK_MODES:
        raise t.fail("recheck", '"nightly"（在夜间任务中分批复查旧文章，默认）或 "hourly"'
                                '（由每小时运行的 xxgk recheck 复查，见 cron/README.md）')
    archive_images = t.get("archive_images", object, False)  # any type: a wrong one gets the Chinese message
    if not isinstance(archive_images, bool):
        raise t.fail("archive_images", "true（保存正文图片的副本，发布时使用副本）或 false（不保存，默认）")
    t.check_unknown()
    return {"parse_workers": parse_workers, "recheck": recheck, "archive_images": archive_images}


def _read_merge(t: Table) -> dict[str, Any]:
    window = t.get("window_days", int, 10)
    if not 0 <= window <= 366:
        raise t.fail("window_days", "0 到 366 之间的整数")
    count_channel = t.get("count_channel", str, "first")
    if count_channel not in (channels := ("first", "any_social", "primary")):
        raise t.fail("count_channel", messages.one_of(channels))
    t.check_unknown()
    return {"merge_window_days": window, "merge_count_channel": count_channel}


def _read_classify(t: Table, base: Path) -> dict[str, Any]:
    auto_accept = float(t.get("auto_accept", (int, float), DEFAULTS_AUTO_ACCEPT))
    if not 0 <= auto_accept <= 1:
        raise t.fail("auto_accept", "0 到 1 之间的数")
    catalog = t.get("catalog", str, "")
    catalog_changes = _read_catalog_changes(t)
    # [classify.labels] 主题分类/栏目 name → leaf id: how the office's already-filed items map onto
    # its catalog (on top of the catalog's own `columns`/`labels`); checked against the tree on use.
    labels = t.get("labels", dict, {})
    if not all(isinstance(k, str) and (isinstance(v, str) or (isinstance(v, list) and v and all(
            isinstance(leaf, str) for leaf in v))) for k, v in labels.items()):
        raise t.fail("labels", '"栏目或主题分类名称" = "末级类别 id"（或末级类别 id 的列表）组成的表')
    t.check_unknown()
    return {"auto_accept": auto_accept, "catalog_file": (base / catalog) if catalog else None,
            "catalog_changes": catalog_changes, "classify_labels": labels}


def _read_publish(t: Table) -> dict[str, Any]:
    feed_entries = t.get("feed_entries", int, 50)
    if not 1 <= feed_entries <= 10_000:
        raise t.fail("feed_entries", "1 到 10000 之间的整数")
    fields = {"feed_entries": feed_entries, "wait_for_review": t.get("wait_for_review", bool, False),
              "hold_personal_data": t.get("hold_personal_data", bool, True)}
    t.check_unknown()
    return fields


def _read_schedule(t: Table) -> dict[str, Any]:
    times = tuple(t.get("times", list, ["02:30"]))
    if not times or not all(isinstance(x, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", x) for x in times):
        raise t.fail("times", '"HH:MM" 形式的时间列表，如 ["02:30"]')
    t.check_unknown()
    return {"schedule_times": times}


def _read_review(t: Table) -> dict[str, Any]:
    proxies = t.get("proxies", int, 0)
    if not 0 <= proxies <= 5:
        raise t.fail("proxies", "0（没有反向代理）到 5 之间的整数")
    t.check_unknown()
    return {"review_proxies": proxies}


def _read_office(t: Table) -> Office:
    site_url = _slash(t.url("site_url"))
    tz_name = t.get("timezone", str, "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise t.fail("timezone", "IANA 时区名，如 Asia/Shanghai") from None
    office = Office(
        name=t.get("name", str),
        org_code=_org_code(t),
        site_url=site_url,
        feed_url=_slash(t.url("feed_url", site_url + "feeds/")),
        timezone=tz,
        site_id_code=t.get("site_id_code", str, ""),
        address=t.get("address", str, ""),
        phone=t.get("phone", str, ""),
        fax=t.get("fax", str, ""),
        email=t.get("email", str, ""),
        office_hours=t.get("office_hours", str, ""),
        aliases=_names(t, "aliases"),
        departments=_names(t, "departments"),
    )
    t.check_unknown()
    return office


def _names(t: Table, key: str) -> tuple[str, ...]:
    """A list of agency names ([office] aliases / departments)."""
    names = t.get(key, list, [])
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise t.fail(key, "名称（字符串）的列表")
    return tuple(n.strip() for n in names)


def _org_code(t: Table) -> str:
    code: str = t.get("org_code", str, expected="字符串（索引号中使用的机构代码）")
    code = code.strip()
    if not re.fullmatch(r"[0-9A-Za-z-]{1,32}", code):
        raise t.fail("org_code", "索引号中使用的机构代码（1–32 个英文字母、数字或 -）")
    return code


def _read_fetch(t: Table) -> FetchSettings:
    agent = t.get("user_agent", str, "xxgk/0.1")
    contact = t.get("contact", str, "")
    numbers = {
        "rate_per_host": float(t.get("rate_per_host", (int, float), 1.0)),
        "concurrency": t.get("concurrency", int, 4),
        "per_host_concurrency": t.get("per_host_concurrency", int, 1),
        "timeout": float(t.get("timeout", (int, float), 20.0)),
        "retries": t.get("retries", int, 3),
        "backoff": float(t.get("backoff", (int, float), 1.0)),
        "max_bytes": t.get("max_bytes", int, 10 * 1024 * 1024),
        "deadline": float(t.get("deadline", (int, float), 60.0)),
        "source_budget": float(t.get("source_budget", (int, float), 7200.0)),
    }
    for key, value in numbers.items():
        if expected := fetch_out_of_range(key, value):
            raise t.fail(key, expected)
    settings = FetchSettings(user_agent=f"{agent} (+{contact})" if contact else agent, **numbers,
                             obey_robots=t.get("obey_robots", bool, True), resolve=_read_resolve(t))
    t.check_unknown()
    return settings


def _read_alerts(t: Table) -> Alerts:
    to = t.get("email_to", list, [])
    if not all(isinstance(a, str) and "@" in a for a in to):
        raise t.fail("email_to", "电子邮箱地址的列表")
    kind = t.get("webhook_kind", str, "wecom")
    if kind not in (kinds := ("wecom", "dingtalk", "json")):
        raise t.fail("webhook_kind", messages.one_of(kinds))
    alerts = Alerts(
        failing_nights=t.get("failing_nights", int, 3),
        email_to=tuple(to),
        email_from=t.get("email_from", str, ""),
        smtp_host=t.get("smtp_host", str, ""),
        smtp_port=t.get("smtp_port", int, 25),
        smtp_starttls=t.get("smtp_starttls", bool, False),
        smtp_user_env=t.get("smtp_user_env", str, ""),
        smtp_password_env=t.get("smtp_password_env", str, ""),
        webhook_url=t.url("webhook_url", ""),
        webhook_kind=kind,
    )
    if not 1 <= alerts.failing_nights <= 365:
        raise t.fail("failing_nights", "1 到 365 之间的整数")
    if not 1 <= alerts.smtp_port <= 65535:
        raise t.fail("smtp_port", "1 到 65535 之间的端口号")
    if alerts.email_to and not alerts.smtp_host:
        raise t.fail("smtp_host", "SMTP 服务器地址（已设置 email_to）")
    t.check_unknown()
    return alerts


def _read_catalog_changes(t: Table) -> dict[str, Any]:
    """[classify] rename = {id = "新名称"}, remove = [id, …], [[classify.add]] id/name/parent/title…
    (checked against the tree in pipeline/classify/tree.py)."""
    rename = t.get("rename", dict, {})
    if not all(isinstance(v, str) for v in rename.values()):
        raise t.fail("rename", '类别 id = "新名称" 组成的表')
    remove = t.get("remove", list, [])
    if not all(isinstance(v, str) for v in remove):
        raise t.fail("remove", "类别 id 的列表")
    add = t.get("add", list, [])
    if not all(isinstance(v, dict) and isinstance(v.get("id"), str) and isinstance(v.get("name"), str) for v in add):
        raise t.fail("add", "含 id 和 name 的 [[classify.add]] 表")
    allowed = set(keys.keys_of("classify.add"))
    for position, node in enumerate(add, 1):
        Table(node, f"[[classify.add]] #{position}", t.file).check_unknown(allowed)
    return {key: value for key, value in (("rename", rename), ("remove", remove), ("add", add)) if value}


def _read_resolve(t: Table) -> dict[str, str]:
    """[fetch.resolve] host = "127.0.0.1:PORT": connect there instead (like curl --resolve)."""
    resolve = t.get("resolve", dict, {})
    for host, address in resolve.items():
        if not isinstance(address, str) or not re.fullmatch(r"(http://)?[\w.\-\[\]:]+:\d+", address):
            raise ConfigError(messages.expected(t.file, t.place(f"resolve.{messages.toml_key(host)}"),
                                                RESOLVE_EXPECTED, address))
    return {host.lower(): address for host, address in resolve.items()}


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"

