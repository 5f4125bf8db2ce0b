"""The district's output: what is published, what never is.

    output/                     never published as a whole
      site/                     the docroot, published at [district] site_url (README: "A whole district")
        index.html, search.html, feeds/, search/, static/, reports/     the portal (portal.py)
        KEY/                    office KEY's site ([paths] site of its config), at site_url/KEY/
      KEY/                      office KEY's output: its report drafts (reports/), build manifest, search state
      .search-state.json        the portal search's state

Versions before this one published output/ whole, each office's site at output/KEY/site/ beside its
drafts: an audit fetched /KEY/reports/2021.docx. ``move_old_layout`` moves what they published into the
docroot (the build manifests and search states stay valid: they name the site by its own paths) and
says what it did, for the operator must now publish output/site/ instead of output/.
"""

from __future__ import annotations

from pathlib import Path

from .config import DOCROOT, PORTAL_FOLDERS, District

PORTAL_FILES = ("index.html", "search.html", *sorted(PORTAL_FOLDERS))  # what the portal writes in the docroot
OLD_SITE = "site"  # an office's site inside its output folder, as older versions placed it


def move_old_layout(district: District) -> list[str]:
    """Move an older version's published files into the docroot: the portal's (output/index.html …)
    and each office's site (output/KEY/site/ → output/site/KEY/). Returns one line (Chinese) per
    thing moved or left where a newer copy is, empty when there was nothing of the old layout."""
    output, docroot = district.output, district.site
    if not output.is_dir():
        return []
    moves = [(output / name, docroot / name) for name in PORTAL_FILES if (output / name).exists()]
    moves += [(folder / OLD_SITE, docroot / folder.name) for folder in sorted(output.iterdir())
              if folder.name != DOCROOT and (folder / OLD_SITE / "index.html").is_file()]
    done = []
    for old, new in moves:
        slash = "/" if old.is_dir() else ""
        if new.exists():  # already built in the new place: the old copy is only a leftover
            done.append(f"{old}{slash} 是旧版本发布的文件，新的在 {new}{slash}，请删除旧的")
            continue
        new.parent.mkdir(parents=True, exist_ok=True)
        old.rename(new)
        done.append(f"已把 {old}{slash} 移到 {new}{slash}")
    if done:
        done.append(f"区输出的布局已改：只发布 {docroot}/（门户在其中，单位 KEY 的网站在 {docroot}/KEY/，"
                    f"网址为 site_url 后加 KEY/，不再有 /site/）。请把网站服务器的发布目录从 {output}/ 改为 "
                    f"{docroot}/：{output}/ 下各单位的文件夹里是年度报告草稿和内部文件，不能公开")
    return done


def leftover_sites(district: District) -> list[Path]:
    """Sites in the docroot of no office of the district file (removed, or its key changed): still
    published as they were, no longer updated nor linked by the portal."""
    keys = {o.key for o in district.offices} | PORTAL_FOLDERS
    if not district.site.is_dir():
        return []
    return sorted(p for p in district.site.iterdir()
                  if p.is_dir() and p.name not in keys and (p / "index.html").is_file())
