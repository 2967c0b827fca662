"""The ``spacy-ner`` parser: a trained spaCy pipeline (tokenizer, ``ner``, ``textcat``) read into
the schema by the shared normaliser.

Options (``[parsers.spacy-ner]``): ``model`` (a version or alias; ``spacy-ner@production`` in a
pipeline sets it), ``path`` (a model directory, instead of the registry), ``name`` (the
registry name, default ``spacy-ner``), ``workspace``, ``batch_size`` (messages a ``nlp.pipe`` batch, default
256), ``processes`` (``parse_many`` spreads long inputs over this many processes, default 1).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from signalos.models import Message, ParseResult
from signalos.modelstore import ModelLoadError, ModelRef, model_for_parser
from signalos.training import kind_prior
from signalos.training.calibration import Calibration
from signalos.training.spans import result_from_entities, uses_action_words
from signalos.validate import grounded

NAME = "spacy-ner"
MAX_CHARS = 4096


def _require_spacy():
    """Import spaCy, or fail naming the extra to install.

    A speed trick: thinc, which spaCy imports, imports torch whenever it is installed (for its
    PyTorch wrappers), 1.1 of spaCy's 1.6 s of import here; the pipelines this package trains
    use none of it (a CNN, a tagger and a text classifier in numpy). So where torch is not loaded
    yet, it is hidden while spaCy is imported and can be imported as usual after (thinc then says
    ``has_torch = False``). ``SIGNALOS_SPACY_WITH_TORCH=1`` imports it as thinc asks, for a
    pipeline with a PyTorch component."""
    import os
    import sys

    from signalos.errors import MissingDependencyError

    hide = "spacy" not in sys.modules and "torch" not in sys.modules \
        and os.environ.get("SIGNALOS_SPACY_WITH_TORCH", "") in ("", "0")
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # "import torch" raises ImportError
    try:
        import spacy  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("spacy", "spacy") from exc
    finally:
        if hide and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def load_pipeline(ref: ModelRef):
    """``spacy.load`` of a verified model directory; a damaged file is named in the error."""
    _require_spacy()
    import spacy

    import signalos_spacy.tagging  # noqa: F401  (registers the component a tagger's pipeline needs)
    import signalos_spacy.tokenizer  # noqa: F401  (registers the tokenizer spacy.load needs)

    try:
        return spacy.load(ref.path / "pipeline")
    except Exception as exc:  # spaCy raises many types on a damaged directory; the user needs one line
        raise ModelLoadError(f"damaged model {ref.spec}: cannot load {ref.path / 'pipeline'}: "
                             f"{type(exc).__name__}: {exc}") from exc


class SpacyParser:
    """Loads its model on first use; a model that fails to load fails every parse with the same
    error (the chain records it and moves on) without being read again."""

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None):
        self.host = host
        self.options = dict(options or {})
        self._nlp = None
        self._ref: ModelRef | None = None
        self._error: Exception | None = None
        self.calibration = Calibration()
        self.action_words = True  # an update's actions from its action words (the model's choice once loaded)
        self.kind_prior = 0.0  # weight of the rules' kind class (signalos.training.kind_prior; the model's choice)

    @classmethod
    def from_pipeline(cls, nlp, calibration: Calibration | None = None, name: str = NAME) -> SpacyParser:
        """A parser around an in-memory pipeline (used while training, to score each epoch)."""
        parser = cls()
        parser._nlp = nlp
        parser.calibration = calibration or Calibration()
        parser.name = name
        return parser

    name = NAME

    @property
    def version(self) -> str | None:
        self._load()
        return self._ref.spec if self._ref else None

    def _load(self):
        if self._nlp is not None:
            return self._nlp
        if self._error is not None:
            raise self._error
        try:
            _require_spacy()
            ref = model_for_parser(self.host, NAME, self.options)
            if ref.manifest.kind != "spacy-ner":
                raise ModelLoadError(f"model {ref.spec} is a {ref.manifest.kind!r} model, not spacy-ner")
            from signalos.shared_models import shared_load

            # once per process: every parser of every host and thread shares the pipeline
            self._shared = shared_load(("spacy-ner", str(ref.path.resolve()), ref.manifest.version),
                                       lambda: load_pipeline(ref))
            self._nlp = self._shared.value
            self._ref = ref
            self.calibration = Calibration.from_dict(ref.manifest.calibration)
            self.action_words = uses_action_words(ref.manifest.metrics)
            self.kind_prior = kind_prior.prior_weight(ref.manifest.metrics)
        except Exception as exc:
            self._error = exc
            raise
        return self._nlp

    def parse(self, message: Message | str) -> ParseResult | None:
        return self.parse_many([message])[0]

    def parse_many(self, messages: Sequence[Message | str], batch_size: int | None = None) -> list[ParseResult | None]:
        """Results in input order, from ``nlp.pipe`` in batches of ``batch_size`` (option, default
        256). With the ``processes`` option above 1, a call with at least one batch per process
        spreads the batches over that many forked processes (``nlp.pipe(n_process=...)``): it
        pays a fork per call, so it suits long inputs, and it adds nothing under ``--workers``,
        which already fills the cores."""
        nlp = self._load()
        batch_size = batch_size or int(self.options.get("batch_size", 256))
        processes = int(self.options.get("processes", 1))
        from signalos_regex.features import READ_CHUNK, in_read_chunks

        if processes <= 1 and len(messages) > READ_CHUNK:
            # the rules' readings of a chunk are still cached when its kind is read (READ_CACHE)
            return in_read_chunks(messages, lambda part: self.parse_many(part, batch_size))
        texts = [Message.coerce(m).text[:MAX_CHARS] for m in messages]
        made = [nlp.make_doc(t) for t in texts]
        # a message of no tokens in a batch with others breaks the text classifier's n-grams
        # (thinc IndexError); alone in its batch it reads as noise, so those go separately
        full = [i for i, d in enumerate(made) if len(d)]
        empty = [i for i, d in enumerate(made) if not len(d)]
        docs: list[Any] = [None] * len(texts)
        if processes > 1 and len(full) >= batch_size * processes:
            # texts, not Docs: the workers tokenize again rather than receive pickled Docs
            done = nlp.pipe([texts[i] for i in full], batch_size=batch_size, n_process=processes)
        else:
            done = nlp.pipe([made[i] for i in full], batch_size=batch_size)
        for i, doc in zip(full, done):
            docs[i] = doc
        for i, doc in zip(empty, nlp.pipe([made[i] for i in empty])):
            docs[i] = doc
        return [self._result(text, doc) for text, doc in zip(texts, docs)]

    def raw(self, doc) -> tuple[str, float, list[tuple[int, int, str]]]:
        """The kind class (the text classifier's, blended with the rules' class when the model
        learned a ``kind_prior``), its score and the entities of a processed ``doc``."""
        cats = doc.cats or {"noise": 1.0}
        prior = None
        if self.kind_prior:
            from signalos_regex.features import reading_class

            # the tables the model's tokenizer reads with: a channel's own words, when adapted to one
            prior = reading_class(doc.text, getattr(self._nlp.tokenizer, "reader", None))
        kind_cls, score = kind_prior.blend(cats, prior, self.kind_prior)
        return kind_cls, score, [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    def _result(self, text: str, doc) -> ParseResult:
        kind_cls, score, ents = self.raw(doc)
        return grounded(result_from_entities(text, kind_cls, ents, parser=self.name, confidence=self.calibration(score),
                                             action_words=self.action_words), text)
