"""``signalos parse --log`` and ``--route KEY``: the command line reaching production, so that the
README's tour from ``parse`` to ``ab status`` to ``monitor`` shows real numbers."""
from __future__ import annotations

import json

import pytest

import signalos_ab
from serve_support import rows
from signalos.testing import make_host, parser_plugin, run_cli

BUY = {"kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None, "entry": [1.085],
       "stop_loss": 1.082, "take_profits": [1.088], "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}


def plugins():
    return (signalos_ab, parser_plugin("good", lambda m: BUY),
            parser_plugin("other", lambda m: {**BUY, "take_profits": [1.09]}))


def config(tmp_path, **extra):
    return {"workspace": str(tmp_path), "routers": {"ab": {"refresh_s": 0}},
            "pipelines": {"default": {"parsers": ["good"]}, "alt": {"parsers": ["other"]}}, **extra}


@pytest.fixture
def lines(tmp_path):
    path = tmp_path / "in.jsonl"
    items = [{"id": i, "text": f"eurusd buy {i}", "user_id": f"u{i % 12}"} for i in range(36)]
    items += [{"id": "anon", "text": "eurusd buy"}, "not json"]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in items) + "\n", encoding="utf-8")
    return path


def parse(tmp_path, *args, **extra):
    return run_cli(["parse", *args], *plugins(), config=config(tmp_path, **extra))


def test_log_writes_every_parse_and_leaves_the_output_unchanged(tmp_path, lines):
    plain = parse(tmp_path, "--input", str(lines), "--json")
    logged = parse(tmp_path, "--input", str(lines), "--json", "--log")
    assert logged.exit_code == plain.exit_code == 3  # the bad line is skipped, named
    assert logged.stdout == plain.stdout
    written = rows(tmp_path, "SELECT text, user_id, kind, pipeline, latency_ms FROM parse_log")
    assert len(written) == 37 and all(r["kind"] == "signal" and r["latency_ms"] is not None for r in written)
    assert {r["user_id"] for r in written} == {f"u{i}" for i in range(12)} | {None}
    assert "parse log: 37 parses logged to" in logged.stderr


def test_log_by_configuration_and_no_log_overriding_it(tmp_path, lines):
    on = parse(tmp_path, "GOLD BUY", "--json", parse={"log": True})
    assert on.exit_code == 0 and len(rows(tmp_path, "SELECT * FROM parse_log")) == 1
    off = parse(tmp_path, "GOLD BUY", "--json", "--no-log", parse={"log": True})
    assert off.exit_code == 0 and len(rows(tmp_path, "SELECT * FROM parse_log")) == 1
    assert "parse log" not in off.stderr


def test_without_log_nothing_is_written(tmp_path, lines):
    assert parse(tmp_path, "--input", str(lines), "--json").exit_code == 3
    assert not (tmp_path / "signalos.db").exists() or rows(tmp_path, "SELECT * FROM parse_log") == []


def test_route_sends_each_line_through_the_running_experiment(tmp_path, lines):
    host = make_host(*plugins(), config=config(tmp_path))
    signalos_ab.start(host, "tp", {"control": "default", "treatment": "alt"},
                      settings={"outcome_policy": "silence-is-success", "min_outcomes": 1})
    done = parse(tmp_path, "--input", str(lines), "--json", "--route", "user_id")
    assert done.exit_code == 3
    out = [json.loads(x) for x in done.stdout.splitlines()]
    logged = {r["text"]: r for r in rows(tmp_path, "SELECT text, user_id, experiment, variant FROM parse_log")}
    for o in out[:36]:
        row = logged[f"eurusd buy {o['id']}"]
        assert row["experiment"] == "tp" and row["variant"] in ("control", "treatment")
        assert o["take_profits"] == ([1.09] if row["variant"] == "treatment" else [1.088])  # the variant answered
    assert logged["eurusd buy"]["experiment"] is None  # no user_id: the default pipeline
    by_user = {}
    for r in logged.values():
        if r["user_id"]:
            by_user.setdefault(r["user_id"], set()).add(r["variant"])
    assert all(len(v) == 1 for v in by_user.values())  # sticky per user
    assert "37 parses logged" in done.stderr and "36 routed, 36 of them in an experiment" in done.stderr
    assert "1 without user_id" in done.stderr
    status = run_cli(["ab", "status", "tp", "--json"], *plugins(), config=config(tmp_path))
    variants = json.loads(status.stdout)["variants"]
    assert sum(v["units"] for v in variants.values()) == 12
    assert sum(v["parses"] for v in variants.values()) == 36


def test_route_by_another_key_makes_it_the_unit(tmp_path):
    host = make_host(*plugins(), config=config(tmp_path))
    signalos_ab.start(host, "tp", {"control": "default", "treatment": "alt"})
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"text": f"x {i}", "chat_id": f"c{i % 3}"}) + "\n" for i in range(30)),
                    encoding="utf-8")
    assert parse(tmp_path, "--input", str(path), "--json", "--route", "chat_id").exit_code == 0
    units = rows(tmp_path, "SELECT DISTINCT unit_id FROM parse_log WHERE experiment = 'tp'")
    assert sorted(r["unit_id"] for r in units) == ["c0", "c1", "c2"]


def test_route_in_the_configuration_and_a_named_pipeline_not_routed(tmp_path, lines):
    host = make_host(*plugins(), config=config(tmp_path))
    signalos_ab.start(host, "tp", {"control": "default", "treatment": "alt"})
    assert parse(tmp_path, "--input", str(lines), "--json", parse={"route": "user_id"}).exit_code == 3
    assert len(rows(tmp_path, "SELECT * FROM parse_log WHERE experiment = 'tp'")) == 36
    named = parse(tmp_path, "--input", str(lines), "--json", "--pipeline", "alt", parse={"route": "user_id"})
    assert named.exit_code == 3
    assert all(json.loads(x).get("take_profits") == [1.09] for x in named.stdout.splitlines()
               if "error" not in json.loads(x))
    assert len(rows(tmp_path, "SELECT * FROM parse_log WHERE experiment = 'tp'")) == 36  # nothing more routed


@pytest.mark.parametrize("args,message", [
    (["--route", "account"], "--route 'account': expected one of user_id, chat_id, provider, message_id"),
    (["--route", "user_id", "--pipeline", "alt"], "give no --pipeline, --chain or --fallback"),
    (["--route", "user_id", "--chain", "good"], "give no --pipeline, --chain or --fallback"),
])
def test_route_mistakes_are_one_line(tmp_path, lines, args, message):
    done = parse(tmp_path, "--input", str(lines), "--json", *args)
    assert done.exit_code == 1 and message in str(done.exception)


def test_the_table_output_logs_too(tmp_path, lines):
    done = parse(tmp_path, "--input", str(lines), "--log")
    assert done.exit_code == 3 and len(rows(tmp_path, "SELECT * FROM parse_log")) == 37


def test_the_monitor_sees_what_parse_logged(tmp_path, lines):
    parse(tmp_path, "--input", str(lines), "--json", "--log")
    status = run_cli(["monitor", "status", "--json"], *plugins(), config=config(tmp_path))
    assert status.exit_code == 0, status.output
    overall = {s["scope"]: s for s in json.loads(status.stdout)["scopes"]}["*"]
    assert overall["n"] == 37 and overall["signals"] == 37
