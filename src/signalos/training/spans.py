"""Entities shared by the learned parsers: labelled spans in, schema results out.

Training turns a label and its per-field character spans into entities (``ENTRY``, ``BUY`` ...);
inference turns the entities a model found back into a :class:`ParseResult` through the shared
normaliser, so every learned parser reads numbers and symbols exactly as the regex parser does.
A message's kind (with the action types of an update) is one class, predicted beside the entities;
the words that say an update's action ("TP1 hit", "move SL to entry") are entities too
(``ACT_TP_HIT``...), so an update that does two things reads as two actions even where the
two-action class is rare in training.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import regex

from signalos.models import ACTION_TYPES, Action, ParseResult
from signalos.normalize import (
    default_symbols, expand_shorthand, load_tables, normalize_text, parse_number, phrase_key,
)
from signalos.validate import infer_direction

# Entity labels. Direction and order type are read from the label itself, so a model learns which
# word of which language means "buy" without a lexicon at inference.
FIELD_LABELS = {
    "symbol": "SYMBOL", "entry": "ENTRY", "stop_loss": "STOP_LOSS", "take_profits": "TAKE_PROFIT",
    "leverage": "LEVERAGE", "stop_loss_pips": "SL_PIPS", "take_profit_pips": "TP_PIPS",
    "action_price": "ACTION_PRICE", "action_tp": "ACTION_TP", "action_percent": "ACTION_PERCENT",
}
# An update's actions carry a price (move the stop to 1.2345), a target number (TP2 hit) and a
# percent (close 50%): each is an entity of its own, given to the actions by type (``_fill_actions``).
ACTION_LABELS = ("ACTION_PRICE", "ACTION_TP", "ACTION_PERCENT")
# The words of an action, one label a type: ACT_TP_HIT, ACT_MOVE_SL...
ACTION_WORD_LABELS = {t: "ACT_" + t.upper() for t in ACTION_TYPES}
ACTION_OF_WORD_LABEL = {v: k for k, v in ACTION_WORD_LABELS.items()}
ENTITY_LABELS = ("SYMBOL", "BUY", "SELL", "ORDER_MARKET", "ORDER_LIMIT", "ORDER_STOP", "ENTRY", "STOP_LOSS",
                 "TAKE_PROFIT", "LEVERAGE", "SL_PIPS", "TP_PIPS", *ACTION_LABELS, *ACTION_WORD_LABELS.values())
Entity = tuple[int, int, str]  # start, end, label

# A number as channels write it; the tokenisers split on the same boundaries.
NUMBER = regex.compile(r"(?<![\p{Nd}.,])\d+(?:[.,]\d+)*(?:[.,]\d+)?(?:[kK](?![\p{L}]))?")
_LEVERAGE = regex.compile(r"(?i)(?:x\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*x)\b")
_TICKER = regex.compile(r"[A-Za-z][A-Za-z0-9]{1,11}")
_WORD = regex.compile(r"[#$]?[\p{L}\p{N}]+(?:[/\-.][\p{L}\p{N}]+)?[!]?")


# --- kind classes ----------------------------------------------------------------------------------

def kind_class(label: Mapping[str, Any]) -> str:
    """The class a model predicts for the whole message: ``signal``, ``noise`` or
    ``update:TYPE,TYPE`` (the action types in order, which is what an update is scored on)."""
    kind = label.get("kind")
    if kind == "update":
        types = [a.get("type") for a in label.get("actions") or [] if isinstance(a, Mapping)]
        return "update:" + ",".join(t for t in types if t)
    return str(kind)


def actions_of_class(cls: str) -> list[Action]:
    types = cls.partition(":")[2]
    return [Action(type=t) for t in types.split(",") if t]


# --- alignment ---------------------------------------------------------------------------------------

def align(text: str, label: Mapping[str, Any]) -> dict[str, list[tuple[int, int]]]:
    """Per-field character spans of ``label`` in ``text``: ``signalos.dataset.align.align_label``
    when the dataset package provides it, else a simpler built-in alignment."""
    try:
        from signalos.dataset.align import align_label
    except ImportError:
        return fallback_align(text, label)
    return _coerce_spans(align_label(text, label))


def _coerce_spans(found: Any) -> dict[str, list[tuple[int, int]]]:
    # align_label may give {field: [[s, e], ...]}, {field: (s, e)}, an object with .spans, or
    # a list of {"field", "start", "end"} records; all become {field: [(s, e), ...]}.
    found = getattr(found, "spans", found)
    out: dict[str, list[tuple[int, int]]] = {}
    if isinstance(found, Mapping):
        for field, spans in found.items():
            if not spans:
                continue
            if isinstance(spans[0], int):
                spans = [spans]
            out[field] = [(int(s[0]), int(s[1])) for s in spans if s is not None and len(s) >= 2]
    elif isinstance(found, Iterable):
        for rec in found:
            if isinstance(rec, Mapping):
                out.setdefault(rec["field"], []).append((int(rec["start"]), int(rec["end"])))
            else:
                field, start, end = rec[:3]
                out.setdefault(field, []).append((int(start), int(end)))
    return out


@functools.lru_cache(maxsize=1)
def _direction_words() -> dict[str, str]:
    table = load_tables("keywords")
    words = {}
    for side, ws in table.get("direction", {}).items():
        for w in ws:
            if not w.startswith("re:"):
                words[phrase_key(w)] = side
    return words


@functools.lru_cache(maxsize=1)
def _order_words() -> dict[str, str]:
    table = load_tables("keywords")
    return {phrase_key(w): kind for kind, ws in table.get("order_type", {}).items() for w in ws
            if not w.startswith("re:")}


def _word_spans(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _phrase_hits(text: str, table: Mapping[str, str], want: str | None) -> list[tuple[int, int, str]]:
    words = _word_spans(text)
    hits = []
    for i in range(len(words)):
        for n in (3, 2, 1):
            if i + n > len(words):
                continue
            key = phrase_key(" ".join(w[2] for w in words[i:i + n]))
            hit = table.get(key)
            if hit and (want is None or hit == want):
                hits.append((words[i][0], words[i + n - 1][1], hit))
                break
    return hits


def fallback_align(text: str, label: Mapping[str, Any]) -> dict[str, list[tuple[int, int]]]:
    """Spans found by value: each number of the label is matched to the first unused number of
    the text with that value; symbol, direction and order type by their words."""
    norm = normalize_text(text)
    spans: dict[str, list[tuple[int, int]]] = {}
    if label.get("kind") == "noise":
        return spans
    symbols = default_symbols()
    if label.get("symbol"):
        for s, e, w in _word_spans(norm):
            if symbols.canonical(w) == label["symbol"] or symbols.canonical(w.lstrip("#$")) == label["symbol"]:
                spans["symbol"] = [(s, e)]
                break
    if label.get("kind") != "signal":
        return spans
    numbers = [(m.start(), m.end(), parse_number(m.group())) for m in NUMBER.finditer(norm)]
    used: set[int] = set()

    def take(value: float) -> tuple[int, int] | None:
        for i, (s, e, v) in enumerate(numbers):
            if i not in used and v is not None and abs(v - float(value)) <= 1e-9 * max(1.0, abs(v)):
                used.add(i)
                return (s, e)
        return None

    for field in ("entry", "stop_loss", "take_profits", "stop_loss_pips", "take_profit_pips"):
        value = label.get(field)
        for v in value if isinstance(value, list) else [value] if value is not None else []:
            span = take(v)
            if span:
                spans.setdefault(field, []).append(span)
    if label.get("leverage") is not None:
        for m in _LEVERAGE.finditer(norm):
            if parse_number(m.group(1) or m.group(2)) == float(label["leverage"]):
                spans["leverage"] = [(m.start(), m.end())]
                break
    if label.get("direction"):
        hits = _phrase_hits(norm, _direction_words(), label["direction"])
        if hits:
            spans["direction"] = [hits[0][:2]]
    if label.get("order_type"):
        hits = _phrase_hits(norm, _order_words(), label["order_type"])
        if hits:
            spans["order_type"] = [hits[0][:2]]
    return spans


# A target's number as an update writes it: a small integer right after a word ("TP2", "Hedef 3",
# "target #1", "тейк 2"), not part of a price.
_SMALL_INT = regex.compile(r"(?<![\p{Nd}.,])\d{1,2}(?![\p{Nd}]|[.,]\p{Nd})")
_AFTER_WORD = regex.compile(r"\p{L}[\s#№:.\-]{0,2}$")
_PERCENT = regex.compile(r"(?<![\p{Nd}.,])(\d+(?:[.,]\d+)?)\s*%")


def action_spans(text: str, label: Mapping[str, Any], spans: Mapping[str, Sequence]) -> dict[str, list[tuple[int, int]]]:
    """Spans of an update's action values that ``spans`` lacks: prices by value (the dataset's
    alignment, which generated rows may not carry), target numbers (a small integer written right
    after a word) and percents (a number before ``%``), each value's first free occurrence."""
    if label.get("kind") != "update":
        return {}
    actions = [a for a in label.get("actions") or [] if isinstance(a, Mapping)]
    out: dict[str, list[tuple[int, int]]] = {}
    if "action_price" not in spans and any(a.get("price") is not None for a in actions):
        found = align(text, label).get("action_price")
        if found:
            out["action_price"] = list(found)
    taken: set[int] = set()

    def first(pattern, value: float, test) -> tuple[int, int] | None:
        for m in pattern.finditer(text):
            raw = m.group(1) if m.groups() else m.group()
            v = parse_number(raw)
            if m.start() not in taken and v is not None and abs(v - value) < 1e-9 and test(m):
                taken.add(m.start())
                return (m.start(), m.start() + len(raw))
        return None

    for field, key, pattern, test in (
            ("action_tp", "tp", _SMALL_INT, lambda m: bool(_AFTER_WORD.search(text, 0, m.start()))),
            ("action_percent", "percent", _PERCENT, lambda m: True)):
        if field in spans:
            continue
        for a in actions:
            if isinstance(a.get(key), (int, float)) and not isinstance(a.get(key), bool):
                span = first(pattern, float(a[key]), test)
                if span:
                    out.setdefault(field, []).append(span)
    return out


# The longest stretch of an action's words without a digit, from a letter to a letter ("TP1 hit"
# -> "hit"): the digits are the action's values, entities of their own.
_DIGIT_FREE = regex.compile(r"\p{L}(?:[^\d]*\p{L})?")


def action_word_entities(text: str, label: Mapping[str, Any], taken: Sequence[Entity]) -> list[Entity]:
    """The words that say each of an update's actions, as entities (``ACT_TYPE``): for each action
    in order, the first match of the regex tables' update patterns of its type that is not used
    yet, cut to its longest stretch without a digit, which overlaps no span in ``taken``. An action
    the tables have no words for gets none (the kind class still carries it)."""
    if label.get("kind") != "update":
        return []
    from signalos_regex.features import keyword_spans

    prefix = "⟨update:"  # the update patterns' matches among the classes of the tables
    matches = [(s, e, c[len(prefix):-1]) for s, e, c in keyword_spans(text) if c.startswith(prefix)]
    free = []  # each match's longest stretch without a digit, where it overlaps no field's span
    for s, e, t in matches:
        words = max(_DIGIT_FREE.finditer(text, s, e), key=lambda m: len(m.group()), default=None)
        if words is not None and not any(words.start() < te and ts < words.end() for ts, te, _ in taken):
            free.append((words.start(), words.end(), t))
    out: list[Entity] = []
    for action in label.get("actions") or []:
        kind = action.get("type") if isinstance(action, Mapping) else None
        for k, (s, e, t) in enumerate(free):
            if t == kind and not any(s < oe and os_ < e for os_, oe, _ in out):
                out.append((s, e, ACTION_WORD_LABELS[kind]))
                del free[k]
                break
    return out


def entities_for(text: str, label: Mapping[str, Any], spans: Mapping[str, Sequence] | None = None) -> list[Entity]:
    """The entities to train on: spans of the label's fields (an update's action values too) and
    of the words that say its actions (``action_word_entities``), sorted, overlaps dropped."""
    if spans is None:
        spans = align(text, label)
    spans = {**spans, **action_spans(text, label, spans)}
    out: list[Entity] = []
    for field, field_spans in spans.items():
        if field == "direction":
            name = {"buy": "BUY", "sell": "SELL"}.get(label.get("direction") or "")
        elif field == "order_type":
            name = {"market": "ORDER_MARKET", "limit": "ORDER_LIMIT", "stop": "ORDER_STOP"}.get(label.get("order_type") or "")
        else:
            name = FIELD_LABELS.get(field)
        if not name:
            continue
        for span in field_spans or ():
            s, e = int(span[0]), int(span[1])
            # trim spaces so a span starts and ends on token characters
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if 0 <= s < e <= len(text):
                out.append((s, e, name))
    out.extend(action_word_entities(text, label, out))
    out.sort()
    kept: list[Entity] = []
    for ent in out:
        if kept and ent[0] < kept[-1][1]:
            continue
        kept.append(ent)
    return kept


# --- inference: entities to a result ------------------------------------------------------------

def _numbers_in(text: str) -> list[tuple[str, float]]:
    out = []
    for m in NUMBER.finditer(normalize_text(text)):
        v = parse_number(m.group())
        if v is not None:
            out.append((m.group(), v))
    return out


def _fix_magnitude(value: float, ref: float | None) -> float:
    # "DAX 19.450" read as 19.45 beside an entry of 19450: a dot used as thousands separator
    if ref and value and ref / value > 500:
        for factor in (1000.0, 1_000_000.0):
            if 0.3 < value * factor / ref < 3:
                return value * factor
    return value


# The decimals of a price carried to the next line by an export: "@2373\n.3-2369.3" is 2373.3.
_DECIMALS_BELOW = regex.compile(r"[ \t]*\n[ \t]*\.\d+(?![\d.])")


_LINE_BREAK_IN_NUMBER = regex.compile(r"(?<=\d)[ \t]*\n[ \t]*(?=\.\d)")


def _whole_numbers(text: str, ents: list[Entity]) -> list[Entity]:
    """Price entities that end where the next line goes on with their decimals take them in."""
    out = []
    for s, e, lab in ents:
        if lab in _PRICE_LABELS and text[s:e][-1:].isdigit() and "." not in text[s:e]:
            m = _DECIMALS_BELOW.match(text, e)
            if m and not any(s2 < m.end() and e2 > e for s2, e2, _ in ents if (s2, e2) != (s, e)):
                e = m.end()
        out.append((s, e, lab))
    return out


_RANGE_GAP = regex.compile(r"\s*(?:[-–—~]|to|до|تا)\s*", regex.IGNORECASE)
_PRICE_LABELS = frozenset({"ENTRY", "STOP_LOSS", "TAKE_PROFIT"})


def _join_ranges(text: str, ents: list[Entity]) -> list[Entity]:
    """A price joined to the one before it by a dash ("2335 - 2332", "@2316\n-2311") belongs to the
    same field: a range is never an entry and a target. Models often tag its second half apart."""
    out: list[Entity] = []
    for s, e, lab in ents:
        if out and lab in _PRICE_LABELS and out[-1][2] in _PRICE_LABELS and lab != out[-1][2] \
                and _RANGE_GAP.fullmatch(text[out[-1][1]:s]) and out[-1][2] == "ENTRY":
            lab = out[-1][2]
        out.append((s, e, lab))
    return out


# Which actions take a value, most likely first: a price goes to a stop or target being moved before
# a target hit at a price; a target number to a hit or a changed target; a percent to a partial close.
_ACTION_SLOTS = {
    "ACTION_PRICE": ("price", (("move_sl", "modify_tp"), ("tp_hit", "sl_hit", "close", "other", "breakeven"),
                               ("close_partial",))),
    "ACTION_TP": ("tp", (("tp_hit", "modify_tp"), ("close_partial",), ("move_sl",))),
    "ACTION_PERCENT": ("percent", (("close_partial",), ("close", "other"))),
}


def with_action_words(text: str, actions: list[Action], ents: Iterable[Entity]) -> list[Action]:
    """The actions the model's action word entities say, in reading order, else the class's: the
    class names one of the pairs seen in training, the words each action the message says (a
    two-action update whose pair is rare in training still reads as two). An action whose words
    no table holds is then lost when another action has words: adding the class's other actions
    read worse on the validation split, the test split and the providers left out in turn
    (docs/training.md). Words of one type that
    follow each other on a line with no digit or other entity between are one action (an encoder
    tags "Take partials" as two pieces); "TP1 hit, TP2 hit" stays two. Chosen on the validation
    split over the class's actions and over the class's with the words' added (docs/training.md)."""
    said: list[Action] = []
    last: Entity | None = None  # the previous entity, if it was an action word
    for ent in sorted(ents):
        kind = ACTION_OF_WORD_LABEL.get(ent[2])
        if kind is None:
            last = None
            continue
        gap = text[last[1]:ent[0]] if last is not None else ""
        if not (last is not None and last[2] == ent[2] and "\n" not in gap and not any(c.isdigit() for c in gap)):
            said.append(Action(type=kind))
        last = ent
    return said or actions


def choose_action_words(exact_with: Callable[[bool], float]) -> dict[str, Any]:
    """Whether a trained model's updates read better from its action words or from its class:
    ``exact_with(action_words)`` is the validation exact match decoded each way. Saved as the
    manifest's ``metrics["action_words"]``; the words win only when strictly better."""
    words, by_class = exact_with(True), exact_with(False)
    return {"used": words > by_class, "validation_exact": {"words": words, "class": by_class}}


def uses_action_words(metrics: Mapping[str, Any] | None) -> bool:
    """A model's choice (``choose_action_words``); models without one (trained before action
    words, whose entities hold none) decode either way alike."""
    return bool(((metrics or {}).get("action_words") or {}).get("used", True))


def fill_actions(text: str, actions: list[Action], ents: Iterable[Entity]) -> list[Action]:
    """The actions of an update's class with the values its action entities name, in reading
    order: each value goes to the first action of the likeliest type that has none yet; a value
    no action can take is dropped. A model that tagged an update's price as a signal's level
    (the stop of "move the stop to 0.6650") gave it a price all the same: without an
    ``ACTION_PRICE`` entity, those levels are the prices."""
    ents = sorted(ents)
    if not any(lab == "ACTION_PRICE" for _, _, lab in ents):
        ents = [(s, e, "ACTION_PRICE" if lab in _PRICE_LABELS else lab) for s, e, lab in ents]
    values: list[dict[str, Any]] = [{} for _ in actions]
    for s, e, lab in ents:
        slot = _ACTION_SLOTS.get(lab)
        if slot is None or not actions:
            continue
        key, groups = slot
        nums = _numbers_in(_LINE_BREAK_IN_NUMBER.sub("", text[s:e]))
        if not nums:
            continue
        value: Any = nums[0][1]
        if key == "tp":
            if value != int(value) or not 0 < value < 100:
                continue
            value = int(value)
        for group in groups:
            i = next((i for i, a in enumerate(actions) if a.type in group and key not in values[i]), None)
            if i is not None:
                values[i][key] = value
                break
    return [Action(type=a.type, **v) if v else a for a, v in zip(actions, values)]


def _one_stop(direction: str | None, stops: list[tuple[float, tuple[int, int]]], targets: list[float],
              spans: dict[str, list[tuple[int, int]]]) -> tuple[float | None, list[float]]:
    """A signal has one stop. When the model tags several prices as the stop and none as the
    entry ("@ 1.2365" read like "SL 1.2410"), the one beyond the others on the losing side is the
    stop and the rest are the entry, if the levels then make a trade (targets on the winning side
    of the entry); otherwise the first stop is kept, as before."""
    values = [v for v, _ in stops]
    side = direction
    if side is None and targets:
        side = "buy" if min(targets) > max(values) else "sell" if max(targets) < min(values) else None
    if side not in ("buy", "sell"):
        return values[0], []
    chosen = min(stops) if side == "buy" else max(stops)
    entry = sorted({v for v, _ in stops if v != chosen[0]})
    if not entry or (side == "buy" and targets and min(targets) <= max(entry)) \
            or (side == "sell" and targets and max(targets) >= min(entry)):
        return values[0], []
    spans["stop_loss"] = [chosen[1]]
    spans["entry"] = [sp for v, sp in stops if v != chosen[0]]
    return chosen[0], entry


def result_from_entities(text: str, kind_cls: str, entities: Iterable[Entity], *, parser: str,
                         confidence: float, action_words: bool = True) -> ParseResult:
    """Build the schema result from a predicted kind class and entities (start, end, label); an
    update's actions from its action words where ``action_words`` (``with_action_words``), else
    from the class."""
    ents = _join_ranges(text, _whole_numbers(text, sorted(entities)))
    spans: dict[str, list[tuple[int, int]]] = {}
    kind = kind_cls.partition(":")[0]
    symbol = None
    for s, e, lab in ents:
        if lab == "SYMBOL":
            raw = text[s:e]
            symbol = default_symbols().canonical(raw) or default_symbols().canonical(raw.lstrip("#$"))
            if symbol is None and _TICKER.fullmatch(raw.strip().lstrip("#$")):
                # a coin the table does not list yet (COTI, babydoge): the model tagged it as the
                # symbol, and a crypto label names the base alone
                symbol = raw.strip().lstrip("#$").upper()
            if symbol:
                spans["symbol"] = [(s, e)]
                break
    if symbol is None and kind == "signal":
        # the model tagged no symbol: the first word the symbol table knows as a pair or alias
        table = default_symbols()
        for s, e, word in _word_spans(normalize_text(text)):
            symbol = table.canonical(word) or table.canonical(word.lstrip("#$"))
            if symbol:
                spans["symbol"] = [(s, e)]
                break
    if kind == "noise":
        return ParseResult.noise(parser=parser, confidence=confidence)
    if kind == "update":
        actions = actions_of_class(kind_cls)
        if action_words:
            actions = with_action_words(text, actions, ents)
        return ParseResult(kind="update", symbol=symbol, actions=fill_actions(text, actions, ents),
                           parser=parser, confidence=confidence, spans={k: tuple(v) for k, v in spans.items()})
    direction = order_type = None
    entry: list[float] = []
    stop = None
    targets: list[float] = []
    leverage = sl_pips = None
    tp_pips: list[float] = []
    stops: list[tuple[float, tuple[int, int]]] = []
    # the last full price written under each label: "4785-90" shortens the second end of an
    # entry's range, never a target after a stop ("SL 2326.45 TP1 2310 TP2 2303": 2303 is whole)
    prev_of: dict[str, str] = {}
    for s, e, lab in ents:
        chunk = text[s:e]
        if lab in ("BUY", "SELL"):
            if direction is None:
                direction = lab.lower()
                spans["direction"] = [(s, e)]
            continue
        if lab.startswith("ORDER_"):
            if order_type is None:
                order_type = lab[6:].lower()
                spans["order_type"] = [(s, e)]
            continue
        nums = _numbers_in(_LINE_BREAK_IN_NUMBER.sub("", chunk) if "\n" in chunk else chunk)
        if not nums:
            continue
        if lab == "LEVERAGE":
            leverage = max(v for _, v in nums)
            spans["leverage"] = [(s, e)]
            continue
        values = []
        prev_full = prev_of.get(lab)
        for raw, v in nums:
            if lab in ("ENTRY", "TAKE_PROFIT", "STOP_LOSS") and prev_full and raw.isdigit() \
                    and len(raw) < len(prev_full.replace(".", "").replace(",", "")):
                # "4785-90": the second number is shorthand of the full price before it
                expanded = expand_shorthand(prev_full, raw)
                if expanded is not None and abs(expanded - (parse_number(prev_full) or 0)) < abs(v - (parse_number(prev_full) or 0)):
                    v = expanded
            values.append(v)
            if not (raw.isdigit() and prev_full and len(raw) < len(prev_full.replace(".", "")) - 1):
                prev_full = raw
        if prev_full is not None:
            prev_of[lab] = prev_full
        if lab == "ENTRY":
            entry.extend(values)
            spans.setdefault("entry", []).append((s, e))
        elif lab == "STOP_LOSS":
            stops.append((values[0], (s, e)))
            if stop is None:
                stop = values[0]
                spans["stop_loss"] = [(s, e)]
        elif lab == "TAKE_PROFIT":
            targets.extend(values)
            spans.setdefault("take_profits", []).append((s, e))
        elif lab == "SL_PIPS":
            sl_pips = sl_pips if sl_pips is not None else values[0]
        elif lab == "TP_PIPS":
            tp_pips.extend(values)
    if not entry and len(stops) > 1:
        stop, entry = _one_stop(direction, stops, targets, spans)
    ref = sorted(entry)[len(entry) // 2] if entry else None
    if ref is not None:
        stop = None if stop is None else _fix_magnitude(stop, ref)
        targets = [_fix_magnitude(t, ref) for t in targets]
    warnings = []
    if direction is None:
        direction = infer_direction(entry, stop, targets)
        if direction:
            warnings.append("direction inferred from the levels")
    if not (symbol or direction or entry or stop is not None or targets or sl_pips is not None or tp_pips):
        # a "signal" of which no field could be read (the model's class from emoji, or a
        # "symbol" the table cannot name) is no trade to validate: noise
        return ParseResult.noise(parser=parser, confidence=confidence)
    return ParseResult(
        kind="signal", symbol=symbol, direction=direction, order_type=order_type,
        entry=sorted(set(entry)), stop_loss=stop, take_profits=targets, leverage=leverage,
        stop_loss_pips=sl_pips if stop is None else None, take_profit_pips=tp_pips if not targets else [],
        parser=parser, confidence=confidence, spans={k: tuple(v) for k, v in spans.items()},
        warnings=tuple(warnings),
    )
