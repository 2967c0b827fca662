"""`signalos data stats`: counts, rates, coverage and the quality score."""
from __future__ import annotations

import json

from signalos.dataset import Dataset
from signalos.testing import run_cli

SIGNAL = {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "entry": [2300.0], "stop_loss": 2290.0,
          "take_profits": [2310.0]}


def test_stats_counts_rates_coverage_and_quality(tmp_path):
    ws = tmp_path / "ws"
    ds = Dataset.open(ws)
    batch = ds.add_batch("import")
    ds.add_messages([
        {"text": "XAUUSD buy 2300 sl 2290 tp 2310", "provider": "a", "language": "en", "label": SIGNAL,
         "spans": {"symbol": [[0, 6]]}, "verified": True},
        {"text": "xauusd buy 2300 sl 2290 tp 2310", "provider": "a", "language": "en", "label": SIGNAL},
        {"text": "привет", "provider": "b", "language": "ru", "label": {"kind": "noise"}, "uncertain": True},
        {"text": "no label", "provider": "b", "language": "ru"},
    ], batch)
    ds.set_duplicates({2: True})
    ds.set_split({1: "train", 3: "test"})
    result = run_cli(["data", "stats", "--workspace", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert (s["messages"], s["labelled"], s["verified"], s["uncertain"]) == (4, 3, 1, 1)
    assert s["verified_rate"] == round(1 / 3, 4)
    assert s["by_kind"] == {"signal": 2, "noise": 1, "unlabelled": 1}
    assert s["by_split"] == {"none": 2, "test": 1, "train": 1}
    assert s["by_provider"] == {"a": 2, "b": 2} and s["by_language"] == {"en": 2, "ru": 2}
    assert s["coverage"]["matrix"] == {"a": {"en": 2}, "b": {"ru": 2}}
    assert (s["coverage"]["cells_filled"], s["coverage"]["cells"]) == (2, 4)
    assert s["duplicates_removed"] == 1
    shares = s["quality"]["shares"]
    assert shares == {"labelled": 0.75, "verified": round(1 / 3, 4), "spans": 0.5, "certain": round(1 - 1 / 3, 4),
                      "unique": 0.75, "split": round(2 / 3, 4)}
    assert s["quality"]["score"] == round(100 * sum(shares.values()) / 6, 1)
    assert "quality = " in s["quality"]["definition"]
    human = run_cli(["data", "stats", "--workspace", str(ws)])
    assert human.exit_code == 0 and "quality score" in human.stdout and "quality = 100 x mean" in human.stdout


def test_stats_of_an_empty_workspace(tmp_path):
    result = run_cli(["data", "stats", "--workspace", str(tmp_path / "empty"), "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert s["messages"] == 0 and s["quality"]["score"] == 0.0
