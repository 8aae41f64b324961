# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, refused clearly and safely: each case fails with a message that names the field, and sends
no write request (or, for what only the API can judge, one write that the API refuses).

The table-driven cases run as one playbook (one ansible-playbook start for all of them); a task
before each case reads the simulator's last request number, so each case's requests are known.
Cases that need the world to change during the task (a server deleted between lookup and action)
or answers the simulator never gives (through answer_proxy.AnswerProxy) have tests of their own.
"""

from __future__ import annotations

import copy
import threading
import time

import pytest

from answer_proxy import AnswerProxy
from fault_lifecycles import SIMULATOR_OPTIONS  # noqa: F401 (read by the simulator fixture)  pylint: disable=unused-import
from reliability_support import (
    api_call,
    mark_of,
    mark_task,
    reliability_env,
    run_inventory,
    run_playbook,
    writes,
)

NEW = {"plan_id": 1, "os_id": 5, "location": "us-west"}
API_OPTIONS = {"api_timeout": 5, "api_retries": 1}

# (case, module, arguments, what the message must say, write requests it may send)
CASES = [
    ("id-not-an-integer", "vps_server", {"id": "abc", "state": "absent"}, ["'id'", "int"], 0),
    ("plan-not-an-integer", "vps_server", dict(NEW, name="web-1", plan_id="one"), ["'plan_id'", "int"], 0),
    ("backups-not-a-boolean", "vps_server", {"name": "web-1", "backups_enabled": "maybe"}, ["'backups_enabled'", "bool"], 0),
    ("state-unknown", "vps_server", {"name": "web-1", "state": "running"}, ["state", "present, absent, started, stopped, restarted"], 0),
    ("negative-id", "vps_server", {"id": -1}, ["id must be a positive integer, got -1"], 0),
    ("zero-plan", "vps_server", dict(NEW, name="web-1", plan_id=0), ["plan_id must be a positive integer, got 0"], 0),
    ("zero-id-info", "vps_server_info", {"id": 0}, ["id must be a positive integer, got 0"], 0),
    ("bad-name-characters", "vps_server", dict(NEW, name="web_1!"), ["name may contain only letters, digits and hyphens, got 'web_1!'"], 0),
    ("name-too-long", "vps_server", dict(NEW, name="a" * 64), ["name must be at most 63 characters, got 64"], 0),
    ("bad-hostname", "vps_server", dict(NEW, name="web-1", hostname="not a host"), ["hostname must be a fully qualified domain name"], 0),
    ("zero-wait-timeout", "vps_server", dict(NEW, name="web-1", wait_timeout=0), ["wait_timeout must be a positive number"], 0),
    ("zero-api-timeout", "vps_server", {"name": "web-1", "api_timeout": 0}, ["api_timeout must be a positive number of seconds, got 0"], 0),
    ("negative-api-retries", "vps_server", {"name": "web-1", "api_retries": -1}, ["api_retries must be zero or more, got -1"], 0),
    ("api-url-not-http", "vps_server", {"name": "web-1", "api_url": "ftp://127.0.0.1/"}, ["api_url must be an http:// or https:// URL"], 0),
    ("id-and-name-absent", "vps_server", {"state": "present"}, ["one of the following is required: id, name"], 0),
    ("create-fields-missing", "vps_server", {"name": "web-new"}, ["No server named web-new exists", "needs plan_id, os_id, location"], 0),
    ("location-missing", "vps_server", {"name": "web-new", "plan_id": 1, "os_id": 5}, ["needs location"], 0),
    ("rename-without-id", "vps_server", {"name": "renamed-1", "hostname": "renamed-1.example.com"},
     ["No server named renamed-1 exists", "To rename a server, give its id"], 0),
    ("create-by-id", "vps_server", dict(NEW, id=99999, name="web-new"), ["No server with id 99999 exists", "give its name instead of an id"], 0),
    ("immutable-plan", "vps_server", {"name": "existing-1", "plan_id": 2},
     ["Cannot change plan_id from 1 to 2 of server existing-1", "delete and re-create it"], 0),
    ("immutable-location-and-os", "vps_server", {"name": "existing-1", "location": "us-east", "os_id": 3},
     ["os_id from 5 to 3", "location from us-west to us-east"], 0),
    ("duplicate-names", "vps_server", {"name": "twin", "state": "stopped"}, ["Found 2 servers named twin (ids", "give the id"], 0),
    ("fleet-duplicate-entries", "vps_fleet", {"servers": [{"name": "web-1"}, {"name": "web-1"}]},
     ["servers lists these names more than once: web-1"], 0),
    ("fleet-entry-bad-name", "vps_fleet", {"servers": [dict(NEW, name="bad name")]}, ["bad name: Invalid options: name may contain only"], 0),
    ("fleet-entry-without-name", "vps_fleet", {"servers": [NEW]}, ["servers", "name"], 0),
    ("fleet-parallel-zero", "vps_fleet", {"servers": [{"name": "web-1"}], "parallel": 0}, ["parallel must be at least 1, got 0"], 0),
    ("bad-token", "vps_server", {"name": "existing-1", "api_token": "not-the-token"}, ["answered 401: Invalid token."], 0),
    ("unknown-location", "vps_server", dict(NEW, name="web-new", location="mars-1"), ["answered 400: location:", "mars-1"], 1),
    ("unknown-plan", "vps_server", dict(NEW, name="web-new", plan_id=99), ["answered 400: plan_id:", "99"], 1),
    ("unknown-os", "vps_server", dict(NEW, name="web-new", os_id=42), ["answered 400: os_id:", "42"], 1),
    ("no-credits", "vps_server", dict(NEW, name="web-new"), ["Failed to create server web-new", "answered 402: Insufficient credits."], 1),
]


class Batch:
    """The finished playbook of all CASES and the simulator's view around it."""

    def __init__(self, run, entries, before, after, stats):
        self.run = run
        self.entries = entries
        self.before = before
        self.after = after
        self.stats = stats

    def requests_of(self, case):
        """The requests sent between the mark before ``case`` and the next mark."""
        names = [name for name, *_rest in CASES]
        start = mark_of(self.run, "mark " + case)
        following = names[names.index(case) + 1:]
        end = mark_of(self.run, "mark " + following[0]) if following else float("inf")
        return [entry for entry in self.entries if start < entry["seq"] <= end]


@pytest.fixture(scope="module", name="batch")
def batch_fixture(simulator, tmp_path_factory):
    sim = simulator
    workdir = str(tmp_path_factory.mktemp("bad-input"))
    sim.reset()
    sim.configure(credit=0)
    sim.seed(servers=[{"name": "existing-1"}, {"name": "twin"}, {"name": "twin", "status": "stopped"}])
    before = sim.servers()
    tasks = []
    for case, module, args, _expected, _writes in CASES:
        tasks.append(mark_task("mark " + case, sim))
        tasks.append({"name": "case " + case, "vpsorg.cloud." + module: args, "ignore_errors": True})
    run = run_playbook(workdir, reliability_env(workdir, sim), "bad-input.yml", tasks, API_OPTIONS)
    batch = Batch(run, sim.request_log(), before, sim.servers(), sim.stats())
    sim.reset()
    return batch


@pytest.mark.parametrize("case, module, args, expected, sent_writes", CASES, ids=[case[0] for case in CASES])
def test_bad_input_fails_naming_the_problem_and_writes_nothing(batch, case, module, args, expected, sent_writes):
    result = batch.run.result("case " + case)
    assert batch.run.failed("case " + case), "%s %s did not fail: %s" % (module, args, result)
    for fragment in expected:
        assert fragment in result["msg"], "%r not in the message: %s" % (fragment, result["msg"])
    sent = writes(batch.requests_of(case))
    assert len(sent) == sent_writes, sent
    assert not any(entry["committed"] for entry in sent)


def test_bad_input_batch_changed_nothing_and_crashed_nowhere(batch):
    assert batch.run.problems(expect_success=False) == []
    assert batch.stats["writes_committed"] == 0
    assert batch.after == batch.before
    # Every case ran: a case that did not would make the per-case tests above meaningless.
    assert len([line for line in batch.run.results if line["task"].startswith("case ")]) == len(CASES)


def test_server_deleted_between_lookup_and_action_fails_clearly(sim, workdir, env):
    """Someone deletes the server after the module found it and before its stop arrives: a clear 404, nothing else written."""
    server = sim.seed(servers=[{"name": "gone-1"}])[0]
    # The stop waits 1.5 s in the simulator before it is carried out; the server is deleted meanwhile.
    sim.set_faults([{"kind": "latency", "seconds": 1.5, "method": "POST", "path": "/stop/$"}])
    deleted = []

    def delete_after_lookup():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(entry["method"] == "GET" for entry in sim.request_log()):
                deleted.append(api_call(sim, "DELETE", "/api/v1/servers/%d/" % server["id"]))
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=delete_after_lookup)
    watcher.start()
    stop = {"name": "stop", "vpsorg.cloud.vps_server": {"name": "gone-1", "state": "stopped"}, "ignore_errors": True}
    run = run_playbook(workdir, env, "gone.yml", [stop], API_OPTIONS)
    watcher.join()
    assert deleted == [204]
    result = run.result("stop")
    assert result["msg"] == ("Failed to stop server gone-1 (id %d): it was deleted meanwhile (it existed a moment before; "
                             "then POST /api/v1/servers/%d/stop/ answered 404)." % (server["id"], server["id"]))
    assert result["status"] == 404
    module_writes = [entry for entry in writes(sim.request_log()) if entry["method"] != "DELETE"]
    assert [(entry["path"], entry["status"]) for entry in module_writes] == [("/api/v1/servers/%d/stop/" % server["id"], 404)]
    assert run.problems(expect_success=False) == []


# ----- answers the simulator never gives, through a rewriting proxy -----

EXTRA = {"zone_id": 7, "tags": ["x"], "nested": {"anything": None}}
# Fields a server may lack in another API version; id, name and status are what the modules need.
OPTIONAL = ("hostname", "ip_address", "ipv6_address", "backups_enabled", "resource_usage", "created_at", "updated_at", "message")


def odd_server(server):
    """A server with unknown fields added and every optional field left out (plan and OS reduced to their id)."""
    odd = {key: value for key, value in server.items() if key not in OPTIONAL}
    odd.update(copy.deepcopy(EXTRA))
    for field in ("plan", "os"):
        if isinstance(odd.get(field), dict):
            odd[field] = {"id": odd[field].get("id"), "new_field": True}
    return odd


def odd_answers(_method, _path, _status, data):
    """Every server in every answer gets unknown fields and loses its optional ones; so do the envelopes."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return dict(data, results=[odd_server(server) for server in data["results"]], **EXTRA)
    if isinstance(data, dict) and isinstance(data.get("server"), dict):
        return dict(data, server=odd_server(data["server"]), **EXTRA)
    if isinstance(data, dict) and "id" in data:
        return odd_server(data)
    return data


def lifecycle_tasks(prefix):
    """create -> update -> stop -> start -> restart -> read -> delete of one server, with vps_server."""
    steps = [
        ("create", dict(NEW, name=prefix, state="started", hostname=prefix + ".example.com")),
        ("update", {"name": prefix, "hostname": prefix + ".new.example.com", "backups_enabled": True}),
        ("stop", {"name": prefix, "state": "stopped"}),
        ("start", {"name": prefix, "state": "started"}),
        ("restart", {"name": prefix, "state": "restarted"}),
    ]
    tasks = [{"name": step, "vpsorg.cloud.vps_server": args} for step, args in steps]
    tasks.append({"name": "read", "vpsorg.cloud.vps_server_info": {"name": prefix}})
    tasks.append({"name": "fleet", "vpsorg.cloud.vps_fleet": {"servers": [{"name": prefix, "state": "stopped"}]}})
    tasks.append({"name": "delete", "vpsorg.cloud.vps_server": {"name": prefix, "state": "absent"}})
    return tasks


def test_unknown_fields_and_missing_optional_fields_in_answers_break_nothing(sim, workdir, env):
    with AnswerProxy(sim.url, odd_answers) as proxy:
        env = dict(env, VPS_API_URL=proxy.url)
        run = run_playbook(workdir, env, "odd.yml", lifecycle_tasks("odd-1"), API_OPTIONS)
        inventory = run_inventory(workdir, env, "odd.vps.yml", {})
    assert run.problems() == []
    assert run.result("read")["servers"][0]["zone_id"] == 7
    assert run.result("fleet")["results"][0]["server"]["status"] == "stopped"
    assert inventory.problems() == []
    assert sim.servers() == []


def answers_replaced(method, path, body):
    """A rewrite that replaces the answers to ``method path`` by ``body``."""
    def rewrite(request_method, request_path, _status, data):
        return body if (request_method, request_path) == (method, path) else data
    return rewrite


@pytest.mark.parametrize("body, message", [
    (b"", "expected a list answer with 'results', got an empty answer"),
    (b"<html>maintenance</html>", "expected JSON, got non-JSON answer: <html>maintenance</html>"),
])
def test_empty_or_non_json_success_answers_fail_reads_clearly_and_creates_are_adopted(sim, workdir, env, body, message):
    """200 with an empty or HTML body: a read fails naming the request; a create answered so is adopted, not repeated."""
    with AnswerProxy(sim.url, answers_replaced("GET", "/api/v1/servers/", body)) as proxy:
        proxy_env = dict(env, VPS_API_URL=proxy.url)
        listing = run_playbook(workdir, proxy_env, "list.yml", [{"name": "list", "vpsorg.cloud.vps_server_info": {}, "ignore_errors": True}])
        inventory = run_inventory(workdir, proxy_env, "broken.vps.yml", {})
    with AnswerProxy(sim.url, answers_replaced("POST", "/api/v1/servers/", body)) as proxy:
        create = run_playbook(workdir, dict(env, VPS_API_URL=proxy.url), "create.yml",
                              [{"name": "create", "vpsorg.cloud.vps_server": dict(NEW, name="blank-1")}], API_OPTIONS)
    assert listing.problems(expect_success=False) == [] and inventory.problems(expect_success=False) == []
    assert listing.result("list")["msg"] == "Failed to list servers: GET /api/v1/servers/ answered 200: " + message
    assert inventory.returncode != 0
    assert "GET /api/v1/servers/ answered 200: " + message in inventory.stderr
    assert create.problems() == []
    assert "adopted server id" in str(create.result("create").get("warnings"))
    assert [server["name"] for server in sim.servers()] == ["blank-1"]


def test_server_error_pages_and_dropped_connections_fail_clearly(sim, workdir, env):
    """A 500 HTML page is not retried and is shown briefly; a connection dropped every time ends after the retries."""
    sim.set_faults([{"kind": "status", "status": 500, "method": "GET", "count": 1}, {"kind": "drop", "method": "GET", "path": "/10001/$"}])
    run = run_playbook(workdir, env, "errors.yml", [
        {"name": "500", "vpsorg.cloud.vps_server_info": {}, "ignore_errors": True},
        {"name": "drop", "vpsorg.cloud.vps_server_info": {"id": 10001}, "ignore_errors": True},
    ], API_OPTIONS)
    assert run.problems(expect_success=False) == []
    assert run.result("500")["msg"] == "Failed to list servers: GET /api/v1/servers/ answered 500: non-JSON answer: <h1>Server Error (500)</h1>"
    assert run.result("drop")["msg"].startswith("Failed to list servers: GET /api/v1/servers/10001/ failed: connection failed: ")
    assert run.result("drop")["msg"].endswith("(gave up after 2 attempts)")
    assert [entry["status"] for entry in sim.request_log()] == [500, None, None]
