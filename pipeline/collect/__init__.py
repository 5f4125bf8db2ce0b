"""Collect stage: the collectors of sources/ run into the store.

    stage.py       every configured source's collector, its posts stored, its run recorded (`xxgk collect`)
    add.py         one article stored by its link (`xxgk add URL…`)
    add_source.py  a column page fetched once: which kind of list, which [sources.NAME] (`xxgk add-source`)
"""

from .stage import CAPPED_WARNING, SourceOutcome, collect_all, collect_run, due_posts, make_fetcher, recheck_slot, with_column

__all__ = ["CAPPED_WARNING", "SourceOutcome", "collect_all", "collect_run", "due_posts", "make_fetcher", "recheck_slot",
           "with_column"]
