"""Command line entry point: parse options, serve until SIGTERM or SIGINT, then exit 0."""

import argparse
import os
import secrets
import signal
import ssl
import sys
import threading

from .app import Application
from .handler import SimulatorHTTPServer


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Local simulator of the VPS.org servers REST API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free port (default 8000)")
    parser.add_argument("--token", default=None, help="API token clients must send (default: random, printed)")
    parser.add_argument("--provision-delay", type=float, default=3.0, help="seconds from provisioning to active (default 3)")
    parser.add_argument("--action-delay", type=float, default=2.0, help="seconds a start/stop/reboot takes (default 2)")
    parser.add_argument("--credit", type=int, default=None, help="creates the account can still pay for (default unlimited)")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second per token; then 429 (default: no limit)")
    parser.add_argument("--rate-burst", type=int, default=None, help="bucket size per token (default: the rate, rounded, >= 1)")
    parser.add_argument("--state-file", default=None, help="JSON file to load at start and save after every write")
    parser.add_argument("--url-file", default=None, help="write the base URL to this file once listening")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault injection random generator (default 0)")
    parser.add_argument("--quiet", action="store_true", help="no log line per request on standard error")
    parser.add_argument("--tls-cert", default=None, help="PEM certificate: serve HTTPS instead of HTTP (needs --tls-key)")
    parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    return parser.parse_args(argv)


def write_url_file(path, url):
    """Write atomically, so a script polling for the file never reads half a URL."""
    temporary_path = f"{path}.tmp{os.getpid()}"
    with open(temporary_path, "w", encoding="utf-8") as stream:
        stream.write(url + "\n")
    os.replace(temporary_path, path)


def main(argv=None):
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    token = options.token or secrets.token_hex(20)
    config = {
        "provision_delay": options.provision_delay,
        "action_delay": options.action_delay,
        "credit": options.credit,
        "token": token,
        "rate_limit": options.rate_limit,
        "rate_burst": options.rate_burst,
    }
    try:
        app = Application(config, state_file=options.state_file, seed=options.seed, quiet=options.quiet)
        server = SimulatorHTTPServer((options.host, options.port), app)
        scheme = "http"
        if options.tls_cert or options.tls_key:
            # HTTPS lets the tests show that the collection verifies certificates by default.
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(options.tls_cert, options.tls_key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme = "https"
    except (OSError, ValueError, TypeError, ssl.SSLError) as error:  # a bad option value, an unreadable file, a taken port
        print(f"run_simulator.py: error: {error}", file=sys.stderr)
        return 2
    url = f"{scheme}://{options.host}:{server.server_address[1]}"

    stop_requested = threading.Event()

    def request_stop(_signal_number, _frame):
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    # serve_forever runs in a thread because shutdown() must be called from another thread
    # than the one serving; the main thread is left free to receive the signals.
    serving = threading.Thread(target=server.serve_forever, name="simulator-server", daemon=True)
    serving.start()
    if options.url_file:
        write_url_file(options.url_file, url)
    print(f"VPS.org API simulator listening on {url} token: {token}", flush=True)

    # A wait with a timeout wakes up regularly, so a signal is acted on promptly wherever it lands.
    while not stop_requested.wait(timeout=0.5):
        pass
    server.shutdown()
    server.server_close()
    app.store.save()
    return 0
