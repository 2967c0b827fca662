"""Sets of ``re:`` patterns, tried only on messages that contain one of their words.

A combined alternation of a hundred phrase patterns costs ~150 µs on a short message, most of it
spent trying alternatives that cannot match. Each pattern here is compiled alone and indexed by
the words written in its source (``clos(?:e|ing)`` → "clos"); a message runs only the patterns
one of whose words starts one of its own words. A pattern with no such word always runs.
"""
from __future__ import annotations

import re

import regex

_LITERAL = re.compile(r"(?<!\\)(?<!\\[pPN]\{)(?<!\(\?P<)[^\W\d_]{2,}")
_WORDS = re.compile(r"[^\W\d_]+")
MAX_PREFIX = 12


def _literals(source: str) -> frozenset[str]:
    # escapes (\s, \b, \p{L}) and group names are not words of the pattern
    cleaned = re.sub(r"\\[pPN]\{[^}]*\}|\\[A-Za-z]|\(\?P<\w+>|\(\?P=\w+\)|\{\d*,?\d*\}", " ", source)
    return frozenset(w.lower() for w in _LITERAL.findall(cleaned))


class PatternSet:
    """Named patterns in priority order. ``matches`` returns non-overlapping matches, leftmost
    first and, at one place, the earliest pattern of the list, like one alternation would."""

    def __init__(self, entries: list[tuple[str, str, str]]):
        self.entries: list[tuple[str, str, object, object]] = []
        self.index: dict[str, list[int]] = {}
        self.always: list[int] = []
        self._word_cache: dict[str, tuple[int, ...]] = {}
        for i, (category, value, pattern) in enumerate(entries):
            source = pattern[3:] if pattern.startswith("re:") else regex.escape(pattern)
            lower = regex.compile(source, regex.MULTILINE | regex.V0)
            anycase = regex.compile(source, regex.IGNORECASE | regex.MULTILINE | regex.V0)
            self.entries.append((category, value, lower, anycase))
            words = _literals(source)
            if not words:
                self.always.append(i)
            for w in words:
                self.index.setdefault(w[:MAX_PREFIX], []).append(i)

    def _for_word(self, word: str) -> tuple[int, ...]:
        cache = self._word_cache
        hit = cache.get(word)
        if hit is None:
            if len(cache) > 100_000:
                cache.clear()
            index = self.index
            ids: set[int] = set()
            for k in range(2, min(len(word), MAX_PREFIX) + 1):
                ids.update(index.get(word[:k], ()))
            cache[word] = hit = tuple(ids)
        return hit

    def candidates(self, lowered: str) -> list[int]:
        chosen = set(self.always)
        for word in set(_WORDS.findall(lowered)):
            chosen.update(self._for_word(word))
        return sorted(chosen)

    def matches(self, text: str, lowered: str | None = None, timeout: float | None = None):
        """[(category, value, match)] in text order. Offsets are those of ``text``."""
        if lowered is None or len(lowered) != len(text):
            lowered, use_lower = text.lower(), False  # lower-casing changed the length: match case-blind
        else:
            use_lower = True
        found = []
        for i in self.candidates(lowered):
            category, value, lower, anycase = self.entries[i]
            target, pattern = (lowered, lower) if use_lower else (text, anycase)
            for m in pattern.finditer(target, timeout=timeout):
                if m.end() > m.start():
                    found.append((m.start(), i, m.end(), category, value, m))
        found.sort(key=lambda f: (f[0], f[1]))
        out, last_end = [], -1
        for start, _, end, category, value, m in found:
            if start >= last_end:
                out.append((category, value, m))
                last_end = end
        return out
