"""松林街道: a column page whose script names its JSON list API with the paging fields in the URL's
own query string (`/api/articles?channelId=12&pageNo=1&pageSize=15`), not in an object literal
after it. Served on 127.0.0.1 by a LoopbackSite; articles as tests/list_offices.py makes them."""

from __future__ import annotations

from .list_offices import API_HOST, ApiOffice, office_head

QUERY_TOTAL, QUERY_PAGE_SIZE = 40, 15  # three pages: 15, 15, 10


class QueryApiOffice(ApiOffice):
    """A column page whose script names its list API with the paging fields in the URL's own query
    string (`/api/articles?channelId=12&pageNo=1&pageSize=15`), not in an object literal after it."""

    column, heading, endpoint, channel = "tzgg", "通知公告", "/api/articles", "12"
    script = '$.getJSON("/api/articles?channelId=12&pageNo=1&pageSize=15", function (d) { render(d.data.rows); });'

    def answer(self, rows: list[dict], total: int) -> dict:
        return {"code": 0, "data": {"total": total, "rows": rows}}


# What add-source proposed before it read the endpoint's own query string: page 1, for ever (a
# first run asked for it without end: the cap keeps a regression finite).
FIXED_PAGE_CONFIG = office_head("松林街道办事处", "SL", "https://xxgk.songlin.gov.test/") + f"""[sources.tzgg]
kind = "website"
url = "http://{API_HOST}/tzgg/index.html"
max_pages = 5
[sources.tzgg.list_api]
url = "/api/articles?channelId=12&pageNo=1&pageSize=15"
page_size = PAGE_SIZE
records = "data.rows"
title = "docTitle"
link = "docUrl"
date = "pubDate"
total = "data.total"
"""
