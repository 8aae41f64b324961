"""The VPS.org API itself: authentication, routing and the nine endpoints under /api/v1/servers/.

Errors follow Django REST framework, which the real service appears to use: authentication
comes first (so an unknown path without a token is 401, not 404), then the method (405 with
an ``Allow`` header), then the object (404), then the body (400).
"""

import json
import re

from .answer import Answer
from .errors import ApiError
from .pagination import InvalidPage, page_link
from .validation import validate_create, validate_update

LIST_PATH = re.compile(r"^/api/v1/servers/$")
DETAIL_PATH = re.compile(r"^/api/v1/servers/([^/]+)/$")
ACTION_PATH = re.compile(r"^/api/v1/servers/([^/]+)/(start|stop|reboot)/$")
SERVER_ID = re.compile(r"^[0-9]+$")

# Methods per route, in the order DRF lists them in "Allow" (HEAD comes with GET).
LIST_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
DETAIL_METHODS = ("GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ACTION_METHODS = ("POST", "OPTIONS")

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

NOT_PROVIDED = "Authentication credentials were not provided."
AUTHENTICATE_HEADER = {"WWW-Authenticate": 'Bearer realm="api"'}


class ApiRequest:
    """What the API needs to know about one request."""

    def __init__(self, method, path, query, authorization, body, base_url):
        self.method = method
        self.path = path
        self.query = query  # parameter name -> last value given, like Django's QueryDict.get
        self.authorization = authorization
        self.body = body
        self.base_url = base_url  # scheme://host:port, for the absolute pagination links


def authentication_error(authorization, token):
    """The 401 message for this Authorization header, or None when it carries the right token."""
    parts = (authorization or "").split()
    if not parts or parts[0].lower() != "bearer":
        return NOT_PROVIDED
    if len(parts) == 1:
        return "Invalid token header. No credentials provided."
    if len(parts) > 2:
        return "Invalid token header. Token string should not contain spaces."
    if parts[1] != token:
        return "Invalid token."
    return None


def _reject_constant(name):
    raise ValueError(f"Out of range float values are not JSON compliant: {name}")


def parse_json_object(body):
    """The request body as a dict; an empty body is an empty object, as in DRF."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, {"detail": f"JSON parse error - {error}"}) from error
    if not isinstance(data, dict):
        raise ApiError(400, {"detail": f"JSON parse error - Expected a JSON object, got {type(data).__name__}."})
    return data


def _server_id(text):
    # A non-numeric id cannot name a server: DRF's lookup answers 404 for it.
    if not SERVER_ID.match(text):
        raise ApiError(404, {"detail": "Not found."})
    return int(text)


class ServersApi:
    """Answers /api/v1/ requests from a Store."""

    def __init__(self, store):
        self.store = store

    def handle(self, request):
        message = authentication_error(request.authorization, self.store.token())
        if message:
            return Answer.detail(401, message, AUTHENTICATE_HEADER)
        for pattern, methods, view_name in (
            (LIST_PATH, LIST_METHODS, "Server List"),
            (DETAIL_PATH, DETAIL_METHODS, "Server Instance"),
            (ACTION_PATH, ACTION_METHODS, "Server Action"),
        ):
            match = pattern.match(request.path)
            if match:
                break
        else:
            return Answer.detail(404, "Not found.")
        allow = {"Allow": ", ".join(methods), "Vary": "Accept"}
        if request.method not in methods:
            return Answer.detail(405, f'Method "{request.method}" not allowed.', allow)
        if request.method == "OPTIONS":
            metadata = {"name": view_name, "description": "", "renders": ["application/json"], "parses": ["application/json"]}
            return Answer.json(200, metadata, allow)
        try:
            answer = self._dispatch(request, *match.groups())
        except ApiError as error:
            answer = Answer.json(error.status, error.body)
        answer.headers.update(allow)
        return answer

    def _dispatch(self, request, raw_id=None, action=None):
        method = "GET" if request.method == "HEAD" else request.method
        if raw_id is None:
            if method == "GET":
                return self.list_servers(request)
            return self.create_server(request)
        server_id = _server_id(raw_id)
        if action is not None:
            return Answer.json(200, self.store.power(server_id, action))
        if method == "GET":
            return Answer.json(200, self.store.get(server_id))
        if method == "DELETE":
            self.store.delete(server_id)
            return Answer.empty(204)
        return self.update_server(server_id, request, partial=method == "PATCH")

    def list_servers(self, request):
        query = request.query
        try:
            page = self.store.list_page(query.get("status"), query.get("location"), query.get("page"), query.get("page_size"))
        except InvalidPage:
            return Answer.detail(404, "Invalid page.")
        url = request.base_url + request.path
        number = page["page"]
        return Answer.json(200, {
            "count": page["count"],
            "next": page_link(url, query, number + 1) if number < page["last_page"] else None,
            "previous": page_link(url, query, number - 1) if number > 1 else None,
            "results": page["results"],
        })

    def create_server(self, request):
        fields, errors = validate_create(parse_json_object(request.body))
        if errors:
            return Answer.json(400, errors)
        return Answer.json(201, self.store.create(fields))

    def update_server(self, server_id, request, partial):
        # DRF looks the object up before it reads the body: a missing server is 404 even with a bad body.
        if not self.store.exists(server_id):
            raise ApiError(404, {"detail": "Not found."})
        fields, errors = validate_update(parse_json_object(request.body), partial)
        if errors:
            return Answer.json(400, errors)
        return Answer.json(200, self.store.update(server_id, fields))
