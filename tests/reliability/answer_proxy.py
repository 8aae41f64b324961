# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A reverse proxy on 127.0.0.1 in front of the simulator that rewrites the API's answers.

The simulator always answers in the documented shape; a real API version may add fields, leave
optional ones out, or answer 200 with an empty or non-JSON body. This proxy lets the plugins meet
exactly that, end to end, without changing the simulator:

    with AnswerProxy(sim.url, rewrite) as proxy:   # rewrite(method, path, status, data) -> data or bytes
        ... point api_url at proxy.url ...

Standard library only; the upstream is always the simulator on 127.0.0.1.
"""

from __future__ import annotations

import json
import urllib.parse

# On sys.path through the pythonpath setting of pytest.ini.
from loopback_proxy import LoopbackProxy  # pylint: disable=import-error


class AnswerProxy(LoopbackProxy):
    def __init__(self, upstream_url, rewrite):
        super().__init__(upstream_url)
        self.rewrite = rewrite

    def answer(self, method, path, body, headers):
        status, answer_headers, payload = self.forward(method, path, body, headers)
        if "json" in answer_headers.get("Content-Type", "") and payload:
            data = self.rewrite(method, urllib.parse.urlsplit(path).path, status, json.loads(payload))
            payload = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
        answer_headers.setdefault("Content-Type", "application/json")
        return status, answer_headers, payload
