"""``signalos train transformer`` and the ``transformer`` parser, with a tiny BERT built here."""
from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import signalos_transformers  # noqa: E402
from learned_support import write_corpus  # noqa: E402
from signalos.errors import ConfigError  # noqa: E402
from signalos.models import ParseResult  # noqa: E402
from signalos.testing import make_host, parser_plugin, run_cli  # noqa: E402
from signalos_transformers.encoder import decode, tag_names, token_tags  # noqa: E402
from tiny_models import tiny_encoder  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("enc")
    data = write_corpus(root / "tiny.jsonl", 40)
    base = tiny_encoder(root / "base")
    ws = root / "ws"
    res = run_cli(["train", "transformer", "--base", str(base), "--data", str(data), "--workspace", str(ws), "--synthetic", "0",
                   "--epochs", "2", "--patience", "0", "--batch-size", "8", "--lr", "1e-3", "--json"],
                  signalos_transformers)
    assert res.exit_code == 0, res.output
    return ws, base, json.loads(res.stdout)


def test_train_registers_safetensors_and_epoch_metrics(trained):
    ws, base, summary = trained
    assert summary["model"] == "transformer@0.1.0" and len(summary["epochs"]) == 2
    assert {"exact", "ents_f", "kind_acc", "loss"} <= set(summary["epochs"][0])
    manifest = json.loads((ws / "models" / "transformer" / "0.1.0" / "manifest.json").read_text())
    assert "model/model.safetensors" in manifest["files"]
    assert not any(f.endswith((".bin", ".pt", ".pkl")) for f in manifest["files"])  # no pickled training_args
    assert manifest["base_model"] == str(base) and len(manifest["base_sha256"]) == 64
    assert manifest["hyperparameters"]["lr"] == 1e-3


def test_parser_by_version_and_damage_stops_its_pipeline(trained, tmp_path, monkeypatch):
    ws, _, _ = trained
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    host = make_host(signalos_transformers, parser_plugin("fallback", lambda m: {"kind": "noise"}))
    results = host.parser("transformer@0.1.0").parse_many(["GOLD BUY NOW @ 2310\nSL: 2300\nTP1: 2320", "hi"])
    assert all(isinstance(r, ParseResult) for r in results)
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    weights = copy / "models" / "transformer" / "0.1.0" / "model" / "model.safetensors"
    weights.write_bytes(b"\0" * weights.stat().st_size)
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(copy))
    host = make_host(signalos_transformers, parser_plugin("fallback", lambda m: {"kind": "noise"}))
    with pytest.raises(ConfigError, match="parser 'transformer' cannot start: .*model.safetensors"):
        host.use_pipeline("p", ["transformer", "fallback"])


def test_tags_round_trip_through_offsets():
    names = tag_names(["signal", "noise"])
    label2id = {n: i for i, n in enumerate(names)}
    id2label = {i: n for n, i in label2id.items()}
    offsets = [(0, 0), (0, 4), (5, 8), (9, 13), (13, 14), (14, 16), (0, 0)]  # [CLS] gold buy 2310 . 50 [SEP]
    special = [1, 0, 0, 0, 0, 0, 1]
    ents = [(0, 4, "SYMBOL"), (5, 8, "BUY"), (9, 16, "ENTRY")]
    tags = token_tags(offsets, ents, special, "signal", label2id)
    assert [id2label.get(t) for t in tags] == ["K:signal", "B-SYMBOL", "B-BUY", "B-ENTRY", "I-ENTRY", "I-ENTRY", None]
    probs = [[1.0 if j == t else 0.0 for j in range(len(names))] for t in [max(t, 0) for t in tags]]
    kind, p, found, least = decode(probs, offsets, special, id2label)
    assert kind == "signal" and found == ents and least == 1.0
