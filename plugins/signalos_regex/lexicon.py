"""Keyword and symbol tables compiled for fast lookup.

Phrases become dictionary keys over word n-grams (one dict lookup per token and length), so adding
a thousand words in another language costs nothing per message; ``re:`` entries become pattern
sets (see ``patterns.py``).
"""
from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, Final

import regex

from signalos.normalize import UNSPACED, SymbolTable, load_tables, phrase_key

from signalos_regex.patterns import PatternSet, pattern_words

_UNSPACED: Final = regex.compile(f"[{UNSPACED}]")
# Priority when two update patterns match at the same place: the more specific one wins.
UPDATE_ORDER: Final = ("breakeven", "sl_hit", "tp_hit", "close_partial", "cancel", "close", "modify_tp", "move_sl", "other")
NOISE_ORDER: Final = ("negation", "conditional", "recap", "results", "outlook", "ads", "question")
SYMBOL_LABELS: Final = ("pair", "symbol", "coin", "coin name", "name", "asset", "instrument", "ticker", "currency pair",
                 "пара", "монета", "инструмент", "جفت ارز", "نماد", "par", "sembol", "paire", "simbolo")
NEGATORS: Final = frozenset({"not", "don't", "dont", "never", "no", "не", "нельзя", "nicht", "kein", "ne", "pas", "non",
                      "nie", "jangan", "không", "mat", "na", "نه", "لا", "不", "别",
                      "avoid", "refrain"})  # "avoid buying gold", "refrain from selling"
# The defaults of the tables' ``[words]`` lists, which extend them (the language files hold the
# words of each language): the words that fields.py and updates.py also hold as constants.
DEFAULT_PIPS: Final = frozenset({"pips", "pip", "points", "point", "pts", "pt", "pipettes", "пунктов", "пункта", "пункт",
                                 "پیپ", "puntos", "pontos", "punkte"})
DEFAULT_LOT: Final = frozenset({"lot", "lots", "лот", "лота", "lotes", "usd", "usdt"})
DEFAULT_RANGE_SEPARATORS: Final = frozenset({"-", "~", "/", "و", "to", "and", "a", "до", "تا", "به", "", "|"})
DEFAULT_URGING: Final = frozenset({"miss", "forget", "hesitate", "wait", "late", "sleep", "worry", "panic"})
DEFAULT_HALF: Final = frozenset({"half", "половин", "mitad", "نیم", "metade", "hälfte", "moitié"})
DEFAULT_TRAILING: Final = frozenset({"trailing", "trail"})
DEFAULT_MARKET: Final = frozenset({"market"})
# labels of numbers to pass over that never name a price (a size, a ratio, a share, an account's
# sums): a number after one is read, not left unread ("high", "max", "trigger" may name one)
DEFAULT_SIZE_LABELS: Final = frozenset({"lot", "lots", "lot size", "risk", "risk reward", "rr", "r r", "quantity",
                                        "qty", "size", "volume", "vol", "margin", "amount", "capital", "deposit",
                                        "balance", "account", "equity", "budget", "win rate", "winrate", "accuracy",
                                        "percent", "pnl"})
# nouns of the market's flow: a side word before one describes the market ("buy pressure", "sell volume")
DEFAULT_MARKET_FLOW: Final = frozenset({"pressure", "volume", "volumes", "interest", "momentum", "flow", "flows", "wall",
                                        "walls", "power", "strength", "imbalance", "liquidity"})
# the words for a past extreme of the price: after a level's label on its line, the level they describe
DEFAULT_EXTREMES: Final = frozenset({"high", "low"})
# the words before a report of a level hit that say it was missed ("almost hit our SL")
DEFAULT_NEAR_MISS: Final = frozenset({"almost", "nearly", "barely", "narrowly"})
# spans of trading time: "closed the week with +300 pips" closes a period, no position
DEFAULT_PERIODS: Final = frozenset({"day", "week", "month", "year", "session", "quarter"})
DEFAULT_UPDATE: Final = frozenset({"update", "updated", "modify", "modified", "adjust", "adjusted", "amend", "amended",
                                   "change", "changed", "correction", "corrected", "typo"})
DEFAULT_ABOVE: Final = frozenset({"above", "over"})
DEFAULT_BELOW: Final = frozenset({"below", "under"})
# "TP: close at 1.09", "SL tại 1.0910", "TP between 2400 and 2410": entry labels that say only where
# and so go on the field open
DEFAULT_AT: Final = frozenset({"at", "from", "price", "between"})
# "Buy stop": the word right after a side that makes it a stop order
DEFAULT_STOP_ORDER: Final = frozenset({"stop"})
# "your buys", "our gold longs": a side as a plural noun after a possessive or a determiner
DEFAULT_POSITION_NOUNS: Final = frozenset({"buys", "sells", "longs", "shorts"})
DEFAULT_POSSESSIVES: Final = frozenset({"your", "our", "my", "the", "those", "these", "all"})
DEFAULT_COUNT_NOUNS: Final = DEFAULT_POSITION_NOUNS | frozenset({"entries", "orders", "positions", "trades", "layers",
                                                               "limits"})
# target labels that are verbs of aiming ("aiming for 29.90", "looking for 0.6680"): a call's
# target, never a list of the open trade's new targets on their own (a view: "Looking for 2400")
DEFAULT_AIMS: Final = frozenset({"aim", "aiming for", "looking for", "eyeing", "expecting", "targeting", "targetting"})
# an owner's word right before a side (the instrument between or not): the trade held ("our silver buy")
DEFAULT_OWNERS: Final = frozenset({"our", "my", "your"})
# a word of condition opening the sentence of a call's side: the call waits ("If gold breaks 2400, buy ...")
DEFAULT_CONDITIONS: Final = frozenset({"if", "once", "when"})
# the reader named after a word of condition: a condition on the reader, not the market ("If you missed it: ...")
DEFAULT_READERS: Final = frozenset({"you", "u"})
# a label before a call's fate, or before its result, told after its levels ("Status: TP hit", "Result: +200 pips")
DEFAULT_STATUS_LABELS: Final = frozenset({"status", "update"})
DEFAULT_RESULT_LABELS: Final = frozenset({"result", "results"})
DEFAULT_NEGATING_PAIRS: Final = frozenset({"away from", "out of"})
DEFAULT_POSITION_PARTS: Final = frozenset({"rest", "remaining", "remainder", "all", "everything", "partial", "partials"})
DEFAULT_ORDINALS: Final[dict[str, int]] = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
                                           "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6,
                                           "7th": 7, "8th": 8, "9th": 9}


def _word_set(words: dict[str, Any], name: str, default: frozenset[str]) -> frozenset[str]:
    """A ``[words]`` list of the tables, lower-cased, with its built-in default."""
    listed = words.get(name, [])
    return default | frozenset(w.lower() for w in listed if isinstance(w, str))


def _half_pattern(words: frozenset[str]) -> regex.Pattern[str]:
    """The words of ``half``, found where a word starts ("half", "половину", "一半"); a word of
    Latin letters is whole ("half", not "halfway")."""
    parts = []
    for w in sorted(words, key=len, reverse=True):
        body = regex.escape(w)
        parts.append(rf"\b{body}\b" if w.isascii() and w.isalpha() else rf"(?<![^\W\d_]){body}" if w[:1].isalpha()
                     and not _UNSPACED.match(w) else body)
    return regex.compile("|".join(parts) or r"(?!)", regex.IGNORECASE)


def _price_before_pattern(words: frozenset[str]) -> regex.Pattern[str]:
    """A price, then one of the postpositions ``words`` (glued or after an apostrophe or a space),
    at the end of the text searched: "2395'te", "2395で", "2395 pe"."""
    alternatives = "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))
    if not alternatives:
        return regex.compile(r"(?!)")
    return regex.compile(rf"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*[\x27’]?(?:{alternatives})\s*\Z", regex.IGNORECASE)


class Lexicon:
    """Everything the regex parser knows about words, for one provider (or the default)."""

    def __init__(self, keywords: dict[str, Any], symbols: SymbolTable, vetted: Collection[str] = ()):
        self.symbols = symbols
        self._vetted: Collection[str] = vetted
        self.words: dict[str, tuple[str, str]] = {}
        self.patterns: list[tuple[str, str, str]] = []  # (category, value, pattern) of "re:" entries
        self._add_section(keywords.get("direction", {}), "dir")
        self._add_section(keywords.get("order_type", {}), "ot")
        self._add_section(keywords.get("labels", {}), "label")
        # word lists of the ``[words]`` table (language files extend them)
        words: dict[str, Any] = keywords.get("words", {})
        for word in (*SYMBOL_LABELS, *words.get("symbol_labels", [])):
            self.words.setdefault(phrase_key(word), ("label", "symbol"))
        # a number before one of these counts pips or points, not a price
        self.pips_words: frozenset[str] = _word_set(words, "pips", DEFAULT_PIPS)
        # a number before one of these is a position size
        self.lot_words: frozenset[str] = _word_set(words, "lot", DEFAULT_LOT)
        # what may stand between the two ends of a range ("2340 - 2345", "2340 до 2345")
        self.range_separators: frozenset[str] = _word_set(words, "range_separators", DEFAULT_RANGE_SEPARATORS)
        # a direction right after one of these is a warning, not a call
        self.negators: frozenset[str] = _word_set(words, "negators", NEGATORS)
        # before a report of a level hit: a negator or a word of a near miss ("not hit", "almost hit")
        self.near_miss_words: frozenset[str] = _word_set(words, "near_miss", DEFAULT_NEAR_MISS)
        self.near_miss: frozenset[str] = self.negators | self.near_miss_words
        # ... unless one of these stands between: "don't miss", "don't wait": a push, not a warning
        self.urging: frozenset[str] = _word_set(words, "urging", DEFAULT_URGING)
        # ... and two words that forbid together ("stay away from selling gold", "stay out of gold longs")
        self.negating_pairs: frozenset[tuple[str, str]] = frozenset(
            (first, second) for first, _, second in (p.partition(" ") for p in
                                                      _word_set(words, "negating_pairs", DEFAULT_NEGATING_PAIRS)))
        # the rank of a target an update names ("2nd target reached", "第二目标", "الهدف الثاني"), as
        # the update patterns' "ord" group captures it: the English ones and the language files'
        self.ordinals: dict[str, int] = {**DEFAULT_ORDINALS, **{str(k).lower(): int(v)
                                                                for k, v in words.get("ordinals", {}).items()}}
        # a stop label beside one of these names a way to exit ("TP: trailing stop", "stop móvel"), not a level
        self.trailing_words: frozenset[str] = _word_set(words, "trailing", DEFAULT_TRAILING)
        # the market itself as an entry label's value ("Entry: Market", "Вход: рынок"): a market order
        self.market_words: frozenset[str] = _word_set(words, "market", DEFAULT_MARKET)
        # ("Lot size 1.25": a label's phrase key, as fields.Fields reads the label's text)
        self.size_labels: frozenset[str] = frozenset(phrase_key(w) for w in _word_set(words, "size_labels", DEFAULT_SIZE_LABELS))
        self.market_flow: frozenset[str] = _word_set(words, "market_flow", DEFAULT_MARKET_FLOW)
        self.extremes: frozenset[str] = _word_set(words, "extremes", DEFAULT_EXTREMES)
        self.periods: frozenset[str] = _word_set(words, "periods", DEFAULT_PERIODS)
        # a headline with one of these over levels and no side: the open trade's levels changed
        # ("Update XAUUSD: SL 2388 TP 2405", "Обновление по золоту: стоп 2388")
        self.update_words: frozenset[str] = _word_set(words, "update", DEFAULT_UPDATE)
        # those of a script written without spaces, found inside a line ("黄金更新"), not as its words
        self.unspaced_update_words: tuple[str, ...] = tuple(w for w in self.update_words
                                                            if not w.isascii() and ord(w[0]) >= 0x0E00)  # (fields.UNSPACED_FIRST)
        # a side, its symbol, then one of these and a price: a breakout the side's way, a stop order
        # ("Buy EURUSD above 1.0900", "sell GOLD below 2330")
        self.above_words: frozenset[str] = _word_set(words, "above", DEFAULT_ABOVE)
        self.below_words: frozenset[str] = _word_set(words, "below", DEFAULT_BELOW)
        # an entry label that says only "at": after a target's or stop's label it opens no entry
        self.at_words: frozenset[str] = _word_set(words, "at", DEFAULT_AT)
        # "at" written after the price, in the languages that put it there (Turkish "2395'te",
        # Japanese "2395で", Korean "2395에서", Hindi "2395 पर"): a price right before one of these,
        # right before an instruction, is the instruction's price (``price_before_pattern``)
        self.postpositions: frozenset[str] = _word_set(words, "postpositions", frozenset())
        self.price_before_pattern: regex.Pattern[str] = _price_before_pattern(self.postpositions)
        # a stop-loss label right after a side makes it a stop order ("Buy stop", "Покупка стоп")
        self.stop_order_words: frozenset[str] = _word_set(words, "stop_order", DEFAULT_STOP_ORDER)
        # a side written as a plural noun after a possessive is the positions open, not a call
        # ("your gold buys look great", "наши покупки по золоту")
        self.position_nouns: frozenset[str] = _word_set(words, "position_nouns", DEFAULT_POSITION_NOUNS)
        self.possessives: frozenset[str] = _word_set(words, "possessives", DEFAULT_POSSESSIVES)
        self.owners: frozenset[str] = _word_set(words, "owners", DEFAULT_OWNERS)
        self.conditions: frozenset[str] = _word_set(words, "conditions", DEFAULT_CONDITIONS)
        self.readers: frozenset[str] = _word_set(words, "readers", DEFAULT_READERS)
        self.status_labels: frozenset[str] = _word_set(words, "status_labels", DEFAULT_STATUS_LABELS)
        self.result_labels: frozenset[str] = _word_set(words, "result_labels", DEFAULT_RESULT_LABELS)
        self.aims: frozenset[str] = frozenset(phrase_key(w) for w in _word_set(words, "aims", DEFAULT_AIMS))
        # as written in lower, upper, title and sentence case: the field scanner asks of every
        # target label, and a lookup costs less than lower-casing it first
        self.aim_forms: frozenset[str] = frozenset(form for w in self.aims
                                                   for form in (w, w.upper(), w.title(), w.capitalize()))
        # what part of a position an instruction closes ("close rest", "close all", "half"): a
        # call's own instruction after its last target, not its fate reported
        self.position_parts: frozenset[str] = _word_set(words, "position_parts", DEFAULT_POSITION_PARTS)
        # a small number before one of these (or a side and one of these) counts them, no price:
        # "GOLD 2 SELL ENTRIES 2400 2405", "3 orders"
        self.count_nouns: frozenset[str] = _word_set(words, "count_nouns", DEFAULT_COUNT_NOUNS)
        # "close half": a partial close of 50%, matched by ``half_pattern``
        self.half_words: frozenset[str] = _word_set(words, "half", DEFAULT_HALF)
        self.half_pattern: regex.Pattern[str] = _half_pattern(self.half_words)
        # a word's leading side, remembered: asked of every entry label and order type a message holds
        self._leading_sides: dict[str, str | None] = {}
        # Thai, Chinese and Japanese glue a negator to the verb ("อย่าซื้อ", "不要买入"): the tokens
        # are characters, so the pair is a keyword of its own that no longer reads as a direction
        for side, entries in keywords.get("direction", {}).items():
            for entry in entries:
                if entry.startswith("re:") or not _UNSPACED.search(entry):
                    continue
                for negator in self.negators:
                    if _UNSPACED.search(negator):
                        self.words.setdefault(phrase_key(negator + entry), ("neg", side))
        # a name that is also a common word ("or": gold in French), the instrument only beside one
        # of its language's side words: word -> (canonical symbol, those side words)
        # (keyed by the word as written in lower, upper and title case: the symbol finder asks
        # of every word no table knows, and a lookup costs less than lower-casing it first)
        self.beside_side: dict[str, tuple[str, frozenset[str]]] = {
            form: (str(entry["symbol"]), frozenset(s.lower() for s in entry.get("sides", [])))
            for word, entry in keywords.get("beside_side", {}).items()
            if isinstance(entry, dict) and entry.get("symbol")
            for form in (word.lower(), word.upper(), word.title())}
        self.emoji_labels: dict[str, str] = {}
        for label, marks in keywords.get("emoji_labels", {}).items():
            for mark in marks:
                self.emoji_labels[mark.rstrip("\ufe0f")] = label
        self.max_words: int = max((k.count(" ") + 1 for k in self.words), default=1)
        self.max_words = max(self.max_words, symbols.max_alias_words)
        self.fillers: frozenset[str] = frozenset(phrase_key(w) for w in keywords.get("fillers", {}).get("words", []))
        for key, canonical in symbols.aliases.items():
            self.words.setdefault(key, ("sym", canonical))
        # every proper prefix of a multi-word key, so the tokenizer extends a phrase only when useful
        self.prefixes: frozenset[str] = frozenset(" ".join(k.split(" ")[:n]) for k in self.words for n in range(1, k.count(" ") + 1))
        self.word_patterns: PatternSet | None = self._compile(self.patterns) if self.patterns else None
        self.updates: PatternSet | None = self._compile(
            [(t, t, p) for t in UPDATE_ORDER for p in keywords.get("updates", {}).get(t, [])])
        self.noise: PatternSet | None = self._compile(
            [(t, t, p) for t in NOISE_ORDER for p in keywords.get("noise", {}).get(t, [])])
        # the recap headlines alone: read on the first line of every complete call, where a set of
        # two patterns costs less than the whole noise set
        self.recap: PatternSet | None = self._compile(
            [("recap", "recap", p) for p in keywords.get("noise", {}).get("recap", [])])
        # what the tokenizer learned of each word it met (``tokens._word_info``): channels reuse
        # a small vocabulary, so most words are looked up once
        self.word_info: dict[str, tuple[str, tuple[str, str] | None, bool, int]] = {}
        self.recap_heads: dict[str, bool] = {}  # a headline -> whether it recaps (parser._recap_headline)
        # what the field scanner learned of each plain word (``fields._prose_info``), likewise
        self.prose_info: dict[str, tuple[bool, bool, bool, str]] = {}
        # the level labels of one word and their one-letter slips ("Tagrets", "Stoplos"), built
        # when a word heading a line is first looked up (``tokens.misspelt_label``)
        self.label_slips: dict[str, tuple[str, str] | None] | None = None

    def _add_section(self, section: dict[str, list[str]], category: str) -> None:
        for value, entries in section.items():
            for entry in entries:
                if entry.startswith("re:"):
                    self.patterns.append((category, value, entry))
                else:
                    # the first section to claim a phrase keeps it: directions before labels
                    self.words.setdefault(phrase_key(entry), (category, value))

    def _compile(self, entries: list[tuple[str, str, str]]) -> PatternSet | None:
        return PatternSet(entries, self._vetted, english_patterns(), english_words()) if entries else None

    def lookup(self, key: str) -> tuple[str, str] | None:
        return self.words.get(key)

    def leading_side(self, phrase: str) -> str | None:
        """The side a keyword of several words opens with ("Buy zone", "short below", "sell limit"),
        or a word of one opens with, a compound ("Kaufzone") or a phrase of a script written without
        spaces ("买入区间"); None when it opens with no direction."""
        words = self.words
        if " " in phrase:
            lead = words.get(phrase.split()[0].lower())
            return lead[1] if lead is not None and lead[0] == "dir" else None
        if phrase in self._leading_sides:
            return self._leading_sides[phrase]
        side = self._leading_side_of_word(phrase)
        if len(self._leading_sides) < 10_000:
            self._leading_sides[phrase] = side
        return side

    def _leading_side_of_word(self, phrase: str) -> str | None:
        words = self.words
        low = phrase.lower()
        unspaced = bool(_UNSPACED.match(low))
        shortest = 2 if unspaced else 4
        for k in range(len(low) - 1, shortest - 1, -1):
            lead = words.get(phrase_key(low[:k]) if unspaced else low[:k])
            if lead is not None and lead[0] == "dir":
                return lead[1]
        return None

    def names(self, phrase: str, category: str, value: str) -> bool:
        """Whether ``phrase`` writes a keyword of the tables that is ``(category, value)``, in any
        of their languages ("move SL to", "стоп в", "止损移至" name the stop-loss label)."""
        parts = phrase_key(phrase).split(" ")
        entry = (category, value)
        words = self.words
        for i in range(len(parts)):
            for n in range(1, min(self.max_words, len(parts) - i) + 1):
                if words.get(" ".join(parts[i:i + n])) == entry:
                    return True
        return False


def _patterns_of(table: Any) -> frozenset[str]:
    """Every ``re:`` entry anywhere in a keyword table."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            found.update(e for e in node if isinstance(e, str) and e.startswith("re:"))

    walk(table)
    return frozenset(found)


@functools.lru_cache(maxsize=1)
def builtin_patterns() -> frozenset[str]:
    """The ``re:`` entries of the package's own keyword tables: vetted on hostile text by
    ``benchmarks/hostile.py``, so they run without a timeout (see ``patterns.py``)."""
    return _patterns_of(load_tables("keywords"))


@functools.lru_cache(maxsize=1)
def english_patterns() -> frozenset[str]:
    """The ``re:`` entries of ``keywords.toml`` itself: English and the shared marks."""
    return _patterns_of(load_tables("keywords", languages=()))


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words English patterns are chosen by ("sl", "tp", "target"): a language file's pattern
    is not chosen by them (English phrases are English patterns' to read), only by its own."""
    return frozenset(w for p in english_patterns() for w in pattern_words(p[3:]))


def build_lexicon(keyword_files: Iterable[str | Path] = (), symbol_files: Iterable[str | Path] = (),
                  languages: Iterable[str] | None = None) -> Lexicon:
    """The lexicon of the built-in tables and every language file (or only ``languages``, codes
    of ``src/signalos/data/languages``), extended by the user's files."""
    langs = None if languages is None else tuple(languages)
    return Lexicon(load_tables("keywords", keyword_files, langs), SymbolTable(load_tables("symbols", symbol_files, langs)),
                   vetted=builtin_patterns())
