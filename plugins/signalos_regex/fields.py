"""Reading a signal's fields: which number is the entry, the stop, a target, leverage or pips.

A label opens a field and the numbers after it fill it until the next label; numbers before any
label belong to the entry when a direction, symbol or ``@`` introduces them. Prose ends a field,
so "Resistance near 152.40" under an empty "SL - ???" is not taken for the stop.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Final

from signalos.normalize import expand_shorthand, parse_number, phrase_key

from signalos_regex.lexicon import Lexicon
from signalos_regex.symbols import SymbolFinder
from signalos_regex.tokens import Tok

# Pips, lot and range-separator words, and negators, are the lexicon's lists (Lexicon.pips_words,
# lot_words, range_separators, negators), read from the keyword tables of every language.
SENTENCE_ENDS: Final = frozenset({".", "!", "?", "。", "！", "？", ";"})
THOUSANDS_SPACES: Final = frozenset({" ", "\u00a0", "\u202f", "\u2009"})  # "65 000", as French and Russian write it
NUMBER_SIGNS: Final = frozenset({"no", "nº", "n°", "nr", "num", "number"})  # "No. 5": the number of a signal
BARS: Final = frozenset({"|", "│", "¦", "┃"})  # a message written on one line separates its lines with bars
PLACEHOLDERS: Final = frozenset({"open", "hold", "runner", "null", "none", "tbd", "free", "moon"})
# Time units of the scripts written without spaces, whose words are one token a character: read in
# the text from the character after the number ("4小时", "（4小時綫）", "1시간봉"). A number before
# a date's 年/月/日 is no price either.
UNSPACED_TIME_UNITS: Final = ("小时", "小時", "分钟", "分鐘", "分线", "分線", "天", "秒", "周线", "週線", "日线", "日線",
                              "个月", "個月", "年", "月", "日", "時間", "分足", "日足", "週足", "시간", "분봉", "일봉",
                              "주봉", "ชั่วโมง", "นาที", "วัน")
# Units that make a number a duration, not a price ("1-2 hours", "4H", "30 min", "3 дня").
TIME_UNITS: Final = frozenset({"sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "h", "hr", "hrs",
                               "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years",
                               "минута", "минуты", "минут", "час", "часа", "часов", "день", "дня", "дней", "неделя",
                               "недели", "недель", "hora", "horas", "minuto", "minutos", "dia", "dias", "día", "días",
                               "semana", "semanas", "stunde", "stunden", "tag", "tage", "heure", "heures", "jour",
                               "jours", "ora", "ore", "giorno", "giorni", "saat", "dakika", "gün", "jam", "menit",
                               "hari", "giờ", "phút", "ngày", "ساعت", "دقیقه", "روز", "ساعة", "ساعات", "دقيقة", "يوم"}) \
    | frozenset(UNSPACED_TIME_UNITS)
# The first code point of the unspaced scripts (Thai): a word starting below it is of none of them.
UNSPACED_FIRST: Final = 0x0E00
# Words for "around" written after a price in Chinese (2350附近, 2350左右).
APPROX_WORDS: Final = frozenset({"附近", "左右", "上下", "一带", "一帶"})
# "of" in the languages that name the market's flow before the side ("presión de compra")
_OF_WORDS: Final = frozenset({"of", "de", "do", "da", "di", "du", "des", "del", "della", "dello"})
HORIZON_WORDS: Final = frozenset({"term", "terms", "run", "haul", "weekend", "weekends", "time", "way", "day", "days",
                                  "week", "while"})
MAX_COUNTS: Final = 12  # the longest spaced list of counts read under one unit ("40 / 80 / 120 pips")
# the largest position size a channel writes in lots; a number after "lot" above it is a price
MAX_LOT: Final = 100.0
# a side, then one of these and a price: the price is where the trade goes ("GJ longs to 155.200")
TOWARDS_WORDS: Final = frozenset({"to", "towards", "toward"})
# "as long as we hold 700": a conjunction, not a side (the word after it opens its clause)
CONJUNCTION_AFTER: Final = frozenset({"as", "we", "you", "it", "price", "the", "this", "they", "i", "our", "your"})
# Risk-reward annotations after a number ("0.56 R:R", "2.1 RR"): a ratio, not a level.
RATIO_WORDS: Final = frozenset({"r", "rr", "rrr"})
# a side of a ratio written with a colon ("1:2", "1:2.5")
_SMALL_RATIO: Final = re.compile(r"\d{1,2}(?:\.\d)?")
MAX_PRICE_DIGITS: Final = 8  # an integer of more digits is an id (a message, user or order number), never a price
KEYCAP: Final = ("\ufe0f", "\u20e3")
KEYCAP_OR_PAREN: Final = (*KEYCAP, ")")
PRICE_FIELDS: Final = ("entry", "stop_loss", "take_profit")


# words of prose (no keyword) that make a line a sentence and not a call's line
PROSE_WORDS: Final = 3


# three digits and a decimal part of one or two: the last group of a price written with spaced thousands
_GROUP_WITH_DECIMALS: Final = re.compile(r"\d{3}[.,]\d{1,2}")

class Fields:
    """The numbers and words of one message, sorted into a signal's fields."""

    def __init__(self, text: str, toks: list[Tok], lex: Lexicon, symbols: SymbolFinder):
        self.text = text
        self.toks = toks
        self.lex = lex
        self.symbols = symbols
        self.directions: list[tuple[str | None, Tok, bool]] = []  # (direction, token, negated)
        self.order_types: list[tuple[str | None, Tok]] = []
        self.values: dict[str, list[tuple[float, Tok]]] = {f: [] for f in PRICE_FIELDS}
        self.stop_pips: list[tuple[float, Tok]] = []
        self.target_pips: list[tuple[float, Tok]] = []
        self.leverage: list[tuple[float, Tok]] = []
        self.labelled: set[str | None] = set()  # fields that some label opened
        self.multi: bool = False  # a second signal follows the first one
        self.read_to: int = len(text)  # where the reading stopped: the start of a second signal, if any
        self.sizes: list[Tok] = []  # numbers read after a label of a size or a ratio, which is never a price
        self.magnitude: tuple[float, float] | None = lex.symbols.magnitude(symbols.best[1] if symbols.best else None)
        # the first number and the end of the glued list "20-50-100" that ``_unit_after`` walked last
        self._glued_list: tuple[int, int] = (0, 0)
        # the lines opening with a word and an index, read once when first asked (``_numbered_lines``)
        self._line_indexes: tuple[dict[str, set[int]], set[int]] | None = None

    @property
    def entry(self) -> list[tuple[float, Tok]]:
        return self.values["entry"]

    @property
    def stop(self) -> list[tuple[float, Tok]]:
        return self.values["stop_loss"]

    @property
    def targets(self) -> list[tuple[float, Tok]]:
        return self.values["take_profit"]

    # ------------------------------------------------------------------------------------------
    def scan(self) -> Fields:
        toks, n = self.toks, len(self.toks)
        # bound once: this loop runs on every token of every message
        token_ids = self.symbols.token_ids
        emoji_labels, prose_info, aim_forms = self.lex.emoji_labels, self.lex.prose_info, self.lex.aim_forms
        current: str | None = None  # the open field
        label_line = 0
        filled = 0
        entry_ok = False
        prev_num: tuple[str, float, Tok, str] | None = None  # full raw, value, token, field
        line = 0
        line_start = True
        line_has_label = False
        # A list of targets, one a line, each with words after it ("1806.3 (40% of profit)"): the
        # words end the field, and the next line that opens with a number (blank lines between)
        # takes it up again. The field and the line (counted by line breaks alone) whose last
        # words ended it.
        resume: tuple[str, int] | None = None
        label_after = -1  # the label of a level written after its price ("2370 SL"), already read
        annotated_to = -1  # the closing bracket of a size written after a price
        sized = False  # whether the open field is one of SIZE_LABELS' numbers
        phys, value_phys = 0, -1
        # read before each call of the two second-signal checks: neither holds without a target
        # (most lines are read before any), and a Python call costs more than the test
        targets = self.values["take_profit"]
        if self.symbols.best is not None:
            self._volume_before_symbol()
        # "| Pair | Side | Entry | SL | TP |" over "| XAUUSD | BUY | 2380 | 2372 | 2395 |": the
        # columns' labels name the first row's cells (asked only of a text with a bar)
        columns = self._table_columns() if "|" in self.text or "│" in self.text else None
        for i, tok in enumerate(toks):
            if i <= annotated_to:
                continue  # inside "(half lot)", "(0.5 lot)" after a price: its size, which ends no field
            if columns and i in columns:
                current, filled, label_line, line_has_label = columns[i], 0, line, True
                self.labelled.add(current)
                prev_num, entry_ok = None, current == "entry"
            kind = tok.kind
            if kind == "nl":
                line += 1
                phys += 1
                line_start, line_has_label = True, False
                continue
            if kind == "p" and tok.text == "(" and i and toks[i - 1].kind == "num" and self._read_as_price(toks[i - 1]):
                annotated_to = self._size_annotation_end(i)
                if annotated_to > i:
                    continue
            if kind == "word":
                if line_start and line > 0 and targets and self._starts_second_signal(i):
                    self.multi = True
                    break
                first_word, line_start = line_start, False
                cat = tok.cat
                if resume is not None and phys > resume[1]:
                    resume = None  # a word on a later line before any number: the list is over
                if first_word and cat is None and (
                        current in (None, "entry", "take_profit") and self.values["entry"] and self._numbered_label(i)
                        or self._numbered_among_targets(i)):
                    # "kv1 29330 / kv2 29060" under the entry: a word no table knows, numbered line
                    # by line, labels the targets; so does a slip in a numbered list of them
                    # ("Tp 3 149.81 / To 4 149.60 / Tp 5 149.40"); marked a label, its index is read as one
                    tok.cat, tok.val = "label", "take_profit"
                    current, filled, label_line, line_has_label = "take_profit", 0, line, True
                    prev_num, entry_ok = None, False
                    continue
                if cat == "label":
                    if tok.val == "symbol" or i == label_after:
                        continue
                    if tok.val == "ignore" and not filled and label_line == line and current in ("stop_loss", "take_profit") \
                            and tok.text.lower() in self.lex.extremes:
                        # "TP previous high 2400", "stop above yesterday's high 1.0910", "SL below the low at
                        # 2365" (the "at" of a level's field is read as such below): the level the words describe
                        continue
                    if tok.val == "stop_loss" and self._trailing(i):
                        continue  # "TP: Trailing STOP or 1.4910", "stop móvel": a way to exit, not a level
                    if tok.val == "take_profit" and tok.text in aim_forms and not self._aims_at_price(i):
                        continue  # "expecting a pullback", "looking for 29.40 to buy": no target
                    if tok.val == "take_profit" and current in ("entry", "stop_loss") and not filled and i \
                            and toks[i - 1].cat == "label" and toks[i - 1].val == current and i + 1 < n \
                            and not _indexes(toks[i + 1]):
                        # "Entry Targets:", "Entry Zone Targets:", "SL Targets 3.83", a channel's "Stop kvel:":
                        # a target word after the entry's or stop's label, with no index, is that label's
                        continue
                    if current in ("take_profit", "stop_loss") and tok.val == "entry" \
                            and tok.text.lower() in self.lex.at_words:
                        continue  # "TP: close at 1.09", "SL tại 1.0910": the open field goes on
                    side = self.lex.leading_side(tok.text) if tok.val == "entry" else None
                    field = tok.val
                    negated_entry = field == "entry" and i > 0 and toks[i - 1].kind == "word" \
                        and toks[i - 1].text.lower() in ("no", "not")  # (not the negators: Hindi "na" is Portuguese "in the")
                    if negated_entry:
                        field = "ignore"  # "No entry above 2385": a limit to entering, read as no price
                    if side is not None:
                        if self.entry and self._other_side(side):
                            # "Buy zone: 65000-64000 / Sell zone: 66000-68000": the other side's
                            # zone after the entry is where the trade takes its profit
                            field = "take_profit"
                        else:
                            self.directions.append((side, tok, _negated(toks, i, self.lex)))  # "Buy zone", "Sell area"
                    # "1806.3 (40% of profit)": a label of numbers to pass over, after a target
                    # on its line, ends the list as prose does
                    resume = ("take_profit", phys) if field == "ignore" and current == "take_profit" \
                        and filled and value_phys == phys else None
                    current, filled, label_line, line_has_label = field, 0, line, True
                    sized = field == "ignore" and (negated_entry or phrase_key(tok.text) in self.lex.size_labels)
                    self.labelled.add(field)
                    prev_num = None
                    entry_ok = field == "entry"
                    continue
                if cat == "dir":
                    if self._is_label_prefix(i) or self._is_horizon(i) or (len(tok.text) == 1 and self._inside_unspaced_word(i)) \
                            or self._describes_the_market(i):
                        continue  # "Buy targets": a label; "long-term": a horizon; 很多: "many"; "buy pressure": the market's
                    if self.stop and self.targets and self.directions:
                        self.multi = True  # a complete signal, then another call: read the first
                        break
                    if self.entry and self.directions and self._names_another_beside(i):
                        # "BUY EURUSD 1.0850, BUY GBPUSD 1.2650", "Gold buy 2380, silver buy 28.40": a side
                        # beside another instrument after a call's price opens a second call
                        self.multi = True
                        break
                    if self.entry and not self.targets and self._other_side_labels(i):
                        # "Buy: 1.10-1.12 / Sell: 1.15-1.18": the other side, written as a label
                        # after the entry, says where the trade takes its profit
                        current, filled, label_line, line_has_label = "take_profit", 0, line, True
                        self.labelled.add("take_profit")
                        prev_num = None
                        entry_ok = False
                        continue
                    self.directions.append((tok.val, tok, _negated(toks, i, self.lex)))
                    self._order_type_after(i)
                    if current not in ("take_profit", "stop_loss") or filled:
                        current, filled = None, 0
                    entry_ok = True
                    continue
                if cat == "ot":
                    if i in token_ids:
                        entry_ok = entry_ok or current is None
                        continue  # "NU buy": the word read as the symbol is no order type
                    side = self.lex.leading_side(tok.text)
                    if side is not None and tok.val == "stop" and tok.text.split()[-1].lower() in self.lex.stop_order_words \
                            and self._losing_side_after(i, i + 1, side):
                        # "Silver 29.50 buy stop 29.10": the side, then the stop loss's label
                        self.directions.append((side, tok, _negated(toks, i, self.lex)))
                        current, filled, label_line, line_has_label = "stop_loss", 0, line, True
                        self.labelled.add("stop_loss")
                        prev_num, entry_ok = None, False
                        continue
                    self.order_types.append((tok.val, tok))
                    if side is not None:
                        self.directions.append((side, tok, _negated(toks, i, self.lex)))  # "Buy stop", "sell limit"
                    entry_ok = True
                    continue
                currency, passed, ends, word_role = prose_info.get(tok.text) or _prose_info(tok.text, self.lex)
                if word_role:
                    # (a word of one of the short lists below: most words have no role, one test)
                    if word_role == "market":
                        if current == "entry" and not filled and self._right_after_label(i):
                            self.order_types.append(("market", tok))  # "Entry: Market", "Entrada: mercado"
                            continue
                        if self.directions and self._market_after_side(i):
                            # "Buy market 18250", "SELL GOLD MARKET", "buy @ 18250 (market)": the
                            # side's order is at market; its price, if any, follows as the entry
                            self.order_types.append(("market", tok))
                            continue
                    elif i + 1 >= n or toks[i + 1].kind != "num":
                        pass  # each role below is that of a word before a number
                    elif word_role == "towards":
                        if i and toks[i - 1].cat == "dir":
                            # "GJ longs to 155.200", "shorts towards 152.550": where the side goes, its target
                            current, filled, label_line, line_has_label = "take_profit", 0, line, True
                            prev_num, entry_ok = None, False
                            continue
                    elif word_role == "ordinal":
                        if current == "take_profit" and filled:
                            continue  # "first target 1.0860, second 1.0900": the next target, named by its rank
                    elif self.directions and self._breakout_after_symbol(i, word_role):
                        self.order_types.append(("stop", tok))  # "Buy EURUSD above 1.0900": a breakout, a stop order
                        continue
                if cat == "sym" or i in token_ids or currency:
                    entry_ok = entry_ok or current is None
                    continue
                if passed:
                    if current is not None and not filled and tok.text.lower() in PLACEHOLDERS \
                            and self._right_after_label(i):
                        current = None  # "TP: TBD", "SL - none": the label's value is not given
                    continue
                if ends and current is None and entry_ok and tok.text[0].isupper() and 0 < i < n - 1 \
                        and toks[i - 1].cat == "dir" and toks[i + 1].kind == "num":
                    continue  # "Buy Nvidia 120": a name between the side and its price
                if ends or (ord(tok.text[0]) >= UNSPACED_FIRST and self._unspaced_prose(i)):
                    if (entry_ok or current is not None) and self._bracketed(i):
                        continue  # "GOLD BUY (scalp) 2030": a word in brackets annotates, it ends nothing
                    # prose ends a field that has numbers or was opened on an earlier line
                    if current is not None and (filled or label_line < line):
                        if current == "take_profit" and filled and value_phys == phys:
                            resume = (current, phys)
                        current, filled = None, 0
                    if current is None:
                        entry_ok = False
                continue
            if kind == "p":
                t = tok.text
                if t in BARS and self._spaced(i):
                    # "SELL | GBPJPY @ 144.11 | SL : 144.61": a bar between spaces ends a line
                    # of a message written on one
                    line += 1
                    line_start, line_has_label = True, False
                    continue
                if t == "?" and current is not None and not filled and self._right_after_label(i):
                    current = None  # "SL - ???": the stop is not given; a number after is not it
                    continue
                if t == "@":
                    prev = _prev_significant(toks, i)
                    if prev is None or prev.cat != "label":
                        if current not in ("take_profit", "stop_loss") or filled:
                            current, filled = "entry", 0
                            label_line = line
                    entry_ok = True
                    continue
                mark = emoji_labels.get(t)
                if mark is not None and not line_has_label:
                    nxt = _next_non_space(toks, i + 1)
                    if nxt is not None and nxt.kind == "num":
                        current, filled, label_line = mark, 0, line
                        self.labelled.add(mark)
                        continue
                if t in SENTENCE_ENDS and i + 1 < n and toks[i + 1].kind != "num" and toks[i + 1].start > tok.end:
                    if current is None:
                        entry_ok = False  # a sentence ended; "EURUSD.m" did not
                    elif current in PRICE_FIELDS and not filled and toks[i + 1].kind == "word" and i and toks[i - 1].cat == "label":
                        current = None  # "Never trade without stop loss. Gold buy 2380": the label was a word of prose
                continue
            if kind != "num" or tok.skip:
                continue
            if (i == 0 or toks[i - 1].kind == "nl") and self._label_after(i):
                # "2370 SL", "2400 TP": a line of a price and then its level's label, alone
                current, filled, label_line, line_has_label = toks[i + 1].val, 0, line, True
                self.labelled.add(current)
                prev_num, entry_ok, label_after = None, current == "entry", i + 1
            if line_start and line > 0 and targets and self._numbered_second_signal(i):
                self.multi = True  # "2. SELL STOP = ...": the next call of a numbered list
                break
            if len(tok.text) == 3 and (self._thousands_group(i) if tok.text[0] == "0" else self._spaced_thousands(i)):
                continue  # "65 000", "$15, 590": the group after a space is the rest of the number before
            if resume is not None and phys > resume[1]:
                if current in (None, "ignore") and line_start \
                        and self._continues_targets(tok.text):
                    current, filled = resume[0], 1  # the list goes on below the words that ended it
                resume = None
            role, value = self._number_role(i, current)
            if role is None:
                continue
            field = current
            if role == "leverage" or field == "leverage":
                self.leverage.append((value, tok))
                continue
            if role == "pips":
                if field == "stop_loss" and not filled:
                    self.stop_pips.append((value, tok))
                elif field == "take_profit":
                    self.target_pips.append((value, tok))
                continue
            if field == "ignore":
                if sized:
                    self.sizes.append(tok)  # "Lot size 1.25", "Risk reward 1:1.25": read, and no price
                continue
            if field is None:
                if not entry_ok:
                    continue
                field = "entry"
            values = self.values[field]
            full_raw = tok.text
            if prev_num is not None and prev_num[3] == field:
                if _continues_price(toks, i, prev_num[2]) and values and values[-1][1] is prev_num[2]:
                    merged = parse_number(prev_num[0] + "." + tok.text)
                    if merged is not None:
                        values[-1] = (merged, prev_num[2])
                        prev_num = (prev_num[0] + "." + tok.text, merged, prev_num[2], field)
                        continue
                sep = self.text[prev_num[2].end:tok.start].strip()
                if sep in self.lex.range_separators:
                    expanded = _shorthand(prev_num[0], prev_num[1], tok.text, value)
                    if expanded is None and sep in DASHES and "." in tok.text and "." in prev_num[0] \
                            and len(tok.text.partition(".")[2]) == len(prev_num[0].partition(".")[2]):
                        # "2395.5-96.5": a zone whose second end shortens its whole part
                        expanded = _shorthand_whole(prev_num[0], prev_num[1], tok.text)
                    if expanded is not None:
                        value = expanded
                        full_raw = prev_num[0]
            if self.magnitude is not None:
                thousands = self._thousands(i, value, values)
                if thousands is None:
                    continue
                value = thousands
            values.append((value, tok))
            filled += 1
            prev_num = (full_raw, value, tok, field)
            value_phys = phys
        if self.multi:
            self.read_to = toks[i].start  # (the loop stopped at the token that starts the next call)
        self._positional_levels()
        if len(self.values["entry"]) > 1 and self.directions:
            self._without_prose_entries()
        return self

    def _without_prose_entries(self) -> None:
        """"Gold has been consolidating between 2370 and 2390 for two days. / Buy gold 2380": the
        prices of a sentence of prose on a line before the side's, where the side's line gives its
        own entry, are the story and not the call's entry."""
        entries = self.values["entry"]
        side_line = self.text.rfind("\n", 0, self.directions[0][1].start) + 1
        if all(tok.start < side_line for _, tok in entries) or all(tok.start >= side_line for _, tok in entries):
            return
        # one pass over the lines before the side's: a line is prose when it holds PROSE_WORDS words
        # no table knows, no side, and opens with no label
        prose: set[int] = set()  # the line numbers of prose
        line, words, opened, story = 0, 0, False, True
        line_of: dict[int, int] = {}  # an entry token's start -> its line
        starts = {tok.start for _, tok in entries}
        for tok in self.toks:
            if tok.start >= side_line:
                break
            if tok.kind == "nl":
                if story and words >= PROSE_WORDS:
                    prose.add(line)
                line, words, opened, story = line + 1, 0, False, True
                continue
            if tok.start in starts:
                line_of[tok.start] = line
            if tok.kind == "p":
                continue
            if not opened:
                opened, story = True, tok.cat != "label"
            if tok.cat == "dir":
                story = False
            elif tok.kind == "word" and tok.cat is None and len(tok.text) >= 3 and tok.text.isalpha():
                words += 1
        # (the loop stops at the side's line: each line before it was closed by its line break)
        if prose:
            entries[:] = [(v, tok) for v, tok in entries if line_of.get(tok.start) not in prose]

    # ------------------------------------------------------------------------------------------
    def _thousands(self, i: int, value: float, values: list[tuple[float, Tok]]) -> float | None:
        """"DAX 19.450" → 19450; "42 350" → 42350 (merged into the price before; None returned)."""
        magnitude = self.magnitude
        if magnitude is None:  # never: the caller asks only with a magnitude
            return value
        low, high = magnitude
        if low <= value <= high:
            return value
        raw = self.toks[i].text
        # a group of three digits, or three and a decimal part ("2 385,50" on gold)
        if i > 0 and raw[:3].isdigit() and (len(raw) == 3 or _GROUP_WITH_DECIMALS.fullmatch(raw) is not None):
            prev_tok = self.toks[i - 1]
            merged = parse_number(prev_tok.text + raw) if prev_tok.kind == "num" and prev_tok.text.isdigit() \
                and len(prev_tok.text) <= 3 and self.text[prev_tok.end:self.toks[i].start] == " " else None
            if merged is not None and low <= merged <= high:
                if values and prev_tok is values[-1][1]:
                    values[-1] = (merged, prev_tok)
                    return None
                if not any(tok is prev_tok for read in self.values.values() for _, tok in read):
                    return merged  # "Stop 18 380" on the DAX: "18" alone was read as no price, the whole is one
        if "." in raw and len(raw.split(".")[1]) == 3 and low <= value * 1000 <= high:
            return value * 1000
        if "," in raw and "." not in raw and len(raw.split(",")[-1]) == 3 and low <= value / 1000 <= high:
            return value / 1000  # "SL 1,211" on EURUSD: the comma was a decimal one
        return value

    def _numbered_label(self, i: int) -> bool:
        """Whether word ``i``, glued to a small number n (its index), has a namesake opening another
        line glued to n + 1 or n - 1: "kv1 ... / kv2 ..."."""
        toks = self.toks
        if i + 1 >= len(toks) or toks[i + 1].start != toks[i].end or not _indexes(toks[i + 1]):
            return False
        n = int(toks[i + 1].text)
        glued = self._numbered_lines()[0].get(toks[i].text.lower(), set())
        return n - 1 in glued or n + 1 in glued

    def _numbered_among_targets(self, i: int) -> bool:
        """Whether word ``i``, with an index n after it, opens a line of a numbered list of targets:
        other lines open with a target label and the indexes on either side of n ("To 4" between
        "Tp 3" and "Tp 5") or the two before or after it."""
        toks = self.toks
        if i + 1 >= len(toks) or not _indexes(toks[i + 1]):
            return False
        n = int(toks[i + 1].text)
        around = self._numbered_lines()[1]
        return n - 1 in around and (n + 1 in around or n - 2 in around) or n + 1 in around and n + 2 in around

    def _numbered_lines(self) -> tuple[dict[str, set[int]], set[int]]:
        """Of the lines that open with a word and an index (marks before them aside): the indexes
        glued to each word (in lower case), and those after a target label. Read in one pass
        when first asked, so a message of a thousand such lines costs one pass, not a thousand."""
        if self._line_indexes is None:
            glued: dict[str, set[int]] = {}
            targets: set[int] = set()
            toks = self.toks
            for j in range(len(toks) - 1):
                t, nxt = toks[j], toks[j + 1]
                if t.kind != "word" or not _indexes(nxt) or j and toks[j - 1].kind not in ("nl", "p"):
                    continue
                if t.cat == "label" and t.val == "take_profit":
                    targets.add(int(nxt.text))
                if nxt.start == t.end:
                    glued.setdefault(t.text.lower(), set()).add(int(nxt.text))
            self._line_indexes = (glued, targets)
        return self._line_indexes

    def _aims_at_price(self, i: int) -> bool:
        """Whether a price follows target label ``i``, a verb of aiming (``[words] aims``: "looking
        for", "eyeing"), right away, and is not one waited for to enter ("looking for 29.40 to buy")."""
        toks = self.toks
        if i + 1 >= len(toks) or toks[i + 1].kind != "num":
            return False
        price = toks[i + 1].text
        if not ("." in price or "," in price or len(price) >= 3):
            return False  # "looking for 2 more targets"
        k = i + 2
        return not (k + 1 < len(toks) and toks[k].text.lower() in ("to", "for") and toks[k + 1].cat == "dir")

    def _trailing(self, i: int) -> bool:
        """Whether the word just before or after label ``i`` makes it a trailing stop."""
        words = self.lex.trailing_words
        for j in (i - 1, i + 1):
            if 0 <= j < len(self.toks) and self.toks[j].kind == "word" and self.toks[j].text.lower() in words:
                return True
        return False

    def _glued_index(self, raw: str, value: float) -> float | None:
        """The price in ``raw`` when the next target's index is glued before it ("TP41.3100" after
        three targets near 1.3, "TP12340" after an entry at 2345): the whole is far from the last
        target (or the entry) and the rest is near it."""
        targets, entries = self.values["take_profit"], self.values["entry"]
        if not targets and not entries:
            return None
        index = str(len(targets) + 1)
        last = targets[-1][0] if targets else entries[-1][0]
        if not raw.startswith(index) or len(raw) <= len(index) or last <= 0 or 0.5 <= value / last <= 2:
            return None
        rest = parse_number(raw[len(index):])
        return rest if rest is not None and 0.8 <= rest / last <= 1.25 else None

    def _continues_targets(self, raw: str) -> bool:
        """Whether the number written ``raw`` goes on from the targets read so far, away from the
        entry (or the target before) as the last one did: "2330 is support" under a buy's "TP 2355"
        does not."""
        value = parse_number(raw)
        targets = self.values["take_profit"]
        if value is None or not targets:
            return False
        last = targets[-1][0]
        before = targets[-2][0] if len(targets) > 1 else self._mean_entry()
        return before is not None and (value - last) * (last - before) > 0

    def _mean_entry(self) -> float | None:
        """The mean of the entry's prices read so far, if any."""
        entries = [v for v, _ in self.values["entry"]]
        return sum(entries) / len(entries) if entries else None

    def _other_side_labels(self, i: int) -> bool:
        """Whether direction ``i`` is the side opposite to the call's, written as a label: a colon,
        dash or equals sign, then a number."""
        toks = self.toks
        if not self._other_side(toks[i].val):
            return False
        mark = toks[i + 1] if i + 1 < len(toks) else None
        if mark is None or mark.kind != "p" or mark.text not in ":-=":
            return False
        after = _next_non_space(toks, i + 2, skip=":-=")
        return after is not None and after.kind == "num"

    def _other_side(self, side: str | None) -> bool:
        """Whether the call has a live side other than ``side`` already."""
        return any(d is not None and d != side and not negated for d, _, negated in self.directions)

    def _thousands_group(self, i: int) -> bool:
        """"BTC 65 000": a group of three digits opening with 0, after an integer of one to three
        digits and one space, continues that number (no price opens with 0 but 0.x): the number
        read last becomes the whole. Whether it did."""
        prev = self.toks[i - 1] if i else None
        tok = self.toks[i]
        if prev is None or prev.kind != "num" or not tok.text.isdigit() or not prev.text.isdigit() \
                or len(prev.text) > 3 or self.text[prev.end:tok.start] not in THOUSANDS_SPACES:
            return False
        merged = parse_number(prev.text + tok.text)
        return merged is not None and self._grow_last(prev, merged)

    def _grow_last(self, prev: Tok, whole: float, but: str | None = None) -> bool:
        """Make ``whole`` the value read last from ``prev`` (a number that goes on in the next
        token), in the field that read it last, ``but`` one field aside. Whether one did."""
        for field, values in self.values.items():
            if field != but and values and values[-1][1] is prev:
                values[-1] = (whole, prev)
                return True
        return False

    def _spaced_thousands(self, i: int) -> bool:
        """"Target 1: $15, 590" under an entry at $16,645: a group of three digits after a comma and
        a space continues the number before it when the whole is near the entry and that number is
        far from it. Whether it did (the number read last becomes the whole)."""
        toks = self.toks
        entry = self._mean_entry()
        if i < 2 or entry is None:
            return False
        comma, prev, tok = toks[i - 1], toks[i - 2], toks[i]
        if comma.text != "," or prev.end != comma.start or tok.start - comma.end not in (1, 2) or prev.kind != "num" \
                or not prev.text.isdigit() or len(prev.text) > 3 or not tok.text.isdigit():
            return False
        merged = float(prev.text + tok.text)
        if entry <= 0 or not 0.5 <= merged / entry <= 2 or 0.2 <= float(prev.text) / entry <= 5:
            return False
        return self._grow_last(prev, merged, but="entry")

    def _right_after_label(self, i: int) -> bool:
        """Whether token ``i`` follows a label with only its separators (and question marks) between."""
        label = _prev_significant(self.toks, i, skip=":-=?")
        return label is not None and label.cat == "label"

    def _spaced(self, i: int) -> bool:
        """Whether token ``i`` has a space (or the text's edge) on both sides."""
        tok, text = self.toks[i], self.text
        return (tok.start == 0 or text[tok.start - 1].isspace()) and (tok.end == len(text) or text[tok.end].isspace())

    def _table_columns(self) -> dict[int, str] | None:
        """A table: a row of labels between bars (the header), then, past a rule of dashes, a row of
        as many cells; each cell of a level's column (its label an entry's, a stop's or a target's,
        "TP1" with its index) -> that level, keyed by the cell's first token. None without one."""
        rows: list[list[list[int]]] = []  # each line's cells, each a list of token indices
        cells: list[list[int]] = [[]]
        for k, tok in enumerate(self.toks):
            if tok.kind == "nl":
                rows.append([c for c in cells if c])
                cells = [[]]
            elif tok.kind == "p" and tok.text in BARS:
                cells.append([])
            else:
                cells[-1].append(k)
        rows.append([c for c in cells if c])
        toks = self.toks
        for r, header in enumerate(rows):
            if len(header) < 3 or not all(self._is_header_cell(c) for c in header):
                continue
            fields = [toks[c[0]].val if toks[c[0]].cat == "label" and toks[c[0]].val in PRICE_FIELDS else None for c in header]
            if sum(f is not None for f in fields) < 2:
                continue
            for row in rows[r + 1:]:
                if all(toks[k].kind == "p" for c in row for k in c):
                    continue  # "|---|---|": the rule under the header
                if len(row) != len(header):
                    return None
                return {c[0]: f for c, f in zip(row, fields) if f is not None}
        return None

    def _is_header_cell(self, cell: list[int]) -> bool:
        """A header's cell: a word, then words or an index glued to it ("TP1")."""
        toks = self.toks
        if toks[cell[0]].kind != "word":
            return False
        return all(toks[k].kind == "word" or toks[k].kind == "num" and toks[k].start == toks[k - 1].end
                   for k in cell[1:])

    def _volume_before_symbol(self) -> None:
        """"SELL 0.5 EURUSD @ 1.0880", "BUY 0.10 XAUUSD at 2380": a number between the side and the
        symbol, the symbol then priced, is the order's volume (a trading terminal's notation), no price."""
        toks = self.toks
        first, last = self.symbols.best_tokens
        if first < 2 or last + 1 >= len(toks):
            return
        volume, side, after = toks[first - 1], toks[first - 2], toks[last + 1]
        if volume.kind == "num" and side.cat == "dir" and (
                after.text == "@" or after.kind == "num" or after.text.lower() in self.lex.at_words):
            volume.skip = True

    def _names_another_beside(self, i: int) -> bool:
        """Whether the word before side word ``i`` or the one after it (a ``#`` or ``$`` passed
        over) names another instrument than the message's symbol, with a price after the side
        ("as DXY sells off" is the market's move, no call)."""
        toks, symbols = self.toks, self.symbols
        after = i + 2 if i + 2 < len(toks) and toks[i + 1].text in ("#", "$") else i + 1
        return (symbols.names_another(after) or i > 0 and symbols.names_another(i - 1)) \
            and any(t.kind == "num" and not t.skip for t in toks[i + 1:])

    def _starts_second_signal(self, i: int) -> bool:
        """A line opening with a direction or a symbol after a complete signal starts another."""
        values = self.values
        if not (values["take_profit"] and (values["stop_loss"] or values["entry"])):
            return False
        tok = self.toks[i]
        if tok.cat == "dir":
            # "XAUUSD / TP 2355 / SL 2335 / BUY 2345": a side after levels that had none is theirs
            return bool(self.directions)
        if not (tok.cat == "sym" or i in self.symbols.token_ids):
            return False
        # "Entry 2380 / Stop 2370 / Target 2400 / GOLD BUY", "Sell Limit: 2400 / SL / TP / Gold": the
        # call's symbol, named after its levels and none before them, with no number after it, heads
        # them from below
        best = self.symbols.best
        return best is None or best[2] != tok.start or any(t.kind == "num" for t in self.toks[i:])

    def _numbered_second_signal(self, i: int) -> bool:
        """A line "2. Sell ..." or "2) BUY ..." after a complete signal starts the next one."""
        toks, n = self.toks, len(self.toks)
        if i + 2 >= n or not toks[i].text.isdigit() or toks[i + 1].kind != "p" or toks[i + 1].text not in ".)":
            return False
        nxt = toks[i + 2]
        values = self.values
        return nxt.kind == "word" and (nxt.cat == "dir" or nxt.cat == "ot" and " " in nxt.text) \
            and bool(values["take_profit"]) and bool(values["stop_loss"] or values["entry"])

    def _is_label_prefix(self, i: int) -> bool:
        nxt = self.toks[i + 1] if i + 1 < len(self.toks) else None
        return nxt is not None and nxt.cat == "label" and nxt.val == "take_profit" \
            and self.text[self.toks[i].end:nxt.start].strip() == ""

    def _describes_the_market(self, i: int) -> bool:
        """"Strong buy pressure above 2380", "sell volume", "buying interest": a side word before a
        noun of the market's flow describes the market, it calls no trade; so does one after such
        a noun and "of" ("presión de compra", "pressão de venda", "volume di acquisto")."""
        toks, flow = self.toks, self.lex.market_flow
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.kind == "word" and nxt.text.lower() in flow:
            return True
        return i >= 2 and toks[i - 1].kind == "word" and toks[i - 1].text.lower() in _OF_WORDS \
            and toks[i - 2].kind == "word" and toks[i - 2].text.lower() in flow

    def _is_horizon(self, i: int) -> bool:
        """"Long-term", "short term", "the long weekend": a time horizon, not a direction; nor is
        the conjunction "as long as"."""
        toks, n = self.toks, len(self.toks)
        j = i + 1
        if j < n and toks[j].kind == "p" and toks[j].text in "-_" and toks[j].start == toks[i].end:
            j += 1
        if j < n and toks[j].kind == "word" and toks[j].text.lower() in HORIZON_WORDS:
            return True
        # "as long as", "so long as", "as long we keep respecting 149.00"
        return i > 0 and j < n and toks[i].text.lower() == "long" and toks[i - 1].text.lower() in ("as", "so") \
            and toks[j].kind == "word" and toks[j].text.lower() in CONJUNCTION_AFTER

    def _inside_unspaced_word(self, i: int) -> bool:
        """A one-character keyword of an unspaced script (多 "long", 空 "short") glued to other plain
        characters is part of another word (很多 "many", 空间 "room"), unless what precedes it says
        "around" a price (2350附近多: "long around 2350")."""
        toks, tok = self.toks, self.toks[i]
        if len(tok.text) != 1 or not _unspaced(tok.text):
            return False
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.kind == "word" and nxt.cat is None and nxt.start == tok.end and _unspaced(nxt.text[0]):
            return True
        if prev is not None and prev.kind == "word" and prev.cat is None and prev.end == tok.start \
                and _unspaced(prev.text[-1]):
            return self.text[max(prev.end - 2, 0):prev.end] not in APPROX_WORDS
        return False

    def _unspaced_prose(self, i: int) -> bool:
        """Two plain words of an unspaced script in a row ("待定", "附近"): prose, which ends a field
        as a long word does (each character is a token of its own there)."""
        tok, prev = self.toks[i], self.toks[i - 1] if i else None
        return prev is not None and prev.kind == "word" and prev.cat is None and prev.end == tok.start \
            and _unspaced(tok.text[0]) and _unspaced(prev.text[-1])

    def _unit_after(self, i: int) -> str:
        """The lower-cased word written right after the number at ``i``, or after the range it
        opens ("1-2 hours"); "" when none follows."""
        toks, n = self.toks, len(self.toks)
        j = i + 1
        if j < n and toks[j].kind == "p" and toks[j].text == "+" and toks[j].start == toks[i].end:
            j += 1  # "100+ pips"
        start, end = self._glued_list
        if j == i + 1 and start < i < end:
            j = end  # a number inside the glued list walked last: the same end (a chain of 20,000
            # numbers "1-2-3-..." walked again from each of them was quadratic)
        else:
            while j + 1 < n and toks[j].kind == "p" and toks[j].text in "-~/" and toks[j + 1].kind == "num" \
                    and toks[j].start == toks[j - 1].end and toks[j + 1].start == toks[j].end:
                j += 2  # "20-50-100 pips", "25-30%": the unit after a glued list is every number's
            if j > i + 2:
                self._glued_list = (i, j)
        if j == i + 1 and j < n and toks[j].kind == "p" and toks[j].text in "-/,":
            # "40 / 80 / 120 pips", "40, 80, 120 pips": a spaced list of counts that grow, each one
            # under a thousand, ending on the unit ("2040 / 50 pips" is a price, then its distance)
            k, last = i, parse_number(toks[i].text)
            # at most MAX_COUNTS counts: a list of pips is short, and each number of a long list
            # would otherwise walk the rest of it (quadratic on a flood of "1,1,1,...")
            while k + 2 < n and k - i < 2 * MAX_COUNTS and toks[k + 1].kind == "p" and toks[k + 1].text in "-/," \
                    and toks[k + 2].kind == "num":
                value = parse_number(toks[k + 2].text)
                if value is None or last is None or not last <= value < 1000:
                    break
                k, last = k + 2, value
            if k > i and k + 1 < n and toks[k + 1].kind == "word" and self._word_at(k + 1) in self.lex.pips_words:
                return self._word_at(k + 1)
        if j == i + 1 and j + 1 < n and toks[j].text == "-" and toks[j + 1].kind == "word" \
                and toks[j].start == toks[i].end and toks[j + 1].start == toks[j].end:
            return self._word_at(j + 1)  # "a 15-minute candle", "4-hour chart": the compound's unit
        if j < n and (toks[j].kind == "word" or toks[j].kind == "p" and toks[j].text == "%"):
            return self._word_at(j)
        return ""

    def _word_at(self, j: int) -> str:
        """The word token ``j`` lower-cased, or the time unit of an unspaced script that starts
        there, whole (its characters are tokens each)."""
        word = self.toks[j].text.lower()
        if word and _unspaced(word[0]):
            start = self.toks[j].start
            return next((u for u in UNSPACED_TIME_UNITS if self.text.startswith(u, start)), word)
        return word

    def _ratio_follows(self, i: int) -> bool:
        """"TP 151.10 RR 1:2": the ratio word labels the numbers after it, so the number before it
        is a level; in "0.56 R:R" nothing follows and the number is the ratio."""
        toks, n = self.toks, len(self.toks)
        j = i + 2
        while j < n and (toks[j].kind == "p" and toks[j].text == ":" or toks[j].kind == "word" and toks[j].text.lower() in RATIO_WORDS):
            j += 1
        return j < n and toks[j].kind == "num"

    def _off_scale(self, value: float) -> bool:
        """Whether the instrument's plausible range is known and ``value`` lies outside it."""
        magnitude = self.magnitude
        return magnitude is not None and not magnitude[0] <= value <= magnitude[1]

    def _breakout_after_symbol(self, i: int, role: str) -> bool:
        """Whether word ``i`` (its role "above" or "below") is "above" after a buy or "below" after a
        sell with only the symbol between them ("Buy EURUSD above 1.0900", "sell GOLD below 2330"):
        the side written right before the word is a keyword of the tables ("buy above"), this is
        the same order."""
        side = "buy" if role == "above" else "sell"
        k = self._before_symbol(i)
        return k < i - 1 and k >= 0 and self.toks[k].cat == "dir" and self.toks[k].val == side

    def _before_symbol(self, i: int) -> int:
        """The token before word ``i`` once the symbol and its marks right before it are passed
        over (-1 at the message's start): where a side written before "EURUSD above" stands."""
        toks, k = self.toks, i - 1
        while k >= 0 and (k in self.symbols.token_ids or toks[k].kind == "p" and toks[k].text in "#$/"):
            k -= 1
        return k

    def _read_as_price(self, tok: Tok) -> bool:
        """Whether number ``tok`` is the last price some level took."""
        return any(values and values[-1][1] is tok for values in self.values.values())

    def _size_annotation_end(self, i: int) -> int:
        """The index of the ``)`` closing the bracket opened at ``i`` when what it holds, on its line
        and in a few tokens, names a size ("(half lot)", "(0.5 lot)", "(risk 1%)"); -1 otherwise."""
        toks, lex = self.toks, self.lex
        sized = False
        for k in range(i + 1, min(i + 7, len(toks))):
            t = toks[k]
            if t.text == ")":
                return k if sized else -1
            if t.kind == "nl" or t.text == "(":
                return -1
            if t.kind == "word" and (t.cat == "label" and t.val == "ignore" or t.text.lower() in lex.lot_words):
                sized = True
        return -1

    def _bracketed(self, i: int) -> bool:
        """Whether token ``i`` stands alone in brackets glued to it ("(scalp)", "(market)")."""
        toks = self.toks
        return 0 < i < len(toks) - 1 and toks[i - 1].text == "(" and toks[i + 1].text == ")" \
            and toks[i - 1].end == toks[i].start and toks[i + 1].start == toks[i].end

    def _market_after_side(self, i: int) -> bool:
        """Whether market word ``i`` follows a side with only the symbol between them ("Buy market",
        "SELL GOLD MARKET") or stands in brackets after the side's price ("buy @ 18250 (market)")."""
        k = self._before_symbol(i)
        return k >= 0 and self.toks[k].cat == "dir" or bool(self.entry) and self._bracketed(i)

    def _order_type_after(self, i: int) -> None:
        """"Buy stop" / "sell stop" on one line is an order type, not a stop-loss label, unless a
        price stands right before the side and the price after "stop" lies on the losing side of
        it ("Silver 29.50 buy stop 29.10": the stop loss; a buy stop order waits above)."""
        toks = self.toks
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.cat == "label" and nxt.val == "stop_loss" and nxt.text.lower() in self.lex.stop_order_words \
                and self.text[toks[i].end:nxt.start].strip() == "":
            if not self._losing_side_after(i, i + 2, toks[i].val):
                nxt.cat, nxt.val = "ot", "stop"

    def _losing_side_after(self, side_at: int, k: int, side: str | None) -> bool:
        """Whether a price stands right before the side at ``side_at`` and number ``k`` lies on the
        losing side of it: "29.50 buy stop 29.10" names the stop loss, not a stop order."""
        toks = self.toks
        if not side_at or k >= len(toks) or toks[k].kind != "num" or toks[side_at - 1].kind != "num" or toks[side_at - 1].skip:
            return False
        entry, value = parse_number(toks[side_at - 1].text), parse_number(toks[k].text)
        return entry is not None and value is not None and (value < entry if side == "buy" else value > entry)

    def _label_after(self, i: int) -> bool:
        """Whether number ``i`` opens its line and a level's label follows it, and nothing else but
        the label's index: "2370 SL", "2390 TP1", "2380 entry"."""
        toks = self.toks  # (the caller asks only of a number that opens its line)
        if i + 1 >= len(toks):
            return False
        label = toks[i + 1]
        if label.cat != "label" or label.val not in ("entry", "stop_loss", "take_profit"):
            return False
        k = i + 2
        if k < len(toks) and toks[k].kind == "num" and toks[k].start == label.end and toks[k].text.isdigit() \
                and len(toks[k].text) <= 2:
            k += 1  # "TP1": the label's index
        return k >= len(toks) or toks[k].kind == "nl"

    def _in_ratio(self, i: int) -> bool:
        """Whether number ``i`` is a side of a ratio: two small numbers glued around a colon ("1:2",
        "1:2.5"), the first glued to no word ("TP1:2" is a target's index and its price)."""
        toks = self.toks
        first = i if i + 1 < len(toks) and toks[i + 1].text == ":" and toks[i + 1].start == toks[i].end else i - 2
        if first < 0 or first + 2 >= len(toks):
            return False
        a, colon, b = toks[first], toks[first + 1], toks[first + 2]
        if colon.text != ":" or a.end != colon.start or colon.end != b.start or a.kind != "num" or b.kind != "num":
            return False
        if first and toks[first - 1].end == a.start and toks[first - 1].kind == "word":
            return False
        return _SMALL_RATIO.fullmatch(a.text) is not None and _SMALL_RATIO.fullmatch(b.text) is not None

    def _number_role(self, i: int, current: str | None) -> tuple[str | None, float]:
        """What a number is: "price", "pips", "leverage", or None for an index, a percentage, an
        annotation or a time frame."""
        toks, n = self.toks, len(self.toks)
        tok = toks[i]
        raw = tok.text
        value = parse_number(raw)
        if value is None or value <= 0:
            return None, 0.0  # zero is never a level
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < n else None
        glued_prev = prev is not None and prev.end == tok.start
        glued_next = nxt is not None and nxt.start == tok.end
        integer = "." not in raw and "," not in raw
        if integer and len(raw) > MAX_PRICE_DIGITS:
            return None, 0.0
        if prev is not None and (prev.text == "±" or prev.text == "-" and i >= 3 and toks[i - 2].text == "/"
                                 and toks[i - 3].text == "+" and toks[i - 3].end == toks[i - 2].start == prev.start - 1):
            return None, 0.0  # "2380 ± 2", "1.0850 +/- 5": the tolerance around a price, no price
        if (glued_next and nxt is not None and nxt.text == ":" or glued_prev and prev is not None and prev.text == ":") \
                and self._in_ratio(i):
            return None, 0.0  # "TP 2390 (1:2)": a risk-reward ratio, never a price
        if nxt is not None and nxt.kind == "p":
            if nxt.text == "%":
                return None, 0.0
            if glued_next and glued_prev and prev is not None and prev.text == "(" and _money_sign(nxt.text):
                return None, 0.0  # "TP 2390 (10$)": the money the level makes or risks, no price
            if nxt.text in "-~+":
                unit = self._unit_after(i)  # the unit written once after a list ("20-50-100 pips")
                if unit in TIME_UNITS or unit == "%" or (unit in RATIO_WORDS and not self._ratio_follows(i)):
                    return None, 0.0
                if unit in self.lex.pips_words:
                    return "pips", value
            elif nxt.text in "/," and self._unit_after(i) in self.lex.pips_words:
                return "pips", value  # "40 / 80 / 120 pips", "40/80/120 pips"
        elif nxt is not None and nxt.kind == "word":
            low = self._word_at(i + 1)
            if low in TIME_UNITS or (low in RATIO_WORDS and not self._ratio_follows(i)):
                return None, 0.0  # "2 hours", "0.56 R:R"
            if low in ("x", "х", "倍") and glued_next:
                return "leverage", value  # "20x", "10倍" (Chinese "times")
            if low in ("k", "к") and glued_next:
                return "price", value * 1000
            if low in self.lex.pips_words or (glued_next and low.startswith("pip")):
                return "pips", value
            if low in self.lex.lot_words and not glued_next and not (low.startswith("usd") and _after_price_label(toks, i, self.lex.at_words)) \
                    and (not _labels_a_number(toks, i + 1) or value <= MAX_LOT and _price_after(toks, i + 2)):
                # "0.02 lot", "5 lots 39500", "100 USDT"; in "TP @ 1.0800 lot: 0.02" the lot's size comes
                # after; "Entry: 60000 USDT", "@ 60000 USD" are prices in that currency
                return None, 0.0
            if glued_next and nxt.cat is None and not _unspaced(nxt.text[0]) and not low.startswith("usd") \
                    and not (len(nxt.text) > 3 and nxt.text[0].isupper()):
                return None, 0.0  # 15M, 4H, 6bcb96ff: time frames and ids
        if prev is not None and prev.cat == "dir" and not glued_prev and i + 1 < n and (i + 1) in self.symbols.token_ids \
                and self._off_scale(value):
            # "BUY 0.10 XAUUSD @ 2030.50": a trade report's volume between the side and the symbol, no
            # price of the instrument ("SELL 0.6433 nzdusd" is one)
            return None, 0.0
        if prev is not None and glued_prev:
            if prev.kind == "word":
                low = prev.text.lower()
                if low in ("x", "х"):
                    return "leverage", value
                if prev.cat == "label" and integer and value <= 20:
                    return None, 0.0  # TP1, Target2: an index
                if prev.cat == "label" and prev.val == "take_profit":
                    price = self._glued_index(tok.text, value)
                    if price is not None:
                        return "price", price  # "TP41.3100" after TP1-TP3: TP4 at 1.31
                if prev.cat is None and i - 1 not in self.symbols.token_ids and not _unspaced(prev.text[-1]):
                    return None, 0.0  # H4, M15
            elif prev.text == "+":
                return None, 0.0  # +300: a result, not a level
            elif prev.text == "#" and integer:
                return None, 0.0  # TP #1, "#1131": an index or an id
        if integer and value <= 99_999:
            sign = _prev_significant(toks, i, skip=".:#")
            if sign is not None and sign.kind == "word" and sign.cat is None and sign.text.lower() in NUMBER_SIGNS:
                return None, 0.0  # "Signal No: 33", "trade nº 12": a signal's number, not a level
        if nxt is not None and nxt.kind == "p" and nxt.text in "-–" and i + 3 < n + 1 and i + 2 < n:
            after_range = toks[i + 2]
            lev = toks[i + 3] if i + 3 < n else None
            if after_range.kind == "num" and lev is not None and lev.kind == "word" and lev.text.lower() in ("x", "х", "倍") \
                    and lev.start == after_range.end and value < (parse_number(after_range.text) or 0):
                # "5-10x": the low end of a leverage range ("target 63000 - 3x leverage": a price,
                # then the leverage)
                return "leverage", value
        if integer and value <= 20:
            if nxt is not None and nxt.kind == "p" and nxt.text in KEYCAP_OR_PAREN:
                return None, 0.0  # "1) 0.4315", "1️⃣ 0.2097"
            if nxt is not None and nxt.kind == "word" and not glued_next:
                k = i + 2 if nxt.cat == "dir" and i + 2 < n else i + 1
                if toks[k].kind == "word" and toks[k].text.lower() in self.lex.count_nouns:
                    return None, 0.0  # "GOLD 2 SELL ENTRIES 2400 2405", "3 orders": a count
            label = _prev_significant(toks, i, skip=".:#-")
            after = _next_non_space(toks, i + 1, skip=".:)-=：@$")
            if label is not None and label.cat == "label" and label.val in PRICE_FIELDS:
                if after is not None and after.kind in ("num", "nl"):
                    nxt_num: Tok | None = after
                    if after.kind == "nl":  # "T.P 1\n1.68321", "T.P 2\n\n1.68632": blank lines between
                        k = toks.index(after) + 1
                        while k < n and toks[k].kind == "nl":
                            k += 1
                        nxt_num = _next_non_space(toks, k)
                    if nxt_num is not None and nxt_num.kind == "num":
                        return None, 0.0  # "TP 1 151.01", "T.P 1\n1.68321", "Target 2: 0.734"
            if label is not None and label.cat == "label" and label.val in PRICE_FIELDS and after is not None \
                    and after.kind == "word" and after.cat is None and (
                        (nxt is not None and nxt.kind == "p" and nxt.text in ":-=")
                        or after.text.lower() in PLACEHOLDERS):
                return None, 0.0  # "TP 4 - close everything", "TP 2 runner"
            if label is not None and label.cat == "label" and label.val == "take_profit" and after is not None \
                    and after.kind == "word" and after.cat is None and self._off_scale(value):
                return None, 0.0  # "target 2 still open" on gold: an index, which no gold price is
            if (prev is None or prev.kind == "nl") and nxt is not None and nxt.kind == "p" and nxt.text in ".-" \
                    and current in PRICE_FIELDS and after is not None and after.kind == "num":
                return None, 0.0  # "1. 0.4315" in a list
        return "price", value

    def _positional_levels(self) -> None:
        """"#AUDNZD Sell 1.097 🔻 1.105 🔹 1.089 🔹 1.083": with no labels at all, the first price is
        the entry and the others fall on the stop or the target side of it."""
        if self.labelled or len(self.entry) < 3 or self.stop or self.targets:
            return
        live = [d for d in self.directions if not d[2]]
        if len({d[0] for d in live}) != 1:
            return
        first_val, first_tok = self.entry[0]
        rest = self.entry[1:]
        if self.text[first_tok.end:rest[0][1].start].strip() in ("-", "–", "~"):
            return  # an entry range, not entry + levels
        buy = live[0][0] == "buy"
        stops = [(v, t) for v, t in rest if (v < first_val) == buy]
        targets = [(v, t) for v, t in rest if (v > first_val) == buy]
        if len(stops) > 1 or not targets:
            return
        self.values["entry"] = [(first_val, first_tok)]
        self.values["stop_loss"] = stops
        self.values["take_profit"] = targets


# the dashes of a zone written "low-high"
DASHES: Final = frozenset({"-", "–", "~"})


def _money_sign(text: str) -> bool:
    """Whether ``text`` is one currency sign (Unicode's Sc: $ € £ ¥ ₽ ₹ ₺ ...): written after an
    amount in brackets ("(10$)", "(500₽)") beside a level, it is what the level makes, not a level."""
    return len(text) == 1 and unicodedata.category(text) == "Sc"


def _indexes(tok: Tok) -> bool:
    """Whether ``tok`` is a small whole number, a label's index ("TP 2", "TP2")."""
    return tok.kind == "num" and tok.text.isdigit() and len(tok.text) <= 2 and int(tok.text) <= 20


def _prose_info(word: str, lex: Lexicon) -> tuple[bool, bool, bool, str]:
    """What ``Fields.scan`` asks of a plain word, remembered per lexicon (channels reuse their
    words): whether it is a currency ("USD"), a placeholder or filler passed over ("open",
    "please"), whether it is prose that ends an open field (three letters or more, or a
    negator), and its role in a rule of a few words: "market" ("Entry: Market"), "towards" ("GJ
    longs to 155.2"), "above" / "below" ("Buy EURUSD above 1.09"), "ordinal" ("second 1.09"), or ""."""
    low = word.lower()
    role = "market" if low in lex.market_words else "towards" if low in TOWARDS_WORDS \
        else "above" if low in lex.above_words else "below" if low in lex.below_words \
        else "ordinal" if low in lex.ordinals else ""
    info = (word.upper() in lex.symbols.currency_words, low in PLACEHOLDERS or low in lex.fillers,
            len(word) >= 3 or low in lex.negators, role)
    cache = lex.prose_info
    if len(cache) > 50_000:
        cache.clear()
    cache[word] = info
    return info


def _unspaced(ch: str) -> bool:
    """A character of a script written without spaces (Chinese, Japanese, Korean, Thai): a word of
    it glued to a number ("2590附近", "around 2590") is the next word, not a unit."""
    o = ord(ch)  # integer comparisons: this runs on words glued to numbers
    return 0x0E00 <= o <= 0x0E7F or 0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF


def _shorthand_whole(base_raw: str, base: float, raw: str) -> float | None:
    """``2395.5-96.5`` → 2396.5, when the expansion is close to the price before it."""
    expanded = expand_shorthand(base_raw, raw)
    return expanded if expanded is not None and 0.95 <= expanded / base <= 1.05 else None


def _shorthand(base_raw: str, base: float, raw: str, value: float) -> float | None:
    """``4785-90`` → 4790 and ``0.00002150 - 2180`` → 0.0000218, when the written number is far
    from the one before it and its expansion is close."""
    if not raw.isdigit() or base <= 0 or 0.5 <= value / base <= 2:
        return None
    expanded = expand_shorthand(base_raw, raw)
    if expanded is None or not 0.8 <= expanded / base <= 1.25:
        return None
    return expanded


def _price_after(toks: list[Tok], k: int) -> bool:
    """Whether token ``k`` is a number too large for a position's size: a price."""
    if k >= len(toks) or toks[k].kind != "num":
        return False
    value = parse_number(toks[k].text)
    return value is not None and value > MAX_LOT


def _after_price_label(toks: list[Tok], i: int, at_words: frozenset[str]) -> bool:
    """Whether number ``i`` comes right after an entry, stop or target label or an ``@`` (a colon
    or dash between): where a price stands. A word that means "at" is no such label here: "lot
    size: 0.01 at 500 usd" is the money the size is for."""
    before = _prev_significant(toks, i, skip=".:#-=")
    return before is not None and (before.text == "@" or before.cat == "label" and before.val in PRICE_FIELDS
                                   and before.text.lower() not in at_words)


def _labels_a_number(toks: list[Tok], k: int) -> bool:
    """Whether word ``k`` is followed by a colon or an equals sign, or at once by a number, on its line."""
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    return nxt is not None and (nxt.kind == "num" or nxt.kind == "p" and nxt.text in ":=")


def _continues_price(toks: list[Tok], i: int, prev_tok: Tok) -> bool:
    """``2341`` at the end of one line and ``.1`` at the start of the next (blank lines between
    too) are one price."""
    if i < 3 or "." in prev_tok.text or "," in prev_tok.text:
        return False
    dot = toks[i - 1]
    if dot.kind != "p" or dot.text != "." or dot.end != toks[i].start or toks[i - 2].kind != "nl":
        return False
    j = i - 2
    while j > 0 and toks[j].kind == "nl":
        j -= 1
    return toks[j] is prev_tok


def _negated(toks: list[Tok], i: int, lex: Lexicon) -> bool:
    """A direction right after "do not", "don't", "avoid", "не"... is a warning, not a call: up to
    two words between, the instrument's name not counted ("Don't take gold sells", "Avoid buying
    gold", "Do not open EURUSD longs"). A number, another side or the end of a sentence between
    them ends the look back: "Signal No. 5 Buy", "no 15 | SELL" number a signal; "Avoid FOMO.
    Buy gold", "Avoid gold sells, buy 2380" call one. A verb that urges after the negator
    ("don't miss", "don't wait", "no te pierdas") makes it a push to take the call. Two words
    forbid together too ("stay away from selling gold": ``lex.negating_pairs``)."""
    negators, urging, pairs = lex.negators, lex.urging, lex.negating_pairs
    seen = 0
    urged = False
    j = i - 1
    while j >= 0 and seen < 2:
        t = toks[j]
        if t.kind == "nl" or t.kind == "num" or t.cat == "dir" or t.kind == "p" and t.text in ".!?:":
            return False
        if t.cat == "sym":
            j -= 1
            continue
        if t.kind == "word":
            low = t.text.lower()
            if low in negators or low.endswith("n't") or low.endswith("n’t") \
                    or j > 0 and (toks[j - 1].text.lower(), low) in pairs:
                return not urged
            urged = urged or low in urging
            seen += 1
        j -= 1
    return False


def _next_non_space(toks: list[Tok], j: int, skip: str = "") -> Tok | None:
    while j < len(toks):
        t = toks[j]
        if t.kind != "p" or (t.text not in KEYCAP and t.text not in "*_`[" and t.text not in skip):
            return t
        j += 1
    return None


def _prev_significant(toks: list[Tok], j: int, skip: str = ":") -> Tok | None:
    j -= 1
    while j >= 0:
        t = toks[j]
        if t.kind != "p" or (t.text not in KEYCAP and t.text not in "*_`" and t.text not in skip):
            return t
        j -= 1
    return None
