"""The rules' kind class as a prior of the learned parsers' kind (``signalos.training.kind_prior``):
the blend, the choice of its weight on the validation split, and the parsers applying a model's
choice."""
from __future__ import annotations

from pathlib import Path

import pytest

from signalos.training import kind_prior


def test_the_blend_weighs_the_rules_class_against_the_models():
    probs = {"signal": 0.55, "noise": 0.45}
    assert kind_prior.blend(probs, "noise", 0.0) == ("signal", 0.55)  # the model alone
    assert kind_prior.blend(probs, None, 1.0) == ("signal", 0.55)  # no rules' class: the model
    # the rules decide; the score is the model's probability of the class chosen (its doubt stays)
    assert kind_prior.blend(probs, "noise", 1.0) == ("noise", 0.45)
    # a light prior tips a close call, and the model overrules it when it is sure
    assert kind_prior.blend(probs, "noise", 0.2)[0] == "noise"
    assert kind_prior.blend({"signal": 0.75, "noise": 0.25}, "noise", 0.2)[0] == "signal"
    assert kind_prior.blend({"signal": 0.75, "noise": 0.25}, "noise", 0.4)[0] == "noise"
    assert kind_prior.blend({"signal": 0.9, "noise": 0.1}, "noise", 0.4)[0] == "signal"
    # a class the model lacks (a pair of actions it never saw) scores the weight alone
    cls, score = kind_prior.blend({"update:close": 0.7, "noise": 0.3}, "update:close,tp_hit", 0.4)
    assert (cls, score) == ("update:close", 0.7)
    assert kind_prior.blend({"update:close": 0.5, "noise": 0.5}, "update:close,tp_hit", 0.6) == ("update:close,tp_hit", 0.0)


def test_the_weight_is_the_one_that_validates_best_and_the_lighter_on_a_tie():
    exact = {0.0: 0.80, 0.2: 0.84, 0.4: 0.86, 1.0: 0.86}
    choice = kind_prior.choose(exact.__getitem__)
    assert choice["used"] == 0.4 and choice["validation_exact"] == {str(w): f for w, f in exact.items()}
    assert kind_prior.choose(lambda w: 0.9)["used"] == 0.0  # the prior gains nothing: the model alone
    assert kind_prior.prior_weight({"kind_prior": {"used": 1.0}}) == 1.0
    assert kind_prior.prior_weight({}) == 0.0 and kind_prior.prior_weight(None) == 0.0  # older models


def test_the_weight_and_the_decoding_of_updates_are_chosen_together():
    # the rules' class reads updates best from the class, the model's from its action words
    exact = {(0.0, True): 0.86, (0.0, False): 0.81, (0.2, True): 0.86, (0.2, False): 0.82,
             (0.4, True): 0.88, (0.4, False): 0.89, (1.0, True): 0.91, (1.0, False): 0.93}
    prior, words = kind_prior.choose_with_action_words(lambda w, aw: exact[w, aw])
    assert prior["used"] == 1.0 and prior["validation_exact"]["1.0"] == 0.93
    assert words == {"used": False, "validation_exact": {"words": 0.91, "class": 0.93}}
    # chosen one after the other, the words (better at weight 0) would have been kept
    assert max((True, False), key=lambda aw: exact[0.0, aw]) is True


def test_the_rules_class_of_a_message():
    from signalos_regex.features import reading_class

    assert reading_class("GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360") == "signal"
    assert reading_class("EURUSD TP1 hit, move stop to entry") == "update:tp_hit,breakeven"
    assert reading_class("good morning traders") == "noise"
    assert reading_class("") == "noise"
    # what kind_class makes of the answer's schema object, for every example message
    import json

    from signalos.training.spans import kind_class
    from signalos_regex.features import default_reader

    root = Path(__file__).resolve().parent.parent
    texts = [json.loads(line)["text"] for line in (root / "examples" / "data" / "messages.jsonl").read_text().splitlines() if line.strip()]
    classes = [reading_class(text) for text in texts]
    assert classes == [kind_class(default_reader().read(text).to_schema()) for text in texts]
    assert any(c.startswith("update:") for c in classes) and {"signal", "noise"} <= set(classes)


TEXTS = ["GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360", "EURUSD TP1 hit", "good morning traders",
         "BTC 空 65000 止损 66000 目标 64000"]


def test_the_spacy_parser_leans_on_the_rules_class_by_its_models_weight():
    pytest.importorskip("spacy")
    from spacy.training import Example as SpacyExample

    from signalos.training.spans import ENTITY_LABELS
    from signalos_regex.features import reading_class
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SINGLE_CLASSES, SpacyHyper, blank_pipeline

    classes = sorted(SINGLE_CLASSES)
    nlp = blank_pipeline(list(ENTITY_LABELS), classes, SpacyHyper(regex_reading=True))
    # a text classifier taught that every message is a cancel
    examples = []
    for text in TEXTS:
        ref = nlp.make_doc(text)
        ref.cats = {c: float(c == "update:cancel") for c in classes}
        examples.append(SpacyExample(nlp.make_doc(text), ref))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    parser = SpacyParser.from_pipeline(nlp)
    rules = [reading_class(t) for t in TEXTS]
    assert set(rules) == {"signal", "update:tp_hit", "noise"}
    assert {parser.raw(nlp(t))[0] for t in TEXTS} == {"update:cancel"}  # the model alone
    parser.kind_prior = 1.0
    assert [parser.raw(nlp(t))[0] for t in TEXTS] == rules
    assert [r.kind for r in parser.parse_many(TEXTS)] == [c.partition(":")[0] for c in rules]


def test_the_encoder_decodes_the_kind_with_the_rules_class():
    from signalos_transformers.encoder import KIND_PREFIX, decode_picked

    id2label = {0: "O", 1: "B-ENTRY", 2: KIND_PREFIX + "signal", 3: KIND_PREFIX + "noise"}
    first = [0.0, 0.0, 0.3, 0.7]
    args = (first, [0, 1], [0.9, 0.9], [(0, 0), (0, 4)], [1, 0], id2label, [2, 3])
    assert decode_picked(*args)[0] == "noise"
    assert decode_picked(*args, prior="signal", weight=0.2)[0] == "noise"  # the model is sure enough
    assert decode_picked(*args, prior="signal", weight=0.4)[0] == "signal"
    kind, score, ents, _ = decode_picked(*args, prior="signal", weight=1.0)
    assert (kind, score, ents) == ("signal", 0.3, [(0, 4, "ENTRY")])
