"""The multilingual regex parser: component ``regex``.

It reads a message as a sequence of tokens. Labels (``SL``, ``Тейк``, ``🎯``, ``حد ضرر``...) open a
field and the numbers after them fill it until the next label; numbers before any label belong to
the entry when a direction, symbol or ``@`` introduces them. Update and noise phrases are
patterns from the keyword tables. Nothing here knows a provider: formats are learned from words.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import regex

from signalos.models import Action, Message, ParseResult
from signalos.normalize import expand_shorthand, normalize_text, parse_number
from signalos.validate import infer_direction

from signalos_regex.lexicon import NEGATORS, Lexicon, build_lexicon
from signalos_regex.tokens import Tok, mark_keywords, tokenize

NAME = "regex"
MAX_CHARS = 4096  # Telegram's own message limit; longer text is parsed on its first 4096 characters
PATTERN_TIMEOUT = 0.05  # seconds, per pattern pass: user-supplied patterns may backtrack badly

PIPS_WORDS = frozenset({"pips", "pip", "points", "point", "pts", "pt", "pipettes", "пунктов", "пункта", "пункт",
                        "п", "پیپ", "نقطه", "puntos", "pontos", "punkte", "pipov"})
LOT_WORDS = frozenset({"lot", "lots", "лот", "лота", "lotes", "usd", "usdt", "$"})
RANGE_SEPARATORS = frozenset({"-", "~", "/", "و", "to", "and", "a", "до", "تا", "به", "–"})
SENTENCE_ENDS = frozenset({".", "!", "?", "。", "！", "？", ";"})
PLACEHOLDERS = frozenset({"open", "hold", "runner", "null", "none", "tbd", "free", "moon", "🌙"})


class RegexParser:
    """Parses with the keyword and symbol tables.

    Options (``[parsers.regex]`` in signalos.toml): ``keywords`` and ``symbols``, lists of TOML files
    merged into the built-in tables; ``providers.NAME.keywords`` / ``providers.NAME.symbols`` for one
    provider only; ``max_chars``.
    """

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None):
        options = dict(options or {})
        base = Path(getattr(getattr(host, "config", None), "base_dir", ".") or ".")
        self._files = lambda key, opts: [base / p for p in opts.get(key, [])]
        self.max_chars = int(options.get("max_chars", MAX_CHARS))
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
            return _Reading(normalize_text(text), self.lexicon_for(message.provider), warnings).result()
        except TimeoutError:
            return ParseResult.noise(parser=NAME, confidence=0.0, warnings=(*warnings, "pattern timed out on this text"))
        except Exception as exc:  # a parser never raises: the error is a warning and the chain goes on
            return ParseResult.noise(parser=NAME, confidence=0.0,
                                     warnings=(*warnings, f"regex parser error: {type(exc).__name__}: {exc}"))


class _Reading:
    """One message being read. Fields are filled by ``_assign`` and assembled by ``result``."""

    def __init__(self, text: str, lex: Lexicon, warnings: list[str]):
        self.text = text
        self.lex = lex
        self.warnings = warnings
        self.toks: list[Tok] = mark_keywords(tokenize(text), lex)
        self.spans: dict[str, list[tuple[int, int]]] = {}
        self.directions: list[tuple[str, Tok, bool]] = []  # (direction, token, negated)
        self.order_types: list[tuple[str, Tok]] = []
        self.entry: list[tuple[float, Tok]] = []
        self.stop: list[tuple[float, Tok]] = []
        self.targets: list[tuple[float, Tok]] = []
        self.stop_pips: list[tuple[float, Tok]] = []
        self.target_pips: list[tuple[float, Tok]] = []
        self.leverage: list[tuple[float, Tok]] = []
        self.symbol: tuple[int, str, int, int] | None = None  # (priority, symbol, start, end)
        self.has_at = False

    # --- symbols ---------------------------------------------------------------------------
    def _offer_symbol(self, priority: int, symbol: str, start: int, end: int) -> None:
        if self.symbol is None or priority < self.symbol[0]:
            self.symbol = (priority, symbol, start, end)

    def _scan_symbols(self) -> None:
        toks, symbols, n = self.toks, self.lex.symbols, len(self.toks)
        for i, tok in enumerate(toks):
            if tok.kind != "word":
                continue
            if tok.cat in ("sym", "label", None):
                found = self._symbol_at(i)
                if found:
                    sym, end, priority = found
                    self._offer_symbol(priority, sym, tok.start, end)
                    continue
            if tok.cat == "sym":
                self._offer_symbol(2, tok.val, tok.start, tok.end)
                continue
            if tok.cat == "label" and tok.val == "symbol":
                nxt = _next_word(toks, i + 1, allow="#$:-=()[]*|")
                if nxt is not None and nxt.cat is None and (nxt.text.isupper() or nxt.text[:1].isdigit()):
                    sym = self._symbol_at(toks.index(nxt)) or _ticker(nxt.text)
                    if sym:
                        self._offer_symbol(1, sym[0] if isinstance(sym, tuple) else sym, nxt.start, nxt.end)
                continue
            if tok.cat is not None:
                continue
            prev = toks[i - 1] if i else None
            if prev is not None and prev.kind == "p" and prev.text in "#$" and prev.end == tok.start:
                up = tok.text.upper()
                if (tok.text.isupper() or prev.text == "$") and 2 <= len(up) <= 12 and up not in symbols.noise_tags \
                        and _ticker(tok.text):
                    self._offer_symbol(3, symbols.canonical(up) or up, prev.start, tok.end)
                    continue
            up = tok.text.upper()
            if up in symbols.bases and tok.text.isupper():
                self._offer_symbol(4, up, tok.start, tok.end)
            elif tok.text.isupper() and _ticker(tok.text) and up not in symbols.noise_tags and len(up) >= 2:
                near = [t for t in (prev, toks[i + 1] if i + 1 < n else None) if t is not None]
                if any(t.cat == "dir" for t in near) or (prev is not None and prev.text.lower() in ("on", "ticker")):
                    self._offer_symbol(5, up, tok.start, tok.end)

    def _symbol_at(self, i: int):
        """A symbol starting at word token ``i``: pairs written whole or split (EUR/USD, BTC / USDT,
        XAU USD), indices with digits (US30), broker suffixes. Returns (symbol, end, priority)."""
        toks, symbols = self.toks, self.lex.symbols
        tok = toks[i]
        word = tok.text
        n = len(toks)
        # glued digits: US30, NAS100, GER40
        if i + 1 < n and toks[i + 1].kind == "num" and toks[i + 1].start == tok.end:
            sym = symbols.canonical(word + toks[i + 1].text)
            if sym:
                toks[i + 1].skip = True
                return sym, toks[i + 1].end, 2
        # BASE / QUOTE or AAA BBB across tokens
        j = i + 1
        if j < n and toks[j].kind == "p" and toks[j].text in "/-_." and j + 1 < n and toks[j + 1].kind == "word":
            j += 1
        if j < n and toks[j].kind == "word" and toks[j].cat in (None, "sym"):
            quote = toks[j].text.upper()
            base = word.upper()
            if quote in symbols.quotes and j > i + 1 and base.isascii() and base.isalnum() \
                    and base not in symbols.noise_tags and toks[j].start - tok.end <= 4:
                return ("BTC" if base == "XBT" else base) + quote, toks[j].end, 2
            if len(word) == 3 and len(quote) == 3 and symbols.is_pair(word + quote) and toks[j].start - tok.end <= 3:
                return (word + quote).upper(), toks[j].end, 2
        sym = symbols.canonical(word)
        if sym and (len(word) >= 5 or word.isupper() or symbols.is_pair(word)):
            # broker suffix after a dot: EURUSD.m / EURUSD.pro
            return sym, tok.end, 2
        return None

    # --- fields -----------------------------------------------------------------------------
    def _scan_fields(self) -> None:
        toks = self.toks
        n = len(toks)
        current: str | None = None  # the open label: entry / stop_loss / take_profit / leverage / ignore
        filled = 0  # numbers taken by the open label
        entry_ok = False  # may an unlabelled number be an entry?
        prev_num: tuple[str, float, Tok, str | None] | None = None  # raw, value, token, field
        line_has_label = False
        for i, tok in enumerate(toks):
            kind = tok.kind
            if kind == "nl":
                line_has_label = False
                continue
            if kind == "word":
                cat = tok.cat
                if cat == "label":
                    if tok.val == "symbol":
                        continue
                    if current in ("take_profit", "stop_loss") and tok.val == "entry" and tok.text.lower() in ("at", "from", "price"):
                        continue  # "Close the order at the price": the open field goes on
                    current, filled, line_has_label = tok.val, 0, True
                    prev_num = None
                    continue
                if cat == "dir":
                    negated = _negated(toks, i)
                    self.directions.append((tok.val, tok, negated))
                    # "buy stop" / "sell stop" on one line is an order type, not a stop-loss label
                    nxt = toks[i + 1] if i + 1 < n else None
                    if nxt is not None and nxt.kind == "word" and nxt.cat == "label" and nxt.val == "stop_loss" \
                            and nxt.text.lower() in ("stop",) and self.text[tok.end:nxt.start].strip() == "":
                        self.order_types.append(("stop", nxt))
                        nxt.cat, nxt.val = "ot", "stop"
                    elif nxt is not None and nxt.cat == "ot" and nxt.val == "limit":
                        pass
                    if current not in ("take_profit", "stop_loss") or filled:
                        current, filled = None, 0
                    entry_ok = True
                    continue
                if cat == "ot":
                    self.order_types.append((tok.val, tok))
                    entry_ok = True
                    continue
                if cat == "sym":
                    entry_ok = current is None or entry_ok
                    continue
                low = tok.text.lower()
                if low in PLACEHOLDERS:
                    continue
                if _is_symbolish(tok, self.lex):
                    entry_ok = True
                    continue
                if len(tok.text) >= 3 or low in NEGATORS:
                    # prose: ends an open field that already has numbers, and the header's entry
                    if current is not None and filled:
                        current, filled = None, 0
                    if current is None:
                        entry_ok = False
                continue
            if kind == "p":
                t = tok.text
                if t == "@":
                    self.has_at = True
                    prev = _prev_significant(toks, i)
                    if current is None or prev is None or not (prev.cat == "label"):
                        if current not in ("take_profit", "stop_loss") or filled:
                            current, filled = "entry", 0
                    entry_ok = True
                    continue
                mark = self.lex.emoji_labels.get(t.rstrip("\ufe0f"))
                if mark is not None:
                    nxt = _next_non_space(toks, i + 1)
                    if nxt is not None and nxt.kind == "num" and not line_has_label:
                        current, filled = mark, 0
                        continue
                if t in SENTENCE_ENDS and i + 1 < n and toks[i + 1].kind != "num" and current is None:
                    entry_ok = False
                continue
            if kind != "num" or tok.skip:
                continue
            # --- a number ---
            role, value = self._number_role(i, current)
            if role is None:
                continue
            field = current
            if role == "leverage":
                self.leverage.append((value, tok))
                continue
            if role == "pips":
                if field == "stop_loss" and not filled:
                    self.stop_pips.append((value, tok))
                elif field == "take_profit":
                    self.target_pips.append((value, tok))
                continue
            if field == "leverage":
                self.leverage.append((value, tok))
                continue
            if field == "ignore":
                continue
            if field is None:
                if not entry_ok:
                    continue
                field = "entry"
            if prev_num is not None and _continues_price(toks, i, prev_num[2]) and prev_num[3] == field:
                merged = parse_number(prev_num[0] + "." + tok.text)
                target = {"entry": self.entry, "stop_loss": self.stop, "take_profit": self.targets}[field]
                if merged is not None and target and target[-1][1] is prev_num[2]:
                    target[-1] = (merged, prev_num[2])
                    prev_num = (prev_num[0] + "." + tok.text, merged, prev_num[2], field)
                    continue
            # shorthand ranges: 4785-90, 163.40-60
            if prev_num is not None and prev_num[3] == field:
                sep = self.text[prev_num[2].end:tok.start].strip()
                if sep in RANGE_SEPARATORS or sep == "":
                    expanded = expand_shorthand(prev_num[0], tok.text) if value < prev_num[1] / 5 else None
                    if expanded is not None:
                        value = expanded
            target = {"entry": self.entry, "stop_loss": self.stop, "take_profit": self.targets}[field]
            target.append((value, tok))
            filled += 1
            prev_num = (tok.text, value, tok, field)

    def _number_role(self, i: int, current: str | None) -> tuple[str | None, float]:
        """What a number is: a price ("price"), pips, leverage, or nothing (None): an index, a
        percentage, an annotation, a time frame."""
        toks, n = self.toks, len(self.toks)
        tok = toks[i]
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < n else None
        raw = tok.text
        value = parse_number(raw)
        if value is None:
            return None, 0.0
        glued_prev = prev is not None and prev.end == tok.start
        glued_next = nxt is not None and nxt.start == tok.end
        # continuation of a price on the next line: "@2341" then ".1-2337.1"
        if nxt is not None and nxt.kind == "p" and nxt.text == "%":
            return None, 0.0
        if nxt is not None and nxt.kind == "word":
            low = nxt.text.lower()
            if glued_next or low in PIPS_WORDS or low in LOT_WORDS:
                if low in ("x", "х"):
                    return "leverage", value
                if low in ("k", "к"):
                    return "price", value * 1000
                if low in PIPS_WORDS or (glued_next and low.startswith("pip")):
                    return "pips", value
                if low in LOT_WORDS and not glued_next:
                    return None, 0.0
                if glued_next and nxt.cat is None and not low.startswith("usd") \
                        and not (len(nxt.text) > 3 and nxt.text[0].isupper()):
                    return None, 0.0  # 15M, 4H, 6bcb96ff: time frames and ids
        if prev is not None and prev.kind == "word" and glued_prev:
            low = prev.text.lower()
            if low in ("x", "х") and (current == "leverage" or prev.cat is None):
                return "leverage", value
            if prev.cat == "label" and "." not in raw and "," not in raw and value <= 20:
                return None, 0.0  # TP1, Target2: an index
            if prev.cat is None and not _is_symbolish(prev, self.lex):
                return None, 0.0  # H4, M15
        if prev is not None and prev.kind == "p" and glued_prev:
            if prev.text == "+":
                return None, 0.0  # +300: a result, not a level
            if prev.text == "#" and "." not in raw and value <= 20:
                return None, 0.0  # TP #1
        # list indices: "1) 0.4315", "1️⃣ 0.2097", "TP 1: 2380", "Target 1 - 5.93"
        if "." not in raw and "," not in raw and value <= 20 and nxt is not None and nxt.kind == "p":
            if nxt.text in ("\ufe0f", "\u20e3", ")"):
                return None, 0.0
            if nxt.text in (":", "-", "=", ".", "：") and current is not None:
                after = _next_non_space(toks, i + 2)
                at_line_start = prev is None or prev.kind == "nl" or (prev.cat == "label")
                if at_line_start and (after is None or after.kind in ("num", "nl", "p", "word")):
                    if prev is not None and prev.cat == "label" or after is not None and after.kind == "num":
                        return None, 0.0
        return "price", value

    # --- updates and noise ------------------------------------------------------------------
    def _find_updates(self) -> list[tuple[Action, int, int]]:
        compiled = self.lex.updates
        if compiled is None:
            return []
        pattern, names = compiled
        found: list[tuple[Action, int, int]] = []
        for m in pattern.finditer(self.text, timeout=PATTERN_TIMEOUT):
            typ = next(names[g][1] for g in names if m.group(g) is not None)
            tp = None
            try:
                if m.group("n"):
                    tp = int(m.group("n"))
            except (IndexError, regex.error):
                pass
            line_end = self.text.find("\n", m.end())
            tail = self.text[m.end(): line_end if line_end >= 0 else len(self.text)]
            price = percent = None
            if typ in ("move_sl", "modify_tp", "breakeven", "sl_hit", "other", "close"):
                num = regex.search(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?!\s*%|\d)", tail[:40])
                if num and not (typ == "breakeven" and "be" not in m.group().lower() and False):
                    price = parse_number(num.group(1))
                    if price is not None and price <= 20 and "." not in num.group(1) and typ != "move_sl":
                        price = None
            if typ == "tp_hit" and tp is None:
                num = regex.search(r"(?:tp|target)\s*(\d{1,2})\b", m.group(), regex.IGNORECASE)
                tp = int(num.group(1)) if num else None
            if typ == "tp_hit":
                num = regex.search(r"[:=]\s*(\d+(?:[.,]\d+)?)", m.group())
                price = parse_number(num.group(1)) if num else None
            if typ in ("close_partial", "modify_tp"):
                pct = regex.search(r"(\d+(?:\.\d+)?)\s*%", m.group() + tail[:20])
                if pct:
                    percent = float(pct.group(1))
                elif regex.search(r"\bhalf\b|половин|mitad|نیم", m.group(), regex.IGNORECASE):
                    percent = 50.0
                num = regex.search(r"tp\s*(\d)", m.group(), regex.IGNORECASE)
                if num:
                    tp = int(num.group(1))
            found.append((Action(type=typ, price=price, percent=percent, tp=tp), m.start(), m.end()))
        return found

    def _noise_cues(self) -> set[str]:
        compiled = self.lex.noise
        if compiled is None:
            return set()
        pattern, names = compiled
        cues = set()
        for m in pattern.finditer(self.text, timeout=PATTERN_TIMEOUT):
            cues.add(next(names[g][1] for g in names if m.group(g) is not None))
        return cues

    # --- assembly ---------------------------------------------------------------------------
    def result(self) -> ParseResult:
        self._scan_symbols()
        self._scan_fields()
        updates = self._find_updates()
        noise = self._noise_cues()
        live_dirs = [d for d in self.directions if not d[2]]
        negated = any(d[2] for d in self.directions)
        has_levels = bool(self.stop or self.targets or self.stop_pips or self.target_pips)
        report_types = {"tp_hit", "sl_hit"}
        reports = [u for u in updates if u[0].type in report_types]
        first_line_end = self.text.find("\n", len(self.text) - len(self.text.lstrip()))
        headline_update = any(u[1] < (first_line_end if first_line_end >= 0 else len(self.text)) for u in updates) \
            and not self.entry
        strong_signal = bool(live_dirs) and has_levels and not (reports and not self.stop) and not headline_update
        symbol = self.symbol[1] if self.symbol else None

        if strong_signal or (live_dirs and self.stop and self.targets and not headline_update):
            if not noise & {"conditional"} or (self.stop and self.targets):
                return self._signal(live_dirs, confidence_penalty=0.0)
        if updates and not (live_dirs and has_levels and self.entry):
            return self._update(updates, symbol)
        if noise & {"negation", "conditional"}:
            return ParseResult.noise(parser=NAME, confidence=0.8, warnings=tuple(self.warnings))
        if live_dirs and (symbol or self.entry or has_levels) and not noise & {"results", "question"}:
            return self._signal(live_dirs, confidence_penalty=0.0)
        if not live_dirs and symbol and self.targets and (self.stop or self.entry) and not negated:
            return self._signal([], confidence_penalty=0.1)
        return ParseResult.noise(parser=NAME, confidence=0.8 if noise else 0.6, warnings=tuple(self.warnings))

    def _signal(self, live_dirs, confidence_penalty: float) -> ParseResult:
        spans: dict[str, tuple[tuple[int, int], ...]] = {}
        entry = [v for v, _ in self.entry]
        stop = self.stop[0][0] if self.stop else None
        targets = [v for v, _ in self.targets]
        direction = live_dirs[0][0] if live_dirs else None
        if live_dirs:
            spans["direction"] = ((live_dirs[0][1].start, live_dirs[0][1].end),)
        else:
            direction = infer_direction(entry, stop, targets)
            if direction:
                self.warnings.append("direction inferred from the levels")
        # two directions that disagree: the levels decide, and the reader is told
        if len({d[0] for d in live_dirs}) > 1:
            implied = infer_direction(entry, stop, targets)
            if implied:
                direction = implied
            self.warnings.append("message names both directions")
        order_type = None
        if self.order_types:
            kinds = {o[0] for o in self.order_types}
            order_type = "stop" if "stop" in kinds else "limit" if "limit" in kinds else "market"
            o = next(o for o in self.order_types if o[0] == order_type)
            spans["order_type"] = ((o[1].start, o[1].end),)
        if self.symbol:
            spans["symbol"] = ((self.symbol[2], self.symbol[3]),)
        if self.entry:
            spans["entry"] = tuple((t.start, t.end) for _, t in self.entry)
        if self.stop:
            spans["stop_loss"] = ((self.stop[0][1].start, self.stop[0][1].end),)
        if self.targets:
            spans["take_profits"] = tuple((t.start, t.end) for _, t in self.targets)
        leverage = max((v for v, _ in self.leverage), default=None)
        if self.leverage:
            spans["leverage"] = tuple((t.start, t.end) for _, t in self.leverage)
        confidence = 0.35 + 0.2 * bool(self.symbol) + 0.2 * bool(live_dirs) + 0.1 * bool(self.stop or self.stop_pips) \
            + 0.1 * bool(self.targets or self.target_pips) + 0.05 * bool(entry or order_type == "market") - confidence_penalty
        return ParseResult(
            kind="signal", symbol=self.symbol[1] if self.symbol else None, direction=direction,
            order_type=order_type, entry=entry, stop_loss=stop, take_profits=targets, leverage=leverage,
            stop_loss_pips=self.stop_pips[0][0] if self.stop_pips and stop is None else None,
            take_profit_pips=[v for v, _ in self.target_pips] if not targets else [],
            parser=NAME, confidence=round(min(confidence, 0.98), 4), spans=spans, warnings=tuple(self.warnings),
        )

    def _update(self, updates, symbol) -> ParseResult:
        spans = {"actions": tuple((a, b) for _, a, b in updates)}
        if self.symbol:
            spans["symbol"] = ((self.symbol[2], self.symbol[3]),)
        return ParseResult(kind="update", symbol=symbol, actions=[u[0] for u in updates], parser=NAME,
                           confidence=0.85 if symbol else 0.8, spans=spans, warnings=tuple(self.warnings))


def _continues_price(toks: list[Tok], i: int, prev_tok: Tok) -> bool:
    """``2341`` at the end of one line and ``.1`` at the start of the next are one price."""
    if i < 3 or "." in prev_tok.text or "," in prev_tok.text:
        return False
    dot, nl = toks[i - 1], toks[i - 2]
    return dot.kind == "p" and dot.text == "." and dot.end == toks[i].start and nl.kind == "nl" and toks[i - 3] is prev_tok


def _negated(toks: list[Tok], i: int) -> bool:
    """A direction word right after "do not", "don't", "не", ... is a warning, not a call."""
    seen = 0
    j = i - 1
    while j >= 0 and seen < 2:
        t = toks[j]
        if t.kind == "nl":
            return False
        if t.kind == "word":
            if t.text.lower() in NEGATORS or t.text.lower().endswith("n't"):
                return True
            seen += 1
        j -= 1
    return False


def _next_non_space(toks: list[Tok], j: int) -> Tok | None:
    while j < len(toks):
        if toks[j].kind != "p" or toks[j].text not in ("\ufe0f", "\u20e3", " ", "*", "_", "`", "["):
            return toks[j]
        j += 1
    return None


def _prev_significant(toks: list[Tok], j: int) -> Tok | None:
    j -= 1
    while j >= 0:
        if toks[j].kind != "p" or toks[j].text not in ("\ufe0f", "*", "_", "`", ":"):
            return toks[j]
        j -= 1
    return None


def _next_word(toks: list[Tok], j: int, allow: str) -> Tok | None:
    while j < len(toks):
        t = toks[j]
        if t.kind == "word":
            return t
        if t.kind == "p" and (t.text in allow or t.text in ("\ufe0f",)):
            j += 1
            continue
        return None
    return None


_TICKER = regex.compile(r"^[A-Za-z0-9]{2,12}$")


def _ticker(word: str) -> str | None:
    return word.upper() if _TICKER.match(word) else None


def _is_symbolish(tok: Tok, lex: Lexicon) -> bool:
    return lex.symbols.canonical(tok.text) is not None
