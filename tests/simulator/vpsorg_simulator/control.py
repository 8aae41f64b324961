"""The control API under /_sim/: lets tests set up state, inject faults and look inside.

It needs no token and is never subject to fault injection.
"""

import json

from .answer import Answer
from .errors import ControlError


def _json_body(body):
    if not body.strip():
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ControlError(f"The body is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ControlError("The body must be a JSON object.")
    return data


def _since(query):
    try:
        return int(query.get("since", 0))
    except ValueError as error:
        raise ControlError("'since' must be an integer.") from error


def health(app, _query, _body):
    return {"ok": True, "servers": app.store.server_count()}


def request_log(app, query, _body):
    return app.recorder.log_since(_since(query))


def stats(app, _query, _body):
    counters = app.recorder.stats()
    counters["servers"] = app.store.server_count()
    return counters


def reset(app, _query, body):
    app.reset(keep_config=bool(_json_body(body).get("keep_config", False)))
    return {"reset": True, "config": app.store.current_config()}


def seed(app, _query, body):
    spec = _json_body(body)
    return_servers = bool(spec.pop("return_servers", False))
    ids = app.store.seed(spec)
    answer = {"created": len(ids), "ids": ids}
    if return_servers:
        answer["servers"] = app.store.internal_views(ids)
    return answer


def get_config(app, _query, _body):
    return app.store.current_config()


def set_config(app, _query, body):
    return app.configure(_json_body(body))


def servers(app, _query, _body):
    return {"servers": app.store.all_servers()}


def get_faults(app, _query, _body):
    return app.faults.describe()


def set_faults(app, _query, body):
    data = _json_body(body)
    app.faults.set_rules(data.get("rules", []), data.get("seed"))
    return app.faults.describe()


def clear_faults(app, _query, _body):
    app.faults.clear()
    return app.faults.describe()


ROUTES = {
    "/_sim/health": {"GET": health},
    "/_sim/log": {"GET": request_log},
    "/_sim/stats": {"GET": stats},
    "/_sim/reset": {"POST": reset},
    "/_sim/seed": {"POST": seed},
    "/_sim/config": {"GET": get_config, "POST": set_config},
    "/_sim/servers": {"GET": servers},
    "/_sim/faults": {"GET": get_faults, "POST": set_faults, "DELETE": clear_faults},
}


def handle_control(app, method, path, query, body):
    """Answer a /_sim/ request; a trailing slash is optional here."""
    handlers = ROUTES.get(path.rstrip("/"))
    if handlers is None:
        return Answer.detail(404, "Not found.")
    handler = handlers.get("GET" if method == "HEAD" else method)
    if handler is None:
        return Answer.detail(405, f'Method "{method}" not allowed.', {"Allow": ", ".join(handlers)})
    try:
        return Answer.json(201 if handler is seed else 200, handler(app, query, body))
    except ControlError as error:
        return Answer.detail(400, str(error))
