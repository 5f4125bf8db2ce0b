"""Keep the images of what the office published ([collect] archive_images; opt-in).

A WeChat or Weibo post's images live on the channel's CDN: when the publisher deletes the article or the
CDN changes its policy, the disclosure record loses them. With archive_images on, each night fetches the
body images of the post versions that are new or changed (or have an image to try again) through the one
HTTP client — robots.txt, the per-host rate, retries, a cap of IMAGE_MAX_BYTES — and keeps a copy named
by its sha256 beside the database (pipeline/store/images.py); publishing then shows the copy.

Only real images are kept: the server must say image/png, jpeg, gif or webp AND the first bytes must be
that format's signature. SVG (which can carry script), HTML error pages sent as an "image" and anything
else are refused, as are images over the cap and hosts not allowed for the post's channel (a redirect
included). A failure is recorded and retried on later nights, GIVE_UP_AFTER times; a refusal is final.
An image never fails the night.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Config, Source
from ..errors import FetchError, HostNotAllowed, NotAnImage, RobotsDisallowed, TooLarge
from ..fetch.client import Fetcher, Response
from ..fetch.politeness import AllowList
from ..htmltools import image_urls, parse_html
from ..models import CHANNEL_IMAGE_HOSTS
from ..store import Store, StoredRobots
from ..store import images as archive

log = logging.getLogger("xxgk.collect.images")

IMAGE_MAX_BYTES = 5 * 1024 * 1024  # an image's own size cap (a page's is [fetch] max_bytes)
# (declared type, what its first bytes must be): PNG, JPEG, GIF, WebP. Nothing else is an image we keep.
_SIGNATURES = {
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/gif": lambda b: b.startswith((b"GIF87a", b"GIF89a")),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
_FINAL = (HostNotAllowed, RobotsDisallowed, TooLarge)  # trying again on another night changes nothing


def image_hosts(source: Source) -> tuple[str, ...]:
    """The hosts a source's images may come from: its own, and its channel's image CDN."""
    return tuple(h for h in source.hosts if h) + CHANNEL_IMAGE_HOSTS.get(source.channel, ())


def image_type(response: Response) -> str:
    """The image's MIME type when both the Content-Type and the first bytes say the same image format;
    raises NotAnImage otherwise (an SVG, an HTML page, a mislabelled file)."""
    declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = "image/jpeg" if declared in ("image/jpg", "image/pjpeg") else declared
    matches = _SIGNATURES.get(declared)
    if matches is None:
        raise NotAnImage(response.url, f"not an image we keep (Content-Type {declared or 'missing'!r})")
    if not matches(response.content):
        raise NotAnImage(response.url, f"Content-Type {declared} but the bytes are not one")
    return declared


def body_images(body_html: str, post_url: str) -> list[str]:
    """The http(s) images of a post's body, relative ones resolved against the post's URL (data: URLs stay
    inline, as the body has them)."""
    if "<img" not in body_html:
        return []
    return [url for url in image_urls(parse_html(body_html), post_url) if urlsplit(url).scheme in ("http", "https")]


def archive_images(config: Config, store: Store, now: datetime, fetcher: Fetcher | None = None) -> Counter[str]:
    """Archive the images of every pending post; the counts of what happened (archived, failed, refused)."""
    tally: Counter[str] = Counter()
    pending = archive.pending_post_ids(store)
    if not pending:
        return tally
    sources = {s.name: s for s in config.sources}
    robots = StoredRobots(store, now)
    own = fetcher is None
    if fetcher is None:
        hosts = {h for s in config.sources for h in image_hosts(s)}
        settings = replace(config.fetch, max_bytes=min(config.fetch.max_bytes, IMAGE_MAX_BYTES))
        fetcher = Fetcher(settings, hosts, log=logging.getLogger("xxgk.fetch"), robots=robots)
    folder = archive.folder_of(config.database)
    # The night's images together get one source's time budget ([fetch] source_budget), checked between
    # posts: the posts not reached wait for the next night, and no image is counted as failed for it.
    ends = time.monotonic() + config.fetch.source_budget
    try:
        for done, post in enumerate(archive.pending_posts(store, pending)):
            if time.monotonic() > ends:
                tally["posts left for the next night"] += len(pending) - done
                break
            _archive_post(store, fetcher, folder, post, sources.get(post.source), now, tally)
        robots.flush()
    finally:
        if own:
            fetcher.close()
    if tally:
        log.info("images: %s", ", ".join(f"{k} {n}" for k, n in sorted(tally.items())))
    return tally


def _archive_post(store: Store, fetcher: Fetcher, folder: Path, post: archive.PendingPost, source: Source | None,
                  now: datetime, tally: Counter[str]) -> None:
    urls = body_images(post.body_html, post.url)
    states = archive.image_states(store, urls)
    allowed = AllowList(image_hosts(source) if source is not None else ())
    todo: list[str] = []
    outside: list[str] = []
    for url in urls:
        if url in states and states[url].settled:
            continue
        (todo if allowed.admits_url(url) else outside).append(url)
    results: dict[str, Response | FetchError] = dict(
        fetcher.fetch_many(todo, conditional=False, obey_robots=True)) if todo else {}
    with store.transaction():
        for url in outside:
            states[url] = archive.record_failure(store, url, "host not allowed for the channel's images", now,
                                                 refused=True)
            tally["refused"] += 1
        for url, result in results.items():
            states[url] = _keep(store, folder, url, result, now, tally)
        done = all(url in states and states[url].settled for url in urls)
        archive.settle_post(store, post, urls, done=done)


def _keep(store: Store, folder: Path, url: str, result: Response | FetchError, now: datetime,
          tally: Counter[str]) -> archive.ImageState:
    """Keep one fetched image, or record why not."""
    try:
        if isinstance(result, FetchError):
            raise result
        mime = image_type(result)
    except FetchError as e:
        refused = isinstance(e, (*_FINAL, NotAnImage))
        tally["refused" if refused else "failed"] += 1
        log.info("image %s not archived: %s", url, e)
        return archive.record_failure(store, url, e.reason, now, refused=refused)
    sha = hashlib.sha256(result.content).hexdigest()
    archive.keep_copy(folder, sha, mime, result.content)
    archive.record_archived(store, url, sha, mime, len(result.content), now)
    tally["archived"] += 1
    return archive.ImageState(sha, mime, 0, False)
