# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP client of the VPS.org servers API, shared by every plugin of vpsorg.cloud.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.

The client knows nothing of Ansible. It takes plain arguments and raises the exceptions
of ``_errors`` (import them from there); modules turn them into ``fail_json`` and the inventory plugin into
``AnsibleError``.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from urllib.parse import parse_qsl, urlencode, urlsplit

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import (
    VpsApiError,
    VpsError,
    VpsNotFoundError,
    VpsOutcomeUnknownError,
    VpsSetupError,
    VpsTimeoutError,
    VpsTransportError,
    BRIEF_BODY_CHARS,
    api_error_message,
    tls_setup_message,
    token_refused_hint,
)
from ansible_collections.vpsorg.cloud.plugins.module_utils._pacer import RequestPacer
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import (
    DEFAULT_API_URL,
    DEFAULTS,
    RETRY_AFTER_MAX,
    RETRY_MAX_TIME,
    api_url_problem,
    ca_path_problem,
)

COLLECTION_NAME = "vpsorg.cloud"
COLLECTION_VERSION = "0.2.0"
SERVERS_PATH = "/api/v1/servers/"
# The simulator and the DRF paginator this API resembles cap page_size at 1000; asking for
# the maximum keeps a 10,000-server listing at 10 requests.
MAX_PAGE_SIZE = 1000
# How often a listing is read when servers are deleted while its pages are read.
LISTING_ATTEMPTS = 5

RETRYABLE_STATUSES = frozenset((429, 502, 503, 504))
# What stands for the token where an answer repeats it (ansible-core's placeholder for no_log values before 2.22).
TOKEN_PLACEHOLDER = "********"
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "PATCH", "DELETE"))


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _refused_before_sending(exc):
    """True when the connection was never established, so the server processed nothing."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        # A VpsError in the chain is an earlier failure this request was sent while handling (a lost create being
        # checked): it says nothing about this connection, and its ``reason`` is text.
        if not isinstance(current, BaseException) or isinstance(current, VpsError) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or type(current).__name__ == "NewConnectionError":
            return True
        pending.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        pending.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return False


if HAS_REQUESTS:
    class _BearerAuth(requests.auth.AuthBase):
        """Sets the Authorization header. Explicit auth also stops requests from reading ~/.netrc."""

        def __init__(self, token):
            self._token = token

        def __call__(self, prepared):
            prepared.headers["Authorization"] = "Bearer " + self._token
            return prepared

        def __repr__(self):
            return "<BearerAuth token=***>"


class VpsClient:
    """One keep-alive session to the VPS.org API.

    Its connection arguments and their defaults are those of the settings table (``_settings.client_arguments``).
    ``retries`` is how many times a safe request is sent again after a retryable failure;
    ``retry_max_time`` bounds the whole of one call, waits included; ``retry_after_max`` caps a Retry-After.
    """

    def __init__(self, api_token, api_url=DEFAULT_API_URL, timeout=DEFAULTS["api_timeout"], retries=DEFAULTS["api_retries"],
                 validate_certs=DEFAULTS["validate_certs"], ca_path=None, retry_max_time=RETRY_MAX_TIME, backoff_base=0.5,
                 backoff_max=10.0, retry_after_max=RETRY_AFTER_MAX,
                 log=None, session=None, sleep=time.sleep, clock=time.monotonic, rng=None, pacer=None, token_source=None):
        if not HAS_REQUESTS:
            raise VpsError("the Python library 'requests' is required")
        if not api_token:
            raise VpsError("no API token given")
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        problem = api_url_problem(self.api_url)
        if problem:
            raise VpsError(problem)
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.retry_max_time = retry_max_time
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        if isinstance(self.verify, str) and urlsplit(self.api_url).scheme == "https":
            problem = ca_path_problem(self.verify)
            if problem:
                raise VpsSetupError(problem)
        self.request_count = 0
        self.retry_count = 0
        self._log = log
        self._sleep = sleep
        self._clock = clock
        self._random = rng or random.Random()
        # Shared by every client of one run (the threads of vps_fleet), so a 429 slows all of them down.
        self.pacer = pacer if pacer is not None else RequestPacer(clock=clock, sleep=sleep)
        self._token_source = token_source
        self._token_forms = _text_forms(api_token)
        self._session = session if session is not None else requests.Session()
        self._session.auth = _BearerAuth(api_token)
        self._session.headers.update({
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "%s/%s python-requests/%s" % (COLLECTION_NAME, COLLECTION_VERSION, requests.__version__),
        })
        if session is None:
            self._session.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=4))
            self._session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=4))

    def __repr__(self):
        return "<VpsClient %s>" % self.api_url

    def close(self):
        self._session.close()

    # The nine endpoints of the API.

    def list_servers(self, status=None, location=None, page_size=MAX_PAGE_SIZE):
        """Every server of the account, following ``next`` links over all pages.

        A server deleted (or filtered out) while the pages are read shifts the later pages back and hides
        another server; every page carries the total ``count``, so when it shrinks between pages (or the next
        page is gone) the list is read again. A server created meanwhile can shift one forward into the next
        page: it is kept once.
        """
        params = {"page_size": page_size}
        if status:
            params["status"] = status
        if location:
            params["location"] = location
        for _attempt in range(LISTING_ATTEMPTS):
            servers, shrank = self._read_pages(params)
            if not shrank:
                return _unique_by_id(servers)
        raise VpsApiError("GET", SERVERS_PATH, 200, "servers were deleted while the list was read page by page, %d times in a row; "
                          "try again" % LISTING_ATTEMPTS, body=None)

    def _read_pages(self, params):
        """The servers of every page, and whether the total ``count`` shrank from one page to a later one.

        A page that fails (after the retries) fails the whole listing, never returns the pages before it: the
        error names the page (its number and query, and the servers read before it) when it is not the first
        page of an unfiltered listing, whose ``GET /api/v1/servers/`` needs no more words.
        """
        servers, counts = [], []
        path, seen = SERVERS_PATH, set()
        first_page_size = None
        while True:
            try:
                page = self.request("GET", path, params=params)
            except VpsNotFoundError as exc:
                if not seen:
                    raise self._named_page(exc, 1, params, servers, counts, first_page_size)
                # The page a 'next' link named is gone ("Invalid page."): the list shrank meanwhile.
                return servers, True
            except VpsError as exc:
                raise self._named_page(exc, len(seen) + 1, params, servers, counts, first_page_size)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                error = VpsApiError("GET", path, 200, "expected a list answer with 'results', got %s" % _brief_json(page), body=page)
                raise self._named_page(error, len(seen) + 1, params, servers, counts, first_page_size)
            if first_page_size is None:
                first_page_size = len(page["results"])
            servers.extend(item for item in page["results"] if isinstance(item, dict))
            if isinstance(page.get("count"), int):
                counts.append(page["count"])
            next_url = page.get("next")
            if not next_url:
                return servers, any(later < earlier for earlier, later in zip(counts, counts[1:]))
            if next_url in seen:
                raise VpsApiError("GET", path, 200, "pagination loops: 'next' points back to a page already read", body=None)
            seen.add(next_url)
            path, params = self._same_origin_path(next_url)

    def _named_page(self, error, number, params, servers, counts, first_page_size):
        """``error`` led by the page of the listing it failed on: "page 5 of 10 (page=5&page_size=1000), after 4000 of
        10000 servers". The first page of an unfiltered listing (only ``page_size`` in its query) is left unnamed."""
        if set(params) <= {"page_size"}:
            return error
        page = "page %d" % number
        if counts and first_page_size:
            page += " of %d" % max(1, -(-counts[0] // first_page_size))
        page += " of the listing (%s)" % self._without_token(urlencode(sorted((str(key), str(value)) for key, value in params.items())))
        if servers:
            page += ", after %d%s servers" % (len(servers), " of %d" % counts[-1] if counts else "")
        return error.in_context(page)

    def get_server(self, server_id):
        return self._expect_object("GET", server_path(server_id))

    def create_server(self, fields):
        return self._expect_object("POST", SERVERS_PATH, body=fields)

    def replace_server(self, server_id, fields):
        return self._expect_object("PUT", server_path(server_id), body=fields)

    def update_server(self, server_id, fields):
        return self._expect_object("PATCH", server_path(server_id), body=fields)

    def delete_server(self, server_id):
        self.request("DELETE", server_path(server_id))

    def start_server(self, server_id):
        return self._expect_object("POST", server_path(server_id) + "start/")

    def stop_server(self, server_id):
        return self._expect_object("POST", server_path(server_id) + "stop/")

    def reboot_server(self, server_id):
        return self._expect_object("POST", server_path(server_id) + "reboot/")

    # Transport.

    def request(self, method, path, params=None, body=None):
        """Send one API call with the retry policy; return the parsed JSON answer (None when empty)."""
        url = self.api_url + path
        started = self._clock()
        queued = own_pause = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.request_count += 1
            asked = self._clock()
            sent_at = self.pacer.acquire()
            # Waiting for the run's turn is not part of this call's retry budget; its own retry delay is.
            queued += max(0.0, self._clock() - asked - own_pause)
            own_pause = 0.0
            try:
                response = self._session.request(method, url, params=params, json=body, timeout=self.timeout, verify=self.verify)
            except requests.exceptions.SSLError as exc:
                self.pacer.release(sent_at)
                raise VpsTransportError(method, path, "TLS error: %s" % _first_line(exc)) from None
            # An answer cut off in its body (ChunkedEncodingError) is a dropped connection too: the call was sent.
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                self.pacer.release(sent_at)
                timed_out = isinstance(exc, requests.exceptions.Timeout)
                reason = ("no answer within %ss" % self.timeout) if timed_out else "connection failed: %s" % _first_line(exc)
                safe = method in IDEMPOTENT_METHODS or _refused_before_sending(exc)
                if not safe:
                    raise VpsOutcomeUnknownError(method, path, reason, in_flight=timed_out) from None
                delay = self._retry_delay(attempt, started + queued, None)
                if delay is None:
                    error_class = VpsTimeoutError if timed_out else VpsTransportError
                    raise error_class(method, path, reason, attempts=attempt) from None
                self._note_retry(method, path, reason, delay)
                continue
            except OSError as exc:
                self.pacer.release(sent_at)
                if isinstance(exc, requests.exceptions.RequestException):
                    raise
                # No connection error: requests could not set TLS up (its CA bundle cannot be read), so nothing was sent.
                ca_path = self.verify if isinstance(self.verify, str) else None
                raise VpsSetupError(tls_setup_message(ca_path, _first_line(exc)), method, path) from None
            except BaseException:
                self.pacer.release(sent_at)
                raise
            status = response.status_code
            if self._log:
                self._log("%s %s -> %s (attempt %d)" % (method, path, status, attempt))
            retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in (429, 503) else None
            if status not in RETRYABLE_STATUSES:
                self.pacer.release(sent_at)
                return self._decode(method, path, response, attempt)
            if method not in IDEMPOTENT_METHODS and status != 429:
                self.pacer.release(sent_at, pause=retry_after)
                raise VpsOutcomeUnknownError(method, path, "answered %s" % status, status=status)
            delay = self._retry_delay(attempt, started + queued, retry_after)
            # A 429, or a 503 that says when to come back, is about the whole run: every thread waits.
            run_wide = status == 429 or retry_after is not None
            pause = (retry_after if delay is None else delay) if run_wide else None
            self.pacer.release(sent_at, throttled=status == 429, pause=pause)
            if delay is None:
                return self._decode(method, path, response, attempt)
            self._note_retry(method, path, "answered %s" % status, delay, sleep=not run_wide)
            own_pause = pause or 0.0

    def _decode(self, method, path, response, attempt):
        status = response.status_code
        text = response.text
        if status >= 400:
            text = self._without_token(text)
        try:
            data = json.loads(text) if text.strip() else None
            is_json = True
        except ValueError:
            data, is_json = None, False
        if status >= 400:
            error_class = VpsNotFoundError if status == 404 else VpsApiError
            message = api_error_message(data, text, response.reason)
            hint = token_refused_hint(self._token_source) if status == 401 else None
            raise error_class(method, path, status, message, body=data if is_json else _brief_text(text), attempts=attempt, hint=hint)
        if not is_json:
            if method == "DELETE":
                return None
            if method == "POST":
                raise VpsOutcomeUnknownError(method, path, "answered %s with a body that is not JSON" % status, status=status)
            text = self._without_token(text)
            raise VpsApiError(method, path, status, "expected JSON, got %s" % api_error_message(None, text), body=_brief_text(text))
        return data

    def _without_token(self, text):
        """The text of an answer that becomes an error, with the token taken out wherever it repeats it.

        An error answer may echo the request (a proxy's error page, "invalid token <...>"), and its text goes into
        messages and the failure of a module's result. ansible-core before 2.22 replaced the token (a no_log value)
        in module results; 2.22 leaves results as they are and only masks what it shows, so the client takes it out.
        """
        for form in self._token_forms:
            if form in text:
                text = text.replace(form, TOKEN_PLACEHOLDER)
        return text

    def _expect_object(self, method, path, body=None):
        data = self.request(method, path, body=body)
        if not isinstance(data, dict):
            if method == "POST":
                raise VpsOutcomeUnknownError(method, path, "answered without a JSON object: %s" % _brief_json(data))
            raise VpsApiError(method, path, 200, "expected a JSON object, got %s" % _brief_json(data), body=data)
        return data

    def _retry_delay(self, attempt, started, retry_after):
        """Seconds to wait before the next attempt, or None when the retry budget is spent."""
        if attempt > self.retries:
            return None
        if retry_after is not None:
            delay = min(retry_after, self.retry_after_max)
        else:
            ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
            delay = ceiling / 2 + self._random.uniform(0, ceiling / 2)
        if self._clock() - started + delay > self.retry_max_time:
            return None
        return delay

    def _note_retry(self, method, path, reason, delay, sleep=True):
        """Count and log a retry; sleep here unless the pacer makes every thread wait (sleep=False)."""
        self.retry_count += 1
        if self._log:
            self._log("%s %s %s; retrying in %.1fs" % (method, path, reason, delay))
        if sleep:
            self._sleep(delay)

    def _same_origin_path(self, next_url):
        """Path and query of a ``next`` link, always sent to our own api_url.

        Following the link's host would hand the bearer token to whatever host the answer
        names; a proxy that rewrites the scheme would also break an absolute link.
        """
        parts = urlsplit(next_url)
        path = parts.path or SERVERS_PATH
        base_path = urlsplit(self.api_url).path
        if base_path and path.startswith(base_path + "/"):
            path = path[len(base_path):]
        return path, dict(parse_qsl(parts.query, keep_blank_values=True))


def _text_forms(secret):
    """The ways ``secret`` can be written in the text of an answer, longest first: as it is, and escaped in JSON."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms.update([form.replace("/", "\\/") for form in forms])
    return sorted(forms, key=len, reverse=True)


def _unique_by_id(servers):
    """The servers in their order, each id once (a server without an integer id is kept as it is)."""
    unique, ids = [], set()
    for server in servers:
        server_id = server.get("id")
        if isinstance(server_id, int):
            if server_id in ids:
                continue
            ids.add(server_id)
        unique.append(server)
    return unique


def server_path(server_id):
    return "%s%d/" % (SERVERS_PATH, int(server_id))


def _first_line(exc):
    """The innermost cause of a requests error, briefly: "Connection refused", not the pool's wrapping."""
    while True:
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) and exc.args and isinstance(exc.args[-1], BaseException):
            inner = exc.args[-1]
        if not isinstance(inner, BaseException):
            break
        exc = inner
    text = str(exc).strip().splitlines()
    text = text[0] if text else type(exc).__name__
    # urllib3 prefixes the connection's repr ("HTTPConnection(host=..., port=...): ..."); the path is in our message already.
    if text.startswith(("HTTPConnection(", "HTTPSConnection(")) and "): " in text:
        text = text.split("): ", 1)[1]
    return text[:BRIEF_BODY_CHARS]


def _brief_text(text):
    brief = " ".join((text or "").split())
    return brief[:BRIEF_BODY_CHARS]


def _brief_json(data):
    return _brief_text(json.dumps(data)) if data is not None else "an empty answer"
