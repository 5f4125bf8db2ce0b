"""Collect stage: the collectors of sources/ run into the store.

    stage.py       every configured source's collector, its posts stored, its run recorded (`xxgk collect`)
    images.py      the body images of new and changed posts kept beside the database ([collect] archive_images)
    recheck.py     the re-checks for edits spread over the day, a share each hour (`xxgk recheck`)
    add.py         one article stored by its link (`xxgk add URL…`)
    add_source.py  a column page fetched once: which kind of list, which [sources.NAME] (`xxgk add-source`)
"""

from .recheck import hourly_sources, recheck_run
from .stage import (
    CAPPED_WARNING, SourceOutcome, collect_all, collect_run, due_posts, hourly_share, make_fetcher, recheck_slot,
    rechecked_hourly, with_column,
)

__all__ = ["CAPPED_WARNING", "SourceOutcome", "collect_all", "collect_run", "due_posts", "hourly_share",
           "hourly_sources", "make_fetcher", "recheck_slot", "recheck_run", "rechecked_hourly", "with_column"]
