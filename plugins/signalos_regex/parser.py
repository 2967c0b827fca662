"""The multilingual regex parser: component ``regex``.

It reads a message as a sequence of tokens. Labels (``SL``, ``Тейк``, ``🎯``, ``حد ضرر``...) open a
field and the numbers after them fill it until the next label; numbers before any label belong to
the entry when a direction, symbol or ``@`` introduces them. Update and noise phrases are
patterns from the keyword tables. Nothing here knows a provider: formats are learned from words.
"""
from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any, Final

import regex

from signalos.models import Action, Message, ParseResult
from signalos.normalize import normalize_text, phrase_key
from signalos.validate import infer_direction

from signalos_regex.coverage import UNSURE, unread_prices
from signalos_regex.fields import Fields
from signalos_regex.lexicon import Lexicon, build_lexicon
from signalos_regex.patterns import words_of
from signalos_regex.symbols import SymbolFinder
from signalos_regex.tokens import Tok, has_unspaced, mark_keywords, tokenize_marking_glued
from signalos_regex.updates import PATTERN_TIMEOUT, find_updates, noise_found

NAME: Final = "regex"
MAX_CHARS: Final = 4096  # Telegram's own message limit; longer text is parsed on its first 4096 characters
# the plural sides that name open positions after a possessive ("your buys"), and those words
_WORDS: Final = regex.compile(r"[^\W\d_]+")
# what may stand between a phrase and the price it names: "at", "@", a colon or a dash, spaces
_JOINS_A_PRICE: Final = regex.compile(r"(?i)[\s:=@-]*(?:at|of|to)?[\s:=@-]*")
MAX_HEADLINE: Final = 60  # a headline longer than this is prose ("... adjust the trades as per your risk")
MAX_TARGET_INDEX: Final = 20  # the highest index a target label numbers ("TP 12"); a larger number after it is a price
# Chat markup that carries ids, not words: Discord's custom emoji (<:name:123>), mentions of users,
# roles and channels (<@123>, <@&123>, <#123>) and its broadcast mentions. Blanked to spaces of the
# same length, so spans still point into the original message.
_MARKUP: Final = regex.compile(r"<a?:\w{1,64}:\d{1,24}>|<(?:@[!&]?|#)\d{1,24}>|@(?:everyone|here)\b")
# Text struck through (Discord's and Telegram exports' ~~...~~, HTML's <s>, <del>, <strike>) is
# withdrawn: "~~GOLD BUY 2380~~ GOLD SELL 2400", "~~$700~~ $100". A run of tildes is a divider.
_STRUCK: Final = regex.compile(r"(?<!~)~~(?!~)[^~\n]{1,300}?(?<!~)~~(?!~)|<(s|del|strike)>[^<\n]{0,300}</\1>")
# An emoji written by its name, as Discord and Slack export them (":dart: 2355", "TP1 :white_check_mark:",
# ":octagonal_sign: SL"): read as the emoji itself, so a mark means the same in every export.
_EMOJI_NAME: Final = regex.compile(r":([a-z][a-z0-9_+-]{0,40}):")
# a line that opens a new call under a report of past ones ("Next: GOLD SELL ...", "New signal:")
_NEW_CALL_LINE: Final = regex.compile(r"(?im)^[^\w\n]*(?:(?:next|now)\s*[:\-–]|(?:new|next|fresh)\s+(?:signal|trade|setup|call|entry)\b)")
# a result signed "+" or "-" ("+150", "-30 pips", "+2.5%"; not "- 50%", a dash before a share)
_SIGNED_RESULT: Final = regex.compile(r"(?<![\w.,])(?:\+\s?|-)\d+(?:[.,]\d+)?(?:\s*(?:pips?|points?|pts|%))?(?![\w.,])")
# where a sentence ends inside a line (a point between digits is a decimal one: a space follows these)
_SENTENCE_ENDS: Final = (". ", "! ", "? ", "。", "！", "？")
# a country's flag (two regional-indicator letters) glued after a word's letters ("EUR🇪🇺")
_FLAG_AFTER_LETTERS: Final = regex.compile(r"(?<=[A-Za-z])[\U0001F1E6-\U0001F1FF]{2}")


class RegexParser:
    """Parses with the keyword and symbol tables.

    Options (``[parsers.regex]`` in signalos.toml): ``keywords`` and ``symbols``, lists of TOML files
    merged into the built-in tables; ``providers.NAME.keywords`` / ``providers.NAME.symbols`` for one
    provider only; ``max_chars``; ``doubt`` (default true): a signal that leaves a price-like
    number unread says so in a warning and its confidence drops to 0.5 (``coverage.py``).
    """

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None) -> None:
        options = dict(options or {})
        base = Path(getattr(getattr(host, "config", None), "base_dir", ".") or ".")
        self._files = lambda key, opts: [base / p for p in opts.get(key, [])]
        self.max_chars = int(options.get("max_chars", MAX_CHARS))
        self.doubt = bool(options.get("doubt", True))
        self.lexicon = build_lexicon(self._files("keywords", options), self._files("symbols", options))
        self._provider_options = options.get("providers", {}) or {}
        self._provider_lexicons: dict[str, Lexicon] = {}
        self._global_options = options

    def lexicon_for(self, provider: str | None) -> Lexicon:
        if not provider or provider not in self._provider_options:
            return self.lexicon
        if provider not in self._provider_lexicons:
            opts = self._provider_options[provider]
            self._provider_lexicons[provider] = build_lexicon(
                self._files("keywords", self._global_options) + self._files("keywords", opts),
                self._files("symbols", self._global_options) + self._files("symbols", opts),
            )
        return self._provider_lexicons[provider]

    def parse(self, message: Message | str) -> ParseResult:
        message = Message.coerce(message)
        text = message.text if isinstance(message.text, str) else str(message.text)
        warnings: list[str] = []
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
            warnings.append(f"text longer than {self.max_chars} characters: parsed its beginning only")
        try:
            text = normalize_text(text)
            if "<" in text or "@" in text and ("@everyone" in text or "@here" in text):
                text = _blank_markup(text)  # (tested here: no call on most messages)
            if ("~~" in text or "</" in text) and _STRUCK.search(text) is not None:
                text = _STRUCK.sub(lambda m: " " * len(m.group()), text)  # (same length: spans hold)
            if ":" in text and _EMOJI_NAME.search(text) is not None:
                text = _emoji_from_names(text)
            if not text.isascii() and _FLAG_AFTER_LETTERS.search(text) is not None:
                # "EUR🇪🇺/USD🇺🇸": a flag glued to the currency it decorates is blanked, so the pair reads
                text = _FLAG_AFTER_LETTERS.sub(lambda m: " " * len(m.group()), text)
            return _Reading(text, self.lexicon_for(message.provider), warnings, self.doubt).result()
        except TimeoutError:
            return ParseResult.noise(parser=NAME, confidence=0.0, warnings=(*warnings, "pattern timed out on this text"))
        # Any other exception is a bug: it goes up to the chain, which records it in host.errors
        # (the CLI shows it, the test suite fails on it) and asks the next parser. Answered as
        # noise here, a bug that raised on every message passed the whole test suite.


def _blank_markup(text: str) -> str:
    """``text`` with its chat markup blanked (asked only of a text where some can be)."""
    return _MARKUP.sub(lambda m: " " * len(m.group()), text)


def _emoji_from_names(text: str) -> str:
    """``text`` with each emoji name that names one (``:dart:``) written as its emoji (``🎯``), the
    emoji where the name began and spaces after it: the text keeps its length, so spans still
    point into the original message. A name no emoji has (``:greentick:``, a time ``:30:``) stays."""
    names = _emoji_names()

    def mark(m: regex.Match[str]) -> str:
        emoji = names.get(m.group(1))
        if emoji is None or len(emoji) > len(m.group()):
            return m.group()
        return emoji + " " * (len(m.group()) - len(emoji))

    return _EMOJI_NAME.sub(mark, text)


@functools.cache
def _emoji_names() -> dict[str, str]:
    """Every emoji's names (the Unicode name and the chat apps' aliases, from the ``emoji`` package),
    read once, and only by a process that meets a name between colons (importing takes ~25 ms)."""
    import emoji

    names = {"octagonal_sign": "🛑"}  # Discord's name for 🛑, which the package calls stop_sign
    for mark, data in emoji.EMOJI_DATA.items():
        for name in (data.get("en"), *data.get("alias", ())):
            if name:
                names.setdefault(name.strip(":"), mark.replace("\ufe0f", ""))
    return names


# what a call posted again may say became of it, after its levels
FATES: Final = frozenset({"close", "cancel", "sl_hit", "tp_hit"})
_WORD: Final = regex.compile(r"[^\W\d_]+")
# what a report tells became of a trade: under a recap's headline, a past trade's
_FATES_TOLD: Final = FATES - {"cancel"}
# marks of a target reached, written after its price
HIT_MARKS: Final = frozenset("✅✔☑")
_LEVELS: Final = ("stop_loss", "take_profit")
# an update's price this many times below or above the instrument's range is no price of it
OFF_SCALE: Final = 10.0


def _fitting(updates: list[tuple[Action, int, int]], low: float, high: float) -> list[tuple[Action, int, int]]:
    """The updates with no price an order of magnitude off what the instrument trades at ("Gold
    long took profit 30 dollars", "黄金止盈30美金": money made, not a price of gold): a stop or
    target moved there is no move; any other action keeps its type without the price. (A price
    merely out of the range is kept as written: a report of a channel that named the wrong
    instrument still gives the level.)"""
    kept = []
    for action, start, end in updates:
        if action.price is not None and not low <= action.price <= high:
            if action.type in ("move_sl", "modify_tp"):
                continue
            action = Action._converted(action.type, None, action.percent, action.tp)
        kept.append((action, start, end))
    return kept


def _has_digit(text: str) -> bool:
    """``any(c.isdigit() for c in text)``, without a generator."""
    for c in text:
        if c.isdigit():
            return True
    return False


class _Reading:
    """One message being read and the decision between signal, update and noise."""

    def __init__(self, text: str, lex: Lexicon, warnings: list[str], doubt: bool = True) -> None:
        self.doubt = doubt
        self.text = text
        self.lex = lex
        self.warnings = warnings
        self.lowered = text.lower()
        toks, glued_names = tokenize_marking_glued(text)
        self.toks = toks = mark_keywords(toks, lex, text, self.lowered)
        self.symbols = SymbolFinder(toks, lex, glued_names, has_unspaced(text)).scan()
        self.fields = Fields(text, toks, lex, self.symbols).scan()
        if len(self.fields.entry) > 1 and (self.fields.stop or self.fields.targets):
            self._without_instruction_entries()

    def result(self) -> ParseResult:
        f = self.fields
        text = self.text
        live_dirs = [d for d in f.directions if not d[2]]
        if live_dirs and not (f.entry or f.stop) and all(self._possessed(tok) for _, tok, _ in live_dirs):
            live_dirs = []  # "Hold your gold buys, target 2400": positions already open, no new side
        elif live_dirs and all(self._owned(tok) for _, tok, _ in live_dirs):
            # "Reminder: our silver buy from 29.40 is still active, SL 28.90, TP 29.90": the trade
            # already open, its levels restated; an instruction about it is an update, else none
            updates = find_updates(text, self.lex, self.lowered)
            return self._update(updates, self.symbols.best[1] if self.symbols.best else None) if updates \
                else self._noise(0.7)
        has_levels = bool(f.stop or f.targets or f.stop_pips or f.target_pips)
        symbol = self.symbols.best[1] if self.symbols.best else None
        # a complete call: a side, a stop and targets; or, with no side, every level labelled as such
        complete = bool(f.stop) and bool(f.targets) and (
            bool(live_dirs) or bool(symbol) and bool(f.entry) and {"entry", "stop_loss", "take_profit"} <= f.labelled)
        first_line = text.find("\n", len(text) - len(text.lstrip()))
        first_line = first_line if first_line >= 0 else len(text)
        if complete:
            # a complete signal is only overruled by an update in its headline ("Trailing stop
            # activated") that holds no digit, so the update patterns need to read that line
            # alone, and only when it has no digit; the noise patterns never matter
            head = text[:first_line]
            updates = [] if _has_digit(head) else find_updates(head, self.lex, head.lower())
            noise: set[str] = set()
            if self._recap_call(head, live_dirs, first_line):
                # "Yesterday's signal: Buy gold 2030 SL 2020 TP 2040 ✅"; not when a line below opens
                # a new call ("Previous trade closed +150 pips ✅ / Next: GOLD SELL 2410 ...")
                return self._noise(0.7)
            if self._conditional_call(live_dirs):
                return self._noise(0.8)  # "If gold breaks 2400, buy with SL 2390 and TP 2420": not yet
            if not updates:
                updates, result_told = self._status_after(symbol)
                if updates:
                    # "Gold buy 2380 SL 2370 TP 2400 - CLOSED": the call posted again with its fate
                    return self._update(updates, symbol)
                if result_told:
                    return self._noise(0.7)  # "... TP 2400 / Result: +200 pips ✅": a past call's result
            if not updates and self._targets_reported_hit():
                # "XAUUSD BUY 2380 / TP1 2390 ✅ / TP2 2400 ✅ / SL 2370" or "TP1 2390 hit": the call
                # posted again with the targets it reached checked, a report and no new call
                reports = [u for u in find_updates(text, self.lex, self.lowered) if u[0].type == "tp_hit"]
                if reports:
                    return self._update(reports, symbol)
            if not updates and (not f.entry or "+" in text and self._signed_result(
                    before=min(tok.start for _, tok in (*f.stop[:1], *f.targets[:1])))):
                # "Gold buy update: move SL to 2385 and TP to 2400": with no entry, a stop and
                # targets that are each the price an update moves it to are no new call; nor, with
                # a result told before its levels, the open trade with a level moved ("Silver 29.40
                # buy running +30 pips, TP 29.90, SL moved to 29.30"; a result after them is the
                # call's own instruction's: "..., move SL to 29.40 after +30 pips")
                moves = find_updates(text, self.lex, self.lowered)
                if moves and (self._levels_are_moves(moves) or self._state_before_levels(moves)):
                    return self._update(moves, symbol)
        else:
            lowered = self.lowered
            words = words_of(lowered)  # both pattern sets look up the same words
            updates = find_updates(text, self.lex, lowered, words)
            cues = noise_found(text, self.lex, lowered, words)
            noise = {kind for kind, _, _ in cues}
            if "negation" in noise and live_dirs:
                # a side inside a negation the tables read, where the negator follows the verb
                # ("금 매수 금지", "買いは控えて"; before it, fields read it already): forbidden
                live_dirs = [d for d in live_dirs
                             if not any(kind == "negation" and a <= d[1].start < b for kind, a, b in cues)]
        if symbol and not (complete or f.stop or f.entry or f.stop_pips) and not any(u[0].type == "tp_hit" for u in updates):
            bare = self._bare_target_report()
            if bare is not None:
                updates = [bare, *updates]
        # (most messages state no update: the generators below are not even started then)
        reports = [u for u in updates if u[0].type in ("tp_hit", "sl_hit")] if updates else updates
        headline_update = bool(updates) and any(u[1] < first_line for u in updates) \
            and not _has_digit(text[:first_line])

        if (live_dirs and has_levels and not (reports and not f.stop) and not (updates and self._levels_are_moves(updates))
                and not self._state_before_levels(updates) or complete) and not headline_update:
            if complete or "conditional" not in noise and not self._recap_call(text[:first_line], live_dirs, first_line):
                # ("VIP results this week: GOLD 2380 BUY ✅ 2400": a past call under a recap's headline)
                return self._signal(live_dirs)
        if "question" in noise and not complete:
            return self._noise(0.7)
        if updates and all(u[0].type in _FATES_TOLD for u in updates) and self._recap_headline(text[:first_line]):
            # "VIP signal from yesterday: EURUSD sell 1.0880 ✅ hit TP 1.0830", "Recap: Gold buy 2380
            # closed at 2400 +200 pips": past trades' fates under a recap's headline, a result; a
            # close in the headline itself is none ("Closed my trade on silver at breakeven")
            colon = text.find(":", 0, first_line)
            head_end = colon if colon > 0 else first_line
            if not any(u[0].type == "close" and u[1] < head_end for u in updates):
                return self._noise(0.7)
        if not live_dirs and not f.entry and (f.stop or f.targets) and not f.directions \
                and self._update_headline(text[:first_line]):
            return self._level_update(updates)  # "Update XAUUSD: SL 2388 TP 2405": the open trade's new levels
        # a call with no stop whose target is the one a report says was hit is the report ("our
        # gold buy from 2345 hit TP 2360 ✅"), however much of the call it repeats; so is one whose
        # only target is a signed count of pips beside the report ("Gold buy 2380 ✅ TP1 hit +50
        # pips": the result, not a target)
        if updates and (headline_update or not (live_dirs and has_levels and f.entry)
                        or reports and not f.stop and (self._reported_target(reports)
                                                       or not f.targets and bool(f.target_pips) and self._signed_result())
                        or self._levels_are_moves(updates)):
            if "conditional" in noise and all(u[0].type == "other" for u in updates):
                return self._noise(0.7)
            return self._update(updates, symbol)
        if "conditional" in noise or ("negation" in noise and not live_dirs):
            return self._noise(0.8)
        # a side with a signed result and no stop or target reports a position, prices or none
        # ("sell from 2400 now at 2385, +150 pips floating": where it opened and where it stands)
        if live_dirs and (symbol or f.entry or has_levels) and not noise & {"results", "recap"} \
                and (has_levels or not self._signed_result(unlabelled=True)):
            return self._signal(live_dirs)
        if not live_dirs and symbol and not any(d[2] for d in f.directions) and (
                f.targets and (f.stop or f.entry) or f.entry and f.stop and {"entry", "stop_loss"} <= f.labelled):
            # levels alone make a call when labelled as such: the side follows from them
            return self._signal([])
        if not live_dirs and f.targets and not (f.entry or f.stop or f.stop_pips or noise) and self._only_targets():
            # "Tp 1 151.20 / Tp 2 151.45" alone: the targets of the trade already open are set
            return self._target_update()
        return self._noise(0.8 if noise else 0.6)

    def _without_instruction_entries(self) -> None:
        """"Gold buy 2380 SL 2370 TP 2400 / Close half at 2390", "... / Cancel if price reaches
        2395", "... / Breakeven at 2390": a price on a line after the call's first level, after an
        instruction the update patterns read on that line, is where the instruction applies, no
        entry of the call; on a line before the levels, after a report of the last trade's fate
        ("Closed previous sell at 2390. / Now buy gold 2388 SL 2378 TP 2405"), it is that trade's.
        One entry before the levels stays."""
        f, text = self.fields, self.text
        first_level = min(tok.start for _, tok in (*f.stop[:1], *f.targets[:1]))
        level_line = text.rfind("\n", 0, first_level) + 1
        lines = [text.rfind("\n", 0, tok.start) + 1 for _, tok in f.entry]
        if min(lines) == max(lines) or not any(tok.start < first_level for _, tok in f.entry):
            return  # (most calls: their entries on one line; or all after the levels: "SL 2370 / Entry 2380")
        found: dict[int, list[tuple[Action, int, int]]] = {}  # a line's start -> its updates
        kept = []
        for (value, tok), start in zip(f.entry, lines):
            if start != level_line:
                if start not in found:
                    end = text.find("\n", tok.start)
                    line = text[start:end if end >= 0 else len(text)]
                    updates = find_updates(line, self.lex, line.lower())
                    # (before the levels only a fate: "Re-enter gold buy at 2380" is the call's entry)
                    found[start] = updates if start > level_line else [u for u in updates if u[0].type in FATES]
                if any(u_start < tok.start - start for _, u_start, _ in found[start]):
                    continue  # the instruction's price
            kept.append((value, tok))
        if kept:
            f.entry[:] = kept

    def _possessed(self, tok: Tok) -> bool:
        """Whether side ``tok`` is a plural noun after a possessive or a determiner ("your buys", "our
        gold longs", "наши покупки"; the tables' words): the positions already open, not a side called."""
        if tok.text.lower() not in self.lex.position_nouns:
            return False
        return self._word_before_side(tok)[0] in self.lex.possessives

    def _owned(self, tok: Tok) -> bool:
        """Whether side ``tok`` follows an owner's word ("our", "my", "your"; the tables' ``owners``),
        an instrument between or not, with no colon after it on its line: "our silver buy from
        29.40", "my gold long" name the trade held; "My trade: buy gold" and "Our next buy:"
        call one. A plural side ("my shorts") is ``_possessed``'s: with an entry or a stop a call
        ("Giving my gold shorts another go. Stop 2402 entry 2395")."""
        if tok.text.lower() in self.lex.position_nouns:
            return False
        word, k = self._word_before_side(tok)
        if word not in self.lex.owners:
            return False
        for t in self.toks[k + 1:]:
            if t.kind == "nl":
                break
            if t.kind == "p" and t.text in ":：":
                return False
        return True

    def _word_before_side(self, tok: Tok) -> tuple[str, int]:
        """The word before side ``tok`` in lower case, the instrument's name between passed over
        ("our silver buy": "our"; "" at the start), and the side's index among the tokens."""
        toks = self.toks
        k = toks.index(tok)  # (a Tok equals only itself)
        j = k - 1
        if j >= 0 and j in self.symbols.token_ids:
            j -= 1
        return (toks[j].text.lower() if j >= 0 else ""), k

    def _status_after(self, symbol: str | None) -> tuple[list[tuple[Action, int, int]], bool]:
        """The fate of a complete call written after its last level, in a word or two and nothing
        more ("- CLOSED", "❌ stopped", "CANCELLED", "(closed +150)", "Status: TP hit ✅"): the
        report of that call, with its spans in the text; none for a longer tail (a call's own
        instructions: "close all at TP2"), one that names a part of the position or a number that
        is no signed result ("close rest", "close 50%"), or one after a call whose other targets
        carry words too ("TP1 2390 - close half / TP2 2400 - close": each target's instruction).
        And whether the tail is that call's result alone ("Result: +200 pips ✅")."""
        f, text = self.fields, self.text
        # (each field's values are in text order: its last value ends last)
        last = max(values[-1][1].end for values in (f.entry, f.stop, f.targets) if values)
        if len(text) - last > 40:
            return [], False
        tail = text[last:]
        if "+" in tail or "-" in tail:
            # a signed result told with the fate is no instruction's number (blanked: spans hold)
            tail = _SIGNED_RESULT.sub(lambda m: " " * len(m.group()), tail)
        signed = tail != text[last:]
        words = _WORD.findall(tail)
        lex = self.lex
        if words and (words[0].lower() in lex.status_labels or words[0].lower() in lex.result_labels):
            if signed and len(words) == 1 and words[0].lower() in lex.result_labels:
                return [], True
            words = words[1:]  # "Status: TP hit ✅": the label of the fate
        if not 0 < len(words) <= 2:
            return [], False  # (most calls end on a level or a mark: no word after it to read)
        if any(w.lower() in lex.position_parts or lex.half_pattern.search(w.lower()) for w in words) \
                or _has_digit(tail):
            return [], False  # "TP 2400 - close rest", "close 50%": the call's instruction at its last target
        toks = self.toks
        for _, tok in f.targets[:-1]:
            k = next(j for j, t in enumerate(toks) if t is tok) + 1
            while k < len(toks) and toks[k].kind == "p":
                k += 1
            if k < len(toks) and toks[k].kind == "word" and toks[k].cat is None:
                return [], False  # a word of its own after an earlier target, not the next one's label
        found = find_updates(tail, self.lex, tail.lower())
        if not found or any(a.type not in FATES for a, _, _ in found):
            return [], False
        return [(a, start + last, end + last) for a, start, end in found], False

    def _targets_reported_hit(self) -> bool:
        """Whether what follows a target's price on its line reports it reached: a hit mark (✅ ✔ ☑),
        with no pictograph after the entry's or the stop's price ("TP1 2390 ✅"; marks before the
        labels, after every level, "2380 🔥 SL 2370 ❌ TP 2390 ✅", or on lines of their own are a
        channel's bullets), or a word or two the tables' target-hit patterns read as its report,
        on that line alone ("TP1 2390 hit", "Target 2: 2400 — done", "TP1 2390 достигнут")."""
        f, text = self.fields, self.text
        marked = any(mark in text for mark in HIT_MARKS)  # (three substring searches)
        decorated: bool | None = None  # asked once, of the first target with a mark

        def after(tok: Tok) -> tuple[str, int]:
            line_end = text.find("\n", tok.end)
            line_end = line_end if line_end >= 0 else len(text)
            return text[tok.end:line_end].strip(), line_end

        for _, tok in f.targets:
            if text[tok.end:tok.end + 1] in ("\n", ""):
                continue  # (most targets end their line)
            tail, line_end = after(tok)
            if marked and tail[:1] in HIT_MARKS:
                if decorated is None:  # any pictograph after the entry's or the stop's price ("2370 ❌")
                    decorated = any((mark := after(t)[0][:1]) and unicodedata.category(mark) == "So"
                                    for _, t in (*f.entry, *f.stop))
                if not decorated:
                    return True
                continue
            words = tail.lstrip(" \t-–—:()")
            if not words[:1].isalpha() or len(_WORD.findall(words)) > 2:
                continue  # (no words, or a longer tail: the call's own instruction)
            start = text.rfind("\n", 0, tok.start) + 1
            line = text[start:line_end]
            # the report's words after this target's price, not another target's mark before it
            if any(a.type == "tp_hit" and end > tok.end - start for a, _, end in find_updates(line, self.lex, line.lower())):
                return True
        return False

    def _signed_result(self, unlabelled: bool = False, before: int | None = None) -> bool:
        """Whether a number signed "+" stands in the message ("+80 pips 🔥", "+12%", "+80 пунктов"): a
        side named with a result and no level is a report on a position, in any language. With
        ``unlabelled``, signed numbers right after a stop's or a target's label are levels in
        percent, no result ("TP +5% +10%"). With ``before``, only a number before that offset counts."""
        toks, marks = self.toks, self.lex.emoji_labels
        after_label = False
        for k in range(len(toks) - 1):
            t = toks[k]
            if before is not None and t.start >= before:
                break
            if t.kind == "word" or t.kind == "nl":
                after_label = unlabelled and t.cat == "label" and t.val in _LEVELS
            elif t.kind == "p" and t.text == "+" and toks[k + 1].kind == "num" and toks[k + 1].start == t.end:
                if not after_label:
                    return True
            elif unlabelled and t.kind == "p" and marks.get(t.text.rstrip("\ufe0f")) in _LEVELS \
                    and t.text not in HIT_MARKS:
                after_label = True  # "🎯 +5%" ("✅ +50 pips" reports the result)
        return False

    def _recap_call(self, head: str, live_dirs: list[tuple[str | None, Tok, bool]], first_line: int) -> bool:
        """Whether the call is told as a past one or an example: a recap's headline over it (the
        first line, ``head``) or opening the sentence of its first side ("Lesson of the day: always
        place your SL. Example: buy gold 2380, SL 2370, TP 2400"), and no line below opens a new
        call ("Previous trade closed +150 pips ✅ / Next: GOLD SELL 2410 ...")."""
        if not self._recap_headline(head):
            opening, at_start = self._side_opening(live_dirs)
            if at_start or not opening or not self._recap_headline(opening):
                return False  # (the message's own start is ``head``, read already)
        return _NEW_CALL_LINE.search(self.text, first_line) is None

    def _conditional_call(self, live_dirs: list[tuple[str | None, Tok, bool]]) -> bool:
        """Whether a condition opens the sentence of the call's first side, its first word a word of
        condition ("If gold breaks 2400, buy with SL 2390 and TP 2420", "Si el precio rompe 2400,
        compra ...": the tables' ``[words] conditions``): a call that waits for what has not
        happened is none. Not a condition on the reader ("If you missed it: GOLD BUY ..."), one after
        the call ("... If price drops to 2375 add more": its own instruction), one in a sentence
        before the levels' own ("Se o ouro romper 2400, compramos. Ouro compra 2380 SL 2370 TP
        2400"), nor a price waited for ("Gold: wait for 2375 then buy, SL ...": its entry). A
        condition ending the line above a side that opens its line opens that side's sentence too."""
        opening = self._side_opening(live_dirs)[0]
        if not opening and live_dirs:
            # the side opening its line under a condition that ends the line above ("If price
            # breaks 2400:" / "BUY GOLD" / "SL 2390" / "TP 2420")
            line_start = self.text.rfind("\n", 0, live_dirs[0][1].start)
            above = self.text[self.text.rfind("\n", 0, max(line_start, 0)) + 1:max(line_start, 0)].strip()
            opening = above if above.endswith((":", ",")) else ""
        words = _WORDS.findall(opening.lower(), 0, 40)[:2]
        if not words or words[0] not in self.lex.conditions or words[1:] and words[1] in self.lex.readers:
            return False  # (no condition, or one on the reader: "If you missed it: GOLD BUY ...")
        f = self.fields
        side = live_dirs[0][1].end
        first_level = min(tok.start for _, tok in (*f.stop[:1], *f.targets[:1]))
        return not any(end in self.text[side:first_level] for end in _SENTENCE_ENDS)

    def _side_opening(self, live_dirs: list[tuple[str | None, Tok, bool]]) -> tuple[str, bool]:
        """The words before the call's first side in its sentence (from its line's start or the last
        sentence end before it on that line), stripped, "" when the side opens it; and whether that
        sentence opens the message."""
        side = live_dirs[0][1].start if live_dirs else 0
        line_start = self.text.rfind("\n", 0, side) + 1
        before = self.text[line_start:side]
        if not before or before.isspace():
            return "", False  # (most calls: the side opens its line)
        start = max(before.rfind(end) for end in _SENTENCE_ENDS) + 1
        return before[start:].strip(), start == 0 and not self.text[:line_start].strip()

    def _recap_headline(self, head: str) -> bool:
        """Whether the headline (the first line, up to its first colon) says the message reports
        past calls: the tables' ``recap`` noise, read there alone."""
        recap = self.lex.recap
        if recap is None:
            return False
        colon = head.find(":")
        head = head[:colon] if colon > 0 else head
        # channels repeat their headlines ("TP1 HIT ✅", "GOLD UPDATE"): the answer is remembered
        # per lexicon (bounded; the same head always gets the same answer)
        seen = self.lex.recap_heads
        found = seen.get(head)
        if found is None:
            if len(seen) > 20_000:
                seen.clear()
            seen[head] = found = bool(recap.matches(head, head.lower(), timeout=PATTERN_TIMEOUT))
        return found

    def _levels_are_moves(self, updates: list[tuple[Action, int, int]]) -> bool:
        """Whether every level read is the price an update moves a stop or a target to, or the
        price a report says was hit, with no entry: "EURUSD buy: move SL to 1.0820" and "BTC long:
        SL hit at 41000" name their trade's side, and are no new call."""
        f = self.fields
        if f.stop_pips or f.target_pips or f.entry and not self._signed_result():
            # (an entry with a result beside it is the open trade's: "GBPUSD buy 1.2700 running +40
            # pips, move SL to 1.2710")
            return False
        moved = {a.price for a, _, _ in updates if a.type in ("move_sl", "modify_tp", "sl_hit", "tp_hit") and a.price is not None}
        levels = (*f.stop, *f.targets)
        if not moved or all(v in moved for v, _ in levels):
            return bool(moved)
        # the open trade's, its result told before its levels: a level it moves, the others
        # restated ("Silver 29.40 buy running +30 pips, TP 29.90, SL moved to 29.30")
        return bool(f.entry) and any(v in moved for v, _ in levels) \
            and self._signed_result(before=min(tok.start for _, tok in levels))

    def _state_before_levels(self, updates: list[tuple[Action, int, int]]) -> bool:
        """Whether, with no entry, the updates are all states of the open trade ("other": held,
        filled, activated) told before the first level: "Silver long, hold for now, stop stays at
        28.90" and "Sell stop triggered, SL 0.6630, TP 0.6560" tell that trade and repeat its
        levels, no new call; a state told after the levels ("Buy gold now, SL 2370, TP 2400,
        hold until TP") is the call's own instruction."""
        f = self.fields
        if not updates or f.entry or any(a.type != "other" for a, _, _ in updates):
            return False
        first_level = min((tok.start for _, tok in (*f.stop[:1], *f.targets[:1])), default=len(self.text))
        return all(start < first_level for _, start, _ in updates)

    def _bare_target_report(self) -> tuple[Action, int, int] | None:
        """"FLOKI TP1", "#SOL TP 3 🔥", "BTC/USDT TP2, ...": the symbol opening the message, then a
        target's label and its index and nothing else on the line but marks (or a comma and the
        rest): that target reported hit."""
        best = self.symbols.best  # its span in the text
        toks = self.toks
        if best is None:
            return None
        k = 0
        while k < len(toks) and toks[k].start < best[3]:
            if toks[k].end <= best[2] and toks[k].kind != "p":
                return None  # a word before the symbol
            k += 1
        if k >= len(toks) or toks[k].cat != "label" or toks[k].val != "take_profit":
            return None
        label = toks[k]
        k += 1
        while k < len(toks) and toks[k].kind == "p" and toks[k].text == "#":
            k += 1
        if k >= len(toks) or toks[k].kind != "num" or not toks[k].text.isdigit() or not 0 < int(toks[k].text) <= 20:
            return None
        index = toks[k]
        for t in toks[k + 1:]:
            if t.kind == "nl" or t.kind == "p" and t.text in ",，":
                break
            if t.kind != "p":
                return None
        if any(tok is not index for _, tok in self.fields.targets):
            return None  # "GOLD TP1\n2350": the target's price, set
        return Action._converted("tp_hit", None, None, int(index.text)), label.start, index.end

    def _reported_target(self, reports: list[tuple[Action, int, int]]) -> bool:
        """Whether a target's price stands in a hit report or right after it ("hit TP 2360")."""
        return any(self._names_price(start, end, tok) for _, start, end in reports for _, tok in self.fields.targets)

    def _names_price(self, start: int, end: int, tok: Tok) -> bool:
        """Whether the price ``tok`` stands inside the phrase at ``start:end`` or right after it
        ("hit TP 2360", "reached our first target at 4046"): the phrase's price."""
        return start <= tok.start and (tok.start < end or _JOINS_A_PRICE.fullmatch(self.text, end, tok.start) is not None)

    def _only_targets(self) -> bool:
        """Whether the message is a list of prices under target labels, with little else: no
        small integer among them (an index: "TP 2 about to hit") and hardly any prose, none of
        its labels a verb of aiming ("Looking for 29.40 on silver today": a view, no target set)."""
        targets = self.fields.targets
        if any(v <= 20 and "." not in t.text and "," not in t.text for v, t in targets):
            return False
        aims = self.lex.aims
        if any(t.cat == "label" and phrase_key(t.text) in aims for t in self.toks):
            return False
        prose = sum(1 for t in self.toks if t.kind == "word" and t.cat is None and len(t.text) >= 3)
        return prose <= 2 * len(targets)

    def _update_headline(self, head: str) -> bool:
        """Whether the first line says it changes a trade ("Update XAUUSD:", "GOLD - levels adjusted")."""
        if len(head) > MAX_HEADLINE:
            return False
        low = head.lower()
        # a word of a script written without spaces is found inside the line ("黄金更新")
        return not self.lex.update_words.isdisjoint(_WORDS.findall(low)) \
            or any(w in low for w in self.lex.unspaced_update_words)

    def _level_update(self, found: list[tuple[Action, int, int]]) -> ParseResult:
        """The stop moved to its price and each target set to its own, for a message of levels
        under an update headline, with the updates the patterns found (a level one of them
        already prices is not said twice)."""
        f = self.fields
        priced = {a.price for a, _, _ in found if a.price is not None}
        # a level inside a found phrase ("1st target @ 1263.01 hit") or right after it is that
        # phrase's, not a new level
        priced.update(v for v, tok in (*f.stop, *f.targets) if any(self._names_price(a, b, tok) for _, a, b in found))
        updates = list(found)
        updates += [(Action._converted("move_sl", value, None, None), tok.start, tok.end)
                    for value, tok in f.stop[:1] if value not in priced]
        updates += [(Action._converted("modify_tp", value, None, self._index_of_label_before(tok)), tok.start, tok.end)
                    for value, tok in f.targets if value not in priced]
        updates.sort(key=lambda u: u[1])
        symbol = self.symbols.best[1] if self.symbols.best else None
        return self._update(updates, symbol)

    def _target_update(self) -> ParseResult:
        """modify_tp for each target of a message that is only a list of targets, its index read
        from the label of its line ("Tp 2 151.45" → tp 2)."""
        updates = [(Action._converted("modify_tp", value, None, self._index_of_label_before(tok)), tok.start, tok.end)
                   for value, tok in self.fields.targets]
        symbol = self.symbols.best[1] if self.symbols.best else None
        return self._update(updates, symbol)

    def _index_of_label_before(self, value: Tok) -> int | None:
        """The index after the target label nearest before ``value`` on its line, of the labels the
        fields read (every language's, and a slip such as "To 4" in a list of "Tp" lines), if any."""
        toks = self.toks
        k = toks.index(value)
        for j in range(k - 1, -1, -1):
            t = toks[j]
            if t.kind == "nl":
                break
            if t.cat == "label" and t.val == "take_profit" and j + 1 < k and toks[j + 1].kind == "num" \
                    and toks[j + 1].text.isdigit() and int(toks[j + 1].text) <= MAX_TARGET_INDEX:
                return int(toks[j + 1].text)  # ("targets 2050 and 2060": 2050 is a price, no index)
        return None

    def _signal(self, live_dirs: list[tuple[str | None, Tok, bool]]) -> ParseResult:
        f = self.fields
        if f.multi:  # (said of a signal only: a recap of several trades is no call)
            self.warnings.append("message holds several signals: the first one is returned")
        spans: dict[str, tuple[tuple[int, int], ...]] = {}
        entry = [v for v, _ in f.entry]
        stop = f.stop[0][0] if f.stop else None
        targets = [v for v, _ in f.targets]
        direction = live_dirs[0][0] if live_dirs else None
        if live_dirs:
            spans["direction"] = ((live_dirs[0][1].start, live_dirs[0][1].end),)
        else:
            direction = infer_direction(entry, stop, targets)
            if direction:
                self.warnings.append("direction inferred from the levels")
        if len({d[0] for d in live_dirs}) > 1:
            # two directions that disagree: the levels decide, and the reader is told
            implied = infer_direction(entry, stop, targets)
            direction = implied or direction
            self.warnings.append("message names both directions")
        order_type = None
        if f.order_types:
            kinds = {o[0] for o in f.order_types}
            order_type = "stop" if "stop" in kinds else "limit" if "limit" in kinds else "market"
            tok = next(t for k, t in f.order_types if k == order_type)
            spans["order_type"] = ((tok.start, tok.end),)
        if self.symbols.best:
            spans["symbol"] = ((self.symbols.best[2], self.symbols.best[3]),)
        for name, values in (("entry", f.entry), ("stop_loss", f.stop[:1]), ("take_profits", f.targets),
                             ("leverage", f.leverage)):
            if values:
                spans[name] = tuple((t.start, t.end) for _, t in values)
        leverage = max((v for v, _ in f.leverage), default=None)
        # (not in a message of several calls: a price of a later call is none of the first's)
        entry_missing = not entry and stop is not None and bool(targets) and direction is not None and not f.multi
        used = {a for field in spans.values() for a, _ in field}
        # (the prices of a second call after the first are no doubt about the first)
        unread = unread_prices(self.text, self.toks if not f.multi else [t for t in self.toks if t.start < f.read_to],
                               [*entry, *targets, *([stop] if stop is not None else [])],
                               used) if self.doubt or entry_missing else []
        if entry_missing and len(unread) == 1 and stop is not None:
            # "Buy gold if it breaks 2380, SL 2370, TP 2400", "wait for 2375 then buy": the one price
            # no field took, between the stop and the targets on the side's way, is the entry
            value, tok = unread[0]
            if direction == "buy" and stop < value < min(targets) or direction == "sell" and max(targets) < value < stop:
                entry, unread = [value], []
                spans["entry"] = ((tok.start, tok.end),)
        if unread and f.sizes:
            # a number after a size's or a ratio's label was read, as no price: no doubt ("Lot size 1.25")
            sizes = {t.start for t in f.sizes}
            unread = [(v, t) for v, t in unread if t.start not in sizes]
        if unread and self.doubt:
            self.warnings.append(f"price-like numbers not read: {', '.join(t.text for _, t in unread)}")
        confidence = 0.35 + 0.2 * bool(self.symbols.best) + 0.2 * bool(live_dirs) + 0.1 * bool(f.stop or f.stop_pips) \
            + 0.1 * bool(f.targets or f.target_pips) + 0.05 * bool(entry or order_type == "market") \
            - 0.1 * (not live_dirs) - 0.1 * f.multi
        # the values are floats already: the result is built without running its converters
        return ParseResult._converted(
            "signal", self.symbols.best[1] if self.symbols.best else None, direction, order_type,
            tuple(sorted(entry)), stop, tuple(targets), leverage,
            f.stop_pips[0][0] if f.stop_pips and stop is None else None,
            tuple([v for v, _ in f.target_pips]) if not targets else (), (),
            NAME, round(min(confidence, 0.98, UNSURE if unread else 1.0), 4), spans, tuple(self.warnings),
        )

    def _update(self, updates: list[tuple[Action, int, int]], symbol: str | None) -> ParseResult:
        magnitude = self.lex.symbols.magnitude(symbol) if symbol else None
        if magnitude is not None:
            low, high = magnitude[0] / OFF_SCALE, magnitude[1] * OFF_SCALE
            if any(u[0].price is not None and not low <= u[0].price <= high for u in updates):
                updates = _fitting(updates, low, high)
            if not updates:
                return self._noise(0.6)
        if len(updates) > 1 and any(u[0].type == "sl_hit" for u in updates):
            # "trade closed, reason: stop": the stop closed it, one event and not two
            updates = [u for u in updates if not (u[0].type == "close" and u[0].price is None)]
        spans: dict[str, tuple[tuple[int, int], ...]] = {"actions": tuple((a, b) for _, a, b in updates)}
        if self.symbols.best:
            spans["symbol"] = ((self.symbols.best[2], self.symbols.best[3]),)
        return ParseResult._converted("update", symbol, None, None, (), None, (), None, None, (),
                                      tuple([u[0] for u in updates]), NAME, 0.85 if symbol else 0.8, spans,
                                      tuple(self.warnings))

    def _noise(self, confidence: float) -> ParseResult:
        return ParseResult._converted("noise", None, None, None, (), None, (), None, None, (), (), NAME, confidence,
                                      {}, tuple(self.warnings))
