"""What the regex parser's tables know about a text's words, for the learned parsers to weigh.

``keyword_spans(text)`` gives ``(start, end, class)`` of every label, direction and order word of
any language of the tables (``⟨label:stop_loss⟩`` for "SL", "стоп" and "止损" alike), every word
inside an update or noise pattern (``⟨update:tp_hit⟩``), every instrument alias (``⟨sym⟩``) and the
symbol the tables pick (``⟨symbol⟩``). The spaCy parser reads the classes as its tokens' NORM
(``signalos_spacy.features``), the encoder as token types (``signalos_transformers.encoder``): a
feature each model learns to weigh, not a rule. The tables are the built-in ones of every
language, read once per process.

``reading_spans(text)`` gives what the regex parser itself read the numbers as
(``⟨read:stop_loss⟩``, ``⟨read:action_price⟩``...): with it a learned model starts from the
rules' reading and learns where a layout makes the rules wrong (stacking), which is what a
channel's few labelled messages can teach. ``reading_class(text)`` is the rules' kind class of the
message (``signal``, ``noise``, ``update:tp_hit``), the prior a learned parser's kind may lean on
(``signalos.training.kind_prior``).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, TypeVar

from signalos.normalize import normalize_text, parse_number

from signalos_regex.lexicon import NOISE_ORDER, UPDATE_ORDER, Lexicon
from signalos_regex.symbols import SymbolFinder
from signalos_regex.tokens import has_unspaced, mark_keywords, tokenize_marking_glued

MAX_CHARS: Final = 4096  # the learned parsers read no more of a message
# The readings a Reader keeps. A learned parser reads a message's features and, later, its rules'
# class: a call of more texts than this would have read them all twice, so the parsers read
# their texts READ_CHUNK at a time.
READ_CACHE: Final = 2048
READ_CHUNK: Final = READ_CACHE // 2
T = TypeVar("T")
R = TypeVar("R")


def in_read_chunks(items: Sequence[T], read: Callable[[Sequence[T]], list[R]]) -> list[R]:
    """``read(items)``, READ_CHUNK items at a time, the answers joined in order."""
    return [r for k in range(0, len(items), READ_CHUNK) for r in read(items[k:k + READ_CHUNK])]


class Reader:
    """The tables, and the regex parser with them, that the features of a message are read with:
    the built-in ones (``default_reader()``), or those with a channel's own words added
    (``Reader(keyword_files, symbol_files)``: the TOML files ``signalos train words`` writes), as a
    model adapted to that channel reads its messages. Its parses are cached (the tokenizer reads
    the numbers and the parser the kind of one message a few calls apart)."""

    def __init__(self, keyword_files: Sequence[str | Path] = (), symbol_files: Sequence[str | Path] = ()):
        from signalos_regex.parser import RegexParser

        self.keyword_files = tuple(str(f) for f in keyword_files)
        self.symbol_files = tuple(str(f) for f in symbol_files)
        self.parser = RegexParser(None, {"keywords": list(self.keyword_files), "symbols": list(self.symbol_files)})
        self.lexicon: Lexicon = self.parser.lexicon
        self.read = functools.lru_cache(maxsize=READ_CACHE)(self._parse)

    def _parse(self, text: str):
        return self.parser.parse(text[:MAX_CHARS])


@functools.lru_cache(maxsize=1)
def default_reader() -> Reader:
    """The built-in tables of every language, read once per process."""
    return Reader()


def default_lexicon() -> Lexicon:
    return default_reader().lexicon


def keyword_spans(text: str, reader: Reader | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, class)`` of every keyword, pattern and symbol the tables (``reader``'s, the
    built-in ones by default) find in ``text`` (offsets of ``text``: normalising keeps the length),
    by start; where spans overlap, a pattern's class comes after the symbol's, which comes after a
    word's."""
    lex = (reader or default_reader()).lexicon
    text = normalize_text(text[:MAX_CHARS])
    lowered = text.lower()
    try:
        toks, glued = tokenize_marking_glued(text)
        toks = mark_keywords(toks, lex, text, lowered)
        spans = [(t.start, t.end, "⟨sym⟩" if t.cat == "sym" else f"⟨{t.cat}:{t.val}⟩") for t in toks if t.cat]
        best = SymbolFinder(toks, lex, glued, has_unspaced(text)).scan().best
        if best is not None:
            spans.append((best[2], best[3], "⟨symbol⟩"))
        for kind, table in (("update", lex.updates), ("noise", lex.noise)):
            if table is not None:
                spans.extend((m.start(), m.end(), f"⟨{kind}:{value}⟩") for _, value, m in table.matches(text, lowered, timeout=0.2))
    except TimeoutError:  # a hostile text: no features rather than a slow parse
        return []
    return sorted(spans, key=lambda s: s[0])  # stable: the order of priority above is kept


# The fields of a signal the regex parser reads from numbers, by the class their numbers get.
READ_FIELDS: Final = {"entry": "⟨read:entry⟩", "stop_loss": "⟨read:stop_loss⟩",
                      "take_profits": "⟨read:take_profit⟩", "leverage": "⟨read:leverage⟩"}
READ_ACTION_PRICE: Final = "⟨read:action_price⟩"


def regex_answer(text: str) -> dict | None:
    """The regex parser's (built-in tables) answer for ``text`` as a schema object, or None when it
    gives none: the draft the ``llm`` parser's prompt carries."""
    result = default_reader().read(text)
    return result.to_schema() if result is not None else None


def reading_class(text: str, reader: Reader | None = None) -> str:
    """The regex parser's kind class of ``text`` (``signalos.training.spans.kind_class``: ``signal``,
    ``noise``, ``update:tp_hit,close``), with ``reader``'s tables (the built-in ones by default);
    ``noise`` when it gives no answer."""
    result = (reader or default_reader()).read(text)
    if result is None:
        return "noise"
    # kind_class of the answer's schema object, without building it (a learned parser asks this of every message)
    return "update:" + ",".join(a.type for a in result.actions) if result.kind == "update" else result.kind


def reading_spans(text: str, reader: Reader | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, class)`` of every number the regex parser (``reader``'s tables, the built-in
    ones by default) reads as a field of ``text``: a signal's entry, stop, target or leverage
    (``READ_FIELDS``), an update's action price (every number of that value: the parser keeps no
    span of it). By start."""
    text = text[:MAX_CHARS]
    result = (reader or default_reader()).read(text)
    spans = [(a, b, cls) for field, cls in READ_FIELDS.items() for a, b in result.spans.get(field, ())]
    prices = {a.price for a in result.actions if a.price is not None}
    if prices:
        toks, _ = tokenize_marking_glued(normalize_text(text))
        spans.extend((t.start, t.end, READ_ACTION_PRICE) for t in toks
                     if t.kind == "num" and parse_number(t.text) in prices)
    return sorted(spans)


def token_classes(text: str, offsets: Sequence[tuple[int, int]], reading: bool = False,
                  reader: Reader | None = None) -> list[str | None]:
    """The class of each token of ``text`` (its ``(start, end)`` offsets, in order): that of the
    last span of ``keyword_spans`` holding it whole, else None; a token with a digit keeps none
    (a pattern such as "TP1 hit at 2350" covers the price) unless ``reading``, where it gets the
    class of the ``reading_spans`` span holding it. The spaCy tokenizer and the encoder both read
    their tokens' classes here, with ``reader``'s tables (the built-in ones by default)."""
    spans = keyword_spans(text, reader)
    out: list[str | None] = [None] * len(offsets)
    if reading:
        _read_numbers(text, offsets, out, reader)
    if not spans:
        return out
    first = 0  # spans before this one ended before the current token (tokens come in order)
    for i, (s, e) in enumerate(offsets):
        while first < len(spans) and spans[first][1] <= s:
            first += 1
        if s >= e or any(c.isdigit() for c in text[s:e]):
            continue
        for ss, se, cls in spans[first:]:
            if ss > s:
                break
            if e <= se:
                out[i] = cls
    return out


def _read_numbers(text: str, offsets: Sequence[tuple[int, int]], out: list[str | None],
                  reader: Reader | None = None) -> None:
    """Set ``out[i]`` to the reading class of each token with a digit inside a ``reading_spans`` span."""
    spans = reading_spans(text, reader)
    if not spans:
        return
    for i, (s, e) in enumerate(offsets):
        if s < e and any(c.isdigit() for c in text[s:e]):
            out[i] = next((cls for ss, se, cls in spans if ss <= s and e <= se), None)


def feature_classes(reading: bool = False) -> list[str]:
    """Every class ``keyword_spans`` (and ``reading_spans`` when ``reading``) can give with the
    built-in tables, sorted, after ``""`` (no class): the encoder numbers its token types by this
    list and saves it with the model."""
    lex = default_lexicon()
    found = {f"⟨{cat}:{val}⟩" for cat, val in lex.words.values() if cat != "sym"}
    found |= {f"⟨{cat}:{val}⟩" for cat, val, _ in lex.patterns}
    found |= {f"⟨update:{t}⟩" for t in UPDATE_ORDER} | {f"⟨noise:{t}⟩" for t in NOISE_ORDER} | {"⟨sym⟩", "⟨symbol⟩"}
    if reading:
        found |= {*READ_FIELDS.values(), READ_ACTION_PRICE}
    return ["", *sorted(found)]
