"""The trainers learn: a short real training on generated messages must read held-back generated
messages far better than the same model before training.

Each test trains twice with the same data, seed and schedule: once for real and once with a
learning rate of zero, so the second model is exactly the first one untrained (same
initialisation, same decoding, same calibration path). A trainer whose update step does nothing
(``nlp.update`` or ``trainer.train()`` removed) gives two models that read alike, and fails here.
"""
from __future__ import annotations

import pytest

from signalos.training.data import Example, TrainingData, _example


def _generated(n: int, seed: int, languages=None) -> list[Example]:
    from signalos.dataset.synth import synth_records

    out = []
    for rec in synth_records(n, seed=seed, languages=languages):
        ex = _example(rec, "train")
        if ex is not None:
            out.append(ex)
    return out


def _data(train: list[Example], held: list[Example]) -> TrainingData:
    # the validation split is the held-back set: early stopping is off (patience 0), so it only
    # decides which epoch's weights are kept, and the figures below are read on it again
    return TrainingData(tuple(train), tuple(held), (), source="generated", split_hash="t")


def test_spacy_training_learns(tmp_path):
    pytest.importorskip("spacy")
    from signalos.modelstore import ModelStore
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SpacyHyper, evaluate, train

    langs = ["en", "ru", "zh"]
    # more updates than the generator's share, so their action values are learned in 6 epochs
    train_rows = _generated(300, seed=11, languages=langs) + _updates(_generated(300, seed=13, languages=langs))
    held = _generated(60, seed=12, languages=langs)  # other seed: other messages, prices and layouts
    held_updates = _updates(_generated(400, seed=14, languages=langs))
    data = _data(train_rows, held)
    store = ModelStore(tmp_path / "ws")
    hyper = dict(epochs=6, patience=0, seed=0)
    learned = train(data, store, hyper=SpacyHyper(**hyper))
    untrained = train(data, store, hyper=SpacyHyper(**hyper, lr=0.0))

    def figures(ref):
        parser = SpacyParser(None, {"workspace": str(tmp_path / "ws"), "model": ref.version})
        parser._load()
        parser.kind_prior = 0.0  # the model's own kind, not the rules' (signalos.training.kind_prior)
        return evaluate(parser, held)[0]

    after, before = figures(learned), figures(untrained)
    # an update's actions carry their price, percent and target number from the model's entities
    values_after = action_values(learned, held_updates, tmp_path)
    values_before = action_values(untrained, held_updates, tmp_path)
    assert values_after[1] >= 30, values_after  # the held-back updates write values to read (seen: 60)
    assert values_after[0] / values_after[1] >= 0.35, values_after  # seen: 30 of 60
    assert values_after[0] / values_after[1] - values_before[0] / values_before[1] >= 0.3, (values_before, values_after)  # seen: 0 -> 30 of 60
    assert after["ents_f"] >= 0.8, after  # seen: 0.90
    assert after["ents_f"] - before["ents_f"] >= 0.5, (before, after)  # seen: 0.00 -> 0.90
    assert after["exact"] - before["exact"] >= 0.3, (before, after)  # seen: 0.15 -> 0.70
    assert after["kind_acc"] - before["kind_acc"] >= 0.2, (before, after)  # seen: 0.15 -> 0.95


def _updates(rows: list[Example]) -> list[Example]:
    return [r for r in rows if r.label.get("kind") == "update"]


def action_values(ref, rows: list[Example], tmp_path) -> tuple[int, int]:
    """(read right, written) over the price, percent and target number of every action of the
    updates of ``rows`` that the message writes as a number ("close half" writes none), as the
    spacy-ner model ``ref`` reads them; a value counts as read when the model gives an action of
    its type that value."""
    from signalos_spacy.parser import SpacyParser

    parser = SpacyParser(None, {"workspace": str(tmp_path / "ws"), "model": ref.version})
    parser._load()
    parser.kind_prior = 0.0  # the model's own kind
    updates = [r for r in rows if r.label.get("kind") == "update"]
    right = total = 0
    for row, res in zip(updates, parser.parse_many([r.text for r in updates])):
        got = [a.to_schema() for a in res.actions] if res is not None and res.kind == "update" else []
        written = {lab for _, _, lab in row.entities}
        for gold in row.label.get("actions") or []:
            for key in ("price", "percent", "tp"):
                if gold.get(key) is None or f"ACTION_{key.upper()}" not in written:
                    continue
                total += 1
                hit = next((a for a in got if a["type"] == gold["type"] and a[key] is not None
                            and abs(a[key] - gold[key]) < 1e-9), None)
                if hit is not None:
                    got.remove(hit)
                    right += 1
    return right, max(total, 1)


def _templated(n: int, seed: int) -> list[Example]:
    from learned_support import tiny_corpus

    return [ex for ex in (_example(row, "train") for row in tiny_corpus(n, seed)) if ex is not None]


def test_transformer_training_learns(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from signalos.modelstore import ModelStore
    from signalos_transformers.encoder import EncoderParser
    from signalos_transformers.train_encoder import EncoderHyper, evaluate, train
    from tiny_models import tiny_encoder

    base = tiny_encoder(tmp_path / "base")
    # Short templated messages: the tiny test encoder reads characters one token each (its
    # vocabulary is ASCII), and a model of 2 layers learns a layout it sees whole within seconds.
    train_rows = _templated(160, seed=21)
    held = _templated(48, seed=22)  # other seed: other prices, sides and symbols
    data = _data(train_rows, held)
    store = ModelStore(tmp_path / "ws")
    hyper = dict(epochs=8, patience=0, batch_size=16, lr=5e-3, max_length=64, seed=0)
    learned = train(data, store, base=base, hyper=EncoderHyper(**hyper))
    untrained = train(data, store, base=base, hyper=EncoderHyper(**{**hyper, "lr": 0.0}))

    def figures(ref):
        parser = EncoderParser(None, {"workspace": str(tmp_path / "ws"), "model": ref.version})
        parser._load()
        parser.kind_prior = 0.0  # the model's own kind, not the rules' (signalos.training.kind_prior)
        return evaluate(parser, held)[0]

    after, before = figures(learned), figures(untrained)
    assert after["ents_f"] - before["ents_f"] >= 0.4, (before, after)  # seen: 0.03 -> 0.65
    # exact match moves less and less steadily than the entities (seen: 0.00 -> 0.48, 0.25 -> 0.44)
    assert after["exact"] - before["exact"] >= 0.15, (before, after)
    assert after["kind_acc"] - before["kind_acc"] >= 0.15, (before, after)  # seen: 0.50 -> 0.75
