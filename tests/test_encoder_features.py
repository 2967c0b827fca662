"""The encoder reads the regex tables' class of each word as its token type
(``signalos_transformers.encoder.token_features``): a label word its vocabulary maps to [UNK]
(стоп, 止损) still tells the model what it is, and a model trained on English reads other languages."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")


def test_token_types_carry_the_class_of_the_word_a_sub_token_lies_in():
    from signalos_regex.features import feature_classes
    from signalos_transformers.encoder import token_features

    text = "[CLS] SL 2335 стоп 2340 止损 2330"
    words = [("[CLS]", True), ("SL", False), ("2335", False), ("стоп", False), ("2340", False), ("止", False),
             ("损", False), ("2330", False)]
    offsets, special, at = [], [], 0
    for word, is_special in words:
        start = text.index(word, at)
        offsets.append((start, start + len(word)))
        special.append(int(is_special))
        at = start + len(word)
    ids = {c: i for i, c in enumerate(feature_classes())}
    types = token_features(text, offsets, special, ids)
    stop = ids["⟨label:stop_loss⟩"]
    assert types == [0, stop, 0, stop, 0, stop, stop, 0]  # the special token and the prices stay 0


def test_a_model_trained_on_english_reads_label_words_of_other_languages(tmp_path):
    from signalos.modelstore import ModelStore
    from signalos_regex.features import feature_classes
    from signalos_transformers.encoder import FEATURES_KEY, EncoderParser
    from signalos_transformers.train_encoder import EncoderHyper, evaluate, train
    from test_training_learns import _data, _generated
    from tiny_models import tiny_encoder

    base = tiny_encoder(tmp_path / "base")  # an ASCII vocabulary: Cyrillic and Han words are [UNK]
    train_rows = _generated(200, seed=11, languages=["en"])
    held = [row for lang in ("ru", "zh", "es") for row in _generated(40, seed=12, languages=[lang])]
    figures = {}
    for features in (True, False):
        store = ModelStore(tmp_path / str(features))
        ref = train(_data(train_rows, held), store, base=base, hyper=EncoderHyper(
            epochs=8, patience=0, batch_size=16, lr=5e-3, max_length=96, seed=0, lexicon_features=features,
            regex_reading=False))
        parser = EncoderParser(None, {"workspace": str(tmp_path / str(features)), "model": ref.version})
        parser._load()
        saved = getattr(parser._model.config, FEATURES_KEY, None)
        assert saved == (feature_classes() if features else None)  # saved with the model, read back
        figures[features] = evaluate(parser, held)[0]
    assert figures[True]["ents_f"] - figures[False]["ents_f"] >= 0.12, figures  # seen: 0.11 -> 0.39


def test_numbers_get_the_field_the_regex_parser_read_them_as():
    from signalos_regex.features import feature_classes
    from signalos_transformers.encoder import token_features

    text = "GOLD BUY 2342 SL 2335 TP 2350"
    offsets = [(0, 0), (0, 4), (5, 8), (9, 13), (14, 16), (17, 21), (22, 24), (25, 29)]
    special = [1, 0, 0, 0, 0, 0, 0, 0]
    ids = {c: i for i, c in enumerate(feature_classes(reading=True))}
    types = token_features(text, offsets, special, ids)
    assert types[3] == ids["⟨read:entry⟩"] and types[5] == ids["⟨read:stop_loss⟩"] and types[7] == ids["⟨read:take_profit⟩"]
    assert types[0] == 0 and types[4] == ids["⟨label:stop_loss⟩"]
    # a model saved without the readings reads its numbers as before
    assert token_features(text, offsets, special, {c: i for i, c in enumerate(feature_classes())})[3] == 0


def test_the_regex_reading_teaches_a_small_model_more(tmp_path):
    """The same tiny encoder and schedule, with and without the regex parser's reading of the
    numbers as token types: held-back messages of three languages read far better with it."""
    from signalos.modelstore import ModelStore
    from signalos_transformers.encoder import EncoderParser
    from signalos_transformers.train_encoder import EncoderHyper, evaluate, train
    from test_training_learns import _data, _generated
    from tiny_models import tiny_encoder

    base = tiny_encoder(tmp_path / "base")
    train_rows = _generated(120, seed=13, languages=["en", "ru"])
    held = [row for lang in ("en", "ru", "es") for row in _generated(30, seed=14, languages=[lang])]
    figures = {}
    for reading in (True, False):
        store = ModelStore(tmp_path / str(reading))
        ref = train(_data(train_rows, held), store, base=base, hyper=EncoderHyper(
            epochs=4, patience=0, batch_size=16, lr=5e-3, max_length=96, seed=0, regex_reading=reading))
        parser = EncoderParser(None, {"workspace": str(tmp_path / str(reading)), "model": ref.version})
        parser._load()
        figures[reading] = evaluate(parser, held)[0]
    assert figures[True]["ents_f"] - figures[False]["ents_f"] >= 0.3, figures  # seen: 0.27 -> 0.75
    assert figures[True]["exact"] - figures[False]["exact"] >= 0.3, figures  # seen: 0.07 -> 0.72


def test_training_batches_messages_of_about_one_length(tmp_path):
    """The speed trick of the encoder's trainer (an epoch 70 s -> 27 s here): the Trainer is asked
    for its length-grouped sampler, under the argument name of the installed transformers."""
    from transformers import TrainingArguments

    from signalos_transformers.train_encoder import _sampling

    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", **_sampling(True))
    strategy = getattr(args, "train_sampling_strategy", None)
    assert strategy == "group_by_length" or getattr(args, "group_by_length", False) is True
    assert _sampling(False) == {}
