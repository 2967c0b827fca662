"""``signalos eval``, ``eval history`` and ``eval show`` end to end."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import eval_support as fx
import signalos_eval
from signalos.testing import run_cli

TESTS = Path(__file__).parent


def cli(args, *plugins, config=None):
    return run_cli(args, fx, signalos_eval, *plugins, config=config)


def error_text(result) -> str:
    # In-process, a SignalosError reaches the runner as an exception; signalos.cli.main prints it.
    return result.output + (str(result.exception) if result.exception else "")


def eval_json(tmp_path, *extra, data=None):
    data = data or fx.write_labelled(tmp_path / "labelled.jsonl")
    result = cli(["eval", "--data", str(data), "--chain", "fixture-oracle", "--json",
                  "--workspace", str(tmp_path / "ws"), *extra])
    out = json.loads(result.stdout)
    assert result.exit_code == (3 if out["data"]["problems"] else 0), result.output  # 3: some lines skipped
    return out, result


def test_eval_json_reports_the_figures_and_stores_the_run(tmp_path):
    out, _ = eval_json(tmp_path)
    assert out["summary"]["exact_match"] == round(4 / 12, 4)
    assert out["chain"]["spec"] == "fixture-oracle" and out["chain"]["parsers"] == ["fixture-oracle"]
    assert out["chain"]["versions"]["fixture-oracle"]["plugin"] == "eval_support"
    assert len(out["data"]["sha256"]) == 64
    assert set(out["evaluators"]) == {"exact-match", "fields", "kinds", "latency", "errors", "slices"}
    assert out["run_id"] == 1 and (tmp_path / "ws" / "signalos.db").is_file()


def test_a_malformed_line_is_named_and_the_rest_evaluated(tmp_path):
    data = fx.write_labelled(tmp_path / "bad.jsonl", bad=True)
    out, result = eval_json(tmp_path, data=data)
    assert [p["line"] for p in out["data"]["problems"]] == [3, 6]
    assert "breaks the schema" in out["data"]["problems"][1]["error"]
    assert f"{data}:3: invalid JSON" in result.stderr and f"{data}:6: label breaks the schema" in result.stderr
    assert out["summary"]["n"] == 12


def test_human_output_has_the_tables(tmp_path):
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    result = cli(["eval", "--data", str(data), "--chain", "fixture-oracle", "--no-store"])
    assert result.exit_code == 0, result.output
    for text in ("exact match 33.3%", "fields", "kinds", "failures: 8 of 12", "by provider", "latency p50"):
        assert text in result.stdout


def test_an_evaluator_from_a_plugin_is_selected_by_name(tmp_path):
    out, _ = eval_json(tmp_path, "--evaluator", "my-eval", "--evaluator", "kinds")
    assert set(out["evaluators"]) == {"my-eval", "kinds"}
    assert out["evaluators"]["my-eval"]["messages"] == 12


def _signalos_command() -> list[str]:
    script = Path(sys.executable).parent / "signalos"
    return [str(script)] if script.exists() else [sys.executable, "-m", "signalos"]


def test_an_evaluator_plugin_loaded_by_environment_in_a_real_process(tmp_path):
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALOS_")}
    env.update(SIGNALOS_LOAD_PLUGINS="eval,eval_support", PYTHONPATH=str(TESTS) + os.pathsep + env.get("PYTHONPATH", ""))
    (tmp_path / "signalos.toml").write_text('[evaluators.my-eval]\nflag = "from-config"\n', encoding="utf-8")
    proc = subprocess.run([*_signalos_command(), "eval", "--data", str(data), "--chain", "fixture-oracle",
                           "--evaluator", "my-eval", "--json", "--workspace", str(tmp_path / "ws")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["evaluators"] == {"my-eval": {"messages": 12, "labelled_signals": 7, "flag": "from-config"}}


def test_compare_prints_mcnemar_and_deltas(tmp_path):
    out, _ = eval_json(tmp_path, "--compare", "fixture-perfect")
    c = out["comparison"]
    assert c["exact_match"]["mcnemar"]["only_b"] == 8 and c["disagreements"]["count"] == 8
    assert c["run_id_b"] == 2
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    human = cli(["eval", "--data", str(data), "--chain", "fixture-oracle", "--compare", "fixture-perfect", "--no-store"])
    assert human.exit_code == 0 and "McNemar p = 0.007812" in human.stdout


def test_history_and_show(tmp_path):
    eval_json(tmp_path)
    eval_json(tmp_path, "--pips", "1")
    ws = str(tmp_path / "ws")
    result = cli(["eval", "history", "--json", "--workspace", ws])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    assert [r["id"] for r in runs] == [2, 1]
    assert runs[0]["exact_match"] == round(5 / 12, 4) and runs[1]["exact_match"] == round(4 / 12, 4)
    assert runs[0]["chain"] == "fixture-oracle" and runs[0]["data_sha256"] == runs[1]["data_sha256"]
    human = cli(["eval", "history", "--workspace", ws])
    assert human.exit_code == 0 and "41.7%" in human.stdout and "33.3%" in human.stdout
    shown = cli(["eval", "show", "1", "--json", "--workspace", ws])
    assert json.loads(shown.stdout)["metrics"]["exact-match"]["correct"] == 4
    missing = cli(["eval", "show", "99", "--workspace", ws])
    assert missing.exit_code == 1 and "no evaluation run 99" in error_text(missing)


def test_history_of_an_empty_workspace(tmp_path):
    result = cli(["eval", "history", "--workspace", str(tmp_path / "new")])
    assert result.exit_code == 0 and "no evaluation runs" in result.stdout


def test_workspace_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(tmp_path / "envws"))
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    result = cli(["eval", "--data", str(data), "--chain", "fixture-oracle", "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "envws" / "signalos.db").is_file()


def test_predictions_file_instead_of_a_chain(tmp_path):
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    preds = fx.write_predictions(tmp_path / "preds.jsonl")
    result = cli(["eval", "--data", str(data), "--predictions", str(preds), "--json", "--no-store"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["exact_match"] == round(4 / 12, 4)


@pytest.mark.parametrize("args,message", [
    (["eval"], "--data"),
    (["eval", "--data", "/nonexistent/x.jsonl", "--no-store"], "cannot read"),
    (["eval", "--data", "{data}", "--chain", "nope", "--no-store"], "unknown parser 'nope'"),
    (["eval", "--data", "{data}", "--chain", "fixture-oracle", "--evaluator", "nope", "--no-store"],
     "unknown evaluator 'nope'"),
])
def test_errors_are_one_line(tmp_path, args, message):
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    result = cli([a.replace("{data}", str(data)) for a in args])
    assert result.exit_code != 0
    assert message in error_text(result)
    assert "Traceback" not in result.output


def test_a_file_with_no_good_line_is_an_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("{nope\n", encoding="utf-8")
    result = cli(["eval", "--data", str(path), "--chain", "fixture-oracle", "--no-store"])
    assert result.exit_code == 1 and "no labelled message to evaluate (1 unreadable lines)" in error_text(result)


@pytest.mark.parametrize("chain_args,spec,parsers", [
    (["--chain", "mine"], "mine", ["fixture-oracle"]),  # a configured pipeline
    (["--chain", "fixture-perfect,fixture-oracle"], "fixture-perfect,fixture-oracle",
     ["fixture-perfect", "fixture-oracle"]),  # parser names, tried in order
    ([], "default", ["fixture-perfect"]),  # the default pipeline
])
def test_chain_is_a_pipeline_or_parser_names(tmp_path, chain_args, spec, parsers):
    config = {"pipelines": {"default": {"parsers": ["fixture-perfect"]}, "mine": {"parsers": ["fixture-oracle"]}}}
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    result = cli(["eval", "--data", str(data), *chain_args, "--json", "--no-store"], config=config)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["chain"]["spec"] == spec and out["chain"]["parsers"] == parsers
    expected = 1.0 if parsers[0] == "fixture-perfect" else round(4 / 12, 4)
    assert out["summary"]["exact_match"] == expected


def test_pip_size_option(tmp_path):
    out, _ = eval_json(tmp_path, "--pips", "1", "--pip-size", "USDJPY=0.001", "--no-store")
    assert out["tolerance"]["pip_sizes"] == {"USDJPY": 0.001}
    assert out["summary"]["exact_match"] == round(4 / 12, 4)  # 0.01 apart is 10 of these pips
    bad = cli(["eval", "--data", str(tmp_path / "labelled.jsonl"), "--chain", "fixture-oracle", "--pip-size", "X"])
    assert bad.exit_code == 2 and "SYMBOL=SIZE" in bad.output


def test_non_finite_predictions_keep_the_output_strict_json(tmp_path):
    from signalos.models import ParseResult
    from signalos.testing import parser_plugin

    def infinite(message):
        return ParseResult(kind="signal", symbol="EURUSD", direction="buy", entry=[float("inf")],
                           stop_loss=float("nan"), take_profits=[1.2], confidence=1.0)

    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    report = tmp_path / "r.html"
    result = run_cli(["eval", "--data", str(data), "--chain", "inf", "--json", "--no-store", "--report", str(report)],
                     fx, signalos_eval, parser_plugin("inf", infinite))
    assert result.exit_code == 0, result.output
    json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"{c} in the JSON output"))
    # the page less its inlined scripts (the chart libraries' own code names NaN and Infinity)
    page = re.sub(r"<script>.*?</script>", "", report.read_text(encoding="utf-8"), flags=re.S)
    assert "signalos-charts" in page and "NaN" not in page and "Infinity" not in page


def test_diff_of_two_recorded_runs(tmp_path):
    eval_json(tmp_path)  # run 1: the oracle with its mistakes
    data = tmp_path / "labelled.jsonl"
    ws = str(tmp_path / "ws")
    perfect = cli(["eval", "--data", str(data), "--chain", "fixture-perfect", "--json", "--workspace", ws])
    assert perfect.exit_code == 0, perfect.output
    result = cli(["eval", "diff", "1", "2", "--json", "--workspace", ws])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n"] == 12 and out["exact_match"]["a"] == round(4 / 12, 4) and out["exact_match"]["b"] == 1.0
    assert out["exact_match"]["mcnemar"]["only_b"] == 8 and out["disagreements"]["count"] == 8
    human = cli(["eval", "diff", "1", "2", "--workspace", ws])
    assert human.exit_code == 0 and "McNemar p = 0.007812" in human.stdout
    other = tmp_path / "other.jsonl"
    other.write_text(data.read_text(encoding="utf-8").replace("alpha", "ALPHA"), encoding="utf-8")
    assert cli(["eval", "--data", str(other), "--chain", "fixture-oracle", "--workspace", ws]).exit_code == 0
    mismatch = cli(["eval", "diff", "1", "3", "--workspace", ws])
    assert mismatch.exit_code == 1 and "evaluated different data" in error_text(mismatch)
