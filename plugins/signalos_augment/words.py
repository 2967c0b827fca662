"""Where the trading words of a message are: label words (SL, TP1, Entry...) and the separator
after them, found on the normalised text (same length, so offsets are the message's own)."""
from __future__ import annotations

import functools

import attrs
import regex

from signalos.dataset.vocab import LANGUAGES
from signalos.normalize import load_tables, normalize_text, phrase_key

# Label words that also mean something else in a sentence ("buy at 2350", "from", "price"):
# no augmenter moves or reformats around them.
WEAK_LABELS = frozenset({"at", "from", "between", "en", "range", "zone", "price", "opening", "enter", "ep",
                         "get in", "invalid", "invalidation", "stops", "perte", "arrêt", "parar", "ora"})
FIELDS = ("entry", "stop_loss", "take_profit")
_BEFORE = r"(?<![\p{L}\p{N}_])"
_DIGIT = r"[0-9\u0660-\u0669\u06F0-\u06F9]"


@attrs.frozen
class LabelWord:
    """A label word in a text: its field, its characters, the target number written with it
    (``TP2`` → 2) and the separator between it and the number that follows."""

    field: str
    start: int
    end: int
    index: int | None
    sep: tuple[int, int]
    spaced_index: bool = False  # "Target 2": the parser cannot take an "@" after such an index


def _phrase_pattern(phrase: str) -> str:
    # "stop loss" also matches "Stop-Loss" and "stop  loss"
    return r"[\s\-_/]*".join(regex.escape(p) for p in phrase.split())


def _label_phrases() -> dict[str, str]:
    """Every strong label phrase of the keyword table and of the per-language words, by field."""
    table = load_tables("keywords")["labels"]
    phrases: dict[str, str] = {}
    for field in FIELDS:
        for w in table.get(field, []):
            if not w.startswith("re:") and w.lower() not in WEAK_LABELS:
                phrases.setdefault(w.lower(), field)
    for lang in LANGUAGES.values():
        for field, group in (("entry", lang.entry), ("stop_loss", lang.stop_loss), ("take_profit", lang.take_profit)):
            for w in group:
                phrases.setdefault(w.lower(), field)
    return phrases


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[regex.Pattern, dict[str, str]]:
    phrases = _label_phrases()
    body = "|".join(_phrase_pattern(w) for w in sorted(phrases, key=len, reverse=True))
    pattern = regex.compile(
        rf"{_BEFORE}(?P<word>{body})(?![\p{{L}}_])"
        # an index glued or spaced after a target label ("TP2", "Target 2") when a number follows
        rf"(?P<index>[ ]?\d{{1,2}}(?![\d.,]))?(?P<sep>[ \t]*[:=@\-][ \t]*|[ \t]+)(?={_DIGIT})"
        # the number after the separator is not itself a target's index ("TP 4: hold", "TP 1) 2350")
        rf"(?!{_DIGIT}{{1,2}}(?![\d.,])\s*[:)])",
        regex.IGNORECASE | regex.V1)
    return pattern, {phrase_key(w): field for w, field in phrases.items()}


_ORDER_STOP = regex.compile(r"(?:buy|sell|long|short)[\s\-]+$", regex.IGNORECASE)


def label_words(text: str) -> list[LabelWord]:
    """Every strong label word followed by a number, in order. "Stop" right after buy/sell is the
    order type (a buy stop), never a label; a target's index is only taken from target labels."""
    pattern, fields = _tables()
    norm = normalize_text(text)
    out: list[LabelWord] = []
    for m in pattern.finditer(norm):
        field = fields.get(phrase_key(m.group("word")))
        if field is None:
            continue
        if field == "stop_loss" and _ORDER_STOP.search(norm[max(0, m.start() - 8):m.start()]):
            continue
        index = m.group("index")
        if index and field != "take_profit":
            continue  # "SL 40 pips" has no index: the regex took the 40 as one, skip this reading
        out.append(LabelWord(field, m.start("word"), m.end("word"), int(index) if index else None,
                             m.span("sep"), spaced_index=bool(index) and index.startswith(" ")))
    return out


_FIELD_ITEMS = {"entry": ("entry[",), "stop_loss": ("stop_loss",), "take_profit": ("take_profits[", "take_profit_pips")}


def aligned_label_words(text: str, items: dict[str, list[int]]) -> list[LabelWord]:
    """The label words whose number is, by the label's alignment (``align_label(...).items``), a
    value of that same field: a word that labels nothing the label holds is left alone."""
    starts: dict[int, str] = {span[0]: name for name, span in items.items()}
    out = []
    for w in label_words(text):
        name = starts.get(w.sep[1])
        if name is not None and name.startswith(_FIELD_ITEMS[w.field]):
            out.append(w)
    return out
