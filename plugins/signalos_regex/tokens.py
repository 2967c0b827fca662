"""Tokens of a message: numbers, words, punctuation, with keywords and symbols recognised.

Offsets are those of the original text (normalisation keeps lengths), so every field can say
which characters it was read from. This runs on every message, so it sticks to the standard
library's ``re`` and dictionary lookups.
"""
from __future__ import annotations

import re

from signalos_regex.lexicon import Lexicon

_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u0962\u0963"
TOKEN = re.compile(
    r"(\d+(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:[.,]\d+)?½?|½)"              # 1: number (1½ too)
    rf"|((?:[^\W\d_]|[{_MARKS}])+(?:['’&](?:[^\W\d_]|[{_MARKS}])+)*)"       # 2: word
    r"|(\n)"                                                                 # 3: newline
    r"|(\S)"                                                                 # 4: anything else
)
KINDS = (None, "num", "word", "nl", "p")
# Dates, clock times and ISO timestamps are never prices.
TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?<![^\W\d_])(?<![\d.,:])\d{1,2}:\d{2}(?::\d{2})?(?![\d.,])(?!\s*(?:pips|%))"
    r"|\d{1,2}/\d{1,2}/\d{2,4}(?![\d.])"
    r"|(?:19|20)\d\d[./](?:0[1-9]|1[0-2])[./](?:0[1-9]|[12]\d|3[01])(?!\d)"
    r"|(?<![\d.])(?:0[1-9]|[12]\d|3[01])\.(?:0[1-9]|1[0-2])\.(?:19|20)?\d\d(?![\d.])"
)
TIMESTAMP_HINT = re.compile(r"\d:\d\d|\d[./-]\d\d[./-]\d")
URL = re.compile(r"(?:https?://|www\.|t\.me/)\S+")
JOINERS = frozenset("-/_.'’&")
GLUE_LABELS = frozenset({"entry", "stop_loss", "take_profit", "leverage"})


def _is_cjk(word: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\u0e00" <= ch <= "\u0e7f" or "\uac00" <= ch <= "\ud7af" for ch in word)


class Tok:
    """One token. ``cat``/``val`` are set when it is a keyword (``dir``/``ot``/``label``/``sym``)."""

    __slots__ = ("kind", "text", "start", "end", "cat", "val", "skip")

    def __init__(self, kind: str, text: str, start: int, end: int):
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.cat: str | None = None
        self.val: str | None = None
        self.skip = False

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        tag = f" {self.cat}={self.val}" if self.cat else ""
        return f"<{self.kind} {self.text!r}{tag}>"


def tokenize(text: str) -> list[Tok]:
    """Split normalised text into tokens (spaces dropped, newlines kept)."""
    masked = [m.span() for m in TIMESTAMP.finditer(text)] if TIMESTAMP_HINT.search(text) else ()
    urls = [m.span() for m in URL.finditer(text)] if ("/" in text or "www." in text) else ()
    toks: list[Tok] = []
    append = toks.append
    maybe_cjk = bool(text) and max(text) >= "\u0e00"
    for m in TOKEN.finditer(text):
        kind = KINDS[m.lastindex]
        start, end = m.span()
        word = m.group()
        if urls and any(a <= start < b for a, b in urls):
            continue  # a link's words and numbers are not the message's
        if maybe_cjk and kind == "word" and _is_cjk(word):
            for k, ch in enumerate(word):  # Chinese has no spaces: one token a character
                append(Tok("word", ch, start + k, start + k + 1))
            continue
        tok = Tok(kind, word, start, end)
        if masked and kind == "num" and any(a <= start < b for a, b in masked):
            tok.skip = True
        append(tok)
    return toks


def _split_glued(tok: Tok, lex: Lexicon) -> list[Tok] | None:
    """``LONGLeverage`` → LONG + Leverage, ``XEntry`` → X + Entry: words glued by HTML exports.

    Only tried on words with capitals inside, and only split where the tail is a trading label or
    direction and the head is upper case (or a keyword), so "Signal" or "Reentry" stay whole."""
    w = tok.text
    if len(w) < 4 or w[1:].islower():
        return None
    low = w.lower()
    words = lex.words
    for i in range(1, len(w) - 2):
        hit = words.get(low[i:])
        if hit is None or not (hit[0] == "dir" or hit[1] in GLUE_LABELS):
            continue
        head = w[:i]
        if head.isupper() or head in ("x", "X") or lex.lookup(head.lower()) is not None:
            return [Tok("word", head, tok.start, tok.start + i), Tok("word", w[i:], tok.start + i, tok.end)]
    return None


def mark_keywords(toks: list[Tok], lex: Lexicon, text: str) -> list[Tok]:
    """Merge multi-word keywords into one token and tag keywords and symbol aliases."""
    out: list[Tok] = []
    append = out.append
    words, prefixes, max_words = lex.words, lex.prefixes, lex.max_words
    n = len(toks)
    i = 0
    while i < n:
        tok = toks[i]
        if tok.kind != "word":
            append(tok)
            i += 1
            continue
        key = tok.text.lower()
        hit = words.get(key)
        if hit is None and "I" in tok.text:
            # Turkish: "ALIŞ".lower() is "aliş", the word is "alış"
            dotless = tok.text.replace("I", "ı").lower()
            if dotless in words:
                key, hit = dotless, words[dotless]
        best = (hit, i) if hit else None
        if key in prefixes:
            k, count = i + 1, 1
            while count < max_words and k < n:
                t = toks[k]
                if t.kind == "p" and t.text in JOINERS and k + 1 < n and toks[k + 1].kind == "word":
                    k += 1
                    continue
                if t.kind != "word":
                    break
                key = key + " " + t.text.lower()
                count += 1
                hit = words.get(key)
                if hit:
                    best = (hit, k)
                if key not in prefixes:
                    break
                k += 1
        if best is None:
            split = _split_glued(tok, lex)
            if split:
                toks[i:i + 1] = split
                n = len(toks)
                continue
            append(tok)
            i += 1
            continue
        (cat, val), end_idx = best
        if end_idx > i:
            merged = Tok("word", text[tok.start:toks[end_idx].end], tok.start, toks[end_idx].end)
        else:
            merged = tok
        merged.cat, merged.val = cat, val
        append(merged)
        i = end_idx + 1
    if lex.word_patterns is not None:
        out = _mark_patterns(out, lex, text)
    return out


def _mark_patterns(toks: list[Tok], lex: Lexicon, text: str) -> list[Tok]:
    """Apply the ``re:`` keywords: the tokens a match covers become one keyword token."""
    for cat, val, m in lex.word_patterns.matches(text, text.lower(), timeout=1.0):
        inside = [k for k, t in enumerate(toks) if t.start >= m.start() and t.end <= m.end()]
        if not inside or any(toks[k].cat is not None and toks[k].cat != "dir" for k in inside):
            continue
        first, last = inside[0], inside[-1]
        merged = Tok("word", text[toks[first].start:toks[last].end], toks[first].start, toks[last].end)
        merged.cat, merged.val = cat, val
        toks = toks[:first] + [merged] + toks[last + 1:]
    return toks
