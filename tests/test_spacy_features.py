"""Tokenizer v3 gives the spaCy model what the regex parser's tables know of a word, as its NORM:
a label word of any language reads as one class, so what a model learns of "SL 2335" in English
holds for "стоп 2335" and "止损 2335" (``signalos_spacy.features``). v4 adds the regex parser's
own reading of the numbers."""
from __future__ import annotations

import pytest

spacy = pytest.importorskip("spacy")


def _nlp(name: str | None = None):
    import signalos_spacy.tokenizer as tok

    return spacy.blank("xx", config={"nlp": {"tokenizer": {"@tokenizers": name or tok.TOKENIZER_NAME}}})


def _norms(text: str, name: str | None = None) -> dict[str, str]:
    import signalos_spacy.tokenizer as tok

    return {t.text: t.norm_ for t in _nlp(name or tok.TOKENIZER_V3).make_doc(text)}


def test_a_label_word_of_every_language_reads_as_one_class():
    stops = [_norms(text)[word] for text, word in (("SL 2335", "SL"), ("стоп 2335", "стоп"), ("止损 2335", "止损"),
                                                   ("Stop 2335", "Stop"))]
    assert len(set(stops)) == 1 and stops[0] == "⟨label:stop_loss⟩"
    sides = {_norms("GOLD BUY 2342")["BUY"], _norms("золото покупка 2342")["покупка"], _norms("黄金 做多 2342")["做多"]}
    assert sides == {"⟨dir:buy⟩"}


def test_numbers_and_plain_words_keep_their_own_norm():
    norms = _norms("GOLD BUY NOW @2342 SL 2335 TP1 2350 good luck")
    assert norms["2342"] == "2342" and norms["2335"] == "2335" and norms["1"] == "1"
    assert norms["good"] == "good" and norms["luck"] == "luck"
    assert norms["GOLD"] == "⟨symbol⟩"  # the symbol the tables find


def test_v4_gives_a_number_the_field_the_regex_parser_read_it_as():
    import signalos_spacy.tokenizer as tok

    norms = _norms("GOLD BUY NOW @2342 SL 2335 TP1 2350 TP2 2360", tok.TOKENIZER_NAME)
    assert tok.TOKENIZER_NAME == "signalos.tokenizer.v4"
    assert (norms["2342"], norms["2335"], norms["2350"], norms["2360"]) == (
        "⟨read:entry⟩", "⟨read:stop_loss⟩", "⟨read:take_profit⟩", "⟨read:take_profit⟩")
    assert norms["1"] == "1" and norms["SL"] == "⟨label:stop_loss⟩"  # a target's number is no price
    update = _norms("TP1 hit, move SL to 2341", tok.TOKENIZER_NAME)
    assert update["2341"] == "⟨read:action_price⟩"
    assert _norms("good morning, 2342 members", tok.TOKENIZER_NAME)["2342"] == "2342"  # nothing read


def test_update_words_read_as_their_action():
    norms = _norms("TP1 hit, move SL to entry")
    assert norms["hit"] == "⟨update:tp_hit⟩"


@pytest.mark.parametrize("text", ["", " ", "\n\n", "🔥" * 50, "(" * 3000 + "SL", "x" * 10_000, "\x00\u200d\ufe0f"])
def test_any_text_tokenizes(text):
    doc = _nlp().make_doc(text)
    assert doc.text == text


def test_a_model_learns_label_words_across_languages(tmp_path):
    """Trained on English messages only, a model with the tables' classes reads Russian, Chinese,
    Spanish and Persian messages far better than the same model trained without them (v2)."""
    from signalos.modelstore import ModelStore
    from signalos_spacy.features import LexiconTokenizer
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SpacyHyper, evaluate, train
    from test_training_learns import _data, _generated

    train_rows = _generated(300, seed=11, languages=["en"])
    held = [row for lang in ("ru", "zh", "es", "fa") for row in _generated(40, seed=12, languages=[lang])]
    figures = {}
    for norms in (True, False):
        store = ModelStore(tmp_path / str(norms))
        ref = train(_data(train_rows, held), store,
                    hyper=SpacyHyper(epochs=6, patience=0, seed=0, lexicon_norms=norms, regex_reading=False))
        parser = SpacyParser(None, {"workspace": str(tmp_path / str(norms)), "model": ref.version})
        assert isinstance(parser._load().tokenizer, LexiconTokenizer) == norms  # saved and loaded with it
        figures[norms] = evaluate(parser, held)[0]
    with_norms, without = figures[True], figures[False]
    assert with_norms["ents_f"] - without["ents_f"] >= 0.08, figures  # seen: 0.67 -> 0.83
    assert with_norms["exact"] - without["exact"] >= 0.12, figures  # seen: 0.37 -> 0.63


def test_a_model_given_the_regex_reading_learns_from_few_messages(tmp_path):
    """150 messages and six epochs: with the regex parser's reading of the numbers (v4) the
    model reads held-back messages of five languages far better than v3 trained alike."""
    from signalos.modelstore import ModelStore
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SpacyHyper, evaluate, train
    from test_training_learns import _data, _generated

    train_rows = _generated(150, seed=21, languages=["en", "ru"])
    held = [row for lang in ("en", "ru", "zh", "es", "fa") for row in _generated(24, seed=22, languages=[lang])]
    figures = {}
    for reading in (True, False):
        store = ModelStore(tmp_path / str(reading))
        ref = train(_data(train_rows, held), store, hyper=SpacyHyper(epochs=6, patience=0, seed=0, regex_reading=reading))
        parser = SpacyParser(None, {"workspace": str(tmp_path / str(reading)), "model": ref.version})
        assert parser._load().tokenizer.reading == reading  # saved and loaded with it
        figures[reading] = evaluate(parser, held)[0]
    assert figures[True]["ents_f"] - figures[False]["ents_f"] >= 0.08, figures  # seen: 0.60 -> 0.75
    assert figures[True]["exact"] - figures[False]["exact"] >= 0.2, figures  # seen: 0.33 -> 0.72
