"""What the regex parser's tables know about a message's words, given to the spaCy model as the
NORM of its tokens (tokenizer ``signalos.tokenizer.v3``).

A label, direction or order word of any language of the tables ("SL", "止损", "стоп", "حد ضرر")
gets one class as its NORM (``⟨label:stop_loss⟩``), and so does a word inside an update or noise
pattern (``⟨update:tp_hit⟩``) and the symbol the tables find (``⟨symbol⟩``). The NER's embedding
reads NORM beside the word's prefix, suffix and shape, so what it learns of "SL 2335" in one
language holds for "止损 2335" in another: a gazetteer feature, learned from, not a rule. The
classes come from ``signalos_regex.features``.
"""
from __future__ import annotations

from typing import Any

from signalos_regex.features import keyword_spans


def set_norms(doc: Any) -> Any:
    """Give each token of ``doc`` that lies inside a keyword span the span's class as its NORM
    (numbers keep theirs: a pattern such as "TP1 hit at 2350" covers the price); returns ``doc``."""
    spans = keyword_spans(doc.text)
    if not spans:
        return doc
    k = 0
    for tok in doc:
        start = tok.idx
        end = start + len(tok.text)
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        j = k
        while j < len(spans) and spans[j][0] < end:
            s, e, cls = spans[j]
            if s <= start and end <= e and not tok.like_num:
                tok.norm_ = cls  # the last (innermost-starting) class covering it wins
            j += 1
    return doc


class LexiconTokenizer:
    """A spaCy tokenizer, then ``set_norms`` on each doc; serialised as the tokenizer it wraps."""

    def __init__(self, inner: Any):
        self.inner = inner

    def __call__(self, text: str) -> Any:
        return set_norms(self.inner(text))

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
