"""The spacy-ner tokenizer puts every price on its own token, so a gold span is never lost inside a
longer token: full-width punctuation, glued forms (v2); models trained with v1 keep v1's rules."""
from __future__ import annotations

import pytest

spacy = pytest.importorskip("spacy")


def _tokens(name: str, text: str) -> list[str]:
    import signalos_spacy.tokenizer  # noqa: F401  (registers the tokenizers)

    nlp = spacy.blank("xx", config={"nlp": {"tokenizer": {"@tokenizers": name}}})
    return [t.text for t in nlp.make_doc(text) if not t.is_space]


@pytest.mark.parametrize("text, price", [
    ("入场价格：0.4521", "0.4521"),          # full-width colon
    ("止损；12.75", "12.75"),                 # full-width semicolon
    ("TP：1.1050，SL：1.0990", "1.0990"),     # full-width comma between fields
    ("target======1450.5", "1450.5"),
    ("stop ------------1440.25", "1440.25"),
    ("**Stop**1.3320**", "1.3320"),
    ("zone 98.10_98.40", "98.40"),
    ("tp 0.8810/$", "0.8810"),
    ("targets 144.250,143.800", "143.800"),
    ("Tp2.1.28450", "1.28450"),             # a target's number glued to its price
    ("exit 2.5;TP 3", "2.5"),
])
def test_v2_puts_the_price_on_its_own_token(text, price):
    from signalos_spacy.tokenizer import TOKENIZER_NAME, TOKENIZER_V2

    assert TOKENIZER_V2 == "signalos.tokenizer.v2"
    assert price in _tokens(TOKENIZER_V2, text)
    assert _tokens(TOKENIZER_NAME, text) == _tokens(TOKENIZER_V2, text)  # v3 splits as v2 does


@pytest.mark.parametrize("text, number", [
    ("1,250.50", "1,250.50"),   # thousands separator: one number
    ("1.250,50", "1.250,50"),   # decimal comma: one number
    ("4785-90", "4785"),
])
def test_v2_keeps_numbers_whole(text, number):
    from signalos_spacy.tokenizer import TOKENIZER_NAME

    assert number in _tokens(TOKENIZER_NAME, text)


def test_v1_is_unchanged_for_the_models_trained_with_it():
    # a model trained with v1 saw this as one token; it must load and read with the same rules
    assert "入场价格：0.4521" in _tokens("signalos.tokenizer.v1", "入场价格：0.4521")
