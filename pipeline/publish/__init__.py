"""publish: feeds (RSS, Atom, JSON Feed, OPML) and the static catalog site.

    build(items, categories, site, out_dir, reports) -> BuildStats
    staging(out_dir) -> Writer   (one staged Writer shared with the report stage, see job.build)

Modules: build (the run), feeds (feedgen wrapped once + JSON Feed), pages (Jinja
pages), tree (the catalog tree), links (URLs, MIME types), reportpage (the report
counts page), writer (the only code that touches the file system).
"""

from .build import BuildStats, SiteInfo, build, entry_id, staging
from ..errors import UnsafePathError
from .writer import Writer

__all__ = ["BuildStats", "SiteInfo", "UnsafePathError", "Writer", "build", "entry_id", "staging"]
