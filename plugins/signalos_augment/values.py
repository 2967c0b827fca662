"""Augmenters that change what is written but not what it means: prices shifted consistently,
the symbol written another way, the trading words written in another language."""
from __future__ import annotations

import math
import random
from typing import Any

import regex

from signalos.dataset.align import align_label
from signalos.dataset.augment import Edit, Example, apply_edits
from signalos.dataset.vocab import LANGUAGES
from signalos.normalize import default_symbols, expand_shorthand, normalize_text, parse_number

from signalos_augment.base import AugmenterBase
from signalos_augment.words import aligned_label_words

_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


class _NumberStyle:
    """How one price was written, read back from the written token and the value it stands for:
    decimals, decimal comma, a thousands mark, a ``k`` suffix, Persian or Arabic digits."""

    def __init__(self, token: str, value: float):
        self.digits = _PERSIAN if regex.search("[۰-۹]", token) else _ARABIC if regex.search("[٠-٩]", token) else None
        self.arabic_mark = "٫" in token  # the Arabic decimal mark, written back as it was
        ascii_ = normalize_text(token).strip()
        self.k = ascii_[-1:] in ("k", "K")
        self.suffix = ascii_[-1] if self.k else ""
        body = ascii_[:-1] if self.k else ascii_
        self.thousands = self.decimal = ""
        read = parse_number(ascii_)
        if read is not None and _close(read, value):
            if "," in body and "." not in body and not regex.fullmatch(r"\d{1,3}(?:,\d{3})+", body):
                self.decimal = ","
            elif "," in body:
                self.thousands, self.decimal = ",", "." if "." in body else ""
            elif "." in body:
                self.decimal = "."
        else:
            # DAX 19.450 / 42 350: a dot or a space that only makes sense as a thousands mark
            for mark in (".", " "):
                plain = body.replace(mark, "")
                if mark in body and plain.isdigit() and _close(float(plain), value):
                    self.thousands = mark
                    break
            else:
                raise ValueError(f"cannot tell how {token!r} writes {value}")
        frac = body.rsplit(self.decimal, 1)[1] if self.decimal and self.decimal in body else ""
        self.decimals = len(frac)
        self.scale = 1000.0 if self.k else 1.0

    def round(self, value: float) -> float:
        return round(value / self.scale, self.decimals) * self.scale

    def write(self, value: float) -> str:
        plain = f"{value / self.scale:.{self.decimals}f}"
        whole, _, frac = plain.partition(".")
        if self.thousands:
            groups = []
            while len(whole) > 3:
                groups.insert(0, whole[-3:])
                whole = whole[:-3]
            whole = self.thousands.join([whole, *groups])
        text = whole + ((self.decimal or ".") + frac if frac else "") + self.suffix
        if self.arabic_mark:
            text = text.replace(".", "٫")
        return text.translate(self.digits) if self.digits else text


# Price fields of a label and the item names ``align_label`` gives them.
def _price_items(label: dict[str, Any]) -> dict[str, float]:
    items: dict[str, float] = {}
    if label.get("kind") == "signal":
        for i, v in enumerate(label.get("entry") or []):
            items[f"entry[{i}]"] = float(v)
        if label.get("stop_loss") is not None:
            items["stop_loss"] = float(label["stop_loss"])
        for i, v in enumerate(label.get("take_profits") or []):
            items[f"take_profits[{i}]"] = float(v)
    elif label.get("kind") == "update":
        for i, a in enumerate(label.get("actions") or []):
            if isinstance(a, dict) and a.get("price") is not None:
                items[f"actions[{i}].price"] = float(a["price"])
    return items


class RepriceAugmenter(AugmenterBase):
    """``reprice``: every price of the entry, stop, targets (and update prices) times one factor,
    written with the decimals and marks it had, so the sides and their order stay as they were.

    Options: ``low`` and ``high`` bound the factor (default 0.85 and 1.15); the factor keeps the
    prices inside the symbol's plausible range when the symbol table has one.
    """

    name = "reprice"

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        wanted = _price_items(example.label)
        if not wanted:
            return []
        found = align_label(example.text, example.label)
        if any(name not in found.items for name in wanted):
            return []
        text = example.text
        tokens = {name: found.items[name] for name in wanted}
        styles: dict[str, _NumberStyle | None] = {}
        for name, (s, e) in tokens.items():
            try:
                styles[name] = _NumberStyle(text[s:e], wanted[name])
            except ValueError:
                if not normalize_text(text[s:e]).strip().isdigit():
                    return []
                styles[name] = None  # the short end of "4785-90"
        low, high = float(self.options.get("low", 0.85)), float(self.options.get("high", 1.15))
        band = default_symbols().magnitude(example.label.get("symbol"))
        for _ in range(6):
            factor = rng.uniform(low, high)
            if abs(factor - 1) < 0.02:
                continue
            made = self._with_factor(example, wanted, tokens, styles, factor, band)
            if made is not None:
                return [made]
        return []

    def _with_factor(self, example, wanted, tokens, styles, factor, band) -> Example | None:
        text = example.text
        new_values: dict[str, float] = {}
        edits: list[Edit] = []
        by_start = sorted(tokens.items(), key=lambda kv: kv[1][0])
        previous_full: tuple[str, float, _NumberStyle] | None = None
        for name, (s, e) in by_start:
            value = wanted[name]
            style = styles[name]
            if style is None:
                # written as shorthand after a full price: "4785-90" → rewrite its last digits
                if previous_full is None:
                    return None
                full_text, full_new, full_style = previous_full
                new = full_style.round(value * factor)
                short = normalize_text(text[s:e])
                digits = full_style.write(new).replace(full_style.thousands or "\0", "")
                candidate = normalize_text(digits)[-len(short):]
                if not candidate.isdigit() or expand_shorthand(normalize_text(full_text), candidate) is None \
                        or not _close(expand_shorthand(normalize_text(full_text), candidate), new):
                    candidate = normalize_text(full_style.write(new))
                written = candidate.translate(full_style.digits) if full_style.digits else candidate
            else:
                new = style.round(value * factor)
                written = style.write(new)
                if not style.thousands and not style.k:
                    read = parse_number(normalize_text(written))
                    if read is None or not _close(read, new):
                        return None  # "1,085" would read as 1085: this style cannot carry the new price
                previous_full = (written, new, style)
            if band and not (band[0] <= new <= band[1]):
                return None
            new_values[name] = new
            edits.append(Edit(s, e, written))
        label = _relabel(example.label, new_values)
        if label is None:
            return None
        return apply_edits(example, edits, label=label)


def _relabel(label: dict[str, Any], new: dict[str, float]) -> dict[str, Any] | None:
    out = dict(label)
    if label.get("kind") == "signal":
        entry = [new[f"entry[{i}]"] for i in range(len(label.get("entry") or []))]
        tps = [new[f"take_profits[{i}]"] for i in range(len(label.get("take_profits") or []))]
        if len(set(tps)) != len(tps) or (len(entry) > 1 and len(set(entry)) != len(entry)):
            return None  # rounding merged two levels
        out["entry"] = sorted(entry)
        out["take_profits"] = tps
        if label.get("stop_loss") is not None:
            out["stop_loss"] = new["stop_loss"]
    else:
        actions = []
        for i, a in enumerate(label.get("actions") or []):
            a = dict(a)
            if a.get("price") is not None:
                a["price"] = new[f"actions[{i}].price"]
            actions.append(a)
        out["actions"] = actions
    return out


def _alias_forms(symbol: str) -> list[str]:
    """Ways channels write one canonical symbol."""
    table = {
        "XAUUSD": ["XAUUSD", "GOLD", "Gold", "XAU/USD", "#XAUUSD", "#GOLD", "XAUUSDm"],
        "XAGUSD": ["XAGUSD", "SILVER", "XAG/USD", "#XAGUSD"],
        "US30": ["US30", "DOW", "DJ30", "WS30", "#US30"], "NAS100": ["NAS100", "NASDAQ", "US100", "USTEC"],
        "SPX500": ["SPX500", "SP500", "US500", "S&P500"], "GER40": ["GER40", "DAX", "DE40", "GER30"],
        "UK100": ["UK100", "FTSE"], "USOIL": ["USOIL", "WTI", "OIL", "XTIUSD"], "UKOIL": ["UKOIL", "BRENT"],
    }
    if symbol in table:
        return table[symbol]
    symbols = default_symbols()
    if symbols.is_pair(symbol):
        return [symbol, f"{symbol[:3]}/{symbol[3:]}", f"#{symbol}", f"{symbol}.m", symbol.lower()]
    for quote in symbols.quotes:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            base = symbol[: -len(quote)]
            return [symbol, f"{base}/{quote}", f"#{base}/{quote}", f"#{symbol}", f"{base}-{quote}", f"${base}/{quote}"]
    if symbol in symbols.bases:
        return [symbol, f"#{symbol}", f"${symbol}"]
    return []


class SymbolAliasAugmenter(AugmenterBase):
    """``symbol-alias``: the symbol written another way that names the same instrument (GOLD ↔
    XAUUSD ↔ XAU/USD, EURUSD ↔ EUR/USD, BTCUSDT ↔ #BTC/USDT...)."""

    name = "symbol-alias"

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        symbol = example.label.get("symbol")
        if not symbol or example.label.get("kind") not in ("signal", "update"):
            return []
        found = align_label(example.text, example.label)
        span = found.items.get("symbol")
        if not span:
            return []
        written = example.text[span[0]:span[1]]
        symbols = default_symbols()
        marked = span[0] > 0 and example.text[span[0] - 1] in "#$"  # "#BTC/USDT" aligned without its "#"
        out = []
        for form in _alias_forms(symbol):
            if marked:
                form = form.lstrip("#$")  # the text's own mark stays: never "##BTC/USDT"
            if form.lower() == written.lower() or symbols.canonical(form) != symbol:
                continue
            out.append(apply_edits(example, [Edit(span[0], span[1], form)]))
        return out


class KeywordLanguageAugmenter(AugmenterBase):
    """``keyword-language``: the direction, order-type and label words (BUY, SL, TP1, Entry...)
    written in another language the regex parser reads (its words in ``signalos.dataset.vocab``).
    The message's language becomes the new one when no other words are left.

    Options: ``languages``, the languages to write in (default all of them).
    """

    name = "keyword-language"

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None):
        super().__init__(host, options)
        self.languages = list(self.options.get("languages") or LANGUAGES)

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        label = example.label
        if label.get("kind") != "signal" or label.get("order_type") == "stop":
            return []  # "buy stop" is only written in English
        lang = self._language(example, rng)
        if lang is None:
            return []
        return self._rewrite(example, rng, lang)

    def _language(self, example: Example, rng: random.Random) -> str | None:
        """The language whose words the rewriting uses."""
        choices = [lang for lang in self.languages if lang != example.language]
        return rng.choice(choices) if choices else None

    def _rewrite(self, example: Example, rng: random.Random, lang: str) -> list[Example]:
        label = example.label
        words = LANGUAGES[lang]
        found = align_label(example.text, label)
        text = example.text
        edits: list[Edit] = []
        direction = found.items.get("direction")
        if direction and label.get("direction") in ("buy", "sell"):
            old = text[direction[0]:direction[1]]
            edits.append(Edit(direction[0], direction[1],
                              _cased(rng.choice(words.buy if label["direction"] == "buy" else words.sell), old)))
        order = found.items.get("order_type")
        if order and label.get("order_type") in ("market", "limit"):
            old = text[order[0]:order[1]]
            pool = words.market if label["order_type"] == "market" else words.limit
            edits.append(Edit(order[0], order[1], _cased(rng.choice(pool), old)))
        numbered = rng.choice(words.take_profit_n)
        for w in aligned_label_words(text, found.items):
            old = text[w.start:w.end]
            if w.field == "take_profit" and w.index is not None:
                # "TP2" / "Target 2": the label and its number become the new language's numbered label
                sep = text[w.sep[0]:w.sep[1]]
                if "@" in sep and " {i}" in numbered:
                    sep = ": "  # "Тейк 1 @ 2350" reads the 1 as the target
                edits.append(Edit(w.start, w.sep[1], numbered.format(i=w.index) + sep))
            else:
                pool = {"entry": words.entry, "stop_loss": words.stop_loss, "take_profit": words.take_profit}[w.field]
                edits.append(Edit(w.start, w.end, _cased(rng.choice(pool), old)))
        edits = _drop_overlaps(edits)
        if not edits:
            return []
        language = lang if _only_trading_words(text, edits, found.items.get("symbol")) else example.language
        return [apply_edits(example, edits, language=language)]


class KeywordSynonymAugmenter(KeywordLanguageAugmenter):
    """``keyword-synonym``: the direction, order-type and label words written with other words of
    the message's own language (SL as Stop Loss or S/L, TP1 as Target 1, BUY as LONG): a channel
    that names its fields its own way. A message of a language without word lists is left alone."""

    name = "keyword-synonym"

    def _language(self, example: Example, rng: random.Random) -> str | None:
        lang = example.language or "en"
        return lang if lang in LANGUAGES else None


def _cased(word: str, like: str) -> str:
    """``word`` in the case of ``like`` when ``like`` is all upper or all lower."""
    if like.isupper() and word.upper() != word and word.upper().lower() == word.lower():
        return word.upper()  # not "ALIŞ": its lower case is "aliş", no longer the word
    if like.islower() and word.lower() != word:
        return word.lower()
    return word


def _drop_overlaps(edits: list[Edit]) -> list[Edit]:
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out


_LETTERS = regex.compile(r"\p{L}+")
# Words that every language's channels write in English letters: they do not make a message English.
_NEUTRAL = frozenset({"x", "cross", "isolated", "pips", "pip", "points", "open", "runner", "hold", "k"})


def _only_trading_words(text: str, edits: list[Edit], symbol_span) -> bool:
    covered = [(e.start, e.end) for e in edits] + ([tuple(symbol_span)] if symbol_span else [])
    for m in _LETTERS.finditer(text):
        if m.group().lower() in _NEUTRAL:
            continue
        if not any(a <= m.start() and m.end() <= b for a, b in covered):
            return False
    return True
