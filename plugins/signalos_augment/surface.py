"""Augmenters that change how a message looks, never what it says: case, punctuation after
labels, spacing, decorative emoji and the layout (one line or a block)."""
from __future__ import annotations

import random
import regex

from signalos.dataset.align import align_label
from signalos.dataset.augment import Edit, Example, apply_edits
from signalos.normalize import default_symbols, normalize_text

from signalos_augment.base import AugmenterBase
from signalos_augment.words import aligned_label_words, label_words


def _same_length(text: str, fn) -> str:
    """``fn`` applied per character where it keeps one character (``"İ".lower()`` is two), so
    every span stays where it was."""
    whole = fn(text)
    if len(whole) == len(text):
        return whole
    return "".join(c2 if len(c2 := fn(c)) == 1 else c for c in text)


_GLUED = regex.compile(r"\p{Ll}\p{Lu}|\p{Lu}{3}\p{Ll}{2}")


class CaseAugmenter(AugmenterBase):
    """``case``: the whole message in upper, lower or title case."""

    name = "case"
    MODES = {"upper": str.upper, "lower": str.lower, "title": str.title}

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        if _GLUED.search(example.text):
            return []  # "LONGLeverage: 10xEntry": case is the only thing that tells the words apart
        out = []
        keep = None
        symbol = example.label.get("symbol")
        if symbol and symbol in default_symbols().bases:
            # "sol", "op", "Ada" are words before they are coins: a bare base keeps its case
            keep = align_label(example.text, example.label).items.get("symbol")
        for mode, fn in self.MODES.items():
            text = _same_length(example.text, fn)
            if keep:
                text = text[:keep[0]] + example.text[keep[0]:keep[1]] + text[keep[1]:]
            if text != example.text:
                out.append(Example(text, example.label, example.spans, example.provider, example.language))
        return out


class PunctuationAugmenter(AugmenterBase):
    """``punctuation``: the separator between a label and its number ("SL: 2335", "SL 2335",
    "SL=2335", "SL @ 2335"), one style for the whole message as channels write them."""

    name = "punctuation"
    STYLES = (": ", ":", " ", " = ", " @ ", " : ", "=")

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        if example.label.get("kind") != "signal":
            return []
        words = aligned_label_words(example.text, align_label(example.text, example.label).items)
        if not words:
            return []
        current = {example.text[w.sep[0]:w.sep[1]] for w in words}
        out = []
        for style in self.STYLES:
            if current == {style}:
                continue
            edits = []
            for w in words:
                # "Target 2 @ 2350" reads the 2 as the target: an "@" only after a glued index
                sep = style if not (w.spaced_index and "@" in style) else ": "
                if example.text[w.sep[0]:w.sep[1]] != sep:
                    edits.append(Edit(w.sep[0], w.sep[1], sep))
            if edits:
                out.append(apply_edits(example, edits))
        return out


_SPACE = regex.compile(r"(?<=\S) (?=\S)")
_LINE_END = regex.compile(r"\n")


class SpacingAugmenter(AugmenterBase):
    """``spacing``: extra spaces beside numbers and labels, blank lines, padding at the ends.
    A space between two digits may be a thousands separator (``42 350``) and is never touched."""

    name = "spacing"

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        text = example.text
        norm = normalize_text(text)
        out = []
        # wider gaps next to numbers ("SL  2335")
        edits = [Edit(m.start(), m.end(), " " * rng.choice((2, 2, 3)))
                 for m in _SPACE.finditer(norm)
                 if norm[m.start() - 1].isdigit() != norm[m.end()].isdigit() and rng.random() < 0.6]
        if edits:
            out.append(apply_edits(example, edits))
        # blank lines between lines, trailing spaces
        edits = [Edit(m.start(), m.end(), rng.choice(("\n\n", " \n", "\n\n"))) for m in _LINE_END.finditer(text)
                 if rng.random() < 0.7]
        if edits:
            out.append(apply_edits(example, edits))
        # padding around the message
        out.append(apply_edits(example, [Edit(0, 0, rng.choice(("\n", " ", "  "))),
                                         Edit(len(text), len(text), rng.choice(("\n", " \n", "  ")))]))
        return out


# Emoji that decorate; none of them is a label emoji of the keyword table (🎯 for targets, 🛑 for
# the stop), so adding or removing one never changes what a number means.
DECORATIVE = ("🔥", "🚀", "⚡", "💎", "📊", "✨", "👀", "💪", "🌟", "🏆", "📢", "👇", "📈", "📉", "⚠️", "❗", "🔔")
_DECOR_RE = regex.compile(
    "(?:" + "|".join(regex.escape(e) for e in sorted(DECORATIVE, key=len, reverse=True)) + r")\ufe0f?[ ]?")


class EmojiAugmenter(AugmenterBase):
    """``emoji``: decorative emoji added (before the headline, after it, at the end) or removed."""

    name = "emoji"

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        text = example.text
        out = []
        removable = [m for m in _DECOR_RE.finditer(text)
                     if not text[m.end():m.end() + 1].isdigit()]
        if removable:
            out.append(apply_edits(example, [Edit(m.start(), m.end(), "") for m in removable]))
        first_line = text.find("\n")
        first_line = len(text) if first_line < 0 else first_line
        head = rng.choice(DECORATIVE[:12])
        out.append(apply_edits(example, [Edit(0, 0, head + " ")]))
        out.append(apply_edits(example, [Edit(first_line, first_line, " " + head * rng.choice((1, 2, 3)))]))
        tail = rng.choice(DECORATIVE[:12])
        out.append(apply_edits(example, [Edit(0, 0, head + " "), Edit(len(text), len(text), " " + tail)]))
        return out


_JOIN_GAP = regex.compile(r"[ \t]*\n[\s]*")
_BREAK_GAP = regex.compile(r"(?:[ \t]*[,|;][ \t]*|[ \t]+)$")
_CONTINUATION = regex.compile(r"\n[ \t]*\.\d")
# A line that starts a list item ("1) 2350", "2- 2360", "- 2370", "🎯 2380") belongs to a block:
# joined into one line its numbers run together with the item numbers.
_LIST_ITEM = regex.compile(r"\n[ \t]*(?:\d{1,2}[).\-]|[-•*]|\p{So}\ufe0f?)[ \t]*\d")


class LayoutAugmenter(AugmenterBase):
    """``layout``: a one-line message becomes a block (a line per label), a block becomes one
    line (lines joined by spaces or bars). A message that holds several signals is left alone."""

    name = "layout"

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        text = example.text.strip()
        if example.label.get("kind") != "signal":
            return []
        if "\n" in text:
            if _CONTINUATION.search(text) or _LIST_ITEM.search(text):
                return []  # "@2341" then ".1-2337.1": the line break is part of the numbers
            sep = rng.choice((" ", " | ", "  "))
            lead = len(example.text) - len(example.text.lstrip())
            edits = [Edit(m.start(), m.end(), sep) for m in _JOIN_GAP.finditer(example.text)
                     if lead <= m.start() < lead + len(text) and m.end() <= lead + len(text)]
            return [apply_edits(example, edits)] if edits else []
        edits = []
        previous_end = 0
        for w in label_words(example.text):
            gap = _BREAK_GAP.search(example.text, previous_end, w.start)
            if gap is not None and gap.start() > 0:
                edits.append(Edit(gap.start(), gap.end(), "\n"))
            previous_end = w.end
        return [apply_edits(example, edits)] if edits else []
