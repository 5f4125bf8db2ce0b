"""Static full-text search: a Pagefind index of the item pages in site/pagefind/.

Pagefind's extended build segments Chinese text (its own CJK dictionary), so a
search for 垃圾分类 finds pages that never put spaces between words; the browser
downloads only the index chunks a query needs, and no search server is involved.
The binary ships inside the `pagefind[extended]` wheel (PyPI), so nothing is
downloaded at run time. Pagefind rebuilds its index as a whole, so it runs only
after a build that changed a page — or when the last indexing did not finish.

Pagefind writes into a staging folder beside site/, swapped in only when it succeeded: a
full disk or a kill mid-way leaves the previous index whole (never zero-byte files), and
the "pending" mark left behind makes the next build index again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pipeline.errors import OutputError

INDEX_DIR = "pagefind"  # inside site/


def pagefind_binary() -> Path:
    """The Pagefind executable from the installed wheel, the extended (CJK) one first."""
    from pagefind.service import get_executable

    found = get_executable()
    if found is None:
        raise OutputError("Pagefind is not installed: pip install 'pagefind[extended]'")
    return Path(found)


def index_site(site_dir: Path) -> None:
    """(Re)build site/pagefind/ from the pages under ``site_dir`` (those with data-pagefind-body).
    A site without item pages (an office that only keeps registers) has nothing to index:
    Pagefind would fail on it, so it is not run."""
    if not any((site_dir / "item").glob("*.html")):
        return
    staging, pending = _staging(site_dir), _pending(site_dir)
    pending.touch()  # stays if this does not finish: the next build indexes again
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left
    cmd = [str(pagefind_binary()), "--site", str(site_dir), "--glob", "item/*.html", "--output-path", str(staging),
           "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not _complete(staging):
        shutil.rmtree(staging, ignore_errors=True)
        why = (done.stderr or done.stdout).strip()[-500:] or "no index written"
        raise OutputError(f"Pagefind failed ({done.returncode}): {why}")
    final, old = site_dir / INDEX_DIR, site_dir.parent / ".pagefind.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
    pending.unlink()


def needs_index(site_dir: Path) -> bool:
    """Whether the index is missing, damaged, or its last rebuild did not finish."""
    return _pending(site_dir).exists() or not _complete(site_dir / INDEX_DIR)


def _complete(index: Path) -> bool:
    entry = index / "pagefind-entry.json"
    return entry.is_file() and entry.stat().st_size > 0 and (index / "pagefind.js").is_file()


def _staging(site_dir: Path) -> Path:
    return site_dir.parent / ".pagefind.tmp"  # beside site/ (same file system: renamed, not copied)


def _pending(site_dir: Path) -> Path:
    return site_dir.parent / ".pagefind.pending"
