"""The district's config (``district.toml``) → typed objects.

    [district]
    name = "昌邑区"
    output = "output"              # the district's output tree: output/site/ is published (the portal, office
                                   # KEY's site in output/site/KEY/); output/KEY/ holds KEY's drafts, never served
    site_url = "https://xxgk.example.gov.cn/"   # where output/site/ is published: office KEY's site is
                                                # at site_url/KEY/, its feeds at site_url/KEY/feeds/

    [offices.xhj]                  # one block per office; the key names its folder and its path
    config = "xhj/xxgk.toml"       # an office run by xxgk: its own config and store

    [offices.djz]
    name = "东局子街道办事处"
    figures = "djz"                # an office not using xxgk: its published tables, <year>.toml

    [offices.qs.office]            # or the office's config right here, as [offices.KEY.<table>]:
    name = "青山街道办事处"         # its relative paths read as if from KEY/xxgk.toml (store KEY/xxgk.db)
    [offices.qs.sources.news]
    kind = "website"

Paths are relative to the district file. Every mistake stops with one ConfigError
naming the file and the key, in Chinese, in the office config's form (pipeline/config/messages.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import config as office_config
from ..config import messages
from ..errors import ConfigError
from ..models import SHANGHAI

DEFAULT_DISTRICT_NAME = "district.toml"
ENV_DISTRICT = "XXGK_DISTRICT"
KEY_PATTERN = r"[a-z0-9][a-z0-9_-]{0,39}"  # an office key is also a URL path segment
KEY_RULE = ("只能用小写英文字母 a-z、数字、- 和 _，以字母或数字开头，最多 40 个字符"
            "（它也是区输出目录下该单位的文件夹名和网址路径），例如 xhj")
DOCROOT = "site"  # the district's docroot in its output: the portal, each office's site in site/KEY/
# The portal's own folders in the docroot (portal.py): an office keyed so would share one, and the portal's search
# index, which prunes its folder, would delete that office's site. "site" beside the offices' own folders is the docroot.
PORTAL_FOLDERS = frozenset({"feeds", "reports", "search", "static"})
RESERVED_KEYS = PORTAL_FOLDERS | {DOCROOT}
# The tables of an office config (pipeline/config.py): an office block holding any of them is inline.
OFFICE_TABLES = frozenset({"office", "paths", "fetch", "collect", "merge", "classify", "publish", "alerts",
                           "schedule", "sources"})


@dataclass(frozen=True)
class OfficeEntry:
    """One office of the district: run by xxgk (``config``) or typed in (``figures``)."""

    key: str
    name: str  # "" for an xxgk office until its config is read
    config: Path | None = None
    figures: Path | None = None
    inline: dict[str, Any] | None = None  # the office's config written in the district file

    @property
    def uses_xxgk(self) -> bool:
        return self.config is not None or self.inline is not None


@dataclass(frozen=True)
class District:
    path: Path
    name: str
    output: Path
    offices: tuple[OfficeEntry, ...]
    concurrency: int = 8  # offices whose jobs run at once
    site_url: str = ""  # where output/ is published, ends with "/"
    timezone: tzinfo = SHANGHAI  # the district's clock (the portal's dates, deadlines): the [office] default

    @property
    def site(self) -> Path:
        """The docroot: the folder README says to publish (at site_url)."""
        return self.output / DOCROOT

    def office_output(self, key: str) -> Path:
        """The office's output folder: its report drafts and build state, never served."""
        return self.output / key

    def office_site(self, key: str) -> Path:
        """The office's docroot, inside the district's: published at site_url/KEY/."""
        return self.site / key

    def entry(self, key: str) -> OfficeEntry:
        for office in self.offices:
            if office.key == key:
                return office
        raise ConfigError(messages.say(self.path, f"没有代号为 {messages.shown(key)} 的单位"
                                              f"（已有：{', '.join(o.key for o in self.offices)}）"))

    def office_config(self, entry: OfficeEntry) -> office_config.Config:
        """The office's own config, its outputs moved under the district's tree: its site to output/site/KEY/,
        the rest (report drafts, build state) to output/KEY/, outside the docroot."""
        if not entry.uses_xxgk:
            raise ConfigError(messages.say(self.path, f"[offices.{entry.key}]",
                                           "只报送公开数据（figures）的单位，没有 xxgk 配置"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_")}
        env["XXGK_OUTPUT"] = str(self.office_output(entry.key))
        if entry.inline is not None:  # read as if from KEY/xxgk.toml: its own store and figures/ there
            where = self.path.resolve().parent / entry.key / f"[offices.{entry.key}] in {self.path.name}"
            config = office_config.load(where, env=env, raw=entry.inline)
        else:
            assert entry.config is not None  # an office is inline or has its own config file
            config = office_config.load(entry.config, env=env)
        config = replace(config, site=self.office_site(entry.key))
        if not self.site_url:
            return config
        # published where the district's docroot puts it: <site_url>KEY/ and KEY/feeds/
        office = replace(config.office, site_url=f"{self.site_url}{entry.key}/",
                         feed_url=f"{self.site_url}{entry.key}/feeds/")
        return replace(config, office=office)


def find_district(explicit: str | os.PathLike[str] | None) -> Path:
    """--district, else $XXGK_DISTRICT, else ./district.toml."""
    return Path(explicit or os.environ.get(ENV_DISTRICT) or DEFAULT_DISTRICT_NAME)


def load_district(path: str | os.PathLike[str]) -> District:
    """Read and check a district file; ConfigError naming the file and key on any mistake."""
    path = Path(path)
    raw = office_config.read_toml(path, "区配置文件", f"用 --district PATH 指定，或设置环境变量 {ENV_DISTRICT}")
    base = path.resolve().parent
    unknown = sorted(set(raw) - {"district", "offices"})
    if unknown:
        raise ConfigError(messages.say(path, unknown[0], "未知的表（拼写错误？区配置文件只有 [district] 和 [offices.KEY]）"))
    head = raw.get("district", {})
    if not isinstance(head, dict) or not isinstance(head.get("name"), str) or not head["name"].strip():
        given = head.get("name", messages.NOTHING) if isinstance(head, dict) else messages.NOTHING
        raise ConfigError(messages.expected(path, "[district] name", '区的名称，如 "昌邑区"', given))
    for key in sorted(set(head) - {"name", "output", "concurrency", "site_url"}):
        raise ConfigError(messages.unknown_key(path, f"[district] {key}"))
    output = head.get("output", "output")
    concurrency = head.get("concurrency", 8)
    if not isinstance(output, str):
        raise ConfigError(messages.expected(path, "[district] output", "文件夹路径（字符串）", output))
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ConfigError(messages.expected(path, "[district] concurrency", "不小于 1 的整数", concurrency))
    site_url = head.get("site_url", "")
    if site_url and (not isinstance(site_url, str) or urlsplit(site_url).scheme not in ("http", "https")):
        raise ConfigError(messages.expected(path, "[district] site_url", messages.HTTP_URL, site_url))
    offices_raw = raw.get("offices", {})
    if not isinstance(offices_raw, dict) or not offices_raw:
        raise ConfigError(messages.say(path, "[offices.KEY]", "至少需要一个单位的 [offices.KEY] 表"))
    offices = tuple(_office(path, base, key, spec) for key, spec in offices_raw.items())
    return District(path, head["name"].strip(), (base / output).resolve(), offices, concurrency,
                    site_url.rstrip("/") + "/" if site_url else "")


def _office(path: Path, base: Path, key: str, spec: object) -> OfficeEntry:
    where = messages.say(path, f"[offices.{key}]")
    check_key(key, where)
    if not isinstance(spec, dict):
        raise ConfigError(messages.expected("", where, '含 config = "…/xxgk.toml" 或 figures = "文件夹" 的表', spec))
    inline = {k: v for k, v in spec.items() if k in OFFICE_TABLES}
    for name in sorted(set(spec) - {"name", "config", "figures"} - OFFICE_TABLES):
        raise ConfigError(messages.unknown_key("", f"{where} {name}"))
    if ("config" in spec) + ("figures" in spec) + bool(inline) != 1:
        raise ConfigError(messages.say(where, '以下三者应有且只有一个：config = "…/xxgk.toml"（由 xxgk 运行的单位）；'
                                              f"直接写在这里的配置，如 [offices.{key}.office]、[offices.{key}.sources.NAME] …；"
                                              'figures = "文件夹"（单位报送的公开数据表）'))
    for name in ("name", "config", "figures"):
        if name in spec and (not isinstance(spec[name], str) or not spec[name].strip()):
            raise ConfigError(messages.expected("", f"{where} {name}", "非空字符串", spec[name]))
    if "figures" in spec and "name" not in spec:
        raise ConfigError(messages.expected("", f"{where} name", "单位名称（只报送数据的单位没有配置文件可读取名称）"))
    return OfficeEntry(
        key=key,
        name=spec.get("name", "").strip(),
        config=(base / spec["config"]).resolve() if "config" in spec else None,
        figures=(base / spec["figures"]).resolve() if "figures" in spec else None,
        inline=inline or None,
    )


def check_key(key: str, where: str) -> None:
    """ConfigError unless ``key`` can name an office: a folder under the district output and a URL path
    segment (so also a bare TOML key), none of the portal's own folders nor the docroot's."""
    if not re.fullmatch(KEY_PATTERN, key):
        raise ConfigError(messages.say(where, f"{messages.shown(key)} 不能作单位代号 KEY", KEY_RULE))
    if key in RESERVED_KEYS:
        raise ConfigError(messages.say(where, f"{messages.shown(key)} 不能作单位代号 KEY",
                                       f"区门户自己的文件夹已用此名（{'、'.join(sorted(RESERVED_KEYS))}），"
                                       f"请换一个，例如 {key}1"))


def office_block(key: str, *, config: str | None = None, figures: str | None = None, name: str | None = None) -> str:
    """The TOML block ``xxgk district office add`` appends for one office (its KEY passed check_key: a bare
    TOML key)."""
    lines = [f"[offices.{key}]"]
    if name:
        lines.append(f"name = {_quote(name)}")
    if config:
        lines.append(f"config = {_quote(config)}")
    if figures:
        lines.append(f"figures = {_quote(figures)}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
