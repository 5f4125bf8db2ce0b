"""The collectors, one module per kind of channel. `COLLECTORS` maps a config `kind` to one."""

from . import catalog, feed, website, wechat, wechat_api

COLLECTORS = {
    "website": website.collect,
    "catalog": catalog.collect,
    "wechat_feed": wechat.collect,
    "wechat_api": wechat_api.collect,
    "feed": feed.collect,
}
