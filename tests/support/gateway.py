"""A fake SMS gateway on 127.0.0.1, started by the tests that need one.

Like real gateways it takes a client reference and keeps one message per reference
(``delivered``), and answers whether it has a message (``GET /status/<ref>``). Every
message it took is also kept in ``taken``, repeats included: that is what would
reach phones from a gateway that does not de-duplicate, and what the tests count.
It can be told to answer 503 for a while (``down_for``; ``GET /health`` answers 503
then too, and ``back_at`` says when it recovered), to answer 429 with ``Retry-After``
for a while (``throttle_for``), and to take its time over each message. ``requested_at``
holds the time of every POST, refused or not, to count what a sender asked when.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class FakeGateway:
    def __init__(self, *, ref_field: str = "client_ref") -> None:
        self.requests: list[dict[str, Any]] = []
        self.delivered: dict[str, dict[str, Any]] = {}  # client ref → message
        self.accepted: list[str] = []  # the ref of every request answered 200, repeats kept
        self.taken: list[dict[str, Any]] = []  # every message answered 200, repeats kept
        self.taken_at: list[float] = []  # time.monotonic() of each of ``taken``
        self.lookups: list[str] = []  # refs asked about with GET /status/<ref>
        self.failures_left = 0
        self.refuse_with: int | None = None
        self.hang_once_seconds = 0.0  # accept a message, then answer only after this long
        self.delay_seconds = 0.0  # every answer takes this long, as a busy gateway's would
        self.down_until = 0.0  # time.monotonic() until which every request gets 503
        self.throttled_until = 0.0  # time.monotonic() until which every POST gets 429
        self.throttle_wait = 1  # the Retry-After (seconds) of those answers
        self.requested_at: list[float] = []  # time.monotonic() of every POST
        self.health_checks = 0  # GET /health calls
        self.ref_field = ref_field
        self.lock = threading.Lock()
        self.closing = threading.Event()  # set on exit: a slow answer ends at once
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw)
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                status, answer = gateway.handle(body, dict(self.headers))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", str(gateway.throttle_wait))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path == "/health":
                    status, answer = gateway.health()
                else:
                    status, answer = gateway.status(self.path.rsplit("/", 1)[-1])
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/send"

    @property
    def status_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/status/{{ref}}"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/health"

    def health(self) -> tuple[int, Any]:
        with self.lock:
            self.health_checks += 1
        if time.monotonic() < self.down_until:
            return 503, {"error": "down"}
        return 200, {"status": "ok"}

    @property
    def back_at(self) -> float:
        """When the last outage ended (time.monotonic()): lateness is measured from here."""
        return self.down_until

    def requests_between(self, start: float, end: float) -> int:
        """How many POSTs came in ``[start, end)`` (time.monotonic()), refused ones too."""
        with self.lock:
            return sum(start <= at < end for at in self.requested_at)

    def status(self, ref: str) -> tuple[int, Any]:
        with self.lock:
            self.lookups.append(ref)
            if ref in self.delivered:
                return 200, {"result": {"message_id": f"gw-{ref}"}}
        return 404, {"error": "unknown"}

    def raw_count(self, text: str) -> int:
        """How many messages containing ``text`` the gateway took, repeats included."""
        with self.lock:
            return sum(text in body.get("text", "") for body in self.taken)

    def first_taken(self, text: str) -> float | None:
        """When the first message containing ``text`` was taken (time.monotonic())."""
        with self.lock:
            return next((at for body, at in zip(self.taken, self.taken_at, strict=True)
                         if text in body.get("text", "")), None)

    def handle(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        with self.lock:
            self.requests.append({"body": body, "headers": headers})
            self.requested_at.append(time.monotonic())
            if time.monotonic() < self.throttled_until:
                return 429, {"error": "too many requests"}
            if self.failures_left > 0 or time.monotonic() < self.down_until:
                self.failures_left = max(self.failures_left - 1, 0)
                return 503, {"error": "busy"}
            if self.refuse_with:
                return self.refuse_with, {"error": "invalid number"}
            ref = body.get(self.ref_field) or f"anon-{len(self.requests)}"
            self.delivered.setdefault(ref, body)
            self.accepted.append(ref)
            self.taken.append(body)
            self.taken_at.append(time.monotonic())
            hang, self.hang_once_seconds = self.hang_once_seconds, 0.0
        if hang or self.delay_seconds:
            self.closing.wait(hang or self.delay_seconds)  # the sender may die meanwhile
        return 200, {"result": {"message_id": f"gw-{ref}"}}

    def down_for(self, seconds: float) -> None:
        self.down_until = time.monotonic() + seconds

    def throttle_for(self, seconds: float, retry_after: int = 1) -> None:
        """Answer every POST 429 with ``Retry-After: retry_after`` for ``seconds``."""
        self.throttle_wait = retry_after
        self.throttled_until = time.monotonic() + seconds

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a killed sender, a timeout) is what these tests make.

        Printing its traceback from a handler thread is not only noise: on Python 3.11
        formatting a traceback parses source with ``ast`` in that thread, and CPython
        3.11 keeps the AST converter's depth counter per interpreter, not per thread,
        so a parse at the same time in the test's thread (pytest rewriting a lazy
        import) failed with "AST constructor recursion depth mismatch" in CI.
        """
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def post_as_gateway(client: Any, body: dict[str, Any], *, provider: str = "http",
                    secret: str | None = None, at: float | None = None) -> Any:
    """Call notify's SMS webhook as the gateway does: the body signed with the secret."""
    from services.notify.config import DEFAULT_WEBHOOK_SECRET
    from services.notify.domain.signatures import signed_headers

    raw = json.dumps(body).encode()
    headers = signed_headers(secret or DEFAULT_WEBHOOK_SECRET, int(at or time.time()), raw)
    return client.post(f"/api/v1/webhooks/sms/{provider}", data=raw,
                       headers={**headers, "Content-Type": "application/json"})
