"""The data steps feed the train step: generated rows are in train (never unsplit, never scoring
a model), and a model's manifest names the split by the hash `signalos data split` printed."""
from __future__ import annotations

import json
from pathlib import Path

from signalos.testing import run_cli
from signalos.training.data import read_workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data" / "messages.jsonl"


def _json(args):
    res = run_cli(args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_generated_rows_go_to_train_and_the_split_hash_reaches_training(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(tmp_path / "ws"))
    assert run_cli(["data", "import", str(EXAMPLES)]).exit_code == 0
    split = _json(["data", "split", "--json"])
    assert split["counts"]["validation"] > 0 and split["counts"]["test"] > 0  # the examples are split
    assert run_cli(["data", "synth", "--n", "60"]).exit_code == 0
    stats = _json(["data", "stats", "--json"])
    assert stats["by_split"].get("none", 0) == 0  # synthetic rows are not left unsplit
    td = read_workspace(tmp_path / "ws", include_synthetic=True)
    assert td.split_hash == split["split_hash"]
    assert len(td.train) == split["counts"]["train"] + 60
    assert (len(td.validation), len(td.test)) == (split["counts"]["validation"], split["counts"]["test"])

    # splitting again keeps every generated row in train: they never score a model
    again = _json(["data", "split", "--json"])
    assert again["counts"]["validation"] == split["counts"]["validation"]
    assert again["counts"]["train"] == split["counts"]["train"] + 60
    assert read_workspace(tmp_path / "ws").split_hash == again["split_hash"] != split["split_hash"]
