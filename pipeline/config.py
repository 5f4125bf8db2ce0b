"""The office's config (TOML) → typed, checked objects.

Precedence: the TOML file, then the environment (XXGK_DATABASE, XXGK_OUTPUT), then
CLI options. Paths are relative to the config file. Every mistake stops with one
ConfigError naming the file, the key and what was expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import EllipsisType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import config_keys
from .errors import ConfigError, UndeclaredKey

DEFAULT_CONFIG_NAME = "xxgk.toml"
# [classify] auto_accept default: the confidence at which rules-only filing of the real titles the
# confidence table was fitted on (training split, development offices) reaches precision 0.98, as it
# does with whole office families held out (bench/classify.py prints both tables).
DEFAULTS_AUTO_ACCEPT = 0.97

# kind → the channel its posts belong to, unless the source says otherwise.
SOURCE_KINDS = {
    "website": "website",
    "catalog": "catalog",
    "wechat_feed": "wechat",
    "wechat_api": "wechat",  # the official publishing API (freepublish), for the office's own account
    "feed": "weibo",
}
WECHAT_API_URL = "https://api.weixin.qq.com/"
# The selector keys collectors read (sources/website.py DEFAULTS): any other key is a typo.
# Hosts a kind may fetch beyond its own URL's host (articles a feed links to).
RECHECK_MODES = ("nightly", "hourly")  # [collect] recheck
KIND_EXTRA_HOSTS = {"wechat_feed": ("mp.weixin.qq.com",)}


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how patiently pipeline.fetch.client fetches (here, not there: a page-parsing worker
    reads the config but never fetches, so it need not load the HTTP transport)."""

    user_agent: str = "xxgk/0.1 (+mailto:webmaster@example.invalid)"
    rate_per_host: float = 1.0  # max requests per second per host; 0 = unlimited
    concurrency: int = 4  # max requests in flight in total
    per_host_concurrency: int = 1
    timeout: float = 20.0  # seconds to connect, and the longest a server may send nothing (whole seconds, >= 1)
    retries: int = 3  # extra attempts on connection errors, 429 and 5xx
    backoff: float = 1.0  # base seconds: backoff * 2**attempt + jitter in [0, backoff]
    max_retry_after: float = 120.0  # cap on a server's Retry-After
    # [fetch] deadline: the longest one request may take in all (every attempt, redirect and wait
    # between them), so a server trickling a byte a second cannot hold a run for minutes.
    deadline: float = 60.0
    # [fetch] source_budget: the longest one source may spend fetching in a run (seconds); what is
    # left is fetched next run. A stalled host cannot hold the run (and its lock) past it.
    source_budget: float = 7200.0
    max_bytes: int = 10 * 1024 * 1024  # size cap per response body (after content decoding)
    obey_robots: bool = True
    max_redirects: int = 5
    # host -> "127.0.0.1:PORT", like curl --resolve: the URL and the Host header keep the
    # host name, the connection goes to the mapped address. Used by the demo and tests.
    resolve: Mapping[str, str] = field(default_factory=dict)
    # pipeline.fetch.politeness.HostSlots shared with other offices' clients in one district run (never in the
    # TOML); None: this client's own. Shared slots space every office's requests to a common host.
    shared_slots: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        checks = {
            "rate_per_host": self.rate_per_host >= 0,
            "concurrency": self.concurrency >= 1,
            "per_host_concurrency": self.per_host_concurrency >= 1,
            "timeout": self.timeout > 0,
            "retries": self.retries >= 0,
            "backoff": self.backoff >= 0,
            "max_retry_after": self.max_retry_after >= 0,
            "deadline": self.deadline > 0,
            "source_budget": self.source_budget > 0,
            "max_bytes": self.max_bytes > 0,
            "max_redirects": self.max_redirects >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigError(f"fetch setting {name} = {getattr(self, name)!r} is out of range")
        for host, addr in self.resolve.items():
            if not re.fullmatch(r"(http://)?(\[[0-9a-fA-F:.]+\]|[^:\s/]+):\d{1,5}", addr):
                raise ConfigError(f"fetch setting resolve[{host!r}] = {addr!r}: expected '[http://]ADDRESS:PORT'")


@dataclass(frozen=True)
class Office:
    name: str  # 兴华街道办事处
    org_code: str  # organisation code, the prefix of minted 索引号
    site_url: str  # where output/site/ (the docroot: pages, feeds/, reports/, search/) is published, ends with "/"
    feed_url: str  # where output/site/feeds/ is reached (default site_url + "feeds/"), ends with "/"
    timezone: ZoneInfo
    site_id_code: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    office_hours: str = ""
    # Who the office is besides `name` (pipeline/merge/ownership.py): names it publishes under (short
    # name, WeChat account) and agencies it publishes for and owns. Rows of a shared catalog
    # published by anyone else are set aside, not made items.
    aliases: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


LIST_API_ANSWERS = ("json", "xml", "html")
LIST_API_FIELDS = ("page", "n", "size", "start", "end", "offset")  # what a template may hold


@dataclass(frozen=True)
class ListApi:
    """[sources.NAME.list_api]: a list endpoint read instead of list pages (sources/listapi.py).

    Templates (url, query and form values) may hold {page} (1-based), {n} (page - 1),
    {size}, {start} and {end} (1-based record range) and {offset} (start - 1)."""

    url: str  # the endpoint, a template (relative to the source's url)
    method: str = "GET"  # GET | POST
    query: dict[str, str] = field(default_factory=dict)  # fields added to the URL's query
    form: dict[str, str] = field(default_factory=dict)  # POST body fields
    body: str = "form"  # how a POST sends `form`: form (urlencoded) | json
    page_size: int = 20
    answer: str = "json"  # json | xml (records in <record> CDATA, Hanweb style) | html
    records: str = ""  # json: dotted path to the list ("data.list"); xml/html: CSS selector of one record
    title: str = ""  # json: path in a record (xml/html: the link's title attribute, else its text)
    link: str = ""  # json: path in a record; xml/html: CSS selector (default: the first a[href])
    date: str = ""  # json: path in a record; xml/html: CSS selector (default: the first date in the record)
    link_template: str = ""  # json: the article URL from the link field's value, e.g. "/art/{}.html"
    total: str = ""  # json: dotted path to the number of records (the walk ends there)


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    channel: str
    url: str
    selectors: dict[str, str] = field(default_factory=dict)
    allow_hosts: tuple[str, ...] = ()
    max_pages: int = 0  # a cap on list pages read per run; 0: none (a cap that cuts a list is reported)
    obey_robots: bool | None = None  # None: the [fetch] default
    page_template: str = ""  # list page 2, 3 … as "index_{n}.html" ({n} = page - 1) or "?page={page}"
    recheck_days: int = 30  # known articles this recent are re-fetched every run to catch edits
    recheck_cycle: int = 7  # … and every other known article once in this many runs (0: never)
    column: str = ""  # the catalog column (栏目) this source is, for posts whose page names none
    missing_runs: int = 3  # runs that walked the whole list without it before a post counts as withdrawn
    # wechat_api: names of the environment variables holding the AppID / AppSecret, or a secrets
    # file (TOML: appid = "…", secret = "…"). The values themselves are never in the config or the store.
    appid_env: str = "XXGK_WECHAT_APPID"
    secret_env: str = "XXGK_WECHAT_SECRET"
    secrets_file: Path | None = None
    list_api: ListApi | None = None  # a list endpoint instead of list pages

    @property
    def hosts(self) -> tuple[str, ...]:
        api_host = (urlsplit(self.list_api.url).hostname or "",) if self.list_api is not None else ()
        return (urlsplit(self.url).hostname or "",) + api_host + KIND_EXTRA_HOSTS.get(self.kind, ()) + self.allow_hosts


@dataclass(frozen=True)
class Alerts:
    """Where health alerts go (none configured: they are only shown by `xxgk status`)."""

    failing_nights: int = 3  # a source failing this many runs in a row raises an alert
    email_to: tuple[str, ...] = ()
    email_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user_env: str = ""  # names of environment variables holding the credentials
    smtp_password_env: str = ""
    webhook_url: str = ""
    webhook_kind: str = "wecom"  # wecom | dingtalk | json


@dataclass(frozen=True)
class Config:
    path: Path
    office: Office
    database: Path
    output: Path
    fetch: FetchSettings
    sources: tuple[Source, ...]
    merge_window_days: int = 10
    merge_count_channel: str = "first"  # [merge] count_channel: first | any_social | primary (pipeline/merge/item_fields.py)
    auto_accept: float = DEFAULTS_AUTO_ACCEPT
    catalog_file: Path | None = None  # None: the bundled default tree
    feed_entries: int = 50
    # The office's changes to the tree: {"rename": {id: name}, "remove": [id], "add": [node]}
    catalog_changes: dict[str, Any] = field(default_factory=dict)
    classify_labels: dict[str, str | list[str]] = field(default_factory=dict)  # [classify.labels]
    wait_for_review: bool = False  # publish items awaiting review (条例第二十六条: timeliness)
    hold_personal_data: bool = True  # items with personal data wait for a person before publication
    log_file: Path | None = None
    alerts: Alerts = field(default_factory=Alerts)
    schedule_times: tuple[str, ...] = ("02:30",)
    parse_workers: int | None = None  # [collect] parse_workers; None: one per core but one (sources/parsing.py)
    recheck: str = "nightly"  # [collect] recheck: nightly | hourly (pipeline/collect/recheck.py)
    archive_images: bool = False  # [collect] archive_images: keep the body images (pipeline/collect/images.py)
    # [review] proxies: how many reverse proxies stand in front of `xxgk serve` (0: none). When > 0,
    # the client's address and scheme are read from X-Forwarded-For / X-Forwarded-Proto as set by
    # that many proxies (werkzeug's ProxyFix): the login throttle then sees each client, and the
    # session cookie is Secure over https. Never set it when clients can reach the server directly.
    review_proxies: int = 0

    @property
    def allowed_hosts(self) -> set[str]:
        return {h for s in self.sources for h in s.hosts if h}

    def with_resolve(self, address: str) -> Config:
        """Send every source host to one plain-HTTP address (the demo server, a test server)."""
        resolve = {host: f"http://{address}" for host in self.allowed_hosts}
        return replace(self, fetch=replace(self.fetch, resolve=resolve))


class _Table:
    """One TOML table being read: typed getters that name the key on error.

    Every key read must be declared in pipeline/config_keys.py with the same default (the
    reference docs/config.md is written from it); what each read gave lands in `effective`.
    """

    def __init__(self, data: dict[str, Any], where: str, file: Path, name: str = "", declared_as: str = "",
                 effective: dict[str, dict[str, tuple[Any, bool]]] | None = None):
        self.data, self.where, self.file = data, where, file
        self.name = name  # "office", "sources.news" …
        self.declared_as = declared_as or name  # its table in the reference: "sources.*" for every source
        self.effective = {} if effective is None else effective  # table name → key → (value, given)
        self.used: set[str] = set()

    def fail(self, key: str, expected: str) -> ConfigError:
        got = self.data.get(key, None)
        shown = "nothing" if key not in self.data else repr(got)
        return ConfigError(f"{self.file}: {self.where}{key}: expected {expected}, got {shown}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., expected: str = "") -> Any:
        _check_declared(self.declared_as, key, default)
        value = self._get(key, kind, default, expected)
        self.effective.setdefault(self.name, {})[key] = (value, key in self.data)
        return value

    def _get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., expected: str = "") -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                raise self.fail(key, expected or _type_name(kind))
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(key, expected or _type_name(kind))
        if not isinstance(value, kind):
            raise self.fail(key, expected or _type_name(kind))
        return value

    def url(self, key: str, default: str | EllipsisType = ...) -> str:
        value: str = self.get(key, str, default, expected="an http(s) URL")
        if value is default:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(key, "an http(s) URL")
        return value

    def table(self, key: str) -> _Table:
        value = self._get(key, dict, {})
        name = f"{self.name}.{key}".lstrip(".")
        declared_as = f"{self.declared_as}.{key}".lstrip(".")  # sources.*.list_api for every source's
        if declared_as not in config_keys.TABLES:
            raise UndeclaredKey(f"config table [{declared_as}] is read by pipeline/config.py but not "
                                            f"declared in pipeline/config_keys.py TABLES")
        return _Table(value, f"{self.where}{key}.", self.file, name, declared_as, effective=self.effective)

    def check_unknown(self, allowed: set[str] | None = None) -> None:
        unknown = sorted(set(self.data) - (self.used if allowed is None else allowed))
        if unknown:
            raise ConfigError(f"{self.file}: {self.where}{unknown[0]}: unknown key (a typo?)")


def _check_declared(table: str, key: str, default: Any) -> None:
    """The reference declares every key the code reads, with the default the code uses."""
    declared = config_keys.declared(table, key).default
    if declared is config_keys.REQUIRED or isinstance(declared, config_keys.Derived):
        return
    if default is ... or default != declared:
        raise UndeclaredKey(f"config key [{table}] {key}: the code's default {default!r} is not the "
                                        f"reference's {declared!r} (pipeline/config_keys.py)")


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "a table", list: "a list"}
    if kind == (int, float):
        return "a number"
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


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
    if raw is None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file (pass --config PATH or set XXGK_CONFIG)") from None
        except OSError as e:  # a folder, unreadable …
            raise ConfigError(f"{path}: cannot read the config file: {e.strerror or e}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: not valid TOML: {e}") from None
    base = path.resolve().parent
    root = _Table(raw, "", path)

    office = _read_office(root.table("office"))
    paths = root.table("paths")
    database = (base / env.get("XXGK_DATABASE", paths.get("database", str, "xxgk.db"))).resolve()
    output = (base / env.get("XXGK_OUTPUT", paths.get("output", str, "output"))).resolve()
    log_file = (base / paths.get("log", str, str(database.with_suffix(".log")))).resolve()
    paths.check_unknown()

    fetch = _read_fetch(root.table("fetch"))
    collect = root.table("collect")
    parse_workers = collect.get("parse_workers", (int, str), "auto")
    if parse_workers == "auto":
        parse_workers = None
    elif not isinstance(parse_workers, int) or isinstance(parse_workers, bool) or parse_workers < 0:
        raise collect.fail("parse_workers", '"auto" or an integer >= 0')
    recheck = collect.get("recheck", object, "nightly")  # any type: a wrong one gets the Chinese message too
    if recheck not in RECHECK_MODES:
        raise ConfigError(f"{path}: [collect] recheck = {recheck!r} 无效：应为 \"nightly\"（在夜间任务中分批复查旧文章，"
                          f"默认）或 \"hourly\"（由每小时运行的 xxgk recheck 复查，见 cron/README.md）")
    archive_images = collect.get("archive_images", object, False)  # any type: a wrong one gets the Chinese message
    if not isinstance(archive_images, bool):
        raise ConfigError(f"{path}: [collect] archive_images = {archive_images!r} 无效：应为 true（保存正文图片的副本，"
                          f"发布时使用副本）或 false（不保存，默认）")
    collect.check_unknown()
    merge = root.table("merge")
    window = merge.get("window_days", int, 10)
    if not 0 <= window <= 366:
        raise merge.fail("window_days", "an integer from 0 to 366")
    count_channel = merge.get("count_channel", str, "first")
    if count_channel not in ("first", "any_social", "primary"):
        raise merge.fail("count_channel", '"first", "any_social" or "primary"')
    merge.check_unknown()
    classify = root.table("classify")
    auto_accept = float(classify.get("auto_accept", (int, float), DEFAULTS_AUTO_ACCEPT))
    if not 0 <= auto_accept <= 1:
        raise classify.fail("auto_accept", "a number between 0 and 1")
    catalog = classify.get("catalog", str, "")
    catalog_changes = _read_catalog_changes(classify)
    # [classify.labels] 主题分类/栏目 name → leaf id: how the office's already-filed items map onto
    # its catalog (on top of the catalog's own `columns`/`labels`); checked against the tree on use.
    labels = classify.get("labels", dict, {})
    if not all(isinstance(k, str) and (isinstance(v, str) or (isinstance(v, list) and v and all(
            isinstance(leaf, str) for leaf in v))) for k, v in labels.items()):
        raise classify.fail("labels", 'a table of "栏目或主题分类名称" = "leaf id" (or a list of leaf ids)')
    classify.check_unknown()
    publish = root.table("publish")
    feed_entries = publish.get("feed_entries", int, 50)
    if not 1 <= feed_entries <= 10_000:
        raise publish.fail("feed_entries", "an integer from 1 to 10000")
    wait_for_review = publish.get("wait_for_review", bool, False)
    hold_personal_data = publish.get("hold_personal_data", bool, True)
    publish.check_unknown()

    alerts = _read_alerts(root.table("alerts"))
    schedule = root.table("schedule")
    times = tuple(schedule.get("times", list, ["02:30"]))
    if not times or not all(isinstance(t, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", t) for t in times):
        raise schedule.fail("times", 'a list of "HH:MM" times')
    schedule.check_unknown()
    review = root.table("review")
    review_proxies = review.get("proxies", int, 0)
    if not 0 <= review_proxies <= 5:
        raise review.fail("proxies", "an integer from 0 (no reverse proxy) to 5")
    review.check_unknown()
    # no [sources] at all is valid: an office that only keeps its registers and annual report
    sources_table = root._get("sources", dict, {}, expected="a [sources.NAME] table per source")
    sources = tuple(
        _read_source(name, _Table(spec, f"[sources.{name}] ", path, f"sources.{name}", "sources.*", root.effective)
                     if isinstance(spec, dict) else None, path)
        for name, spec in sources_table.items()
    )
    root.check_unknown()
    config = Config(
        path=path,
        office=office,
        database=database,
        output=output,
        fetch=fetch,
        sources=sources,
        merge_window_days=window,
        merge_count_channel=count_channel,
        auto_accept=auto_accept,
        catalog_file=(base / catalog) if catalog else None,
        feed_entries=feed_entries,
        catalog_changes=catalog_changes,
        classify_labels=labels,
        wait_for_review=wait_for_review,
        hold_personal_data=hold_personal_data,
        log_file=log_file,
        alerts=alerts,
        schedule_times=times,
        parse_workers=parse_workers,
        recheck=recheck,
        archive_images=archive_images,
        review_proxies=review_proxies,
    )
    return config, root.effective


def _read_office(t: _Table) -> Office:
    site_url = _slash(t.url("site_url"))
    tz_name = t.get("timezone", str, "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise t.fail("timezone", "an IANA time zone such as Asia/Shanghai") from None
    office = Office(
        name=t.get("name", str),
        org_code=_org_code(t),
        site_url=site_url,
        feed_url=_slash(t.url("feed_url", site_url + "feeds/")),
        timezone=tz,
        site_id_code=t.get("site_id_code", str, ""),
        address=t.get("address", str, ""),
        phone=t.get("phone", str, ""),
        email=t.get("email", str, ""),
        office_hours=t.get("office_hours", str, ""),
        aliases=_names(t, "aliases"),
        departments=_names(t, "departments"),
    )
    t.check_unknown()
    return office


def _names(t: _Table, key: str) -> tuple[str, ...]:
    """A list of agency names ([office] aliases / departments)."""
    names = t.get(key, list, [])
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise t.fail(key, "a list of names (strings)")
    return tuple(n.strip() for n in names)


def _org_code(t: _Table) -> str:
    code: str = t.get("org_code", str, expected="a string (the organisation code used in 索引号)")
    code = code.strip()
    if not re.fullmatch(r"[0-9A-Za-z-]{1,32}", code):
        raise t.fail("org_code", "the organisation code used in 索引号 (1–32 letters, digits or '-')")
    return code


def _check_selector(path: Path, name: str, key: str, value: str) -> None:
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


def _read_fetch(t: _Table) -> FetchSettings:
    agent = t.get("user_agent", str, "xxgk/0.1")
    contact = t.get("contact", str, "")
    settings = FetchSettings(
        user_agent=f"{agent} (+{contact})" if contact else agent,
        rate_per_host=float(t.get("rate_per_host", (int, float), 1.0)),
        concurrency=t.get("concurrency", int, 4),
        per_host_concurrency=t.get("per_host_concurrency", int, 1),
        timeout=float(t.get("timeout", (int, float), 20.0)),
        retries=t.get("retries", int, 3),
        backoff=float(t.get("backoff", (int, float), 1.0)),
        max_bytes=t.get("max_bytes", int, 10 * 1024 * 1024),
        deadline=float(t.get("deadline", (int, float), 60.0)),
        source_budget=float(t.get("source_budget", (int, float), 7200.0)),
        obey_robots=t.get("obey_robots", bool, True),
        resolve=_read_resolve(t),
    )
    for key in ("rate_per_host", "timeout", "max_bytes"):
        if getattr(settings, key) < 0:
            raise t.fail(key, "a number >= 0")
    if settings.concurrency < 1 or settings.per_host_concurrency < 1:
        raise t.fail("concurrency", "an integer >= 1")
    t.check_unknown()
    return settings


def _read_alerts(t: _Table) -> Alerts:
    to = t.get("email_to", list, [])
    if not all(isinstance(a, str) and "@" in a for a in to):
        raise t.fail("email_to", "a list of e-mail addresses")
    kind = t.get("webhook_kind", str, "wecom")
    if kind not in ("wecom", "dingtalk", "json"):
        raise t.fail("webhook_kind", "one of wecom, dingtalk, json")
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
        raise t.fail("failing_nights", "an integer from 1 to 365")
    if not 1 <= alerts.smtp_port <= 65535:
        raise t.fail("smtp_port", "a port number from 1 to 65535")
    if alerts.email_to and not alerts.smtp_host:
        raise t.fail("smtp_host", "an SMTP server host when email_to is set")
    t.check_unknown()
    return alerts


def _read_catalog_changes(t: _Table) -> dict[str, Any]:
    """[classify] rename = {id = "新名称"}, remove = [id, …], [[classify.add]] id/name/parent/title…
    (checked against the tree in pipeline/classify/tree.py)."""
    rename = t.get("rename", dict, {})
    if not all(isinstance(v, str) for v in rename.values()):
        raise t.fail("rename", "a table of category id = \"new name\"")
    remove = t.get("remove", list, [])
    if not all(isinstance(v, str) for v in remove):
        raise t.fail("remove", "a list of category ids")
    add = t.get("add", list, [])
    if not all(isinstance(v, dict) and isinstance(v.get("id"), str) and isinstance(v.get("name"), str) for v in add):
        raise t.fail("add", "[[classify.add]] tables with id and name")
    allowed = set(config_keys.keys_of("classify.add"))
    for position, node in enumerate(add, 1):
        _Table(node, f"[[classify.add]] #{position} ", t.file).check_unknown(allowed)
    return {key: value for key, value in (("rename", rename), ("remove", remove), ("add", add)) if value}


def _read_resolve(t: _Table) -> dict[str, str]:
    """[fetch.resolve] host = "127.0.0.1:PORT": connect there instead (like curl --resolve)."""
    resolve = t.get("resolve", dict, {})
    for host, address in resolve.items():
        if not isinstance(address, str) or not re.fullmatch(r"(http://)?[\w.\-\[\]:]+:\d+", address):
            raise ConfigError(f"{t.file}: {t.where}resolve.{host}: expected \"[http://]ADDRESS:PORT\", got {address!r}")
    return {host.lower(): address for host, address in resolve.items()}


def _read_source(name: str, t: _Table | None, path: Path) -> Source:
    if t is None:
        raise ConfigError(f"{path}: [sources.{name}]: expected a table with kind and url")
    kind = t.get("kind", str, expected=f"one of {', '.join(SOURCE_KINDS)}")
    if kind not in SOURCE_KINDS:
        raise t.fail("kind", f"one of {', '.join(SOURCE_KINDS)}")
    channel = t.get("channel", str, SOURCE_KINDS[kind])
    if channel not in ("wechat", "weibo", "website", "catalog"):
        raise t.fail("channel", "one of wechat, weibo, website, catalog")
    selectors = t.get("selectors", dict, {})
    known_selectors = config_keys.SELECTOR_KEYS.get(kind, {})
    for key, value in selectors.items():
        if key not in known_selectors:
            takes = f"one of {', '.join(known_selectors)}" if known_selectors else f"none for kind {kind}"
            raise ConfigError(f"{path}: [sources.{name}] selectors.{key}: unknown key (a typo? selectors: {takes})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: [sources.{name}] selectors.{key}: expected a CSS selector string, got {value!r}")
        _check_selector(path, name, key, value)
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
        list_api=_read_list_api(t.table("list_api")) if "list_api" in t.data else None,
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


def _read_list_api(t: _Table) -> ListApi:
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
        problem = _template_problem(template)
        if problem:
            raise ConfigError(f"{t.file}: {t.where}{key}: {problem} "
                              f"(use {', '.join('{' + f + '}' for f in LIST_API_FIELDS)}; {{{{ and }}}} for braces)")
    t.check_unknown()
    return api


def _template_problem(template: str) -> str:
    """What is wrong with a list API template ("" when it fills)."""
    try:
        template.format(**dict.fromkeys(LIST_API_FIELDS, 1))
    except KeyError as e:
        return f"unknown placeholder {{{e.args[0]}}}"
    except (IndexError, ValueError) as e:
        return f"not a template: {e}"
    return ""
