"""The base fake: a threaded HTTP server, a request journal, scripted failures and holds."""

import base64
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self):
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hold:
    """A request kept unanswered until the test releases it, so the test can act (kill a
    worker) at a known point of a sync instead of guessing with a sleep."""

    matches: object  # Recorded -> bool
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


HOLD_LIMIT = 120  # seconds a held request waits at most, so a failed test cannot hang the server


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that went away mid-request (a killed worker) is not the fake's error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeVendor:
    """Subclasses implement route(request) -> Reply."""

    def __init__(self):
        self.requests = []
        self.failures = []  # Replies served before routing, one per request
        self.holds = []  # each holds the first request it matches, once
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with fake._lock:
                    fake.requests.append(request)
                    scripted = fake.failures.pop(0) if fake.failures else None
                    hold = next((h for h in fake.holds if h.matches(request)), None)
                    if hold:
                        fake.holds.remove(hold)
                if hold:
                    hold.arrived.set()
                    hold.released.wait(HOLD_LIMIT)
                reply = scripted or fake.route(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = (
                    reply.body
                    if isinstance(reply.body, bytes)
                    else (b"" if reply.body is None else json.dumps(reply.body).encode())
                )
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json", **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *replies):
        self.failures.extend(replies)

    def hold_next(self, matches):
        """Hold the next request for which matches(request) is true; return its Hold."""
        hold = Hold(matches)
        with self._lock:
            self.holds.append(hold)
        return hold

    def route(self, request):
        raise NotImplementedError

    def calls(self, path_part):
        return [r for r in self.requests if path_part in r.path]


def basic_auth(request):
    """(user, password) from a Basic Authorization header, or None."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


def bearer(request):
    header = request.headers.get("authorization", "")
    return header[7:] if header.startswith("Bearer ") else None
