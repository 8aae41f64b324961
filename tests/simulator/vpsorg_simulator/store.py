"""The simulator's state: servers, configuration, status transitions and the state file.

One lock guards everything. Transitions (provisioning -> active and so on) are not run by a
background thread: every operation first "settles" the servers whose deadline has passed,
so a read always sees the status the server has by now. Deadlines sit in a heap, so settling
costs nothing when nothing is due.
"""

import bisect
import heapq
import ipaddress
import json
import os
import tempfile
import threading
import time

from . import views
from .errors import ApiError, ControlError
from .catalogue import OPERATING_SYSTEMS, PLANS, TRANSITION_TARGET, TRANSITIONAL_STATUSES
from .pagination import page_count, page_number_from, page_size_from
from .ratelimit import check_rate_setting
from .seeding import entries_from_spec, record_from_entry

FIRST_SERVER_ID = 10001
STATE_FILE_VERSION = 1

# Documentation ranges first (RFC 5737); the shared range only once a huge account used them up.
IPV4_POOLS = tuple(ipaddress.IPv4Network(network) for network in ("203.0.113.0/24", "198.51.100.0/24", "100.64.0.0/10"))
IPV6_PREFIX = int(ipaddress.IPv6Address("2001:db8::"))

DEFAULT_CONFIG = {
    "provision_delay": 3.0,
    "action_delay": 2.0,
    "credit": None,
    "token": "",
    "page_size_default": 100,
    "page_size_max": 1000,
    "rate_limit": None,
    "rate_burst": None,
}

POWER_ACTIONS = {
    # action: (status it needs, status it sets, message of the 200 answer)
    "start": ("stopped", "starting", "Server is starting"),
    "stop": ("active", "stopping", "Server is stopping"),
    "reboot": ("active", "rebooting", "Server is rebooting"),
}


def new_record(server_id, fields, status, now):
    """A server record as the store keeps it; ``fields`` holds already validated values."""
    return {
        "id": server_id,
        "name": fields["name"],
        "hostname": fields.get("hostname"),
        "status": status,
        "ip_address": None,
        "ipv6_address": None,
        "location": fields["location"],
        "plan": dict(PLANS[fields["plan_id"]]),
        "os": dict(OPERATING_SYSTEMS[fields["os_id"]]),
        "backups_enabled": fields.get("backups_enabled", False),
        "ssh_key_id": fields.get("ssh_key_id"),
        "created_ts": now,
        "updated_ts": now,
        "deadline": None,
    }


def power_refusal(action, status):
    """The 400 message for a power action the current status does not allow."""
    if status == "suspended":
        return "Server is suspended."
    if status in TRANSITIONAL_STATUSES:
        return f"Server is {status}; try again later."
    if action == "start":
        return "Server is already running." if status == "active" else f"Server is {status}."
    return "Server is not running."


def check_config(settings):
    """Validate a configuration change; return it with numbers normalised."""
    clean = {}
    for key, value in settings.items():
        if key not in DEFAULT_CONFIG:
            raise ControlError(f"Unknown setting {key!r}; known: {', '.join(DEFAULT_CONFIG)}.")
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        is_integer = isinstance(value, int) and not isinstance(value, bool)
        if key in ("provision_delay", "action_delay"):
            if not is_number or value < 0:
                raise ControlError(f"{key} must be a number of seconds >= 0.")
            value = float(value)
        elif key == "credit":
            if value is not None and (not is_integer or value < 0):
                raise ControlError("credit must be null (unlimited) or an integer >= 0.")
        elif key in ("rate_limit", "rate_burst"):
            value = check_rate_setting(key, value)
        elif key == "token":
            if not isinstance(value, str) or not value:
                raise ControlError("token must be a non-empty string.")
        elif not is_integer or value < 1:
            raise ControlError(f"{key} must be an integer >= 1.")
        clean[key] = value
    return clean


class Store:
    """Every server of the simulated account, and the settings that shape their behaviour."""

    def __init__(self, config, state_file=None):
        self.lock = threading.Lock()
        self.initial_config = dict(DEFAULT_CONFIG, **check_config(config))
        self.config = dict(self.initial_config)
        self.state_file = state_file
        self._clear()
        if state_file and os.path.exists(state_file):
            self._load()

    def _clear(self):
        self.servers = {}
        self.ordered_ids = []  # kept sorted, so a page is a plain slice
        self.deadlines = []  # heap of (deadline, server id)
        self.next_id = FIRST_SERVER_ID
        self.next_address_index = 0
        self.used_ipv4 = set()
        self.last_change = 0.0

    # ----- internals; the caller holds the lock -----

    def _now(self):
        """The time of a change, strictly after the previous one so updated_at always moves."""
        now = max(time.time(), self.last_change + 1e-6)
        self.last_change = now
        return now

    def _settle(self):
        """Finish every transition whose deadline has passed, dated at its deadline."""
        now = time.time()
        while self.deadlines and self.deadlines[0][0] <= now:
            deadline, server_id = heapq.heappop(self.deadlines)
            record = self.servers.get(server_id)
            if record is None or record["deadline"] != deadline:
                continue  # deleted meanwhile; the heap entry is stale
            record["status"] = TRANSITION_TARGET[record["status"]]
            record["deadline"] = None
            if record["status"] == "active":
                self._assign_addresses(record)
            record["updated_ts"] = max(deadline, record["updated_ts"] + 1e-6)

    def _start_transition(self, record, status, delay, now):
        record["status"] = status
        record["deadline"] = now + delay
        heapq.heappush(self.deadlines, (record["deadline"], record["id"]))

    def _assign_addresses(self, record):
        """Give a server its addresses the first time it becomes active; it keeps them after."""
        while record["ip_address"] is None:
            candidate = self._ipv4_at(self.next_address_index)
            self.next_address_index += 1
            if candidate not in self.used_ipv4:
                record["ip_address"] = candidate
                self.used_ipv4.add(candidate)
        if record["ipv6_address"] is None:
            record["ipv6_address"] = str(ipaddress.IPv6Address(IPV6_PREFIX + record["id"]))

    @staticmethod
    def _ipv4_at(index):
        for pool in IPV4_POOLS:
            usable = pool.num_addresses - 2  # no network or broadcast address
            if index < usable:
                return str(pool.network_address + 1 + index)
            index -= usable
        raise ControlError("The simulator ran out of IPv4 addresses.")

    def _insert(self, record):
        server_id = record["id"]
        self.servers[server_id] = record
        if not self.ordered_ids or server_id > self.ordered_ids[-1]:
            self.ordered_ids.append(server_id)
        else:
            bisect.insort(self.ordered_ids, server_id)
        self.next_id = max(self.next_id, server_id + 1)
        if record["ip_address"] is not None:
            self.used_ipv4.add(record["ip_address"])
        if record["deadline"] is not None:
            heapq.heappush(self.deadlines, (record["deadline"], server_id))

    def _get(self, server_id):
        record = self.servers.get(server_id)
        if record is None:
            raise ApiError(404, {"detail": "Not found."})
        return record

    def _save(self):
        """Write the state file atomically (write a temporary file, then rename it)."""
        if not self.state_file:
            return
        state = {
            "version": STATE_FILE_VERSION,
            "next_id": self.next_id,
            "next_address_index": self.next_address_index,
            "servers": [self.servers[server_id] for server_id in self.ordered_ids],
        }
        directory = os.path.dirname(os.path.abspath(self.state_file))
        descriptor, temporary_path = tempfile.mkstemp(dir=directory, prefix=".vpsorg-state-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                json.dump(state, stream, separators=(",", ":"))
            os.replace(temporary_path, self.state_file)
        except BaseException:
            os.unlink(temporary_path)
            raise

    def _load(self):
        with open(self.state_file, encoding="utf-8") as stream:
            state = json.load(stream)
        if state.get("version") != STATE_FILE_VERSION:
            raise ControlError(f"{self.state_file}: unknown state file version {state.get('version')!r}.")
        for record in state["servers"]:
            self._insert(record)
        self.next_id = max(self.next_id, state["next_id"])
        self.next_address_index = state["next_address_index"]
        self.last_change = max((record["updated_ts"] for record in self.servers.values()), default=0.0)

    # ----- the API operations -----

    def token(self):
        return self.config["token"]

    def list_page(self, status, location, raw_page, raw_page_size):
        """One page of the list; raises pagination.InvalidPage. Empty filter values filter nothing."""
        with self.lock:
            self._settle()
            size = page_size_from(raw_page_size, self.config["page_size_default"], self.config["page_size_max"])
            if status or location:
                servers = self.servers
                ids = [
                    server_id for server_id in self.ordered_ids
                    if (not status or servers[server_id]["status"] == status)
                    and (not location or servers[server_id]["location"] == location)
                ]
            else:
                ids = self.ordered_ids
            last_page = page_count(len(ids), size)
            number = page_number_from(raw_page, last_page)
            start = (number - 1) * size
            items = [views.list_item(self.servers[server_id]) for server_id in ids[start:start + size]]
            return {"count": len(ids), "page": number, "last_page": last_page, "results": items}

    def get(self, server_id):
        with self.lock:
            self._settle()
            return views.detail(self._get(server_id))

    def exists(self, server_id):
        with self.lock:
            return server_id in self.servers

    def create(self, fields):
        """Create from validated fields; 402 when the account cannot pay for one more server."""
        with self.lock:
            self._settle()
            credit = self.config["credit"]
            if credit is not None:
                if credit < 1:
                    raise ApiError(402, {"detail": "Insufficient credits."})
                self.config["credit"] = credit - 1
            now = self._now()
            record = new_record(self.next_id, fields, "provisioning", now)
            self._insert(record)
            self._start_transition(record, "provisioning", self.config["provision_delay"], now)
            self._save()
            return views.created_view(record)

    def update(self, server_id, fields):
        with self.lock:
            self._settle()
            record = self._get(server_id)
            record.update(fields)
            record["updated_ts"] = self._now()
            self._save()
            return views.detail(record)

    def delete(self, server_id):
        with self.lock:
            self._get(server_id)
            del self.servers[server_id]
            del self.ordered_ids[bisect.bisect_left(self.ordered_ids, server_id)]
            self._save()

    def power(self, server_id, action):
        with self.lock:
            self._settle()
            record = self._get(server_id)
            needed_status, new_status, message = POWER_ACTIONS[action]
            if record["status"] != needed_status:
                raise ApiError(400, {"detail": power_refusal(action, record["status"])})
            now = self._now()
            self._start_transition(record, new_status, self.config["action_delay"], now)
            record["updated_ts"] = now
            self._save()
            server = {"id": record["id"], "name": record["name"], "status": record["status"]}
            return {"status": "success", "message": message, "server": server}

    # ----- control operations -----

    def save(self):
        with self.lock:
            self._save()

    def server_count(self):
        with self.lock:
            return len(self.servers)

    def all_servers(self):
        with self.lock:
            self._settle()
            return [views.internal_view(self.servers[server_id]) for server_id in self.ordered_ids]

    def internal_views(self, ids):
        with self.lock:
            self._settle()
            return [views.internal_view(self.servers[server_id]) for server_id in ids if server_id in self.servers]

    def reset(self, keep_config=False):
        with self.lock:
            self._clear()
            if not keep_config:
                self.config = dict(self.initial_config)
            self._save()

    def configure(self, settings):
        clean = check_config(settings)
        with self.lock:
            self.config.update(clean)
            return dict(self.config)

    def current_config(self):
        with self.lock:
            return dict(self.config)

    def seed(self, spec):
        """Add servers without validation or credit; see seeding.py for the accepted shapes."""
        entries = entries_from_spec(spec)
        with self.lock:
            self._settle()
            now = self._now()
            taken_ids = set(self.servers)
            next_id = self.next_id
            prepared = []
            for entry in entries:
                record, wants_addresses = record_from_entry(entry, next_id, now)
                if record["id"] in taken_ids:
                    raise ControlError(f"A server with id {record['id']} already exists.")
                taken_ids.add(record["id"])
                next_id = max(next_id, record["id"] + 1)
                prepared.append((record, wants_addresses))
            for record, wants_addresses in prepared:
                if wants_addresses:
                    self._assign_addresses(record)
                self._insert(record)
                if record["status"] in TRANSITIONAL_STATUSES:
                    delay_key = "provision_delay" if record["status"] == "provisioning" else "action_delay"
                    self._start_transition(record, record["status"], self.config[delay_key], now)
            self._save()
            return [record["id"] for record, _wants_addresses in prepared]
