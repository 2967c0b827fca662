"""What the regex parser's tables know about a message's words, given to the spaCy model as the
NORM of its tokens (tokenizers ``signalos.tokenizer.v3`` and ``v4``).

A label, direction or order word of any language of the tables ("SL", "止损", "стоп", "حد ضرر")
gets one class as its NORM (``⟨label:stop_loss⟩``), and so does a word inside an update or noise
pattern (``⟨update:tp_hit⟩``) and the symbol the tables find (``⟨symbol⟩``). The NER's embedding
reads NORM beside the word's prefix, suffix and shape, so what it learns of "SL 2335" in one
language holds for "止损 2335" in another: a gazetteer feature, learned from, not a rule. The
classes come from ``signalos_regex.features``.

Tokenizer ``signalos.tokenizer.v4`` adds the regex parser's own reading of the numbers
(``⟨read:stop_loss⟩`` as the NORM of the number it read as the stop): the model starts from the
rules' answer and learns where a layout makes it wrong.
"""
from __future__ import annotations

from typing import Any

from signalos_regex.features import token_classes


def set_norms(doc: Any, reading: bool = False) -> Any:
    """Give each token of ``doc`` inside a keyword span the span's class as its NORM (numbers keep
    theirs unless ``reading``, where a number the regex parser read gets its reading;
    ``signalos_regex.features.token_classes``); returns ``doc``."""
    offsets = [(tok.idx, tok.idx + len(tok.text)) for tok in doc]
    for tok, cls in zip(doc, token_classes(doc.text, offsets, reading)):
        if cls is not None:
            tok.norm_ = cls
    return doc


class LexiconTokenizer:
    """A spaCy tokenizer, then ``set_norms`` on each doc; serialised as the tokenizer it wraps."""

    def __init__(self, inner: Any, reading: bool = False):
        self.inner = inner
        self.reading = reading

    def __call__(self, text: str) -> Any:
        return set_norms(self.inner(text), self.reading)

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def to_disk(self, path, **kwargs):
        return self.inner.to_disk(path, **kwargs)

    def from_disk(self, path, **kwargs):
        self.inner.from_disk(path, **kwargs)
        return self

    def to_bytes(self, **kwargs):
        return self.inner.to_bytes(**kwargs)

    def from_bytes(self, data, **kwargs):
        self.inner.from_bytes(data, **kwargs)
        return self
