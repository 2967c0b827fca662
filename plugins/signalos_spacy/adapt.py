"""A ``spacy-ner`` model adapted to one channel from a few of its labelled messages.

A general model (trained on every other channel and synthetic messages) already reads prices,
stops and targets; what it lacks is the channel's own words and layout (``进场位置``, ``多`` for a
buy, targets as a dash-joined run). Adapting resumes training of a copy of the general model on
the channel's messages, each seen ``weight`` times an epoch, mixed with a sample of general rows
so what the model knew is not forgotten. On 20 messages it takes seconds, where training from a
blank pipeline takes a minute; without a general model the same rows train a blank pipeline.

The kind classes of the general model are fixed once it is trained (spaCy's text classifier takes
no new label afterwards): a channel message whose class it lacks (an update with an unusual pair
of actions) teaches its first action's class instead, and ``SINGLE_CLASSES`` (``signalos_spacy.train``)
gives every general model each single action class, so that first class always exists.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from signalos.modelstore import Manifest, ModelRef, ModelStore, discard
from signalos.training import calibration as calib
from signalos.training import kind_prior
from signalos.training.data import Example
from signalos.training.spans import uses_action_words

from signalos_spacy.parser import SpacyParser, _require_spacy, load_pipeline
from signalos_spacy.train import (  # noqa: F401
    SINGLE_CLASSES, decide_action_words, decide_decoding, entity_labels, evaluate, to_spacy_examples,
)


@attrs.frozen
class AdaptHyper:
    """How a general model is adapted to one channel."""

    epochs: int = 10
    weight: int = 4  # each channel message is seen this many times an epoch
    general: int = 150  # general rows mixed into each epoch (0: the channel's rows only)
    batch_size: int = 8
    lr: float = 0.001
    dropout: float = 0.2
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def known_class(cls: str, classes: Sequence[str]) -> str:
    """``cls`` when the model has it, else the class of its first action (``update:close`` for
    ``update:close,breakeven``), else ``noise``."""
    if cls in classes:
        return cls
    first = cls.partition(",")[0]
    return first if first in classes else "noise"


def adapt_pipeline(nlp, channel: Sequence[Example], general: Sequence[Example], hyper: AdaptHyper = AdaptHyper(),
                   progress: Callable[[str, int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Resume training ``nlp`` (changed in place) on ``channel`` weighted up, with ``general`` rows
    mixed in; returns what it did (epochs, losses, the classes it had to fold)."""
    _require_spacy()
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(hyper.seed)
    rng = random.Random(hyper.seed)
    classes = list(nlp.get_pipe("textcat").labels)
    folded = sum(1 for r in channel if r.kind_class not in classes)
    own, _ = _examples(nlp, list(channel), classes)
    pool, _ = _examples(nlp, list(general), classes)
    optimizer = nlp.resume_training()
    optimizer.learn_rate = hyper.lr
    epochs = []
    for epoch in range(1, hyper.epochs + 1):
        t0 = time.perf_counter()
        batch_rows = own * hyper.weight + (rng.sample(pool, min(hyper.general, len(pool))) if pool else [])
        rng.shuffle(batch_rows)
        losses: dict[str, float] = {}
        for batch in minibatch(batch_rows, size=hyper.batch_size):
            nlp.update(batch, drop=hyper.dropout, sgd=optimizer, losses=losses)
        row = {"epoch": epoch, "seconds": round(time.perf_counter() - t0, 2),
               **{f"loss_{k}": round(float(v), 3) for k, v in losses.items()}}
        epochs.append(row)
        if progress:
            progress("epoch", epoch, row)
    return {"epochs": epochs, "folded_classes": folded}


def _examples(nlp, rows: list[Example], classes: list[str]):
    # a class the text classifier lacks is taught as its nearest known class (see the module doc);
    # an entity label a general model trained before it existed lacks (ACTION_TP) is not taught
    from spacy.training import Example as SpacyExample

    labels = set(entity_labels(nlp))
    rows = [r if all(e[2] in labels for e in r.entities) else
            attrs.evolve(r, entities=tuple(e for e in r.entities if e[2] in labels)) for r in rows]
    examples, misaligned = to_spacy_examples(nlp, rows, classes)
    out = []
    for row, ex in zip(rows, examples):
        cls = known_class(row.kind_class, classes)
        ref = ex.reference
        ref.cats = {c: float(c == cls) for c in classes}
        out.append(SpacyExample(ex.predicted, ref))
    return out, misaligned


def adapt(base: ModelRef, channel: Sequence[Example], general: Sequence[Example], store: ModelStore, *,
          name: str, validation: Sequence[Example] = (), hyper: AdaptHyper = AdaptHyper(),
          version: str | None = None, alias: str | None = None, provider: str | None = None,
          keyword_files: Sequence[str | Path] = (), symbol_files: Sequence[str | Path] = (),
          progress: Callable[[str, int, dict[str, Any]], None] | None = None) -> ModelRef:
    """Adapt the registered general model ``base`` to a channel and register the result as
    ``name`` (kind ``spacy-ner``, served by the ``spacy-ner`` parser with ``name`` set).

    ``validation`` (the channel's own held-back rows, when there are some to spare) calibrates the
    confidence; without it the general model's calibration is kept. ``keyword_files`` and
    ``symbol_files`` (the channel's own words, ``signalos train words``) are the tables the
    adapted model's features are read with, beside the built-in ones, and are saved with it: a
    word the channel uses for "stop loss" then reads to the model as the tables' stop label,
    which the general model already knows (a tokenizer without the tables' classes ignores them)."""
    _require_spacy()
    import spacy

    start = time.perf_counter()
    nlp = load_pipeline(base)
    tables = bool(keyword_files or symbol_files) and hasattr(nlp.tokenizer, "use_tables")
    if tables:
        nlp.tokenizer.use_tables(keyword_files, symbol_files)
    done = adapt_pipeline(nlp, channel, general, hyper, progress)
    parser = SpacyParser.from_pipeline(nlp, name=name)
    figures: dict[str, Any] = {}
    calibration = calib.Calibration.from_dict(base.manifest.calibration)
    action_words = (base.manifest.metrics or {}).get("action_words")  # the general model's choice, or the channel's
    parser.action_words = uses_action_words(base.manifest.metrics)
    # the weight of the rules' kind: the channel's own choice where it has rows to spare (a channel
    # whose words the rules misread is taught to overrule them), else the general model's
    prior = (base.manifest.metrics or {}).get("kind_prior")
    parser.kind_prior = kind_prior.prior_weight(base.manifest.metrics)
    if validation:
        if prior:
            prior, action_words = decide_decoding(parser, list(validation))
        else:
            action_words = decide_action_words(parser, list(validation))
        figures, raws, flags = evaluate(parser, list(validation))
        calibration = calib.fit(raws, flags)
    staging = store.staging_dir(name)
    try:
        nlp.to_disk(staging / "pipeline")
        manifest = Manifest(
            name=name, version=version or "", kind="spacy-ner", base_model=base.spec,
            base_sha256=None, split_hash=None,
            hyperparameters={**hyper.to_dict(), "adapted_from": base.spec}, epochs=done["epochs"],
            metrics={"validation": figures, **({"action_words": action_words} if action_words else {}),
                     **({"kind_prior": prior} if prior else {})},
            calibration=calibration.to_dict(),
            training_seconds=round(time.perf_counter() - start, 2),
            data={"provider": provider, "channel_rows": len(channel), "general_rows": len(general),
                  "folded_classes": done["folded_classes"], "classes": list(nlp.get_pipe("textcat").labels),
                  "channel_tables": [Path(f).name for f in (*keyword_files, *symbol_files)] if tables else [],
                  "spacy_version": spacy.__version__},
        )
        return store.commit(staging, manifest, alias=alias)
    except BaseException:
        discard(staging)
        raise
