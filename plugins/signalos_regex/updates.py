"""Updates (management of an open trade) and noise cues, from the pattern tables."""
from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Final

import regex

from signalos.models import Action
from signalos.normalize import parse_number

from signalos_regex.fields import TIME_UNITS
from signalos_regex.lexicon import Lexicon

# Seconds per pattern pass. A safety net against a user pattern that backtracks badly, set far
# above what any pattern costs on a 4,096-character text so a busy machine never changes answers.
PATTERN_TIMEOUT: Final = 1.0
# a whole number, not a share or a count of pips after it: what may end a price
_PRICE_END: Final = r"(?!\s*(?:%|pips?\b|points?\b|pts\b)|\d|[.,]\d)"
# a price after an instruction; "+30 pips", "+30 Pips" and "+30" are a result, not a price
_PRICE_AFTER: Final = regex.compile(r"(?<![\w.+])(\d+(?:[.,]\d+)?)" + _PRICE_END, regex.IGNORECASE)
# a number glued after a letter is none, but right after the phrase, behind one character of a
# script written without spaces, it is its price: "平仓于2395" ("目前105500" further on is not)
_PRICE_GLUED: Final = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]?(\d+(?:[.,]\d+)?)" + _PRICE_END,
                                    regex.IGNORECASE)
_TP_LABEL_END: Final = regex.compile(r"(?:\btp|\btarget|тейк)\s*#?$", regex.IGNORECASE)
# targets listed before the one a report says was hit, up to it: "TP1 + TP2 hit", "TP1, TP2 & TP3 done",
# "TP1 TP2 TP3 DONE"
_LISTED_BEFORE: Final = regex.compile(r"(?:(?:\btp|\btarget)\s*#?\s*\d{1,2}\s*(?:\+|&|,|/|\band\b)?\s*)+\Z", regex.IGNORECASE)
# targets listed after the one a report's verb names: "hit TP1 and TP2", "reached TP1, TP2 & TP3"
_LISTED_AFTER: Final = regex.compile(r"(?:\s*(?:\+|&|,|/|\band\b)\s*(?:tp|target)\s*#?\s*\d{1,2}\b)+", regex.IGNORECASE)
# "close 1/2": a fraction of the position, as a percent
_FRACTION: Final = regex.compile(r"(?<![\d/])([1-3])/([2-4])(?![\d/])")
# the word right before an instruction, which may take it back ("don't close yet": hold)
_WORD_BEFORE: Final = regex.compile(r"(\S+)\s+$")
# the word two before, with one word of letters between in the same clause
_TWO_WORDS_BEFORE: Final = regex.compile(r"(?<!\S)(\S+)\s+[^\W\d_]+\s+$")
NEGATABLE: Final = frozenset({"close", "close_partial", "cancel", "breakeven", "move_sl", "modify_tp"})
_PRICE_IN: Final = regex.compile(r"[:=@]\s*(\d+(?:[.,]\d+)?)")
# "TP1 2390 ✅", "TP1 (2390) hit", "TP1 at 2390 reached": the price right after a target's index, in
# its hit report (not "+50", "50 pips", "100%")
_INDEX_PRICE: Final = regex.compile(r"(?:\btp|\btarget)\s*#?\s*\d{1,2}(?:\s+at\s+|\s*\(\s*|\s+)(\d+(?:[.,]\d+)?)" + _PRICE_END,
                                    regex.IGNORECASE)
# a breakeven phrase that names the stop ("SL to BE", "стоп в б/у"): a move of it, never the
# price of a close before it
# what may stand between a close and the breakeven it closes at: no sentence ends there
_SAME_CLAUSE: Final = regex.compile(r"[^.!?;\n]{0,30}")
_TP_INDEX: Final = regex.compile(r"(?:tp|target|тейк)\s*#?\s*(\d{1,2})\b(?![.,]\d\d)", regex.IGNORECASE)  # (not "TP 1.0850"; "TP 1,2,3" lists)
# "50%", and "%50" as Turkish writes it
_PERCENT: Final = regex.compile(r"(\d+(?:\.\d+)?)\s*%|%\s*(\d+(?:\.\d+)?)")
_AT_PRICE: Final = regex.compile(r"\s*(?:at|@|:|=|\()\s*(\d+(?:[.,]\d+)?)(?![\d%])")
_CLAUSE_END: Final = regex.compile(r"[,;](?=\s)")
_TAIL_WORDS: Final = regex.compile(r"[^\W\d_]+")
# a report that opens with the level's label (a word or two) and its price ("SL 2372 hit", "Zarar kes
# 2372 oldu", "止损2372触发"): a price of three digits or more, or with a decimal part, no count of pips
_LEVEL_PRICE: Final = regex.compile(r"[^\W\d_]+(?:[\s-]+[^\W\d_]+)?\s*[:=@-]?\s*(\d{3,}(?:[.,]\d+)?|\d+[.,]\d+)(?![\d.,])"
                                   r"(?!\s*(?:pips?|points?|pts|%))", regex.IGNORECASE)
PRICED: Final = frozenset({"move_sl", "modify_tp", "breakeven", "sl_hit", "other", "close"})


def find_updates(text: str, lex: Lexicon, lowered: str | None = None,
                 words: AbstractSet[str] | None = None) -> list[tuple[Action, int, int]]:
    """Every management action the text states, in the order written, with its span; ``words``:
    see ``PatternSet.matches``."""
    if lex.updates is None:
        return []
    found: list[tuple[Action, int, int]] = []
    matched = lex.updates.matches(text, lowered, timeout=PATTERN_TIMEOUT, words=words)
    for k, (_, typ, m) in enumerate(matched):
        if typ in NEGATABLE and _negated_before(text, m.start(), lex.negators):
            continue  # "don't close yet", "do not cancel", "не закрывайте": the instruction taken back
        if (typ == "tp_hit" or typ == "sl_hit") and (_negated_before(text, m.start(), lex.near_miss)
                                                     or _near_miss_two_before(text, m.start(), lex.near_miss_words)):
            # "Gold almost hit our SL", "Ainda não bateu o alvo 1": a level missed, none hit; so
            # with the verb between ("Почти взяли первый тейк": almost took the first target)
            continue
        phrase = text[m.start():m.end()]
        line_end = text.find("\n", m.end())
        tail = text[m.end(): line_end if line_end >= 0 else len(text)][:40]
        if typ == "close" and _closes_a_period(tail, lex.periods):
            continue  # "We closed the week with +300 pips", "Закрыли неделю в плюс": a result
        price: float | None = None
        percent: float | None = None
        tp: int | None = None
        groups = m.groupdict()
        n = groups.get("n")
        if n:
            tp = int(n)
        elif groups.get("ord") in lex.ordinals:
            tp = lex.ordinals[groups["ord"]]
        if typ in PRICED:
            # a price after the next instruction is that one's ("Close silver at market and
            # re-enter at 29.20": no close at 29.20)
            own = tail[:max(0, matched[k + 1][2].start() - m.end())] if k + 1 < len(matched) else tail
            if typ == "other":
                # "Keep holding, move SL to 2378": a hold's price is in its own clause, not the next instruction's
                own = _CLAUSE_END.split(own, 1)[0]
            num = _PRICE_AFTER.search(own) or _PRICE_GLUED.match(own)
            if num is None and typ == "close" and lex.postpositions:
                # "2395'te kapattık", "2395で決済": the price before its postposition, before the verb
                num = lex.price_before_pattern.search(text, max(text.rfind("\n", 0, m.start()) + 1,
                                                                m.start() - 24), m.start())
            if num is not None and typ == "move_sl" and num.start() == 0 and _TP_LABEL_END.search(phrase):
                num = None  # "move SL to TP1": to a target's price, which the message does not give
            if num is not None and (_counts_unit(own, num.end(), lex.pips_words)
                                    or _counts_unit(own, num.end(), TIME_UNITS)):
                # "با سود 40 پیپ", "+40 пунктов": a count of pips in any language, no price; nor
                # a time ("Silver touched entry within 45 minutes of the open")
                num = None
            if num is not None:
                price = parse_number(num.group(1))
                # "close it 2 times", "TP 3": small integers are rarely a price
                if price is not None and price <= 20 and "." not in num.group(1) and typ != "move_sl":
                    price = None
                if price is not None and price <= 0:
                    price = None  # "stopped out 0.0": zero is never a level
        if typ == "tp_hit":
            if tp is None:
                idx = _TP_INDEX.search(phrase)
                tp = int(idx.group(1)) if idx else None
            num = _PRICE_IN.search(phrase) or _INDEX_PRICE.search(phrase) or _AT_PRICE.match(tail)
            price = parse_number(num.group(1)) if num else None
            if price is not None and price <= 0:
                price = None
        if (typ == "sl_hit" or typ == "tp_hit") and price is None:
            named = _LEVEL_PRICE.match(phrase)
            if named is not None:
                price = parse_number(named.group(1))  # "SL 2372 hit", "Alvo 2385 atingido": the level's price
        if typ in ("close_partial", "modify_tp"):
            pct = _PERCENT.search(phrase + tail[:20])
            fraction = _FRACTION.search(phrase) if not pct else None
            if pct:
                percent = float(pct.group(1) or pct.group(2))
            elif fraction and int(fraction.group(1)) < int(fraction.group(2)):
                percent = round(100 * int(fraction.group(1)) / int(fraction.group(2)), 2)
            elif lex.half_pattern.search(phrase + tail[:20]):
                percent = 50.0
            idx = _TP_INDEX.search(phrase)
            if idx:
                tp = int(idx.group(1))
        if typ == "tp_hit" and tp is not None:
            # "TP1 + TP2 hit", "TP1, TP2 & TP3 done": the targets listed before the one hit
            _add_listed(text, _LISTED_BEFORE.search(text, text.rfind("\n", 0, m.start()) + 1, m.start()), found)
        action = Action._converted(typ, price, percent, tp)  # a type of UPDATE_ORDER, floats: as converted
        if any(a == action for a, _, _ in found):
            continue  # "breakeven now, the trade is risk free" says breakeven once
        found.append((action, m.start(), m.end()))
        if typ == "tp_hit" and tp is not None and not _TP_INDEX.match(m.group()):
            # "hit TP1 and TP2": the targets listed after the one the verb names
            _add_listed(text, _LISTED_AFTER.match(text, m.end()), found)
    if len(found) > 1:
        found = _without_breakeven_of_a_close(text, found, lex)
    return found


def _counts_unit(tail: str, end: int, units: frozenset[str]) -> bool:
    """Whether the number ending at ``end`` of ``tail`` is followed by one of ``units``: a word for
    pips of the tables' languages (_PRICE_END knows the English ones only), or one of time."""
    word = _TAIL_WORDS.match(tail, end + len(tail[end:]) - len(tail[end:].lstrip()))
    return word is not None and word.group().lower() in units


def _closes_a_period(tail: str, periods: frozenset[str]) -> bool:
    """Whether the words after a close name a span of trading time as what was closed: the first
    word, past up to two short ones ("the", "la", "out")."""
    for k, word in enumerate(_TAIL_WORDS.findall(tail.lower(), 0, 30)):
        if word in periods:
            return True
        if k == 2 or len(word) > 3:
            return False
    return False


def _add_listed(text: str, chain: regex.Match[str] | None, found: list[tuple[Action, int, int]]) -> None:
    """Each target a list of them (``chain``, beside a target-hit report) names, reported hit once."""
    for each in _TP_INDEX.finditer(text, chain.start(), chain.end()) if chain else ():
        listed = Action._converted("tp_hit", None, None, int(each.group(1)))
        if not any(a == listed for a, _, _ in found):
            found.append((listed, each.start(), each.end()))


def _without_breakeven_of_a_close(text: str, found: list[tuple[Action, int, int]],
                                  lex: Lexicon) -> list[tuple[Action, int, int]]:
    """"Closed at breakeven", "Закрыл в безубыток": breakeven right after a close, in its clause,
    is the price the trade was closed at, not a stop moved; one whose words from the close on name
    the stop, in any language of the tables ("closed half, SL to BE", "已平仓, 止损移至保本"), is a
    move of its own."""
    closes = [end for a, _, end in found if a.type == "close"]
    if not closes:
        return found
    kept = []
    for entry in found:
        action, start, end = entry
        if action.type == "breakeven" and any(
                c <= start and _SAME_CLAUSE.fullmatch(text, c, start)
                and not lex.names(text[c:end], "label", "stop_loss") for c in closes):
            continue
        kept.append(entry)
    return kept


def noise_cues(text: str, lex: Lexicon, lowered: str | None = None, words: AbstractSet[str] | None = None) -> set[str]:
    """Which kinds of noise the text shows: negation, conditional, results, ads, question."""
    return {value for value, _, _ in noise_found(text, lex, lowered, words)}


def noise_found(text: str, lex: Lexicon, lowered: str | None = None,
                words: AbstractSet[str] | None = None) -> list[tuple[str, int, int]]:
    """Each noise cue the text shows, ``(kind, start, end)`` in text order."""
    if lex.noise is None:
        return []
    return [(value, m.start(), m.end())
            for _, value, m in lex.noise.matches(text, lowered, timeout=PATTERN_TIMEOUT, words=words)]


def _near_miss_two_before(text: str, start: int, near_miss: frozenset[str]) -> bool:
    """Whether the word two before ``start`` is a word of a near miss, with one word of letters
    alone between ("Почти взяли первый тейк"; not "Almost there! TP1 hit": a clause ends)."""
    before = _TWO_WORDS_BEFORE.search(text, max(0, start - 40), start)
    return before is not None and before.group(1).lower() in near_miss


def _negated_before(text: str, start: int, negators: frozenset[str]) -> bool:
    """Whether the word right before ``start`` is a negator of the tables' languages (the
    lexicon's list, which ``fields._negated`` reads for a side too) or ends in "n't"."""
    before = _WORD_BEFORE.search(text, max(0, start - 24), start)
    if before is None:
        return False
    low = before.group(1).lower()
    return low in negators or low.endswith("n't") or low.endswith("n’t")
