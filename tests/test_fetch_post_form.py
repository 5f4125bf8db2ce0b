"""Fetcher.post_form: a form POST to a crawled list endpoint (Hanweb's dataproxy.jsp)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from pipeline.config import FetchSettings
from pipeline.errors import HttpStatusError, RobotsDisallowed
from pipeline.fetch.client import Fetcher


def fetcher(site, obey: bool = True) -> Fetcher:
    settings = FetchSettings(rate_per_host=0, retries=0, obey_robots=obey, resolve={"h.test": f"http://{site.address}"})
    return Fetcher(settings, ["h.test"])


def test_fields_are_sent_urlencoded_in_utf8(loopback_site) -> None:
    loopback_site.page("h.test/proxy.jsp", "<datastore/>", "text/xml")
    with fetcher(loopback_site) as client:
        response = client.post_form("http://h.test/proxy.jsp?startrecord=1", {"columnid": "12", "webname": "青松镇"})
    assert response.text() == "<datastore/>"
    key, body = loopback_site.bodies[-1]
    assert key == "h.test/proxy.jsp" and parse_qs(body.decode("ascii")) == {"columnid": ["12"], "webname": ["青松镇"]}


def test_robots_txt_governs_a_list_endpoint(loopback_site) -> None:
    loopback_site.page("h.test/robots.txt", "User-agent: *\nDisallow: /module/\n", "text/plain")
    loopback_site.page("h.test/module/proxy.jsp", "<datastore/>", "text/xml")
    with fetcher(loopback_site) as client, pytest.raises(RobotsDisallowed):
        client.post_form("http://h.test/module/proxy.jsp", {"a": "1"})
    assert loopback_site.hits["h.test/module/proxy.jsp"] == 0
    with fetcher(loopback_site, obey=False) as client:
        assert client.post_form("http://h.test/module/proxy.jsp", {"a": "1"}).status == 200


def test_an_error_status_is_raised(loopback_site) -> None:
    with fetcher(loopback_site) as client, pytest.raises(HttpStatusError) as error:
        client.post_form("http://h.test/missing.jsp", {})
    assert error.value.status == 404
