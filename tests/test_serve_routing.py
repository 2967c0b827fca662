"""``signalos serve`` in production: A/B routing by a request's user or channel, a deploy picked up
without a restart, the served versions in /metrics, webhooks fired by API parses."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import deploy_support as ds
import signalos_ab
import signalos_webhooks
from serve_support import client, metric, needs_serve, rows, serve
from signalos.modelstore import ModelStore
from signalos.testing import make_host, parser_plugin

pytestmark = needs_serve

BUY = {"kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None, "entry": [1.085],
       "stop_loss": 1.082, "take_profits": [1.088], "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}


def ab_host(tmp_path):
    config = {"workspace": str(tmp_path), "routers": {"ab": {"refresh_s": 0}},
              "pipelines": {"default": {"parsers": ["good"]}, "alt": {"parsers": ["other"]}}}
    return make_host(signalos_ab, parser_plugin("good", lambda m: BUY),
                     parser_plugin("other", lambda m: {**BUY, "take_profits": [1.09]}), config=config)


def test_a_request_with_a_user_is_routed_by_the_running_experiment_and_logged_with_it(tmp_path):
    host = ab_host(tmp_path)
    signalos_ab.start(host, "tp-test", {"control": "default", "treatment": "alt"})
    with serve(host) as r, client(r) as c:
        answers = {u: c.post("/v1/parse", json={"text": "eurusd buy", "user_id": u}).json() for u in map(str, range(40))}
        again = c.post("/v1/parse", json={"text": "eurusd buy", "user_id": "7"}).json()
        keyless = c.post("/v1/parse", json={"text": "eurusd buy"}).json()
        named = c.post("/v1/parse", json={"text": "eurusd buy", "user_id": "7", "pipeline": "alt"}).json()
        batch = c.post("/v1/parse/batch", json={"messages": [{"text": "eurusd buy", "user_id": u}
                                                             for u in map(str, range(40))]}).json()["results"]
        r.service.log.flush()
    variants = {u: a["variant"] for u, a in answers.items()}
    assert set(variants.values()) == {"control", "treatment"}  # both arms get users
    assert all(a["experiment"] == "tp-test" for a in answers.values())
    for u, a in answers.items():  # each arm's pipeline answered
        assert a["take_profits"] == ([1.09] if variants[u] == "treatment" else [1.088])
    assert again["variant"] == variants["7"]  # sticky
    assert [b["variant"] for b in batch] == [variants[str(i)] for i in range(40)]  # a batch routes the same way
    assert keyless["experiment"] is None and keyless["pipeline"] == "default"
    assert named["experiment"] is None and named["pipeline"] == "alt"  # a named pipeline is not routed
    logged = {x["parse_uid"]: x for x in rows(tmp_path, "SELECT parse_uid, experiment, variant, unit_id FROM parse_log")}
    for u, a in answers.items():
        assert (logged[a["parse_uid"]]["experiment"], logged[a["parse_uid"]]["variant"]) == ("tp-test", variants[u])
    assert len(rows(tmp_path, "SELECT * FROM assignments WHERE experiment = 'tp-test'")) == 40
    assert logged[keyless["parse_uid"]]["experiment"] is None


def test_an_experiment_started_while_serving_is_followed(tmp_path):
    host = ab_host(tmp_path)
    with serve(host) as r, client(r) as c:
        assert c.post("/v1/parse", json={"text": "x", "user_id": "1"}).json()["experiment"] is None
        signalos_ab.start(ab_host(tmp_path), "later", {"a": "default", "b": "alt"})  # another process's host
        assert c.post("/v1/parse", json={"text": "x", "user_id": "1"}).json()["experiment"] == "later"
        assert "later" in c.get("/readyz").json()["experiments"]
        assert 'signalos_experiment_running{experiment="later"} 1.0' in c.get("/metrics").text


@pytest.fixture
def table_ws(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_ALIAS_CHECK_S", "0.05")
    ws = tmp_path / "ws"
    for v in ("1.0.0", "1.1.0"):
        ds.register_version(ws, v, ds.answers())
    store = ModelStore(ws)
    store.set_alias("table", "production", "1.0.0", reason="first")
    store.close()
    return ws


def test_a_deploy_made_elsewhere_is_served_without_a_restart(table_ws):
    text = ds.golden_rows()[0]["text"]
    host = make_host(ds, config=ds.config(table_ws))
    with serve(host) as r, client(r) as c:
        assert c.post("/v1/parse", json={"text": text}).json()["parser"] == "table@1.0.0"
        assert metric(c.get("/metrics").text, "signalos_model_version_info", model="table", version="1.0.0") == 1
        store = ModelStore(table_ws)  # the move, as `signalos models deploy` makes it from another process
        store.set_alias("table", "production", "1.1.0", reason="deploy")
        store.close()
        deadline = time.monotonic() + 30
        served = None
        while time.monotonic() < deadline:
            served = c.post("/v1/parse", json={"text": text}).json()["parser"]
            if served == "table@1.1.0":
                break
            time.sleep(0.05)
        assert served == "table@1.1.0"
        text = c.get("/metrics").text
        assert metric(text, "signalos_model_version_info", model="table", version="1.1.0") == 1
        assert 'version="1.0.0"' not in text  # the old version no longer serves


# webhooks fired by the API -----------------------------------------------------------------------

class Receiver:
    """A local HTTP endpoint recording what is POSTed to it."""

    def __init__(self):
        self.received: list[dict] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.arrived:
                    outer.received.append({"headers": dict(self.headers), "body": body})
                    outer.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n: int, timeout: float = 30.0) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= n, timeout)
        return self.received

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_api_parses_are_posted_to_the_webhook_signed(tmp_path):
    import toy_plugin
    from serve_support import SIGNAL_TEXT

    receiver = Receiver()
    try:
        config = {"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["toy"]}},
                  "webhooks": {"endpoints": {"bot": {"url": receiver.url, "secret": "k3y"}}}}
        host = make_host(toy_plugin, signalos_webhooks, config=config)
        with serve(host) as r, client(r) as c:
            sent = c.post("/v1/parse", json={"text": SIGNAL_TEXT, "provider": "acme"}).json()
            c.post("/v1/parse", json={"text": "chatter"})  # noise: not posted
            [got] = receiver.wait_for(1)
            assert signalos_webhooks.dispatcher(host).drain()  # the delivery is counted once it is done
            text = c.get("/metrics").text
        payload = json.loads(got["body"])
        assert payload["type"] == "parse.signal" and payload["message"]["provider"] == "acme"
        assert payload["result"]["take_profits"] == sent["take_profits"]
        h = got["headers"]
        assert signalos_webhooks.verify("k3y", h["X-Signalos-Timestamp"], got["body"], h["X-Signalos-Signature"])
        assert metric(text, "signalos_webhook_deliveries_total", endpoint="bot", outcome="delivered") == 1
        assert len(receiver.received) == 1
    finally:
        receiver.close()


def test_a_webhook_secret_variable_that_is_not_set_stops_the_start(tmp_path, monkeypatch):
    from signalos.errors import ConfigError
    from signalos.serve.service import Service

    monkeypatch.delenv("SIGNALOS_TEST_NO_SUCH_SECRET", raising=False)
    config = {"workspace": str(tmp_path),
              "webhooks": {"endpoints": {"bot": {"url": "http://127.0.0.1:9/x",
                                                 "secret_env": "SIGNALOS_TEST_NO_SUCH_SECRET"}}}}
    import signalos_regex

    service = Service(make_host(signalos_regex, signalos_webhooks, config=config))
    with pytest.raises(ConfigError, match="SIGNALOS_TEST_NO_SUCH_SECRET is not set"):
        service.start()
