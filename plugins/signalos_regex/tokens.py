"""Tokens of a message: numbers, words, punctuation, with keywords and symbols recognised.

Offsets are those of the original text (normalisation keeps lengths), so every field can say
which characters it was read from.
"""
from __future__ import annotations

import regex

from signalos.normalize import phrase_key

from signalos_regex.lexicon import Lexicon

TOKEN = regex.compile(
    r"(?P<num>\d+(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:[.,]\d+)?)"
    r"|(?P<word>\p{Han}|\p{Hiragana}|\p{Katakana}|\p{Thai}|\p{L}[\p{L}\p{M}&'’]*)"
    r"|(?P<nl>\n)"
    r"|(?P<sp>[^\S\n]+)"
    r"|(?P<p>.)",
    regex.DOTALL,
)
# Dates, clock times and ISO timestamps are never prices.
TIMESTAMP = regex.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?<![\p{L}\d.,:])\d{1,2}:\d{2}(?::\d{2})?(?![\d.,])(?!\s*(?:pips|%))"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}[./]\d{2}[./]\d{2}|(?<![\d.])\d{2}\.\d{2}\.\d{2,4}(?![\d.])"
)
URL = regex.compile(r"(?:https?://|www\.|t\.me/)\S+")
JOINERS = frozenset("-/_.'’&")
CJK = regex.compile(r"\p{Han}|\p{Hiragana}|\p{Katakana}|\p{Thai}")


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
    masked = [(m.start(), m.end()) for m in TIMESTAMP.finditer(text)] if ":" in text or "-" in text or "/" in text \
        or "." in text else []
    urls = [(m.start(), m.end()) for m in URL.finditer(text)] if "/" in text or "www" in text else []
    toks: list[Tok] = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "sp":
            continue
        if urls and any(a <= m.start() < b for a, b in urls):
            continue  # a link's words and numbers are not the message's
        tok = Tok(kind, m.group(), m.start(), m.end())
        if masked and kind == "num":
            for a, b in masked:
                if a <= tok.start < b:
                    tok.skip = True
                    break
        toks.append(tok)
    return toks


def _split_glued(tok: Tok, lex: Lexicon) -> list[Tok] | None:
    """``LONGLeverage`` → LONG + Leverage, ``XEntry`` → X + Entry: words glued by HTML exports.

    Only splits where the tail is a trading label or direction and the head is upper case (or a
    keyword), so ordinary words such as "Signal" or "Reentry" stay whole."""
    w = tok.text
    if len(w) < 4:
        return None
    low = w.lower()
    for i in range(1, len(w) - 2):
        head, tail = w[:i], low[i:]
        hit = lex.words.get(tail)
        if hit is None or len(tail) < 3 or not (hit[0] == "dir" or hit[1] in ("entry", "stop_loss", "take_profit", "leverage")):
            continue
        if head.isupper() or head.lower() in ("x",) or lex.lookup(head.lower()) is not None:
            a = Tok("word", head, tok.start, tok.start + i)
            b = Tok("word", w[i:], tok.start + i, tok.end)
            return [a, b]
    return None


def mark_keywords(toks: list[Tok], lex: Lexicon, text: str) -> list[Tok]:
    """Merge multi-word keywords into one token and tag keywords and symbol aliases."""
    out: list[Tok] = []
    n = len(toks)
    i = 0
    words = lex.words
    symbols = lex.symbols
    while i < n:
        tok = toks[i]
        if tok.kind != "word":
            out.append(tok)
            i += 1
            continue
        # collect up to max_words word tokens joined only by spaces or joiners
        best = None
        parts = [tok.text.lower()]
        j = i
        last = i
        key = parts[0]
        hit = words.get(key) or (("sym", symbols.alias(key)) if symbols.alias(key) else None)
        if hit:
            best = (hit, i)
        k = i + 1
        while len(parts) < lex.max_words and k < n:
            t = toks[k]
            if t.kind == "p" and t.text in JOINERS and k + 1 < n and toks[k + 1].kind == "word":
                k += 1
                continue
            if t.kind != "word":
                break
            parts.append(t.text.lower())
            last = k
            key = phrase_key(" ".join(parts)) if not CJK.match(t.text) else " ".join(parts)
            hit = words.get(key)
            if hit is None:
                alias = symbols.alias(key)
                hit = ("sym", alias) if alias else None
            if hit:
                best = (hit, last)
            k += 1
        if best is None:
            split = _split_glued(tok, lex)
            if split:
                toks[i:i + 1] = split
                n = len(toks)
                continue
            out.append(tok)
            i += 1
            continue
        (cat, val), end_idx = best
        merged = Tok("word", "".join(t.text for t in toks[i:end_idx + 1]) if end_idx > i else tok.text,
                     tok.start, toks[end_idx].end)
        merged.cat, merged.val = cat, val
        out.append(merged)
        i = end_idx + 1
    if lex.word_patterns is not None:
        out = _mark_patterns(out, lex, text)
    return out


def _mark_patterns(toks: list[Tok], lex: Lexicon, text: str) -> list[Tok]:
    """Apply the ``re:`` keywords: the tokens a match covers become one keyword token."""
    pattern, names = lex.word_patterns
    for m in pattern.finditer(text, timeout=0.05):
        if m.end() == m.start():
            continue
        cat, val = next(names[g] for g in names if m.group(g) is not None)
        inside = [k for k, t in enumerate(toks) if t.start >= m.start() and t.end <= m.end()]
        if not inside or any(toks[k].cat is not None and toks[k].cat != "dir" for k in inside):
            continue
        first, last = inside[0], inside[-1]
        merged = Tok("word", text[toks[first].start:toks[last].end], toks[first].start, toks[last].end)
        merged.cat, merged.val = cat, val
        toks = toks[:first] + [merged] + toks[last + 1:]
    return toks
