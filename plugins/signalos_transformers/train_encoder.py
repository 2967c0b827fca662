"""Fine-tuning the ``transformer`` parser with the Hugging Face Trainer.

The Trainer does the loop, so ``accelerate launch -m signalos train transformer ...`` spreads the
same run over GPUs or machines. Every epoch is evaluated on the validation split by decoding the
predictions into schema results (exact match) and character spans (entity F1); early stopping
keeps the best epoch. Saved with safetensors (``save_pretrained``), never ``trainer.save_model``,
which also writes a pickled ``training_args.bin``.
"""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from signalos.modelstore import Manifest, ModelRef, ModelStore
from signalos.training import calibration as calib
from signalos.training import kind_prior
from signalos.training.data import Example, TrainingData
from signalos.training.metrics import entity_scores, exact_flags, result_scores
from signalos.training.spans import choose_action_words, result_from_entities

from signalos_transformers.common import (
    default_encoder, quiet, register_trained, require_transformers, set_threads, weights_sha256,
)
from signalos_transformers.encoder import FEATURES_KEY, NAME, EncoderParser, tag_names, token_features, token_tags


@attrs.frozen
class EncoderHyper:
    epochs: int = 12  # about 27 s each on 1,000 messages and the two cores here, 44 s on one thread beside a job
    batch_size: int = 16
    lr: float = 2e-4
    max_length: int = 128
    seed: int = 0
    patience: int = 2
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    kind_weight: float = 1.0  # the kind is one token of ~60: its loss is added again so it is learnt as fast
    lexicon_features: bool = True  # the regex tables' word classes as token types (encoder.token_features)
    regex_reading: bool = True  # and the regex parser's reading of the numbers (with lexicon_features only)
    group_by_length: bool = True  # batches of messages of about one length: far less padding to compute


    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class _Rows:
    """A torch-style dataset of encoded rows (a plain list works with the Trainer)."""

    def __init__(self, items: list[dict[str, Any]]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.items[i]


def encode(tokenizer, rows: list[Example], label2id: dict[str, int], max_length: int,
           class_ids: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """The model's inputs and tags of each row; with ``class_ids``, its token types are the
    tables' classes (``token_features``)."""
    out = []
    for row in rows:
        enc = tokenizer(row.text, return_offsets_mapping=True, return_special_tokens_mask=True,
                        truncation=True, max_length=max_length)
        labels = token_tags(enc["offset_mapping"], row.entities, enc["special_tokens_mask"], row.kind_class, label2id)
        item = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}
        if class_ids is not None:
            item["token_type_ids"] = token_features(row.text, enc["offset_mapping"], enc["special_tokens_mask"], class_ids)
        out.append(item)
    return out


def _sampling(by_length: bool) -> dict[str, Any]:
    """The TrainingArguments that batch messages of about one length (``train_sampling_strategy``
    since transformers 5, ``group_by_length`` before), or none."""
    if not by_length:
        return {}
    import dataclasses

    from transformers import TrainingArguments

    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    return {"train_sampling_strategy": "group_by_length"} if "train_sampling_strategy" in names else {"group_by_length": True}


def widen_token_types(model, classes: list[str]) -> bool:
    """Give ``model`` one token type per class of ``classes`` (each starting as type 0, so the
    untrained model reads as before) and record the list in its config; False when the encoder
    has no token-type embedding to widen (then it trains without the classes)."""
    import torch

    embeddings = getattr(model.base_model, "embeddings", None)
    old = getattr(embeddings, "token_type_embeddings", None)
    if old is None:
        return False
    new = torch.nn.Embedding(len(classes), old.embedding_dim)
    with torch.no_grad():
        new.weight[:] = old.weight[0]
    embeddings.token_type_embeddings = new
    model.config.type_vocab_size = len(classes)
    setattr(model.config, FEATURES_KEY, list(classes))
    return True


def evaluate(parser: EncoderParser, rows: list[Example]) -> tuple[dict[str, float], list[float], list[bool]]:
    if not rows:
        return {}, [], []
    raws = parser.raw_many([r.text for r in rows])
    results = [result_from_entities(r.text, k, ents, parser=NAME, confidence=raw, action_words=parser.action_words)
               for r, (k, raw, ents) in zip(rows, raws)]
    labels = [r.label for r in rows]
    figures = {**entity_scores([r.entities for r in rows], [e for _, _, e in raws]), **result_scores(labels, results)}
    return figures, [raw for _, raw, _ in raws], exact_flags(labels, results)


def train(data: TrainingData, store: ModelStore, *, base: str | Path | None = None,
          hyper: EncoderHyper = EncoderHyper(), name: str = NAME, version: str | None = None,
          alias: str | None = None, progress: Callable[[str, int, dict[str, Any]], None] | None = None) -> ModelRef:
    """Fine-tune ``base`` (an encoder directory; default all-MiniLM-L6-v2), register the result."""
    require_transformers()
    import torch
    from transformers import (
        AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification, Trainer,
        TrainerCallback, TrainingArguments, set_seed,
    )

    start = time.perf_counter()
    set_threads(None)
    base = Path(base) if base else default_encoder()
    set_seed(hyper.seed)
    classes = sorted({r.kind_class for r in data.train} | {"signal", "noise"})
    names = tag_names(classes)
    label2id = {n: i for i, n in enumerate(names)}
    id2label = {i: n for n, i in label2id.items()}
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForTokenClassification.from_pretrained(str(base), num_labels=len(names), id2label=id2label,
                                                            label2id=label2id, ignore_mismatched_sizes=True)
    class_ids = None
    if hyper.lexicon_features:
        from signalos_regex.features import feature_classes

        classes_of_words = feature_classes(reading=hyper.regex_reading)
        if widen_token_types(model, classes_of_words):
            class_ids = {c: i for i, c in enumerate(classes_of_words)}
    train_rows = _Rows(encode(tokenizer, list(data.train), label2id, hyper.max_length, class_ids))
    parser = EncoderParser.from_model(model, tokenizer, max_length=hyper.max_length)
    epochs: list[dict[str, Any]] = []
    best: dict[str, Any] = {"score": float("-inf"), "state": None, "epoch": 0}
    steps_per_epoch = max(1, -(-len(train_rows) // hyper.batch_size))

    class Epochs(TrainerCallback):
        # The validation score is the decoded exact match, which the Trainer's own loop cannot
        # compute from logits alone; the best weights are kept in memory, not as checkpoints.
        def on_step_end(self, args, state, control, **kw):
            if progress:
                progress("step", int(state.global_step / steps_per_epoch), {})

        def on_epoch_end(self, args, state, control, **kw):
            model.eval()
            figures, _, _ = evaluate(parser, list(data.validation))
            model.train()
            losses = [h["loss"] for h in state.log_history if "loss" in h]
            row = {"epoch": round(state.epoch or 0), "loss": round(losses[-1], 4) if losses else None,
                   "seconds": round(time.perf_counter() - start, 1), **figures}
            epochs.append(row)
            score = figures.get("exact", 0.0) + 0.01 * figures.get("ents_f", 0.0) if figures else row["epoch"]
            if score > best["score"] + 1e-4:
                best.update(score=score, epoch=row["epoch"], state={k: v.detach().clone() for k, v in model.state_dict().items()})
            elif hyper.patience and row["epoch"] - best["epoch"] >= hyper.patience:
                control.should_training_stop = True
            if progress:
                progress("epoch", row["epoch"], row)

    class KindWeightedTrainer(Trainer):
        # token loss + kind_weight x the loss of the first token, which carries the message kind
        def compute_loss(self, model, inputs, return_outputs=False, **kw):
            labels = inputs.pop("labels")
            out = model(**inputs)
            logits = out.logits
            ce = torch.nn.functional.cross_entropy
            loss = ce(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)
            loss = loss + hyper.kind_weight * ce(logits[:, 0], labels[:, 0], ignore_index=-100)
            return (loss, out) if return_outputs else loss

    with tempfile.TemporaryDirectory(prefix="signalos-train-") as tmp:
        args = TrainingArguments(
            output_dir=tmp, use_cpu=not torch.cuda.is_available(), report_to="none", save_strategy="no",
            num_train_epochs=hyper.epochs, per_device_train_batch_size=hyper.batch_size,
            learning_rate=hyper.lr, weight_decay=hyper.weight_decay,
            warmup_steps=int(hyper.warmup_ratio * steps_per_epoch * hyper.epochs),
            seed=hyper.seed, logging_steps=max(1, steps_per_epoch // 2), disable_tqdm=True,
            **_sampling(hyper.group_by_length),
        )
        trainer = KindWeightedTrainer(model=model, args=args, train_dataset=train_rows,
                          data_collator=DataCollatorForTokenClassification(tokenizer), callbacks=[Epochs()])
        quiet(trainer)
        trainer.train()
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    model.eval()

    def exact_with(weight: float, words: bool) -> float:
        parser.kind_prior, parser.action_words = weight, words
        return evaluate(parser, list(data.validation))[0].get("exact", 0.0)

    prior = None
    if hyper.lexicon_features and hyper.regex_reading:  # a model that reads the rules' answer may lean on their kind
        prior, action_words = kind_prior.choose_with_action_words(exact_with)
        parser.kind_prior = prior["used"]
    else:
        action_words = choose_action_words(lambda words: exact_with(0.0, words))
    parser.action_words = action_words["used"]
    figures, raws, flags = evaluate(parser, list(data.validation))
    calibration = calib.fit(raws, flags)
    return register_trained(store, name, "model", model, tokenizer, alias=alias, manifest=lambda: Manifest(
        name=name, version=version or "", kind="transformer", base_model=str(base),
        base_sha256=weights_sha256(base), split_hash=data.split_hash,
        hyperparameters=hyper.to_dict(), epochs=epochs,
        metrics={"validation": figures, "best_epoch": best["epoch"], "action_words": action_words,
                 **({"kind_prior": prior} if prior else {})},
        calibration=calibration.to_dict(),
        training_seconds=round(time.perf_counter() - start, 2),
        data={**data.describe(), "classes": classes},
    ))
