"""A channel's own words, learned from a few of its labelled messages.

A channel that writes its levels under labels no table knows ("Zarar kes 2335", "🧯 2335",
"Objectif ①") reads as noise or with fields missing. Its labelled messages say which number is
the stop, which the targets and which the entry; the words written just before those numbers
(and the words that only its buys or only its sells hold) are the channel's vocabulary. This
module finds them and writes them as a keywords file in the shape of ``keywords.toml`` (and its
own names of instruments as a symbols file, ``[aliases]``), which the regex parser merges for that
provider only (``[parsers.regex.providers."NAME"] keywords`` and ``symbols``).

What is learned is the channel's, from its own labels, and is checked on them: a word is kept
when at least ``min_messages`` labelled messages show it before a number of one field (and it
stands before numbers of other fields in at most one message in ten), and only when the labelled
messages read worse without it (counted by exactness, then kind, then each field): a word that
changes nothing on them is a guess about the rest. Update phrases are learned from updates of one
action: a phrase of one to three words (a target's index among them: "kv1 hit") that at least
``min_messages`` updates of that action hold and no other labelled message does, written as a
pattern of the ``[updates]`` table. Two kinds of entry are sure from their evidence and stay
unless the labelled messages read worse with them: a side's word (written beside the instrument
or a price in most of one side's signals, almost never in the other's), and the update patterns
a kept stop or target word implies ("zorp hit", "move zorp to 2340": ``derived_updates``).
"""
from __future__ import annotations

import copy
import functools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from regex import escape as regex_escape

from signalos.models import ParseResult
from signalos.normalize import (
    SymbolTable,
    load_tables,
    merge_tables,
    normalize_text,
    parse_number,
)
from signalos.training.metrics import exact_flags
from signalos_regex.lexicon import Lexicon, builtin_patterns
from signalos_regex.tokens import Tok, mark_keywords, tokenize

# signs written between a label and its number ("SL: 2335", "TP1 - 2350", "Entry @ 2345", "TP1: $0.117")
_BETWEEN = frozenset(":-=@>→~|.#()[]*•·–—$€£")
MAX_PHRASE = 3  # words of a learned label
MAX_INDEX = 20  # "Objetivo 2: ...": a small number between a label and its price is its index
DIRECTION_SHARE = 0.6  # a side's word is in at least this share of the side's labelled signals
EXACT = 100  # a merit's share for exactness: more than the kind and every field together (10 + 5)
FORGIVE_FROM = 3  # signals of a side, from which one of them naming both sides is not held against a word
SIDE_REACH = 6  # tokens (signs and line breaks among them) from the instrument or a price to a side's word


@attrs.frozen
class LearnedWord:
    """One entry of the learned table: ``phrase`` for ``field`` (a label, an emoji label or a
    direction), seen in ``messages`` labelled messages, before other fields' numbers in ``against``."""

    section: str  # "labels", "emoji_labels", "direction", "updates" or "aliases" (of a symbol)
    field: str
    phrase: str
    messages: int
    against: int = 0


@attrs.frozen
class ChannelWords:
    """What ``learn_channel_words`` found, and what it is worth on the messages it learned from."""

    words: tuple[LearnedWord, ...]
    examples: int
    exact_before: float  # the tables alone, on the labelled messages
    exact_after: float  # with the learned words
    dropped: tuple[LearnedWord, ...] = ()  # candidates left out because they read those messages worse

    def table(self, symbols: bool = False) -> dict[str, dict[str, list[str]]]:
        """The learned words as a keywords table (the sections of ``keywords.toml``), or with
        ``symbols`` the instruments' names as a symbols table (``[aliases]``)."""
        out: dict[str, dict[str, list[str]]] = {}
        for w in self.words:
            if (w.section == "aliases") == symbols:
                out.setdefault(w.section, {}).setdefault(w.field, []).append(w.phrase)
        return out

    def toml(self, symbols: bool = False) -> str:
        lines = ["# Learned by `signalos train words` from this channel's labelled messages; edit freely.",
                 (f"# {self.examples} messages: exact {self.exact_before:.1%} with the tables alone, "
                  f"{self.exact_after:.1%} with these words.")]
        for section, fields in self.table(symbols).items():
            lines.append(f"\n[{section}]")
            for field, phrases in fields.items():
                quoted = ", ".join(_toml_string(p) for p in phrases)
                lines.append(f"{_toml_string(field)} = [{quoted}]")
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path, symbols: bool = False) -> Path:
        """Write the keywords table (or with ``symbols`` the symbols table) atomically: a crash
        leaves the old file whole."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.toml(symbols), encoding="utf-8")
        tmp.replace(path)
        return path

    @property
    def has_aliases(self) -> bool:
        return any(w.section == "aliases" for w in self.words)


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _values(label: Mapping[str, Any]) -> dict[float, str]:
    """Each price of a signal's label → its field (a price two fields share is left out)."""
    found: dict[float, set[str]] = defaultdict(set)
    stop = label.get("stop_loss")
    for field, values in (("entry", label.get("entry")), ("stop_loss", [] if stop is None else [stop]),
                          ("take_profit", label.get("take_profits"))):
        for v in values if isinstance(values, list) else []:
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                found[float(v)].add(field)  # (a label's value that is not a number teaches nothing)
    return {v: next(iter(f)) for v, f in found.items() if len(f) == 1}


def _tokens(text: str, lex: Lexicon) -> list[Tok]:
    text = normalize_text(text)
    return mark_keywords(tokenize(text), lex, text, text.lower())


def _skip_signs(toks: list[Tok], k: int) -> int:
    """The index of the last token at or before ``k`` that is not a sign written between a label
    and its number, passing over a unit in brackets too ("Targets (USDT):", "Entry ($)")."""
    while k >= 0:
        t = toks[k]
        if t.kind == "p" and t.text == ")":
            opening = next((j for j in range(k - 1, max(k - 4, -1), -1) if toks[j].text == "(" or toks[j].kind == "nl"), None)
            if opening is not None and toks[opening].text == "(":
                k = opening - 1
                continue
        if t.kind == "p" and t.text in _BETWEEN:
            k -= 1
            continue
        return k
    return k


def _label_before(toks: list[Tok], i: int) -> tuple[list[Tok], Tok | None]:
    """The words written just before number token ``i`` (at most MAX_PHRASE, last first), on its
    line or ending the line before, passing over signs, a unit in brackets and a label's index;
    or the emoji there."""
    k = _skip_signs(toks, i - 1)
    t = toks[k] if k >= 0 else None
    if t is not None and t.kind == "num" and len(t.text) <= 2 and t.text.isdigit() and int(t.text) <= MAX_INDEX:
        k = _skip_signs(toks, k - 1)  # "Objetivo 2: 2360"
    if k >= 0 and toks[k].kind == "nl":
        # a label on a line of its own, its numbers in a column below ("Targets\n2350\n2360"):
        # the first of them is its number
        while k >= 0 and toks[k].kind == "nl":
            k -= 1
        k = _skip_signs(toks, k)
        if k < 0 or toks[k].kind == "num":
            return [], None
    if k < 0 or toks[k].kind == "nl":
        return [], None
    if toks[k].kind == "p":
        return [], toks[k]  # an emoji label ("🧯 2335")
    words: list[Tok] = []
    while k >= 0 and toks[k].kind == "word" and len(words) < MAX_PHRASE:
        words.append(toks[k])
        k -= 1
    return words, None


def _signals(examples: Iterable[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(t, lab) for t, lab in examples if lab.get("kind") == "signal"]


def _candidates(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon,
                min_messages: int, answers: Sequence[ParseResult]) -> list[LearnedWord]:
    """Label, direction, update and instrument words with their evidence, best first;
    ``answers``: the regex parser's to ``examples`` with the tables alone."""
    seen: dict[tuple[str, str, str], set[int]] = defaultdict(set)  # (section, phrase, field) → messages
    before_numbers: dict[tuple[str, str], set[int]] = defaultdict(set)  # (section, phrase) → messages, any field
    dir_words: dict[str, Counter[str]] = {"buy": Counter(), "sell": Counter()}
    directions: Counter[str] = Counter()
    beside: list[tuple[str, set[str]]] = []  # each signal's side and the words beside its call
    for m, (text, label) in enumerate(_signals(examples)):
        toks = _tokens(text, lex)
        values = _values(label)
        for i, tok in enumerate(toks):
            if tok.kind != "num" or tok.skip:
                continue
            words, sign = _label_before(toks, i)
            value = parse_number(tok.text)
            field = values.get(value) if value is not None else None
            if not field:
                continue  # a number of no field (an index, a percent, a count) says nothing of the words before
            if sign is not None and not sign.text.isascii():
                before_numbers[("emoji_labels", sign.text)].add(m)
                seen[("emoji_labels", sign.text, field)].add(m)
            for phrase in _new_phrases(words, lex):
                before_numbers[("labels", phrase)].add(m)
                seen[("labels", phrase, field)].add(m)
        side = label.get("direction")
        if side in dir_words:
            directions[side] += 1
            near = _beside_the_call(toks, values, label.get("symbol"))
            beside.append((side, near))
            for w in near:
                dir_words[side][w] += 1
    # an update that reports target n hit names the target by the word before its n ("kvel 2
    # reached ✅", "✅ kvel #1 Done"): the channel's word for a target, as its signals' labels are
    # (its messages counted apart from the signals')
    for m, (text, label) in enumerate(examples, start=len(examples)):
        for phrase in _target_words(text, label, lex):
            before_numbers[("labels", phrase)].add(m)
            seen[("labels", phrase, "take_profit")].add(m)
    # an update the tables misread for want of its level's word reads right with the tables' word
    # in its place ("Hit kvel +90 pip": "Hit target +90 pip" is the target hit; "the zorp was
    # hit": "the stop loss was hit"): the word is that level's. (Read with the tables alone: read
    # with the level words the signals show as well, "move zorp to the vanta" offers "vanta" as
    # the entry's, and the channels of benchmarks/channel_words.py read worse at k = 20.)
    for m, (text, label), answer in zip(range(2 * len(examples), 3 * len(examples)), examples, answers):
        for phrase, field in _level_words_of_update(text, label, answer, lex):
            seen[("labels", phrase, field)].add(m)
    out: list[LearnedWord] = []
    for (section, phrase, field), msgs in seen.items():
        if len(msgs) < min_messages:
            continue
        against = len(before_numbers[(section, phrase)] - msgs)
        if against * 10 > len(before_numbers[(section, phrase)]):
            continue  # as often before other numbers: not this field's label
        out.append(LearnedWord(section, field, phrase, len(msgs), against))
    # a direction word: in most of one side's signals and in at most one in ten of the other's
    # ("do not gorra, vendix now" names both); learned only when the messages hold both sides (a
    # channel seen buying only says nothing of "sell")
    # Where the other side has FORGIVE_FROM signals or more, one of them (a third at most) that
    # also holds that side's own word is forgiven: it names both ("do not gorra gold now. vendix
    # gold now" is a sell). Of fewer, one is too large a share to tell a side's word from a level's
    # ("Zorp - 1954" in one of two buys and every sell). A word in most of both sides' signals
    # ("now") is neither's
    if directions["buy"] and directions["sell"]:
        common = {side: {w for w, count in dir_words[side].items()
                         if count >= max(min_messages, DIRECTION_SHARE * directions[side])
                         and lex.symbols.canonical(w) is None} for side in dir_words}
        own = {"buy": common["buy"] - common["sell"], "sell": common["sell"] - common["buy"]}
        for side, other in (("buy", "sell"), ("sell", "buy")):
            for w in sorted(own[side]):
                holding = [near for s, near in beside if s == other and w in near]
                forgiven = directions[other] >= FORGIVE_FROM and any(near & own[other] for near in holding)
                against = len(holding) - forgiven
                if against * 10 <= directions[other]:
                    out.append(LearnedWord("direction", side, w, dir_words[side][w], against))
    out += _update_candidates(examples, lex, min_messages)
    out += _alias_candidates(examples, lex, min_messages, answers)
    # one phrase, one meaning: where a phrase stands for two fields, the better-attested one; a
    # direction word is not also a label (a side is written before the entry: "gorra 2345")
    # (but a word before the targets' or the stop's numbers is that level's, however often it
    # stands beside a side's call: "gorra XAU @4700 kv1 4710" holds "kv" beside its buy)
    levels = {w.phrase for w in out if w.section == "labels" and w.field in ("take_profit", "stop_loss")}
    sides = {w.phrase for w in out if w.section == "direction" and w.phrase not in levels}
    labels = {w.phrase for w in out if w.section == "labels"}
    best: dict[tuple[str, str], LearnedWord] = {}
    for w in sorted(out, key=lambda w: (-w.messages, w.against, len(w.phrase))):
        if w.section == "labels" and w.phrase.split()[-1] in sides or w.section == "direction" and w.phrase in levels:
            continue
        if w.section == "aliases" and (w.phrase in sides or w.phrase in labels):
            continue  # a channel's word for a side or a level is not also its name of an instrument
        best.setdefault((w.section, w.phrase), w)
    # best first; at equal evidence the longer phrase, so that of a label always written whole
    # ("zorp lim"), its last word alone ("lim") is asked first and left out as redundant
    return sorted(best.values(), key=lambda w: (-w.messages, w.against, -len(w.phrase), w.phrase))


def _target_words(text: str, label: Mapping[str, Any], lex: Lexicon) -> set[str]:
    """The phrases written just before the index of a target an update's label reports hit."""
    if label.get("kind") != "update":
        return set()
    hit = {a.get("tp") for a in label.get("actions") or [] if isinstance(a, Mapping) and a.get("type") == "tp_hit"}
    hit = {n for n in hit if isinstance(n, int) and not isinstance(n, bool)}
    if not hit:
        return set()
    toks = _tokens(text, lex)
    out: set[str] = set()
    for i, tok in enumerate(toks):
        if tok.kind == "num" and tok.text.isdigit() and int(tok.text) in hit:
            out.update(_new_phrases(_label_before(toks, i)[0], lex))
    return out


# An update's action, the level its phrases name, and that level's word in the tables, written in
# place of a word the tables do not know to ask whether the word names that level
_LEVEL_OF_ACTION: dict[str, tuple[str, str]] = {
    "tp_hit": ("take_profit", "target"),
    "sl_hit": ("stop_loss", "stop loss"),
    "breakeven": ("entry", "entry"),
}


def _level_words_of_update(text: str, label: Mapping[str, Any], answer: ParseResult,
                           lex: Lexicon) -> set[tuple[str, str]]:
    """``(word, field)`` for each word of update ``text`` the tables do not know and whose level's
    word, written in its place, makes the tables read an action of ``label`` they missed, on the
    word's own line ("Live Update" over "Hit kvel +90 pip" does not name the target the line
    below hits)."""
    if label.get("kind") != "update":
        return set()
    wanted = {a.get("type") for a in label.get("actions") or [] if isinstance(a, Mapping)}
    read = {a.type for a in answer.actions} if answer.kind == "update" else set()
    missed = [t for t in wanted - read if t in _LEVEL_OF_ACTION]
    if not missed:
        return set()
    text = normalize_text(text)
    words = {tok.text.lower(): tok for tok in _tokens(text, lex)
             if tok.kind == "word" and tok.cat is None and tok.text.isalpha() and len(tok.text) >= 2
             and lex.symbols.canonical(tok.text) is None}

    def reads(line: str) -> set[str]:
        result = answers_with([(line, label)], lex)[0]
        return {a.type for a in result.actions} if result.kind == "update" else set()

    out: set[tuple[str, str]] = set()
    as_written: dict[int, set[str]] = {}  # what each line reads as it stands, by its start
    for word, tok in words.items():
        start = text.rfind("\n", 0, tok.start) + 1
        end = text.find("\n", tok.end)
        end = len(text) if end < 0 else end
        if start not in as_written:
            as_written[start] = reads(text[start:end])
        for action in missed:
            field, known = _LEVEL_OF_ACTION[action]
            if action not in as_written[start] and action in reads(text[start:tok.start] + known + text[tok.end:end]):
                out.add((word, field))
    return out


def _new_phrases(words: list[Tok], lex: Lexicon) -> Iterator[str]:
    """The phrases of one to MAX_PHRASE of ``words`` (written just before a number, last first)
    ending at that number, shortest first, up to a word the tables know or the symbol (whose
    meaning is theirs)."""
    for n in range(1, len(words) + 1):
        phrase_toks = words[:n][::-1]
        if any(t.cat is not None for t in phrase_toks) or lex.symbols.canonical(phrase_toks[0].text):
            return
        yield " ".join(t.text.lower() for t in phrase_toks)


def _beside_the_call(toks: list[Tok], values: Mapping[float, str], symbol: Any = None) -> set[str]:
    """The plain words (lower case) written within ``SIDE_REACH`` tokens of the signal's instrument
    (a name the tables know, or the start of the label's ``symbol``: "APE" of APEUSDT) or of one
    of its prices, on their line or the next or last one: where a side is written ("XAUUSD gorra
    1950", "Direction: vendix" under the pair), not in a disclaimer's prose further down."""
    named = symbol.upper() if isinstance(symbol, str) and len(symbol) >= 3 else None
    anchors = []
    for i, t in enumerate(toks):
        if t.cat == "sym" or (named and t.kind == "word" and len(t.text) >= 3 and named.startswith(t.text.upper())):
            anchors.append(i)
        elif t.kind == "num" and not t.skip:
            value = parse_number(t.text)
            if value is not None and value in values:
                anchors.append(i)
    near: set[str] = set()
    for a in anchors:
        for step in (-1, 1):  # each way, over at most one line break
            breaks = 0
            for k in range(a + step, a + step * (SIDE_REACH + 1), step):
                if not 0 <= k < len(toks):
                    break
                t = toks[k]
                breaks += t.kind == "nl"
                if breaks > 1:
                    break
                if t.kind == "word" and t.cat is None and t.text.isalpha():
                    near.add(t.text.lower())
    return near


def _units(toks: list[Tok]) -> list[str | None]:
    """A message as the units an update phrase is made of: a word (lower case), an emoji, "#" for
    a target's index (a number of one or two digits after a word), None where a phrase cannot
    run on (a price, a line break, other signs)."""
    out: list[str | None] = []
    for k, t in enumerate(toks):
        if t.kind == "word":
            out.append(t.text.lower())
        elif t.kind == "num" and k and toks[k - 1].kind == "word" and len(t.text) <= 2 and t.text.isdigit() \
                and int(t.text) <= MAX_INDEX:
            out.append("#")
        elif t.kind == "p" and not t.text.isascii() and t.text.isprintable():
            out.append(t.text)
        else:
            out.append(None)
    return out


def _update_pattern(units: tuple[str, ...]) -> str:
    """``("kv", "#", "hit")`` → a pattern of the updates table: the words whole, the index as
    its target number (``n``), any spaces between."""
    parts = []
    for k, u in enumerate(units):
        nxt = units[k + 1] if k + 1 < len(units) else None
        if u == "#":
            parts.append(r"\s*#?\s*(?P<n>\d{1,2})\b")
        elif u[:1].isalnum():
            if parts:
                parts.append(r"\s+" if units[k - 1] not in ("#",) and units[k - 1][:1].isalnum() else r"\s*")
            parts.append(r"\b" + regex_escape(u) + ("" if nxt == "#" else r"\b"))
        else:  # an emoji
            parts.append((r"\s*" if parts else "") + regex_escape(u))
    return "re:" + "".join(parts)


def _update_candidates(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon,
                       min_messages: int) -> list[LearnedWord]:
    """Phrases of one or two to three units that only the channel's updates of one type hold
    (in at least ``min_messages`` of them, in no other message), as patterns of the updates table.
    A phrase with an index ("kv # hit") is evidence only where its number is a target number the
    label gives: "Period: 2 Days 17 Hours" under "target 1 reached" does not make "days #" a target."""
    by_type: dict[tuple[str, ...], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    anywhere: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for m, (text, label) in enumerate(examples):
        actions = label.get("actions") if label.get("kind") == "update" else None
        actions = [a for a in actions if isinstance(a, dict)] if isinstance(actions, list) else []
        types = {a.get("type") for a in actions}
        numbers = {a.get("tp") for a in actions if isinstance(a.get("tp"), int)}
        toks = _tokens(text, lex)
        units = _units(toks)
        grams: set[tuple[str, ...]] = set()
        indexed: set[tuple[str, ...]] = set()  # the grams whose index is one of the label's target numbers
        for n in (1, 2, 3):
            for k in range(len(units) - n + 1):
                gram = units[k:k + n]
                if None in gram or gram[0] == "#" or gram.count("#") > 1 or (n == 1 and len(gram[0]) < 4):
                    continue
                grams.add(tuple(gram))  # type: ignore[arg-type]
                if "#" in gram and int(toks[k + gram.index("#")].text) in numbers:
                    indexed.add(tuple(gram))  # type: ignore[arg-type]
        for gram in grams:
            anywhere[gram].add(m)
            if len(types) == 1 and ("#" not in gram or gram in indexed):
                by_type[gram][next(iter(types))].add(m)
    found = [(gram, typ, len(msgs)) for gram, per_type in by_type.items() for typ, msgs in per_type.items()
             if isinstance(typ, str) and len(msgs) >= min_messages and anywhere[gram] == msgs]
    # the shortest phrase of each type that its messages hold, not every longer one around it
    found.sort(key=lambda f: (f[1], -f[2], len(f[0])))
    kept: list[tuple[tuple[str, ...], str, int]] = []
    for gram, typ, count in found:
        if not any(t == typ and c >= count and _inside(g, gram) for g, t, c in kept):
            kept.append((gram, typ, count))
    return [LearnedWord("updates", typ, _update_pattern(gram), count) for gram, typ, count in kept]


def _inside(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether ``part`` is a run of ``whole`` ("hit" of "kv # hit")."""
    n = len(part)
    return any(whole[k:k + n] == part for k in range(len(whole) - n + 1))


def _alias_candidates(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon,
                      min_messages: int, answers: Sequence[ParseResult]) -> list[LearnedWord]:
    """The channel's own names of its instruments ("Goldie" for XAUUSD): a word of the signals
    whose symbol the tables miss, in at least ``min_messages`` messages of one symbol and in no
    message labelled with another."""
    with_symbol: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for m, (text, label) in enumerate(examples):
        symbol = label.get("symbol")
        if not isinstance(symbol, str) or not symbol:
            continue
        words = {t.text.lower() for t in _tokens(text, lex)
                 if t.kind == "word" and t.cat is None and t.text.isalpha() and len(t.text) >= 2}
        missed = label.get("kind") == "signal" and answers[m].symbol != symbol
        for w in words:
            with_symbol[w][symbol if missed else "\x00" + symbol].add(m)
    out = []
    for w, per in with_symbol.items():
        symbols = {s.lstrip("\x00") for s in per}
        missed_in = [(s, msgs) for s, msgs in per.items() if not s.startswith("\x00")]
        if len(symbols) == 1 and missed_in and lex.symbols.canonical(w) is None:
            s, msgs = missed_in[0]
            if len(msgs) >= min_messages:
                out.append(LearnedWord("aliases", s, w, len(msgs)))
    return out


class Tables:
    """The tables a channel is read with already (the built-in ones and ``keyword_files``),
    built into lexicons with learned words added. Read once, for every candidate set tried."""

    def __init__(self, keyword_files: Sequence[str | Path] = ()):
        self.keywords = load_tables("keywords", keyword_files)
        self.symbols = load_tables("symbols")
        self.vetted = builtin_patterns()

    def lexicon(self, words: Sequence[LearnedWord] = ()) -> Lexicon:
        """The lexicon of these tables with ``words`` merged in, as their files would merge."""
        learned = ChannelWords(tuple(words), 0, 0.0, 0.0)
        return Lexicon(merge_tables(self.keywords, learned.table()),
                       SymbolTable(merge_tables(self.symbols, learned.table(symbols=True))), vetted=self.vetted)


def answers_with(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon) -> list[ParseResult]:
    """The regex parser's answers to ``examples`` with ``lex``."""
    parser = copy.copy(_parser())  # a copy: building a parser builds the tables' lexicon (0.1 s)
    parser.lexicon = lex
    return [parser.parse(text) for text, _ in examples]


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    from signalos_regex.parser import RegexParser

    return RegexParser()


def exact_flags_with(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon,
                     results: Sequence[ParseResult] | None = None) -> list[bool]:
    """Per example: does the regex parser with ``lex`` read it exactly (shared/score.py rules)?"""
    return exact_flags([label for _, label in examples], answers_with(examples, lex) if results is None else results)


def merits_with(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon,
                results: Sequence[ParseResult] | None = None) -> list[int]:
    """Per example: how well the regex parser with ``lex`` reads it, exactness first, then the
    kind, then the signal's fields right (shared/score.py's verdicts): a word that puts the stop
    right in messages whose targets are still missed is worth something (the targets' word may
    be learned from the next labels)."""
    from signalos.evaluation.scoring import score_row

    results = answers_with(examples, lex) if results is None else results
    out = []
    for (_, label), res in zip(examples, results):
        row = score_row(label, res.to_schema())
        out.append(EXACT * row.exact + 10 * row.kind_ok + sum(row.fields.values()))
    return out



def _exact_share(merits: Sequence[int]) -> float:
    return sum(m >= EXACT for m in merits) / len(merits) if merits else 0.0


def exact_share(examples: Sequence[tuple[str, Mapping[str, Any]]], lex: Lexicon) -> float:
    flags = exact_flags_with(examples, lex)
    return sum(flags) / len(flags) if flags else 0.0


def _touches(word: LearnedWord, lowered: str) -> bool:
    """Whether ``word`` can change how a text reads: a superset of where it occurs (its words'
    letters in the text, or its pattern matching). Where it does not, the text reads the same
    with or without it."""
    if word.phrase.startswith("re:"):
        import regex

        return regex.search(word.phrase[3:], lowered) is not None
    return all(part in lowered for part in word.phrase.lower().split())


def learn_channel_words(examples: Iterable[tuple[str, Mapping[str, Any]]], *, min_messages: int = 2,
                        keyword_files: Sequence[str | Path] = (),
                        progress: Callable[[int, int], None] | None = None) -> ChannelWords:
    """Learn a channel's label and direction words from ``(text, label)`` pairs (labels in the
    schema's shape; only signals teach). ``keyword_files``: the user's tables the channel is
    read with already. A candidate the labelled messages read as well (or better) without is
    dropped; the stop's and targets' words kept name those levels in the channel's updates too
    (``derived_updates``); when the rest still read worse than the tables alone, nothing is kept.
    ``progress(done, total)`` is called as the candidates are checked."""
    examples = list(examples)
    tables = Tables(keyword_files)
    base = tables.lexicon()
    answers = answers_with(examples, base)
    candidates = _candidates(examples, base, min_messages, answers)
    before_merits = merits_with(examples, base, answers)
    before = _exact_share(before_merits)
    kept = list(candidates)
    merits = merits_with(examples, tables.lexicon(kept)) if kept else list(before_merits)
    lowered = [normalize_text(text).lower() for text, _ in examples]
    dropped: list[LearnedWord] = []

    def reread(word: LearnedWord, words: list[LearnedWord]) -> tuple[list[int], list[int]]:
        """The messages ``word`` can change (its letters or pattern in them), and what they are
        worth read with ``words``; the rest read the same with or without it."""
        touched = [i for i, low in enumerate(lowered) if _touches(word, low)]
        if not touched:
            return [], []
        if not words:
            return touched, [before_merits[i] for i in touched]
        return touched, merits_with([examples[i] for i in touched], tables.lexicon(words))

    # each word must earn its place: left out when the labelled messages read as well without it
    # (a word that changes nothing there is a guess about the rest); the weakest asked first, and
    # only the messages it can change are read again. A side's word is sure from its evidence
    # alone (most of one side's signals, almost none of the other's): it stays unless the messages
    # read worse with it, even where their levels give the side already ("gorra GOLD now" has none)
    asked = [*reversed([w for w in candidates if w.section != "direction"]),
             *(w for w in candidates if w.section == "direction")]
    # at most: every built-in update pattern derived; known once the labels are kept (below), and
    # not worth deriving the candidates' patterns a second time to know sooner
    total = len(candidates) + len(_builtin_updates())
    for n, word in enumerate(asked, 1):
        trial = [w for w in kept if w is not word]
        touched, without = reread(word, trial)
        with_it = sum(merits[i] for i in touched)
        if word.section == "labels" and word.field in LEVEL_GROUPS and sum(without) >= with_it:
            # a level's word may name its level in the updates only ("dorn 2 reached ✅"): it is
            # worth what the messages read with the update patterns it implies (``derived_updates``,
            # tried for every kept word below), without the update phrases learned from where they
            # stood, which come after those patterns
            implied = derived_updates([word])
            if implied:
                labels = [w for w in kept if w.section != "updates"]
                worth = sum(reread(word, [*labels, *implied])[1])
                with_it = max(with_it, worth)
        if sum(without) > with_it or (sum(without) == with_it and word.section != "direction"):
            kept = trial
            dropped.append(word)
            for i, value in zip(touched, without):
                merits[i] = value
        if progress is not None:
            progress(n, total)
    # the update patterns the kept labels imply, kept unless the labelled messages read worse:
    # not guesses about the rest either (the channel's word for its stop names its stop in updates).
    # They are tried before the update phrases learned from where they stood: "minutes", in every
    # target update's "Period: 2 Days 55 Minutes", said "a target hit" before "kv1 ✅" could
    derived = derived_updates(kept)
    total = len(asked) + len(derived)
    phrases = [w for w in kept if w.section == "updates"] if derived else []
    if phrases:
        kept = [w for w in kept if w.section != "updates"]
        merits = merits_with(examples, tables.lexicon(kept)) if kept else list(before_merits)
    for n, word in enumerate(derived, len(asked) + 1):
        if progress is not None:
            progress(min(n, total), total)
        if any(w.section == word.section and w.phrase == word.phrase for w in kept):
            continue
        touched, with_it = reread(word, [*kept, word])
        if sum(with_it) >= sum(merits[i] for i in touched):
            kept.append(word)
            for i, value in zip(touched, with_it):
                merits[i] = value
        else:
            dropped.append(word)
    # then each phrase learned from where it stood earns its place again beside them
    for word in phrases:
        touched, with_it = reread(word, [*kept, word])
        if sum(with_it) > sum(merits[i] for i in touched):
            kept.append(word)
            for i, value in zip(touched, with_it):
                merits[i] = value
        else:
            dropped.append(word)
    if progress is not None:
        progress(total, total)
    # ``merits`` follows every change on the messages it can touch, so it is the reading with ``kept``
    after = _exact_share(merits)
    if after < before:
        dropped.extend(kept)
        kept, after = [], before
    return ChannelWords(tuple(kept), len(examples), before, after, tuple(dropped))


# How a channel's updates name its levels: a stop or target word learned from its signals names
# the same level in its updates ("zorp hit", "move zorp to 4700", "kv1 reached ✅"), and its entry
# word the level a stop moves to ("zorp to the vanta"). The built-in update patterns (English and
# every language file's) are the grammar: each group of theirs that names a level (it opens with
# one of these) takes the channel's words as alternatives of its own.
LEVEL_GROUPS: dict[str, tuple[str, ...]] = {
    "stop_loss": ("(?:sl|",),
    "take_profit": ("(?:tp|", "(?:target|"),
    "entry": ("(?:be|", "(?:entry|"),
}


def _phrase_pattern(phrase: str) -> str:
    """A learned phrase as a pattern: its words whole at the start, any spaces between (its end
    left open: "kv" of "kv1")."""
    return r"\b" + r"\s+".join(regex_escape(w) for w in phrase.split())


def _with_words(pattern: str, alternatives: Mapping[str, str]) -> str:
    """``pattern`` with each level's words (``alternatives``: field → "zorp|zorp\\s+lim") put
    before the alternatives of every group that names that level."""
    out, k = [], 0
    while k < len(pattern):
        field = next((f for f, opens in LEVEL_GROUPS.items() if f in alternatives and pattern.startswith(opens, k)), None)
        if field is None:
            out.append(pattern[k])
            k += 1
        else:  # the group's "(?:", the channel's words, then the group's own alternatives unchanged
            out.append("(?:" + alternatives[field] + "|")
            k += 3
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _builtin_updates() -> tuple[tuple[str, str], ...]:
    """(type, pattern body) of every built-in update pattern (``keywords.toml`` and the language
    files: "kv1 выполнен" is Russian's grammar with the channel's word)."""
    table = load_tables("keywords")
    return tuple((typ, p[3:]) for typ, pats in table.get("updates", {}).items() for p in pats
                 if isinstance(p, str) and p.startswith("re:"))


def derived_updates(words: Sequence[LearnedWord]) -> list[LearnedWord]:
    """The update patterns that the learned stop and target labels among ``words`` imply: every
    built-in pattern naming a level the channel has words for, with its words, as strong
    as the best-attested of them (an entry word alone adds none: it names no update's level)."""
    alternatives: dict[str, str] = {}
    strength: dict[str, int] = {}
    for field in LEVEL_GROUPS:
        mine = [w for w in words if w.section == "labels" and w.field == field]
        if mine:
            alternatives[field] = "|".join(_phrase_pattern(w.phrase)[2:] for w in mine)
            strength[field] = max(w.messages for w in mine)
    if not alternatives.keys() - {"entry"}:
        return []
    out = []
    for typ, body in _builtin_updates():
        derived = _with_words(body, alternatives)
        named = [f for f in alternatives if f != "entry" and any(body.find(o) >= 0 for o in LEVEL_GROUPS[f])]
        if derived != body and named:
            out.append(LearnedWord("updates", typ, "re:" + derived, max(strength[f] for f in named)))
    return out
