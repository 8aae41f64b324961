# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's listing of the servers: it follows the pages (filters kept, links to another host sent to our own
API URL, loops refused), and a listing that servers created or deleted meanwhile made inconsistent is read again
instead of hiding a server. (The reliability suite's soak found the last: a server deleted while another process
read the list page by page shifted the later pages, so state=absent left a server in place.)"""

from __future__ import annotations

import pytest
import requests

from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsTransportError
from ansible_collections.vpsorg.cloud.tests.unit.plugins.fake_http import FakeSession, make_response

BASE = "https://api.example.test"


def listing_client(session):
    return VpsClient("token", api_url=BASE, session=session)


def page(count, ids, next_page=None):
    next_url = BASE + "/api/v1/servers/?page=%d" % next_page if next_page else None
    return make_response(200, {"count": count, "next": next_url, "results": [{"id": server_id} for server_id in ids]})


def test_follows_three_pages_and_keeps_filters():
    pages = [
        make_response(200, {"count": 5, "next": "https://api.example.test/api/v1/servers/?page=2&page_size=2&status=active",
                            "results": [{"id": 1}, {"id": 2}]}),
        make_response(200, {"count": 5, "next": "https://api.example.test/api/v1/servers/?page=3&page_size=2&status=active",
                            "previous": "x", "results": [{"id": 3}, {"id": 4}]}),
        make_response(200, {"count": 5, "next": None, "results": [{"id": 5}]}),
    ]
    session = FakeSession(*pages)
    client = listing_client(session)
    servers = client.list_servers(status="active", location="us-west")
    assert [server["id"] for server in servers] == [1, 2, 3, 4, 5]
    assert session.calls[0]["params"] == {"page_size": 1000, "status": "active", "location": "us-west"}
    assert session.calls[1]["params"] == {"page": "2", "page_size": "2", "status": "active"}
    assert session.calls[2]["params"]["page"] == "3"


def test_a_list_without_next_is_one_page():
    session = FakeSession(make_response(200, {"count": 2, "results": [{"id": 1}, {"id": 2}]}))
    client = listing_client(session)
    assert len(client.list_servers()) == 2
    assert len(session.calls) == 1


def test_next_link_to_another_host_is_sent_to_our_own_api_url():
    session = FakeSession(
        make_response(200, {"count": 2, "next": "http://evil.example.org/api/v1/servers/?page=2", "results": [{"id": 1}]}),
        make_response(200, {"count": 2, "next": None, "results": [{"id": 2}]}))
    client = listing_client(session)
    client.list_servers()
    assert session.calls[1]["url"] == BASE + "/api/v1/servers/"
    assert session.calls[1]["params"] == {"page": "2"}


def test_pagination_loop_is_an_error_not_a_hang():
    page = {"count": 9, "next": BASE + "/api/v1/servers/?page=2", "results": [{"id": 1}]}
    session = FakeSession(make_response(200, page), make_response(200, page), make_response(200, page))
    client = listing_client(session)
    with pytest.raises(VpsApiError, match="pagination loops"):
        client.list_servers()


def test_a_listing_whose_pages_disagree_on_the_count_is_read_again():
    # Server 3 is deleted after page 1 was read: page 2 starts one server later and would hide server 5.
    session = FakeSession(page(6, [1, 2, 3], next_page=2), page(5, [6]),
                          page(5, [1, 2, 4], next_page=2), page(5, [5, 6]))
    client = listing_client(session)
    assert [server["id"] for server in client.list_servers()] == [1, 2, 4, 5, 6]
    assert len(session.calls) == 4


def test_a_listing_whose_next_page_is_gone_is_read_again():
    gone = make_response(404, {"detail": "Invalid page."})
    session = FakeSession(page(6, [1, 2, 3], next_page=2), gone, page(3, [1, 2, 3]))
    client = listing_client(session)
    assert [server["id"] for server in client.list_servers()] == [1, 2, 3]


def test_a_server_created_during_a_listing_is_listed_once():
    # Server 0 (a name sorting first, say) is created after page 1 was read: server 3 moves to page 2 too.
    session = FakeSession(page(4, [1, 2, 3], next_page=2), page(5, [3, 4]))
    client = listing_client(session)
    assert [server["id"] for server in client.list_servers()] == [1, 2, 3, 4]
    assert len(session.calls) == 2


def test_a_listing_that_keeps_shrinking_fails_clearly():
    session = FakeSession(*[answer for count in range(20, 10, -2) for answer in (page(count, [1], next_page=2), page(count - 1, [2]))])
    client = listing_client(session)
    with pytest.raises(VpsApiError, match="servers were deleted while the list was read page by page, 5 times in a row"):
        client.list_servers()
    assert len(session.calls) == 10


def test_a_first_page_that_is_not_found_is_still_an_error():
    session = FakeSession(make_response(404, {"detail": "Not found."}))
    client = listing_client(session)
    with pytest.raises(VpsApiError, match="answered 404: Not found."):
        client.list_servers()


# A page that still fails after the retries fails the whole listing, naming the page (issue 22: never a partial inventory).

def failing_later_page_client(*failures, retries=1):
    session = FakeSession(page(2500, range(1, 1001), next_page=2), page(2500, range(1001, 2001), next_page=3), *failures)
    return VpsClient("token", api_url=BASE, session=session, retries=retries, sleep=lambda _seconds: None), session


def test_a_later_page_that_fails_after_the_retries_fails_the_listing_naming_the_page():
    proxy_page = "<html><head><title>503 Service Temporarily Unavailable</title></head></html>"
    client, session = failing_later_page_client(make_response(503, text=proxy_page), make_response(503, text=proxy_page))
    with pytest.raises(VpsApiError) as raised:
        client.list_servers()
    assert str(raised.value) == raised.value.message == (
        "page 3 of 3 of the listing (page=3), after 2000 of 2500 servers: GET /api/v1/servers/ answered 503: non-JSON answer: "
        + proxy_page + " (gave up after 2 attempts)")
    assert (raised.value.status, raised.value.attempts) == (503, 2)
    assert [call["params"].get("page") for call in session.calls] == [None, "2", "3", "3"]


def test_a_later_page_keeps_the_kind_of_its_error():
    client, _session = failing_later_page_client(requests.exceptions.ConnectionError("connection reset"), retries=0)
    with pytest.raises(VpsTransportError, match=r"^page 3 of 3 of the listing \(page=3\), after 2000 of 2500 servers: "
                                                r"GET /api/v1/servers/ failed: connection failed: connection reset$"):
        client.list_servers()


def test_a_later_page_that_is_no_list_is_named_too():
    client, _session = failing_later_page_client(make_response(200, {"detail": "maintenance"}))
    with pytest.raises(VpsApiError, match=r"^page 3 of 3 of the listing \(page=3\), after 2000 of 2500 servers: "
                                          r"GET /api/v1/servers/ answered 200: expected a list answer with 'results'"):
        client.list_servers()


def test_the_first_page_is_named_only_when_the_listing_is_filtered():
    session = FakeSession(make_response(503, {"detail": "down"}), make_response(503, {"detail": "down"}))
    client = VpsClient("token", api_url=BASE, session=session, retries=0)
    with pytest.raises(VpsApiError) as raised:
        client.list_servers()
    assert raised.value.message == "GET /api/v1/servers/ answered 503: down"
    with pytest.raises(VpsApiError) as raised:
        client.list_servers(status="stopped")
    assert raised.value.message == "page 1 of the listing (page_size=1000&status=stopped): GET /api/v1/servers/ answered 503: down"
