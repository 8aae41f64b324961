# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""vpsorg.cloud.vps_servers: an ansible-rulebook event source that watches the servers of a VPS.org account.

The source stays thin: ``main`` does the asyncio plumbing, the blocking API work runs in a worker thread
through the collection's one client, and ``server_events`` (a plain function) turns two listings into events.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import logging
import math
import os
import sys
import threading

DOCUMENTATION = r"""
---
author:
  - vpsorg.cloud contributors (@vpsorg)
short_description: Events when servers of a VPS.org account appear, change or disappear
description:
  - An ansible-rulebook event source plugin that lists the servers of a VPS.org account every O(interval)
    seconds and puts one event on the queue for each difference from the previous listing.
  - "Every event has C(type): V(created), V(deleted), V(status_changed), V(ip_changed) (C(ip_address) changed),
    V(updated) (any other field of the list view, such as C(name) or C(hostname)), or V(existing)
    (see O(initial_events)). A server whose status and address both changed gives two events."
  - The source sees the API's list view only, which has no C(ipv6_address), C(backups_enabled) or C(resource_usage)
    (only a server's detail view has them), so a change of one of them gives no event.
  - C(server) is the server as listed now (for V(deleted), as last seen); C(previous) is the server as last
    seen (absent for V(created) and V(existing)). C(meta.hosts) is the server's name (its id when it has
    none), so a C(run_playbook) action limits itself to that server.
  - A change of C(updated_at) alone gives no event.
  - Each poll reads every page of the list (1000 servers a page), so it costs one request per 1000 servers
    (per O(location) when given), through the same client as the modules and the inventory plugin.
  - Rate limits (HTTP 429, honouring C(Retry-After)), gateway errors (HTTP 5xx), timeouts and dropped
    connections never end the source. The client retries each request O(api_retries) times; when a poll
    still fails, the source logs a warning, waits twice as long each time (at most 10 minutes) and goes on.
    The first good poll after that reports every change made meanwhile.
  - A refused token (HTTP 401 or 403) ends the source with an error that says so; so does any other
    client error (HTTP 4xx) on the very first poll, which means a wrong O(api_url), and a CA bundle that cannot
    be read (O(ca_path), or E(REQUESTS_CA_BUNDLE) without it).
  - The API token is never put in an event or a log line. With ansible-core 2.22 or later installed beside
    ansible-rulebook, the source also registers the token with Ansible's secret masking and masks the registered
    secrets in its own log lines.
version_added: 0.2.0
requirements:
  - requests
options:
  api_url:
    description:
      - Base URL of the VPS.org API, without C(/api/v1/).
      - If not set, the value of the E(VPS_API_URL) environment variable is used, else V(https://admin.vps.org).
      - A plain C(http://) URL to a host other than the local machine is logged as a warning.
    type: str
    default: https://admin.vps.org
  api_token:
    description:
      - "API token of the VPS.org account, sent as C(Authorization: Bearer <token>)."
      - If not set, the value of the E(VPS_API_TOKEN) environment variable is used. One of them is required.
    type: str
  interval:
    description:
      - Seconds from the end of one poll to the start of the next.
    type: float
    default: 60
  status:
    description:
      - Only events about servers in one of these statuses, before or after the change.
      - The status is compared in the source, not sent to the API, so a server that leaves one of these
        statuses gives a V(status_changed) event (never a V(deleted) one) and a server that enters one does too.
      - A single status may be given as a string. By default servers in every status are reported.
    type: list
    elements: str
    choices: [active, stopped, suspended]
  location:
    description:
      - Only servers in one of these datacenter locations, for example V(us-west).
      - Sent to the API as the C(location) filter, one listing per location, as the inventory plugin does
        (a server's location never changes).
      - A single location may be given as a string. By default servers of every location are reported.
    type: list
    elements: str
  initial_events:
    description:
      - Whether the first poll puts an V(existing) event on the queue for every server.
      - If V(false), the first poll only records what is there; events start with the second poll.
    type: bool
    default: false
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API. A private certificate authority can be given in
        O(ca_path).
      - If not set, the value of the E(VPS_VALIDATE_CERTS) environment variable is used, else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of certificate authorities (or a folder of them) to verify the API's certificate with,
        instead of the system's.
      - If not set, the value of the E(VPS_CA_PATH) environment variable is used.
      - Ignored when O(validate_certs=false). A file that cannot be read ends the source at its start with an error
        that names it.
    type: path
    version_added: 0.2.0
  api_timeout:
    description:
      - Seconds to wait for each API request.
      - If not set, the value of the E(VPS_API_TIMEOUT) environment variable is used, else V(30).
    type: int
    default: 30
  api_retries:
    description:
      - How many times a list request is retried after a rate limit, a gateway error, a dropped connection or
        a timeout, within one poll.
      - The C(Retry-After) of a 429 or 503 answer is waited for, but never longer than 60 seconds. A request is not
        retried once the retry would start more than 120 seconds after the request was first sent, so with a large
        O(api_timeout) a request that timed out gets fewer retries than O(api_retries), or none. Neither limit can be
        changed.
      - If not set, the value of the E(VPS_API_RETRIES) environment variable is used, else V(5).
    type: int
    default: 5
notes:
  - Server names are not unique in the API. The vpsorg.cloud.vps inventory plugin adds servers that share a
    name as C(<name>_<id>), so C(meta.hosts) does not find them; give servers unique names.
"""

EXAMPLES = r"""
# Every change of every server, polled each minute; the token comes from VPS_API_TOKEN.
- vpsorg.cloud.vps_servers:

# One event per server at start (type existing), then the changes, every 30 seconds.
- vpsorg.cloud.vps_servers:
    interval: 30
    initial_events: true

# Only servers that are, or just were, suspended or stopped, in two locations; the token from a rulebook variable.
- vpsorg.cloud.vps_servers:
    api_url: https://admin.vps.org
    api_token: "{{ vps_api_token }}"
    status: [suspended, stopped]
    location: [us-west, us-east]
"""


def _collections_root(path):
    """The folder that holds ``ansible_collections/`` when ``path`` is this file inside a collection, else None."""
    # .../ansible_collections/vpsorg/cloud/extensions/eda/plugins/event_source/vps_servers.py
    parts = os.path.abspath(path).split(os.sep)
    if len(parts) > 8 and parts[-8] == "ansible_collections":
        return os.sep.join(parts[:-8]) or os.sep
    return None


# ansible-rulebook runs this file with runpy.run_path and puts no collection on sys.path. The client comes from the
# collection this file belongs to, so the source and the client it runs are always of one release.
_ROOT = _collections_root(__file__)
if _ROOT and _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# pylint: disable=wrong-import-position
from ansible_collections.vpsorg.cloud.plugins.module_utils._client import VpsClient  # noqa: E402
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsApiError, VpsError, VpsSetupError  # noqa: E402
from ansible_collections.vpsorg.cloud.plugins.module_utils._listing import (  # noqa: E402
    FILTER_STATUSES,
    list_matching,
    unique_values,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._secrets import (  # noqa: E402
    HAS_SECRET_MASKING,
    MaskingFilter,
    register_token,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import (  # noqa: E402
    DEFAULTS,
    ENV_SETTINGS,
    cleartext_warning,
    client_arguments,
)

# pylint: enable=wrong-import-position

ARGUMENTS = ("api_url", "api_token", "interval", "status", "location", "initial_events", "validate_certs", "ca_path",
             "api_timeout", "api_retries")
ADDRESS_FIELDS = ("ip_address", "ipv6_address")
# updated_at moves with every change, a status change included: alone it is no change of its own.
NOT_UPDATES = ("status", "updated_at") + ADDRESS_FIELDS
# After a failed poll the source waits twice the interval, then twice as long after each further failure, up to this.
BACKOFF_MAX = 600.0
# Client errors that will not go away by asking again: the token is refused.
REFUSED = (401, 403)
TRANSIENT_STATUSES = (408, 429)
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")

logger = logging.getLogger("vpsorg.cloud.vps_servers")
if HAS_SECRET_MASKING:
    # ansible-core 2.22+: the source's log lines never show a registered secret, the token above all (settings_from).
    logger.addFilter(MaskingFilter())


class VpsServersSourceError(Exception):
    """The source cannot go on: bad arguments, or the API refused the token."""


class _Stopped(Exception):
    """The source is ending: a wait inside the client was cut short."""


def server_events(previous, current, statuses=()):
    """The events that lead from ``previous`` to ``current`` (dicts of servers by id), in listing order.

    With ``statuses``, only events about a server whose status, before or after, is one of them.
    """
    events = []
    for server_id, server in current.items():
        before = previous.get(server_id)
        if before is None:
            events.append(_event("created", server))
            continue
        if before.get("status") != server.get("status"):
            events.append(_event("status_changed", server, before))
        if any(before.get(field) != server.get(field) for field in ADDRESS_FIELDS):
            events.append(_event("ip_changed", server, before))
        if _compared(before) != _compared(server):
            events.append(_event("updated", server, before))
    for server_id, before in previous.items():
        if server_id not in current:
            events.append(_event("deleted", before, before))
    if statuses:
        events = [event for event in events if _in_statuses(event, statuses)]
    return events


def existing_events(current, statuses=()):
    """One ``existing`` event per server of ``current`` (in one of ``statuses``, when given)."""
    return [_event("existing", server) for server in current.values() if not statuses or server.get("status") in statuses]


def _event(kind, server, previous=None):
    # Copies: a filter of the rulebook that changes an event in place must not change what the next poll compares.
    event = {"type": kind, "server": copy.deepcopy(server)}
    if previous is not None:
        event["previous"] = copy.deepcopy(previous)
    name = server.get("name")
    event["meta"] = {"hosts": str(name) if name not in (None, "") else str(server.get("id"))}
    return event


def _compared(server):
    return {field: value for field, value in server.items() if field not in NOT_UPDATES}


def _in_statuses(event, statuses):
    return event["server"].get("status") in statuses or event.get("previous", {}).get("status") in statuses


def settings_from(args, environ=None):
    """The source's settings from the rulebook's ``args``; raises VpsServersSourceError when one is wrong.

    The token is registered as a secret with ansible-core when it can mask secrets (2.22+).
    """
    environ = os.environ if environ is None else environ
    unknown = sorted(key for key in args if key not in ARGUMENTS and not key.startswith("eda_"))
    if unknown:
        # ansible-rulebook adds arguments of its own (eda_feedback_queue); an unknown one is most likely a typo.
        logger.warning("vpsorg.cloud.vps_servers ignores the unknown arguments %s", ", ".join(unknown))
    token_source = "the api_token argument of the source" if args.get("api_token") else "the VPS_API_TOKEN environment variable"
    # An argument left out (or empty) falls back to the environment variable the modules and the inventory plugin read.
    args = dict({option: environ[variable] for option, variable in ENV_SETTINGS.items() if option in ARGUMENTS and environ.get(variable)},
                **{key: value for key, value in args.items() if key not in ENV_SETTINGS or value not in (None, "")})
    token = args.get("api_token")
    if not token:
        raise VpsServersSourceError("vpsorg.cloud.vps_servers needs an API token: set the api_token argument or the "
                                    "VPS_API_TOKEN environment variable.")
    register_token(str(token))
    settings = {
        "api_url": str(args.get("api_url") or DEFAULTS["api_url"]),
        "api_token": str(token),
        "token_source": token_source,
        "interval": _number(args, "interval", 60.0, float),
        "statuses": _names(args, "status"),
        "locations": _names(args, "location"),
        "initial_events": _boolean(args, "initial_events", False),
        "validate_certs": _boolean(args, "validate_certs", DEFAULTS["validate_certs"]),
        "ca_path": os.path.expanduser(str(args["ca_path"])) if args.get("ca_path") else None,
        "api_timeout": _number(args, "api_timeout", DEFAULTS["api_timeout"], int),
        "api_retries": _number(args, "api_retries", DEFAULTS["api_retries"], int, zero_allowed=True),
    }
    wrong = [status for status in settings["statuses"] if status not in FILTER_STATUSES]
    if wrong:
        raise VpsServersSourceError("vpsorg.cloud.vps_servers: status must be one of %s, got %s"
                                    % (", ".join(FILTER_STATUSES), ", ".join(wrong)))
    return settings


def _number(args, key, default, kind, zero_allowed=False):
    value = args.get(key)
    if value is None:
        return default
    try:
        # bool is an int to Python, and "nan" or "inf" a float: none of them is a number of seconds or retries.
        number = None if isinstance(value, bool) else kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or number < 0 or (number == 0 and not zero_allowed):
        raise VpsServersSourceError("vpsorg.cloud.vps_servers: %s must be %s %s, got %r" % (
            key, "a number" if kind is float else "an integer", "of 0 or more" if zero_allowed else "above 0", value))
    return number


def _boolean(args, key, default):
    value = args.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in TRUE_WORDS:
        return True
    if str(value).lower() in FALSE_WORDS:
        return False
    raise VpsServersSourceError("vpsorg.cloud.vps_servers: %s must be true or false, got %r" % (key, value))


def _names(args, key):
    value = args.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return unique_values(value)
    return unique_values([value])


def make_client(settings, stop):
    """The API client; its waits (retry backoff, Retry-After) end early once ``stop`` is set."""

    def sleep(seconds):
        if stop.wait(max(0.0, seconds)):
            raise _Stopped()

    try:
        return VpsClient(log=logger.debug, sleep=sleep, token_source=settings["token_source"], **client_arguments(settings))
    except VpsError as exc:
        raise VpsServersSourceError("vpsorg.cloud.vps_servers cannot use the VPS.org API: %s" % exc.message) from None


def poll(client, locations):
    """Every server (in ``locations``, when given) by id. Blocking: runs in the source's worker thread."""
    servers = list_matching(client, [], locations)
    # A server is followed by its id; the API always sends one.
    return {server["id"]: server for server in servers if server.get("id") is not None}


def fatal(exc, first_poll):
    """Whether an error of a poll ends the source (True) or is waited out (False)."""
    if isinstance(exc, VpsSetupError):
        return True  # a CA bundle that cannot be read stays so
    if not isinstance(exc, VpsApiError):
        return False  # connection errors, timeouts
    status = exc.status
    if status in REFUSED:
        return True
    # Another client error on the first poll is a wrong api_url; later, it may be a proxy's passing trouble.
    return first_poll and 400 <= status < 500 and status not in TRANSIENT_STATUSES


def backoff(interval, failures):
    """Seconds to wait after the ``failures``-th failed poll in a row."""
    return min(interval * 2 ** failures, max(interval, BACKOFF_MAX))


async def main(queue, args):
    """Put an event on ``queue`` for every change of the account's servers, until cancelled or the token is refused."""
    settings = settings_from(args)
    stop = threading.Event()
    client = make_client(settings, stop)
    # One worker thread: the blocking client never runs on the event loop, and never in two threads at once.
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vps_servers")
    try:
        await _watch(queue, settings, client, executor)
    finally:
        # Waits of the client end at once; a request in flight ends within api_timeout, then the session closes.
        stop.set()
        executor.submit(client.close)
        executor.shutdown(wait=False)


async def _watch(queue, settings, client, executor):
    loop = asyncio.get_running_loop()
    warning = cleartext_warning(client.api_url)
    if warning:
        logger.warning(warning)
    logger.info("Watching the VPS.org servers at %s every %ss (status: %s; location: %s)", client.api_url,
                settings["interval"], ", ".join(settings["statuses"]) or "any", ", ".join(settings["locations"]) or "any")
    known = None
    failures = 0
    while True:
        requests_before = client.request_count
        try:
            current = await loop.run_in_executor(executor, poll, client, settings["locations"])
        except (VpsError, OSError) as exc:
            # OSError: requests' own errors derive from it; the client turns most of them into VpsError.
            message = getattr(exc, "message", None) or "%s: %s" % (type(exc).__name__, exc)
            if fatal(exc, known is None):
                raise VpsServersSourceError("vpsorg.cloud.vps_servers stops: listing the servers at %s failed: %s"
                                            % (client.api_url, message)) from None
            failures += 1
            delay = backoff(settings["interval"], failures)
            logger.warning("Listing the VPS.org servers failed (%d time(s) in a row), next try in %.1fs: %s",
                           failures, delay, message)
            await asyncio.sleep(delay)
            continue
        if failures:
            logger.warning("Listing the VPS.org servers works again after %d failed poll(s)", failures)
            failures = 0
        if known is None:
            events = existing_events(current, settings["statuses"]) if settings["initial_events"] else []
        else:
            events = server_events(known, current, settings["statuses"])
        known = current
        logger.debug("Poll: %d server(s), %d request(s), %d event(s)", len(current), client.request_count - requests_before,
                     len(events))
        for event in events:
            await queue.put(event)
        await asyncio.sleep(settings["interval"])
