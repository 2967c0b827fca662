"""The llm parser's schema-constrained decoding, its grounding, and a LoRA training that learns.

Every model here is a tiny Llama built from a config (tests/tiny_models.py): nothing is
downloaded. The example texts are written for these tests.
"""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from learned_support import LLM_TEXTS, tiny_corpus  # noqa: E402
from signalos.models import ParseResult  # noqa: E402
from signalos_transformers.llm import LlmParser, compact_label, prompt, to_result  # noqa: E402
from signalos_transformers.schema_decode import (  # noqa: E402
    OPENER, Candidates, answer_grammar, answer_text, fmt, segments,
)
from tiny_models import tiny_causal_lm  # noqa: E402

TEXTS = LLM_TEXTS


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    import torch

    root = tmp_path_factory.mktemp("llm-constrained")
    torch.manual_seed(0)  # the random base, and so the untrained model's score, is the same every run
    rows = tiny_corpus(96, seed=1)
    texts = [prompt(r["text"]) + compact_label(r["label"]) for r in rows] + TEXTS
    return tiny_causal_lm(root / "base", texts), root


def _untrained(base, **options):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(base)).eval()
    return LlmParser.from_model(model, AutoTokenizer.from_pretrained(str(base)), **options)


def test_constrained_decoding_writes_schema_json_from_an_untrained_model(tiny_base):
    base, _ = tiny_base
    parser = _untrained(base, batch_size=4, max_new_tokens=200)
    answers = parser.generate(TEXTS)
    assert len(answers) == len(TEXTS)
    for text, (answer, confidence) in zip(TEXTS, answers):
        obj = json.loads(answer)  # every answer is JSON ...
        ParseResult.from_schema(obj)  # ... of the schema
        assert 0.0 <= confidence <= 1.0
        written = set(Candidates.of(text).numbers)
        values = [*obj.get("entry", []), *obj.get("take_profits", []), *obj.get("take_profit_pips", [])]
        values += [obj[k] for k in ("stop_loss", "leverage", "stop_loss_pips") if k in obj]
        values += [a[k] for a in obj.get("actions", []) for k in ("price",) if k in a]
        assert all(fmt(v) in written for v in values), (text, answer)  # no number the text does not write
    # the same untrained model without the constraint writes no usable JSON
    free = _untrained(base, batch_size=4, max_new_tokens=60, constrained=False)
    assert sum(json_ok(a) for a, _ in free.generate(TEXTS)) < len(TEXTS)


def json_ok(answer: str) -> bool:
    try:
        ParseResult.from_schema(json.loads(answer))
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    return True


def test_grounding_rejects_an_invented_price_and_the_grammar_never_offers_one():
    text = "GOLD BUY NOW @ 2310\nSL: 2300\nTP1: 2320"
    invented = '{"kind":"signal","symbol":"XAUUSD","direction":"buy","entry":[2310],"stop_loss":2300,"take_profits":[2345]}'
    result, why = to_result(invented, 0.9, text=text)
    assert result is None and why.startswith("ungrounded") and "2345" in why
    honest = invented.replace("2345", "2320")
    assert to_result(honest, 0.9, text=text)[1] == "ok"
    cands = Candidates.of(text)
    assert "2345" not in cands.numbers and {"2310", "2300", "2320"} <= set(cands.numbers)
    assert "XAUUSD" in cands.symbols  # GOLD, through the symbol table
    # the grammar offers only the message's numbers where a price goes
    grammar = answer_grammar(cands)
    options = next(grammar)
    for chosen in ('signal",', '"symbol":"', 'XAUUSD",', '"direction":"', 'buy",', '"entry":['):
        assert chosen in options
        options = grammar.send(chosen)
    assert options and all(o.split("]")[0].split(",")[0] in cands.numbers for o in options)
    assert not any(o.startswith("2345") for o in options)


def test_answer_format_round_trips_through_the_grammar():
    label = {"kind": "update", "symbol": "EURUSD", "actions": [
        {"type": "close_partial", "price": None, "percent": 50.0, "tp": None},
        {"type": "move_sl", "price": 1.085, "percent": None, "tp": None}]}
    text = answer_text(label)
    assert text == ('{"kind":"update","symbol":"EURUSD","actions":[{"type":"close_partial","percent":50},'
                    '{"type":"move_sl","price":1.085}]}')
    segs = segments(label, Candidates.of("EURUSD close 50% and move the stop to 1.0850"))
    assert segs is not None and OPENER + "".join(segs) == text
    assert fmt(0.0000215) == "0.0000215" and fmt(2345.0) == "2345"


def test_a_symbol_named_inside_a_run_of_chinese_is_offered_and_grounded():
    from signalos.models import ParseResult
    from signalos.validate import ungrounded

    text = "大饼多单止损移到开仓价"  # BTC's nickname, glued to the rest of the sentence
    cands = Candidates.of(text)
    assert cands.symbols == ("BTC",)
    label = {"kind": "update", "symbol": "BTC", "actions": [{"type": "breakeven"}]}
    assert segments(label, cands) is not None
    signal = ParseResult(kind="signal", symbol="BTC", direction="buy", entry=(65000.0,), stop_loss=64000.0,
                         take_profits=(67000.0,))
    assert not ungrounded(signal, "大饼多 65000 止损 64000 目标 67000")
    assert ungrounded(signal, "以太多 65000 止损 64000 目标 67000")  # ETH's name: BTC is not written
    # a message naming no symbol is never offered the symbol key: the grammar would lead nowhere
    grammar = answer_grammar(Candidates.of("止损移到开仓价"))
    assert next(grammar) == ('signal",', 'update",', 'noise"}')
    assert grammar.send('update",') == ('"actions":[{',)


def test_a_list_repeats_a_number_only_as_often_as_the_message_writes_it():
    text = "AUDUSD long at 0.6610, stop 0.6570, targets 0.6650 / 0.6650 / 0.6700"  # a channel's typo
    label = {"kind": "signal", "symbol": "AUDUSD", "direction": "buy", "entry": [0.661], "stop_loss": 0.657,
             "take_profits": [0.665, 0.665, 0.67]}
    cands = Candidates.of(text)
    assert cands.times("0.665") == 2 and cands.times("0.67") == 1
    assert "".join(segments(label, cands)).endswith('"take_profits":[0.665,0.665,0.67]}')
    # written once, a number is offered once: greedy decoding cannot loop on it
    assert segments({**label, "take_profits": [0.665, 0.67, 0.67]}, cands) is None


def _field_score(parser, rows) -> float:
    """Fraction of the fields (kind, symbol, direction, entry, stop, targets, action types) read right."""
    got = [read for read, _ in parser.generate([r["text"] for r in rows])]
    right = total = 0
    for row, answer in zip(rows, got):
        want = json.loads(answer_text(row["label"]))
        try:
            have = json.loads(answer)
        except json.JSONDecodeError:
            have = {}
        keys = ("kind", "symbol", "direction", "entry", "stop_loss", "take_profits")
        for key in keys if want["kind"] == "signal" else ("kind",):
            total += 1
            right += have.get(key) == want.get(key)
        if want["kind"] == "update":
            total += 1
            right += [a.get("type") for a in have.get("actions", [])] == [a["type"] for a in want["actions"]]
    return right / total


def test_a_short_lora_training_beats_the_untrained_model_on_held_back_messages(tiny_base, tmp_path, monkeypatch):
    from signalos.modelstore import ModelStore
    from signalos.training.data import read_file
    from signalos_transformers.train_llm import LlmHyper, train

    base, root = tiny_base
    # one thread: a model this small spends its time in thread hand-offs on a busy machine
    monkeypatch.setenv("SIGNALOS_TORCH_THREADS", "1")
    rows = tiny_corpus(96, seed=1)
    for i, r in enumerate(rows):
        r["split"] = "validation" if i % 12 == 0 else "train"
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    held = tiny_corpus(16, seed=2)  # other prices, other sides: generated apart from the training rows

    before = _field_score(_untrained(base, batch_size=16, max_new_tokens=96, bf16=False), held)
    store = ModelStore(tmp_path / "ws")
    ref = train(read_file(data), store, base=base, hyper=LlmHyper(
        max_steps=240, batch_size=8, lr=1e-2, lora_r=8, lora_alpha=16, lora_dropout=0.0, validate_n=2,
        patience=0, max_length=160, bf16=False))
    trained = LlmParser(None, {"workspace": str(tmp_path / "ws"), "model": ref.version, "batch_size": 16,
                               "max_new_tokens": 96, "bf16": False})
    after = _field_score(trained, held)
    # a random 2-layer model learns the kind, symbol and side, seldom which number is which:
    # seen 0.03-0.12 untrained, 0.42-0.57 trained; with trainer.train() disabled it stays put
    print(f"field score: untrained {before:.2f}, trained {after:.2f}")
    assert after >= 0.4 and after >= before + 0.3, (before, after)
