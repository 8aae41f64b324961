"""The servers endpoints: authentication, create, read, update, delete and their errors."""

import concurrent.futures
import http.client

import pytest

from simulator_support import VALID_CREATE
import requests

LIST_FIELDS = {"id", "name", "hostname", "status", "ip_address", "location", "plan", "os", "created_at", "updated_at"}
DETAIL_FIELDS = LIST_FIELDS | {"ipv6_address", "backups_enabled", "resource_usage"}


def plain_session():
    session = requests.Session()
    session.trust_env = False
    return session


# ----- authentication -----

@pytest.mark.parametrize("method, path", [
    ("GET", "servers/"), ("POST", "servers/"), ("GET", "servers/10001/"), ("DELETE", "servers/10001/"),
    ("POST", "servers/10001/start/"), ("GET", "no/such/path/"), ("PATCH", "servers/"),
])
def test_missing_token_is_401_before_anything_else(sim, method, path):
    answer = plain_session().request(method, f"{sim.url}/api/v1/{path}")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Authentication credentials were not provided."}
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401_invalid_token(api):
    answer = plain_session().get(api, headers={"Authorization": "Bearer not-the-token"})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Invalid token."}


def test_other_auth_scheme_counts_as_missing(sim, api):
    answer = plain_session().get(api, headers={"Authorization": f"Token {sim.token}"})
    assert answer.json() == {"detail": "Authentication credentials were not provided."}


def test_token_can_be_changed_at_run_time(sim, api, client):
    sim.configure(token="rotated")
    assert client.get(api).status_code == 401
    assert plain_session().get(api, headers={"Authorization": "Bearer rotated"}).status_code == 200


# ----- create -----

def test_create_answers_201_provisioning(client, api):
    answer = client.post(api, json=dict(VALID_CREATE, hostname="web01.example.com", backups_enabled=True, ssh_key_id=7))
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == LIST_FIELDS | {"backups_enabled", "message"}
    assert body["id"] == 10001
    assert body["status"] == "provisioning"
    assert body["ip_address"] is None
    assert body["hostname"] == "web01.example.com"
    assert body["backups_enabled"] is True
    assert body["message"] == "Server is being provisioned. This may take 2-5 minutes."
    assert body["plan"] == {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80}
    assert body["os"] == {"id": 5, "name": "Ubuntu 22.04 LTS"}
    assert body["created_at"].endswith("Z") and body["created_at"] == body["updated_at"]
    assert "ssh_key_id" not in body


def test_create_defaults_and_hidden_ssh_key(sim, client, api):
    created = client.post(api, json=dict(VALID_CREATE, ssh_key_id=42)).json()
    assert created["hostname"] is None
    assert created["backups_enabled"] is False
    detail = client.get(f"{api}{created['id']}/").json()
    assert "ssh_key_id" not in detail
    assert sim.servers()[0]["ssh_key_id"] == 42


def test_ids_increase_and_names_need_not_be_unique(client, api):
    first = client.post(api, json=VALID_CREATE).json()
    second = client.post(api, json=VALID_CREATE).json()
    assert second["id"] == first["id"] + 1
    assert first["name"] == second["name"]


def test_unknown_fields_are_ignored(client, api):
    answer = client.post(api, json=dict(VALID_CREATE, colour="blue", plan={"id": 2}))
    assert answer.status_code == 201
    assert answer.json()["plan"]["id"] == 1


def test_create_reports_every_failing_field_at_once(client, api):
    answer = client.post(api, json={
        "name": "bad name!", "plan_id": "1", "os_id": 9, "location": "mars",
        "hostname": "bad..host", "ssh_key_id": 0, "backups_enabled": "yes",
    })
    assert answer.status_code == 400
    errors = answer.json()
    assert set(errors) == {"name", "plan_id", "os_id", "location", "hostname", "ssh_key_id", "backups_enabled"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert errors["os_id"] == ['Invalid pk "9" - object does not exist.']
    assert errors["plan_id"] == ["Incorrect type. Expected pk value, received str."]
    assert errors["location"] == ['"mars" is not a valid choice.']


def test_create_requires_name_plan_os_location(client, api):
    answer = client.post(api, json={})
    assert answer.status_code == 400
    assert answer.json() == {field: ["This field is required."] for field in ("name", "plan_id", "os_id", "location")}


@pytest.mark.parametrize("field, value", [
    ("name", ""), ("name", "x" * 64), ("name", "under_score"), ("name", 12), ("name", None),
    ("plan_id", True), ("plan_id", 1.5), ("plan_id", 3), ("os_id", "5"), ("os_id", False),
    ("location", "US-WEST"), ("location", 1),
    ("hostname", ""), ("hostname", "a" * 64 + ".com"), ("hostname", "a." * 127 + "aa"), ("hostname", "has space.com"),
    ("hostname", 5), ("ssh_key_id", "7"), ("ssh_key_id", -1), ("ssh_key_id", True),
    ("backups_enabled", 1), ("backups_enabled", "true"), ("backups_enabled", None),
])
def test_create_rejects_invalid_value(client, api, field, value):
    answer = client.post(api, json=dict(VALID_CREATE, **{field: value}))
    assert answer.status_code == 400, answer.text
    assert list(answer.json()) == [field]


@pytest.mark.parametrize("field, value", [
    ("name", "a" * 63), ("name", "A-1"), ("hostname", "a" * 63 + ".example.com"), ("hostname", "localhost"),
    ("hostname", None), ("ssh_key_id", None), ("ssh_key_id", 1), ("plan_id", 2), ("os_id", 3), ("location", "us-east"),
])
def test_create_accepts_edge_values(client, api, field, value):
    assert client.post(api, json=dict(VALID_CREATE, **{field: value})).status_code == 201


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"NaN", b"\xff\xfe"])
def test_create_rejects_a_body_that_is_not_a_json_object(client, api, body):
    answer = client.post(api, data=body)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error - ")


def test_credit_runs_out_with_402_after_validation(sim, client, api):
    sim.configure(credit=1)
    assert client.post(api, json=VALID_CREATE).status_code == 201
    assert client.post(api, json={"name": ""}).status_code == 400  # validation comes first
    answer = client.post(api, json=VALID_CREATE)
    assert answer.status_code == 402
    assert answer.json() == {"detail": "Insufficient credits."}
    assert sim.config()["credit"] == 0
    assert len(sim.servers()) == 1


# ----- read -----

def test_detail_view_has_more_than_a_list_item(sim, client, api):
    sim.seed(servers=[{"name": "db-1", "plan_id": 2, "os_id": 3, "location": "us-east", "backups_enabled": True}])
    item = client.get(api).json()["results"][0]
    assert set(item) == LIST_FIELDS
    assert set(item["plan"]) == {"id", "name", "vcpus", "memory", "storage"}
    detail = client.get(f"{api}{item['id']}/").json()
    assert set(detail) == DETAIL_FIELDS
    assert detail["plan"] == {"id": 2, "name": "Performance VPS", "vcpus": 4, "memory": 8192, "storage": 160, "bandwidth": 4096}
    assert set(detail["resource_usage"]) == {"cpu_percent", "memory_used", "disk_used", "bandwidth_used"}
    assert detail["ipv6_address"].startswith("2001:db8:")
    assert detail["backups_enabled"] is True


@pytest.mark.parametrize("path", ["servers/99999/", "servers/abc/", "servers/1.5/", "servers/-1/", "servers/abc/start/", "nothing/"])
def test_missing_or_malformed_ids_and_paths_are_404(client, sim, path):
    answer = client.get(f"{sim.url}/api/v1/{path}") if "start" not in path else client.post(f"{sim.url}/api/v1/{path}")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found."}
    assert answer.headers["Content-Type"] == "application/json"


def test_path_without_trailing_slash_is_404(client, api):
    assert client.get(api.rstrip("/")).status_code == 404


# ----- update -----

def test_put_requires_every_field(sim, client, api):
    server_id = sim.seed(count=1)[0]["id"]
    answer = client.put(f"{api}{server_id}/", json={"name": "renamed"})
    assert answer.status_code == 400
    assert answer.json() == {"hostname": ["This field is required."], "backups_enabled": ["This field is required."]}


def test_put_replaces_the_changeable_fields(sim, client, api):
    server = sim.seed(count=1)[0]
    answer = client.put(f"{api}{server['id']}/", json={"name": "renamed", "hostname": "new.example.org", "backups_enabled": True, "plan_id": 2})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == DETAIL_FIELDS
    assert (body["name"], body["hostname"], body["backups_enabled"]) == ("renamed", "new.example.org", True)
    assert body["plan"]["id"] == server["plan"]["id"]  # plan cannot change after create
    assert body["updated_at"] > server["updated_at"]


def test_patch_changes_only_the_fields_given(sim, client, api):
    server = sim.seed(servers=[{"name": "keep", "hostname": "keep.example.com", "backups_enabled": True}])[0]
    body = client.patch(f"{api}{server['id']}/", json={"hostname": None}).json()
    assert (body["name"], body["hostname"], body["backups_enabled"]) == ("keep", None, True)


def test_patch_validates_like_create(sim, client, api):
    server_id = sim.seed(count=1)[0]["id"]
    answer = client.patch(f"{api}{server_id}/", json={"name": "no spaces", "backups_enabled": "no"})
    assert answer.status_code == 400
    assert set(answer.json()) == {"name", "backups_enabled"}


def test_update_works_in_any_status(sim, client, api):
    server_ids = [server["id"] for server in sim.seed(servers=[{"status": "suspended"}, {"status": "provisioning"}])]
    for server_id in server_ids:
        assert client.patch(f"{api}{server_id}/", json={"name": "ok"}).status_code == 200


def test_update_of_a_missing_server_is_404_even_with_a_bad_body(client, api):
    assert client.put(f"{api}424242/", data=b"{bad").status_code == 404
    assert client.patch(f"{api}424242/", json={"name": "x"}).status_code == 404


# ----- delete -----

def test_delete_answers_204_without_body_then_404(sim, client, api):
    server_id = sim.seed(count=2)[0]["id"]
    answer = client.delete(f"{api}{server_id}/")
    assert answer.status_code == 204
    assert answer.content == b""
    assert client.get(f"{api}{server_id}/").status_code == 404
    assert client.delete(f"{api}{server_id}/").status_code == 404
    assert client.get(api).json()["count"] == 1


# ----- methods -----

@pytest.mark.parametrize("method, path, allow", [
    ("PUT", "servers/", "GET, POST, HEAD, OPTIONS"),
    ("DELETE", "servers/", "GET, POST, HEAD, OPTIONS"),
    ("POST", "servers/10001/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    ("GET", "servers/10001/start/", "POST, OPTIONS"),
    ("TRACE", "servers/", "GET, POST, HEAD, OPTIONS"),
    ("QUERY", "servers/abc/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
])
def test_wrong_method_is_405_with_allow(client, sim, method, path, allow):
    answer = client.request(method, f"{sim.url}/api/v1/{path}")
    assert answer.status_code == 405
    assert answer.json() == {"detail": f'Method "{method}" not allowed.'}
    assert answer.headers["Allow"] == allow


def test_head_and_options(sim, client, api):
    sim.seed(count=1)
    head = client.head(api)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(client.get(api).content)
    options = client.options(f"{api}10001/")
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


def test_keep_alive_connection_is_reused(sim):
    connection = http.client.HTTPConnection(sim.url.split("//")[1], timeout=5)
    connection.connect()
    first_socket = connection.sock
    for _attempt in range(3):
        connection.request("GET", "/api/v1/servers/", headers=sim.headers)
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200
        assert connection.sock is first_socket  # the server did not close it
    connection.close()


def test_concurrent_creates_get_unique_ids(sim, api):
    def create_some(count):
        with requests.Session() as session:
            session.trust_env = False
            session.headers.update(sim.headers)
            return [session.post(api, json=VALID_CREATE).json()["id"] for _attempt in range(count)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        ids = [server_id for batch in pool.map(create_some, [25] * 8) for server_id in batch]
    assert sorted(ids) == list(range(10001, 10201))
