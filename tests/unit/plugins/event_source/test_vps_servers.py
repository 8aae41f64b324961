# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the vpsorg.cloud.vps_servers event source: the differences between two listings (``server_events``),
its arguments, its documentation, and how ansible-rulebook loads the file.

``main`` polling the local API simulator is tested in tests/integration/test_event_source_polling.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers
from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source.vps_servers import (
    VpsServersSourceError,
    backoff,
    existing_events,
    fatal,
    server_events,
    settings_from,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsSetupError

TOKEN = "tok-EVENT-SOURCE-UNIT-7d2f-never-show-me"


def server(server_id, **fields):
    item = {"id": server_id, "name": "web-%d" % server_id, "hostname": "web%d.example.com" % server_id, "status": "active",
            "ip_address": "203.0.113.%d" % server_id, "location": "us-west", "updated_at": "2026-01-01T00:00:00Z"}
    item.update(fields)
    return item


def by_id(*servers):
    return {item["id"]: item for item in servers}


def kinds(events):
    return [(event["type"], event["server"]["id"]) for event in events]


# server_events: the differences between two listings.

def test_a_new_server_is_created_and_a_missing_one_deleted():
    gone, new = server(1), server(2, status="provisioning", ip_address=None)
    events = server_events(by_id(gone), by_id(new))
    assert kinds(events) == [("created", 2), ("deleted", 1)]
    created, deleted = events
    assert created == {"type": "created", "server": new, "meta": {"hosts": "web-2"}}
    # A deleted server is told as last seen, as server and as previous.
    assert deleted == {"type": "deleted", "server": gone, "previous": gone, "meta": {"hosts": "web-1"}}


def test_status_and_address_changes_give_one_event_each_in_that_order():
    before = server(1, status="provisioning", ip_address=None)
    after = server(1, status="active", updated_at="2026-01-01T00:05:00Z")
    events = server_events(by_id(before), by_id(after))
    assert [event["type"] for event in events] == ["status_changed", "ip_changed"]
    assert all(event["server"] == after and event["previous"] == before for event in events)


def test_ipv6_address_is_an_address_too():
    events = server_events(by_id(server(1, ipv6_address="2001:db8::1")), by_id(server(1, ipv6_address="2001:db8::2")))
    assert [event["type"] for event in events] == ["ip_changed"]


@pytest.mark.parametrize("field, value", [("name", "web-renamed"), ("hostname", "new.example.com"),
                                          ("backups_enabled", True), ("plan", {"id": 2})])
def test_any_other_field_is_an_update(field, value):
    events = server_events(by_id(server(1)), by_id(server(1, **{field: value})))
    assert [event["type"] for event in events] == ["updated"]
    assert events[0]["previous"] == server(1) and events[0]["server"][field] == value


def test_a_renamed_server_is_named_by_its_new_name_and_a_nameless_one_by_its_id():
    assert server_events(by_id(server(1)), by_id(server(1, name="db-1")))[0]["meta"] == {"hosts": "db-1"}
    assert server_events({}, by_id(server(7, name="")))[0]["meta"] == {"hosts": "7"}


def test_status_and_name_changed_together_give_two_events():
    events = server_events(by_id(server(1)), by_id(server(1, status="stopped", name="web-1-old")))
    assert [event["type"] for event in events] == ["status_changed", "updated"]


def test_updated_at_alone_and_no_change_give_no_event():
    assert server_events(by_id(server(1)), by_id(server(1))) == []
    assert server_events(by_id(server(1)), by_id(server(1, updated_at="2026-02-02T00:00:00Z"))) == []


def test_status_filter_keeps_servers_in_those_statuses_before_or_after():
    previous = by_id(server(1), server(2, status="stopped"), server(3), server(4, status="stopped"))
    current = by_id(server(1, status="stopping"), server(2, status="starting"), server(3, name="x"), server(5, status="stopped"))
    # 1 leaves active, 2 is stopped before and not after, 3 is renamed while active; 4 (stopped) is deleted, 5 is new.
    assert kinds(server_events(previous, current)) == [
        ("status_changed", 1), ("status_changed", 2), ("updated", 3), ("created", 5), ("deleted", 4)]
    assert kinds(server_events(previous, current, ["active"])) == [("status_changed", 1), ("updated", 3)]
    assert kinds(server_events(previous, current, ["stopped"])) == [("status_changed", 2), ("created", 5), ("deleted", 4)]
    assert kinds(existing_events(current, ["stopped"])) == [("existing", 5)]


def test_events_are_copies_a_filter_may_change():
    previous, current = by_id(server(1)), by_id(server(1, status="stopped"))
    event = server_events(previous, current)[0]
    event["server"]["status"] = "changed by a filter"
    event["previous"]["plan"] = "changed too"
    assert current[1]["status"] == "stopped" and "plan" not in previous[1]


# Arguments.

def test_arguments_fall_back_to_the_environment_and_take_single_values():
    settings = settings_from({"status": "active", "location": ["us-west", "us-west", "us-east"], "interval": "2.5",
                              "initial_events": "yes", "validate_certs": False, "api_retries": 0},
                             environ={"VPS_API_URL": "http://127.0.0.1:1", "VPS_API_TOKEN": TOKEN})
    assert settings["api_url"] == "http://127.0.0.1:1" and settings["api_token"] == TOKEN
    assert settings["token_source"] == "the VPS_API_TOKEN environment variable"
    assert settings["statuses"] == ["active"] and settings["locations"] == ["us-west", "us-east"]
    assert settings["interval"] == 2.5 and settings["initial_events"] is True and settings["validate_certs"] is False
    assert settings["api_retries"] == 0 and settings["api_timeout"] == 30
    defaults = settings_from({"api_token": TOKEN}, environ={})
    assert defaults["api_url"] == "https://admin.vps.org" and defaults["interval"] == 60
    assert defaults["initial_events"] is False and defaults["statuses"] == [] and defaults["locations"] == []


@pytest.mark.parametrize("args, message", [
    ({}, "needs an API token"),
    ({"api_token": TOKEN, "interval": 0}, "interval must be a number above 0"),
    ({"api_token": TOKEN, "interval": "nan"}, "interval must be a number above 0"),
    ({"api_token": TOKEN, "api_timeout": True}, "api_timeout must be an integer above 0"),
    ({"api_token": TOKEN, "api_retries": -1}, "api_retries must be an integer of 0 or more"),
    ({"api_token": TOKEN, "initial_events": "maybe"}, "initial_events must be true or false"),
    ({"api_token": TOKEN, "status": ["active", "provisioning"]}, "status must be one of active, stopped, suspended, got provisioning"),
])
def test_wrong_arguments_are_refused_without_the_token(args, message):
    with pytest.raises(VpsServersSourceError, match=message) as error:
        settings_from(args, environ={})
    assert TOKEN not in str(error.value)


def test_unknown_arguments_are_logged_and_ansible_rulebook_s_own_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        settings_from({"api_token": TOKEN, "intervall": 5, "eda_feedback_queue": object()}, environ={})
    assert "ignores the unknown arguments intervall" in caplog.text and "eda_" not in caplog.text


def test_ca_path_comes_from_its_argument_or_vps_ca_path():
    assert settings_from({"api_token": TOKEN}, environ={})["ca_path"] is None
    assert settings_from({"api_token": TOKEN}, environ={"VPS_CA_PATH": "/etc/vps/ca.pem"})["ca_path"] == "/etc/vps/ca.pem"
    given = settings_from({"api_token": TOKEN, "ca_path": "~/ca.pem"}, environ={"VPS_CA_PATH": "/etc/vps/ca.pem"})
    assert given["ca_path"] == os.path.expanduser("~/ca.pem")


def test_a_ca_path_that_cannot_be_read_ends_the_source_at_its_start_with_one_line(tmp_path):
    missing = str(tmp_path / "missing.pem")
    queue = asyncio.Queue()
    with pytest.raises(VpsServersSourceError) as error:
        # Bounded: a source that took the error for a passing one would poll for ever.
        asyncio.run(asyncio.wait_for(vps_servers.main(queue, {"api_token": TOKEN, "api_url": "https://127.0.0.1:9", "ca_path": missing}),
                                     timeout=20))
    assert str(error.value) == (
        "vpsorg.cloud.vps_servers cannot use the VPS.org API: ca_path %s cannot be used to verify the API's certificate: No such "
        "file or directory. Set ca_path (or VPS_CA_PATH) to a readable PEM file of CA certificates, or to a folder of them."
        % missing)
    assert queue.empty()


def test_a_tls_setup_error_of_a_poll_ends_the_source_instead_of_being_waited_out():
    assert fatal(VpsSetupError("TLS setup failed: ...", "GET", "/api/v1/servers/"), first_poll=False) is True


def test_backoff_doubles_up_to_ten_minutes_but_never_below_the_interval():
    assert [backoff(60, failures) for failures in range(1, 6)] == [120, 240, 480, 600, 600]
    assert backoff(900, 3) == 900


def test_documentation_is_yaml_and_documents_exactly_the_arguments():
    doc = yaml.safe_load(vps_servers.DOCUMENTATION)
    assert set(doc["options"]) == set(vps_servers.ARGUMENTS)
    assert str(doc["version_added"]) == "0.2.0" and doc["short_description"]
    defaults = settings_from({"api_token": TOKEN}, environ={})
    for option in ("interval", "initial_events", "validate_certs", "api_timeout", "api_retries"):
        assert doc["options"][option]["default"] == defaults[option], option
    for example in yaml.safe_load(vps_servers.EXAMPLES):
        (name, args), = example.items()
        assert name == "vpsorg.cloud.vps_servers" and set(args or {}) <= set(doc["options"])


def test_ansible_rulebook_can_run_the_file_from_a_collections_path():
    """ansible-rulebook runs a source with runpy.run_path and no collection on sys.path: the file finds its own."""
    path = os.path.abspath(vps_servers.__file__)
    probe = ("import inspect, runpy, sys\n"
             "assert not any(p.endswith('collections') for p in sys.path), sys.path\n"
             "module = runpy.run_path(sys.argv[1])\n"
             "print(inspect.iscoroutinefunction(module['main']), module['_ROOT'] in sys.path)\n")
    completed = subprocess.run([sys.executable, "-c", probe, path], capture_output=True, text=True, check=False,
                               cwd=os.path.dirname(path), env=dict(os.environ, PYTHONPATH=""))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["True", "True"]
    assert path.split(os.sep)[-8:-5] == ["ansible_collections", "vpsorg", "cloud"]
