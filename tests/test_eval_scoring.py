"""The scoring core agrees with shared/score.py, which defines what "right" means."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import eval_support as fx
from signalos.evaluation import load_labelled, run_from_predictions
from signalos.evaluation.scoring import Tolerance, field_ok, list_eq, num_eq, score_row, symbol_ok

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCORE_PY = SHARED / "score.py"
REAL = SHARED / "corpus" / "real.jsonl"
needs_score_py = pytest.mark.skipif(not SCORE_PY.is_file(), reason="shared/score.py is not beside the repository")


@pytest.mark.parametrize("label,pred,ok", [
    ("EURUSD", "eurusd", True), ("EURUSD", "EUR/USD", True), ("BTC", "BTCUSDT", True),
    ("BTCUSDT", "BTC", True), ("ETH", "ETHPERP", True), ("ETH", "ETHBTC", False),
    ("XAUUSD", "XAGUSD", False), (None, None, True), (None, "EURUSD", False), ("", None, True),
])
def test_symbol_equivalence(label, pred, ok):
    assert symbol_ok(label, pred) is ok


def test_numbers_within_the_default_tolerance():
    assert num_eq(2340.0, 2340.0 * (1 + 5e-7))
    assert not num_eq(2340.0, 2340.1)
    assert num_eq(None, None) and not num_eq(None, 0.0) and not num_eq("x", 1.0)
    assert list_eq([2, 1], [1, 2], sort=True) and not list_eq([2, 1], [1, 2])


def test_pip_tolerance_uses_the_instrument_pip_size():
    one_pip = Tolerance(pips=1)
    assert num_eq(150.80, 150.81, one_pip, "USDJPY")  # JPY pair: a pip is 0.01
    assert not num_eq(1.0850, 1.0860, one_pip, "EURUSD")  # 10 pips apart
    assert num_eq(1.0850, 1.0851, one_pip, "EUR/USD")
    assert not num_eq(30000.0, 30001.0, one_pip, "BTCUSDT")  # crypto: no pip
    custom = Tolerance(pips=2, pip_sizes={"btcusdt": 1.0})
    assert num_eq(30000.0, 30002.0, custom, "BTCUSDT")
    assert Tolerance.from_options({"pips": 3}, Tolerance(rel_tol=1e-3)).rel_tol == 1e-3


def test_fields_and_kinds_of_one_row():
    label = fx.sig("BTC", "buy", [1.0, 2.0], 0.5, [3.0, 4.0], order_type="limit", leverage=10)
    pred = fx.sig("BTCUSDT", "BUY", [2.0, 1.0], 0.5, [4.0, 3.0], order_type="limit", leverage=10.0)
    s = score_row(label, pred)
    assert s.kind_ok and not s.exact
    assert s.fields == {"symbol": True, "direction": True, "entry": True, "stop_loss": True, "take_profits": False}
    assert s.optional == {"order_type": True, "leverage": True}
    assert field_ok("take_profits", label, {**pred, "take_profits": [3.0, 4.0]})
    assert not score_row(label, {"kind": "noise"}).fields["symbol"]  # wrong kind: every field wrong
    update = fx.upd(("close", None, None, None), ("breakeven", None, None, None))
    assert score_row(update, fx.upd(("breakeven", 1.0, None, None), ("close", None, None, None))).exact
    assert not score_row(update, fx.upd(("close", None, None, None))).exact


def _perturbed(rows: list[dict], seed: int) -> list[dict]:
    """Predictions with the mistakes a parser makes: wrong kinds, lost targets, quotes added to
    symbols, reordered entries, dropped actions, blank lines."""
    rng = random.Random(seed)
    out = []
    for r in rows:
        p = dict(r["label"])
        x = rng.random()
        if x < 0.1:
            p = {"kind": "noise"}
        elif x < 0.2 and p["kind"] == "signal":
            p["take_profits"] = p["take_profits"][1:]
        elif x < 0.25 and p["kind"] == "signal":
            p["symbol"] = (p["symbol"] or "") + "USDT"
        elif x < 0.3 and p["kind"] == "signal":
            p["stop_loss"] = (p["stop_loss"] or 1.0) * 1.01
        elif x < 0.35 and p["kind"] == "signal":
            p["entry"] = list(reversed(p["entry"]))
        elif x < 0.4 and p["kind"] == "update":
            p["actions"] = p["actions"][:1]
        elif x < 0.45:
            p["kind"] = "signal"
        elif x < 0.5 and p["kind"] == "signal":
            p["leverage"], p["order_type"] = 5.0, "market"
        elif x < 0.52:
            p = {}
        out.append({"id": r["id"], **p} if p else {})
    return out


def _score_py(labelled: Path, predicted: Path, *flags: str) -> dict:
    out = subprocess.run([sys.executable, str(SCORE_PY), str(labelled), str(predicted), "--json", *flags],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _assert_same(ours: dict, theirs: dict) -> None:
    assert ours["n"] == theirs["n"]
    for key in ("exact_match", "kind_accuracy"):
        assert round(ours[key], 3) == round(theirs[key], 3), key
    assert set(ours["signal_fields"]) == set(theirs["signal_fields"])
    for f, v in theirs["signal_fields"].items():
        assert round(ours["signal_fields"][f], 3) == round(v, 3), f
    for f, v in theirs["optional_fields"].items():
        assert round(ours["optional_fields"][f], 3) == round(v, 3), f
    assert ours["by_kind"] == theirs["by_kind"]
    assert ours["confusion"] == theirs["confusion"]


def _labelled_files(tmp_path: Path) -> list[Path]:
    files = [fx.write_labelled(tmp_path / "fixture.jsonl")]
    if REAL.is_file():  # read in place, never copied into the repository
        files.append(REAL)
    return files


@needs_score_py
@pytest.mark.parametrize("keep_uncertain", [False, True])
def test_agrees_with_score_py(tmp_path, keep_uncertain):
    flags = ("--keep-uncertain",) if keep_uncertain else ()
    for labelled in _labelled_files(tmp_path):
        rows = [json.loads(line) for line in labelled.read_text(encoding="utf-8").splitlines() if line.strip()]
        for seed in range(3):
            preds = _perturbed(rows, seed)
            pred_path = tmp_path / f"pred-{labelled.stem}-{seed}.jsonl"
            pred_path.write_text("".join(json.dumps(p) + "\n" for p in preds), encoding="utf-8")
            data = load_labelled(labelled, keep_uncertain=keep_uncertain)
            ours = run_from_predictions("file", data, preds).summary()
            _assert_same(ours, _score_py(labelled, pred_path, *flags))


@needs_score_py
def test_fixture_predictions_agree_with_score_py(tmp_path):
    labelled = fx.write_labelled(tmp_path / "l.jsonl")
    pred_path = fx.write_predictions(tmp_path / "p.jsonl")
    preds = [json.loads(line) for line in pred_path.read_text().splitlines()]
    ours = run_from_predictions("file", load_labelled(labelled), preds).summary()
    theirs = _score_py(labelled, pred_path)
    _assert_same(ours, theirs)
    assert ours["exact_match"] == round(len(fx.EXACT_IDS) / 12, 4)


@needs_score_py
@pytest.mark.skipif(not REAL.is_file(), reason="shared/corpus/real.jsonl is not beside the repository")
def test_eval_of_the_regex_chain_equals_score_py_on_its_parses(tmp_path):
    """The issue's bar: `signalos eval --json` and score.py on `signalos parse --json` agree."""
    import signalos_eval
    import signalos_regex
    from signalos.testing import run_cli

    parsed = run_cli(["parse", "--input", str(REAL), "--json", "--chain", "regex"], signalos_regex)
    assert parsed.exit_code == 0, parsed.output
    pred_path = tmp_path / "parses.jsonl"
    pred_path.write_text(parsed.stdout, encoding="utf-8")
    result = run_cli(["eval", "--data", str(REAL), "--chain", "regex", "--json", "--no-store"],
                     signalos_regex, signalos_eval)
    assert result.exit_code == 0, result.output
    _assert_same(json.loads(result.stdout)["summary"], _score_py(REAL, pred_path))
