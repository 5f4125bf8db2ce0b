"""The collectors, one module per kind of channel. `COLLECTORS` maps a config `kind` to one."""

from . import catalog, feed, website, wechat

COLLECTORS = {
    "website": website.collect,
    "catalog": catalog.collect,
    "wechat_feed": wechat.collect,
    "feed": feed.collect,
}
