"""Delivering webhook events: one bounded queue and one sender thread per endpoint.

A delivery is one HTTP POST of a JSON body. 2xx is delivered. A connection error, a timeout,
408, 429 and 5xx are retried after ``backoff_s``, doubled after each failure up to
``backoff_max_s`` (a ``Retry-After`` of a 429 or 503 is honoured within that cap), until
``max_attempts`` tries were made; then the event is counted as failed and the next one goes.
Any other status (400, 401, 404, ...) is a failure at once: sending it again would not help.

Events of one endpoint are delivered in the order they happened (a signal before its update);
a slow endpoint never delays another's.
"""
from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import queue
import random
import threading
import time
import weakref
from typing import Any
from urllib.parse import urlsplit

from signalos import __version__
from signalos.errors import ConfigError
from signalos.options import WebhookEndpoint, WebhooksOptions
from signalos.parselog import new_uid

SIGNATURE_HEADER = "X-Signalos-Signature"
TIMESTAMP_HEADER = "X-Signalos-Timestamp"
EVENT_HEADER = "X-Signalos-Event"
DELIVERY_HEADER = "X-Signalos-Delivery"
RETRYABLE = {408, 429, 500, 502, 503, 504}
_STOP = object()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256, keyed by ``secret``, of
    ``timestamp``, a dot and the body. The timestamp is signed so that a captured request cannot be
    replayed later (a receiver refuses timestamps older than a few minutes)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance_s: float = 300.0,
           now: float | None = None) -> bool:
    """What a receiver written in Python checks: the signature matches (compared in constant
    time) and the timestamp is within ``tolerance_s`` of ``now``."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def parse_payload(event_id: str, message: Any, result: Any) -> dict[str, Any]:
    """The body of a ``parse.signal`` / ``parse.update`` / ``parse.noise`` event."""
    return {
        "id": event_id, "type": f"parse.{result.kind}", "created_at": _now_iso(),
        "message": {"text": message.text, "provider": message.provider, "chat_id": message.chat_id,
                    "user_id": message.user_id, "message_id": message.message_id},
        "result": result.to_dict(),
    }


def alert_payload(event_id: str, alert: Any) -> dict[str, Any]:
    """The body of an ``alert.opened`` / ``alert.escalated`` / ``alert.resolved`` event."""
    data = alert.to_dict() if hasattr(alert, "to_dict") else dict(alert)
    return {"id": event_id, "type": f"alert.{data.get('event')}", "created_at": _now_iso(), "alert": data}


def _encode(payload: dict[str, Any]) -> bytes:
    # allow_nan=False with a fallback: a plugin's NaN must not make the body invalid JSON
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError:
        return json.dumps(payload, ensure_ascii=False, default=str).replace("NaN", "null").encode("utf-8")


class Sender:
    """One endpoint's queue and thread."""

    def __init__(self, name: str, endpoint: WebhookEndpoint, options: WebhooksOptions, secret: str | None):
        self.name = name
        self.endpoint = endpoint
        self.options = options
        self.secret = secret
        self.queue: queue.Queue = queue.Queue(maxsize=options.queue_size)
        self.counts = {"delivered": 0, "failed": 0, "retries": 0, "dropped": 0}
        self.last_error: str | None = None
        self._count_lock = threading.Lock()
        url = urlsplit(endpoint.url)
        self._https = url.scheme == "https"
        self._netloc = (url.hostname or "", url.port)
        self._path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self._conn: http.client.HTTPConnection | None = None
        self._busy = False  # a delivery is in hand (taken off the queue, not yet finished)
        self._thread = threading.Thread(target=self._run, name=f"signalos-webhook-{name}", daemon=True)
        self._thread.start()

    # the caller's side ------------------------------------------------------------------------
    def offer(self, event_type: str, build: Any) -> None:
        """Queue an event (``build()`` makes its payload, in the sender thread); drop it, counted,
        when the queue is full."""
        try:
            self.queue.put_nowait((event_type, build))
        except queue.Full:
            with self._count_lock:  # several parsing threads may drop at once
                self.counts["dropped"] += 1

    def idle(self) -> bool:
        return self.queue.unfinished_tasks == 0

    def stop(self) -> None:
        try:
            self.queue.put_nowait(_STOP)
        except queue.Full:  # the thread is a daemon: it ends with the process anyway
            pass

    # the sender thread ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is _STOP:
                    return
                event_type, build = item
                try:
                    body = _encode(build())
                except Exception as exc:  # a payload that cannot be built must not stop the thread
                    self.counts["failed"] += 1
                    self.last_error = f"payload: {type(exc).__name__}: {exc}"
                    continue
                self._deliver(event_type, body)
            finally:
                self.queue.task_done()

    def _deliver(self, event_type: str, body: bytes) -> None:
        delivery = new_uid()
        delay = self.options.backoff_s
        for attempt in range(1, self.options.max_attempts + 1):
            status, retry_after, error = self._post(event_type, delivery, body)
            if status is not None and 200 <= status < 300:
                self.counts["delivered"] += 1
                return
            self.last_error = error or f"HTTP {status}"
            retryable = status is None or status in RETRYABLE
            if not retryable or attempt == self.options.max_attempts:
                break
            self.counts["retries"] += 1
            wait = min(max(delay, retry_after or 0.0), self.options.backoff_max_s)
            time.sleep(wait * random.uniform(0.8, 1.2))  # jitter: many senders do not retry in step
            delay = min(delay * 2, self.options.backoff_max_s)
        self.counts["failed"] += 1

    def _post(self, event_type: str, delivery: str, body: bytes) -> tuple[int | None, float | None, str | None]:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": f"signalos/{__version__}",
                   EVENT_HEADER: event_type, DELIVERY_HEADER: delivery, TIMESTAMP_HEADER: timestamp,
                   **self.endpoint.headers}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, timestamp, body)
        try:
            if self._conn is None:
                cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                self._conn = cls(self._netloc[0], self._netloc[1], timeout=self.endpoint.timeout_s)
            self._conn.request("POST", self._path, body=body, headers=headers)
            response = self._conn.getresponse()
            response.read()
            if response.will_close:
                self._close()
            return response.status, _retry_after(response.getheader("Retry-After")), None
        except (OSError, http.client.HTTPException) as exc:
            self._close()  # the next attempt opens a fresh connection
            return None, None, f"{type(exc).__name__}: {exc}"

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the backoff decides


class Dispatcher:
    """The senders of one host's ``[webhooks]`` endpoints, and the filter of which event goes
    where."""

    def __init__(self, options: WebhooksOptions):
        self.options = options
        self.senders: list[Sender] = []
        for name, endpoint in options.endpoints.items():
            secret = endpoint.secret
            if endpoint.secret_env:
                secret = os.environ.get(endpoint.secret_env)
                if not secret:
                    raise ConfigError(f"[webhooks.endpoints.{name}] secret_env: the variable "
                                      f"{endpoint.secret_env} is not set")
            self.senders.append(Sender(name, endpoint, options, secret))
        _OPEN.add(self)

    def parse_completed(self, message: Any, result: Any) -> None:
        event_id = None
        for sender in self.senders:
            ep = sender.endpoint
            if result.kind not in ep.events or (ep.accepted_only and not result.accepted) \
                    or (ep.providers and message.provider not in ep.providers):
                continue
            event_id = event_id or new_uid()  # one event, one id, whichever endpoints get it
            sender.offer(f"parse.{result.kind}", lambda i=event_id: parse_payload(i, message, result))

    def alert_raised(self, alert: Any) -> None:
        event_id = None
        for sender in self.senders:
            ep = sender.endpoint
            if "alert" not in ep.events or (ep.providers and getattr(alert, "provider", None) not in ep.providers):
                continue
            event_id = event_id or new_uid()
            sender.offer(f"alert.{alert.event}", lambda i=event_id: alert_payload(i, alert))

    def stats(self) -> dict[str, dict[str, Any]]:
        return {s.name: {**s.counts, "queued": s.queue.qsize(), "last_error": s.last_error} for s in self.senders}

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued event was delivered or given up; False when ``timeout``
        (default ``drain_s``) ran out first."""
        deadline = time.monotonic() + (self.options.drain_s if timeout is None else timeout)
        while not all(s.idle() for s in self.senders):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float | None = None) -> None:
        """Drain (see ``drain``), then stop the sender threads."""
        self.drain(timeout)
        for sender in self.senders:
            sender.stop()
        _OPEN.discard(self)


_OPEN: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


@atexit.register
def _drain_all() -> None:
    # `signalos monitor check` exits right after raising an alert: its POST still goes out.
    for d in list(_OPEN):
        try:
            d.drain()
        except Exception:
            pass
