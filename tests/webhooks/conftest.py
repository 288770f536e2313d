"""A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures.

It processes each `webhook-id` once (an idempotent receiver), records every hit, and can be
taken down: answering 503, 500 or 429 with Retry-After, losing its responses (processing,
then answering after the sender's timeout), cutting its answer off mid-way (processing, then
closing the connection inside the status line), or not listening at all.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from leadflow.webhooks.config import WebhookConfig

SERVER_KEY = "test-server-key-that-is-long-enough-0123456789"


class Receiver:
    """The receiving side of a webhook: one per test, on a free port."""

    def __init__(self) -> None:
        self.secrets: dict[str, list[str]] = {}
        self.mode = "up"  # up, 503, 500, 429, lose-responses or cut-responses
        self.retry_after = "120"  # the Retry-After header of a 429
        self.lost_response_delay = 1.0
        self.gate_seconds = 0.0  # >0: the first request waits for a second one in flight
        self.hits: list[str] = []
        self.processed: dict[str, dict[str, Any]] = {}
        self.invalid: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def url(self, path: str = "/hooks") -> str:
        """Where to subscribe; each path can verify with its own secret."""
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        """Listen (again, on the same port)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: senders get connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def processed_order(self, key: str = "lead_id") -> dict[Any, list[int]]:
        """Sequence numbers of processed events, per `data[key]`, in processing order."""
        order: dict[Any, list[int]] = {}
        for payload in self.processed.values():
            data = payload["data"]
            order.setdefault((payload["path"], data.get(key)), []).append(data["seq"])
        return order

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        """Verify, process once, answer according to the mode."""
        body = request.rfile.read(int(request.headers.get("content-length", 0)))
        message_id = request.headers.get("webhook-id", "")
        with self._changed:
            self.hits.append(message_id)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._changed.notify_all()
            if self.gate_seconds:
                self._changed.wait_for(lambda: self.in_flight >= 2, timeout=self.gate_seconds)
                self.gate_seconds = 0.0
        try:
            self._answer(request, body, message_id)
        except OSError:
            pass  # the sender gave up on this request: that is the point of lose-responses
        finally:
            with self._changed:
                self.in_flight -= 1

    def _answer(self, request: BaseHTTPRequestHandler, body: bytes, message_id: str) -> None:
        if self.mode in ("503", "500"):
            request.send_response(int(self.mode))
            request.end_headers()
            request.wfile.write(b"down for maintenance")
            return
        if self.mode == "429":
            request.send_response(429)
            request.send_header("Retry-After", self.retry_after)
            request.end_headers()
            return
        payload = self._verify(request.path, body, dict(request.headers))
        if payload is None:
            self.invalid.append(message_id)
            request.send_response(401)
            request.end_headers()
            return
        with self._changed:
            if message_id not in self.processed:
                self.processed[message_id] = payload | {"path": request.path}
        if self.mode == "lose-responses":
            time.sleep(self.lost_response_delay)
        if self.mode == "cut-responses":
            request.wfile.write(b"HTTP/1.1 20")
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(2)
            return
        request.send_response(204)
        request.end_headers()

    def _verify(self, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
        for secret in self.secrets.get(path, []):
            try:
                payload: dict[str, Any] = Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            assert payload == json.loads(body)
            return payload
        return None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running receiver; stopped after the test."""
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def webhook_config() -> WebhookConfig:
    """Short backoff and timeouts, few attempts: what tests can drive with a fake clock."""
    return WebhookConfig(
        max_attempts=4,
        backoff_base_seconds=10,
        backoff_cap_seconds=40,
        backoff_jitter=0.2,
        request_timeout_seconds=0.5,
        batch_size=50,
    )


@pytest.fixture
def server_key() -> str:
    """The server secret key that signing secrets derive from."""
    return SERVER_KEY
