"""The one shape every handler returns: status, headers and body bytes."""

import json


class Answer:
    """An HTTP answer to send; ``body`` is bytes, or None for an answer without body (204)."""

    def __init__(self, status, body=None, content_type="application/json", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})

    @classmethod
    def json(cls, status, data, headers=None):
        body = json.dumps(data, separators=(",", ":")).encode("utf-8")
        return cls(status, body, "application/json", headers)

    @classmethod
    def detail(cls, status, message, headers=None):
        """Django REST framework's error shape: {"detail": "..."}."""
        return cls.json(status, {"detail": message}, headers)

    @classmethod
    def empty(cls, status=204, headers=None):
        return cls(status, None, None, headers)
