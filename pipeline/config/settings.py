"""What an office's config says, as typed objects (pipeline/config/load.py reads them from TOML)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..errors import ConfigError
from . import messages

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
RECHECK_MODES = ("nightly", "hourly")  # [collect] recheck
# Hosts a kind may fetch beyond its own URL's host (articles a feed links to).
KIND_EXTRA_HOSTS = {"wechat_feed": ("mp.weixin.qq.com",)}


# The least value of each fetch setting, and whether it may equal it ([fetch] in the TOML is checked
# against these before FetchSettings is made, so a mistake names the file and the key).
FETCH_LEAST: dict[str, tuple[float, bool]] = {
    "rate_per_host": (0, True), "concurrency": (1, True), "per_host_concurrency": (1, True),
    "timeout": (0, False), "retries": (0, True), "backoff": (0, True), "max_retry_after": (0, True),
    "deadline": (0, False), "source_budget": (0, False), "max_bytes": (0, False), "max_redirects": (0, True),
}

RESOLVE_EXPECTED = '"[http://]地址:端口"，如 "127.0.0.1:8080"'  # a [fetch.resolve] value, in messages


def fetch_out_of_range(name: str, value: float) -> str:
    """Pure: what a fetch setting should be when ``value`` is out of its range ("不小于 1 的整数"), else ""."""
    least, inclusive = FETCH_LEAST[name]
    if value > least or (inclusive and value == least):
        return ""
    kind = "整数" if FetchSettings.__dataclass_fields__[name].type == "int" else "数"
    return f"{'不小于' if inclusive else '大于'} {least:g} 的{kind}"


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
        for name in FETCH_LEAST:
            if expected := fetch_out_of_range(name, getattr(self, name)):
                raise ConfigError(messages.expected("", messages.place("fetch", name), expected, getattr(self, name)))
        for host, addr in self.resolve.items():
            if not re.fullmatch(r"(http://)?(\[[0-9a-fA-F:.]+\]|[^:\s/]+):\d{1,5}", addr):
                raise ConfigError(messages.expected("", messages.place("fetch", f"resolve.{messages.toml_key(host)}"),
                                                    RESOLVE_EXPECTED, addr))


# What the 公开指南 must give of the office (条例第十二条): [office] key → its label there.
GUIDE_FIELDS = {"address": "办公地址", "office_hours": "办公时间", "phone": "联系电话", "fax": "传真号码",
                "email": "电子邮箱"}


def guide_gaps(office: Office) -> list[str]:
    """Pure: the labels of what the office's 公开指南 would publish as "—" (empty keys)."""
    return [label for key, label in GUIDE_FIELDS.items() if not getattr(office, key).strip()]


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
    fax: str = ""  # 传真号码: the 公开指南 lists it (条例第十二条)
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
    output: Path  # the docroot's home by default, and what is never served: report drafts, build state
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
    site: Path | None = None  # [paths] site; None: output/site (it follows the output)

    @property
    def docroot(self) -> Path:
        """The folder to publish: the site, its feeds, the published reports, the search index."""
        return self.site if self.site is not None else self.output / "site"

    @property
    def allowed_hosts(self) -> set[str]:
        return {h for s in self.sources for h in s.hosts if h}

    def with_resolve(self, address: str) -> Config:
        """Send every source host to one plain-HTTP address (the demo server, a test server)."""
        resolve = {host: f"http://{address}" for host in self.allowed_hosts}
        return replace(self, fetch=replace(self.fetch, resolve=resolve))

