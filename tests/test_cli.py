"""The command line, in-process with CliRunner and as a real ``signalos`` process."""
from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

import pytest

import signalos
import signalos_regex
from signalos.testing import parser_plugin, run_cli

TESTS = Path(__file__).parent
SIGNAL = "SIG EURUSD buy 1.0850 sl 1.0820 tp 1.0880 1.0910"
UPDATE = "UPD EURUSD close"
TOY_THEN_REGEX = {"pipelines": {"default": {"parsers": ["toy", "regex"]},
                                "toy-only": {"parsers": ["toy"]}}}


def cli(args, toy_plugin, *, input=None, config=TOY_THEN_REGEX):
    return run_cli(args, toy_plugin, signalos_regex, config=config, input=input)


def lines_of(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


# one message ---------------------------------------------------------------------------------------

def test_parse_json_prints_the_schema_object(toy_plugin):
    result = cli(["parse", SIGNAL, "--json"], toy_plugin)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "signal" and data["symbol"] == "EURUSD" and data["direction"] == "buy"
    assert data["entry"] == [1.085] and data["stop_loss"] == 1.082 and data["take_profits"] == [1.088, 1.091]
    assert data["parser"] == "toy" and data["accepted"] is True
    assert "attempts" not in data


def test_parse_json_attempts(toy_plugin):
    data = json.loads(cli(["parse", "hello there", "--json", "--attempts"], toy_plugin).stdout)
    assert [a["parser"] for a in data["attempts"]] == ["toy", "regex"]
    assert data["attempts"][0]["reason"] == "no answer"
    assert data["parser"] == "regex"


def test_parse_human_output_shows_the_fields(toy_plugin):
    result = cli(["parse", SIGNAL, "--attempts"], toy_plugin)
    assert result.exit_code == 0, result.output
    for word in ("signal EURUSD buy", "entry", "1.085", "stop loss", "1.082", "1.088, 1.091", "toy",
                 "confidence", "0.90", "attempts"):
        assert word in result.stdout

    update = cli(["parse", UPDATE], toy_plugin).stdout
    assert "actions" in update and "close" in update


def test_parse_pipeline_chain_and_provider(toy_plugin):
    seen = []
    spy = parser_plugin("spy", lambda m: seen.append(m.provider))  # records, then "not mine"
    args = ["parse", "x", "--json", "--attempts", "--chain", "spy,toy", "--provider", "acme"]
    data = json.loads(run_cli(args, toy_plugin, spy).stdout)
    assert [a["parser"] for a in data["attempts"]] == ["spy", "toy"]
    assert seen == ["acme"]

    data = json.loads(cli(["parse", "x", "--json", "--attempts", "--pipeline", "toy-only"], toy_plugin).stdout)
    assert [a["parser"] for a in data["attempts"]] == ["toy"]


@pytest.mark.parametrize("args, message", [
    (["parse"], "give a TEXT to parse, or --input FILE"),
    (["parse", "x", "--input", "-"], "not both"),
    (["parse", "x", "--chain", "toy", "--pipeline", "toy-only"], "--chain replaces --pipeline"),
    (["parse", "x", "--chain", " , "], "name at least one parser"),
])
def test_parse_usage_errors(toy_plugin, args, message):
    result = cli(args, toy_plugin)
    assert result.exit_code == 2
    assert message in result.stderr


def test_one_line_errors(capsys, tmp_path, monkeypatch):
    from signalos.cli import main

    monkeypatch.chdir(tmp_path)  # no ./signalos.toml: the built-in default pipeline

    def run(*args):
        with pytest.raises(SystemExit) as info:
            main(list(args))
        return info.value.code, capsys.readouterr().err

    code, err = run("parse", "x", "--pipeline", "nope")
    assert code == 1
    assert err == "Error: unknown pipeline 'nope'; configured: default\n"
    code, err = run("parse", "x", "--chain", "regex,nope")
    assert code == 1
    assert err.startswith("Error: unknown parser 'nope'; available: ") and err.count("\n") == 1
    code, err = run("parse", "--input", str(tmp_path / "missing.jsonl"), "--json")
    assert (code, err) == (1, f"Error: cannot read {tmp_path / 'missing.jsonl'}: No such file or directory\n")


# JSON Lines --------------------------------------------------------------------------------------

JSONL = "\n".join([
    json.dumps({"id": "a", "text": SIGNAL, "label": {"kind": "signal"}}),
    "",
    json.dumps({"id": "b", "text": "UPD EURUSD close", "provider": "acme"}),
    "{not json",
    json.dumps(["a", "list"]),
    json.dumps({"id": "c", "txt": "typo"}),
    json.dumps({"id": 4, "text": "чат без сигнала ☕", "note": "ру \ud800"}),  # a lone surrogate too
    "   ",
    json.dumps({"text": SIGNAL.replace("EURUSD", "GBPUSD")}),
]) + "\n"


def check_jsonl_output(objects: list[dict]) -> None:
    assert len(objects) == 7  # blank lines are skipped, bad lines answered
    first, second, bad_json, not_object, no_text, russian, no_id = objects
    assert first["id"] == "a" and first["label"] == {"kind": "signal"}  # carried over
    assert first["kind"] == "signal" and first["symbol"] == "EURUSD" and first["parser"] == "toy"
    assert "text" not in first
    assert second["id"] == "b" and second["provider"] == "acme" and second["kind"] == "update"
    assert second["actions"] == [{"type": "close", "price": None, "percent": None, "tp": None}]
    assert bad_json["line"] == 4 and bad_json["error"].startswith("invalid JSON") and "id" not in bad_json
    assert not_object == {"line": 5, "error": "expected a JSON object, got list"}
    assert no_text == {"id": "c", "line": 6, "error": "no 'text' key"}
    assert russian["id"] == 4 and russian["parser"] == "regex" and russian["note"] == "ру \ud800"
    assert no_id["symbol"] == "GBPUSD" and "id" not in no_id
    assert list(first)[:2] == ["id", "label"]  # carried keys first, then the schema


def test_parse_jsonl_in_process(toy_plugin, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(JSONL, encoding="utf-8")
    result = cli(["parse", "--input", str(path), "--json"], toy_plugin)
    assert result.exit_code == 3, result.output  # 3: some lines were skipped
    check_jsonl_output(lines_of(result.stdout))
    assert "warning: line 4: invalid JSON" in result.stderr
    assert "warning: line 6: no 'text' key" in result.stderr


def test_parse_jsonl_from_stdin_and_non_ascii_kept(toy_plugin):
    result = cli(["parse", "--input", "-", "--json"], toy_plugin, input=JSONL)
    assert result.exit_code == 3, result.output  # 3: some lines were skipped
    check_jsonl_output(lines_of(result.stdout))
    assert "ч" not in result.stdout  # the text is not echoed
    result = cli(["parse", "--input", "-", "--json"], toy_plugin,
                 input=json.dumps({"id": "ид-1", "text": "x"}) + "\n")
    assert '"id": "ид-1"' in result.stdout  # ensure_ascii=False


def test_parse_jsonl_skips_a_byte_order_mark(toy_plugin, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_text(json.dumps({"id": 1, "text": UPDATE}) + "\n", encoding="utf-8-sig")
    (obj,) = lines_of(cli(["parse", "--input", str(path), "--json"], toy_plugin).stdout)
    assert obj["id"] == 1 and obj["kind"] == "update"


def test_parse_jsonl_attempts_and_provider(toy_plugin):
    result = cli(["parse", "--input", "-", "--json", "--attempts", "--provider", "zeta"], toy_plugin,
                 input=json.dumps({"text": SIGNAL}) + "\n")
    (obj,) = lines_of(result.stdout)
    assert [a["parser"] for a in obj["attempts"]] == ["toy"]


def test_parse_jsonl_human_table(toy_plugin):
    result = cli(["parse", "--input", "-"], toy_plugin, input=JSONL)
    assert result.exit_code == 3, result.output  # 3: some lines were skipped
    assert "EURUSD" in result.stdout and "error" in result.stdout
    assert "7 lines: " in result.stdout and "3 error" in result.stdout
    assert "warning: line 5" in result.stderr


def test_plugins_command(toy_plugin):
    result = cli(["plugins", "--json"], toy_plugin)
    assert result.exit_code == 0, result.output
    names = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert names["toy_plugin"]["components"] == {"parsers": ["toy"]}
    table = cli(["plugins"], toy_plugin).stdout
    assert "toy_plugin" in table and "parsers: toy" in table


def test_version():
    result = run_cli(["--version"])
    assert result.stdout.strip() == f"signalos {signalos.__version__}"


# a real process ----------------------------------------------------------------------------------

@pytest.fixture
def process_env(tmp_path):
    """Environment and config for a ``signalos`` subprocess with only the toy and regex plugins."""
    config = tmp_path / "signalos.toml"
    config.write_text('[pipelines.default]\nparsers = ["toy", "regex"]\n')
    env = dict(os.environ)
    env.update(SIGNALOS_LOAD_PLUGINS="toy_plugin,regex", SIGNALOS_CONFIG=str(config),
               PYTHONPATH=os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]),
               PYTHONIOENCODING="ascii")  # the output must be UTF-8 whatever the locale says
    return env


def signalos_command() -> list[str]:
    script = Path(sys.executable).parent / "signalos"
    return [str(script)] if script.exists() else [sys.executable, "-m", "signalos"]


def test_subprocess_parse_jsonl_file_and_stdin(tmp_path, process_env):
    path = tmp_path / "in.jsonl"
    path.write_text(JSONL, encoding="utf-8")
    for args, stdin in ((["--input", str(path)], None), (["--input", "-"], JSONL)):
        proc = subprocess.run([*signalos_command(), "parse", *args, "--json"], input=stdin, env=process_env,
                              capture_output=True, text=True, encoding="utf-8", timeout=60)
        assert proc.returncode == 3, proc.stderr  # 3: some lines skipped
        check_jsonl_output(lines_of(proc.stdout))
        warnings = proc.stderr.splitlines()
        assert [w.split(":")[0:2] for w in warnings] == [
            ["warning", " line 4"], ["warning", " line 5"], ["warning", " line 6"]]


def test_python_dash_m_signalos(process_env):
    proc = subprocess.run([sys.executable, "-m", "signalos", "parse", UPDATE, "--json"], env=process_env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["actions"][0]["type"] == "close"
    proc = subprocess.run([sys.executable, "-m", "signalos", "parse", "x", "--pipeline", "nope"],
                          env=process_env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == "Error: unknown pipeline 'nope'; configured: default\n"


def test_subprocess_output_streams_line_by_line(process_env):
    """Each answer is written before the next line is read: a bot can pipe messages through."""
    proc = subprocess.Popen([*signalos_command(), "parse", "--input", "-", "--json"], env=process_env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    try:
        for i in range(3):
            proc.stdin.write((json.dumps({"id": i, "text": SIGNAL}) + "\n").encode())
            proc.stdin.flush()
            assert selector.select(timeout=30), "no output line while stdin is still open"
            assert json.loads(proc.stdout.readline())["id"] == i
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0


# the regex parser, through the CLI --------------------------------------------------------------

def test_regex_parser_reads_a_plain_gold_signal():
    result = run_cli(["parse", "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360", "--json"], signalos_regex)
    data = json.loads(result.stdout)
    assert (data["kind"], data["symbol"], data["direction"]) == ("signal", "XAUUSD", "buy")
    assert data["entry"] == [2342, 2345] and data["stop_loss"] == 2335 and data["take_profits"] == [2350, 2360]


def test_invalid_utf8_in_input_is_replaced_not_fatal(toy_plugin):
    data = b'{"id": 1, "text": "\xff\xfe UPD EURUSD close"}\n' + json.dumps({"id": 2, "text": UPDATE}).encode() + b"\n"
    result = cli(["parse", "--input", "-", "--json"], toy_plugin, input=data)
    assert result.exit_code == 0, result.output
    assert [obj["id"] for obj in lines_of(result.stdout)] == [1, 2]


def test_two_apps_in_one_process_keep_their_own_plugins(toy_plugin):
    from typer.testing import CliRunner

    from signalos.cli import build_app
    from signalos.testing import make_host

    toy_only = {"pipelines": {"default": {"parsers": ["toy"]}}}
    with_toy = build_app(host_factory=lambda cfg: make_host(toy_plugin, config=toy_only))
    without_toy = build_app(host_factory=lambda cfg: make_host(signalos_regex))
    runner = CliRunner()
    assert json.loads(runner.invoke(with_toy, ["parse", UPDATE, "--json"]).stdout)["parser"] == "toy"
    assert json.loads(runner.invoke(without_toy, ["parse", UPDATE, "--json"]).stdout)["parser"] == "regex"
    assert json.loads(runner.invoke(with_toy, ["parse", UPDATE, "--json"]).stdout)["parser"] == "toy"


def test_hostile_input_lines_are_answered_not_fatal(toy_plugin):
    hostile = ["[" * 100_000, '{"text": ' * 50_000, json.dumps({"text": "9" * 1_000_000}), "\x00" * 10]
    result = cli(["parse", "--input", "-", "--json"], toy_plugin, input="\n".join(hostile) + "\n")
    assert result.exit_code == 3, result.output  # 3: some lines were skipped
    objects = lines_of(result.stdout)
    assert [obj.get("line") for obj in objects] == [1, 2, None, 4]
    assert objects[0]["error"] == "invalid JSON: nested too deeply"
    # a million digits is no order: noise, from the last parser, saying it read the beginning only
    assert (objects[2]["kind"], objects[2]["parser"]) == ("noise", "regex")
    assert any("parsed its beginning only" in w for w in objects[2]["warnings"])


@pytest.mark.parametrize("batch", ["2", "3", "100"])
def test_batched_input_gives_the_same_lines_in_the_same_order(toy_plugin, batch):
    lines = [json.dumps({"id": "a", "text": SIGNAL}), "not json", "", json.dumps({"id": "c", "text": UPDATE}),
             json.dumps({"text": 5}), json.dumps({"id": "e", "text": "GOLD BUY 2350 SL 2340 TP 2360"})]
    stdin = "\n".join(lines) + "\n"
    plain = cli(["parse", "--input", "-", "--json"], toy_plugin, input=stdin)
    batched = cli(["parse", "--input", "-", "--json", "--batch", batch], toy_plugin, input=stdin)
    assert batched.exit_code == 3, batched.output  # 3: some lines were skipped
    assert batched.stdout == plain.stdout
    assert [o.get("id", o.get("line")) for o in lines_of(batched.stdout)] == ["a", 2, "c", 5, "e"]
