"""``signalos train llm`` and the ``llm`` parser with a tiny Llama built here (real LoRA training)."""
from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

import signalos_transformers  # noqa: E402
from learned_support import tiny_corpus, write_corpus  # noqa: E402
from signalos.errors import MissingDependencyError  # noqa: E402
from signalos.testing import make_host, parser_plugin, run_cli  # noqa: E402
from signalos_transformers.llm import compact_label, prompt, read_answer, to_result  # noqa: E402
from tiny_models import tiny_causal_lm  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("llm")
    rows = tiny_corpus(32)
    data = write_corpus(root / "tiny.jsonl", 32)
    base = tiny_causal_lm(root / "base", [prompt(r["text"]) + compact_label(r["label"]) for r in rows])
    ws = root / "ws"
    res = run_cli(["train", "llm", "--base", str(base), "--data", str(data), "--workspace", str(ws),
                   "--max-steps", "4", "--batch-size", "4", "--lora-r", "4", "--lora-layers", "1", "--validate-n", "3", "--json"],
                  signalos_transformers)
    assert res.exit_code == 0, res.output
    return ws, base, json.loads(res.stdout)


def test_train_saves_only_the_adapter_and_names_the_base(trained):
    ws, base, summary = trained
    assert summary["model"] == "llm@0.1.0" and summary["kind"] == "llm"
    manifest = json.loads((ws / "models" / "llm" / "0.1.0" / "manifest.json").read_text())
    assert manifest["base_model"] == str(base) and len(manifest["base_sha256"]) == 64
    assert manifest["hyperparameters"]["lora_r"] == 4 and manifest["hyperparameters"]["lora_layers"] == 1
    assert "adapter/adapter_model.safetensors" in manifest["files"]
    assert not any(f.endswith((".bin", ".pt", ".pkl")) for f in manifest["files"])
    assert "valid_json" in manifest["metrics"]["validation"]


def test_parser_generates_in_batches_and_misses_on_bad_json(trained, monkeypatch):
    ws, _, _ = trained
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    host = make_host(signalos_transformers, parser_plugin("fallback", lambda m: {"kind": "noise"}))
    parser = host.parser("llm@latest")
    out = parser.parse_many(["GOLD BUY NOW @ 2310", "Close all trades now", "hello"])
    assert len(out) == 3 and len(parser.last_reasons) == 3  # a tiny model mostly writes garbage: misses
    outcome = host.use_pipeline("p", ["llm", "fallback"]).parse("GOLD SELL NOW")
    assert outcome.result.kind in ("signal", "update", "noise")


def test_answers_are_read_strictly():
    assert read_answer('junk {"kind":"noise"} tail') == {"kind": "noise"}
    assert to_result("not json", 0.9)[0] is None
    assert to_result('{"kind":"signal","symbol":"XAUUSD","direction":"buy","entry":[2300],"stop_loss":2310}', 0.9)[0] is None
    ok, why = to_result('{"kind":"signal","symbol":"XAUUSD","direction":"buy","entry":[2300],"stop_loss":2290,'
                        '"take_profits":[2310]}', 0.9)
    assert why == "ok" and ok.take_profits == (2310.0,) and ok.leverage is None
    label = {"kind": "update", "symbol": None, "actions": [{"type": "close", "price": None, "percent": None, "tp": None}]}
    assert compact_label(label) == '{"kind":"update","actions":[{"type":"close"}]}'


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a))
    host = make_host(signalos_transformers)
    assert "llm" in host.parsers
    with pytest.raises(MissingDependencyError, match=r"pip install 'signalos\[transformers\]'"):
        host.parser("llm").parse("GOLD BUY")
