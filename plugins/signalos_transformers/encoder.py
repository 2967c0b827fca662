"""The ``transformer`` parser: an encoder fine-tuned for token classification.

Every sub-token gets a BIO tag of the shared entity labels (``B-ENTRY``, ``I-STOP_LOSS`` ...);
the first token ([CLS]) gets the message's kind class (``K:signal``, ``K:update:close`` ...), so
one small model reads both. Offsets map the tags back to characters of the original text, and
the shared normaliser turns the entities into the schema.

Options (``[parsers.transformer]``): ``model`` (version or alias), ``path`` (a model directory),
``name`` (registry name, default ``transformer``), ``workspace``, ``batch_size``.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signalos.models import Message, ParseResult
from signalos.modelstore import ModelLoadError, ModelRef
from signalos.training import kind_prior
from signalos.training.calibration import Calibration
from signalos.training.spans import ENTITY_LABELS, result_from_entities, uses_action_words
from signalos.validate import grounded

from signalos_transformers.common import LoadsOnce

NAME = "transformer"
KIND_PREFIX = "K:"
MAX_CHARS = 4096


def tag_names(kind_classes: Sequence[str]) -> list[str]:
    """The label list of the token classifier: O, B-/I- per entity, then the kind classes."""
    return ["O", *(f"{p}-{e}" for e in ENTITY_LABELS for p in ("B", "I")), *(KIND_PREFIX + k for k in kind_classes)]


def token_tags(offsets: Sequence[tuple[int, int]], entities, special: Sequence[int], kind_cls: str,
               label2id: dict[str, int]) -> list[int]:
    """Training tags for one encoded message: -100 on special tokens except the first, which
    carries the kind class."""
    tags = []
    ents = sorted(entities)
    for i, ((s, e), is_special) in enumerate(zip(offsets, special)):
        if i == 0:
            tags.append(label2id.get(KIND_PREFIX + kind_cls, label2id.get(KIND_PREFIX + "noise", -100)))
            continue
        if is_special or s == e:
            tags.append(-100)
            continue
        tag = "O"
        for es, ee, lab in ents:
            if s < ee and e > es:
                tag = ("B-" if s <= es else "I-") + lab
                break
        tags.append(label2id[tag])
    return tags


FEATURES_KEY = "signalos_features"  # the model config's list of token-type classes (index = type id)


def token_features(text: str, offsets: Sequence[tuple[int, int]], special: Sequence[int],
                   class_ids: dict[str, int]) -> list[int]:
    """The token type of every sub-token: the id of the class the regex tables give the word it
    lies in (``signalos_regex.features.token_classes``), else 0; special tokens are 0, and numbers
    too unless the classes hold the regex parser's readings (``⟨read:…⟩``), whose class they get.
    The encoder's token-type embedding is widened to these classes (``train_encoder``), so a label
    word the vocabulary maps to ``[UNK]`` (止损, حد ضرر) still tells the model what it is."""
    from signalos_regex.features import READ_ACTION_PRICE, token_classes

    reading = READ_ACTION_PRICE in class_ids
    classes = token_classes(text, [(0, 0) if is_special else se for se, is_special in zip(offsets, special)], reading)
    return [class_ids.get(cls, 0) if cls else 0 for cls in classes]


def decode(probs, offsets, special, id2label: dict[int, str]) -> tuple[str, float, list[tuple[int, int, str]], float]:
    """Kind class, its probability, entities (start, end, label) and the least sure entity
    token's probability, from one message's tag probabilities (a [tokens, labels] array)."""
    kind_ids = [i for i, n in id2label.items() if n.startswith(KIND_PREFIX)]
    tag_ids = [i for i, n in id2label.items() if not n.startswith(KIND_PREFIX)]
    best = [max(tag_ids, key=lambda j: row[j]) for row in probs]
    return decode_picked(probs[0], best, [float(row[t]) for row, t in zip(probs, best)], offsets, special,
                         id2label, kind_ids)


def decode_picked(first, best, best_p, offsets, special, id2label: dict[int, str],
                  kind_ids: Sequence[int], prior: str | None = None,
                  weight: float = 0.0) -> tuple[str, float, list[tuple[int, int, str]], float]:
    """``decode`` from the first token's probabilities and each token's most likely entity tag
    (``best``) with its probability (``best_p``), as ``raw_many`` picks them in one tensor op; the
    kind class blended with the rules' class ``prior`` by ``weight`` (``signalos.training.kind_prior``)."""
    total = max(sum(first[i] for i in kind_ids), 1e-9)
    kind_cls, kind_p = kind_prior.blend({id2label[i][len(KIND_PREFIX):]: first[i] / total for i in kind_ids},
                                        prior, weight)
    ents: list[list] = []
    least = 1.0
    for i in range(1, len(offsets)):
        s, e = offsets[i]
        if special[i] or s == e:
            continue
        name = id2label[best[i]]
        if name == "O":
            continue
        least = min(least, float(best_p[i]))
        prefix, lab = name.split("-", 1)
        if ents and ents[-1][2] == lab and (prefix == "I" or s == ents[-1][1]) and s - ents[-1][1] <= 1:
            ents[-1][1] = e  # continue the entity (a word split into pieces: 231 ##7 . 50)
        else:
            ents.append([s, e, lab])
    return kind_cls, kind_p, [tuple(x) for x in ents], least


class EncoderParser(LoadsOnce):
    """Loads its model on first use; a load failure is remembered and raised on every parse, so
    the chain records it and falls through without reading the files again."""

    name = NAME
    kind = "transformer"

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None):
        self._init_state(host, options)
        self.batch_size = int(self.options.get("batch_size", 32))
        self.max_length = 256
        self.action_words = True  # an update's actions from its action words (the model's choice once loaded)
        self.kind_prior = 0.0  # weight of the rules' kind class (signalos.training.kind_prior; the model's choice)

    @classmethod
    def from_model(cls, model, tokenizer, calibration: Calibration | None = None, max_length: int = 256) -> EncoderParser:
        parser = cls()
        parser._model, parser._tokenizer = model, tokenizer
        parser.calibration = calibration or Calibration()
        parser.max_length = max_length
        return parser

    def _load_model(self, ref: ModelRef):
        return load_encoder(ref.path / "model", ref.spec)

    def _configure(self, ref: ModelRef) -> None:
        self.max_length = int(ref.manifest.hyperparameters.get("max_length", 256))
        self.action_words = uses_action_words(ref.manifest.metrics)
        self.kind_prior = kind_prior.prior_weight(ref.manifest.metrics)

    def parse(self, message: Message | str) -> ParseResult | None:
        return self.parse_many([message])[0]

    def raw_many(self, texts: Sequence[str]):
        """(kind class, raw confidence, entities) per text.

        Texts are tokenized in one call, then batched by token length (sorted, each batch padded
        to its own longest message): a batch in arrival order is padded to its longest message,
        and one long message in 32 made the model read 2-3 times as many positions as there are
        tokens. Answers do not depend on the batching (each message is masked to its own tokens;
        a test compares them with one-at-a-time parsing)."""
        import torch

        from signalos_regex.features import READ_CHUNK, in_read_chunks

        self._load()
        if not texts:
            return []
        if len(texts) > READ_CHUNK:  # the rules' readings of a chunk are still cached when its kind is read
            return in_read_chunks(texts, self.raw_many)
        id2label = {int(k): v for k, v in self._model.config.id2label.items()}
        kind_ids = [i for i, n in id2label.items() if n.startswith(KIND_PREFIX)]
        tag_ids = [i for i, n in id2label.items() if not n.startswith(KIND_PREFIX)]
        enc = self._tokenizer(list(texts), return_offsets_mapping=True, return_special_tokens_mask=True,
                              truncation=True, max_length=self.max_length)
        classes = getattr(self._model.config, FEATURES_KEY, None)
        if classes:  # a model trained with the tables' classes as token types
            class_ids = {c: i for i, c in enumerate(classes)}
            enc["token_type_ids"] = [token_features(t, enc["offset_mapping"][i], enc["special_tokens_mask"][i], class_ids)
                                     for i, t in enumerate(texts)]
        inputs = [k for k in self._tokenizer.model_input_names if k in enc]
        order = sorted(range(len(texts)), key=lambda i: len(enc["input_ids"][i]))
        priors: list[str | None] = [None] * len(texts)
        if self.kind_prior:
            from signalos_regex.features import reading_class

            priors = [reading_class(t) for t in texts]
        out: list[Any] = [None] * len(texts)
        tag_index = torch.tensor(tag_ids)
        for b in range(0, len(order), self.batch_size):
            chunk = order[b:b + self.batch_size]
            batch = self._tokenizer.pad({k: [enc[k][i] for i in chunk] for k in inputs}, return_tensors="pt")
            with torch.inference_mode():
                probs = torch.softmax(self._model(**batch).logits, dim=-1)
                # the most likely entity tag of every token, picked here rather than in Python
                best_p, best = probs[:, :, tag_index].max(dim=-1)
                best = tag_index[best]
            firsts, best_p, best = probs[:, 0, :].tolist(), best_p.tolist(), best.tolist()
            for j, i in enumerate(chunk):
                kind_cls, kind_p, ents, least = decode_picked(firsts[j], best[j], best_p[j], enc["offset_mapping"][i],
                                                              enc["special_tokens_mask"][i], id2label, kind_ids,
                                                              priors[i], self.kind_prior)
                out[i] = (kind_cls, min(kind_p, least), ents)
        return out

    def parse_many(self, messages: Sequence[Message | str]) -> list[ParseResult | None]:
        texts = [Message.coerce(m).text[:MAX_CHARS] for m in messages]
        return [grounded(result_from_entities(t, k, ents, parser=self.name, confidence=self.calibration(raw),
                                              action_words=self.action_words), t)
                for t, (k, raw, ents) in zip(texts, self.raw_many(texts))]


def load_encoder(path: Path, spec: str = ""):
    """Model and tokenizer from a saved directory; a damaged file is named in the error."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        # safetensors only: a pickled pytorch_model.bin in the directory runs code when loaded
        model = AutoModelForTokenClassification.from_pretrained(str(path), use_safetensors=True)
    except Exception as exc:  # safetensors, JSON and tokenizers each raise their own types
        raise ModelLoadError(f"damaged model {spec}: cannot load {path}: {type(exc).__name__}: {exc}") from exc
    model.eval()
    return model, tokenizer
