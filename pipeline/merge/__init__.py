"""Merge stage: Posts → Items. Copies of one piece of information across channels become one item.

    similarity.py   normalised text, MinHash sketches, LSH keys, title relations (pure)
    figures.py      figures written one way (1.5万元 = 15000元), so copies compare (pure)
    rules.py        when two posts are copies: the merge rules as pure functions (`judge`)
    index.py        the posts one run files, matched in memory (candidate pairs with numpy),
                    and each post's sketch and keys as filed in the store
    ownership.py    whose row it is: the office's, a department's, or another agency's (set aside)
    set_aside.py    rows set aside, copies leaving an item when their row becomes another agency's
    identifiers.py  which 索引号 an item shows, and the ones xxgk mints
    item_fields.py  an item re-derived from its posts: title, dates, counted channel, 索引号, 文号
    stage.py        the stage (`xxgk dedupe`): sketch, find candidates, judge, file, derive items
    staff.py        staff merges and splits (recorded in decisions) and `explain`

Links a person made are never moved by a run.
"""

from .staff import explain, explanation_text, merge_items, split_item, withdrawn_items
from .index import file_post
from .set_aside import set_aside_counts
from .stage import dedupe

__all__ = ["dedupe", "explain", "explanation_text", "file_post", "merge_items", "set_aside_counts", "split_item",
           "withdrawn_items"]
