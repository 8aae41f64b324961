"""Start and drive the VPS.org API simulator from tests and scripts.

    import sys; sys.path.insert(0, "tests/simulator")
    from harness import Simulator

    with Simulator(provision_delay=0.2, action_delay=0.2) as sim:
        sim.seed(count=3)
        requests.get(sim.url + "/api/v1/servers/", headers=sim.headers)

Only the standard library is used, so any Python can import this file. Control calls go
through an opener without proxies: the simulator is always on 127.0.0.1.
"""

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

RUN_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_simulator.py")
BANNER = re.compile(r"listening on (?P<url>https?://\S+) token: (?P<token>\S+)")


class SimulatorError(RuntimeError):
    """The simulator did not start, or a control call failed."""


class Simulator:
    """A simulator subprocess on a free port; use as a context manager or call start()/stop()."""

    def __init__(self, provision_delay=None, action_delay=None, token=None, credit=None,
                 state_file=None, seed=None, extra_args=(), quiet=True, startup_timeout=15.0, tls_cert=None, tls_key=None,
                 rate_limit=None, rate_burst=None):
        self.options = {
            "--provision-delay": provision_delay,
            "--action-delay": action_delay,
            "--token": token,
            "--credit": credit,
            "--rate-limit": rate_limit,
            "--rate-burst": rate_burst,
            "--state-file": state_file,
            "--seed": seed,
            "--tls-cert": tls_cert,
            "--tls-key": tls_key,
        }
        self.extra_args = list(extra_args)
        self.quiet = quiet
        self.startup_timeout = startup_timeout
        self.url = None
        self.token = None
        self.process = None
        self.stderr_file = None
        self.final_stderr = ""
        # Never use a proxy from the environment: all traffic stays on 127.0.0.1.
        handlers = [urllib.request.ProxyHandler({})]
        if tls_cert:
            # Control calls trust the simulator's own (self-signed) certificate.
            handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=tls_cert)))
        self._opener = urllib.request.build_opener(*handlers)

    # ----- life cycle -----

    def command(self):
        command = [sys.executable, RUN_SCRIPT, "--port", "0"]
        for option, value in self.options.items():
            if value is not None:
                command += [option, str(value)]
        if self.quiet:
            command.append("--quiet")
        return command + self.extra_args

    def start(self):
        # Standard error goes to a file: a pipe nobody reads would fill up and block the server.
        self.stderr_file = tempfile.TemporaryFile(mode="w+", prefix="vpsorg-simulator-")
        # The process lives until stop(), so it cannot be a with block here.
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            self.command(), stdout=subprocess.PIPE, stderr=self.stderr_file, text=True,
        )
        line = self._read_banner()
        match = BANNER.search(line or "")
        if not match:
            self.stop()
            raise SimulatorError(f"The simulator did not start; it printed {line!r}; stderr: {self.stderr_text()}")
        self.url, self.token = match.group("url"), match.group("token")
        self._wait_until_healthy()
        return self

    def _read_banner(self):
        """The first line of standard output, or None if it does not come in time."""
        lines = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        return lines[0] if lines else None

    def _wait_until_healthy(self):
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                if self._call("GET", "/_sim/health").get("ok"):
                    return
            except (OSError, SimulatorError):
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.02)

    def stop(self, timeout=10.0):
        """SIGTERM, wait, kill if it does not exit in time; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        if self.stderr_file is not None:
            self.final_stderr = self.stderr_text()
            self.stderr_file.close()
            self.stderr_file = None
        return self.process.returncode

    def stderr_text(self):
        """What the simulator wrote to standard error so far (all of it, once stopped)."""
        if self.stderr_file is None:
            return self.final_stderr
        self.stderr_file.seek(0)
        return self.stderr_file.read()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # ----- control API -----

    @property
    def headers(self):
        """Headers an API client sends: the bearer token and JSON."""
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def _call(self, method, path, data=None):
        body = None if data is None else json.dumps(data).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=body, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise SimulatorError(f"{method} {path} answered {error.code}: {error.read().decode(errors='replace')}") from error

    def health(self):
        return self._call("GET", "/_sim/health")

    def reset(self, keep_config=False):
        """Empty account, log, counters and fault rules; configuration back to start-up values unless kept."""
        answer = self._call("POST", "/_sim/reset", {"keep_config": keep_config})
        self.token = answer["config"]["token"]
        return answer

    def seed(self, count=None, servers=None, **defaults):
        """Add servers without validation; returns them in the internal detail view."""
        spec = dict(defaults)
        if servers is not None:
            spec["servers"] = servers
        if count is not None:
            spec["count"] = count
        spec["return_servers"] = True
        return self._call("POST", "/_sim/seed", spec)["servers"]

    def set_faults(self, rules, seed=None):
        body = {"rules": rules}
        if seed is not None:
            body["seed"] = seed
        return self._call("POST", "/_sim/faults", body)

    def clear_faults(self):
        return self._call("DELETE", "/_sim/faults")

    def faults(self):
        return self._call("GET", "/_sim/faults")

    def configure(self, **settings):
        """Change provision_delay, action_delay, credit (None = unlimited), token, page_size_default, page_size_max,
        rate_limit (None = off) or rate_burst (None = the rate, rounded); returns the whole config."""
        config = self._call("POST", "/_sim/config", settings)
        self.token = config["token"]
        return config

    def config(self):
        return self._call("GET", "/_sim/config")

    def request_log(self, since=0):
        return self._call("GET", f"/_sim/log?since={int(since)}")["entries"]

    def stats(self):
        return self._call("GET", "/_sim/stats")

    def servers(self):
        """Every server in the detail view, plus ssh_key_id, with its status as of now."""
        return self._call("GET", "/_sim/servers")["servers"]


def make_self_signed_certificate(directory, host="127.0.0.1"):
    """Write cert.pem and key.pem for ``host`` (an IP address) into ``directory``; return their paths.

    Needs the ``cryptography`` package (ansible-core depends on it), imported here so the rest
    of this file stays standard library only.
    """
    import datetime  # pylint: disable=import-outside-toplevel
    import ipaddress  # pylint: disable=import-outside-toplevel

    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VPS.org API simulator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as stream:
        stream.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as stream:
        stream.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path
