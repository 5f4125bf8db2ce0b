"""Static full-text search: a Pagefind index of the item pages in site/pagefind/.

Pagefind's extended build segments Chinese text (its own CJK dictionary), so a
search for 垃圾分类 finds pages that never put spaces between words; the browser
downloads only the index chunks a query needs, and no search server is involved.
The binary ships inside the `pagefind[extended]` wheel (PyPI), so nothing is
downloaded at run time. Pagefind rebuilds its index as a whole, so it runs only
after a build that changed a page.
"""

from __future__ import annotations

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
    cmd = [str(pagefind_binary()), "--site", str(site_dir), "--glob", "item/*.html", "--output-subdir", INDEX_DIR,
           "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise OutputError(f"Pagefind failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}")
