# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the vpsorg.cloud.vps inventory plugin: filters, detail views, verify_file, documented settings.

Same set-up as test_vps.py (the fake API, fixtures and helpers of inventory_support.py): the plugin loaded by
Ansible's plugin loader, the real VpsClient on a fake requests.Session. The fake here also serves the detail view
of each server, as the API does, from several threads at once.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.loader import inventory_loader

from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import ENV_SETTINGS
from ansible_collections.vpsorg.cloud.tests.unit.plugins.fake_http import make_response
from ansible_collections.vpsorg.cloud.tests.unit.plugins.inventory.inventory_support import (  # noqa: F401  pylint: disable=unused-import
    BASE,
    LIST_PATH,
    TOKEN,
    FakeVpsApi,
    RecordingDisplay,
    cache_config,
    group_hosts,
    hostvars,
    run_fixture,  # the fixture ``run``; its ``api`` is the one below
    server,
)

DETAIL_PATH = re.compile(re.escape(LIST_PATH) + r"(\d+)/")


def detail_view(item):
    """What GET /api/v1/servers/<id>/ answers for the list item ``item``."""
    view = dict(item, ipv6_address="2001:db8::%x" % item["id"], backups_enabled=item["id"] % 2 == 0,
                resource_usage={"cpu_percent": 12.5, "memory_used": 1024, "disk_used": 20, "bandwidth_used": 300})
    view["plan"] = dict(item["plan"], bandwidth=2048)
    return view


class FakeVpsApiWithDetails(FakeVpsApi):
    """The list endpoint and the detail view, safe to call from several threads."""

    def __init__(self, servers=(), max_page_size=1000):
        super().__init__(servers, max_page_size)
        self.lock = threading.Lock()
        self.gone = set()
        self.failing = {}
        self.threads = set()

    def request(self, method, url, params=None, json=None, timeout=None, verify=None):
        with self.lock:
            self.threads.add(threading.get_ident())
            return super().request(method, url, params=params, json=json, timeout=timeout, verify=verify)

    def route(self, method, url, params, authorization):
        match = DETAIL_PATH.fullmatch(urlsplit(url).path)
        if not match:
            return super().route(method, url, params, authorization)
        assert method == "GET" and authorization == "Bearer " + TOKEN
        server_id = int(match.group(1))
        if server_id in self.failing:
            return self.failing[server_id]
        found = [item for item in self.servers if item["id"] == server_id and server_id not in self.gone]
        if not found:
            return make_response(404, {"detail": "Not found."})
        return make_response(200, detail_view(found[0]), headers={"Content-Type": "application/json"})

    def paths(self):
        return [urlsplit(call["url"]).path for call in self.calls]


@pytest.fixture(name="api")
def api_with_details_fixture():
    return FakeVpsApiWithDetails([server(10001), server(10002, status="stopped", location="us-east", plan=2, os_id=3),
                                  server(10003, name="db-1", location="eu-central", status="suspended")])


# Filters.

def test_no_filters_keep_every_host(run):
    inventory, _plugin = run({})
    assert sorted(inventory.hosts) == ["db-1", "web-10001", "web-10002"]
    inventory, _plugin = run({"filters": []})
    assert sorted(inventory.hosts) == ["db-1", "web-10001", "web-10002"]


def test_the_first_matching_condition_decides(run):
    inventory, _plugin = run({"filters": [
        {"include": "vps_name == 'db-1'"},      # db-1 is kept, although the next condition would exclude it
        {"exclude": "vps_status != 'active'"},  # web-10002 (stopped) goes
        {"include": "vps_plan.vcpus == 2"},     # web-10001 is kept
        {"exclude": True},                      # nothing is left to reach this one
    ]})
    assert sorted(inventory.hosts) == ["db-1", "web-10001"]
    inventory, _plugin = run({"filters": [{"exclude": "vps_location == 'us-east'"}, {"include": "vps_location == 'us-east'"}]})
    assert sorted(inventory.hosts) == ["db-1", "web-10001"]


def test_a_host_no_condition_matches_is_kept(run):
    inventory, _plugin = run({"filters": [{"exclude": "vps_name == 'nobody'"}]})
    assert len(inventory.hosts) == 3


def test_conditions_see_inventory_hostname_and_ansible_host(run):
    inventory, _plugin = run({"hostname": "hostname", "filters": [{"exclude": "inventory_hostname == 'web10001.example.com'"},
                                                                  {"exclude": "ansible_host == '203.0.113.2'"}]})
    assert sorted(inventory.hosts) == ["web10003.example.com"]


def test_filtered_hosts_are_in_no_group(run):
    inventory, _plugin = run({
        "filters": [{"include": "vps_status == 'active'"}, {"exclude": True}],
        "groups": {"everyone": "true"},
        "keyed_groups": [{"key": "vps_location", "prefix": "at"}],
    })
    assert list(inventory.hosts) == ["web-10001"]
    assert group_hosts(inventory, "everyone") == ["web-10001"]
    assert group_hosts(inventory, "location_us_west") == ["web-10001"]
    # No group of a filtered host is made, not even an empty one.
    made = set(inventory.groups) - {"all", "ungrouped"}
    assert made == {"everyone", "location_us_west", "status_active", "at_us_west"}


def test_filters_never_evaluate_api_data(api, run):
    api.servers = [server(10001, name="{{ 6 * 7 }}")]
    inventory, _plugin = run({"filters": [{"exclude": "vps_name is search('42')"}, {"exclude": "'42' in inventory_hostname"}]})
    assert list(inventory.hosts) == ["{{ 6 * 7 }}"]


@pytest.mark.parametrize("condition", ["vps_no_such_field.name == 'x'", "vps_name == == 'x'"])
def test_a_bad_condition_is_an_error_that_names_it(run, condition):
    with pytest.raises(AnsibleParserError) as error:
        run({"filters": [{"include": condition}]})
    assert condition in str(error.value)


@pytest.mark.parametrize("filters, message", [
    ([{"include": "true", "exclude": "false"}], "filter[1] must have exactly one key-value pair"),
    ([{"exclude": "true"}, {"keep": "true"}], 'filter[2] must have a "include" or "exclude" key, not "keep"'),
    (["vps_name == 'x'"], "filter[1] must be a dictionary"),
])
def test_a_malformed_filter_is_refused_before_any_request(api, run, filters, message):
    with pytest.raises(AnsibleParserError) as error:
        run({"filters": filters})
    assert "filters" in str(error.value) and message in str(error.value)
    assert api.calls == []


# Detail views.

def test_detail_is_off_by_default(api, run):
    inventory, _plugin = run({})
    assert api.paths() == [LIST_PATH]
    assert "vps_ipv6_address" not in hostvars(inventory, "web-10001")


def test_detail_reads_each_server_once_and_adds_its_fields(api, run):
    inventory, _plugin = run({"detail": True})
    assert api.paths()[0] == LIST_PATH
    assert sorted(api.paths()[1:]) == ["%s%d/" % (LIST_PATH, server_id) for server_id in (10001, 10002, 10003)]
    variables = hostvars(inventory, "web-10002")
    assert variables["vps_ipv6_address"] == "2001:db8::2712"
    assert variables["vps_backups_enabled"] is True
    assert variables["vps_resource_usage"] == {"cpu_percent": 12.5, "memory_used": 1024, "disk_used": 20, "bandwidth_used": 300}
    assert variables["vps_plan"]["bandwidth"] == 2048 and variables["vps_plan"]["vcpus"] == 4
    assert variables["vps_status"] == "stopped" and variables["vps_os"]["name"] == "Debian 12"


def test_detail_makes_the_ipv6_preference_work(run):
    inventory, _plugin = run({"detail": True, "ansible_host_preference": ["ipv6_address", "ip_address"]})
    assert hostvars(inventory, "web-10001")["ansible_host"] == "2001:db8::2711"


def test_details_are_read_by_several_threads_at_most_four(api, run):
    api.servers = [server(10001 + index) for index in range(40)]
    inventory, _plugin = run({"detail": True})
    assert len(inventory.hosts) == 40
    assert len(api.calls) == 41
    assert 1 < len(api.threads) <= 5  # the listing's thread and at most 4 workers


def test_filters_see_the_detail_fields(run):
    inventory, _plugin = run({"detail": True, "filters": [{"include": "vps_backups_enabled"}, {"exclude": True}]})
    assert list(inventory.hosts) == ["web-10002"]


def test_a_server_deleted_before_its_detail_is_read_is_left_out_with_a_warning(api, run):
    api.gone = {10002}
    inventory, plugin = run({"detail": True})
    assert sorted(inventory.hosts) == ["db-1", "web-10001"]
    assert len(plugin.display.warnings) == 1 and "10002" in plugin.display.warnings[0]


def test_a_failing_detail_fails_the_inventory_naming_the_request(api, run):
    api.failing = {10003: make_response(500, {"detail": "Database unavailable."})}
    with pytest.raises(AnsibleError) as error:
        run({"detail": True, "api_retries": 0})
    message = str(error.value)
    assert "details" in message and "%s%d/" % (LIST_PATH, 10003) in message and "500" in message
    assert TOKEN not in message


def test_cache_holds_the_details_and_a_cached_run_makes_no_request(api, run, tmp_path):
    first, _plugin = run(cache_config(tmp_path, detail=True))
    assert len(api.calls) == 4
    second, _plugin = run(cache_config(tmp_path, detail=True))
    assert len(api.calls) == 4, "a cache hit must not reach the API"
    assert hostvars(second, "web-10001") == hostvars(first, "web-10001")
    assert hostvars(second, "web-10001")["vps_resource_usage"]["memory_used"] == 1024
    # A cache entry without details does not serve a run that wants them, nor the other way round.
    run(cache_config(tmp_path))
    assert len(api.calls) == 5
    run(cache_config(tmp_path, detail=True))
    assert len(api.calls) == 9


# verify_file says why it declines a file.

@pytest.mark.parametrize("name, text, reason", [
    ("servers.yml", "plugin: vpsorg.cloud.vps\n", "does not end with vps.yml or vps.yaml"),
    ("cloud.vps.yml", "plugin: amazon.aws.aws_ec2\n", "its plugin: is amazon.aws.aws_ec2, not vpsorg.cloud.vps"),
    ("cloud.vps.yaml", "# ours?\nplugin: 'community.general.linode'  # no\n", "its plugin: is community.general.linode"),
])
def test_verify_file_says_why_it_declines(tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_text(text)
    plugin = inventory_loader.get("vpsorg.cloud.vps")
    plugin.display = RecordingDisplay(plugin.display)
    assert not plugin.verify_file(str(path))
    assert len(plugin.display.verbose) == 1
    assert str(path) in plugin.display.verbose[0] and reason in plugin.display.verbose[0]


@pytest.mark.parametrize("text", [
    "plugin: vpsorg.cloud.vps\n",
    "---\nplugin: \"vpsorg.cloud.vps\"\napi_token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n",
    "api_url: https://admin.vps.org\n",  # no plugin: parsing says what is missing
])
def test_verify_file_takes_its_own_files(tmp_path, text):
    path = tmp_path / "cloud.vps.yml"
    path.write_text(text)
    plugin = inventory_loader.get("vpsorg.cloud.vps")
    plugin.display = RecordingDisplay(plugin.display)
    assert plugin.verify_file(str(path))
    assert plugin.display.verbose == []


# The connection options read the variables of the one table (module_utils/_settings.py).

def test_the_inventory_options_read_the_variables_of_the_table():
    plugin = inventory_loader.get("vpsorg.cloud.vps")
    # What Ansible's config system read from DOCUMENTATION and its doc fragments.
    definitions = C.config.get_configuration_definitions("inventory", plugin._load_name)  # pylint: disable=protected-access
    declared = {option: [entry["name"] for entry in definition.get("env", [])]
                for option, definition in definitions.items() if option in ENV_SETTINGS}
    assert declared == {option: [variable] for option, variable in ENV_SETTINGS.items()}
    # ... and the plugin's notes name them, as the modules' doc fragment does.
    from ansible_collections.vpsorg.cloud.plugins.inventory import vps  # pylint: disable=import-outside-toplevel
    notes = " ".join(yaml.safe_load(vps.DOCUMENTATION)["notes"])
    assert all("E(%s)" % variable in notes for variable in ENV_SETTINGS.values())


def test_every_variable_reaches_the_client(api, tmp_path, monkeypatch):
    from ansible_collections.vpsorg.cloud.plugins.module_utils import _client  # pylint: disable=import-outside-toplevel
    from ansible_collections.vpsorg.cloud.tests.unit.plugins.inventory.test_vps import parse  # pylint: disable=import-outside-toplevel

    built = []
    real_client = _client.VpsClient

    def recording_client(**settings):
        built.append(settings)
        return real_client(session=api, **settings)

    values = {"VPS_API_TOKEN": TOKEN, "VPS_API_URL": BASE, "VPS_VALIDATE_CERTS": "false", "VPS_CA_PATH": "/etc/vps/ca.pem",
              "VPS_API_TIMEOUT": "7", "VPS_API_RETRIES": "2"}
    for variable, value in values.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(_client, "VpsClient", recording_client)
    path = tmp_path / "env.vps.yml"
    path.write_text("plugin: vpsorg.cloud.vps\n")
    inventory = parse(inventory_loader.get("vpsorg.cloud.vps"), path)
    assert len(inventory.hosts) == 3
    assert {key: built[0][key] for key in ("api_token", "api_url", "validate_certs", "ca_path", "timeout", "retries")} == {
        "api_token": TOKEN, "api_url": BASE, "validate_certs": False, "ca_path": "/etc/vps/ca.pem", "timeout": 7, "retries": 2}
