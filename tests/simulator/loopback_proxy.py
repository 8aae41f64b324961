"""A reverse proxy on 127.0.0.1 in front of the simulator, for tests that must see or change the traffic.

    class Recording(LoopbackProxy):
        def answer(self, method, path, body, headers):
            status, answer_headers, payload = self.forward(method, path, body, headers)
            ...
            return status, answer_headers, payload

    with Recording(sim.url) as proxy:
        ... point api_url at proxy.url ...

Subclasses decide what each request gets by overriding ``answer``; the default forwards it unchanged.
Used by tests/reliability/answer_proxy.py (answers rewritten) and tests/integration/test_live_smoke.py
(a gateway that plays a remote endpoint). Standard library only; the upstream is always the simulator on
127.0.0.1.
"""

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORWARDED_ANSWER_HEADERS = ("Content-Type", "Retry-After", "Allow", "WWW-Authenticate")
NO_BODY_STATUSES = (204, 304)


class LoopbackProxy:
    # The request headers passed on to the simulator.
    forwarded_request_headers = ("Authorization", "Content-Type", "Accept")

    def __init__(self, upstream_url):
        upstream = urllib.parse.urlsplit(upstream_url)
        if upstream.hostname != "127.0.0.1":
            raise ValueError("the proxy only forwards to the simulator on 127.0.0.1")
        self.upstream = (upstream.hostname, upstream.port)
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

    def answer(self, method, path, body, headers):
        """(status, answer headers, payload) for one request; by default the simulator's own answer."""
        return self.forward(method, path, body, headers)

    def forward(self, method, path, body, headers):
        """Send the request to the simulator; return (status, answer headers, payload)."""
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            kept = {name: answer.getheader(name) for name in FORWARDED_ANSWER_HEADERS if answer.getheader(name)}
            return answer.status, kept, answer.read()
        finally:
            connection.close()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                """Quiet."""

            def handle_one(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name: self.headers[name] for name in proxy.forwarded_request_headers if self.headers.get(name)}
                status, answer_headers, payload = proxy.answer(self.command, self.path, body, headers)
                self.send_response(status)
                for name, value in answer_headers.items():
                    self.send_header(name, value)
                if status not in NO_BODY_STATUSES:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if status not in NO_BODY_STATUSES:
                    self.wfile.write(payload)

            def __getattr__(self, name):
                # Every method (GET, POST, PATCH, HEAD, ...) goes to handle_one.
                if name.startswith("do_"):
                    return self.handle_one
                raise AttributeError(name)

        return Handler
