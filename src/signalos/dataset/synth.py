"""Seeded synthetic messages with exact labels, for a user who has no data yet.

``synth_records(n, seed=7, languages=None)`` writes trade calls, management updates and noise the
way channels write them: one-liners and labelled blocks, emoji labels, targets on one line, as a
block or a numbered list, entry ranges and shorthand ranges (``4785-90``), market / limit / stop
orders, leverage, stops and targets in pips, decimal commas, Persian and Arabic digits, in every
language the regex parser's tables read (``signalos.dataset.vocab.all_languages``), across forex, gold, indices, oil and crypto at realistic prices.

Every record is a corpus line (SCHEMA.md, "A labelled corpus line") with ``origin="synthetic"``
and the character ``spans`` of each signal field, known by construction. The same seed gives the
same records; the first ``k`` records of ``n`` are the records of ``k``. Nothing heavier than
string formatting runs per message: 100,000 messages take a few seconds.
"""
from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

from signalos.dataset.markets import INSTRUMENTS, Instrument
from signalos.dataset.synth_text import NOISE, UPDATES
from signalos.dataset.vocab import Words, all_languages
from signalos.errors import SignalosError


class SynthError(SignalosError):
    """A ``signalos data synth`` request that cannot be met (an unknown language); the CLI user
    sees it as one line."""


ASSET_WEIGHTS = {"forex": 4, "gold": 5, "index": 2, "commodity": 1, "crypto": 4}
KIND_MIX = (0.6, 0.25)  # signals, updates; the rest is noise
# Languages by default: English is what most channels write, the others one share each.
LANGUAGE_WEIGHTS = {"en": 4}
# Where a decimal comma is written (1,0850) and where local digits replace ASCII ones.
_DECIMAL_COMMA = frozenset({"ru", "es", "pt", "tr", "de", "fr", "it", "id", "vi"})
_LOCAL_DIGITS = {"fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"), "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")}
_RANGE_JOIN = ("-", " - ", "-", " – ", "/")
_ORDER_HEAD_EMOJI = {"buy": ("📈", "🟢", "🚀", "⬆️"), "sell": ("📉", "🔴", "🔻", "⬇️")}
_DECOR = ("🔥", "⚡️", "💎", "📊", "✨", "👇")
_LEVERAGE = (3, 5, 10, 20, 25, 50, 75, 100)
# What channels put after a short post; none of it is a number or a trading word.
_TAILS = ("", "", "", "", " 🔥", " 💰", " 🚀", " 👍", "!", " 💪", " 🙏", " 😎", " 📊", "\n\nStay tuned", " ⚡️")
CHANNELS_PER_LANGUAGE = 20
# An update that does two things ("TP1 hit ✅ move SL to BE"): this share of updates gets a second
# sentence of its language, of another action type. Real channels write them often, and a model
# that sees each pair of types only in the few hand-written two-action templates learns to read one
# half. Drawn from a random stream of its own, so every other record of a seed is unchanged.
COMPOUND_SHARE = 0.35
_FIRSTS = frozenset({"tp_hit", "close_partial", "move_sl", "breakeven"})
_SECONDS = frozenset({"breakeven", "move_sl", "close_partial", "close", "other"})
_JOINERS = (" ", ", ", "\n", " | ", ". ", " + ", "\n\n")


class _Text:
    """A message being written piece by piece, remembering where each field's characters are."""

    __slots__ = ("parts", "n", "spans", "entry_reversed")

    def __init__(self):
        self.parts: list[str] = []
        self.n = 0
        self.spans: dict[str, list[list[int]]] = {}
        self.entry_reversed = False

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.n += len(s)

    def field(self, name: str, s: str) -> None:
        start = self.n
        self.parts.append(s)
        self.n += len(s)
        self.spans.setdefault(name, []).append([start, self.n])

    def text(self) -> str:
        return "".join(self.parts)


class _Style:
    """How one message writes numbers: decimals, decimal comma, thousands comma, local digits."""

    __slots__ = ("decimals", "comma", "thousands", "digits")

    def __init__(self, decimals: int, comma: bool, thousands: bool, digits):
        self.decimals, self.comma, self.thousands, self.digits = decimals, comma, thousands, digits

    def plain(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    def write(self, plain: str) -> str:
        """The written form of a plain ASCII number (``1.0850``) in this style."""
        if self.comma:
            plain = plain.replace(".", ",")
        elif self.thousands and len(plain) > 4 and "." not in plain:
            plain = f"{int(plain):,}"
        return plain.translate(self.digits) if self.digits else plain


class _Generator:
    def __init__(self, seed: int, languages: Sequence[str]):
        self.rng = random.Random(seed)
        self.compound_rng = random.Random(f"compound-{seed}")  # COMPOUND_SHARE's own stream
        self.seed = seed
        self.languages = list(languages)
        self.language_weights = list(itertools.accumulate(LANGUAGE_WEIGHTS.get(lang, 1) for lang in self.languages))
        by_asset: dict[str, list[Instrument]] = {}
        for inst in INSTRUMENTS:
            by_asset.setdefault(inst.asset, []).append(inst)
        self.assets = list(by_asset)
        self.asset_weights = list(itertools.accumulate(ASSET_WEIGHTS[a] for a in self.assets))
        self.by_asset = by_asset
        self.update_langs = [lang for lang in self.languages if lang in UPDATES] or ["en"]
        self.noise_langs = [lang for lang in self.languages if lang in NOISE] or ["en"]

    # --- shared pieces ---------------------------------------------------------------------------
    def instrument(self) -> Instrument:
        asset = _weighted(self.rng, self.assets, self.asset_weights)
        return _pick(self.rng, self.by_asset[asset])

    def symbol_form(self, inst: Instrument, words: Words) -> tuple[str, str]:
        """(written form, label symbol) of an instrument in a language."""
        rng = self.rng
        if inst.canonical == "XAUUSD" and rng.random() < 0.5:
            return _pick(rng, words.gold), "XAUUSD"
        if inst.base_only and rng.random() < 0.25:
            form = _pick(rng, inst.base_only)
            return form, inst.canonical[:-4]
        return _pick(rng, inst.forms), inst.canonical

    def style(self, inst: Instrument, lang: str) -> _Style:
        rng = self.rng
        decimals = _pick(rng, inst.decimals)
        comma = decimals not in (0, 3) and lang in _DECIMAL_COMMA and rng.random() < 0.3
        thousands = not comma and decimals == 0 and inst.low >= 10000 and rng.random() < 0.2
        digits = _LOCAL_DIGITS.get(lang) if rng.random() < 0.3 else None
        return _Style(decimals, comma, thousands, digits)

    def step(self, inst: Instrument, price: float, decimals: int) -> float:
        """One move between levels, at least a few units of the last written decimal."""
        rng = self.rng
        if inst.pip is None:  # crypto: a share of the price
            step = price * rng.uniform(0.004, 0.03)
        else:
            step = inst.pip * _pick(rng, (10, 15, 20, 25, 30, 40, 50, 60, 80)) * (10 if inst.asset == "gold" else 1)
        unit = 10.0 ** -decimals
        return max(step, unit * (3 + int(rng.random() * 7)))

    # --- one signal ------------------------------------------------------------------------------
    def signal(self, lang: str) -> tuple[str, dict[str, Any], dict[str, list[list[int]]]]:
        rng = self.rng
        words = all_languages()[lang]
        inst = self.instrument()
        sym_text, symbol = self.symbol_form(inst, words)
        direction = "buy" if rng.random() < 0.5 else "sell"
        sign = 1.0 if direction == "buy" else -1.0
        style = self.style(inst, lang)
        dec = style.decimals
        price = rng.uniform(inst.low, inst.high)
        step = self.step(inst, price, dec)

        roll = rng.random()
        order_type = "market" if roll < 0.3 else "limit" if roll < 0.45 else ("stop" if roll < 0.52 and lang == "en" else None)
        # entry: one price, a zone, a shorthand zone, or none at all for a market order
        entry_plain: list[str] = [style.plain(price)]
        shorthand = None
        roll = rng.random()
        if order_type == "market" and roll < 0.15:
            entry_plain = []
        elif roll < 0.4 and order_type != "stop":
            other = style.plain(price + step * rng.uniform(0.3, 1.0))
            if other != entry_plain[0]:
                entry_plain.append(other)
                shorthand = _shorthand(entry_plain[0], other) if not style.comma and rng.random() < 0.35 else None
                if shorthand and float(shorthand) * 3 > price:
                    shorthand = None  # "72.66-76" on oil could be read as 72.66 to 76: ambiguous
        entry_values = [float(p) for p in entry_plain]
        low, high = (min(entry_values), max(entry_values)) if entry_values else (price, price)
        near = low if direction == "buy" else high
        far = high if direction == "buy" else low

        pips_mode = inst.asset in ("forex", "gold") and rng.random() < 0.12
        sl_plain = style.plain(near - sign * step * rng.uniform(1.0, 2.5))
        n_tp = _weighted(rng, (1, 2, 3, 4, 5), (3, 7, 11, 13, 14))
        tp_plain: list[str] = []
        level = far
        for _ in range(n_tp):
            level = level + sign * step * rng.uniform(0.8, 1.6)
            tp_plain.append(style.plain(level))
        # rounding can make two levels equal or cross zero on small prices: keep them strictly apart
        values = [float(v) for v in tp_plain]
        if float(sl_plain) <= 0 or any(v <= 0 for v in values) or len(set(values)) != len(values) \
                or (direction == "buy" and (float(sl_plain) >= low or values[0] <= high)) \
                or (direction == "sell" and (float(sl_plain) <= high or values[0] >= low)):
            return self.signal(lang)
        sl_pips = tp_pips = None
        if pips_mode:
            sl_pips = _pick(rng, (15, 20, 25, 30, 40, 50, 60))
            if rng.random() < 0.6:
                tp_pips = [sl_pips * k for k in range(1, 2 + int(rng.random() * 3))]
        leverage = None
        if inst.asset == "crypto" and rng.random() < 0.6:
            leverage = _pick(rng, _LEVERAGE)

        t = _Text()
        layout = rng.random()
        if layout < 0.3:
            self._oneline(t, rng, words, lang, sym_text, direction, order_type, entry_plain, shorthand, style,
                          sl_plain, sl_pips, tp_plain, tp_pips, leverage)
        else:
            self._block(t, rng, words, lang, sym_text, direction, order_type, entry_plain, shorthand, style,
                        sl_plain, sl_pips, tp_plain, tp_pips, leverage, emoji=layout > 0.8,
                        crypto=inst.asset == "crypto")
        if t.entry_reversed:
            t.spans["entry"].reverse()  # spans follow the label's values, and entry is ascending
        label = {
            "kind": "signal", "symbol": symbol, "direction": direction, "order_type": order_type,
            "entry": sorted(entry_values), "stop_loss": None if sl_pips is not None else float(sl_plain),
            "take_profits": [] if tp_pips is not None else [float(v) for v in tp_plain],
            "leverage": None if leverage is None else float(leverage),
            "stop_loss_pips": None if sl_pips is None else float(sl_pips),
            "take_profit_pips": [float(v) for v in tp_pips] if tp_pips is not None else [],
        }
        return t.text(), label, t.spans

    def _head(self, t, rng, words, sym_text, direction, order_type, *, emoji: bool) -> None:
        """Symbol, direction and order type, in one of the orders channels use."""
        word = _pick(rng, words.buy if direction == "buy" else words.sell)
        if emoji:
            t.add(_pick(rng, _ORDER_HEAD_EMOJI[direction]) + " ")
        elif rng.random() < 0.1:
            t.add(_pick(rng, _DECOR) + " ")
        sym_first = rng.random() < 0.65
        if sym_first:
            t.field("symbol", sym_text)
            t.add(" ")
        t.field("direction", word)
        if order_type == "limit":
            t.add(" ")
            t.field("order_type", _pick(rng, words.limit))
        elif order_type == "stop":
            t.add(" ")
            t.field("order_type", "STOP" if word.isupper() else "Stop")
        if not sym_first:
            t.add(" ")
            t.field("symbol", sym_text)
        if order_type == "market":
            t.add(" ")
            t.field("order_type", _pick(rng, words.market))

    def _entry(self, t, rng, entry_plain, shorthand, style, *, sell: bool) -> None:
        if not entry_plain:
            return
        if len(entry_plain) == 1:
            t.field("entry", style.write(entry_plain[0]))
            return
        a, b = entry_plain
        if shorthand:
            t.field("entry", style.write(a))
            t.add(_pick(rng, ("-", "-", "/")))
            t.field("entry", style.write(shorthand))
            return
        if sell and rng.random() < 0.3:
            a, b = b, a  # zones of a sell are often written from the top
            t.entry_reversed = True
        t.field("entry", style.write(a))
        t.add(_pick(rng, _RANGE_JOIN))
        t.field("entry", style.write(b))

    def _oneline(self, t, rng, words, lang, sym_text, direction, order_type, entry_plain, shorthand, style,
                 sl_plain, sl_pips, tp_plain, tp_pips, leverage) -> None:
        sep = _pick(rng, (" ", " ", ", ", " | "))
        self._head(t, rng, words, sym_text, direction, order_type, emoji=False)
        if entry_plain:
            t.add(" " + _pick(rng, ("@", "@ ", "", _pick(rng, words.entry) + " ")))
            self._entry(t, rng, entry_plain, shorthand, style, sell=direction == "sell")
        if leverage is not None:
            t.add(sep)
            t.field("leverage", f"{leverage}x")
        t.add(sep + _pick(rng, words.stop_loss) + _pick(rng, (" ", ": ", " ")))
        self._stop(t, rng, words, style, sl_plain, sl_pips)
        if tp_pips is not None:
            label, unit = _pick(rng, words.take_profit_n), _pick(rng, words.pips)
            for i, v in enumerate(tp_pips, 1):
                t.add(sep + label.format(i=i) + " ")
                t.field("take_profit_pips", str(v))
                t.add(" " + unit)
            return
        if len(tp_plain) > 1 and rng.random() < 0.5:
            t.add(sep + _pick(rng, words.take_profit) + _pick(rng, (" ", ": ")))
            join = _pick(rng, (", ", " / ", " - ", " "))
            for i, v in enumerate(tp_plain):
                if i:
                    t.add(join)
                t.field("take_profits", style.write(v))
            return
        label = _pick(rng, words.take_profit_n)
        colon = _pick(rng, ("", " ", ": "))
        for i, v in enumerate(tp_plain, 1):
            t.add(sep + label.format(i=i) + (colon or " "))
            t.field("take_profits", style.write(v))

    def _stop(self, t, rng, words, style, sl_plain, sl_pips) -> None:
        if sl_pips is not None:
            t.field("stop_loss_pips", str(sl_pips))
            t.add(" " + _pick(rng, words.pips))
        else:
            t.field("stop_loss", style.write(sl_plain))

    def _block(self, t, rng, words, lang, sym_text, direction, order_type, entry_plain, shorthand, style,
               sl_plain, sl_pips, tp_plain, tp_pips, leverage, *, emoji: bool, crypto: bool) -> None:
        self._head(t, rng, words, sym_text, direction, order_type, emoji=emoji)
        colon = _pick(rng, (": ", ": ", " ", " : ", " @ "))
        if entry_plain:
            if rng.random() < 0.35:
                t.add(" " + _pick(rng, ("@", "@ ", "")))
            else:
                t.add("\n" + ("📍 " if emoji else "") + _pick(rng, words.entry) + colon)
            self._entry(t, rng, entry_plain, shorthand, style, sell=direction == "sell")
        if leverage is not None:
            t.add("\n" + _pick(rng, words.leverage) + _pick(rng, (": ", " ")) + _pick(rng, ("", "Cross ", "Isolated ")))
            roll = rng.random()
            if roll < 0.45:
                t.field("leverage", f"{leverage}x")
            elif roll < 0.9:
                t.field("leverage", f"x{leverage}")
            else:  # a range: the label is its top (SCHEMA.md)
                t.field("leverage", f"{max(1, leverage // 2)}-{leverage}x")
        stop_first = rng.random() < 0.6
        if stop_first:
            t.add("\n" + ("🛑 " if emoji else "") + _pick(rng, words.stop_loss) + colon)
            self._stop(t, rng, words, style, sl_plain, sl_pips)
        self._targets_block(t, rng, words, style, tp_plain, tp_pips, colon, emoji=emoji, crypto=crypto)
        if not stop_first:
            t.add("\n" + ("🛑 " if emoji else "") + _pick(rng, words.stop_loss) + colon)
            self._stop(t, rng, words, style, sl_plain, sl_pips)
        if rng.random() < 0.25 and words.footer:
            t.add("\n\n" + _pick(rng, words.footer))

    def _targets_block(self, t, rng, words, style, tp_plain, tp_pips, colon, *, emoji: bool, crypto: bool) -> None:
        if tp_pips is not None:
            label = _pick(rng, words.take_profit_n)
            for i, v in enumerate(tp_pips, 1):
                t.add("\n" + label.format(i=i) + colon)
                t.field("take_profit_pips", str(v))
                t.add(" " + _pick(rng, words.pips))
            return
        roll = rng.random()
        if emoji and roll < 0.5:
            for v in tp_plain:
                t.add("\n🎯 ")
                t.field("take_profits", style.write(v))
        elif roll < 0.3 or (crypto and roll < 0.6):
            t.add("\n" + _pick(rng, words.take_profit) + ":")
            bullet = _pick(rng, ("{i}) ", "{i}) ", "{i}- ", "🎯 ", "- "))
            for i, v in enumerate(tp_plain, 1):
                t.add("\n" + bullet.format(i=i))
                t.field("take_profits", style.write(v))
        elif roll < 0.4 and len(tp_plain) > 1:
            t.add("\n" + _pick(rng, words.take_profit) + colon)
            join = _pick(rng, (", ", " / ", " - "))
            for i, v in enumerate(tp_plain):
                if i:
                    t.add(join)
                t.field("take_profits", style.write(v))
        else:
            label = _pick(rng, words.take_profit_n)
            for i, v in enumerate(tp_plain, 1):
                t.add("\n" + ("🎯 " if emoji else "") + label.format(i=i) + colon)
                t.field("take_profits", style.write(v))
            if rng.random() < 0.1:
                t.add("\n" + label.format(i=len(tp_plain) + 1) + colon + _pick(rng, ("open", "runner", "hold")))

    # --- updates and noise -----------------------------------------------------------------------
    def _params(self, lang: str) -> dict[str, Any]:
        rng = self.rng
        inst = self.instrument()
        sym_text, symbol = self.symbol_form(inst, all_languages()[lang])
        dec = _pick(rng, inst.decimals)
        plain = f"{rng.uniform(inst.low, inst.high):.{dec}f}"
        return {"sym": sym_text, "symbol": symbol, "price": plain, "n": 1 + int(rng.random() * 4),
                "pct": _pick(rng, (25, 30, 50, 70, 75)), "pips": 12 + int(rng.random() * 939)}

    def update(self, lang: str) -> tuple[str, dict[str, Any], dict[str, list[list[int]]]]:
        template, actions = _pick(self.rng, UPDATES[lang])
        p = self._params(lang)
        second = self._second_update(lang, template, actions)
        if second is not None:
            joiner, more, more_actions = second
            template, actions = template + joiner + more, (*actions, *more_actions)
        text = template.format(**p)
        out = []
        for typ, price, percent, tp in actions:
            out.append({"type": typ, "price": float(p["price"]) if price else None,
                        "percent": float(p["pct"]) if percent == "pct" else (float(percent) if percent else None),
                        "tp": p["n"] if tp == "n" else tp})
        spans: dict[str, list[list[int]]] = {}
        symbol = None
        rng = self.rng
        if "{sym}" not in template and rng.random() < 0.5:
            # channels often head an update with the pair it manages: "GBPJPY: Move SL to BE"
            text = p["sym"] + _pick(rng, (" ", ": ", " - ", "\n")) + text
            template = "{sym}" + template
        if "{sym}" in template:
            symbol = p["symbol"]
            at = text.find(p["sym"])
            spans["symbol"] = [[at, at + len(p["sym"])]]
        return text + _pick(rng, _TAILS), {"kind": "update", "symbol": symbol, "actions": out}, spans

    def _second_update(self, lang: str, template: str, actions: tuple) -> tuple[str, str, tuple] | None:
        """(joiner, template, actions) of a second sentence for a one-action update, or None: one
        of another type from the _SECONDS, naming no symbol and no second price or target number
        (the record has one of each)."""
        rng = self.compound_rng
        if len(actions) != 1 or actions[0][0] not in _FIRSTS or rng.random() >= COMPOUND_SHARE:
            return None
        shut = {"{sym}", *(key for key in ("{price}", "{n}", "{pct}") if key in template)}
        options = [(t, a) for t, a in UPDATES[lang] if len(a) == 1 and a[0][0] in _SECONDS and a[0][0] != actions[0][0]
                   and not any(key in t for key in shut)]
        if not options:
            return None
        more, more_actions = _pick(rng, options)
        return _pick(rng, _JOINERS), more, more_actions

    def noise(self, lang: str) -> tuple[str, dict[str, Any], dict[str, list[list[int]]]]:
        template = _pick(self.rng, NOISE[lang])
        return template.format(**self._params(lang)) + _pick(self.rng, _TAILS), {"kind": "noise"}, {}

    def records(self, n: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        sig, upd = KIND_MIX
        for i in range(n):
            lang = _weighted(rng, self.languages, self.language_weights)
            roll = rng.random()
            if roll < sig:
                text, label, spans = self.signal(lang)
            elif roll < sig + upd:
                lang = lang if lang in UPDATES else _pick(rng, self.update_langs)
                text, label, spans = self.update(lang)
            else:
                lang = lang if lang in NOISE else _pick(rng, self.noise_langs)
                text, label, spans = self.noise(lang)
            # a handful of channels per language, as a real collection has: the same short update
            # ("Move SL to BE") posted by two channels is two messages
            yield {"id": f"syn{self.seed}-{i:06d}", "text": text, "provider": f"synth-{lang}-{int(rng.random() * CHANNELS_PER_LANGUAGE) + 1}",
                   "origin": "synthetic", "language": lang, "label": label, "spans": spans,
                   "multi": False, "uncertain": False, "note": ""}


def _pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    # random.choice draws bits until they fit; a float is enough here and twice as fast
    return seq[int(rng.random() * len(seq))]


def _weighted(rng: random.Random, seq: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return seq[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _shorthand(full: str, other: str) -> str | None:
    """The last digits of ``other`` when ``full`` gives the rest (2342 / 2345 → "45")."""
    if len(full) != len(other):
        return None
    for k in (2, 1, 3):
        if full[:-k] == other[:-k] and "." not in other[-k:] and other[-k:] != "0" * k:
            return other[-k:]
    return None


def synth_records(n: int, seed: int = 7, languages: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """``n`` labelled synthetic corpus lines (dicts), reproducible from ``seed``.

    ``languages`` limits the words used (ISO codes of :func:`signalos.dataset.vocab.all_languages`:
    the hand-written vocabularies and every language file of the keyword tables; default all of
    them, English weighted up). About 60% signals, 25% updates, 15% noise; a language without
    update or noise templates of its own writes those in another.
    """
    known = all_languages()
    langs = list(languages) if languages else list(known)
    unknown = [lang for lang in langs if lang not in known]
    if unknown:
        raise SynthError(f"unknown language {unknown[0]!r}; synth writes {', '.join(known)}")
    if n < 0:
        raise SynthError("n must be zero or more")
    return _Generator(seed, langs).records(n)


def import_synth(ds: Any, n: int, seed: int = 7, languages: Sequence[str] | None = None,
                 progress: Any = None, chunk_size: int = 1000) -> dict[str, Any]:
    """Generate ``n`` records into a :class:`signalos.dataset.repository.Dataset` (labels from
    source ``synth``); the same request twice adds nothing the second time."""
    import hashlib

    langs = list(languages) if languages else list(all_languages())
    tag = hashlib.sha256(f"synth|{n}|{seed}|{','.join(langs)}".encode()).hexdigest()
    batch_id = ds.add_batch("synth", path=None, format="synth", file_sha256=tag)
    kinds: dict[str, int] = {}

    def rows() -> Iterator[dict[str, Any]]:
        for rec in synth_records(n, seed, langs):
            kind = rec["label"]["kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
            yield {"text": rec["text"], "provider": rec["provider"], "language": rec["language"],
                   "origin": "synthetic", "label": rec["label"], "spans": rec["spans"] or None,
                   # generated rows only ever train a model (signalos.dataset.split says why)
                   "split": "train", "label_source": "synth", "extra": {"id": rec["id"]}}

    added, skipped = ds.add_messages(rows(), batch_id, chunk_size=chunk_size, progress=progress)
    ds.finish_batch(batch_id)
    return {"generated": n, "added": added, "already_there": skipped, "batch_id": batch_id, "seed": seed,
            "languages": langs, "kinds": kinds}
