"""Turn internal server records into the JSON shapes the API answers with.

A record is a plain dict (see ``store.new_record``); timestamps are kept as float seconds
and only formatted here, so that transitions can compare them.
"""

from datetime import datetime, timezone

CREATE_MESSAGE = "Server is being provisioned. This may take 2-5 minutes."

# Statuses in which the machine is running and therefore uses CPU and memory.
RUNNING_STATUSES = ("active", "rebooting", "stopping")


def format_time(timestamp):
    """ISO 8601 in UTC with a Z, with microseconds like Django REST framework writes it."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text):
    """Parse an ISO 8601 time (as seeded by tests) into float seconds; naive times are UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def plan_summary(plan):
    """The plan as list items show it: without bandwidth."""
    return {key: plan.get(key) for key in ("id", "name", "vcpus", "memory", "storage")}


def list_item(record):
    return {
        "id": record["id"],
        "name": record["name"],
        "hostname": record["hostname"],
        "status": record["status"],
        "ip_address": record["ip_address"],
        "location": record["location"],
        "plan": plan_summary(record["plan"]),
        "os": {"id": record["os"].get("id"), "name": record["os"].get("name")},
        "created_at": format_time(record["created_ts"]),
        "updated_at": format_time(record["updated_ts"]),
    }


def created_view(record):
    """The 201 answer of a create: a list item plus backups_enabled and a message."""
    view = list_item(record)
    view["backups_enabled"] = record["backups_enabled"]
    view["message"] = CREATE_MESSAGE
    return view


def detail(record):
    view = list_item(record)
    ordered = {}
    for key, value in view.items():
        ordered[key] = value
        if key == "ip_address":
            ordered["ipv6_address"] = record["ipv6_address"]
        elif key == "os":
            ordered["backups_enabled"] = record["backups_enabled"]
            ordered["resource_usage"] = resource_usage(record)
    ordered["plan"]["bandwidth"] = record["plan"].get("bandwidth")
    return ordered


def internal_view(record):
    """Detail view plus what the API never shows; for test assertions via /_sim/servers."""
    view = detail(record)
    view["ssh_key_id"] = record["ssh_key_id"]
    return view


def resource_usage(record):
    """Plausible, deterministic usage figures derived from the id (a real server would vary)."""
    if "resource_usage" in record:
        return record["resource_usage"]
    server_id = record["id"] if isinstance(record["id"], int) else 0
    plan = record["plan"]
    if record["status"] == "provisioning":
        return {"cpu_percent": 0.0, "memory_used": 0, "disk_used": 0, "bandwidth_used": 0}
    running = record["status"] in RUNNING_STATUSES
    return {
        "cpu_percent": round((server_id * 7919 % 1000) / 10, 1) if running else 0.0,
        "memory_used": (plan.get("memory") or 0) * (server_id * 31 % 60 + 20) // 100 if running else 0,
        "disk_used": (plan.get("storage") or 0) * (server_id * 17 % 50 + 10) // 100,
        "bandwidth_used": server_id * 13 % max(plan.get("bandwidth") or 1, 1),
    }
