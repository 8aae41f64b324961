"""The HTTP layer: reads requests, applies the rate limit and fault rules, sends answers (or drops the connection).

Built on http.server so that the simulator needs nothing outside the standard library and
so that a fault can do what a real network does: close the socket without any answer.
"""

import math
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .answer import Answer
from .api import WRITE_METHODS, ApiRequest
from .control import handle_control
from .faults import fault_answer, throttled_answer

API_PREFIX = "/api/v1/"
CONTROL_PREFIX = "/_sim/"
MAX_BODY_BYTES = 10 * 1024 * 1024


class BadRequest(Exception):
    """The request itself cannot be read (bad framing); answered 400 and the connection closed."""


class SimulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its Application."""

    daemon_threads = True  # open keep-alive connections must not keep the process alive
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address, app):
        super().__init__(address, SimulatorRequestHandler)
        self.app = app


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    """One instance per connection; HTTP/1.1 so clients can keep the connection alive."""

    protocol_version = "HTTP/1.1"
    server_version = "VPSorgSimulator/1.0"
    timeout = 300  # seconds an idle keep-alive connection may stay open
    # Headers and body go out in one segment, sent at once: without these, Nagle's algorithm
    # and the client's delayed ACK add about 40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    wbufsize = -1

    def __getattr__(self, name):
        # http.server looks up do_<METHOD>. Every method, even one it has never heard of
        # (QUERY, FOO), goes to the router, which answers 405 like DRF instead of 501.
        if name.startswith("do_"):
            return self.handle_request
        raise AttributeError(name)

    def version_string(self):
        return self.server_version

    def log_request(self, code="-", size="-"):
        """Silence the default access log; handle_request writes its own, shorter line."""

    # "format" is the base class's parameter name.
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if not self.server.app.quiet:
            sys.stderr.write(f"simulator: {format % args}\n")

    def handle_request(self):
        started = time.monotonic()
        url = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            body = self._read_body()
        except BadRequest as error:
            self.close_connection = True
            self._send(Answer.detail(400, str(error)))
            return
        try:
            if url.path.startswith(API_PREFIX):
                self._handle_api(url.path, url.query, query, body, started)
            elif url.path.startswith(CONTROL_PREFIX):
                self._send(handle_control(self.server.app, self.command, url.path, query, body))
            else:
                self._send(Answer.detail(404, "Not found."))
        # A bug in the simulator must answer 500, not leave the client hanging.
        except Exception:  # pylint: disable=broad-exception-caught
            traceback.print_exc()
            self.close_connection = True
            self._send(Answer.detail(500, "Simulator error; see its standard error."))

    def _handle_api(self, path, raw_query, query, body, started):
        app = self.server.app
        # The rate limiter comes first: a throttled request reaches neither the fault rules nor the API.
        wait = app.limiter.take(self.headers.get("Authorization"))
        if wait:
            kind, answer, committed = "rate_limit", throttled_answer(max(1, math.ceil(wait))), False
        else:
            rule = app.faults.choose(self.command, path, raw_query)
            kind = rule["kind"] if rule else None
            answer, committed = self._api_answer(rule, path, query, body)
        status = answer.status if answer else None
        # Recorded before answering: a client that has its answer must find it in the log.
        app.recorder.record(self.command, path, raw_query, status, kind, committed)
        if answer is None:
            self.close_connection = True  # close without a single byte of answer
        else:
            self._send(answer)
        if not app.quiet:
            elapsed_ms = (time.monotonic() - started) * 1000
            shown_path = f"{path}?{raw_query}" if raw_query else path
            fault_note = f" [fault: {kind}]" if kind else ""
            sys.stderr.write(f"simulator: {self.command} {shown_path} -> {status or 'dropped'}{fault_note} {elapsed_ms:.1f} ms\n")

    def _api_answer(self, rule, path, query, body):
        """Return (the answer, or None to drop the connection; whether a write took effect)."""
        kind = rule["kind"] if rule else None
        if kind == "status":
            return fault_answer(rule), False  # the request never reaches the application
        if kind == "drop":
            return None, False
        if kind == "latency":
            time.sleep(rule["seconds"])
        listen_host, listen_port = self.server.server_address[:2]
        host = self.headers.get("Host") or f"{listen_host}:{listen_port}"
        request = ApiRequest(self.command, path, query, self.headers.get("Authorization"), body, f"http://{host}")
        if kind == "lost_answer" and rule["commit_delay"] is not None:
            # The answer goes missing now and the write lands later, as behind a proxy that gave up waiting.
            self.server.app.late_commits.schedule(rule["commit_delay"], request)
            return (None if rule["drop"] else fault_answer(rule)), False
        answer = self.server.app.api.handle(request)
        committed = self.command in WRITE_METHODS and 200 <= answer.status < 300
        if kind == "lost_answer":
            # The write is done; only its answer goes missing, as behind a failing proxy.
            return (None if rule["drop"] else fault_answer(rule)), committed
        return answer, committed

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as error:
            raise BadRequest("Invalid Content-Length header.") from error
        if length < 0 or length > MAX_BODY_BYTES:
            raise BadRequest("Content-Length out of range.")
        return self.rfile.read(length) if length else b""

    def _read_chunked_body(self):
        chunks = []
        total = 0
        while True:
            try:
                size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
            except ValueError as error:
                raise BadRequest("Invalid chunked body.") from error
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # skip trailer fields
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise BadRequest("Body too large.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def _send(self, answer):
        try:
            self.send_response(answer.status)
            if answer.body is not None:
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
            elif answer.status != 204:
                self.send_header("Content-Length", "0")
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if answer.body is not None and self.command != "HEAD":
                self.wfile.write(answer.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client went away; nothing more to do
