"""spacy-ner's fields as BIO tags (``signalos_spacy.tagging``): tags to spans and back, and a
tagger pipeline that keeps its tags-to-entities step through saving and loading."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("spacy")

from signalos_spacy.tagging import OUTSIDE, bio_labels, bio_tags, spans_of_tags  # noqa: E402


def test_tags_read_into_spans():
    tags = ["B-ENTRY", "I-ENTRY", "O", "I-TAKE_PROFIT", "I-TAKE_PROFIT", "B-ENTRY", "B-ENTRY", "I-STOP_LOSS"]
    # an I- that continues no span of its label opens one; B- always opens one
    assert spans_of_tags(tags) == [(0, 2, "ENTRY"), (3, 5, "TAKE_PROFIT"), (5, 6, "ENTRY"), (6, 7, "ENTRY"),
                                   (7, 8, "STOP_LOSS")]
    assert spans_of_tags([OUTSIDE] * 3) == [] and spans_of_tags([]) == []
    assert spans_of_tags(["I-ENTRY", "I-ENTRY"]) == [(0, 2, "ENTRY")]


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3), st.sampled_from(["ENTRY", "STOP_LOSS"])), max_size=6))
def test_spans_survive_their_tags(gaps_and_lengths):
    spans, at = [], 0
    for gap, length, label in gaps_and_lengths:
        spans.append((at + gap, at + gap + length, label))
        at += gap + length
    tags = bio_tags(at + 1, spans)
    assert set(tags) <= set(bio_labels(["ENTRY", "STOP_LOSS"]))
    assert spans_of_tags(tags) == spans


def test_a_tagger_pipeline_sets_its_entities_after_loading(tmp_path):
    import spacy

    from signalos.training.data import Example
    from signalos_spacy.parser import load_pipeline
    from signalos_spacy.tagging import TAGGER
    from signalos_spacy.train import SpacyHyper, blank_pipeline, entity_labels, to_spacy_examples

    nlp = blank_pipeline(["SYMBOL", "ENTRY"], ["signal", "noise"],
                         SpacyHyper(width=32, depth=1, ner="tagger", regex_reading=False))
    assert entity_labels(nlp) == ["ENTRY", "SYMBOL"]
    text = "GOLD buy 2300 now"
    rows = [Example(id="a", text=text, label={"kind": "signal"}, split="train",
                    entities=((0, 4, "SYMBOL"), (9, 13, "ENTRY")))]
    examples, misaligned = to_spacy_examples(nlp, rows, ["signal", "noise"])
    assert misaligned == 0 and [t.tag_ for t in examples[0].reference] == ["B-SYMBOL", "O", "B-ENTRY", "O"]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    assert [(e.text, e.label_) for e in nlp(text).ents] == [("GOLD", "SYMBOL"), ("2300", "ENTRY")]
    nlp.to_disk(tmp_path / "pipeline")

    class Ref:
        path = tmp_path
        spec = "x@1"

    loaded = load_pipeline(Ref)
    assert TAGGER in loaded.pipe_names and isinstance(loaded, spacy.language.Language)
    assert [(e.text, e.label_) for e in loaded(text).ents] == [("GOLD", "SYMBOL"), ("2300", "ENTRY")]


def test_the_transition_ner_is_still_trained_and_served(tmp_path):
    """``ner = "transition"`` (the default before the tagger) trains, saves and serves as before."""
    from signalos.modelstore import ModelStore
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SpacyHyper, train
    from test_training_learns import _data, _generated

    rows = _generated(40, seed=3)
    ref = train(_data(rows, rows[:8]), ModelStore(tmp_path), hyper=SpacyHyper(epochs=1, patience=0, ner="transition"))
    parser = SpacyParser(None, {"workspace": str(tmp_path), "model": ref.version})
    assert "ner" in parser._load().pipe_names and ref.manifest.hyperparameters["ner"] == "transition"
    assert len(parser.parse_many([r.text for r in rows[:5]])) == 5
