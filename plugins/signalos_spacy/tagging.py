"""The fields as one tag a token (``B-STOP_LOSS``, ``I-STOP_LOSS``, ``O``): spaCy's ``tagger``
over BIO tags, then ``signalos_tags_to_ents`` reads the tags into ``doc.ents``.

spaCy's ``ner`` is a transition system: each token costs a step of a state machine whose features
are read from the CNN's output of several tokens, and its steps cost more than the CNN itself on
these short messages (``docs/training.md``, "Inference speed"). A tagger costs one softmax a
token over the same CNN's vectors. The messages' fields are short and never nest, so BIO tags
hold them as well; where the tags disagree (``I-ENTRY`` after ``O`` or after another label),
the ``I`` opens a span of its own, as a ``B`` would.

Importing this module registers the component, which ``spacy.load`` needs.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from signalos.errors import MissingDependencyError

try:
    from spacy.language import Language
    from spacy.tokens import Doc, Span
except ImportError as exc:  # the plugin registers its name anyway; it fails when used
    raise MissingDependencyError("spacy", "spacy") from exc

TAGGER = "field_tags"  # the tagger's name in a pipeline
TAGS_TO_ENTS = "signalos_tags_to_ents"
OUTSIDE = "O"


def bio_labels(labels: Iterable[str]) -> list[str]:
    """``O`` and a ``B-`` and an ``I-`` tag for each entity label."""
    return [OUTSIDE, *(f"{p}-{label}" for label in labels for p in ("B", "I"))]


def bio_tags(n_tokens: int, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """The tag of each of ``n_tokens`` tokens given non-overlapping ``(start, end, label)`` token spans."""
    tags = [OUTSIDE] * n_tokens
    for start, end, label in spans:
        for i in range(start, end):
            tags[i] = ("B-" if i == start else "I-") + label
    return tags


def spans_of_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` token spans of BIO ``tags``; an ``I-`` that does not continue a span
    of its label opens one."""
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        prefix, _, name = tag.partition("-")
        if prefix == "I" and name == label and start >= 0:
            continue
        if start >= 0:
            spans.append((start, i, label))
        start, label = (i, name) if name and prefix in ("B", "I") else (-1, "")
    if start >= 0:
        spans.append((start, len(tags), label))
    return spans


@Language.component(TAGS_TO_ENTS)
def tags_to_ents(doc: Doc) -> Doc:
    """Set ``doc.ents`` from the tokens' BIO tags."""
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in spans_of_tags([t.tag_ for t in doc])]
    return doc
