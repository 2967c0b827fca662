"""``signalos ab start|status|stop|promote|ramp|outcome``, end to end through the CLI."""
from __future__ import annotations

import json

import pytest

import signalos_ab
from signalos.models import Message
from signalos.testing import make_host, parser_plugin, run_cli

BUY = {"kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None, "entry": [1.085],
       "stop_loss": 1.082, "take_profits": [1.088], "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}
PLUGINS = (signalos_ab, parser_plugin("good", lambda m: BUY), parser_plugin("other", lambda m: BUY))


@pytest.fixture
def config(tmp_path):
    return {"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["good"]}}}


def cli(config, *args):
    return run_cli(list(args), *PLUGINS, config=config)


def test_start_status_ramp_stop_with_json(config):
    res = cli(config, "ab", "start", "e1", "-v", "a=good", "-v", "b=other,good:3", "--unit", "channel",
              "--ramp", "20", "--mde", "0.03", "--json")
    assert res.exit_code == 0, res.output
    exp = json.loads(res.stdout)
    assert [(v["name"], v["target"], v["weight"]) for v in exp["variants"]] == [("a", "good", 1.0), ("b", "other,good", 3.0)]
    assert (exp["unit"], exp["ramp"], exp["settings"]["mde"], exp["control"]) == ("channel", 20.0, 0.03, "a")
    assert "salt" not in exp

    res = cli(config, "ab", "ramp", "e1", "50", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["ramp"] == 50.0
    res = cli(config, "ab", "ramp", "e1", "10")
    assert res.exit_code != 0 and "only goes up" in str(res.exception)

    res = cli(config, "ab", "status", "--json")
    assert [e["name"] for e in json.loads(res.stdout)["experiments"]] == ["e1"]
    res = cli(config, "ab", "status", "e1", "--json")
    report = json.loads(res.stdout)
    assert res.exit_code == 0 and report["decision"]["state"] == "collecting" and report["looks"] == 1
    assert set(report["comparisons"]["b"]) >= {"ztest", "fisher", "ci", "sequential", "latency", "guardrails"}
    res = cli(config, "ab", "status", "e1")
    assert res.exit_code == 0 and "decision: collecting" in res.stdout and "sample ratio" in res.stdout

    res = cli(config, "ab", "stop", "e1", "--reason", "done")
    assert res.exit_code == 0 and "stopped e1" in res.stdout
    res = cli(config, "ab", "status", "--json")
    assert json.loads(res.stdout)["experiments"][0]["status"] == "stopped"


def test_start_refuses_bad_input_with_one_line(config):
    assert cli(config, "ab", "start", "e", "-v", "a=good").exit_code != 0
    res = cli(config, "ab", "start", "e", "-v", "a=good", "-v", "bgood")
    assert res.exit_code == 2 and "NAME=TARGET" in res.output
    res = cli(config, "ab", "start", "e", "-v", "a=good", "-v", "b=other", "--buckets", "x")
    assert res.exit_code == 2 and "START-END" in res.output
    cli(config, "ab", "start", "e", "-v", "a=good", "-v", "b=other")
    res = cli(config, "ab", "start", "f", "-v", "a=good", "-v", "b=other")
    assert res.exit_code != 0 and "overlap running experiment 'e'" in str(res.exception)


def test_outcome_and_promote_commands(config, tmp_path):
    cli(config, "ab", "start", "e", "-v", "a=good", "-v", "b=other", "--min-outcomes", "1")
    host = make_host(*PLUGINS, config=config)
    routed = [signalos_ab.route_and_parse(host, Message("x", user_id=f"u{i}")) for i in range(6)]
    signalos_ab.router(host).close()
    res = cli(config, "ab", "outcome", routed[0].parse_uid, "correction", "--label", '{"kind": "noise"}', "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["outcomes"][0]["kind"] == "correction"
    res = cli(config, "ab", "outcome", routed[1].parse_uid, "success")
    assert res.exit_code == 0 and "recorded success" in res.stdout
    res = cli(config, "ab", "outcome", routed[1].parse_uid, "success", "--label", "{nope")
    assert res.exit_code == 2 and "not JSON" in res.output

    res = cli(config, "ab", "promote", "e")
    assert res.exit_code != 0 and "no winner yet" in str(res.exception)
    res = cli(config, "ab", "promote", "e", "--variant", "b", "--force", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["kind"] == "pipeline"
    res = cli(config, "ab", "status", "--json")
    assert json.loads(res.stdout)["experiments"][0]["winner"] == "b"


def test_ab_help_lists_the_commands(config):
    res = cli(config, "ab", "--help")
    assert res.exit_code == 0
    for command in ("start", "status", "stop", "promote", "ramp", "outcome"):
        assert command in res.stdout
