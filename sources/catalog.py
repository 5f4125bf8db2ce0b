"""District disclosure catalog (公开目录 / gkml) collector.

The catalog is a website whose detail pages carry a metadata table (索引号, 发布机构,
生成日期, 文号, 主题分类, 有效性); the website engine reads it, so this module only
sets defaults suited to catalog platforms. The catalog's own 主题分类 stays in
`Post.meta["topic"]` as a hint for classification.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.config import Source

from . import website
from .protocol import Context, Event

DEFAULTS = {
    **website.DEFAULTS,
    "meta": "table.xxgk-meta || .xxgk-meta || table.bd1 || .ItemDetailRed-header || .xxgk_top || .gk-info",
    "content": "#zoom || #UCAP-CONTENT || .TRS_Editor || .wenzhang-content || .article-content || .content",
}


def collect(source: Source, ctx: Context) -> Iterator[Event]:
    return website.collect(source, ctx, DEFAULTS)
