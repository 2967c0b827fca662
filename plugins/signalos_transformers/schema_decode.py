"""Decoding constrained to the signal schema, with every symbol and price taken from the message.

The answer is the SCHEMA.md object as compact JSON, keys in schema order, null and empty fields
left out, numbers written without a trailing ``.0``. The prompt ends with ``{"kind":"``; the
rest is written as a sequence of *segments*, each one of a few option strings that
``answer_grammar`` offers at that point (a key, an enum value, a number with what follows it).
Options at one point are prefix-free: a number carries its terminator (``2345,`` ``2345]``
``2345}``), so where a number ends is never a guess.

Numbers and symbols are offered only as the message writes them (``Candidates.of``): the numbers
it contains (also read with separators dropped, shorthand ranges expanded, ``30K``) and the
symbols its words name (the symbol table's canonical forms and the words themselves). A decoded
answer therefore parses as schema JSON and cannot invent a price; ``validate`` and ``ungrounded``
still run after it.

Training and decoding tokenize each segment on its own (``Segmenter``), so the token sequences
the model learns are exactly the ones the decoder allows. ``SchemaConstraint`` is a transformers
``LogitsProcessor``: per row it walks a trie of the current segment's token sequences and masks
every other token; forced stretches (keys) cost one step each but no choice. ``jump_decode`` is the
faster decoder the parser uses: it feeds a forced stretch to the model in one pass and must write
exactly what this processor lets ``generate`` write.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Generator, Iterable, Sequence
from functools import lru_cache
from typing import Any, Final

import attrs

from signalos.normalize import default_symbols, expand_shorthand, normalize_text, parse_number
from signalos.validate import unspaced_symbols

OPENER: Final = '{"kind":"'
SIGNAL_FIELDS: Final = ("symbol", "direction", "order_type", "entry", "stop_loss", "take_profits", "leverage",
                        "stop_loss_pips", "take_profit_pips")
LIST_FIELDS: Final = frozenset({"entry", "take_profits", "take_profit_pips"})
ORDER_TYPES: Final = ("market", "limit", "stop")
ACTION_TYPES: Final = ("breakeven", "move_sl", "modify_tp", "close", "close_partial", "cancel", "tp_hit",
                       "sl_hit", "other")
ACTION_FIELDS: Final = ("price", "percent", "tp")
MAX_LIST: Final = 12  # entries or targets: longer lists are closed
MAX_ACTIONS: Final = 6
# A "close half" writes no number: these percents are always offered.
COMMON_PERCENTS: Final = (25.0, 50.0, 75.0, 100.0)
_NUMBER: Final = re.compile(r"\d+(?:[.,]\d+)*")
# ASCII letters and digits apart from other scripts: "BTC多单" names BTC
_WORD: Final = re.compile(r"[A-Za-z0-9]+|[^\W\dA-Za-z_]+")
_SYMBOL: Final = re.compile(r"[A-Z0-9]{1,20}")


def fmt(value: float | int) -> str:
    """A number as the answer writes it: 2345, 2345.5, 0.0000215 (never 2345.0 or 2.15e-05)."""
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.10f}".rstrip("0").rstrip(".")
    return text if float(text) == v else repr(v)


def answer_text(label: dict[str, Any]) -> str:
    """The full answer for a schema label: compact JSON, schema key order, no null or empty field."""
    kind = label.get("kind")
    out: dict[str, Any] = {"kind": kind}
    if kind == "signal":
        for key in SIGNAL_FIELDS:
            value = label.get(key)
            if value is None or value == []:
                continue
            out[key] = [_num(v) for v in value] if key in LIST_FIELDS else (
                _num(value) if isinstance(value, (int, float)) else value)
    elif kind == "update":
        if label.get("symbol"):
            out["symbol"] = label["symbol"]
        actions = []
        for a in label.get("actions") or []:
            act: dict[str, Any] = {"type": a.get("type")}
            for key in ACTION_FIELDS:
                if a.get(key) is not None:
                    act[key] = int(a[key]) if key == "tp" else _num(a[key])
            actions.append(act)
        out["actions"] = actions
    return _dump(out)


class _Number(float):
    """A float that JSON writes the way ``fmt`` does (no exponent, no trailing .0)."""

    def __repr__(self) -> str:
        return fmt(self)


def _num(v: float | int) -> _Number:
    return _Number(v)


def _dump(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    if isinstance(value, _Number):
        return fmt(value)
    return json.dumps(value, ensure_ascii=False)


# --- what the message offers ----------------------------------------------------------------

@attrs.frozen
class Candidates:
    """The numbers (as the answer writes them) and canonical symbols a message can be read as."""

    numbers: tuple[str, ...]
    symbols: tuple[str, ...]
    # how many times the message writes a number, where more than once (two targets alike):
    # a list may hold it that many times, any other number once
    repeats: tuple[tuple[str, int], ...] = ()

    def times(self, number: str) -> int:
        return dict(self.repeats).get(number, 1)

    @classmethod
    def of(cls, text: str) -> Candidates:
        return _candidates(text)

    def including(self, label: dict[str, Any]) -> Candidates:
        """These candidates plus the label's own values (training writes every label, grounded or not)."""
        nums = [*self.numbers]
        syms = [*self.symbols]
        if label.get("symbol"):
            syms.append(str(label["symbol"]))
        for key in ("entry", "take_profits", "take_profit_pips"):
            nums += [fmt(v) for v in label.get(key) or []]
        for key in ("stop_loss", "leverage", "stop_loss_pips"):
            if label.get(key) is not None:
                nums.append(fmt(label[key]))
        for a in label.get("actions") or []:
            nums += [fmt(a[k]) for k in ("price", "percent") if a.get(k) is not None]
        return Candidates(tuple(dict.fromkeys(nums)), tuple(dict.fromkeys(syms)), self.repeats)


@lru_cache(maxsize=4096)
def _candidates(text: str) -> Candidates:
    text = normalize_text(text)
    values: list[float] = []
    found = list(_NUMBER.finditer(text))
    for m in found:
        raw = m.group()
        for reading in (parse_number(raw), parse_number(raw.replace(",", "").replace(".", ""))):
            if reading is not None:
                values.append(reading)
        if text[m.end():m.end() + 1] in ("k", "K"):  # 30K
            n = parse_number(raw)
            if n is not None:
                values.append(n * 1000)
    for a, b in zip(found, found[1:]):
        gap = text[a.end():b.start()]
        if len(gap) <= 3:
            short = expand_shorthand(a.group(), b.group())  # 4785-90
            if short is not None:
                values.append(short)
        if gap == " " and len(b.group()) == 3 and b.group().isdigit():
            joined = parse_number(a.group() + b.group())  # 42 350
            if joined is not None:
                values.append(joined)
    # "@2373\n.3": decimals an export carried to the next line
    for m in re.finditer(r"(\d+)\s*\n\s*\.(\d+)", text):
        joined = parse_number(f"{m.group(1)}.{m.group(2)}")
        if joined is not None:
            values.append(joined)
    numbers = tuple(dict.fromkeys(fmt(v) for v in values if math.isfinite(v) and v >= 0))
    written = Counter(fmt(v) for v in (parse_number(m.group()) for m in found)
                      if v is not None and math.isfinite(v) and v >= 0)
    return Candidates(numbers, _symbols(text), tuple((v, n) for v, n in written.items() if n > 1))


def _symbols(text: str) -> tuple[str, ...]:
    table = default_symbols()
    words = _WORD.findall(text)
    out: list[str] = []
    for i in range(len(words)):
        for k in (1, 2, 3):
            chunk = words[i:i + k]
            if len(chunk) < k:
                break
            for written in dict.fromkeys((" ".join(chunk), "".join(chunk))):
                canon = table.canonical(written)
                if canon:
                    out.append(canon)
        upper = words[i].upper()
        if _SYMBOL.fullmatch(upper) and not upper.isdigit():
            out.append(upper)
            nxt = words[i + 1].upper() if i + 1 < len(words) else ""
            if nxt in table.quotes:  # "ENJ BTC", "B/USDT"
                out.append(upper + nxt)
    if not text.isascii():
        out += unspaced_symbols(text)  # "大餅" inside a run of Chinese
    # a pair also offers its base ("BTCUSDT" names BTC, which a label may keep alone)
    out += [s[: -len(q)] for s in out for q in table.quotes if s.endswith(q) and len(s) > len(q)]
    return tuple(s for s in dict.fromkeys(out) if _SYMBOL.fullmatch(s))


# --- the grammar ----------------------------------------------------------------------------

Grammar = Generator[Sequence[str], str, None]


def answer_grammar(c: Candidates) -> Grammar:
    """Yields the options of each segment after ``OPENER`` and receives the one written."""
    kind = yield ('signal",', 'update",', 'noise"}')
    if kind == 'noise"}':
        return
    if kind == 'signal",':
        yield from _signal(c)
    else:
        yield from _update(c)


def _values(values: Iterable[str], closers: Sequence[str]) -> tuple[str, ...]:
    return tuple(v + t for v in values for t in closers)


def _signal(c: Candidates) -> Grammar:
    # no symbol key where the message names none: it would lead nowhere
    key = yield ('"symbol":"', '"direction":"') if c.symbols else ('"direction":"',)
    if key == '"symbol":"':
        yield _values(c.symbols, ('",',))
        yield ('"direction":"',)
    end = yield _values(("buy", "sell"), ('",', '"}'))
    remaining = list(SIGNAL_FIELDS[2:])
    while not end.endswith("}"):
        key = yield tuple(_key(f) for f in remaining)
        field = _field_of(key)
        remaining = remaining[remaining.index(field) + 1:]
        closers = (",", "}") if remaining else ("}",)
        if field == "order_type":
            end = yield _values(ORDER_TYPES, tuple('"' + t for t in closers))
        elif field in LIST_FIELDS:
            # each number as many times as the message writes it: greedy decoding otherwise
            # loops on one target until max_new_tokens (seen on 1 answer in 10 after 120 steps)
            used: Counter[str] = Counter()
            times = dict(c.repeats)  # once a list: this runs at every step of every answer
            for n in range(MAX_LIST):
                left = [v for v in c.numbers if used[v] < times.get(v, 1)]
                more = (",",) if n < MAX_LIST - 1 and sum(times.get(v, 1) - used[v] for v in left) > 1 else ()
                end = yield _values(left, (*more, *("]" + t for t in closers)))
                used[end.rstrip(",]}")] += 1
                if end.endswith("]" + closers[0]) or end.endswith("]}"):
                    break
        else:
            end = yield _values(c.numbers, closers)


def _key(field: str) -> str:
    return f'"{field}":' + ("[" if field in LIST_FIELDS else '"' if field == "order_type" else "")


def _field_of(key: str) -> str:
    return key.split('"')[1]


def _update(c: Candidates) -> Grammar:
    key = yield ('"symbol":"', '"actions":[{') if c.symbols else ('"actions":[{',)
    if key == '"symbol":"':
        yield _values(c.symbols, ('",',))
        yield ('"actions":[{',)
    percents = tuple(dict.fromkeys((*c.numbers, *(fmt(p) for p in COMMON_PERCENTS))))
    for n in range(MAX_ACTIONS):
        last = n == MAX_ACTIONS - 1
        after = ("}]}",) if last else ("},{", "}]}")
        yield ('"type":"',)
        end = yield _values(ACTION_TYPES, ('",', *('"' + a for a in after)))
        remaining = list(ACTION_FIELDS)
        while end.endswith(","):
            key = yield tuple(f'"{f}":' for f in remaining)
            field = _field_of(key)
            remaining = remaining[remaining.index(field) + 1:]
            closers = ((",",) if remaining else ()) + after
            values = percents if field == "percent" else (
                tuple(str(i) for i in range(1, 11)) if field == "tp" else c.numbers)
            end = yield _values(values, closers)
        if end.endswith("]}"):
            return


def segments(label: dict[str, Any], c: Candidates | None = None) -> list[str] | None:
    """The segments that write ``label``'s answer (the teacher's path through the grammar), or
    None when the grammar cannot write it (too many targets, an action type it does not know)."""
    target = answer_text(label)[len(OPENER):]
    c = (c or Candidates((), ())).including(label)
    grammar = answer_grammar(c)
    out: list[str] = []
    pos = 0
    try:
        options = next(grammar)
        while True:
            chosen = next((o for o in options if target.startswith(o, pos)), None)
            if chosen is None:
                return None
            out.append(chosen)
            pos += len(chosen)
            options = grammar.send(chosen)
    except StopIteration:
        pass
    return out if pos == len(target) else None


# --- token level ----------------------------------------------------------------------------

class Segmenter:
    """Token sequences of option strings, each tokenized on its own and cached."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self._cache: dict[str, tuple[int, ...]] = {}
        self._tries: dict[tuple[str, ...], dict[int, Any]] = {}

    def ids(self, strings: Sequence[str]) -> list[tuple[int, ...]]:
        missing = [s for s in dict.fromkeys(strings) if s not in self._cache]
        if missing:
            enc = self.tokenizer(missing, add_special_tokens=False)["input_ids"]
            for s, ids in zip(missing, enc):
                self._cache[s] = tuple(ids)
            if len(self._cache) > 200_000:
                self._cache.clear()
        return [self._cache[s] for s in strings]

    def answer_ids(self, label: dict[str, Any], text: str | None = None) -> list[int] | None:
        segs = segments(label, Candidates.of(text) if text is not None else None)
        if segs is None:
            return None
        return [t for ids in self.ids(segs) for t in ids]

    def trie(self, options: Sequence[str]) -> dict[int, Any]:
        """Token trie of ``options``; a leaf holds the option under key -1. Tries are read, never
        changed, so one is built once per distinct set of options (keys and enums recur in every
        answer) and shared."""
        key = tuple(options)
        found = self._tries.get(key)
        if found is None:
            found = self._tries[key] = self._build_trie(key)
            if len(self._tries) > 20_000:
                self._tries.clear()
        return found

    def _build_trie(self, options: Sequence[str]) -> dict[int, Any]:
        root: dict[int, Any] = {}
        for option, ids in zip(options, self.ids(options)):
            node = root
            for t in ids:
                node = node.setdefault(t, {})
            node[-1] = option
        return root


class Walker:
    """One row's way through the grammar, token by token; ``answer`` once ``done``."""

    def __init__(self, segmenter: Segmenter, candidates: Candidates, eos_id: int):
        self.segmenter = segmenter
        self.eos_id = eos_id
        self.grammar = answer_grammar(candidates)
        self.written: list[str] = []
        self.done = False
        self.failed = False
        self.choice_logps: list[float] = []
        self.steps = 0  # tokens read
        self._pending: dict[int, float] | None = None
        self._enter(next(self.grammar))

    def _enter(self, options: Sequence[str]) -> None:
        self.node = self.segmenter.trie(options)
        if not self.node:  # no option at all (a signal with no symbol in the message): a dead end
            self.failed = self.done = True

    def allowed(self) -> list[int]:
        return [self.eos_id] if self.done else [t for t in self.node if t != -1]

    def expect(self, logps: dict[int, float] | None) -> None:
        """The log-probabilities of the allowed tokens, when there was a choice."""
        self._pending = logps

    def advance(self, token: int) -> None:
        if self.done:
            return
        self.steps += 1
        if self._pending is not None and token in self._pending:
            self.choice_logps.append(self._pending[token])
        self._pending = None
        node = self.node.get(token)
        if node is None:
            self.failed = self.done = True
            return
        if -1 in node:
            self.written.append(node[-1])
            try:
                self._enter(self.grammar.send(node[-1]))
            except StopIteration:
                self.done = True
        else:
            self.node = node

    @property
    def answer(self) -> str:
        return OPENER + "".join(self.written)

    @property
    def confidence(self) -> float:
        """The probability of the least sure choice (1.0 when nothing was chosen)."""
        return math.exp(min(self.choice_logps)) if self.choice_logps else 1.0


def schema_processor(walkers: list[Walker], prompt_len: int):
    """A transformers ``LogitsProcessor`` that keeps each row of a batch on its walker's grammar."""
    import torch
    from transformers import LogitsProcessor

    class SchemaConstraint(LogitsProcessor):
        def __call__(self, input_ids, scores):
            step = input_ids.shape[1] - prompt_len
            mask = torch.full_like(scores, float("-inf"))
            for i, w in enumerate(walkers):
                if step > 0:
                    w.advance(int(input_ids[i, -1]))
                mask[i, w.allowed()] = 0.0
            scores = scores + mask
            logp = torch.log_softmax(scores.float(), dim=-1)
            for i, w in enumerate(walkers):
                allowed = w.allowed()
                if len(allowed) > 1:
                    values = logp[i, allowed].tolist()
                    w.expect(dict(zip(allowed, values)))
                else:
                    w.expect(None)
            return scores

    return SchemaConstraint()
