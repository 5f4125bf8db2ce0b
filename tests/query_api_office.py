"""松林街道: a column page whose script names its JSON list API with the paging fields in the URL's
own query string (`/api/articles?channelId=12&pageNo=1&pageSize=15`), not in an object literal
after it. Served on 127.0.0.1 by a LoopbackSite; articles as tests/list_offices.py makes them."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from .list_offices import API_HOST, answer, api_article, office_head

QUERY_TOTAL, QUERY_PAGE_SIZE = 40, 15  # three pages: 15, 15, 10


class QueryApiOffice:
    """A column page whose script names its list API with the paging fields in the URL's own query
    string (`/api/articles?channelId=12&pageNo=1&pageSize=15`), not in an object literal after it."""

    def __init__(self, records: list[dict]) -> None:
        self.records, self.asked = records, []

    def install(self, site) -> None:
        site.page(f"{API_HOST}/tzgg/index.html",
                  "<html><head><meta charset='utf-8'><title>通知公告</title></head><body><ul id='list'></ul>"
                  "<script>$.getJSON(\"/api/articles?channelId=12&pageNo=1&pageSize=15\", function (d) "
                  "{ render(d.data.rows); });</script></body></html>")
        site.routes[f"{API_HOST}/api/articles"] = self._api
        for record in self.records:
            site.page(f"{API_HOST}/content/{record['id']}.html", api_article(record))

    def _api(self, handler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        self.asked.append(query)
        listed = sorted(self.records, key=lambda r: r["n"], reverse=True)
        page, size = int(query.get("pageNo", ["1"])[0]), int(query.get("pageSize", ["10"])[0])
        rows = listed[(page - 1) * size:page * size] if query.get("channelId") == ["12"] else []
        answer(handler, "application/json;charset=UTF-8", json.dumps({"code": 0, "data": {
            "total": len(listed), "rows": [{k: v for k, v in r.items() if k != "n"} for r in rows]}}, ensure_ascii=False))


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
