"""Build server records for POST /_sim/seed.

Seeded values are taken as given, without the API's validation, so that tests can set up
data the API itself would refuse (odd names, duplicate names, suspended servers ...).
Only what the simulator needs to work is checked: ids, the plan/OS reference and times.
"""

from .catalogue import LOCATIONS, OPERATING_SYSTEMS, PLANS
from .errors import ControlError
from .views import parse_time

MAX_SEED_COUNT = 1_000_000

ENTRY_FIELDS = frozenset((
    "id", "name", "hostname", "status", "ip_address", "ipv6_address", "location", "plan_id", "plan",
    "os_id", "os", "backups_enabled", "ssh_key_id", "created_at", "updated_at", "resource_usage",
))

# Keys of the count form that are not copied into every server.
COUNT_FORM_KEYS = ("count", "name_prefix", "status", "location", "plan_id", "os_id")


def entries_from_spec(spec):
    """Return one entry dict per server from either {"servers": [...]} or {"count": N, ...}."""
    if not isinstance(spec, dict):
        raise ControlError("The seed body must be a JSON object.")
    if "servers" in spec:
        if "count" in spec:
            raise ControlError("Give either 'servers' or 'count', not both.")
        servers = spec["servers"]
        if not isinstance(servers, list) or not all(isinstance(entry, dict) for entry in servers):
            raise ControlError("'servers' must be a list of objects.")
        return servers
    return _generated_entries(spec)


def _generated_entries(spec):
    count = spec.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_SEED_COUNT:
        raise ControlError(f"'count' must be an integer from 0 to {MAX_SEED_COUNT}.")
    prefix = spec.get("name_prefix", "seed")
    shared = {key: value for key, value in spec.items() if key not in COUNT_FORM_KEYS}
    plan_ids = sorted(PLANS)
    os_ids = sorted(OPERATING_SYSTEMS)
    entries = []
    for index in range(count):
        entry = dict(shared)
        entry["name"] = f"{prefix}-{index + 1}"
        entry["status"] = spec.get("status") or "active"
        # null means: spread the servers over the catalogue, which makes filters testable.
        entry["location"] = spec.get("location") or LOCATIONS[index % len(LOCATIONS)]
        entry["plan_id"] = spec.get("plan_id") or plan_ids[index % len(plan_ids)]
        entry["os_id"] = spec.get("os_id") or os_ids[index % len(os_ids)]
        entries.append(entry)
    return entries


def _catalogue_entry(entry, key, id_key, catalogue, default_id):
    """The plan or OS of a seeded server: a dict given as-is, or a catalogue id."""
    if key in entry:
        if not isinstance(entry[key], dict):
            raise ControlError(f"'{key}' must be an object.")
        return dict(entry[key])
    item_id = entry.get(id_key, default_id)
    if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id not in catalogue:
        raise ControlError(f"Unknown {id_key} {item_id!r}; known: {sorted(catalogue)}.")
    return dict(catalogue[item_id])


def _time_entry(entry, key, default):
    if key not in entry:
        return default
    try:
        return parse_time(entry[key])
    except (TypeError, ValueError) as error:
        raise ControlError(f"'{key}' must be an ISO 8601 time, got {entry[key]!r}.") from error


def record_from_entry(entry, default_id, now):
    """Return (record, wants_addresses); addresses are assigned by the store, which owns the pool."""
    unknown = set(entry) - ENTRY_FIELDS
    if unknown:
        raise ControlError(f"Unknown server field(s) {sorted(unknown)}; known: {sorted(ENTRY_FIELDS)}.")
    server_id = entry.get("id", default_id)
    if isinstance(server_id, bool) or not isinstance(server_id, int) or server_id < 1:
        raise ControlError(f"'id' must be a positive integer, got {server_id!r}.")
    status = entry.get("status", "active")
    if not isinstance(status, str):
        raise ControlError("'status' must be a string.")
    created = _time_entry(entry, "created_at", now)
    record = {
        "id": server_id,
        "name": entry.get("name", f"seed-{server_id}"),
        "hostname": entry.get("hostname"),
        "status": status,
        "ip_address": entry.get("ip_address"),
        "ipv6_address": entry.get("ipv6_address"),
        "location": entry.get("location", LOCATIONS[0]),
        "plan": _catalogue_entry(entry, "plan", "plan_id", PLANS, 1),
        "os": _catalogue_entry(entry, "os", "os_id", OPERATING_SYSTEMS, 5),
        "backups_enabled": entry.get("backups_enabled", False),
        "ssh_key_id": entry.get("ssh_key_id"),
        "created_ts": created,
        "updated_ts": _time_entry(entry, "updated_at", created),
        "deadline": None,
    }
    if "resource_usage" in entry:
        record["resource_usage"] = entry["resource_usage"]
    # A server that is past provisioning has been active once, so it has addresses,
    # unless the entry says what its address is (null included).
    wants_addresses = status != "provisioning" and "ip_address" not in entry
    return record, wants_addresses
