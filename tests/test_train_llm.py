"""``signalos train llm`` and the ``llm`` parser with a tiny Llama built here (real LoRA training).

What a short training must leave behind is checked in the artefact itself: the adapter's LoRA
weights (rank, adapted layers, moved from their zero start), the base copied into the workspace
and verified, every file listed. That such a training learns to read held-back messages is
``test_llm_constrained.py``'s longer test.
"""
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
from signalos.modelstore import ModelStore, file_table, read_manifest, sha256_file  # noqa: E402
from signalos.testing import make_host, parser_plugin, run_cli  # noqa: E402
from signalos.validate import ungrounded, validate  # noqa: E402
from signalos_transformers.llm import (  # noqa: E402
    DRAFT, LlmParser, compact_label, prompt, prompt_ids, read_answer, regex_draft, to_result,
)
from tiny_models import tiny_causal_lm  # noqa: E402

TEXTS = ["GOLD BUY NOW @ 2310\nSL: 2300\nTP1: 2320", "Close all trades now", "hello"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    import torch

    root = tmp_path_factory.mktemp("llm")
    torch.manual_seed(0)  # the random base: the same every run
    rows = tiny_corpus(32)
    data = write_corpus(root / "tiny.jsonl", 32)
    base = tiny_causal_lm(root / "base", [prompt(r["text"], reading=True) + compact_label(r["label"]) for r in rows])
    ws = root / "ws"
    res = run_cli(["train", "llm", "--base", str(base), "--data", str(data), "--workspace", str(ws),
                   "--max-steps", "4", "--batch-size", "4", "--lora-r", "4", "--lora-layers", "1", "--validate-n", "3", "--json"],
                  signalos_transformers)
    assert res.exit_code == 0, res.output
    return ws, base, json.loads(res.stdout)


def test_the_version_holds_the_adapter_and_lists_every_file(trained):
    ws, base, summary = trained
    assert summary["model"] == "llm@0.1.0" and summary["kind"] == "llm"
    path = ws / "models" / "llm" / "0.1.0"
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["files"] == file_table(path)  # every file there, listed with its size and hash
    assert "adapter/adapter_model.safetensors" in manifest["files"]
    assert all(f.startswith("adapter/") for f in manifest["files"])  # the adapter only: the base lies in .bases
    assert not any(f.endswith((".bin", ".pt", ".pkl")) for f in manifest["files"])
    assert manifest["size_bytes"] == sum(f["size"] for f in manifest["files"].values())
    assert manifest["data"]["counts"] == {"train": 24, "validation": 5, "test": 3, "holdout": 0}  # of 32 rows
    validation = manifest["metrics"]["validation"]
    assert validation["n"] == 3 and 0.0 <= validation["valid_json"] <= 1.0
    assert manifest["calibration"]["n"] == 3  # fitted on the validated rows
    store = ModelStore(ws)
    try:
        assert store.resolve("llm@latest", verify=True).version == "0.1.0"
    finally:
        store.close()


def test_the_adapter_holds_the_lora_weights_the_options_asked_for(trained):
    from safetensors.numpy import load_file

    ws, _, _ = trained
    weights = load_file(str(ws / "models" / "llm" / "0.1.0" / "adapter" / "adapter_model.safetensors"))
    assert weights
    # --lora-layers 1: only the top one of the base's two layers is adapted; --lora-r 4: rank 4
    assert {name.split(".layers.")[1].split(".")[0] for name in weights} == {"1"}
    a = {n: w for n, w in weights.items() if "lora_A" in n}
    b = {n: w for n, w in weights.items() if "lora_B" in n}
    assert len(a) == len(b) == 7  # q, k, v, o, gate, up and down projections
    assert all(w.shape[0] == 4 for w in a.values()) and all(w.shape[1] == 4 for w in b.values())
    # LoRA's B matrices start at zero: four optimiser steps must have moved every one of them
    assert all(abs(w).max() > 0 for w in b.values())


def test_a_base_from_outside_is_copied_into_the_workspace(trained):
    ws, base, _ = trained
    manifest = read_manifest(ws / "models" / "llm" / "0.1.0", verify=True)
    assert manifest.base_model == str(base)  # where it came from: recorded, never read
    rel = manifest.extra["base_dir"]
    assert rel.startswith(".bases/") and not rel.startswith("/")
    copy = ws / "models" / rel
    base_manifest = read_manifest(copy, verify=True)  # the copy is checked like any model
    assert base_manifest.kind == "base-llm"
    assert sha256_file(copy / "model.safetensors") == sha256_file(base / "model.safetensors") == manifest.base_sha256
    assert set(base_manifest.files) == {p.name for p in base.iterdir() if p.is_file()}


def test_parser_answers_each_text_of_a_batch_and_grounds_what_it_reads(trained, monkeypatch):
    ws, _, _ = trained
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    host = make_host(signalos_transformers, parser_plugin("fallback", lambda m: {"kind": "noise"}))
    parser = host.parser("llm@latest")
    assert parser.version == "llm@0.1.0"
    out = parser.parse_many(TEXTS)
    assert len(out) == len(parser.last_reasons) == len(TEXTS)
    for text, result, why in zip(TEXTS, out, parser.last_reasons):
        assert (result is None) == (why != "ok" and not why.startswith("invalid: ")), (text, why)
        if result is not None:  # an answer names only what the text writes; an invalid one says so
            assert result.parser == "llm" and not ungrounded(result, text)
            assert (why == "ok") == (not validate(result)) == result.accepted
            assert 0.0 <= result.confidence <= 1.0
    # alone, a text is decoded without the batch's padding, so its answer may differ from the
    # batch's: the chain must act on the answer the parser gives that text alone
    alone = parser.parse(TEXTS[0])
    outcome = host.use_pipeline("p", ["llm", "fallback"], threshold=0.5).parse(TEXTS[0])
    first = outcome.attempts[0]
    assert first.parser == "llm" and first.error is None
    assert (first.result and first.result.to_schema()) == (alone and alone.to_schema())
    assert first.accepted == (alone is not None and alone.accepted and alone.confidence >= 0.5)
    assert outcome.result.parser == ("llm" if first.accepted else "fallback")


def test_an_answer_cut_short_is_a_miss_and_the_chain_falls_through(trained):
    ws, _, _ = trained
    # two new tokens cannot finish any schema object: every answer is cut off
    config = {"workspace": str(ws), "parsers": {"llm": {"max_new_tokens": 2}}}
    host = make_host(signalos_transformers, parser_plugin("fallback", lambda m: {"kind": "noise"}), config=config)
    parser = host.parser("llm")
    assert parser.parse_many(TEXTS) == [None] * len(TEXTS)
    assert parser.last_reasons == ["invalid json"] * len(TEXTS)
    outcome = host.use_pipeline("p", ["llm", "fallback"]).parse(TEXTS[0])
    assert outcome.result.parser == "fallback" and outcome.attempts[0].parser == "llm"


def test_the_prompt_carries_the_regex_parsers_answer_as_a_draft_when_the_model_was_trained_so(trained, monkeypatch):
    from transformers import AutoTokenizer

    ws, base, _ = trained
    text = TEXTS[0]
    draft = regex_draft(text)
    assert draft.startswith('{"kind":"signal","symbol":"XAUUSD","direction":"buy"') and '"stop_loss":2300' in draft
    assert regex_draft("hello") == '{"kind":"noise"}'
    assert DRAFT + draft in prompt(text, reading=True) and DRAFT not in prompt(text)
    tok = AutoTokenizer.from_pretrained(str(base))
    with_draft, without = prompt_ids(tok, text, reading=True), prompt_ids(tok, text)
    assert tok.decode(with_draft) == prompt(text, reading=True) and tok.decode(without) == prompt(text)
    # a long message is cut, never the draft or the tail that opens the answer
    cut = prompt_ids(tok, text + "\n" + "word " * 400, max_tokens=120, reading=True)
    assert len(cut) <= 120 and tok.decode(cut).endswith(DRAFT + draft + prompt("x")[len("Trading message:\nx"):])
    # the CLI trains with the draft by default; the manifest says so and the parser follows it
    manifest = read_manifest(ws / "models" / "llm" / "0.1.0")
    assert manifest.extra["regex_reading"] is True and "{regex_draft}" in manifest.extra["prompt"]
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    parser = make_host(signalos_transformers).parser("llm@latest")
    assert parser.regex_reading is False  # not loaded yet
    assert parser.version == "llm@0.1.0"  # loads the model
    assert parser.regex_reading is True
    # without the key (a model trained before the draft) a parser prompts without it
    assert LlmParser(None, {}).regex_reading is False


def test_answers_are_read_strictly():
    assert read_answer('junk {"kind":"noise"} tail') == {"kind": "noise"}
    assert to_result("not json", 0.9)[0] is None
    # a reading that fails validation comes back flagged, as the regex parser's: never accepted
    wrong, why = to_result('{"kind":"signal","symbol":"XAUUSD","direction":"buy","entry":[2300],"stop_loss":2310}', 0.9)
    assert why.startswith("invalid: ") and "not below entry" in why
    assert wrong.stop_loss == 2310 and wrong.accepted is False and any("not below entry" in w for w in wrong.warnings)
    # one that names a price the message does not write is no answer at all
    assert to_result('{"kind":"signal","symbol":"XAUUSD","direction":"buy","entry":[2300],"stop_loss":2290,'
                     '"take_profits":[2310]}', 0.9, text="GOLD BUY 2300 SL 2290 TP 2320")[1].startswith("ungrounded")
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
