"""Tokens of a message: numbers, words, punctuation, with keywords and symbols recognised.

Offsets are those of the original text (normalisation keeps lengths), so every field can say
which characters it was read from. This runs on every message, so it sticks to the standard
library's ``re`` and dictionary lookups.
"""
from __future__ import annotations

import re
from typing import Final

from signalos.normalize import MARKS, UNSPACED

from signalos_regex.lexicon import Lexicon

_MARKS: Final = MARKS  # combining marks that belong to the word they follow
_LETTER: Final = rf"(?:[^\W\d_]|[{_MARKS}])"
# Possessive repeats and the shared "\d++" only spare the engine backtracking that could never
# change a token: what follows a run of digits or letters cannot start with one.
TOKEN: Final = re.compile(
    r"(?<=[^\W\d_])\d{1,2}(?=\.\d+\.\d)|"                                        # "Tp1.1.31800": TP1, then its price
    # number (1½, 2.345,50 too; "2380\.50": a point escaped for Telegram's MarkdownV2 by a bot)
    r"\d++(?:(?:,\d{3})+(?:\.\d+)?(?![\d,])|(?:\.\d{3})+,\d{1,2}(?![\d.,])|(?:\\?[.,]\d+)?½?)|½"
    rf"|(?:[^\W\d_]++|[{_MARKS}]++)++(?:['’&](?:[^\W\d_]++|[{_MARKS}]++)++)*+"         # word
    r"|\n"                                                                           # newline
    r"|\S"                                                                           # anything else
)
_LETTER_START: Final = re.compile(_LETTER)
_KIND_OF_FIRST: Final[dict[str, str]] = {}  # a token's kind follows from its first character
# Dates, clock times and ISO timestamps are never prices.
TIMESTAMP: Final = re.compile(
    r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?<![^\W\d_])(?<![\d.,:])\d{1,2}:\d{2}(?::\d{2})?(?![\d.,])(?!\s*(?:pips|%))"
    r"|(?:[0-2]?\d|3[01])/(?:[0-2]?\d|3[01])/\d{2,4}(?![\d.])"  # a day and a month, either first
    r"|(?:19|20)\d\d[./](?:0[1-9]|1[0-2])[./](?:0[1-9]|[12]\d|3[01])(?!\d)"
    r"|(?<![\d.])(?:0[1-9]|[12]\d|3[01])\.(?:0[1-9]|1[0-2])\.(?:19|20)?\d\d(?![\d.])"
    r"|(?<![\d.,])(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])(?=\s+\d{1,2}:\d{2}(?!\d))"  # day-month before a clock time
)
TIMESTAMP_HINT: Final = re.compile(r"\d:\d\d|\d[./-]\d\d[./-]\d")
URL: Final = re.compile(r"(?:https?://|www\.|t\.me/)\S+")
JOINERS: Final = frozenset("-/_.'’&")
GLUE_LABELS: Final = frozenset({"entry", "stop_loss", "take_profit", "leverage"})


# Scripts written without spaces between words: Chinese, Japanese, Korean (whose particles glue
# to the word: "손절가"), Thai. The same characters are one word each in ``phrase_key``.
_CJK: Final = re.compile(f"[{UNSPACED}]")


def has_unspaced(text: str) -> bool:
    """Whether ``text`` holds a letter of a script written without spaces (and without case)."""
    return not text.isascii() and _CJK.search(text) is not None  # isascii() reads a flag: no scan


def _kind(first: str) -> str:
    kind = _KIND_OF_FIRST.get(first)
    if kind is None:
        if len(_KIND_OF_FIRST) > 10_000:
            _KIND_OF_FIRST.clear()
        # the order of TOKEN's alternatives; str.isdecimal() is re's \d
        kind = "num" if first.isdecimal() or first == "½" else "word" if _LETTER_START.match(first) \
            else "nl" if first == "\n" else "p"
        _KIND_OF_FIRST[first] = kind
    return kind


class Tok:
    """One token. ``cat``/``val`` are set when it is a keyword (``dir``/``ot``/``label``/``sym``)."""

    __slots__ = ("kind", "text", "start", "end", "cat", "val", "skip")

    kind: str
    text: str
    start: int
    end: int
    cat: str | None
    val: str | None
    skip: bool

    def __init__(self, kind: str, text: str, start: int, end: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.cat = None
        self.val = None
        self.skip = False

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        tag = f" {self.cat}={self.val}" if self.cat else ""
        return f"<{self.kind} {self.text!r}{tag}>"


def tokenize(text: str) -> list[Tok]:
    """Split normalised text into tokens (spaces dropped, newlines kept)."""
    return tokenize_marking_glued(text)[0]


def tokenize_marking_glued(text: str) -> tuple[list[Tok], bool]:
    """``tokenize``, and whether a name with digits may start at a token not a word: a word
    glued after a number ("1000PEPE"), a number glued after a ``#`` or ``$`` or after a word
    glued to one ("#1000SATS", "$LUNA2"). Without one the symbol finder passes every token not
    a word over."""
    urls: list[tuple[int, int]] = [m.span() for m in URL.finditer(text)] if ("/" in text or "www." in text) else []
    cjk = has_unspaced(text)
    toks: list[Tok] = []
    kinds = _KIND_OF_FIRST
    # No token holds a space and every other character is in one, and TOKEN looks at no
    # character past a run of non-space characters, so the tokens of the text are those of
    # its lines' runs, one after the other, with a newline token between two lines. Most runs
    # are one word or one plain number; the others are split once and remembered, with whether
    # they hold a TIMESTAMP_HINT (which holds no space either: the text holds one when a run does).
    plain = not (urls or cjk)  # no token to drop or split: appended as found
    hinted = glued = False
    base = 0
    lines = text.split("\n")
    last_line = len(lines) - 1
    for line_no, line in enumerate(lines):
        end = 0
        for run in line.split():
            at = line.find(run, end)
            end = at + len(run)
            at += base
            first = run[0]
            if len(run) == 1 or run.isalpha() or (
                    run.isascii() and run.replace(".", "", 1).isdigit() and first != "." and run[-1] != "."):
                # one token: a letter's word, a number such as 2350 or 1.0850, one sign
                kind = kinds.get(first) or _kind(first)
                if plain:
                    toks.append(Tok(kind, run, at, end + base))  # end: in the line
                else:
                    _add(toks, kind, run, at, urls, cjk)
                continue
            known = _RUNS.get(run)
            if known is None:
                known = _split_run(run)
            pieces, hint, glue = known
            hinted = hinted or hint
            glued = glued or glue
            for word, offset in pieces:
                kind = kinds.get(word[0]) or _kind(word[0])
                if plain:
                    toks.append(Tok(kind, word, at + offset, at + offset + len(word)))
                else:
                    _add(toks, kind, word, at + offset, urls, cjk)
        base += len(line)
        if line_no < last_line:
            toks.append(Tok("nl", "\n", base, base + 1))
            base += 1
    if hinted:
        masked: list[tuple[int, int]] = [m.span() for m in TIMESTAMP.finditer(text)]
        if masked:
            for tok in toks:
                if tok.kind == "num" and any(a <= tok.start < b for a, b in masked):
                    tok.skip = True  # dates, clock times and timestamps are never prices
    return toks, glued


# a run of non-space characters → its tokens with their offsets, whether it holds a
# TIMESTAMP_HINT, and whether a name with digits may start in it at a token not a word
_RUNS: Final[dict[str, tuple[tuple[tuple[str, int], ...], bool, bool]]] = {}


def _split_run(run: str) -> tuple[tuple[tuple[str, int], ...], bool, bool]:
    """TOKEN's tokens of one run of non-space characters, with their offsets in it (they follow
    each other without a gap), whether the run holds a TIMESTAMP_HINT, and whether a name with
    digits may start in it at a token not a word (see ``tokenize_marking_glued``).
    Remembered (bounded): channels reuse their "TP1:" and "#XAUUSD"."""
    out: list[tuple[str, int]] = []
    end = 0
    word: str
    glued = False
    # the kinds of the two tokens before, "#" for a "#" or "$"
    before = before2 = ""
    for word in TOKEN.findall(run):
        out.append((word, end))
        end += len(word)
        kind = _kind(word[0])
        # "1000PEPE", "#1000SATS", "$LUNA2" (tokens merged or split later stay inside their run)
        glued = glued or kind == "word" and before == "num" or kind == "num" and (
            before == "#" or before == "word" and before2 == "#")
        before, before2 = "#" if word == "#" or word == "$" else kind, before
    known = (tuple(out), TIMESTAMP_HINT.search(run) is not None, glued)
    if len(_RUNS) > 50_000:
        _RUNS.clear()
    _RUNS[run] = known
    return known


def _add(toks: list[Tok], kind: str, word: str, start: int, urls: list[tuple[int, int]], cjk: bool) -> None:
    """Append the token ``word`` found at ``start`` unless a link holds it (a link's words and
    numbers are not the message's); Chinese words become one token a character."""
    if urls and any(a <= start < b for a, b in urls):
        return
    if cjk and kind == "word" and _CJK.search(word):
        # Chinese, Japanese and Thai have no spaces, Korean glues particles: one token a
        # character of those scripts; a run of other letters glued to them ("止损SL") stays whole
        k, n = 0, len(word)
        while k < n:
            if _CJK.match(word, k):
                toks.append(Tok("word", word[k], start + k, start + k + 1))
                k += 1
                continue
            m = _CJK.search(word, k)
            stop = m.start() if m is not None else n
            toks.append(Tok("word", word[k:stop], start + k, start + stop))
            k = stop
        return
    toks.append(Tok(kind, word, start, start + len(word)))


def _glue_point(w: str, lex: Lexicon) -> int:
    """``LONGLeverage`` → 4 (LONG + Leverage), ``XEntry`` → 1 (X + Entry): where a word glued by an
    HTML export splits, 0 when it does not.

    Only split where the tail is a trading label or direction and the head is upper case (or a
    keyword), so "Signal" or "Reentry" stay whole; a word in lower case only after a pair, an
    alias or a coin ("xauusdsell", "ethlong": typed without capitals or a space)."""
    if len(w) < 4:
        return 0
    lowercase = w[1:].islower()
    low = w.lower()
    words = lex.words
    for i in range(1, len(w) - 2):
        hit = words.get(low[i:])
        if hit is None or not (hit[0] == "dir" or hit[1] in GLUE_LABELS) or low[i:] in lex.at_words:
            continue  # (a word that says only where, "at", Italian "tra", is no label glued on: "ASTRA")
        head = w[:i]
        if lowercase:
            if i >= 3 and lex.symbols.canonical(head) is not None:
                return i
        elif head.isupper() or head in ("x", "X") or lex.lookup(head.lower()) is not None:
            return i
    return 0


def _word_info(word: str, lex: Lexicon) -> tuple[str, tuple[str, str] | None, bool, int]:
    """What ``mark_keywords`` needs of one word, remembered per lexicon: its lookup key, its
    keyword entry, whether a longer keyword may start with it, and its glue point."""
    cache = lex.word_info
    info = cache.get(word)
    if info is None:
        words = lex.words
        key = word.lower()
        hit = words.get(key)
        if hit is None and "I" in word:
            # Turkish: "ALIŞ".lower() is "aliş", the word is "alış"
            dotless = word.replace("I", "ı").lower()
            if dotless in words:
                key, hit = dotless, words[dotless]
        if hit is None and len(key) >= 4 and _ELONGATED.search(key):
            # "SELLLL", "BUYYY", "Stoppp": a letter held three times or more, shouted; the word is
            # the keyword with that run written twice, or once
            for short in (_ELONGATED.sub(r"\1\1", key), _ELONGATED.sub(r"\1", key)):
                # (a label of two letters, "Tppp"; no other word that short: "alllll" is no "al", Turkish for buy)
                if short in words and (len(short) >= 3 or words[short][0] == "label"):
                    key, hit = short, words[short]
                    break
        if len(cache) > 50_000:
            cache.clear()
        cache[word] = info = (key, hit, key in lex.prefixes, 0 if hit else _glue_point(word, lex))
    return info


_ELONGATED: Final = re.compile(r"([^\W\d_])\1{2,}")
SLIP_MIN: Final = 6  # letters of a word that may be a level's label misspelt (shorter words are too close to others)
_LEVELS: Final = frozenset({"entry", "stop_loss", "take_profit"})


def _heads_a_value(toks: list[Tok], i: int) -> bool:
    """Whether word ``i`` opens its line (marks before it aside) and a number, a colon or dash, or
    the line's end comes right after it, or stands between two numbers on a line ("buy 2030
    Stoplos 2024"): where a label stands."""
    if i + 1 >= len(toks):
        return False
    nxt = toks[i + 1]
    # (asked of most long words of prose: the word after them settles it first)
    if not (nxt.kind == "num" or nxt.kind == "nl" or nxt.kind == "p" and nxt.text in ":-="):
        return False
    if i and toks[i - 1].kind == "num" and nxt.kind != "nl":
        return True  # the label of a one-line call, after the value before it
    for j in range(i - 1, -1, -1):
        if toks[j].kind == "nl":
            break
        if toks[j].kind != "p":
            return False
    return True


def misspelt_label(word: str, lex: Lexicon) -> tuple[str, str] | None:
    """The level label (a one-word entry, stop or target label of six letters or more) that
    ``word`` misspells by one letter left out, added, changed or two swapped ("Targts",
    "Taargets", "Targeta", "Tagrets"): both written with one letter left out meet. None for a word
    that is no such slip, or a slip of labels of two levels."""
    slips = lex.label_slips
    if slips is None:
        slips = {}
        for key, (cat, val) in lex.words.items():
            if cat == "label" and val in _LEVELS and len(key) >= SLIP_MIN and key.isalpha():
                for variant in {key, *_one_out(key)}:
                    if slips.get(variant, (cat, val)) != (cat, val):
                        slips[variant] = None  # a slip of two levels' labels says neither
                    else:
                        slips[variant] = (cat, val)
        lex.label_slips = slips
    low = word.lower()
    if not low.isalpha():
        return None
    found = {slips[v] for v in (low, *_one_out(low)) if v in slips}
    return found.pop() if len(found) == 1 else None


def _one_out(word: str) -> list[str]:
    return [word[:k] + word[k + 1:] for k in range(len(word))]


def mark_keywords(toks: list[Tok], lex: Lexicon, text: str, lowered: str | None = None) -> list[Tok]:
    """Merge multi-word keywords into one token and tag keywords and symbol aliases; ``lowered``
    is ``text.lower()`` when the caller has it."""
    out: list[Tok] = []
    words, prefixes, max_words, known = lex.words, lex.prefixes, lex.max_words, lex.word_info
    n = len(toks)
    i = 0
    while i < n:
        tok = toks[i]
        if tok.kind != "word":
            out.append(tok)
            i += 1
            continue
        key, hit, is_prefix, glue = known.get(tok.text) or _word_info(tok.text, lex)
        best: tuple[tuple[str, str], int] | None = (hit, i) if hit else None
        if is_prefix:
            k, count = i + 1, 1
            while count < max_words and k < n:
                t = toks[k]
                if t.kind == "p" and t.text in JOINERS and k + 1 < n and toks[k + 1].kind == "word":
                    k += 1
                    continue
                if t.kind != "word":
                    if t.kind == "num":
                        ends = words.get(key + " " + t.text)
                        if ends:
                            best = (ends, k)  # "S&P 500": an alias whose last word is a number
                    break
                key = key + " " + t.text.lower()
                count += 1
                hit = words.get(key)
                if hit:
                    best = (hit, k)
                if key not in prefixes:
                    break
                k += 1
        if best is None and not glue and len(tok.text) >= SLIP_MIN and _heads_a_value(toks, i):
            slip = misspelt_label(tok.text, lex)
            if slip is not None:
                best = (slip, i)  # "Tagrets\n2015", "Stoplos: 1.62": a level's label, one letter off
        if best is None:
            if glue:
                w, at = tok.text, tok.start + glue
                toks[i:i + 1] = [Tok("word", w[:glue], tok.start, at), Tok("word", w[glue:], at, tok.end)]
                n = len(toks)
                continue
            out.append(tok)
            i += 1
            continue
        (cat, val), end_idx = best
        if end_idx > i:
            merged = Tok("word", text[tok.start:toks[end_idx].end], tok.start, toks[end_idx].end)
        else:
            merged = tok
        merged.cat, merged.val = cat, val
        out.append(merged)
        i = end_idx + 1
    if lex.word_patterns is not None:
        out = _mark_patterns(out, lex, text, text.lower() if lowered is None else lowered)
    return out


def _mark_patterns(toks: list[Tok], lex: Lexicon, text: str, lowered: str) -> list[Tok]:
    """Apply the ``re:`` keywords: the tokens a match covers become one keyword token."""
    patterns = lex.word_patterns
    if patterns is None:
        return toks
    for cat, val, m in patterns.matches(text, lowered, timeout=1.0):
        inside = [k for k, t in enumerate(toks) if t.start >= m.start() and t.end <= m.end()]
        if not inside or any(toks[k].cat is not None and toks[k].cat != "dir" for k in inside):
            continue
        first, last = inside[0], inside[-1]
        merged = Tok("word", text[toks[first].start:toks[last].end], toks[first].start, toks[last].end)
        merged.cat, merged.val = cat, val
        toks = toks[:first] + [merged] + toks[last + 1:]
    return toks
