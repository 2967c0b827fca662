"""The outgoing webhooks plugin: what is posted and where, the signature, retries with backoff,
permanent failures, a bounded queue that never blocks parsing, alerts, draining at close."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import signalos_webhooks
import toy_plugin
from signalos.config import Config
from signalos.errors import ConfigError
from signalos.monitor.alerts import Alert
from signalos.testing import make_host
from signalos_webhooks.dispatch import sign, verify

SIGNAL = "SIG EURUSD buy 1.0850 sl 1.0820 tp 1.0880 1.0910"
UPDATE = "UPD EURUSD close"
BAD_SIGNAL = "SIG EURUSD sell 1.0850 sl 1.0820 tp 1.0880"  # a sell with its stop below: not accepted


class Receiver:
    """A local endpoint: answers each POST with the next status of ``statuses`` (then 200), or
    holds it until ``release`` is set."""

    def __init__(self, statuses=(), hold=False):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.release.wait(30)
                with outer.cond:
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    outer.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                           "status": status})
                    outer.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/in?x=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received if 200 <= r["status"] < 300]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def host_for(tmp_path, endpoints, **webhooks):
    config = {"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["toy"]}},
              "webhooks": {"backoff_s": 0.01, "backoff_max_s": 0.05, **webhooks, "endpoints": endpoints}}
    return make_host(toy_plugin, signalos_webhooks, config=config)


def drained(host) -> dict:
    assert signalos_webhooks.dispatcher(host).drain(timeout=30)
    return signalos_webhooks.stats(host)


def test_accepted_signals_and_updates_are_posted_signed_and_in_order(tmp_path, receiver):
    host = host_for(tmp_path, {"bot": {"url": receiver.url, "secret": "k3y", "headers": {"X-Api-Key": "abc"}}})
    host.parse(SIGNAL)
    host.parse("good morning traders")  # noise: not asked for by default
    host.parse(BAD_SIGNAL)  # not accepted: never posted by default
    host.parse(UPDATE)
    stats = drained(host)
    assert stats["bot"]["delivered"] == 2 and stats["bot"]["failed"] == 0
    first, second = receiver.received
    assert [p["type"] for p in receiver.payloads()] == ["parse.signal", "parse.update"]
    payload = json.loads(first["body"])
    assert payload["message"]["text"] == SIGNAL and payload["result"]["entry"] == [1.085]
    assert payload["result"]["accepted"] is True
    h = first["headers"]
    assert first["path"] == "/hooks/in?x=1"
    assert h["Content-Type"] == "application/json" and h["X-Api-Key"] == "abc"
    assert h["X-Signalos-Event"] == "parse.signal" and h["X-Signalos-Delivery"]
    assert h["X-Signalos-Signature"] == sign("k3y", h["X-Signalos-Timestamp"], first["body"])
    assert verify("k3y", h["X-Signalos-Timestamp"], first["body"], h["X-Signalos-Signature"])
    assert not verify("k3y", h["X-Signalos-Timestamp"], first["body"] + b" ", h["X-Signalos-Signature"])
    assert not verify("other", h["X-Signalos-Timestamp"], first["body"], h["X-Signalos-Signature"])


def test_a_signature_is_refused_when_its_timestamp_is_old():
    body = b'{"id": 1}'
    old = str(int(time.time()) - 3600)
    assert not verify("k", old, body, sign("k", old, body))
    assert verify("k", old, body, sign("k", old, body), tolerance_s=7200)


def test_without_a_secret_no_signature_header_is_sent(tmp_path, receiver):
    host = host_for(tmp_path, {"bot": {"url": receiver.url}})
    host.parse(SIGNAL)
    drained(host)
    assert "X-Signalos-Signature" not in receiver.received[0]["headers"]


def test_each_endpoint_gets_the_events_kinds_and_providers_it_asks_for(tmp_path):
    a, b = Receiver(), Receiver()
    try:
        host = host_for(tmp_path, {
            "updates": {"url": a.url, "events": ["update"], "providers": ["acme"]},
            "everything": {"url": b.url, "events": ["signal", "update", "noise"], "accepted_only": False},
        })
        from signalos.models import Message

        host.parse(Message(UPDATE, provider="acme"))
        host.parse(Message(UPDATE, provider="other"))
        host.parse(Message(SIGNAL, provider="acme"))
        host.parse(Message("chatter", provider="acme"))
        host.parse(Message(BAD_SIGNAL, provider="acme"))
        drained(host)
        assert [(p["type"], p["message"]["provider"]) for p in a.payloads()] == [("parse.update", "acme")]
        assert [p["type"] for p in b.payloads()] == ["parse.update", "parse.update", "parse.signal", "parse.noise",
                                                     "parse.signal"]
        assert b.payloads()[-1]["result"]["accepted"] is False
        ids = {p["id"] for p in a.payloads()} & {p["id"] for p in b.payloads()}
        assert len(ids) == 1  # one event, one id at every endpoint
    finally:
        a.close()
        b.close()


def test_a_failing_endpoint_is_retried_with_backoff_until_it_answers(tmp_path):
    r = Receiver(statuses=[503, 429, 500])
    try:
        host = host_for(tmp_path, {"bot": {"url": r.url}}, max_attempts=5)
        host.parse(SIGNAL)
        stats = drained(host)
        assert [x["status"] for x in r.received] == [503, 429, 500, 200]
        assert stats["bot"] == {**stats["bot"], "delivered": 1, "retries": 3, "failed": 0}
        deliveries = {x["headers"]["X-Signalos-Delivery"] for x in r.received}
        assert len(deliveries) == 1  # the same delivery, tried again
    finally:
        r.close()


def test_attempts_are_bounded_and_a_client_error_is_not_retried(tmp_path):
    r = Receiver(statuses=[500, 500, 500, 400])
    try:
        host = host_for(tmp_path, {"bot": {"url": r.url}}, max_attempts=3)
        host.parse(SIGNAL)  # 500 x3: given up
        host.parse(UPDATE)  # 400: given up at once
        host.parse(SIGNAL)  # delivered: the endpoint recovered
        stats = drained(host)
        assert [x["status"] for x in r.received] == [500, 500, 500, 400, 200]
        assert (stats["bot"]["failed"], stats["bot"]["delivered"], stats["bot"]["retries"]) == (2, 1, 2)
        assert stats["bot"]["last_error"] == "HTTP 400"
    finally:
        r.close()


def test_an_unreachable_endpoint_is_counted_failed_and_parsing_goes_on(tmp_path):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    host = host_for(tmp_path, {"gone": {"url": f"http://127.0.0.1:{port}/x", "timeout_s": 2}}, max_attempts=2)
    assert host.parse(SIGNAL).result.kind == "signal"
    stats = drained(host)
    assert stats["gone"]["failed"] == 1 and "ConnectionRefusedError" in stats["gone"]["last_error"]
    assert list(host.errors) == []  # a delivery failure is the sender's, never a parse error


def test_a_full_queue_drops_and_counts_and_never_blocks_parsing(tmp_path):
    r = Receiver(hold=True)  # the endpoint takes the first POST and does not answer
    try:
        host = host_for(tmp_path, {"slow": {"url": r.url}}, queue_size=3)
        done = threading.Event()

        def parse_many():
            for _ in range(50):
                host.parse(SIGNAL)
            done.set()

        threading.Thread(target=parse_many, daemon=True).start()
        assert done.wait(60), "parsing waited for the webhook endpoint"
        stats = signalos_webhooks.stats(host)["slow"]
        # one in the sender's hands, at most three queued: the rest dropped
        assert stats["dropped"] >= 50 - 1 - 3 and stats["queued"] <= 3
        r.release.set()
        stats = drained(host)
        assert stats["slow"]["delivered"] + stats["slow"]["dropped"] == 50
    finally:
        r.close()


def test_alerts_are_posted(tmp_path, receiver):
    host = host_for(tmp_path, {"ops": {"url": receiver.url, "events": ["alert"], "secret": "s"}})
    alert = Alert(key="acme:ok_rate", event="opened", status="open", severity="critical", provider="acme",
                  metrics={"ok_rate": {"value": 0.4}}, message="acme: parse rate 40%", window_start="a",
                  window_end="b", opened_at="2026-01-01T00:00:00+00:00", workspace=str(tmp_path))
    host.emit_alert_raised(alert)
    host.parse(SIGNAL)  # not asked for by this endpoint
    drained(host)
    [payload] = receiver.payloads()
    assert payload["type"] == "alert.opened" and payload["alert"]["severity"] == "critical"
    assert payload["alert"]["message"] == "acme: parse rate 40%"
    assert receiver.received[0]["headers"]["X-Signalos-Event"] == "alert.opened"


def test_close_delivers_what_is_queued(tmp_path, receiver):
    host = host_for(tmp_path, {"bot": {"url": receiver.url}})
    for _ in range(20):
        host.parse(SIGNAL)
    signalos_webhooks.close(host)
    assert len(receiver.payloads()) == 20


def test_a_host_without_endpoints_has_no_dispatcher(tmp_path):
    host = make_host(toy_plugin, signalos_webhooks, config={"pipelines": {"default": {"parsers": ["toy"]}}})
    host.parse(SIGNAL)
    assert signalos_webhooks.dispatcher(host) is None and signalos_webhooks.stats(host) == {}


def test_two_hosts_never_share_queues(tmp_path, receiver):
    one = host_for(tmp_path, {"bot": {"url": receiver.url}})
    two = host_for(tmp_path, {"bot": {"url": receiver.url}})
    one.parse(SIGNAL)
    drained(one)
    assert signalos_webhooks.dispatcher(one) is not signalos_webhooks.dispatcher(two)
    assert drained(two)["bot"]["delivered"] == 0


def test_a_missing_secret_variable_is_recorded_not_raised_to_the_parse(tmp_path, monkeypatch):
    monkeypatch.delenv("SIGNALOS_TEST_UNSET_SECRET", raising=False)
    host = host_for(tmp_path, {"bot": {"url": "http://127.0.0.1:9/", "secret_env": "SIGNALOS_TEST_UNSET_SECRET"}})
    assert host.parse(SIGNAL).result.kind == "signal"
    assert host.errors[-1].stage == "parse_completed" and "SIGNALOS_TEST_UNSET_SECRET" in host.errors[-1].error
    monkeypatch.setenv("SIGNALOS_TEST_UNSET_SECRET", "now-set")
    with pytest.raises(ConfigError):  # the verdict is kept: the configuration is read once
        signalos_webhooks.dispatcher(host)


@pytest.mark.parametrize("table,message", [
    ({"endpoints": {"a": {"url": "ftp://x"}}}, "[webhooks.endpoints.a] url: expected an http:// or https:// URL"),
    ({"endpoints": {"a": {"url": "http://x", "events": ["signals"]}}}, "events: unknown 'signals'"),
    ({"endpoints": {"a": {"url": "http://x", "secret": "a", "secret_env": "B"}}}, "give one of them"),
    ({"endpoints": {"a": {"url": "http://x", "retries": 3}}}, "unknown keys retries"),
    ({"endpoints": {"a": {"url": "http://x", "timeout_s": 0}}}, "timeout_s: expected a number above 0"),
    ({"queue_size": 0, "endpoints": {}}, "queue_size: expected a whole number, at least 1"),
    ({"endpoints": {"a": {"url": "http://x", "headers": {"X": 1}}}}, "headers: expected a table"),
    ({"endpoints": "http://x"}, "[webhooks.endpoints]: expected a table"),
])
def test_the_webhooks_table_is_checked_when_the_configuration_is_read(table, message):
    with pytest.raises(ConfigError) as err:
        Config.from_dict({"webhooks": table})
    assert message in str(err.value)
