# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-ins at the level of requests.Session, shared by the client's and the inventory plugin's unit tests.

The client under test runs unchanged on top of them: retries, pagination and error mapping are real.
"""

from __future__ import annotations

import json

import requests


def make_response(status, body=None, text=None, headers=None, reason=""):
    response = requests.Response()
    response.status_code = status
    if text is None:
        text = "" if body is None else json.dumps(body)
    response._content = text.encode()
    response.headers.update(headers or {})
    response.reason = reason
    return response


class FakeSession:
    """Stands in for requests.Session: replays queued answers and records every call."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []
        self.headers = {}
        self.auth = None

    def mount(self, prefix, adapter):
        raise AssertionError("a given session must not be re-mounted")

    def request(self, method, url, params=None, json=None, timeout=None, verify=None):
        prepared = requests.Request(method, url, params=params, json=json, headers=dict(self.headers)).prepare()
        self.auth(prepared)
        self.calls.append({"method": method, "url": url, "params": params, "json": json, "timeout": timeout,
                           "verify": verify, "headers": dict(prepared.headers)})
        if not self.answers:
            raise AssertionError("unexpected request %s %s" % (method, url))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def close(self):
        pass
