"""Character spans to token tags: the one conversion every exporter and trainer uses.

Signal texts glue fields together (``SL:167.60``, ``@0.8773``, ``TP1@3000``, ``2317.50-2313.50``);
a whitespace or default spaCy tokenizer keeps those as one token, and a span inside a token is
then lost without a word (STACK.md, spaCy note). ``tokenize`` splits numbers, letter runs and
every other character apart, so almost every span falls on token boundaries; the few that do not
are *expanded* to the tokens they touch and counted, and a span that collides with another is
counted as dropped. Nothing is lost silently: :class:`SpanStats` says what happened.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import regex

# Field names of label spans (SCHEMA.md / ParseResult.spans) → entity labels of the exports.
FIELD_LABELS = {"symbol": "symbol", "direction": "direction", "entry": "entry", "stop_loss": "stop_loss",
                "take_profits": "take_profit", "leverage": "leverage"}
ENTITY_LABELS = tuple(dict.fromkeys(FIELD_LABELS.values()))
BIO_LABELS = ("O", *(f"{p}-{e}" for e in ENTITY_LABELS for p in ("B", "I")))

# A number with at most one decimal separator (``132.650,133.000`` is two numbers; a longer
# number split in parts still matches a span covering all of them), an upper-case run glued to a
# capitalised word (``LONGLeverage`` → ``LONG`` ``Leverage``), a capitalised word
# (``ShortLeverage`` → ``Short`` ``Leverage``), a run of letters with their
# combining marks (a letter first, so an emoji's variation selector stays apart), or any other
# single visible character.
_TOKEN = regex.compile(r"\p{Nd}+(?:[.,]\p{Nd}+)?|\p{Lu}+(?=\p{Lu}\p{Ll}{2})|\p{Lu}?[\p{Ll}\p{Lo}\p{Lm}\p{M}]+"
                       r"|\p{L}[\p{L}\p{M}]*|\S")

Token = tuple[int, int]


def tokenize(text: str) -> list[Token]:
    """``(start, end)`` of each token of ``text``: ``"SL:167.60"`` → ``SL`` ``:`` ``167.60``;
    ``"TP1@3000"`` → ``TP`` ``1`` ``@`` ``3000``; ``"4785-90"`` → ``4785`` ``-`` ``90``."""
    return [m.span() for m in _TOKEN.finditer(text)]


@attrs.define
class SpanStats:
    """What happened to the spans of one or many rows when turned into token tags.

    ``exact``: on token boundaries; ``expanded``: a boundary fell inside a token, so the whole
    token was tagged; ``dropped``: overlapping another span or empty, not tagged;
    ``untagged``: spans of fields that are not entity labels (order_type, pips, update actions),
    per field.
    """

    total: int = 0
    exact: int = 0
    expanded: int = 0
    dropped: int = 0
    untagged: dict[str, int] = attrs.field(factory=dict)
    rows_with_loss: list[Any] = attrs.field(factory=list)

    def add(self, other: SpanStats) -> None:
        self.total += other.total
        self.exact += other.exact
        self.expanded += other.expanded
        self.dropped += other.dropped
        for k, v in other.untagged.items():
            self.untagged[k] = self.untagged.get(k, 0) + v
        self.rows_with_loss.extend(other.rows_with_loss)

    def to_dict(self) -> dict[str, Any]:
        return {"spans": self.total, "exact": self.exact, "expanded_to_token": self.expanded,
                "dropped_overlap": self.dropped, "untagged_fields": dict(sorted(self.untagged.items())),
                "rows_with_loss": self.rows_with_loss[:50]}


def entity_spans(spans: dict[str, Any] | None, stats: SpanStats | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, entity label)`` of a label's spans, sorted; other fields are counted in
    ``stats.untagged``."""
    out: list[tuple[int, int, str]] = []
    for field, ranges in (spans or {}).items():
        label = FIELD_LABELS.get(field)
        ranges = [r for r in (ranges or ()) if r is not None]
        if label is None:
            if stats is not None and ranges:
                stats.untagged[field] = stats.untagged.get(field, 0) + len(ranges)
            continue
        out.extend((int(s), int(e), label) for s, e in ranges)
    return sorted(out)


def bio_tags(text: str, spans: dict[str, Any] | None, tokens: list[Token] | None = None,
             row_id: Any = None) -> tuple[list[Token], list[str], SpanStats]:
    """Tokens of ``text`` and their BIO tags from the label's character ``spans``."""
    tokens = tokenize(text) if tokens is None else tokens
    tags = ["O"] * len(tokens)
    stats = SpanStats()
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    for start, end, label in entity_spans(spans, stats):
        stats.total += 1
        covered = [i for i, (s, e) in enumerate(tokens) if s < end and e > start]
        if not covered or end <= start:
            stats.dropped += 1
            stats.rows_with_loss.append(row_id)
            continue
        if any(tags[i] != "O" for i in covered):
            stats.dropped += 1  # two fields on one token (a price written once, labelled twice)
            stats.rows_with_loss.append(row_id)
            continue
        if start in starts and end in ends:
            stats.exact += 1
        else:
            stats.expanded += 1
        tags[covered[0]] = f"B-{label}"
        for i in covered[1:]:
            tags[i] = f"I-{label}"
    return tokens, tags, stats


def spacy_doc(nlp: Any, text: str, spans: dict[str, Any] | None, row_id: Any = None,
              cats: dict[str, float] | None = None) -> tuple[Any, SpanStats]:
    """A spaCy ``Doc`` of ``text`` tokenised by ``tokenize``, its entities from ``spans``
    (``doc.cats`` from ``cats``), and what happened to the spans."""
    from spacy.tokens import Doc

    tokens, tags, stats = bio_tags(text, spans, row_id=row_id)
    words, spaces, ents = _doc_words(text, tokens, tags)
    # Doc(ents=...) reads "B-X" / "I-X" / "O" exactly as bio_tags writes them
    doc = Doc(nlp.vocab, words=words, spaces=spaces, ents=ents)
    if cats:
        doc.cats = dict(cats)
    return doc, stats


def _doc_words(text: str, tokens: list[Token], tags: list[str]) -> tuple[list[str], list[bool], list[str]]:
    """Words, trailing-space flags and tags that rebuild ``text`` exactly: one space after a token
    is its flag, any other whitespace (a newline, a second space) is a token of its own, as spaCy
    keeps it, so character offsets into the Doc are offsets into the message."""
    words: list[str] = []
    spaces: list[bool] = []
    ents: list[str] = []
    pos = 0
    for (start, end), tag in [*zip(tokens, tags), ((len(text), len(text)), None)]:
        gap = text[pos:start]
        if gap and words and gap[0] == " ":
            spaces[-1], gap = True, gap[1:]
        if gap:
            # whitespace inside an entity ("2342\n2345" as one entry) stays inside it
            inside = bool(ents) and ents[-1] != "O" and tag is not None and tag.startswith("I-")
            words.append(gap)
            spaces.append(False)
            ents.append(f"I-{tag[2:]}" if inside else "O")
        if tag is None:
            break
        words.append(text[start:end])
        spaces.append(False)
        ents.append(tag)
        pos = end
    return words, spaces, ents


def kind_cats(kind: str | None, kinds: Iterable[str] = ("signal", "update", "noise")) -> dict[str, float]:
    """One-hot ``doc.cats`` of a message kind (for a text classifier trained beside the NER)."""
    return {k: 1.0 if k == kind else 0.0 for k in kinds}
