"""Every key of xxgk.toml: its table, type, default and meaning — the one reference.

docs/config.md is written from KEYS (`python -m pipeline.config > docs/config.md`) and a
test keeps it in step. pipeline/config.py refuses to read a key that is not declared here
(or with another default), so a key added to the reader without its line here fails every
test that loads a config: the reference cannot fall behind the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import UndeclaredKey  # re-exported: keys.UndeclaredKey


class Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED = Required()


@dataclass(frozen=True)
class Derived:
    """A default computed from other keys (shown as its rule)."""

    rule: str


@dataclass(frozen=True)
class Key:
    table: str  # "office", "sources.*" (one per source), "classify.add" (each [[classify.add]]) …
    name: str
    kind: str  # how the reference names its type
    default: Any  # REQUIRED, a Derived rule, or the value used when the key is absent
    doc: str


TABLES = {
    "office": "Who the office is and where its outputs are published.",
    "paths": "Where the database, outputs and log live (relative to the config file).",
    "fetch": "How politely and patiently pages are fetched (the one HTTP client, pipeline/fetch/client.py).",
    "collect": "The collect stage.",
    "merge": "Merging copies into items.",
    "classify": "Filing items under the catalog tree (公开目录).",
    "classify.add": "Each `[[classify.add]]` table: a category the office adds to the tree.",
    "publish": "Feeds and catalog pages.",
    "alerts": "Where health alerts go (without any: only `xxgk status` shows them).",
    "schedule": "`xxgk schedule` (for machines without cron).",
    "review": "The staff review page (`xxgk serve`).",
    "sources.*": "One `[sources.NAME]` table per source. At least one is required.",
    "sources.*.list_api": "A list endpoint read instead of list pages (website and catalog sources; "
                          "sources/listapi.py, worked examples in [list_api.md](list_api.md)). Templates (url, "
                          "query and form values) may hold {page} (1-based), {n} (page - 1), {size}, {start} and "
                          "{end} (1-based record range) and {offset} (start - 1).",
}

KEYS: tuple[Key, ...] = (
    # [office]
    Key("office", "name", "string", REQUIRED, "The office's name (发布机构), e.g. 兴华街道办事处."),
    Key("office", "org_code", "string", REQUIRED, "Organisation code: the prefix of the 索引号 xxgk mints."),
    Key("office", "site_url", "http(s) URL", REQUIRED, "Where output/site/ is published (a `/` is added)."),
    Key("office", "feed_url", "http(s) URL", Derived('site_url + "feeds/"'), "Where output/site/feeds/ is published (only if not under site_url)."),
    Key("office", "timezone", "IANA time zone", "Asia/Shanghai", "Dates are shown and counted in it."),
    Key("office", "site_id_code", "string", "", "The site's 网站标识码 (a meta tag of every page)."),
    Key("office", "address", "string", "", "Shown on the catalog pages (contact)."),
    Key("office", "phone", "string", "", "Shown on the catalog pages (contact)."),
    Key("office", "fax", "string", "", "传真号码, shown in the 公开指南 (条例第十二条 lists it)."),
    Key("office", "email", "string", "", "Shown on the catalog pages (contact)."),
    Key("office", "office_hours", "string", "", "Shown on the catalog pages (contact)."),
    Key("office", "aliases", "list of strings", [],
        "Other names the office publishes under (short name, WeChat account …): a catalog row whose "
        "发布机构 is one of them is the office's. The name without 办事处/人民政府 is always accepted."),
    Key("office", "departments", "list of strings", [],
        "Departments the office owns and publishes for: their rows are the office's items, shown with "
        "that 发布机构. Rows of any other agency in a shared catalog are set aside (kept, never published "
        "or counted)."),
    # [paths]
    Key("paths", "database", "path", "xxgk.db",
        "The SQLite store (env XXGK_DATABASE overrides; a relative one is from the current folder)."),
    Key("paths", "output", "path", "output",
        "The output folder (env XXGK_OUTPUT overrides; a relative one is from the current folder): the "
        "docroot, and beside it what is never served (report drafts in reports/, the build's state)."),
    Key("paths", "site", "path", Derived('output + "/site"'),
        "The docroot: the folder to publish (pages, feeds/, published reports/, search/). Never the output "
        "folder itself nor a folder holding it: the drafts beside the docroot would be served. A district "
        "sets it for each office (its site in the district's docroot)."),
    Key("paths", "log", "path", Derived("the database's name with .log"), "The rotating log file."),
    # [fetch]
    Key("fetch", "user_agent", "string", "xxgk/0.1", "Sent as the User-Agent (with contact)."),
    Key("fetch", "contact", "string", "", "A mailto: or URL appended to the User-Agent, so sites can reach you."),
    Key("fetch", "rate_per_host", "number", 1.0, "Requests per second per host (0: unlimited)."),
    Key("fetch", "concurrency", "integer", 4, "Requests in flight in total."),
    Key("fetch", "per_host_concurrency", "integer", 1, "Requests in flight per host."),
    Key("fetch", "timeout", "number", 20.0, "Seconds to connect, and the longest a server may send nothing."),
    Key("fetch", "retries", "integer", 3, "Extra attempts on connection errors, 429 and 5xx."),
    Key("fetch", "deadline", "number", 60.0, "The longest one request may take in all (every attempt, redirect "
                                             "and wait), in seconds: a trickling server cannot hold a run."),
    Key("fetch", "source_budget", "number", 7200.0, "The longest one source may spend fetching in a run (seconds); "
                                                    "what was read before is kept."),
    Key("fetch", "backoff", "number", 1.0, "Base seconds between retries (doubling, with jitter)."),
    Key("fetch", "max_bytes", "integer", 10 * 1024 * 1024, "Size cap per response body."),
    Key("fetch", "obey_robots", "true/false", True, "Obey robots.txt (a source may override)."),
    Key("fetch", "resolve", "table", {}, 'host = "[http://]ADDRESS:PORT": connect there instead (like curl '
                                         "--resolve); the demo and tests use it."),
    # [collect]
    Key("collect", "parse_workers", '"auto" or integer', "auto",
        "Processes parsing pages in a big crawl (0: none; auto: cores - 1)."),
    Key("collect", "recheck", "nightly | hourly", "nightly",
        "When old posts are re-checked for edits: in the nightly run (a share each night), or by `xxgk recheck` "
        "run hourly from cron or `xxgk schedule` (the night then re-checks only what is overdue); see below."),
    Key("collect", "archive_images", "true/false", False,
        "Keep a copy of every image in the body of a new or changed post (WeChat's, Weibo's, the office's own), "
        "in a folder beside the database, and publish the copy instead of the channel's CDN; opt-in: the disk "
        "it takes and the copying of the channels' images are the office's call. See below."),
    # [merge]
    Key("merge", "window_days", "integer", 10, "Copies this many days apart can still be one item."),
    Key("merge", "count_channel", "first | any_social | primary", "first",
        "Which copy's channel an item is counted under in the annual report."),
    # [classify]
    Key("classify", "auto_accept", "number 0–1", 0.97, "Confidence at or above which a category is accepted "
                                                       "without review (the default gives precision 0.98 on "
                                                       "real titles, see make bench)."),
    Key("classify", "labels", "table", {}, '"栏目或主题分类名称" = "leaf id": how the office\'s already-filed items '
                                           "(catalog 主题分类, website columns) map onto its catalog, on top of the "
                                           "catalog's own `columns`/`labels`; a list of leaf ids for a name that "
                                           "covers several (the title chooses among them)."),
    Key("classify", "catalog", "path", "", "The office's own catalog tree (TOML); empty: the bundled default."),
    Key("classify", "rename", "table", {}, 'category id = "新名称": rename nodes of the tree.'),
    Key("classify", "remove", "list of strings", [], "Category ids removed from the tree (with their subtrees)."),
    Key("classify", "add", "list of tables", [], "`[[classify.add]]` categories added to the tree (keys below)."),
    Key("classify.add", "id", "string", REQUIRED, "A stable slug, never reused."),
    Key("classify.add", "name", "string", REQUIRED, "The category's name."),
    Key("classify.add", "parent", "string", "", "The parent category's id (none: top level)."),
    Key("classify.add", "default", "true/false", False, "Items no rule matches fall here."),
    Key("classify.add", "title", "list of strings", [], "Keywords looked for in titles (strong signal)."),
    Key("classify.add", "weak", "list of strings", [], "Generic title words (的通知, 公告): any specific word "
                                                        "elsewhere wins over them."),
    Key("classify.add", "body", "list of strings", [], "Keywords looked for in bodies (weak signal)."),
    Key("classify.add", "role", "string", "", 'A special job of this leaf: "normative" (行政规范性文件), '
                                               '"numbered" (other documents with a 文号) or "fallback".'),
    Key("classify.add", "topics", "list of strings", [], "Substrings of the catalog's 主题分类 (a hint)."),
    Key("classify.add", "columns", "list of strings", [], "Website column names (栏目) that belong here (a hint)."),
    Key("classify.add", "labels", "list of strings", [], "主题分类/栏目 names of the same kind (exact): an item already "
        "filed under one is this leaf's; a name several leaves list covers them all (the title chooses)."),
    Key("classify.add", "document", "true/false", False,
        "Its title words name a kind of document (计划, 总结, 领导班子, 方案): a report of a meeting or visit that "
        "mentions one (召开2021年工作总结会) is not filed here but by its subject, or under the fallback leaf."),
    # [publish]
    Key("publish", "feed_entries", "integer", 50, "Entries per feed."),
    Key("publish", "wait_for_review", "true/false", False,
        "Publish items only once they passed review (accepted or confirmed); an item already published stays "
        "published while a catalog change or an edit sends it back to review."),
    Key("publish", "hold_personal_data", "true/false", True, "Items with personal data wait for a person."),
    # [alerts]
    Key("alerts", "failing_nights", "integer", 3, "A source failing this many runs in a row raises an alert."),
    Key("alerts", "email_to", "list of e-mail addresses", [], "Who is mailed alerts (needs smtp_host)."),
    Key("alerts", "email_from", "string", "", "The sender of alert mails."),
    Key("alerts", "smtp_host", "string", "", "The SMTP server."),
    Key("alerts", "smtp_port", "integer", 25, "The SMTP port."),
    Key("alerts", "smtp_starttls", "true/false", False, "Use STARTTLS."),
    Key("alerts", "smtp_user_env", "string", "", "Name of the environment variable holding the SMTP user."),
    Key("alerts", "smtp_password_env", "string", "", "Name of the environment variable holding the SMTP password."),
    Key("alerts", "webhook_url", "http(s) URL", "", "A WeCom / DingTalk / JSON webhook for alerts."),
    Key("alerts", "webhook_kind", "wecom | dingtalk | json", "wecom", "The webhook's message format."),
    # [schedule]
    Key("schedule", "times", 'list of "HH:MM"', ["02:30"], "When `xxgk schedule` runs the nightly job, in the "
                                                          "office's time ([office] timezone), whatever the machine's."),
    # [review]
    Key("review", "proxies", "integer 0–5", 0, "How many reverse proxies stand in front of `xxgk serve` "
                                              "(their X-Forwarded-For/Proto are trusted; 0: none, the headers are "
                                              "ignored)."),
    # [sources.NAME]
    Key("sources.*", "kind", "website | catalog | wechat_feed | wechat_api | feed", REQUIRED,
        "The collector: a website column, the district catalog, a WeChat bridge feed, the WeChat publishing "
        "API, or any RSS/Atom/JSON feed."),
    Key("sources.*", "url", "http(s) URL", REQUIRED, "The list page or feed (wechat_api: the API's URL, "
                                                     "https://api.weixin.qq.com/ by default)."),
    Key("sources.*", "channel", "wechat | weibo | website | catalog", Derived("from kind"),
        "The channel its posts count under (feed: weibo)."),
    Key("sources.*", "column", "string", "", 'The catalog column (栏目) this source is, e.g. "工作动态": stored on '
                                            "its posts whose page names none, a hint for classifying."),
    Key("sources.*", "selectors", "table", {}, "CSS selectors for this source's pages (keys below; "
                                               '"a || b": the first that matches).'),
    Key("sources.*", "allow_hosts", "list of strings", [], "Further hosts it may fetch (articles elsewhere)."),
    Key("sources.*", "max_pages", "integer", 0, "A cap on list pages read per run; 0: none, the whole list. A cap "
                                                "that cuts a list is a warning in `status` and exit 1 from `sync`."),
    Key("sources.*", "obey_robots", "true/false", Derived("[fetch] obey_robots"), "Override robots.txt obedience."),
    Key("sources.*", "page_template", "string", "", 'List page 2, 3 … as "index_{n}.html" ({n} = page - 1) or '
                                                    '"?page={page}", for pagers only scripts reach.'),
    Key("sources.*", "recheck_days", "integer", 30, "Known posts published this recently are re-checked every run."),
    Key("sources.*", "recheck_cycle", "integer", 7, "Every other known post is re-checked once in this many runs "
                                                    "(conditionally; 0: never)."),
    Key("sources.*", "missing_runs", "integer", 3, "Whole-list walks without a post before it counts as withdrawn."),
    Key("sources.*", "appid_env", "string", "XXGK_WECHAT_APPID", "wechat_api: the variable holding the AppID."),
    Key("sources.*", "secret_env", "string", "XXGK_WECHAT_SECRET", "wechat_api: the variable holding the AppSecret."),
    Key("sources.*", "secrets_file", "path", "", 'wechat_api: a TOML file with appid = "…", secret = "…" instead.'),
    # [sources.NAME.list_api]
    Key("sources.*.list_api", "url", "URL template", REQUIRED, "The endpoint (relative to the source's url)."),
    Key("sources.*.list_api", "method", "GET | POST", "GET", "How the endpoint is asked."),
    Key("sources.*.list_api", "query", "table", {}, "Fields added to the URL's query (values are templates)."),
    Key("sources.*.list_api", "form", "table", {}, "POST body fields (values are templates)."),
    Key("sources.*.list_api", "body", "form | json", "form", "How a POST sends `form`."),
    Key("sources.*.list_api", "page_size", "integer 1–1000", 20, "Records asked for per request."),
    Key("sources.*.list_api", "answer", "json | xml | html", "json",
        "The answer's form (xml: records in <record> CDATA, Hanweb style)."),
    Key("sources.*.list_api", "records", "string", "", 'json: dotted path to the list ("data.list"); '
                                                       "html: CSS selector of one record."),
    Key("sources.*.list_api", "title", "string", "", "json: the title's path in a record."),
    Key("sources.*.list_api", "link", "string", "", "json: the link's path in a record; xml/html: a CSS selector "
                                                    "(default: the first a[href])."),
    Key("sources.*.list_api", "date", "string", "", "json: the date's path in a record; xml/html: a CSS selector "
                                                    "(default: the first date in the record)."),
    Key("sources.*.list_api", "link_template", "string", "", 'json: the article URL from the link value, '
                                                             'e.g. "/art/{}.html".'),
    Key("sources.*.list_api", "total", "string", "", "json: dotted path to the number of records."),
)

# [sources.NAME.selectors] keys by kind (defaults: sources/website.py, sources/catalog.py; a test keeps them equal).
WEBSITE_SELECTORS = {
    "list_item": "a list row (default: any li / tr / dd holding one link and a date)",
    "list_link": "the row's link",
    "list_date": "the row's date (default: the first date in the row)",
    "next_page": "the next list page's link",
    "title": "the article's title",
    "date": "the article's date",
    "content": "the article's body",
    "attachments": "where attachment links are (default: the whole page)",
    "meta": "the metadata table (索引号, 发布机构 …)",
    "column": "the column name (栏目) on the page",
}
SELECTOR_KEYS: dict[str, dict[str, str]] = {"website": WEBSITE_SELECTORS, "catalog": WEBSITE_SELECTORS}

_BY_PLACE = {(k.table, k.name): k for k in KEYS}


def declared(table: str, name: str) -> Key:
    """The reference's line for a key the code reads; UndeclaredKey when there is none."""
    key = _BY_PLACE.get((table, name))
    if key is None:
        raise UndeclaredKey(f"config key [{table}] {name} is read by pipeline/config.py but not declared in "
                            f"pipeline/config/keys.py: add it there and regenerate docs/config.md")
    return key


def keys_of(table: str) -> dict[str, Key]:
    return {k.name: k for k in KEYS if k.table == table}


def shown(value: Any) -> str:
    if value is REQUIRED:
        return "required"
    if isinstance(value, Derived):
        return value.rule
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if value == {}:
        return "(empty)"
    return repr(value).replace("'", '"')


def reference_markdown() -> str:
    """docs/config.md."""
    lines = [
        "# xxgk.toml reference",
        "",
        "Every key xxgk reads, with its default. Written from `pipeline/config/keys.py`",
        "(`python -m pipeline.config > docs/config.md`); a test keeps the two in step.",
        "A key not listed here is refused, naming the file and the key",
        "(`xxgk.toml：[fetch] concurrencyy：未知的键（拼写错误？）`); a wrong value, naming the value found and",
        "what it should be (`xxgk.toml：[fetch] concurrency = -1：应为不小于 1 的整数`). `xxgk config check`",
        "prints the effective config of an office, defaults included.",
        "",
    ]
    for table, about in TABLES.items():
        heading = "[[classify.add]]" if table == "classify.add" else f"[{table.replace('*', 'NAME')}]"
        lines += [f"## {heading}", "", about, "", "| key | type | default | what |", "|---|---|---|---|"]
        lines += [f"| `{k.name}` | {k.kind} | {shown(k.default).replace('|', '&#124;')} | {k.doc} |"
                  for k in KEYS if k.table == table]
        lines.append("")
    lines += ["## [sources.NAME.selectors]", "",
              "Only for kinds website and catalog (their defaults suit common government CMSs: TRS WCM, Hanweb …;",
              "see `sources/website.py` and `sources/catalog.py`). Any other key is refused.", "",
              "| key | what |", "|---|---|"]
    lines += [f"| `{name}` | {about} |" for name, about in WEBSITE_SELECTORS.items()]
    lines += ["", "## The re-check schedule", "",
              "A nightly run fetches every new post; known posts published within `recheck_days` are re-checked",
              "every run, and every other known post once in `recheck_cycle` runs of its source: run k re-checks",
              "the posts whose slot (a stable hash of the post id modulo the cycle) is k modulo the cycle, so each",
              "night takes an even share and an edit of any age is caught within 7 nightly runs. Re-checks are",
              "conditional requests (ETag / Last-Modified): an unchanged page costs a 304. A changed page is",
              "stored as a new version of its post.", "",
              "With `[collect] recheck = \"hourly\"` the re-checks of website, catalog and WeChat-bridge sources",
              "leave the night: `xxgk recheck`, run every hour (cron `0 * * * *`, or `xxgk schedule`), re-checks the",
              "posts re-checked longest ago, enough each run to go round every post in `recheck_cycle` - 2 days",
              "(no list is read). The nightly run then re-checks only the recent posts and any post whose last",
              "re-check is more than `recheck_cycle` - 1 days old; on a night after a day without any hourly",
              "re-check it also takes its nightly share, so an edit is still caught within `recheck_cycle` nights.",
              "Edits found are stored at once and published by the next nightly run. `xxgk status` warns when the",
              "hourly re-check has not run for more than a day. Feeds and the WeChat API keep their nightly re-check.", "",
              "## Keeping the images (`[collect] archive_images`)", "",
              "Off by default: the disk it takes and the keeping of copies of the channels' images are the office's",
              "call. When on, each night fetches the body images of the post versions that are new or changed",
              "(through the one HTTP client: robots.txt, the per-host rate, retries, a 5 MB cap per image) from the",
              "source's own hosts and its channel's image hosts (WeChat `mmbiz.qpic.cn`, `mmbiz.qlogo.cn`; Weibo",
              "`*.sinaimg.cn`), never following a redirect elsewhere. Only PNG, JPEG, GIF and WebP are kept (the",
              "Content-Type and the first bytes must agree; SVG is refused). Copies are named by their sha256 in a",
              "folder beside the database (`xxgk.db` → `xxgk.images/`; back it up with the database) and recorded",
              "in the store's `images` table. An image that fails is tried again on the next nights, 3 times in",
              "all, then given up; a refused one is not tried again; the night never fails for an image. Item pages",
              "then show the copy (`site/img/<sha256>.<ext>`, written once), the feeds its absolute URL under",
              "`site_url`; an image without a copy keeps its original URL (https for WeChat's and Weibo's hosts).",
              "Turning it on keeps the images of the posts already stored too, on the next night, once.", ""]
    return "\n".join(lines)
