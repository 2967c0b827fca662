"""Sets of ``re:`` patterns, tried only on messages that contain one of their words.

A combined alternation of a hundred phrase patterns costs ~150 µs on a short message, most of it
spent trying alternatives that cannot match. Each pattern here is compiled alone and indexed by
the words written in its source (``clos(?:e|ing)`` → "clos"); a message runs only the patterns
one of whose words starts one of its own words. A pattern with no such word always runs.

Patterns of the package's own tables (``vetted``) go further: the literal strings every match
must contain are read from the pattern (``\\b(?:sl|stop)\\s+to\\s+be`` needs "sl" or "stop", "to"
and "be"), and a pattern whose strings are missing from the text is not run at all. They also run
without the timeout, which costs more than most searches: ``benchmarks/hostile.py`` holds them to
a few milliseconds on any text. Patterns from a user's files keep the timeout.
"""
from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Collection, Iterator, Set as AbstractSet
from importlib import resources
from typing import Any, Final

import regex

from signalos.normalize import MARKS, UNSPACED

# Why a private module: reading which literal strings every match must contain needs a pattern's
# parse tree, and neither ``re`` nor the ``regex`` module has a public API that gives one (``regex``
# keeps its parser in ``regex._regex_core``, private too and less stable). The standard library's
# parser has been ``re._parser`` since Python 3.11 (``sre_parse`` before, still an alias with a
# warning). It reads patterns as ``re`` does, and the patterns run on ``regex``: where the two
# could read a pattern differently (``regex``-only syntax, inline flags, sets ``re`` warns about),
# ``required_strings`` says nothing and the pattern always runs. What it returns is pinned against
# ``regex``'s own matching by tests/test_regex_speed_paths.py (``test_required_strings_hold_for_
# every_regex_match``, ``test_skipped_patterns_would_not_have_matched``); without the module, no
# pattern is skipped for its strings and the answers are the same, only slower.
try:  # the standard library's own pattern parser: private, but there since Python 3.11
    import re._constants as sre  # type: ignore[import-not-found]
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - without it no pattern is skipped for its strings
    sre = sre_parse = None

# A word of a pattern's source or of a text: letters with the combining marks that belong to them
# (Thai and Devanagari vowel signs are not \w to the standard library).
# (one character of an unspaced script is a word of its own: "(?:別|不要)進" must be found by 別)
_LITERAL: Final = re.compile(rf"(?<!\\)(?<!\\[pPN]\{{)(?<!\(\?P<)(?:[^\W\d_](?:[^\W\d_]|[{MARKS}])+|[{UNSPACED}])")
_WORDS: Final = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{MARKS}])*")
_UNSPACED: Final = re.compile(f"[{UNSPACED}]")
# A letter or mark of a script other than Latin (Greek, Cyrillic, Hebrew, Arabic, the Indic
# scripts, Thai, Georgian, Hangul, kana, CJK...), not a symbol or an emoji; a plain character
# class, which the standard library scans fast
_OTHER_LETTERS: Final = re.compile("[\u0370-\u1fff\u3040-\u9fff\ua000-\ud7ff\uf900-\ufaff\uff66-\uffdc]")
_PLAIN_WORDS: Final = re.compile(r"[^\W\d_]+")
_ASCII_NOT_LETTERS: Final = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalpha()})
_HAS_MARK: Final = re.compile(f"[{MARKS}]")
_SPECIAL: Final = re.compile(f"[{MARKS}{UNSPACED}]")
# either of the two above, in one scan: a text of Latin letters and emoji holds neither
_SPECIAL_OR_OTHER: Final = re.compile(f"[{MARKS}{UNSPACED}" + _OTHER_LETTERS.pattern[1:])
# The first two letters of every word of every pattern set's sources (``words_of`` offers the
# tail of a glued run only from where one of them starts); sets add theirs when built.
_LITERAL_STARTS: Final[set[str]] = set()
_NOT_A_QUANTIFIER: Final = re.compile(r"(?<!\\)\{(?!\d*,?\d*\})")
MAX_PREFIX: Final = 12
MAX_FEW_KEYS: Final = 40  # the "re:" labels hold 33 keys; 40 substring scans cost no more than splitting a text into words
MAX_SET_CLAUSE: Final = 8  # a set of at most this many characters is a clause of its own
MAX_NEEDS: Final = 3  # clauses of needed strings kept per pattern, the most selective first
_REPEATS: Final[tuple[Any, ...]] = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) if sre else ()


def _group_end(source: str, start: int) -> int | None:
    """The index just past the ``)`` that closes the group opened at ``start``; None when unclosed."""
    depth, i, n, in_set = 0, start, len(source), False
    while i < n:
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_set:
            in_set = ch != "]"
        elif ch == "[":
            in_set = True
            i += 2 if source.startswith("^]", i + 1) else 1 if source.startswith(("^", "]"), i + 1) else 0  # "[]x]", "[^]x]"
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _without_negative_lookarounds(source: str) -> str:
    """``source`` with its ``(?!...)`` and ``(?<!...)`` groups blanked: the words in them are what a
    match must not hold, so they cannot choose the messages the pattern runs on."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        if source.startswith("(?!", i) or source.startswith("(?<!", i):
            out.append(" ")
            i = _group_end(source, i) or n
            continue
        out.append(source[i])
        i += 1
    return "".join(out)


# A target's rank, captured by a table pattern's ``n`` group, is never the first digits of a
# price: after the group, no digit and no decimal part ("TP 2385 ✅" is no target 23, "TP 1.0850
# hit" no target 1; a list of ranks, "TP 1,2,3", keeps its first). Added to every table's
# patterns, users' too, so no table has to write it (``guard_ranks``).
_RANK_GROUP: Final = "(?P<n>"
RANK_GUARD: Final = r"(?!\d|[.,]\d\d)"


def guard_ranks(source: str) -> str:
    """``source`` with ``RANK_GUARD`` after each ``(?P<n>...)`` group that lacks it."""
    if _RANK_GROUP not in source:
        return source  # (most patterns)
    out: list[str] = []
    pos = 0
    while (k := source.find(_RANK_GROUP, pos)) >= 0:
        end = _group_end(source, k)
        if end is None:
            break  # unbalanced: compiling the pattern says what is wrong
        out.append(source[pos:end])
        if not source.startswith(RANK_GUARD, end):
            out.append(RANK_GUARD)
        pos = end
    out.append(source[pos:])
    return "".join(out)


def table_source(entry: str) -> str:
    """The regular expression of a table entry: an ``re:`` entry's pattern with its ranks guarded,
    any other entry matched as written."""
    return guard_ranks(entry[3:]) if entry.startswith("re:") else regex.escape(entry)


def pattern_words(source: str) -> frozenset[str]:
    """The words a pattern is indexed under when nothing narrows them (``_literals``)."""
    return _literals(source)


# a character set ("[oô]", "[损損]", "[\x27’]") with the letters glued after it
_SET_AND_REST: Final = re.compile(r"(?<!\\)\[(?:\\.|[^\]\\])*\](?:[^\W\d_]|[" + MARKS + r"])*")


def _literals(source: str) -> frozenset[str]:
    # escapes (\s, \b, \p{L}) and group names are not words of the pattern, nor what it must not see
    source = _without_negative_lookarounds(source)
    # a repeat that may take none ("{0,2}") is optional, as "?" is; the others are no letters
    cleaned = re.sub(r"\{0*,\d*\}|\{0\}", "?", source)
    cleaned = re.sub(r"\\[pPN]\{[^}]*\}|\\[A-Za-z]|\(\?P<\w+>|\(\?P=\w+\)|\{\d*,?\d*\}", " ", cleaned)
    # a set's letters are one character of a word, not a word ("[损損]" was read as the word "损損",
    # so its pattern was never chosen), and the letters after it are the middle of a word, no start
    cleaned = _SET_AND_REST.sub(" ", cleaned)
    out = set()
    for m in _LITERAL.finditer(cleaned):
        word = m.group().lower()
        if cleaned[m.end():m.end() + 1] in ("?", "*"):
            # "results?": a match may stop before the last letter, and a text's word is looked up by
            # the pattern's words as its prefixes ("result" must choose the pattern)
            word = word[:-1]
        out.add(word)
    return frozenset(w for w in out if w)


# --- the strings a match must contain ------------------------------------------------------------

def _flat(items):
    """The items of a parsed pattern with flag-less groups opened in place."""
    for op, av in items:
        if op is sre.SUBPATTERN and not av[1] and not av[2]:
            yield from _flat(av[3])
        else:
            yield op, av


def _lead(items) -> str:
    """The literal characters a parsed pattern starts with."""
    out = []
    for op, av in _flat(items):
        if op is not sre.LITERAL:
            break
        out.append(chr(av))
    return "".join(out)


def _score(clause: frozenset[str]) -> tuple[int, int]:
    return min(map(len, clause)), -len(clause)


def _clauses(items) -> list[frozenset[str]]:
    """Clauses of a parsed pattern: every match contains one string of each clause.

    Runs of literal characters are clauses of one string; a run followed by an alternation
    becomes one string per alternative (``s(?:l|top)`` → "sl" or "stop"). Anything that is not a
    plain character (a class, an optional part, a lookaround, a group with flags) ends the run, so
    what is returned may be less than the pattern needs but never more."""
    clauses: list[frozenset[str]] = []
    runs = {""}

    def flush() -> None:
        nonlocal runs
        if "" not in runs:
            clauses.append(frozenset(runs))
        runs = {""}

    for op, av in _flat(items):
        if op is sre.LITERAL:
            runs = {r + chr(av) for r in runs}
        elif op is sre.BRANCH:
            alternatives = av[1]
            leads = {_lead(alt) for alt in alternatives}
            if len(runs) * len(leads) <= 64:
                runs = {r + lead for r in runs for lead in leads}
            flush()
            per_alternative = [_clauses(alt) for alt in alternatives]
            if all(per_alternative):
                clauses.append(frozenset().union(*(max(c, key=_score) for c in per_alternative)))
        else:
            flush()
            if op is sre.IN and 0 < len(av) <= MAX_SET_CLAUSE and all(o is sre.LITERAL for o, _ in av):
                clauses.append(frozenset(chr(c) for _, c in av))  # "[✅🎯]": one of these is in the text
            elif op in _REPEATS and av[0] >= 1:
                clauses.extend(_clauses(av[2]))
            elif op is sre.ATOMIC_GROUP:
                clauses.extend(_clauses(av))
            elif op is sre.ASSERT:
                clauses.extend(_clauses(av[1]))  # what a positive lookaround sees is in the text too
    flush()
    return clauses


# What ``required_strings`` answers for every pattern of the package's own tables, computed ahead
# (``python -m signalos_regex.needs``): parsing 750 patterns with the standard library's parser
# cost 50 ms of every process that builds the parser (``build_lexicon()`` 0.13 -> 0.08 s). A
# pattern not in the file (a user's, or one edited
# since) is analysed as before; tests/test_pattern_needs.py keeps the file whole and true.
NEEDS_FILE: Final = "pattern_needs.json"
NEEDS_VERSION: Final = 1


@functools.lru_cache(maxsize=1)
def known_needs() -> dict[str, list[list[str]]]:
    """The precomputed clauses by pattern source; empty when the file is missing or of another version."""
    try:
        text = resources.files("signalos_regex").joinpath("data", NEEDS_FILE).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        return {}
    needs = data.get("needs") if isinstance(data, dict) and data.get("version") == NEEDS_VERSION else None
    return needs if isinstance(needs, dict) else {}


def required_strings(source: str) -> list[frozenset[str]]:
    """What a case-sensitive match of ``source`` must contain, as clauses of alternatives; empty
    when nothing is known (a pattern the standard parser reads differently, inline flags)."""
    known = known_needs().get(source)
    if known is not None:
        return [frozenset(clause) for clause in known]
    return analyse_required_strings(source)


def analyse_required_strings(source: str) -> list[frozenset[str]]:
    """``required_strings`` worked out from the pattern itself."""
    if sre_parse is None or _NOT_A_QUANTIFIER.search(source):
        return []  # "{e<=1}" (fuzzy matching) is syntax of the regex module, a literal to re
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "[[:alpha:]]", "[a--b]": sets re reads otherwise
            parsed = sre_parse.parse(source)
    except (re.error, OverflowError, RecursionError, FutureWarning, DeprecationWarning):
        return []
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return []
    # (clauses of one score in the order of their strings: the set's order changes with the hash
    # seed, and only the first MAX_NEEDS clauses are registered)
    return sorted(sorted(set(_clauses(parsed)), key=sorted), key=_score, reverse=True)


# A group of plain alternatives with a word boundary on both sides: "\s+(?:au|à|sur)\s+", "\b(?:ke|di)\b"
_WHOLE_GROUP: Final = regex.compile(
    r"(?:\\s\+?|\\b)\(\?:((?:[^\W\d_]+\|)*[^\W\d_]+)\)(?=\\s(?![*?{])|\\b)")


def _covers_a_clause(words: AbstractSet[str], clauses: list[frozenset[str]]) -> bool:
    """Whether one clause of needed strings is covered by ``words`` as index keys: each of its
    strings begins with one of them, so a text holding the string at a word's start is found
    by the key."""
    return any(clause and all(any(string.startswith(w) for w in words) for string in clause) for clause in clauses)


def _symbols_choose(words: AbstractSet[str], clauses: list[frozenset[str]]) -> bool:
    """Whether a pattern's index ``words`` cover none of its clauses of needed strings while one
    clause is of marks alone ("❌", "🎯"): such a pattern is better chosen by the mark (its needs,
    looked for in the whole text) than by words that miss some of its matches."""
    return bool(clauses) and not _covers_a_clause(words, clauses) and any(
        clause and not any(ch.isalpha() or ch.isdigit() for string in clause for ch in string) for clause in clauses)


def _selectivity(group: tuple[str, ...]) -> tuple[int, int]:
    """Longer words, and fewer of them, choose fewer messages."""
    return min(len(w) for w in group), -len(group)


def whole_word_groups(source: str) -> list[tuple[str, ...]]:
    """Groups of alternatives every match of ``source`` holds one of as a whole word: a group of
    plain words between a space or word boundary on each side, outside any optional part, any
    alternation and any lookaround (whose words a match need not hold)."""
    out: list[tuple[str, ...]] = []
    for m in _WHOLE_GROUP.finditer(source):
        if _optional_or_alternative(source, m.start(), m.end()):
            continue
        out.append(tuple(w.lower() for w in m.group(1).split("|")))
    return out


def _optional_or_alternative(source: str, start: int, end: int) -> bool:
    """Whether ``source[start:end]`` lies inside a group (an alternative of it, or a group that
    may repeat zero times, or a lookaround), or is itself made optional by what follows it."""
    if end < len(source) and source[end] in "?*{":
        return True
    depth = 0
    for i in range(start - 1, -1, -1):
        ch = source[i]
        if ch == ")" and (i == 0 or source[i - 1] != "\\"):
            depth += 1
        elif ch == "(" and (i == 0 or source[i - 1] != "\\"):
            if depth == 0:
                return True  # inside a group: it may be one alternative of several, or optional
            depth -= 1
        elif ch == "|" and depth == 0 and (i == 0 or source[i - 1] != "\\"):
            return True  # an alternative of the whole pattern
    # a top-level "|" after it makes it one alternative too
    depth = 0
    for i in range(end, len(source)):
        ch = source[i]
        if ch == "(" and source[i - 1] != "\\":
            depth += 1
        elif ch == ")" and source[i - 1] != "\\":
            depth -= 1
        elif ch == "|" and depth == 0 and source[i - 1] != "\\":
            return True
    return False


# the last text asked about and the answer, as one tuple: replaced whole, so threads that parse
# at once never read one text's answer for another
_SCRIPT_SEEN: Final[list[tuple[str, bool]]] = [("", False)]


def _has_other_letters(lowered: str) -> bool:
    """Whether ``lowered`` holds a letter of another script than Latin. The update and the noise
    patterns ask it of the same text one after the other: the answer is kept for the next call."""
    if lowered.isascii():
        return False
    last = _SCRIPT_SEEN[0]
    if last[0] is lowered:
        return last[1]
    found = _OTHER_LETTERS.search(lowered) is not None
    _SCRIPT_SEEN[0] = (lowered, found)
    return found


def words_of(lowered: str) -> frozenset[str]:
    """The words ``candidates`` looks up: computed once by a caller that asks several sets.

    Chinese, Japanese, Thai and Korean glue words together ("黄金平仓"), and a pattern is chosen
    by a word that starts with one of its words: such a run also gives its tail from each of
    those characters on ("金平仓", "平仓", ...), and from where other letters follow them. A tail
    is cut to the MAX_PREFIX characters an index lookup reads: a long run costs linear time."""
    # the plain letter runs unless a combining mark is there to keep inside its word (one C scan
    # costs less than the mark-aware expression on every message)
    if lowered.isascii():
        # ASCII text (a third of messages): its letters' runs are the parts left when every
        # other character is a space (str.translate has a fast path for ASCII), the same words
        # as _PLAIN_WORDS finds at two thirds of the cost
        return frozenset(lowered.translate(_ASCII_NOT_LETTERS).split())
    if _SPECIAL_OR_OTHER.search(lowered) is None:
        # Latin letters and emoji: one scan answers _has_other_letters too, which the pattern
        # sets ask next of this same text
        _SCRIPT_SEEN[0] = (lowered, False)
        return frozenset(_PLAIN_WORDS.findall(lowered))
    if _SPECIAL.search(lowered) is None:
        return frozenset(_PLAIN_WORDS.findall(lowered))
    words = _WORDS.findall(lowered) if _HAS_MARK.search(lowered) else _PLAIN_WORDS.findall(lowered)
    if _UNSPACED.search(lowered) is None:
        return frozenset(words)
    out = set(words)
    starts = _LITERAL_STARTS
    for word in words:
        if _UNSPACED.search(word) is None:
            continue
        for k in range(1, len(word)):
            # only where a pattern's word could start (one character of these scripts is a word
            # of its own): random text of these scripts stays cheap
            if (word[k:k + 2] in starts or word[k] in starts) and (_UNSPACED.match(word, k) or _UNSPACED.match(word, k - 1)):
                out.add(word[k:k + MAX_PREFIX])
    return frozenset(out)


def _bits(mask: int) -> Iterator[int]:
    """The indices of the bits set in ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = 10_000) -> None:
    if len(cache) > limit:
        cache.clear()
    cache[key] = value


def _or_all(masks: list[int], chosen: int) -> int:
    out = 0
    for i in _bits(chosen):
        out |= masks[i]
    return out


# --- the set ---------------------------------------------------------------------------------------

class PatternSet:
    """Named patterns in priority order. ``matches`` returns non-overlapping matches, leftmost
    first and, at one place, the earliest pattern of the list, like one alternation would.

    ``vetted`` holds the ``re:`` entries known safe on any text (those of the built-in tables)."""

    def __init__(self, entries: list[tuple[str, str, str]], vetted: Collection[str] = (),
                 own: Collection[str] = (), shared_words: Collection[str] = ()):
        # (category, value, pattern, the same matching any case, vetted): a built-in pattern is
        # compiled on first use (``compiled``), since most never run in a short-lived process and
        # compiling all of them was half the parser's start-up; a user's pattern is compiled here,
        # so a mistake in a keywords file is reported when the file is loaded
        self.entries: list[tuple[str, str, Any, Any, bool]] = []
        self.sources: list[str] = []  # each entry's regular expression
        self.index: dict[str, list[int]] = {}
        self.always: list[int] = []
        # Clauses of needed strings, numbered; a pattern runs only when the text meets all of its
        # own. Strings of letters are looked for in the text's words (one cached answer per word),
        # the few others in the whole text. Sets of patterns and of clauses are bit masks.
        self._needs: list[int] = []
        self._clause_ids: dict[tuple[frozenset[str], frozenset[str]], int] = {}  # (in words, in text)
        self._word_clauses: list[tuple[int, frozenset[str]]] = []
        self._text_strings: dict[str, list[int]] = {}  # string → clauses it meets
        self._whole_words: dict[str, int] = {}  # a word → the whole-word clauses it meets
        self._word_cache: dict[str, tuple[int, int]] = {}  # word → (patterns indexed, clauses met)
        # the same for a message's whole set of words: channels repeat their phrasing, numbers aside
        self._words_cache: dict[frozenset[str], tuple[int, int]] = {}
        self._plans: dict[tuple[int, int], tuple[int, ...]] = {}  # (patterns, clauses met) → patterns to run
        # patterns → the clauses they need, and the strings of those clauses looked for in the
        # whole text (ASCII, other symbols, other scripts' letters): a text is searched only for
        # the strings that can change its plan
        self._relevant: dict[int, tuple[int, list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]] = {}
        for i, (category, value, pattern) in enumerate(entries):
            source = table_source(pattern)
            is_vetted = pattern in vetted
            try:
                lower = None if is_vetted else regex.compile(source, regex.MULTILINE | regex.V0)
            except regex.error as e:
                raise ValueError(f"keyword pattern {pattern!r} (for {value!r}) is not a valid regular expression: "
                                 f"{e}") from e
            anycase: Any = None  # compiled on first use: only a text whose lower-casing changes its length needs it
            self.entries.append((category, value, lower, anycase, is_vetted))
            self.sources.append(source)
            self._needs.append(self._register_needs(source) if is_vetted else 0)
            words = _literals(source)
            # (a group holding a one-letter word cannot index: a lookup reads two letters or more)
            groups: list[tuple[str, ...]] = [g for g in whole_word_groups(source) if min(map(len, g)) >= 2] if is_vetted else []
            if groups:
                # every match holds one word of such a group, whole: indexed under those words
                # alone, the pattern is chosen by "au", "sur" and not by the "sl" English shares
                best: tuple[str, ...] = max(groups, key=_selectivity)
                words = frozenset(best)
            elif is_vetted and shared_words and pattern not in own:
                # a language file's pattern is chosen by its own words, not by the English ones
                # its alternatives also allow ("sl", "tp"): English phrases are English patterns'
                foreign = words - frozenset(shared_words)
                if foreign and _covers_a_clause(foreign, required_strings(source)):
                    # (only where every match holds one of them: "SL erreicht", "Stop atteint",
                    # "Alvo atingido" hold no word of their language's own, "erreicht",
                    # "atteint", "atingido" being words of a shared pattern too)
                    words = foreign
            if is_vetted and words and not groups and _symbols_choose(words, required_strings(source)):
                # "S/L ❌": the words a match holds may all be ones the index cannot read (a
                # single letter, letters split by a mark), while a mark it must hold is there
                # to choose it: run it wherever that mark is
                words = frozenset()
            if not words:
                self.always.append(i)
            for w in words:
                self.index.setdefault(w[:MAX_PREFIX], []).append(i)
                _LITERAL_STARTS.add(w[:2])
        self._always_mask: int = sum(1 << i for i in self.always)
        # With a handful of indexed words (the "re:" labels), looking for them in the text is
        # cheaper than splitting the text into words; when none is there, only the patterns that
        # always run are chosen, and this holds when their needs are not read from words.
        in_words = sum(1 << cid for cid, _ in self._word_clauses)
        # the patterns of each index key as one mask, so a new word ORs masks instead of adding bits
        self._index_masks: dict[str, int] = {key: sum(1 << i for i in set(ids)) for key, ids in self.index.items()}
        few = len(self.index) <= MAX_FEW_KEYS and not any(self._needs[i] & in_words for i in self.always)
        self._few_keys: tuple[str, ...] | None = tuple(self.index) if few else None
        # with few keys, none of them in the text and no string looked for in the whole text,
        # the plan is that of the patterns that always run: (needs checked, needs ignored)
        self._plans_without_keys: tuple[tuple[int, ...], tuple[int, ...]] | None = None
        self._text_masks: list[tuple[str, int]] = [(string, sum(1 << cid for cid in cids)) for string, cids in self._text_strings.items()]
        # strings of letters of another script than Latin (止, 됨, に) are looked for only in a text
        # holding a letter of such a script: one scan instead of one per string on most messages
        self._script_masks: list[tuple[str, int]] = [(t, b) for t, b in self._text_masks if _OTHER_LETTERS.match(t)]
        # the other strings that are not ASCII ("✅", "🛑") are looked for only in a text that is not
        self._symbol_masks: list[tuple[str, int]] = [(t, b) for t, b in self._text_masks
                                                     if not t.isascii() and not _OTHER_LETTERS.match(t)]
        self._text_masks = [(t, b) for t, b in self._text_masks if t.isascii()]
        if few and not self._text_masks and not self._symbol_masks and not self._script_masks:
            self._plans_without_keys = (tuple(i for i in self.always if self._needs[i] == 0), tuple(self.always))
        # word clauses by the first two letters of their strings: a new word is checked in a
        # time that grows with its length only (hostile text is full of new words)
        word_masks: dict[str, int] = {}
        for cid, strings in self._word_clauses:
            for string in strings:
                word_masks[string] = word_masks.get(string, 0) | 1 << cid
        self._clause_strings: dict[str, list[tuple[str, int]]] = {}
        for string, bits in word_masks.items():
            self._clause_strings.setdefault(string[:2], []).append((string, bits))

    def _register_needs(self, source: str) -> int:
        cheap, costly = [], []
        for clause in required_strings(source):
            # a string of letters lies inside one word of the text, and so does the longest run
            # of letters of a longer string ("t.me/" needs "me"); strings without letters ("✅",
            # "?") are looked for in the whole text, which costs more than a word's cached answer
            runs = {s: max(_WORDS.findall(s), key=len, default="") for s in clause}
            in_words = frozenset(r for r in runs.values() if len(r) >= 2)
            in_text = frozenset(s for s, r in runs.items() if len(r) < 2)
            if not in_text:
                cheap.append((in_words, in_text))
            elif len(in_text) <= 4 and not any(runs[s] and not _UNSPACED.match(runs[s]) for s in in_text):
                costly.append((in_words, in_text))  # "✅" or "됨", not the "l" of "s/l"
        mask = 0
        for key in cheap[:MAX_NEEDS] + costly[:1]:
            if key not in self._clause_ids:
                self._clause_ids[key] = cid = len(self._clause_ids)
                if key[0]:
                    self._word_clauses.append((cid, key[0]))
                for string in key[1]:
                    self._text_strings.setdefault(string, []).append(cid)
            mask |= 1 << self._clause_ids[key]
        # "\s+(?:au|à|sur)\s+": one of these is a word of the text, whole (a substring of "auto",
        # "sure" would not do); looked up per word of the text, like the other clauses
        for alternatives in whole_word_groups(source)[:MAX_NEEDS]:
            key = (frozenset(alternatives), frozenset({"\x00whole"}))
            if key not in self._clause_ids:
                self._clause_ids[key] = cid = len(self._clause_ids)
                for word in alternatives:
                    self._whole_words[word] = self._whole_words.get(word, 0) | (1 << cid)
            mask |= 1 << self._clause_ids[key]
        return mask

    def compiled(self, i: int) -> Any:
        """Entry ``i``'s pattern, compiled (case-sensitive, for lowered text) on first use."""
        category, value, lower, anycase, vetted = self.entries[i]
        if lower is None:
            lower = regex.compile(self.sources[i], regex.MULTILINE | regex.V0)
            self.entries[i] = (category, value, lower, anycase, vetted)  # one tuple replaced whole: thread-safe
        return lower

    def _learn_word(self, word: str) -> tuple[int, int]:
        """The patterns indexed under a prefix of ``word`` and the word clauses it meets."""
        index_masks = self._index_masks
        chosen = 0
        # a one-character key is a character of an unspaced script (the others need two letters)
        for k in range(1 if _UNSPACED.match(word) else 2, min(len(word), MAX_PREFIX) + 1):
            chosen |= index_masks.get(word[:k], 0)
        met = self._whole_words.get(word, 0)
        by_start = self._clause_strings
        for k in range(len(word) - 1):  # each needed string is found by its first two letters
            for string, bits in by_start.get(word[k:k + 2], ()):
                if word.startswith(string, k):
                    met |= bits
        hit = (chosen, met)
        _remember(self._word_cache, word, hit, limit=100_000)
        return hit

    def candidates(self, lowered: str, *, check_needs: bool = True,
                   words: AbstractSet[str] | None = None) -> tuple[int, ...]:
        """Indices of the patterns worth running on ``lowered``, in priority order; ``words``:
        ``words_of(lowered)`` when the caller has it."""
        chosen, met = self._always_mask, 0
        few_keys = self._few_keys
        found = False
        if few_keys is not None:
            for string in few_keys:
                if string in lowered:
                    found = True
                    break
            if not found:
                fixed = self._plans_without_keys
                if fixed is not None:
                    return fixed[0] if check_needs else fixed[1]
        if few_keys is None or found:
            if words is None:
                words = words_of(lowered)
            known = self._words_cache.get(words) if isinstance(words, frozenset) else None
            if known is None:
                cache = self._word_cache
                by_words, met_by_words = 0, 0
                for word in words:
                    hit = cache.get(word) or self._learn_word(word)
                    # most words choose no pattern and meet no clause: OR-ing their zeros into
                    # masks hundreds of bits wide would copy those masks for nothing
                    if hit[0]:
                        by_words |= hit[0]
                    if hit[1]:
                        met_by_words |= hit[1]
                known = (by_words, met_by_words)
                if isinstance(words, frozenset):
                    _remember(self._words_cache, words, known)
            chosen |= known[0]
            met |= known[1]
        if not chosen:
            return ()  # no pattern chosen (most texts, for the few "re:" labels): none to check
        # the plan depends on the clauses of the chosen patterns only, which keeps the cache small
        needed = self._relevant.get(chosen)
        if needed is None:
            wanted = _or_all(self._needs, chosen)
            needed = (wanted, [m for m in self._text_masks if m[1] & wanted],
                      [m for m in self._symbol_masks if m[1] & wanted], [m for m in self._script_masks if m[1] & wanted])
            _remember(self._relevant, chosen, needed)
        relevant, text_masks, symbol_masks, script_masks = needed
        if check_needs:
            for string, bits in text_masks:
                if string in lowered:
                    met |= bits
            if (symbol_masks or script_masks) and not lowered.isascii():  # (a flag of the string: no scan)
                for string, bits in symbol_masks:
                    if string in lowered:
                        met |= bits
                if script_masks:
                    # _has_other_letters' remembered answer, read here: words_of left it for
                    # this text, and a call costs more than the test
                    seen = _SCRIPT_SEEN[0]
                    if seen[1] if seen[0] is lowered else _has_other_letters(lowered):
                        for string, bits in script_masks:
                            if string in lowered:
                                met |= bits
        else:
            met = -1  # every clause met
        key = (chosen, met & relevant)
        plan = self._plans.get(key)
        if plan is None:
            needs = self._needs
            plan = tuple(i for i in _bits(chosen) if needs[i] & ~met == 0)
            _remember(self._plans, key, plan)
        return plan

    def matches(self, text: str, lowered: str | None = None, timeout: float | None = None,
                words: AbstractSet[str] | None = None) -> list[tuple[str, str, Any]]:
        """[(category, value, match)] in text order. Offsets are those of ``text``; ``words``:
        ``words_of(lowered)`` when the caller has it."""
        if lowered is None or len(lowered) != len(text):
            lowered, use_lower = text.lower(), False  # lower-casing changed the length: match case-blind
            words = None
        else:
            use_lower = True
        # needed strings hold for a case-sensitive match of the lowered text only
        plan = self.candidates(lowered, check_needs=use_lower, words=words)
        if not plan:
            return []
        found: list[tuple[int, int, int, str, str, Any]] = []
        entries = self.entries
        for i in plan:
            category, value, lower, anycase, vetted = entries[i]
            if lower is None:
                lower = self.compiled(i)
            if not use_lower and anycase is None:
                anycase = regex.compile(lower.pattern, regex.IGNORECASE | regex.MULTILINE | regex.V0)
                entries[i] = (category, value, lower, anycase, vetted)
            target, pattern = (lowered, lower) if use_lower else (text, anycase)
            if vetted:
                first = pattern.search(target)
                if first is None:
                    continue  # most runs find nothing, and a search that fails costs less than finditer
                # the matches from the first one on: the text before it holds none and is not
                # read again (lookbehinds and \b still see it: ``pos`` is not a slice)
                these = pattern.finditer(target, first.start())
            else:
                these = pattern.finditer(target, timeout=timeout)
            for m in these:
                if m.end() > m.start():
                    found.append((m.start(), i, m.end(), category, value, m))
        found.sort()  # by start, then priority: no two matches share both
        out: list[tuple[str, str, Any]] = []
        last_end = -1
        for start, _, end, category, value, m in found:
            if start >= last_end:
                out.append((category, value, m))
                last_end = end
        return out
