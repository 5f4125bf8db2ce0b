"""The collectors, one module per kind of channel. `COLLECTORS` maps a config `kind` to one."""

from collections.abc import Iterator

from . import catalog, feed, listapi, website, wechat, wechat_api
from .base import Context, Event


def _website(source, ctx: Context) -> Iterator[Event]:
    """A website's list pages, or the list endpoint its `[sources.NAME.list_api]` names."""
    return listapi.collect(source, ctx) if source.list_api is not None else website.collect(source, ctx)


COLLECTORS = {
    "website": _website,
    "catalog": catalog.collect,
    "wechat_feed": wechat.collect,
    "wechat_api": wechat_api.collect,
    "feed": feed.collect,
}
