"""Training a ``spacy-ner`` model with spaCy's v3 API, from a blank multilingual pipeline.

Entities and kind classes come from the shared span alignment (``signalos.training``); the
tokenizer is ``signalos.tokenizer.v1`` so every gold span falls on token boundaries (the few that
do not are counted, never silently dropped). Each epoch is scored on the validation split on
characters and on the assembled schema result; the best epoch's weights are kept.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import attrs

from signalos.models import ACTION_TYPES
from signalos.modelstore import Manifest, ModelRef, ModelStore, discard
from signalos.training import calibration as calib
from signalos.training import kind_prior
from signalos.training.data import Example, TrainingData
from signalos.training.metrics import EarlyStopping, entity_scores, exact_flags, result_scores
from signalos.training.spans import choose_action_words

from signalos_spacy.parser import NAME, SpacyParser, _require_spacy


# Every model gets each single kind class, seen in its data or not: a channel adapted from it later
# (signalos_spacy.adapt) can only teach classes the text classifier already has.
SINGLE_CLASSES = ("signal", "noise", *(f"update:{t}" for t in ACTION_TYPES))


NER_MODELS = ("tagger", "transition")  # SpacyHyper.ner: a BIO tagger (signalos_spacy.tagging), spaCy's NER
TEXTCAT_MODELS = ("bow", "ensemble")  # SpacyHyper.textcat


@attrs.frozen
class SpacyHyper:
    epochs: int = 10  # 4-6 s each on 1,000 messages here; the best epoch is usually 6-10
    batch_size: int = 16
    lr: float = 0.001
    dropout: float = 0.2
    seed: int = 0
    patience: int = 4
    lang: str = "xx"
    # The defaults (since 2026-12-05): a BIO tagger over a CNN of 48 x 2, window 2, and a bag of
    # words for the kind. Against spaCy's transition NER over its default CNN (96 x 4, window 2)
    # and the ensemble kind classifier, on the same data: leave-one-provider-out 89.8% against
    # 83.6% mean, 17 s against 91 s to train on 1,000 messages, 0.72 ms against 4.1 ms a message;
    # the test split 88.7% against 90.6% (docs/training.md, "The tagger"). A channel's model is
    # adapted from another shape (signalos.onboarding.BASE_SHAPE).
    width: int = 48  # the token-to-vector CNN's width
    depth: int = 2  # its layers
    window: int = 2  # tokens each side each CNN layer reads (receptive field window x depth: 4 tokens; with 2,
    # a tagger cannot see the label of a channel's second target "ernte ≈ 1.073 ≈ 1.077")
    embed_size: int = 2000  # rows of each hashed embedding table
    lexicon_norms: bool = True  # tokenizer v3: the regex tables' word classes as NORM (features.py); else v2
    regex_reading: bool = True  # tokenizer v4: v3 and the regex parser's reading of the numbers as their NORM
    textcat: str = "bow"  # the kind classifier: "bow" (a bag of words) or "ensemble" (and a CNN that reads NORM)
    ner: str = "tagger"  # the fields: a "tagger" of BIO tags (signalos_spacy.tagging), or spaCy's "transition" NER

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def blank_pipeline(labels: list[str], classes: list[str], hyper: SpacyHyper = SpacyHyper()):
    """An untrained pipeline of ``hyper``'s shape (tokenizer, the fields' model, the kind
    classifier) with the entity ``labels`` and kind ``classes``."""
    _require_spacy()
    import spacy

    from signalos_spacy import tagging
    from signalos_spacy.tokenizer import TOKENIZER_NAME, TOKENIZER_V2, TOKENIZER_V3

    h = hyper
    tokenizer = (TOKENIZER_NAME if h.regex_reading else TOKENIZER_V3) if h.lexicon_norms else TOKENIZER_V2
    nlp = spacy.blank(h.lang, config={"nlp": {"tokenizer": {"@tokenizers": tokenizer}}})
    tok2vec = {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": h.width,
               "depth": h.depth, "embed_size": h.embed_size, "window_size": h.window, "maxout_pieces": 3,
               "subword_features": True}
    if h.ner == "tagger":
        tagger = nlp.add_pipe("tagger", name=tagging.TAGGER,
                              config={"model": {"@architectures": "spacy.Tagger.v2", "tok2vec": tok2vec}})
        for tag in tagging.bio_labels(labels):
            tagger.add_label(tag)
        nlp.add_pipe(tagging.TAGS_TO_ENTS)
    elif h.ner == "transition":
        ner = nlp.add_pipe("ner", config={"model": {"tok2vec": tok2vec}})
        for label in labels:
            ner.add_label(label)
    else:
        raise ValueError(f"unknown ner model {h.ner!r}: one of {', '.join(NER_MODELS)}")
    bow = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
           "length": 2 ** 15,  # 23 MB at the default 2**18
           "no_output_layer": False}
    if h.textcat == "ensemble":  # the bag of words and a small CNN of its own, averaged by attention
        cnn = {**tok2vec, "width": 64, "depth": 2}
        model = {"@architectures": "spacy.TextCatEnsemble.v2", "tok2vec": cnn,
                 "linear_model": {**bow, "no_output_layer": False}}
    else:
        model = bow
    textcat = nlp.add_pipe("textcat", config={"model": model})
    for cls in classes:
        textcat.add_label(cls)
    return nlp


def entity_labels(nlp) -> list[str]:
    """The entity labels a pipeline's NER predicts (its ``ner``, or its BIO tagger's)."""
    from signalos_spacy.tagging import TAGGER

    if TAGGER in nlp.pipe_names:
        return sorted({t.partition("-")[2] for t in nlp.get_pipe(TAGGER).labels} - {""})
    return list(nlp.get_pipe("ner").labels)


def to_spacy_examples(nlp, rows: list[Example], classes: list[str]) -> tuple[list, int]:
    """spaCy Examples and the number of gold spans the tokenizer could not hold exactly."""
    from spacy.training import Example as SpacyExample

    from signalos_spacy.tagging import TAGGER, bio_tags

    tagged = TAGGER in nlp.pipe_names
    out, misaligned = [], 0
    for row in rows:
        doc = nlp.make_doc(row.text)
        spans = []
        for s, e, label in row.entities:
            span = doc.char_span(s, e, label=label)
            if span is None:
                misaligned += 1
                span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None and not any(span.start < o.end and o.start < span.end for o in spans):
                spans.append(span)
        ref = doc.copy()
        ref.ents = spans
        if tagged:
            for tok, tag in zip(ref, bio_tags(len(ref), [(s.start, s.end, s.label_) for s in spans])):
                tok.tag_ = tag
        cls = row.kind_class
        ref.cats = {c: float(c == cls) for c in classes}
        out.append(SpacyExample(doc, ref))
    return out, misaligned


def evaluate(parser: SpacyParser, rows: list[Example]) -> tuple[dict[str, float], list[float], list[bool]]:
    """Validation figures of a pipeline, with each message's raw score and whether it was right."""
    if not rows:
        return {}, [], []
    docs = list(parser._nlp.pipe([r.text for r in rows], batch_size=64))
    raws, results, ents = [], [], []
    for row, doc in zip(rows, docs):
        kind_cls, score, found = parser.raw(doc)
        raws.append(score)
        ents.append(found)
        results.append(parser._result(row.text, doc))
    labels = [r.label for r in rows]
    figures = {**entity_scores([r.entities for r in rows], ents), **result_scores(labels, results)}
    return figures, raws, exact_flags(labels, results)


def decide_action_words(parser: SpacyParser, rows: list[Example]) -> dict[str, Any]:
    """Decode updates from the action words or from the class, whichever reads ``rows`` (the
    validation split) better (``signalos.training.spans.choose_action_words``); sets the parser."""
    def exact_with(words: bool) -> float:
        parser.action_words = words
        return evaluate(parser, rows)[0].get("exact", 0.0)

    choice = choose_action_words(exact_with)
    parser.action_words = choice["used"]
    return choice


def decide_decoding(parser: SpacyParser, rows: list[Example]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The weight of the rules' kind class and the decoding of updates that read ``rows`` (the
    validation split) best together (``signalos.training.kind_prior.choose_with_action_words``);
    sets the parser and returns the manifest's ``kind_prior`` and ``action_words``."""
    def exact_with(weight: float, words: bool) -> float:
        parser.kind_prior, parser.action_words = weight, words
        return evaluate(parser, rows)[0].get("exact", 0.0)

    prior, words = kind_prior.choose_with_action_words(exact_with)
    parser.kind_prior, parser.action_words = prior["used"], words["used"]
    return prior, words


def train(data: TrainingData, store: ModelStore, *, hyper: SpacyHyper = SpacyHyper(), name: str = NAME,
          version: str | None = None, alias: str | None = None,
          progress: Callable[[str, int, dict[str, Any]], None] | None = None) -> ModelRef:
    """Train, calibrate on the validation split, save and register a new version; returns it.

    ``progress(event, epoch, figures)`` is called with ``"epoch"`` after every epoch.
    """
    _require_spacy()
    import spacy
    from spacy.util import fix_random_seed, minibatch

    from signalos.training.spans import ENTITY_LABELS

    start = time.perf_counter()
    fix_random_seed(hyper.seed)
    rng = random.Random(hyper.seed)
    classes = sorted({r.kind_class for r in data.train} | set(SINGLE_CLASSES))
    nlp = blank_pipeline(list(ENTITY_LABELS), classes, hyper)
    train_examples, misaligned = to_spacy_examples(nlp, list(data.train), classes)
    optimizer = nlp.initialize(lambda: train_examples)
    optimizer.learn_rate = hyper.lr
    parser = SpacyParser.from_pipeline(nlp, name=name)
    stopper = EarlyStopping(patience=hyper.patience)
    epochs: list[dict[str, Any]] = []
    best_bytes = None
    for epoch in range(1, hyper.epochs + 1):
        t0 = time.perf_counter()
        rng.shuffle(train_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(train_examples, size=hyper.batch_size):
            nlp.update(batch, drop=hyper.dropout, sgd=optimizer, losses=losses)
        figures, _, _ = evaluate(parser, list(data.validation))
        row = {"epoch": epoch, "seconds": round(time.perf_counter() - t0, 2),
               **{f"loss_{k}": round(float(v), 3) for k, v in losses.items()}, **figures}
        epochs.append(row)
        # exact match decides; entity F1 breaks ties between epochs with the same exact rate
        score = figures.get("exact", 0.0) + 0.01 * figures.get("ents_f", 0.0) if figures else -epoch
        if stopper.step(epoch, score):
            best_bytes = nlp.to_bytes()
        if progress:
            progress("epoch", epoch, row)
        if stopper.should_stop:
            break
    if best_bytes is not None:
        nlp.from_bytes(best_bytes)
    if hyper.regex_reading:  # a model that reads the rules' answer may lean on their kind
        prior, action_words = decide_decoding(parser, list(data.validation))
    else:
        prior, action_words = None, decide_action_words(parser, list(data.validation))
    figures, raws, flags = evaluate(parser, list(data.validation))
    calibration = calib.fit(raws, flags)
    train_seconds = round(time.perf_counter() - start, 2)
    staging = store.staging_dir(name)
    try:
        nlp.to_disk(staging / "pipeline")
        manifest = Manifest(
            name=name, version=version or "", kind="spacy-ner", base_model=f"spacy.blank({hyper.lang!r})",
            base_sha256=None, split_hash=data.split_hash, hyperparameters=hyper.to_dict(), epochs=epochs,
            metrics={"validation": figures, "best_epoch": stopper.best_epoch, "action_words": action_words,
                     **({"kind_prior": prior} if prior else {})},
            calibration=calibration.to_dict(), training_seconds=train_seconds,
            data={**data.describe(), "misaligned_spans": misaligned, "classes": classes,
                  "spacy_version": spacy.__version__},
        )
        return store.commit(staging, manifest, alias=alias)
    except BaseException:
        discard(staging)
        raise
