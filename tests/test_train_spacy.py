"""``signalos train spacy`` and the ``spacy-ner`` parser, on a tiny corpus (real training, seconds)."""
from __future__ import annotations

import json
import sys

import pytest

spacy = pytest.importorskip("spacy")

import signalos_spacy  # noqa: E402
from learned_support import write_corpus  # noqa: E402
from signalos.errors import ConfigError, MissingDependencyError  # noqa: E402
from signalos.models import ParseResult  # noqa: E402
from signalos.testing import make_host, parser_plugin, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One model trained through the CLI, shared by the tests of this module."""
    root = tmp_path_factory.mktemp("spacy")
    data = write_corpus(root / "tiny.jsonl")
    ws = root / "ws"
    res = run_cli(["train", "spacy", "--data", str(data), "--workspace", str(ws), "--epochs", "4", "--synthetic", "0",
                   "--patience", "0", "--json", "--alias", "production", "--write-splits", str(root / "splits")],
                  signalos_spacy)
    assert res.exit_code == 0, res.output
    test_rows = (root / "splits" / "test.jsonl").read_text().splitlines()
    assert test_rows and all(json.loads(line)["label"] for line in test_rows)  # ready for signalos eval --data
    return ws, json.loads(res.stdout)


def test_train_registers_a_version_with_its_manifest(trained):
    ws, summary = trained
    assert summary["model"] == "spacy-ner@0.1.0" and summary["kind"] == "spacy-ner"
    assert len(summary["epochs"]) == 4 and {"ents_f", "exact", "kind_acc"} <= set(summary["epochs"][0])
    manifest = json.loads((ws / "models" / "spacy-ner" / "0.1.0" / "manifest.json").read_text())
    assert manifest["hyperparameters"]["epochs"] == 4 and manifest["split_hash"]
    assert manifest["libraries"]["spacy"] == spacy.__version__
    assert manifest["data"]["counts"]["train"] > 0 and manifest["calibration"]["method"] == "isotonic"
    assert manifest["size_bytes"] < 20_000_000
    assert not any(f.endswith((".pkl", ".pickle", ".pt")) for f in manifest["files"])  # spaCy .bin files are msgpack


def test_the_parser_loads_by_alias_and_returns_schema_results(trained, monkeypatch):
    ws, _ = trained
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    host = make_host(signalos_spacy)
    parser = host.parser("spacy-ner@production")
    assert parser.version == "spacy-ner@0.1.0"
    result = parser.parse("GOLD BUY NOW @ 2310\nSL: 2300\nTP1: 2320\nTP2: 2330")
    assert isinstance(result, ParseResult) and 0.0 <= result.confidence <= 1.0
    assert result.kind in ("signal", "update", "noise")
    # the chain accepts or rejects it like any parser's answer, and never raises
    outcome = host.use_pipeline("learned", ["spacy-ner@production"]).parse("\x00" * 10 + "🚀" * 500)
    assert outcome.attempts[0].error is None


def test_a_damaged_model_stops_its_pipeline_at_start(trained, tmp_path, monkeypatch):
    import shutil

    ws, _ = trained
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    model = next((copy / "models" / "spacy-ner" / "0.1.0" / "pipeline" / "ner").glob("model"))
    model.write_bytes(model.read_bytes()[:-10])
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(copy))
    host = make_host(signalos_spacy, parser_plugin("fallback", lambda m: {"kind": "noise"}))
    with pytest.raises(ConfigError, match="parser 'spacy-ner' cannot start: .*pipeline/ner/model"):
        host.use_pipeline("p", ["spacy-ner", "fallback"])


def test_missing_spacy_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy now fails
    host = make_host(signalos_spacy)  # the name is still registered
    assert "spacy-ner" in host.parsers
    with pytest.raises(MissingDependencyError, match=r"pip install 'signalos\[spacy\]'"):
        host.parser("spacy-ner").parse("GOLD BUY")
    res = run_cli(["train", "spacy", "--data", str(write_corpus(tmp_path / "t.jsonl")), "--workspace",
                   str(tmp_path / "ws")], signalos_spacy)
    assert res.exit_code != 0
