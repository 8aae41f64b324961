# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the vpsorg.cloud.vps inventory plugin; the fake API, fixtures and helpers are in inventory_support.py."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.vpsorg.cloud.plugins.module_utils import _client
from ansible_collections.vpsorg.cloud.tests.unit.plugins.inventory.inventory_support import (  # noqa: F401  pylint: disable=unused-import
    api_fixture,
    BASE,
    cache_config,
    FakeSession,
    group_hosts,
    hostvars,
    LIST_FIELDS,
    LIST_PATH,
    make_response,
    OSES,
    parse,
    PLANS,
    run_fixture,
    server,
    TOKEN,
    trust_as_template,
    use_client,
    without_token,
)


# Reading: pages, filters, no detail requests.

def test_every_page_is_read_with_list_requests_only(api, run):
    api.servers = [server(10001 + index) for index in range(2500)]
    inventory, _plugin = run({})
    assert len(inventory.hosts) == 2500
    assert [call["method"] for call in api.calls] == ["GET"] * 3
    assert [urlsplit(call["url"]).path for call in api.calls] == [LIST_PATH] * 3
    assert [call["params"].get("page") for call in api.calls] == [None, "2", "3"]
    assert {str(call["params"]["page_size"]) for call in api.calls} == {"1000"}


def test_no_filter_is_one_unfiltered_listing(api, run):
    run({})
    assert api.list_params() == [{}]


def test_one_status_and_one_location_are_one_listing_with_both_parameters(api, run):
    inventory, _plugin = run({"status": ["stopped"], "location": ["us-east"]})
    assert api.list_params() == [{"status": "stopped", "location": "us-east"}]
    assert list(inventory.hosts) == ["web-10002"]


def test_several_values_are_one_listing_per_combination(api, run):
    api.servers += [server(10003, status="suspended", location="eu-central")]
    inventory, _plugin = run({"status": ["active", "stopped", "active"], "location": ["us-west", "us-east"]})
    assert api.list_params() == [
        {"status": "active", "location": "us-west"},
        {"status": "active", "location": "us-east"},
        {"status": "stopped", "location": "us-west"},
        {"status": "stopped", "location": "us-east"},
    ]
    assert sorted(inventory.hosts) == ["web-10001", "web-10002"]


def test_a_server_seen_by_two_listings_is_one_host(api, run):
    def stop_web_1(params):
        # web-10001 stops between the listing of active and that of stopped servers.
        if params.get("status") == "active":
            api.servers[0]["status"] = "stopped"

    api.after_list = stop_web_1
    inventory, _plugin = run({"status": ["active", "stopped"]})
    assert api.list_params() == [{"status": "active"}, {"status": "stopped"}]
    assert sorted(inventory.hosts) == ["web-10001", "web-10002"]
    assert hostvars(inventory, "web-10001")["vps_status"] == "active"


def test_unknown_status_is_refused_before_any_request(api, run):
    with pytest.raises(AnsibleError, match="status"):
        run({"status": ["running"]})
    assert api.calls == []


# Hosts, groups, variables.

def test_default_groups_with_safe_names(api, run):
    api.servers.append(server(10003, location="eu-central", status="suspended"))
    inventory, _plugin = run({})
    assert group_hosts(inventory, "location_us_west") == ["web-10001"]
    assert group_hosts(inventory, "location_us_east") == ["web-10002"]
    assert group_hosts(inventory, "location_eu_central") == ["web-10003"]
    assert group_hosts(inventory, "status_active") == ["web-10001"]
    assert group_hosts(inventory, "status_stopped") == ["web-10002"]
    assert group_hosts(inventory, "status_suspended") == ["web-10003"]


def test_default_groups_can_be_turned_off(api, run):
    inventory, _plugin = run({"group_by_location": False, "group_by_status": False})
    assert not [group for group in inventory.groups if group.startswith(("location_", "status_"))]
    assert sorted(inventory.hosts) == ["web-10001", "web-10002"]


def test_a_server_without_location_or_status_is_in_no_such_group(api, run):
    api.servers = [server(10001, location=None, status="")]
    inventory, _plugin = run({})
    assert list(inventory.hosts) == ["web-10001"]
    assert not [group for group in inventory.groups if group.startswith(("location_", "status_"))]


@pytest.mark.parametrize("choice, expected", [
    ("name", ["db", "web-10001", "10003"]),
    ("hostname", ["db.example.com", "web-10001", "10003"]),
    ("id", ["10001", "10002", "10003"]),
])
def test_hostname_choices_and_fallback(api, run, choice, expected):
    # 10001 has no hostname, 10003 neither name nor hostname: each falls back to its name, then its id.
    api.servers = [server(10001, hostname=None), server(10002, name="db", hostname="db.example.com"),
                   server(10003, name="", hostname=None)]
    inventory, _plugin = run({"hostname": choice})
    assert sorted(inventory.hosts) == sorted(expected)


def test_unknown_hostname_choice_names_the_option(api, run):
    with pytest.raises(AnsibleError, match="hostname") as error:
        run({"hostname": "fqdn"})
    assert "fqdn" in str(error.value)
    assert api.calls == []


def test_ansible_host_fallback_order(api, run):
    api.servers = [
        server(10001, ipv6_address="2001:db8::1"),
        server(10002, ip_address=None, ipv6_address="2001:db8::2"),
        server(10003, ip_address=None),
        server(10004, ip_address=None, hostname=None),
    ]
    inventory, _plugin = run({})
    assert hostvars(inventory, "web-10001")["ansible_host"] == "203.0.113.1"
    assert hostvars(inventory, "web-10002")["ansible_host"] == "2001:db8::2"
    assert hostvars(inventory, "web-10003")["ansible_host"] == "web10003.example.com"
    assert "ansible_host" not in hostvars(inventory, "web-10004")


def test_ansible_host_preference_is_configurable(api, run):
    api.servers = [server(10001, ipv6_address="2001:db8::1")]
    inventory, _plugin = run({"ansible_host_preference": ["ipv6_address", "ip_address"]})
    assert hostvars(inventory, "web-10001")["ansible_host"] == "2001:db8::1"
    inventory, _plugin = run({"ansible_host_preference": []})
    assert "ansible_host" not in hostvars(inventory, "web-10001")


def test_every_list_field_becomes_a_prefixed_hostvar(run):
    inventory, _plugin = run({})
    variables = hostvars(inventory, "web-10002")
    assert {"vps_" + field for field in LIST_FIELDS} <= set(variables)
    assert variables["vps_id"] == 10002
    assert variables["vps_status"] == "stopped"
    assert variables["vps_plan"] == PLANS[2]
    assert variables["vps_os"] == OSES[3]


@pytest.mark.parametrize("prefix", ["cloud_", ""])
def test_hostvars_prefix(run, prefix):
    inventory, _plugin = run({"hostvars_prefix": prefix})
    variables = hostvars(inventory, "web-10001")
    assert variables[prefix + "id"] == 10001
    assert variables[prefix + "location"] == "us-west"
    if prefix:
        assert "vps_id" not in variables


def test_field_names_that_are_not_identifiers_become_valid_variable_names(api, run):
    api.servers = [server(10001, **{"ipv6-address": "2001:db8::1", "disk.size": 80})]
    inventory, _plugin = run({})
    variables = hostvars(inventory, "web-10001")
    assert variables["vps_ipv6_address"] == "2001:db8::1"
    assert variables["vps_disk_size"] == 80
    assert not [name for name in variables if not name.isidentifier()]


def test_a_sanitised_field_name_never_overwrites_a_field_of_that_name(api, run):
    api.servers = [server(10001, **{"ipv6_address": "2001:db8::1", "ipv6-address": "from the dashed field"})]
    inventory, _plugin = run({})
    assert hostvars(inventory, "web-10001")["vps_ipv6_address"] == "2001:db8::1"


def test_invalid_hostvars_prefix_names_the_option(api, run):
    with pytest.raises(AnsibleParserError, match="hostvars_prefix"):
        run({"hostvars_prefix": "vps-"})
    assert api.calls == []


# Constructed.

def test_compose_groups_and_keyed_groups(run):
    inventory, _plugin = run({
        "compose": {"ansible_user": "'debian' if vps_os.name is search('Debian') else 'ubuntu'", "ansible_connection": "'local'"},
        "groups": {"big": "vps_plan.vcpus >= 4", "debian_users": "ansible_user == 'debian'"},
        "keyed_groups": [{"key": "vps_plan.name", "prefix": "plan"}, {"key": "vps_os.name", "prefix": "os"}],
    })
    assert hostvars(inventory, "web-10001")["ansible_user"] == "ubuntu"
    assert hostvars(inventory, "web-10002")["ansible_user"] == "debian"
    assert hostvars(inventory, "web-10002")["ansible_connection"] == "local"
    assert group_hosts(inventory, "big") == ["web-10002"]
    assert group_hosts(inventory, "debian_users") == ["web-10002"]
    assert group_hosts(inventory, "plan_Standard_VPS") == ["web-10001"]
    assert group_hosts(inventory, "plan_Performance_VPS") == ["web-10002"]
    assert group_hosts(inventory, "os_Debian_12") == ["web-10002"]
    assert group_hosts(inventory, "os_Ubuntu_22_04_LTS") == ["web-10001"]


def test_leading_separator(run):
    inventory, _plugin = run({"keyed_groups": [{"key": "vps_location"}], "leading_separator": False})
    assert group_hosts(inventory, "us_west") == ["web-10001"]


def test_strict_makes_a_bad_expression_an_error(run):
    config = {"compose": {"owner": "vps_no_such_field.name"}}
    inventory, _plugin = run(config)
    assert "owner" not in hostvars(inventory, "web-10001")
    with pytest.raises(AnsibleError, match="owner"):
        run(dict(config, strict=True))


def test_constructed_is_skipped_when_not_configured(run, monkeypatch):
    plugin_class = type(inventory_loader.get("vpsorg.cloud.vps"))

    def refuse(*_args, **_kwargs):
        raise AssertionError("Constructable called without compose, groups or keyed_groups")

    for method in ("_set_composite_vars", "_add_host_to_composed_groups", "_add_host_to_keyed_groups"):
        monkeypatch.setattr(plugin_class, method, refuse)
    inventory, _plugin = run({})
    assert len(inventory.hosts) == 2


# Names the API does not keep unique.

def test_servers_sharing_a_name_get_their_id_and_one_warning(api, run):
    api.servers = [server(10001, name="web-1"), server(10002, name="web-1", status="stopped"), server(10003, name="db-1")]
    inventory, plugin = run({})
    assert sorted(inventory.hosts) == ["db-1", "web-1_10001", "web-1_10002"]
    assert hostvars(inventory, "web-1_10002")["vps_status"] == "stopped"
    assert len(plugin.display.warnings) == 1
    assert "web-1_10001" in plugin.display.warnings[0] and "web-1_10002" in plugin.display.warnings[0]


def test_servers_sharing_a_hostname_get_their_id(api, run):
    api.servers = [server(10001, hostname="www.example.com"), server(10002, hostname="www.example.com")]
    inventory, plugin = run({"hostname": "hostname"})
    assert sorted(inventory.hosts) == ["www.example.com_10001", "www.example.com_10002"]
    assert len(plugin.display.warnings) == 1


def test_a_renamed_server_never_takes_another_servers_name(api, run):
    # A server literally named like the other's "<name>_<id>": nobody is merged into another host.
    api.servers = [server(10001, name="web"), server(10002, name="web"), server(10003, name="web_10001")]
    inventory, plugin = run({})
    assert len(inventory.hosts) == 3
    assert sorted(inventory.hosts) == ["web_10001_10001", "web_10001_10003", "web_10002"]
    assert len(plugin.display.warnings) == 1


def test_unique_names_cause_no_warning(run):
    _inventory, plugin = run({})
    assert plugin.display.warnings == []


# Cache.


def test_cache_hit_makes_no_request_and_flush_refreshes(api, run, tmp_path):
    first, _plugin = run(cache_config(tmp_path))
    assert len(api.calls) == 1
    api.servers.append(server(10003))
    second, _plugin = run(cache_config(tmp_path))
    assert len(api.calls) == 1, "a cache hit must not reach the API"
    assert sorted(second.hosts) == sorted(first.hosts)
    assert hostvars(second, "web-10002") == hostvars(first, "web-10002")
    # --flush-cache (and refresh_inventory) parse with cache=False: read again, and store the new list.
    flushed, _plugin = run(cache_config(tmp_path), cache=False)
    assert len(api.calls) == 2
    assert "web-10003" in flushed.hosts
    again, _plugin = run(cache_config(tmp_path))
    assert len(api.calls) == 2
    assert "web-10003" in again.hosts


def test_loading_the_plugin_does_not_import_requests():
    """Ansible loads an enabled inventory plugin for every source it tries; only reading the API needs requests."""
    path = os.path.abspath(_client.__file__).split(os.sep)
    collections_root = os.sep.join(path[:path.index("ansible_collections")])
    probe = (
        "import sys\n"
        "from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder\n"
        "_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()\n"
        "import ansible_collections.vpsorg.cloud.plugins.inventory.vps\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('requests', 'urllib3')))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe, collections_root], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]", completed.stdout


def test_cache_holds_the_server_list_and_never_the_token(run, tmp_path):
    run(cache_config(tmp_path))
    files = os.listdir(tmp_path / "cache")
    assert len(files) == 1
    text = (tmp_path / "cache" / files[0]).read_text()
    assert "web10001.example.com" in text
    assert TOKEN not in text


def test_cache_entry_of_other_filters_is_not_used(api, run, tmp_path):
    run(cache_config(tmp_path))
    inventory, _plugin = run(cache_config(tmp_path, status=["stopped"]))
    assert api.list_params() == [{}, {"status": "stopped"}]
    assert list(inventory.hosts) == ["web-10002"]


def test_cache_off_always_reads(api, run):
    run({})
    run({})
    assert len(api.calls) == 2


# Token and URL.

def test_templated_token(api, run, monkeypatch):
    monkeypatch.setenv("SECRET_STORE_TOKEN", TOKEN)
    inventory, _plugin = run({"api_token": "{{ lookup('ansible.builtin.env', 'SECRET_STORE_TOKEN') }}"})
    assert api.calls[0]["headers"]["Authorization"] == "Bearer " + TOKEN
    assert len(inventory.hosts) == 2


def test_token_and_url_from_the_environment(api, run, tmp_path, monkeypatch):
    monkeypatch.setenv("VPS_API_TOKEN", TOKEN)
    monkeypatch.setenv("VPS_API_URL", BASE)
    path = tmp_path / "env.vps.yml"
    path.write_text("plugin: vpsorg.cloud.vps\n")
    plugin = inventory_loader.get("vpsorg.cloud.vps")
    use_client(monkeypatch, session=api)
    inventory = parse(plugin, path)
    assert api.calls[0]["url"] == BASE + LIST_PATH
    assert api.calls[0]["headers"]["Authorization"] == "Bearer " + TOKEN
    assert len(inventory.hosts) == 2


def test_default_api_url(api, run, tmp_path, monkeypatch):
    monkeypatch.setenv("VPS_API_TOKEN", TOKEN)
    path = tmp_path / "default.vps.yaml"
    path.write_text("plugin: vpsorg.cloud.vps\n")
    plugin = inventory_loader.get("vpsorg.cloud.vps")
    session = FakeSession(make_response(200, {"count": 0, "next": None, "results": []}))
    use_client(monkeypatch, session=session)
    parse(plugin, path)
    assert session.calls[0]["url"] == "https://admin.vps.org" + LIST_PATH


# Errors.

def test_missing_token_names_the_option_and_the_variable(api, run):
    with pytest.raises(AnsibleParserError) as error:
        run({"api_token": None})
    assert "api_token" in str(error.value) and "VPS_API_TOKEN" in str(error.value)
    assert api.calls == []


def test_bad_token_shows_the_api_answer_and_never_the_token(api, run):
    with pytest.raises(AnsibleError) as error:
        run({"api_token": "tok-WRONG-but-secret-too"})
    message = str(error.value)
    assert "401" in message and "Invalid token." in message
    assert "tok-WRONG-but-secret-too" not in message
    assert api.calls[0]["headers"]["Authorization"] == "Bearer tok-WRONG-but-secret-too"


def test_api_down_after_retries(api, run):
    api.answers = [make_response(503, text="<html><body><h1>503 Service Unavailable</h1></body></html>")] * 3
    with pytest.raises(AnsibleError) as error:
        run({"api_retries": 2})
    message = str(error.value)
    assert "503" in message and "gave up after 3 attempts" in message and BASE in message
    assert without_token(message)
    assert len(api.calls) == 3


def test_retried_answers_still_give_the_inventory(api, run):
    api.answers = [make_response(429, {"detail": "Request was throttled."}, headers={"Retry-After": "0"})]
    inventory, plugin = run({})
    assert len(inventory.hosts) == 2
    assert len(api.calls) == 2
    assert any("429" in line for line in plugin.display.verbose)
    assert without_token(*plugin.display.verbose)


def test_api_url_that_is_not_http_names_the_option(api, run):
    with pytest.raises(AnsibleParserError, match="api_url"):
        run({"api_url": "ftp://api.example.test"})
    assert api.calls == []


def test_cleartext_url_warns(run):
    session = FakeSession(make_response(200, {"count": 0, "next": None, "results": []}))
    _inventory, plugin = run({"api_url": "http://api.example.test"}, session=session)
    assert len(plugin.display.warnings) == 1
    assert "clear text" in plugin.display.warnings[0]
    assert without_token(*plugin.display.warnings)


def test_loopback_http_does_not_warn(run):
    session = FakeSession(make_response(200, {"count": 0, "next": None, "results": []}))
    _inventory, plugin = run({"api_url": "http://127.0.0.1:8000"}, session=session)
    assert plugin.display.warnings == []


# Untrusted data.

def test_names_and_hostnames_are_never_templated(api, run):
    api.servers = [server(10001, name="{{ 6 * 7 }}", hostname="{{ 6 * 7 }}.example.com", ip_address=None)]
    inventory, _plugin = run({"hostname": "hostname"})
    (name,) = inventory.hosts
    assert name == "{{ 6 * 7 }}.example.com"
    variables = inventory.get_host(name).get_vars()
    templar = Templar(loader=DataLoader(), variables=variables)
    # A play's own templates that print the variables show the text, never 42.
    assert templar.template(trust_as_template("{{ vps_name }}")) == "{{ 6 * 7 }}"
    assert templar.template(trust_as_template("{{ vps_hostname }}")) == "{{ 6 * 7 }}.example.com"
    assert templar.template(trust_as_template("{{ ansible_host }}")) == "{{ 6 * 7 }}.example.com"
    assert templar.template(trust_as_template("{{ inventory_hostname }}")) == "{{ 6 * 7 }}.example.com"
    assert templar.template(trust_as_template("{{ vps_plan.name }}")) == "Standard VPS"


def test_older_cores_wrap_only_strings_that_could_be_templates(api, run):
    plugin_module = sys.modules[type(inventory_loader.get("vpsorg.cloud.vps")).__module__]
    if not plugin_module.WRAP_UNSAFE:
        pytest.skip("ansible-core 2.19+ marks inventory data untrusted by itself")
    from ansible.utils.unsafe_proxy import AnsibleUnsafe  # pylint: disable=import-outside-toplevel

    api.servers = [server(10001, name="{{ 6 * 7 }}", plan=1)]
    api.servers[0]["plan"]["name"] = "{% raw %}"
    inventory, _plugin = run({})
    (name,) = inventory.hosts
    variables = hostvars(inventory, name)
    assert isinstance(name, AnsibleUnsafe)
    assert isinstance(variables["vps_name"], AnsibleUnsafe)
    assert isinstance(variables["vps_plan"]["name"], AnsibleUnsafe)
    # Plain values stay plain: `ansible-inventory --list` (and AWX) see them as strings.
    assert not isinstance(variables["vps_status"], AnsibleUnsafe)
    assert not isinstance(variables["vps_os"]["name"], AnsibleUnsafe)
    assert variables["vps_plan"]["vcpus"] == 2


def test_verify_file():
    plugin = inventory_loader.get("vpsorg.cloud.vps")
    here = os.path.dirname(os.path.abspath(__file__))
    assert not plugin.verify_file(os.path.join(here, "demo.vps.yml"))  # does not exist
    assert not plugin.verify_file(os.path.abspath(__file__))
