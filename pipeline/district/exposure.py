"""Is the right folder published? Asked of the public host itself, for the tool cannot see the web server's
configuration: a district that kept publishing output/ after the docroot moved to output/site/ (layout.py)
serves every office's report drafts and build state.

Two requests (three with robots.txt), at [district] site_url, as a citizen would make them:

    site_url + KEY/reports/2026.json     one private file of one office (it is in output/KEY/, not in the
                                         docroot): must not answer 200
    site_url + index.html                the portal's first page: must answer 200

A private file answering 200 (with other bytes than the portal's page: a host answering every path with its
first page is not publishing output/) is an alert naming the docroot fix. No site_url, a reserved name
(.test, .example, .invalid, .localhost: never public), no private file yet, a host that does not answer:
skipped with a note. Nothing here raises: the check never fails a night.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from typing import TYPE_CHECKING

from ..config import FetchSettings
from ..errors import FetchError, HttpStatusError
from .config import DOCROOT, District

if TYPE_CHECKING:
    from ..fetch.client import Fetcher

PUBLIC_PAGE = "index.html"  # the portal's first page (portal.py), built whenever site_url is set
PROBE_SETTINGS = FetchSettings(timeout=5, deadline=15, retries=0, max_redirects=2, max_bytes=2 * 1024 * 1024)
# RFC 2606 / RFC 6761: names no public host has (a test district, the README's placeholders)
RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost")
log = logging.getLogger("xxgk.district.exposure")


@dataclass(frozen=True)
class Probe:
    url: str
    status: int | None  # None: no answer (``why``)
    body: bytes = b""
    why: str = ""


@dataclass(frozen=True)
class DocrootCheck:
    """What the public host answered: ``alert`` when it serves a private file, ``notes`` for everything else
    worth saying (a skip and its reason, a first page that does not answer)."""

    alert: str = ""
    notes: tuple[str, ...] = ()
    private: Probe | None = None
    public: Probe | None = None

    @property
    def checked(self) -> bool:
        return self.private is not None

    def as_dict(self) -> dict[str, object]:
        return {"checked": self.checked, "exposed": bool(self.alert), "alert": self.alert, "notes": list(self.notes),
                "private": _probe_dict(self.private), "public": _probe_dict(self.public)}


def _probe_dict(probe: Probe | None) -> dict[str, object] | None:
    return None if probe is None else {"url": probe.url, "status": probe.status}


def private_file(district: District) -> str | None:
    """One file that must never be public, as a path under the output folder (and so, were output/ published,
    under site_url): an office's newest report draft, else its build manifest, else the portal's search state.
    Only a path that the docroot does not hold too (a published report sits in the office's site)."""
    candidates: list[Path] = []
    for entry in district.offices:
        folder = district.office_output(entry.key)
        drafts = sorted((folder / "reports").glob("*.json"), reverse=True) if (folder / "reports").is_dir() else []
        candidates += drafts[:1] + [folder / ".build-manifest"]
    candidates.append(district.output / ".search-state.json")
    for path in candidates:
        rel = path.relative_to(district.output).as_posix()
        if path.is_file() and not rel.startswith(DOCROOT + "/") and not (district.site / rel).exists():
            return rel
    return None


def check_docroot(district: District, settings: FetchSettings = PROBE_SETTINGS) -> DocrootCheck:
    """Ask the public host for one private file and for the portal's first page (see the module)."""
    if not district.site_url:
        return DocrootCheck(notes=("未检查发布目录：[district] site_url 未设置",))
    host = urlsplit(district.site_url).hostname or ""
    if host.endswith(RESERVED_SUFFIXES) or host in ("example", "invalid", "test", "localhost"):
        return DocrootCheck(notes=(f"未检查发布目录：{host} 是保留域名，不是公开网址",))
    rel = private_file(district)
    if rel is None:
        return DocrootCheck(notes=("未检查发布目录：还没有可用来检查的内部文件（各单位尚未运行）",))
    from ..fetch.client import Fetcher

    with Fetcher(settings, {host}, log=log) as fetcher:
        private = _ask(fetcher, district.site_url + rel)
        if private.status is None:
            return DocrootCheck(notes=(f"未检查发布目录：{private.url} 未能访问（{private.why}）",))
        public = _ask(fetcher, district.site_url + PUBLIC_PAGE)
    notes = []
    if public.status != 200:
        shown = f"HTTP {public.status}" if public.status else public.why
        notes.append(f"门户首页 {public.url} 无法访问（{shown}，应为 200）：网站服务器发布的可能不是 {district.site}/")
    if private.status != 200 or (public.status == 200 and private.body == public.body):
        return DocrootCheck(notes=tuple(notes), private=private, public=public)
    alert = (f"发布目录有误：内部文件 {private.url} 可以公开访问（HTTP 200），它是 {district.output / rel}，"
             f"不在发布目录中。网站服务器发布的是整个 {district.output}/，各单位的年度报告草稿和内部文件都能被访问。"
             f"请把网站服务器的发布目录改为 {district.site}/（例如 rsync -a --delete {district.site}/ 到网站目录，"
             f"或把 nginx 的 root 指向它），改后上面的网址应返回 404")
    return DocrootCheck(alert, tuple(notes), private, public)


def _ask(fetcher: Fetcher, url: str) -> Probe:
    """One GET: its status and body (a 4xx/5xx: its status; no answer, robots.txt refusing: status None)."""
    try:
        response = fetcher.get(url, conditional=False)
    except HttpStatusError as e:
        return Probe(url, e.status)
    except FetchError as e:
        return Probe(url, None, why=e.reason)
    return Probe(url, response.status, response.content)
