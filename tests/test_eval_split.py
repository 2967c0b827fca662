"""`signalos eval --split NAME` evaluates a split of the workspace dataset."""
import json
from pathlib import Path

import signalos_eval
import signalos_regex
from signalos.testing import run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data" / "messages.jsonl"


def test_eval_split_reads_the_workspace_split(tmp_path):
    ws = str(tmp_path / "ws")
    assert run_cli(["data", "import", str(EXAMPLES), "--workspace", ws, "--json"]).exit_code == 0
    assert run_cli(["data", "split", "--workspace", ws, "--json"]).exit_code == 0
    res = run_cli(["eval", "--split", "test", "--chain", "regex", "--workspace", ws, "--json"],
                  signalos_regex, signalos_eval)
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    written = Path(payload["data"]["path"])
    assert written.parent == Path(ws) / "splits" and written.is_file()
    tested = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    assert tested and all(row["split"] == "test" for row in tested)
    assert payload["data"]["evaluated"] == len(tested)


def test_eval_split_without_a_dataset_is_one_clear_error(tmp_path):
    res = run_cli(["eval", "--split", "test", "--workspace", str(tmp_path / "empty")], signalos_regex, signalos_eval)
    assert res.exit_code == 1 and "holds no labelled message" in str(res.exception)


def test_eval_needs_data_or_split(tmp_path):
    res = run_cli(["eval", "--workspace", str(tmp_path)], signalos_regex, signalos_eval)
    assert res.exit_code == 2
