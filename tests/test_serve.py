"""``signalos serve``: a real uvicorn server on a free loopback port, spoken to over HTTP with httpx.

Parsing one message and a batch, the parse log, errors as JSON 4xx (never a 500), the body limit,
the bearer token, readiness, the OpenAPI document against real answers, and /metrics.
"""
from __future__ import annotations

import json
import random

import pytest

import toy_plugin
from serve_support import SIGNAL_TEXT, UPDATE_TEXT, client, metric, needs_serve, rows, serve
from signalos.testing import make_host, parser_plugin

pytestmark = needs_serve


def toy_host(tmp_path, **config):
    base = {"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["toy"]}}}
    return make_host(toy_plugin, config={**base, **config})


@pytest.fixture
def running(tmp_path):
    with serve(toy_host(tmp_path)) as r:
        yield r


def test_one_message_is_parsed_logged_and_answered_as_the_host_answers(running, tmp_path):
    with client(running) as c:
        r = c.post("/v1/parse", json={"text": SIGNAL_TEXT, "id": 7, "user_id": 42, "provider": "acme"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    expected = toy_host(tmp_path / "other").parse(SIGNAL_TEXT).to_dict()
    assert {k: body[k] for k in expected} == expected
    assert body["id"] == 7 and body["pipeline"] == "default" and body["experiment"] is None
    running.service.log.flush()
    [row] = rows(tmp_path, "SELECT * FROM parse_log")
    assert row["parse_uid"] == body["parse_uid"] and row["text"] == SIGNAL_TEXT
    assert (row["user_id"], row["provider"], row["kind"], row["pipeline"]) == ("42", "acme", "signal", "default")
    assert row["latency_ms"] is not None


def test_a_batch_is_answered_in_order_with_each_id_and_every_parse_logged(running, tmp_path):
    texts = [SIGNAL_TEXT, "hello there", UPDATE_TEXT] * 5
    with client(running) as c:
        r = c.post("/v1/parse/batch", json={"messages": [{"text": t, "id": f"m{i}"} for i, t in enumerate(texts)],
                                            "attempts": True})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(texts)
    assert [a["id"] for a in body["results"]] == [f"m{i}" for i in range(len(texts))]
    assert [a["kind"] for a in body["results"]] == ["signal", "noise", "update"] * 5
    assert all(a["attempts"][0]["parser"] == "toy" for a in body["results"])
    running.service.log.flush()
    logged = rows(tmp_path, "SELECT parse_uid, text FROM parse_log")
    assert sorted(r["parse_uid"] for r in logged) == sorted(a["parse_uid"] for a in body["results"])


def test_a_named_pipeline_parses_and_an_unknown_one_is_a_422(tmp_path):
    host = toy_host(tmp_path, pipelines={"default": {"parsers": ["toy"]},
                                         "shouty": {"parsers": ["shout"]}})
    host = make_host(toy_plugin, parser_plugin("shout", lambda m: {"kind": "noise"}), config=host.config)
    with serve(host) as r, client(r) as c:
        assert c.post("/v1/parse", json={"text": SIGNAL_TEXT, "pipeline": "shouty"}).json()["parser"] == "shout"
        bad = c.post("/v1/parse", json={"text": SIGNAL_TEXT, "pipeline": "nope"})
        assert bad.status_code == 422 and "unknown pipeline 'nope'" in bad.json()["error"]
        assert "shouty" in bad.json()["error"]  # what is configured is listed


BAD_BODIES = [
    (b"", 400), (b"{", 400), (b"not json", 400), (b"\xff\xfe", 400), (b"[" * 50_000, 400),
    (b"[]", 422), (b"42", 422), (b"null", 422), (b'"text"', 422), (b"{}", 422),
    (b'{"text": 5}', 422), (b'{"text": null}', 422), (b'{"text": ["a"]}', 422),
    (b'{"txt": "typo"}', 422), (b'{"text": "x", "unknown": 1}', 422), (b'{"text": "x", "attempts": "maybe"}', 422),
    (b'{"text": "x", "user_id": {"a": 1}}', 422), (b'{"text": "x", "pipeline": 3}', 422),
]


@pytest.mark.parametrize("body,status", BAD_BODIES)
def test_a_bad_parse_request_is_a_json_4xx(running, body, status):
    with client(running) as c:
        r = c.post("/v1/parse", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert isinstance(r.json()["error"], str) and r.json()["error"]


def test_random_bytes_and_random_json_never_get_a_500(running):
    rng = random.Random(14)
    values = [None, True, 1, -1.5, "", "x" * 50, [], {}, [1, "a"], {"text": 1}]
    keys = ["text", "id", "pipeline", "provider", "user_id", "chat_id", "attempts", "messages", "zz"]
    with client(running) as c:
        for i in range(300):
            if i % 3 == 0:
                content = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
            else:
                obj = {rng.choice(keys): rng.choice(values) for _ in range(rng.randrange(4))}
                if i % 3 == 1:
                    obj["text"] = rng.choice(["", "GOLD", "\x00\u202e", SIGNAL_TEXT])
                content = json.dumps(obj).encode()
            path = rng.choice(["/v1/parse", "/v1/parse/batch"])
            r = c.post(path, content=content)
            assert r.status_code < 500, (path, content, r.text)
            assert r.status_code == 200 or "error" in r.json()


def test_unknown_paths_and_wrong_methods_are_json_errors(running):
    with client(running) as c:
        missing = c.get("/v1/nothing")
        assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
        wrong = c.get("/v1/parse")
        assert wrong.status_code == 405 and "error" in wrong.json() and "POST" in wrong.headers["allow"]


def test_a_lone_surrogate_in_the_text_is_parsed_and_answered_as_valid_json(tmp_path):
    import signalos_regex

    host = make_host(signalos_regex, config={"workspace": str(tmp_path)})
    with serve(host) as r, client(r) as c:
        answer = c.post("/v1/parse", content=b'{"text": "GOLD BUY 2342 SL 2335 TP 2350 \\ud800"}')
    assert answer.status_code == 200
    answer.content.decode("utf-8")  # valid UTF-8 whatever the text held
    assert answer.json()["kind"] == "signal" and answer.json()["symbol"] == "XAUUSD"


def test_the_body_limit_refuses_a_declared_and_a_streamed_large_body(tmp_path):
    with serve(toy_host(tmp_path), max_body_bytes=1000) as r, client(r) as c:
        assert c.post("/v1/parse", json={"text": "x" * 500}).status_code == 200
        declared = c.post("/v1/parse", json={"text": "x" * 5000})
        assert declared.status_code == 413 and "1000 bytes" in declared.json()["error"]

        def chunks():  # no Content-Length: the server counts what arrives
            yield b'{"text": "'
            for _ in range(20):
                yield b"x" * 100
            yield b'"}'
        streamed = c.post("/v1/parse", content=chunks())
        assert streamed.status_code == 413
        assert c.post("/v1/parse", json={"text": SIGNAL_TEXT}).status_code == 200  # still serving


def test_a_batch_over_max_batch_is_a_413_and_an_empty_one_a_422(tmp_path):
    with serve(toy_host(tmp_path), max_batch=3) as r, client(r) as c:
        ok = c.post("/v1/parse/batch", json={"messages": [{"text": SIGNAL_TEXT}] * 3})
        assert ok.status_code == 200 and ok.json()["count"] == 3
        big = c.post("/v1/parse/batch", json={"messages": [{"text": SIGNAL_TEXT}] * 4})
        assert big.status_code == 413 and "at most 3" in big.json()["error"]
        assert c.post("/v1/parse/batch", json={"messages": []}).status_code == 422


def test_with_a_token_every_route_but_health_and_docs_needs_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_SERVE_TOKEN", "s3cret-token")
    with serve(toy_host(tmp_path)) as r, client(r) as c:
        for path in ("/v1/parse", "/v1/parse/batch"):
            denied = c.post(path, json={"text": SIGNAL_TEXT})
            assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
            assert c.post(path, json={"text": SIGNAL_TEXT},
                          headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics").status_code == 401
        good = {"Authorization": "Bearer s3cret-token"}
        assert c.post("/v1/parse", json={"text": SIGNAL_TEXT}, headers=good).status_code == 200
        assert c.get("/metrics", headers=good).status_code == 200
        for path in ("/healthz", "/readyz", "/docs", "/openapi.json"):
            assert c.get(path).status_code == 200, path
        assert c.get("/openapi.json").json()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_without_a_token_no_authorization_is_asked(running):
    with client(running) as c:
        assert c.post("/v1/parse", json={"text": SIGNAL_TEXT}).status_code == 200
        assert "security" not in c.get("/openapi.json").json()


def test_a_flag_token_wins_over_the_configuration(tmp_path):
    from signalos.serve.service import ServeSettings

    host = toy_host(tmp_path, serve={"token": "from-file", "port": 9001})
    assert ServeSettings.resolve(host.config).token == "from-file"
    assert ServeSettings.resolve(host.config, token="from-flag").token == "from-flag"
    assert ServeSettings.resolve(host.config).port == 9001


def test_readiness_follows_the_service_and_health_only_the_process(running):
    with client(running) as c:
        ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        assert ready.json()["pipelines"] == ["default"]
        running.service.closing = True  # as during a shutdown: load balancers stop sending
        not_ready = c.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["error"] == "not ready"
        assert c.get("/healthz").json()["status"] == "ok"
        running.service.closing = False


def test_the_openapi_document_describes_what_the_server_answers(running):
    from signalos.serve.api import BatchResponse, ParseResponse

    with client(running) as c:
        spec = c.get("/openapi.json").json()
        parse_op = spec["paths"]["/v1/parse"]["post"]
        assert parse_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ParseRequest")
        assert parse_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ParseResponse")
        assert {"/v1/parse/batch", "/v1/schema", "/healthz", "/readyz", "/metrics"} <= set(spec["paths"])
        assert "swagger" in c.get("/docs").text.lower()
        # the documented models take the real answers, with no key they do not know (extra="forbid")
        for text in (SIGNAL_TEXT, UPDATE_TEXT, "chatter"):
            ParseResponse.model_validate(c.post("/v1/parse", json={"text": text, "attempts": True}).json())
        BatchResponse.model_validate(c.post("/v1/parse/batch", json={"messages": [{"text": SIGNAL_TEXT}]}).json())
        schema = c.get("/v1/schema").json()
        assert schema["version"] == "v1" and "close_partial" in schema["action_types"]
        assert schema["result"]["properties"]["kind"]["enum"] == ["signal", "update", "noise"]


def test_logging_off_answers_without_a_parse_uid_and_writes_nothing(tmp_path):
    with serve(toy_host(tmp_path), log=False) as r, client(r) as c:
        assert c.post("/v1/parse", json={"text": SIGNAL_TEXT}).json()["parse_uid"] is None
    db = tmp_path / "signalos.db"
    assert not db.exists() or rows(tmp_path, "SELECT count(*) AS n FROM parse_log")[0]["n"] == 0


def test_shutting_down_writes_every_queued_row(tmp_path):
    r = serve(toy_host(tmp_path))
    with client(r) as c:
        uids = [c.post("/v1/parse", json={"text": f"{SIGNAL_TEXT} {i}"}).json()["parse_uid"] for i in range(50)]
    summary = r.stop()
    assert summary["parse_log"]["flushed"] is True
    assert sorted(x["parse_uid"] for x in rows(tmp_path, "SELECT parse_uid FROM parse_log")) == sorted(uids)


# metrics -----------------------------------------------------------------------------------------

def test_metrics_count_parses_latency_requests_and_the_queue(running):
    with client(running) as c:
        for _ in range(3):
            c.post("/v1/parse", json={"text": SIGNAL_TEXT})
        c.post("/v1/parse", json={"text": "chatter"})
        c.post("/v1/parse/batch", json={"messages": [{"text": UPDATE_TEXT}, {"text": SIGNAL_TEXT}]})
        c.post("/v1/parse", content=b"{")
        text = c.get("/metrics").text
    assert metric(text, "signalos_parses_total", kind="signal", parser="toy", outcome="accepted",
                  pipeline="default") == 4
    assert metric(text, "signalos_parses_total", kind="update", parser="toy") == 1
    assert metric(text, "signalos_parses_total", kind="noise", outcome="not_accepted") == 1  # no parser answered
    assert metric(text, "signalos_parse_duration_seconds_count", pipeline="default") == 6
    assert metric(text, "signalos_http_requests_total", endpoint="parse", status="200") == 4
    assert metric(text, "signalos_http_requests_total", endpoint="parse", status="400") == 1
    assert metric(text, "signalos_http_requests_total", endpoint="parse_batch", status="200") == 1
    assert metric(text, "signalos_http_request_duration_seconds_count", endpoint="parse") == 5
    assert metric(text, "signalos_parse_log_queue_depth") >= 0
    assert metric(text, "signalos_ready") == 1
    assert metric(text, "process_cpu_seconds_total") > 0


@pytest.mark.parser_errors
def test_metrics_count_the_errors_the_host_contained(tmp_path):
    def broken(message):
        raise RuntimeError("boom")

    host = make_host(toy_plugin, parser_plugin("broken", broken),
                     config={"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["broken", "toy"]}}})
    with serve(host) as r, client(r) as c:
        answer = c.post("/v1/parse", json={"text": SIGNAL_TEXT})
        assert answer.status_code == 200 and answer.json()["parser"] == "toy"  # the chain went on
        text = c.get("/metrics").text
    assert metric(text, "signalos_errors_total", stage="parse", component="broken") == 1


def test_rules_parse_on_the_event_loop_and_a_slow_parser_in_a_worker_thread(tmp_path):
    import threading
    import time

    seen: dict[str, list[str]] = {"fast": [], "slow": []}

    def fast(message):
        seen["fast"].append(threading.current_thread().name)
        return None

    def slow(message):  # 20 ms of CPU, as a model takes
        seen["slow"].append(threading.current_thread().name)
        end = time.thread_time() + 0.02
        while time.thread_time() < end:
            pass
        return None

    config = {"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["fast"]},
                                                        "slow": {"parsers": ["slow"]}}}
    host = make_host(parser_plugin("fast", fast), parser_plugin("slow", slow), config=config)
    with serve(host) as r, client(r) as c:
        for _ in range(5):
            c.post("/v1/parse", json={"text": "a"})
            c.post("/v1/parse", json={"text": "a", "pipeline": "slow"})
        ready = c.get("/readyz").json()
    assert seen["fast"][0] != "signalos-serve"  # not measured yet: a worker thread
    # measured cheap (the second parse's figure replaces the first's one-time costs): on the
    # server's event loop from the third parse at the latest
    assert seen["fast"][2:] == ["signalos-serve"] * 3
    assert "signalos-serve" not in seen["slow"]
    assert ready["parse_ms"]["slow"] >= 1.0 > ready["parse_ms"]["auto"]


def test_the_server_freezes_its_start_up_heap_before_it_serves(tmp_path, monkeypatch):
    # a speed trick (runner.freeze_startup_heap): the collector no longer walks the tables,
    # patterns and app on every full collection of a long-running server
    import gc

    from signalos.serve import runner
    from signalos.serve.service import ServeSettings, Service

    host = toy_host(tmp_path)
    service = Service(host, ServeSettings.resolve(host.config))
    service.start()
    seen: dict[str, int] = {}

    class Server:  # stands in for uvicorn's, which would listen and block
        def run(self, sockets=None):
            seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(runner, "_server", lambda config, on_started: Server())
    gc.unfreeze()
    try:
        runner.run(service)
    finally:
        gc.unfreeze()  # the test process's objects go back to the collector
        service.close()
    assert seen["frozen"] > 1000


def test_a_pipelines_first_parse_does_not_keep_it_off_the_event_loop(tmp_path):
    import time

    from signalos.serve.service import ServeSettings, Service

    host = toy_host(tmp_path)
    service = Service(host, ServeSettings.resolve(host.config))
    assert not service.inline(None)  # not measured yet
    service._measured("auto", time.thread_time() - 0.050)  # the first parse: 50 ms of one-time costs
    assert not service.inline(None)
    service._measured("auto", time.thread_time())  # the second: what a parse costs
    assert service.inline(None)
    service._measured("auto", time.thread_time() - 0.050)  # a slow one later weighs in at once
    assert not service.inline(None)
