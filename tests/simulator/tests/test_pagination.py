"""Listing: DRF-style page-number pagination and the status/location filters."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest


def query_of(url):
    return {name: values[-1] for name, values in parse_qs(urlsplit(url).query).items()}


def test_empty_account_has_one_empty_page(client, api):
    assert client.get(api).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_three_pages_with_next_and_previous(sim, client, api):
    sim.seed(count=25)
    first = client.get(api, params={"page_size": 10}).json()
    assert first["count"] == 25
    assert first["previous"] is None
    assert [server["id"] for server in first["results"]] == list(range(10001, 10011))
    assert first["next"] == f"{api}?page=2&page_size=10"

    second = client.get(first["next"]).json()
    assert [server["id"] for server in second["results"]] == list(range(10011, 10021))
    assert second["previous"] == f"{api}?page_size=10"  # the link to page 1 drops "page", as DRF does
    assert query_of(second["next"]) == {"page": "3", "page_size": "10"}

    third = client.get(second["next"]).json()
    assert [server["id"] for server in third["results"]] == list(range(10021, 10026))
    assert third["next"] is None
    assert query_of(third["previous"]) == {"page": "2", "page_size": "10"}


def test_following_next_collects_every_server_once(sim, client, api):
    sim.seed(count=57)
    url, seen = api + "?page_size=20", []
    while url:
        page = client.get(url).json()
        seen += [server["id"] for server in page["results"]]
        url = page["next"]
    assert seen == sorted(set(seen)) and len(seen) == 57


def test_links_keep_the_filters(sim, client, api):
    sim.seed(count=9, location="us-east")
    page = client.get(api, params={"location": "us-east", "status": "active", "page_size": 4, "page": 2}).json()
    assert query_of(page["next"]) == {"location": "us-east", "status": "active", "page_size": "4", "page": "3"}
    assert query_of(page["previous"]) == {"location": "us-east", "status": "active", "page_size": "4"}


def test_default_page_size_is_100(sim, client, api):
    sim.seed(count=101)
    page = client.get(api).json()
    assert len(page["results"]) == 100
    assert query_of(page["next"]) == {"page": "2"}


@pytest.mark.parametrize("page_size, expected", [("0", 100), ("-5", 100), ("abc", 100), ("", 100), ("1", 1), ("1000", 1000), ("5000", 1000)])
def test_page_size_falls_back_or_is_clamped(sim, client, api, page_size, expected):
    sim.seed(count=1200)
    assert len(client.get(api, params={"page_size": page_size}).json()["results"]) == expected


def test_page_size_maximum_is_configurable(sim, client, api):
    sim.seed(count=30)
    sim.configure(page_size_max=10, page_size_default=5)
    assert len(client.get(api).json()["results"]) == 5
    assert len(client.get(api, params={"page_size": 50}).json()["results"]) == 10


@pytest.mark.parametrize("page", ["0", "-1", "4", "abc", "1.5"])
def test_page_out_of_range_is_404_invalid_page(sim, client, api, page):
    sim.seed(count=25)
    answer = client.get(api, params={"page": page, "page_size": 10})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Invalid page."}


def test_page_last_and_empty_page(sim, client, api):
    sim.seed(count=25)
    assert len(client.get(api, params={"page": "last", "page_size": 10}).json()["results"]) == 5
    assert client.get(api, params={"page": "", "page_size": 10}).json()["results"][0]["id"] == 10001


def test_filters_by_status_and_location(sim, client, api):
    sim.seed(servers=[
        {"status": "active", "location": "us-west"},
        {"status": "stopped", "location": "us-west"},
        {"status": "stopped", "location": "us-east"},
        {"status": "suspended", "location": "us-east"},
    ])

    def ids(**params):
        return [server["id"] for server in client.get(api, params=params).json()["results"]]

    assert ids(status="stopped") == [10002, 10003]
    assert ids(location="us-east") == [10003, 10004]
    assert ids(status="stopped", location="us-east") == [10003]
    assert ids(status="suspended") == [10004]
    assert ids(status="no-such-status") == []
    assert ids(location="moon") == []
    assert ids(status="") == [10001, 10002, 10003, 10004]  # an empty filter filters nothing


def test_filter_sees_transitions(sim, client, api):
    sim.configure(provision_delay=0)
    client.post(api, json={"name": "quick", "plan_id": 1, "os_id": 3, "location": "us-west"})
    assert client.get(api, params={"status": "active"}).json()["count"] == 1


def test_ten_thousand_servers_seeded_and_listed_in_full(sim, client, api):
    started = time.perf_counter()
    answer = client.post(sim.url + "/_sim/seed", json={"count": 10_000})
    seeded = time.perf_counter()
    url, seen, pages = api + "?page_size=1000", [], 0
    while url:
        page = client.get(url).json()
        seen += [server["id"] for server in page["results"]]
        url = page["next"]
        pages += 1
    listed = time.perf_counter()
    print(f"\nseeded 10,000 servers in {seeded - started:.3f} s; listed them in {pages} pages in {listed - seeded:.3f} s")
    assert answer.json()["created"] == 10_000
    assert pages == 10
    assert seen == list(range(10001, 20001))
