"""The learned parsers' fast inference paths write what the plain paths write.

The llm's jump-forward decoder (``jump_decode``) against the reference ``generate`` with the
schema's logits processor, on a tiny random Llama built from a config (tests/tiny_models.py):
same answers, same confidences, fewer forward passes. The example texts are written here.
"""
from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from learned_support import tiny_corpus  # noqa: E402
from signalos_transformers.llm import LlmParser, compact_label, prompt  # noqa: E402
from tiny_models import tiny_causal_lm  # noqa: E402

TEXTS = [
    "GOLD BUY NOW @ 2310\nSL: 2300\nTP1: 2320\nTP2: 2330",
    "EURUSD sell limit 1.0860 - 1.0870 stop 1.0900 targets 1.0820 / 1.0800",
    "Close half of the BTC position now",
    "Good morning traders, markets open in an hour",
    "#ETH/USDT LONG x20 entry 3150-3170 SL 3080 TP 3250 3300 3400",
    "طلا خرید ۲۳۱۰ حد ضرر ۲۳۰۰",
    "move stop to entry on gold",
    "XAUUSD sell 2401 2405 sl 2410 tp 2395 2390 2385 2380",
    "",
    "tp1 hit +40 pips on GBPJPY, close 50% now",
]


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root = tmp_path_factory.mktemp("llm-inference")
    torch.manual_seed(0)
    rows = tiny_corpus(64, seed=2)
    base = tiny_causal_lm(root / "base", [prompt(r["text"]) + compact_label(r["label"]) for r in rows] + TEXTS)
    model = AutoModelForCausalLM.from_pretrained(str(base)).eval()
    # the fresh random model writes one kind for every message; shaken by seeded noise it writes
    # signals and updates, short and long answers (checked by the last test)
    noise = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for weights in model.parameters():
            weights.add_(torch.randn(weights.shape, generator=noise) * 3.0 * weights.std().clamp(min=0.02))
    return model, AutoTokenizer.from_pretrained(str(base)), [r["text"] for r in rows[:6]] + TEXTS


def _answers(model, tok, texts, **options):
    parser = LlmParser.from_model(model, tok, **options)
    return parser.generate(texts), parser.last_stats


@pytest.mark.parametrize("batch_size,max_new_tokens", [(4, 160), (1, 160), (16, 12)])
def test_jump_forward_writes_the_reference_decoders_answers(tiny_llm, batch_size, max_new_tokens):
    model, tok, texts = tiny_llm
    ref, ref_stats = _answers(model, tok, texts, batch_size=batch_size, max_new_tokens=max_new_tokens,
                              jump_forward=False)
    fast, stats = _answers(model, tok, texts, batch_size=batch_size, max_new_tokens=max_new_tokens)
    assert [a for a, _ in fast] == [a for a, _ in ref]
    assert [c for _, c in fast] == pytest.approx([c for _, c in ref], rel=1e-4, abs=1e-6)
    # the same tokens, in fewer forward passes
    assert stats["tokens"] == ref_stats["tokens"] and stats["chosen_tokens"] == ref_stats["chosen_tokens"]
    assert stats["forward_passes"] < ref_stats["forward_passes"]


def test_the_fixture_exercises_choices_cut_offs_and_several_kinds(tiny_llm):
    """Guards the identity test above against a model that always writes one short answer."""
    model, tok, texts = tiny_llm
    full, _ = _answers(model, tok, texts, batch_size=8, max_new_tokens=160)
    cut, _ = _answers(model, tok, texts, batch_size=16, max_new_tokens=12)
    kinds = {a.split('"')[3] for a, _ in full if not a.endswith("…")}
    assert {"signal", "update"} <= kinds, kinds
    assert len({a for a, _ in full}) >= 6
    assert any(a.endswith("…") for a, _ in cut) and any(not a.endswith("…") for a, _ in cut)
    assert len({round(c, 3) for _, c in full}) > 3
