"""A real webhook receiver on 127.0.0.1: records every request, answers from a script.

It speaks HTTP/1.1 with keep-alive, as real receivers (nginx, any framework's server) do,
so a client that reuses its connection can be seen doing so (`peers`).

Used by the webhook tests, the SSRF client's tests and bench/bench_webhooks.py."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """`statuses`: codes to answer in turn (then 200); `delay`: seconds to wait before answering;
    `block_on`: the request number (1-based) held until `release` is set; `close_on`: request
    numbers after whose answer the receiver closes the connection."""

    def __init__(self, statuses=(), delay=0.0, block_on=None, close_on=()):
        self.statuses, self.delay, self.block_on, self.close_on = list(statuses), delay, block_on, set(close_on)
        self.requests = []  # (headers dict, body bytes)
        self.peers = []  # the client's (address, port) of each request: one per connection
        self.arrived = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive; every answer carries a Content-Length

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.peers.append(self.client_address)
                number = len(receiver.requests)
                if number == receiver.block_on:
                    receiver.arrived.set()
                    receiver.release.wait(60)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    if number in receiver.close_on:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def bodies(self):
        return [json.loads(body) for _, body in self.requests]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
