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

import http.client
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORWARDED_HEADERS = ("Authorization", "Content-Type", "Accept")


class AnswerProxy:
    def __init__(self, upstream_url, rewrite):
        upstream = urllib.parse.urlsplit(upstream_url)
        if upstream.hostname != "127.0.0.1":
            raise ValueError("the proxy only forwards to the simulator on 127.0.0.1")
        self.upstream = (upstream.hostname, upstream.port)
        self.rewrite = rewrite
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                """Quiet."""

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name: self.headers[name] for name in FORWARDED_HEADERS if self.headers.get(name)}
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    connection.request(self.command, self.path, body=body or None, headers=headers)
                    answer = connection.getresponse()
                    status, content_type, payload = answer.status, answer.getheader("Content-Type", ""), answer.read()
                finally:
                    connection.close()
                if "json" in content_type and payload:
                    path = urllib.parse.urlsplit(self.path).path
                    data = proxy.rewrite(self.command, path, status, json.loads(payload))
                    payload = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

        return Handler
