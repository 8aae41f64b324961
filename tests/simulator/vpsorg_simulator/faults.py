"""Fault injection: rules that make /api/v1/ requests fail the way real networks and proxies do.

A rule is a JSON object::

    {"kind": "status", "status": 503, "rate": 0.3, "method": "POST", "path": "^/api/v1/servers/$"}

``rate`` fires with that probability per matching request, ``count`` fires on the next N
matching requests and then never again; with both, a rule fires on at most ``count`` of the
requests its ``rate`` picks; with neither it fires every time. ``method``, ``path``
(a regular expression searched in the path, without the query) and ``query`` (one searched in
the query string as sent, such as ``(^|&)page=5(&|$)`` for page 5 of a listing) narrow which
requests match.
Rules are tried in order; the first that fires wins. The random numbers come from one
seeded ``random.Random`` so a run with the same seed and the same requests fails the same way.
A 'lost_answer' rule with ``commit_delay`` hands the request to latecommit.py instead of
processing it before the answer.
"""

import math
import random
import re
import threading
import time
from email.utils import formatdate

from .answer import Answer
from .errors import ControlError

FAULT_KINDS = ("status", "drop", "latency", "lost_answer")
RULE_KEYS = frozenset((
    "kind", "rate", "count", "method", "path", "query", "status", "retry_after", "retry_after_format", "seconds", "drop", "commit_delay",
))
# A late commit further away than this is surely a mistake (and too long for threading.Timer).
MAX_COMMIT_DELAY = 86400.0

# What a reverse proxy in front of the application answers; deliberately not JSON.
PROXY_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
PROXY_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}
# Django's production error page when the application itself crashes.
DJANGO_SERVER_ERROR_PAGE = "<h1>Server Error (500)</h1>"


def _number(raw, key, minimum=0.0, maximum=None):
    value = raw[key]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not is_number or value < minimum or (maximum is not None and value > maximum):
        limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ControlError(f"Fault rule {key!r} must be a number {limits}, got {value!r}.")
    return value


def _pattern(raw, key):
    """The compiled regular expression of ``key`` (path or query), or None when the rule has none."""
    if key not in raw:
        return None
    try:
        return re.compile(raw[key])
    except (re.error, TypeError) as error:
        raise ControlError(f"Fault rule {key!r} is not a valid regular expression: {error}") from error


def parse_rule(raw):
    """Check one rule and return it in the form the injector uses."""
    if not isinstance(raw, dict):
        raise ControlError("Each fault rule must be a JSON object.")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise ControlError(f"Unknown fault rule key(s) {sorted(unknown)}; known: {sorted(RULE_KEYS)}.")
    kind = raw.get("kind")
    if kind not in FAULT_KINDS:
        raise ControlError(f"Fault rule 'kind' must be one of {', '.join(FAULT_KINDS)}; got {kind!r}.")
    if not isinstance(raw.get("method", ""), str):
        raise ControlError("Fault rule 'method' must be a string such as \"POST\".")
    rule = {
        "kind": kind,
        "rate": float(_number(raw, "rate", 0.0, 1.0)) if "rate" in raw else None,
        "remaining": int(_number(raw, "count")) if "count" in raw else None,
        "method": raw["method"].upper() if "method" in raw else None,
        "path": _pattern(raw, "path"),
        "query": _pattern(raw, "query"),
        "status": raw.get("status", 502 if kind == "lost_answer" else 503),
        "retry_after": raw.get("retry_after", 1),
        "retry_after_format": raw.get("retry_after_format", "seconds"),
        "seconds": _number(raw, "seconds") if "seconds" in raw else 1.0,
        "drop": bool(raw.get("drop", False)),
        "commit_delay": _number(raw, "commit_delay", 0.0, MAX_COMMIT_DELAY) if "commit_delay" in raw else None,
        "spec": dict(raw),
    }
    if rule["commit_delay"] is not None and kind != "lost_answer":
        raise ControlError(f"Fault rule 'commit_delay' is only for kind 'lost_answer', not {kind!r}.")
    status = rule["status"]
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ControlError(f"Fault rule 'status' must be an HTTP error status (400-599), got {status!r}.")
    retry_after = rule["retry_after"]
    if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
        raise ControlError(f"Fault rule 'retry_after' must be a whole number of seconds >= 0, got {retry_after!r}.")
    if rule["retry_after_format"] not in ("seconds", "http-date"):
        raise ControlError("Fault rule 'retry_after_format' must be 'seconds' or 'http-date'.")
    return rule


def throttled_answer(wait, http_date=False):
    """DRF's 429 for a wait of ``wait`` whole seconds, with Retry-After in seconds or as an HTTP date."""
    retry_after = formatdate(time.time() + wait, usegmt=True) if http_date else str(wait)
    message = f"Request was throttled. Expected available in {wait} second{'' if wait == 1 else 's'}."
    return Answer.detail(429, message, headers={"Retry-After": retry_after})


def fault_answer(rule):
    """The answer a 'status' rule (or a 'lost_answer' rule without drop) sends."""
    status = rule["status"]
    if status == 429:
        return throttled_answer(rule["retry_after"], rule["retry_after_format"] == "http-date")
    if status in PROXY_REASONS:
        page = PROXY_PAGE.format(code=status, reason=PROXY_REASONS[status])
        return Answer(status, page.encode("ascii"), "text/html")
    if status == 500:
        return Answer(500, DJANGO_SERVER_ERROR_PAGE.encode("ascii"), "text/html; charset=utf-8")
    return Answer.detail(status, "Injected fault.")


class FaultInjector:
    """Holds the active rules and the seeded random generator; safe to use from many threads."""

    def __init__(self, seed=0):
        self.default_seed = seed
        self.lock = threading.Lock()
        self.rules = []
        self.seed = seed
        self.random = random.Random(seed)

    def set_rules(self, raw_rules, seed=None):
        """Replace all rules; the generator restarts from ``seed`` (default: the start-up seed)."""
        if not isinstance(raw_rules, list):
            raise ControlError("'rules' must be a list of fault rules.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError("'seed' must be an integer.")
        rules = [parse_rule(raw) for raw in raw_rules]
        with self.lock:
            self.rules = rules
            self.seed = self.default_seed if seed is None else seed
            self.random = random.Random(self.seed)

    def clear(self):
        self.set_rules([])

    def describe(self):
        with self.lock:
            rules = [dict(rule["spec"], remaining=rule["remaining"]) for rule in self.rules]
            return {"rules": rules, "seed": self.seed}

    def choose(self, method, path, query=""):
        """The rule that fires for this request (``query``: its raw query string), or None. Counts and draws happen here."""
        with self.lock:
            for rule in self.rules:
                if rule["method"] is not None and rule["method"] != method:
                    continue
                if rule["path"] is not None and not rule["path"].search(path):
                    continue
                if rule["query"] is not None and not rule["query"].search(query):
                    continue
                if rule["rate"] is not None and self.random.random() >= rule["rate"]:
                    continue
                if rule["remaining"] is not None:
                    if rule["remaining"] < 1:
                        continue
                    rule["remaining"] -= 1
                return rule
            return None
