# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit tests of the vpsorg.cloud.vps inventory plugin share (test_vps.py, test_vps_filters_detail.py).

The plugin is loaded by Ansible's plugin loader and parses a real configuration file into a real
InventoryData with a real DataLoader and Templar. Below it runs the real VpsClient; only the
requests.Session is replaced by FakeVpsApi, which paginates and filters like the API, so page
following, query parameters, retries and error answers are exercised for real.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

import pytest
import yaml

from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

from ansible_collections.vpsorg.cloud.plugins.module_utils import _client
from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient

try:
    # ansible-core 2.19+: the inventory manager hands plugins this proxy, which tags every variable with its origin
    # and leaves it untrusted; the tests hand it over too, so they see what a playbook sees.
    from ansible._internal._datatag._tags import Origin
    from ansible.inventory.manager import _InventoryDataWrapper
except ImportError:
    _InventoryDataWrapper = None

try:
    # ansible-core 2.19+ renders only templates marked trusted, as those of a playbook are. Used by test_vps.py.
    from ansible.template import trust_as_template  # noqa: F401  pylint: disable=unused-import
except ImportError:
    def trust_as_template(template):
        return template
from ansible_collections.vpsorg.cloud.tests.unit.plugins.fake_http import FakeSession, make_response

TOKEN = "tok-INVENTORY-UNIT-5e1d-never-show-me"
BASE = "https://api.example.test"
LIST_PATH = "/api/v1/servers/"
PLANS = {1: {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80},
         2: {"id": 2, "name": "Performance VPS", "vcpus": 4, "memory": 8192, "storage": 160}}
OSES = {3: {"id": 3, "name": "Debian 12"}, 5: {"id": 5, "name": "Ubuntu 22.04 LTS"}}
LIST_FIELDS = ("id", "name", "hostname", "status", "ip_address", "location", "plan", "os", "created_at", "updated_at")


def server(server_id, name=None, status="active", location="us-west", hostname="", ip_address="", plan=1, os_id=5, **extra):
    """A list item as the API sends it; empty hostname and ip_address get plausible values."""
    item = {
        "id": server_id,
        "name": "web-%d" % server_id if name is None else name,
        "hostname": "web%d.example.com" % server_id if hostname == "" else hostname,
        "status": status,
        "ip_address": "203.0.113.%d" % (server_id % 250) if ip_address == "" else ip_address,
        "location": location,
        "plan": dict(PLANS[plan]),
        "os": dict(OSES[os_id]),
        "created_at": "2025-01-10T14:30:00Z",
        "updated_at": "2025-01-15T10:20:00Z",
    }
    item.update(extra)
    return item


class FakeVpsApi(FakeSession):
    """The list endpoint of the API behind a requests.Session: bearer token, filters, DRF pagination.

    Answers queued in ``answers`` (errors, faults) are served first; every other request is routed.
    Only ``GET /api/v1/servers/`` exists: any other request fails the test.
    """

    def __init__(self, servers=(), max_page_size=1000):
        super().__init__()
        self.servers = list(servers)
        self.max_page_size = max_page_size
        self.after_list = None

    def request(self, method, url, params=None, json=None, timeout=None, verify=None):
        if not self.answers:
            headers = {}
            self.auth(type("Prepared", (), {"headers": headers})())
            self.answers.append(self.route(method, url, dict(params or {}), headers.get("Authorization")))
        return super().request(method, url, params=params, json=json, timeout=timeout, verify=verify)

    def route(self, method, url, params, authorization):
        assert (method, url) == ("GET", BASE + LIST_PATH), "only list requests are expected, got %s %s" % (method, url)
        if authorization != "Bearer " + TOKEN:
            return make_response(401, {"detail": "Invalid token."}, headers={"WWW-Authenticate": 'Bearer realm="api"'})
        matching = [item for item in self.servers
                    if params.get("status") in (None, item["status"]) and params.get("location") in (None, item["location"])]
        size = min(int(params.get("page_size", 100)), self.max_page_size)
        page = int(params.get("page", 1))
        results = matching[(page - 1) * size:page * size]
        next_url = None
        if page * size < len(matching):
            next_url = BASE + LIST_PATH + "?" + urlencode(sorted(dict(params, page=page + 1).items()))
        answer = make_response(200, {"count": len(matching), "next": next_url, "previous": None, "results": results},
                               headers={"Content-Type": "application/json"})
        if self.after_list:
            self.after_list(params)
        return answer

    def list_params(self):
        """Query parameters of each request, page_size left out, in order."""
        return [{key: value for key, value in (call["params"] or {}).items() if key != "page_size"} for call in self.calls]


class RecordingDisplay:
    """Records what the plugin shows; everything else goes to the real Display."""

    def __init__(self, real):
        self.real = real
        self.warnings = []
        self.verbose = []

    def warning(self, msg, *args, **kwargs):  # pylint: disable=unused-argument
        self.warnings.append(msg)

    def vvv(self, msg, *args, **kwargs):  # pylint: disable=unused-argument
        self.verbose.append(msg)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture(name="api")
def api_fixture():
    return FakeVpsApi([server(10001), server(10002, status="stopped", location="us-east", plan=2, os_id=3)])


def use_client(monkeypatch, **settings):
    """The plugin's next clients are real VpsClients with these settings (it imports the class when it reads the API)."""
    monkeypatch.setattr(_client, "VpsClient", functools.partial(VpsClient, **settings))


@pytest.fixture(name="run")
def run_fixture(api, tmp_path, monkeypatch):
    """``run(config, cache=True, session=api)`` parses a demo.vps.yml -> (InventoryData, plugin)."""
    for variable in ("VPS_API_TOKEN", "VPS_API_URL", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE_PLUGIN", "ANSIBLE_INVENTORY_CACHE_PLUGIN"):
        monkeypatch.delenv(variable, raising=False)

    def run(config, cache=True, session=None):
        path = tmp_path / "demo.vps.yml"
        path.write_text(yaml.safe_dump(dict({"plugin": "vpsorg.cloud.vps", "api_url": BASE, "api_token": TOKEN}, **config)))
        plugin = inventory_loader.get("vpsorg.cloud.vps")
        # The real client on the fake session; retries wait for nothing.
        use_client(monkeypatch, session=session or api, sleep=lambda _seconds: None)
        plugin.display = RecordingDisplay(plugin.display)
        assert plugin.verify_file(str(path))
        inventory = parse(plugin, path, cache=cache)
        return inventory, plugin

    return run


def parse(plugin, path, cache=True):
    """What the inventory manager does with one source; returns the InventoryData."""
    inventory = InventoryData()
    target = inventory
    if _InventoryDataWrapper is not None:
        target = _InventoryDataWrapper(inventory, target_plugin=plugin, origin=Origin(description="<unit test>"))
    plugin.parse(target, DataLoader(), str(path), cache=cache)
    try:
        # Writes the cache if the plugin changed it.
        plugin.update_cache_if_changed()
    except AttributeError:
        pass  # no cache configured
    return inventory


def hostvars(inventory, name):
    return inventory.get_host(name).vars


def group_hosts(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def without_token(*texts):
    return all(TOKEN not in str(text) for text in texts)


def cache_config(tmp_path, **extra):
    return dict({"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
                 "cache_timeout": 600}, **extra)
