"""A body's images as published: the archive's copy where one is kept ([collect] archive_images), else
the original URL (fetched without a Referer: links.repair_tags), upgraded to https for the image hosts
known to serve it (an http image on an https site is mixed content, which browsers block or flag).

Copies are placed in site/img/ under their content hash, once: a name never changes its bytes, so a
copy already there is never rewritten, and none is removed (pages of any age may show it).
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from ..fetch.politeness import AllowList
from ..models import CHANNEL_IMAGE_HOSTS, ArchivedImage
from .links import encode_illegal

IMG_DIR = "img"  # site/img/<sha256>.<ext>
# Image hosts that answer https: the channels' image CDNs.
HTTPS_HOSTS = AllowList(host for hosts in CHANNEL_IMAGE_HOSTS.values() for host in hosts)

_IMG = re.compile(r"<img(?=[\s/>])[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""(\ssrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def on_https(url: str) -> str:
    """``url`` as https when it is an http image of a host known to serve https; else unchanged."""
    return "https://" + url[7:] if url[:7].lower() == "http://" and HTTPS_HOSTS.admits_url(url) else url


def image_sources(body: str, images: Iterable[ArchivedImage], root: str) -> str:
    """Each ``<img src>`` of ``body`` (absolute URLs) pointing at the archive's copy when there is one
    (``root`` + img/NAME: "../" on a page, the site's URL in a feed), else at its original over https
    where the host serves it."""
    if "<img" not in body:
        return body
    copies: dict[str, str] = {}
    for image in images:
        copies[image.url] = copies[encode_illegal(image.url)] = f"{root}{IMG_DIR}/{image.name}"

    def fix_src(m: re.Match[str]) -> str:
        raw = next(v for v in m.group(2, 3, 4) if v is not None)
        url = html.unescape(raw)
        shown = copies.get(url) or on_https(url)
        if shown == url:
            return m.group(0)
        return f'{m.group(1)}"{html.escape(shown, quote=True)}"'

    return _IMG.sub(lambda tag: _SRC.sub(fix_src, tag.group(0), count=1), body)


def place(site_dir: Path, images: Iterable[ArchivedImage]) -> list[str]:
    """Copy each image into site/img/ unless it is there (content-addressed: same name, same bytes);
    returns the names copied. Each goes to a temporary name first, so a reader never sees half a file."""
    placed = []
    folder = Path(site_dir) / IMG_DIR
    for image in images:
        target = folder / image.name
        if target.is_file():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{image.name}.{os.getpid()}.tmp"
        shutil.copyfile(image.path, tmp)
        os.replace(tmp, target)
        placed.append(image.name)
    return placed
