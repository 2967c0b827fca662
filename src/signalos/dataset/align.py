"""Span alignment: where in a message each value of its label was written.

A label says *what* a message means (``entry: [2313.5, 2317.5]``); trainers of token taggers also
need *where* (characters 22..29). ``align_label`` finds, for every field of a label, the characters
that carry it: the symbol through the alias table (GOLD, ЗОЛОТО, #BTC/USDT), the direction through
the keyword table, and every price by value on the number tokens of the text, reading numbers the
way channels write them (27,400; 1,0850; 4785-90; ``@2341`` + ``.1``; ۱.۰۸۵۰; 30K; DAX 19.450).

Offsets are those of the original text: ``normalize_text`` keeps lengths, so everything is found
on the normalised copy and reported as spans of the message itself.
"""
from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterable
from typing import Any

import attrs
import regex

from signalos.dataset.align_numbers import NumberToken, number_tokens
from signalos.normalize import SymbolTable, default_symbols, load_tables, normalize_text, phrase_key

Span = list[int]

_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’&]\p{L}[\p{L}\p{M}]*)*")
_CJK = regex.compile(r"\p{Han}|\p{Hiragana}|\p{Katakana}|\p{Thai}")
_PHRASE_GAP = regex.compile(r"[ \t\-/_.]{0,3}")       # between the words of one phrase
_PAIR_GAP = regex.compile(r"\s{0,2}[/\-_.:]?\s{0,2}")   # between the codes of a pair: EUR/USD
# Words the keyword table lacks but reports of an executed trade use.
_MORE_DIRECTIONS = {"bought": "buy", "sold": "sell", "longed": "buy", "shorted": "sell"}
PRICE_FIELDS = ("entry", "stop_loss", "take_profit", "leverage")


@attrs.frozen
class AlignResult:
    """The spans of one label in one text.

    ``spans`` maps a field (the names of ``ParseResult.spans``: symbol, direction, order_type,
    entry, stop_loss, take_profits, leverage, stop_loss_pips, take_profit_pips; ``action_price`` for
    the prices of an update's actions) to
    ``[start, end]`` ranges in reading order; ``items`` gives the span of each value
    (``take_profits[1]``); ``expected`` names every value looked for and ``missing`` those not found.
    """

    spans: dict[str, list[Span]]
    missing: list[str]
    items: dict[str, Span] = attrs.field(factory=dict)
    expected: list[str] = attrs.field(factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {"spans": self.spans, "missing": self.missing, "items": self.items}


@attrs.frozen
class _Vocabulary:
    """Phrase keys of the keyword tables, by category, ready for n-gram lookup."""

    labels: dict[str, str]
    directions: dict[str, str]
    order_types: dict[str, str]
    emoji: dict[str, str]
    patterns: tuple[tuple[str, Any], ...]
    max_words: int

    def known(self, key: str) -> bool:
        return key in self.labels or key in self.directions or key in self.order_types


@functools.lru_cache(maxsize=8)
def _vocabulary(extra_files: tuple[str, ...] = ()) -> _Vocabulary:
    kw = load_tables("keywords", extra_files)
    labels: dict[str, str] = {}
    patterns = []
    for category, words in kw.get("labels", {}).items():
        for w in words:
            if w.startswith("re:"):
                patterns.append((category, regex.compile(w[3:])))
            else:
                labels.setdefault(phrase_key(w), category)
    directions = {phrase_key(w): d for d, words in kw.get("direction", {}).items() for w in words}
    for word, direction in _MORE_DIRECTIONS.items():
        directions.setdefault(word, direction)
    order_types = {phrase_key(w): o for o, words in kw.get("order_type", {}).items() for w in words}
    emoji = {m.rstrip("\ufe0f"): cat for cat, marks in kw.get("emoji_labels", {}).items() for m in marks}
    longest = max(k.count(" ") + 1 for k in [*labels, *directions, *order_types])
    return _Vocabulary(labels, directions, order_types, emoji, tuple(patterns), longest)


# --- words -------------------------------------------------------------------------------------

@attrs.frozen
class _Word:
    start: int
    end: int
    key: str


def _split_glued(word: str, start: int, vocab: _Vocabulary, symbols: SymbolTable) -> list[tuple[int, int, str]]:
    """``SHORTLeverage`` → SHORT + Leverage, ``XAUUSDSELL`` → XAUUSD + SELL, ``xEntry`` → x + Entry.

    Split only where the tail is a trading word (label, direction, order type) and the head is
    upper case, ``x`` or itself known, so "Signal" or "Format" stay whole."""
    low = word.lower()
    # glued exports join two or three short words; a longer run is not worth the quadratic search
    if len(word) < 4 or len(word) > 40 or vocab.known(low):
        return [(start, start + len(word), low)]
    for i in range(1, len(word) - 1):
        tail, head = low[i:], word[:i]
        if not vocab.known(tail) or (len(tail) < 3 and not symbols.canonical(head)):
            continue
        if head.isupper() or head in ("x", "X") or vocab.known(head.lower()) or symbols.canonical(head):
            return [*_split_glued(head, start, vocab, symbols), (start + i, start + len(word), tail)]
    return [(start, start + len(word), low)]


def _words(norm: str, vocab: _Vocabulary, symbols: SymbolTable) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _WORD.finditer(norm):
        word = m.group()
        if _CJK.search(word):
            # Chinese and Japanese have no spaces: one word a character, as phrase_key keys them
            out.extend((m.start() + k, m.start() + k + 1, ch.lower()) for k, ch in enumerate(word))
        else:
            out.extend(_split_glued(word, m.start(), vocab, symbols))
    return out


def _word_grams(norm: str, words: list[tuple[int, int, str]], max_words: int) -> list[list[_Word]]:
    """Every run of up to ``max_words`` words joined only by spaces or joiners, keyed by
    ``phrase_key`` (so "Stop-Loss" is "stop loss"), grouped by their first word."""
    grams: list[list[_Word]] = []
    for i, (start, end, low) in enumerate(words):
        row = [_Word(start, end, low)]
        key, last_end = low, end
        for j in range(i + 1, min(i + max_words, len(words))):
            gap = norm[last_end:words[j][0]]
            if not _PHRASE_GAP.fullmatch(gap):
                break
            key, last_end = key + " " + words[j][2], words[j][1]
            row.append(_Word(start, last_end, key))
        grams.append(row)
    return grams


def _label_marks(norm: str, grams: list[list[_Word]], vocab: _Vocabulary) -> list[tuple[int, int, str]]:
    """(start, end, category) of every label word, direction word and label emoji, in order."""
    marks: list[tuple[int, int, str]] = []
    for row in grams:
        hit = None
        for w in row:  # the longest phrase wins: "stop loss" over "stop"
            cat = vocab.labels.get(w.key) or ("dir" if w.key in vocab.directions else None)
            if cat:
                hit = (w.start, w.end, cat)
        if hit and (not marks or hit[0] >= marks[-1][1]):
            marks.append(hit)
    for i, ch in enumerate(norm):
        cat = vocab.emoji.get(ch)
        if cat:
            marks.append((i, i + 1, cat))
    low = norm.lower()
    for cat, pattern in vocab.patterns:
        marks.extend((m.start(), max(m.end(), m.start() + 1), cat) for m in pattern.finditer(low))
    marks.sort()
    return marks


def _set_context(nums: list[NumberToken], marks: list[tuple[int, int, str]]) -> None:
    # A label stays in force until the next one: "Targets:\n2340\n2335" are all targets.
    k, current = 0, None
    for tok in sorted(nums, key=lambda t: t.start):
        while k < len(marks) and marks[k][1] <= tok.start:
            current = marks[k][2]
            k += 1
        tok.context = current


# --- matching ------------------------------------------------------------------------------------

def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def _score(tok: NumberToken, field: str) -> float:
    """How plausible it is that ``tok`` is where ``field`` was written (higher is better)."""
    want = {"take_profits": "take_profit", "stop_loss_pips": "stop_loss", "take_profit_pips": "take_profit",
            "action": None}.get(field, field)
    score = 0.0
    if tok.context == want:
        score += 3.0
    elif tok.context in PRICE_FIELDS:
        score -= 1.5
    elif tok.context == "dir" and want == "entry":
        score += 1.5
    if tok.glued and not (field == "leverage"):
        score -= 2.0
    if field.endswith("_pips"):
        score += 2.0 if tok.pips else -1.0
    elif tok.pips or (tok.percent and field != "action"):
        score -= 2.5
    if tok.masked:
        score -= 4.0
    if tok.ordinal:
        score -= 2.0
    if tok.parts:
        score += 0.5  # a combined reading (2341 + .1) explains more of the text than its parts
    return score


def _match_numbers(nums: list[NumberToken], wanted: list[tuple[str, str, float]], taken: list[tuple[int, int]]):
    """Assign number tokens to label values, best pairs first, one token per value."""
    pairs = []
    for order, (item, field, value) in enumerate(wanted):
        for idx, tok in enumerate(nums):
            if any(_close(v, value) for v in tok.values):
                pairs.append((-_score(tok, field), tok.start, order, idx, item))
    pairs.sort()
    found: dict[str, Span] = {}
    for _, _, _, idx, item in pairs:
        if item in found:
            continue
        tok = nums[idx]
        if any(tok.start < b and a < tok.end for a, b in taken):
            continue
        found[item] = [tok.start, tok.end]
        taken.append((tok.start, tok.end))
    return found


def _fix_target_order(found: dict[str, Span], wanted: list[tuple[str, str, float]], nums: list[NumberToken]) -> None:
    # Targets are written in order: when the greedy pass crossed two (equal scores, a value seen
    # twice), give them back in reading order, provided every value still fits its token.
    tp = [(item, value) for item, field, value in wanted if field == "take_profits" and item in found]
    spans = sorted(found[item] for item, _ in tp)
    if [found[item] for item, _ in tp] == spans:
        return
    by_span = {(t.start, t.end): t for t in nums}
    for (item, value), span in zip(tp, spans):
        tok = by_span.get((span[0], span[1]))
        if tok is None or not any(_close(v, value) for v in tok.values):
            return
    for (item, _), span in zip(tp, spans):
        found[item] = span


# --- symbol and words ----------------------------------------------------------------------------

_SYMBOL_PIECE = regex.compile(r"[\p{L}\p{N}]+")


def _symbol_matches(label_symbol: str, found: str | None, symbols: SymbolTable) -> bool:
    if not found:
        return False
    if found == label_symbol:
        return True
    # SCHEMA.md: a base-only label (ETH) is matched by the base plus a quote, and the reverse
    for a, b in ((label_symbol, found), (found, label_symbol)):
        if a.startswith(b) and a[len(b):] in (*symbols.quotes, "PERP"):
            return True
    return False


def _find_symbol(norm: str, label_symbol: str, words: list[tuple[int, int, str]], grams: list[list[_Word]],
                 symbols: SymbolTable) -> Span | None:
    """The first place the text names the label's instrument, markers (#, $) left out."""
    # letters-and-digits runs, and the words split out of glued runs ("UNI/USDTLeverage")
    pieces = sorted({(m.start(), m.end()) for m in _SYMBOL_PIECE.finditer(norm)} | {(a, b) for a, b, _ in words})
    starting: dict[int, list[tuple[int, int]]] = {}
    for piece in pieces:
        starting.setdefault(piece[0], []).append(piece)
    starts = sorted(starting)
    candidates: list[tuple[int, int]] = list(pieces)
    for start, end in pieces:
        # EUR/USD, BTC-USDT, EURUSD.m, "CTK  / USDT": two pieces with a separator between
        k = bisect.bisect_left(starts, end)
        if k == len(starts):
            continue
        gap = norm[end:starts[k]]
        if not _PAIR_GAP.fullmatch(gap):
            continue
        for nxt in starting[starts[k]]:
            # across a bare space only two codes ("EUR USD"), never a word ("USDJPY a mercato")
            if gap.strip() or (end - start >= 3 and nxt[1] - nxt[0] >= 3):
                candidates.append((start, nxt[1]))
    phrases = {}
    for row in grams:  # multi-word aliases: "انس طلا", "gold spot" (aliases only: no suffix rules)
        for w in row[1:]:
            if symbols.alias(w.key):
                phrases[(w.start, w.end)] = symbols.alias(w.key)
    candidates.extend(phrases)
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    base_hit = None
    for start, end in candidates:
        raw = norm[start:end]
        canon = phrases.get((start, end)) or symbols.canonical(raw)
        if canon is None:
            # coins the table does not know (#MDX, B/USDT) are read as written
            compact = "".join(ch for ch in raw if ch.isalnum()).upper()
            canon = compact if len(compact) >= 2 and compact.isascii() else None
        if _symbol_matches(label_symbol, canon, symbols):
            if canon == label_symbol:
                return [start, end]
            base_hit = base_hit or [start, end]
    return base_hit


def _find_keyword(grams: list[list[_Word]], table: dict[str, str], value: str) -> Span | None:
    """The first (longest) phrase whose key the table maps to ``value``."""
    for row in grams:
        hit = None
        for w in row:
            if table.get(w.key) == value:
                hit = [w.start, w.end]
        if hit:
            return hit
    return None


def _separate(items: dict[str, Span], first: str, second: str, norm: str) -> None:
    """No character carries two fields: "BUY STOP" is the side and the order type (the side
    keeps "BUY"), "بيع الآن" a direction phrase holding the order type's word (the order type
    keeps "الآن")."""
    a, b = items.get(first), items.get(second)
    if not a or not b or a[1] <= b[0] or b[1] <= a[0]:
        return
    outer, inner, outer_name = (b, a, second) if b[0] <= a[0] and a[1] <= b[1] else (a, b, first)
    head, tail = norm[outer[0]:inner[0]], norm[inner[1]:outer[1]]
    if len(tail.strip()) >= len(head.strip()):
        items[outer_name] = [inner[1] + len(tail) - len(tail.lstrip()), outer[1]]
    else:
        items[outer_name] = [outer[0], inner[0] - len(head) + len(head.rstrip())]
    if items[outer_name][0] >= items[outer_name][1]:
        del items[outer_name]


# --- the public function -------------------------------------------------------------------------

def _wanted_values(label: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(item name, field, value) of every number the label holds, in the label's order."""
    wanted: list[tuple[str, str, float]] = []

    def add(field: str, values: Iterable[Any], listed: bool) -> None:
        for i, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                wanted.append((f"{field}[{i}]" if listed else field, field, float(v)))

    if label.get("kind") == "signal":
        add("entry", label.get("entry") or [], True)
        add("stop_loss", [label.get("stop_loss")] if label.get("stop_loss") is not None else [], False)
        add("take_profits", label.get("take_profits") or [], True)
        add("leverage", [label.get("leverage")] if label.get("leverage") is not None else [], False)
        add("stop_loss_pips", [label["stop_loss_pips"]] if label.get("stop_loss_pips") is not None else [], False)
        add("take_profit_pips", label.get("take_profit_pips") or [], True)
    elif label.get("kind") == "update":
        for i, action in enumerate(label.get("actions") or []):
            if isinstance(action, dict) and action.get("price") is not None:
                wanted.append((f"actions[{i}].price", "action", float(action["price"])))
    return wanted


def align_label(text: str, label: dict[str, Any], *, symbols: SymbolTable | None = None,
                keyword_files: tuple[str, ...] = ()) -> AlignResult:
    """Per-field character spans of ``label`` (a SCHEMA.md object) in ``text``.

    Numbers are matched by value, so a label read from "1,0850" finds the characters "1,0850";
    when a value is written twice the copy after the matching label word (SL, TP, Entry) wins.
    Fields that cannot be found are named in ``missing`` (``take_profits[2]``, ``direction``).
    A noise label has nothing to align.
    """
    symbols = symbols or default_symbols()
    vocab = _vocabulary(tuple(keyword_files))
    norm = normalize_text(text or "")
    kind = label.get("kind")
    spans: dict[str, list[Span]] = {}
    items: dict[str, Span] = {}
    expected: list[str] = []
    if kind not in ("signal", "update"):
        return AlignResult({}, [], {}, [])
    words = _words(norm, vocab, symbols)
    grams = _word_grams(norm, words, max(vocab.max_words, symbols.max_alias_words))
    taken: list[tuple[int, int]] = []

    if label.get("symbol"):
        expected.append("symbol")
        span = _find_symbol(norm, str(label["symbol"]), words, grams, symbols)
        if span:
            items["symbol"] = span
            taken.append((span[0], span[1]))
    if kind == "signal":
        for field, table in (("direction", vocab.directions), ("order_type", vocab.order_types)):
            value = label.get(field)
            if value:
                expected.append(field)
                span = _find_keyword(grams, table, value)
                if span is None and field == "order_type" and value == "stop":
                    span = _find_keyword(grams, {k: "stop" for k, v in vocab.labels.items() if v == "stop_loss"}, "stop")
                if span:
                    items[field] = span
        _separate(items, "direction", "order_type", norm)

    wanted = _wanted_values(label)
    expected.extend(item for item, _, _ in wanted)
    if wanted:
        nums = number_tokens(norm)
        _set_context(nums, _label_marks(norm, grams, vocab))
        found = _match_numbers(nums, wanted, taken)
        _fix_target_order(found, wanted, nums)
        items.update(found)

    for item in expected:
        if item in items:
            field = item.split("[", 1)[0]
            spans.setdefault("action_price" if field == "actions" else field, []).append(items[item])
    for field in spans:  # in reading order, as parsers report them; ``items`` maps values
        spans[field].sort()
    missing = [item for item in expected if item not in items]
    return AlignResult(spans=spans, missing=missing, items=items, expected=expected)


# --- the dataset ---------------------------------------------------------------------------------

@attrs.frozen
class AlignReport:
    """What ``align_dataset`` did: how many values got a span, and the messages with gaps."""

    labels: int
    aligned_labels: int
    kept: int
    fields: int
    aligned_fields: int
    per_field: dict[str, dict[str, int]]
    unaligned: list[dict[str, Any]]

    @property
    def rate(self) -> float | None:
        return round(self.aligned_fields / self.fields, 4) if self.fields else None

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        return {"labels": self.labels, "aligned_labels": self.aligned_labels, "kept": self.kept,
                "fields": self.fields, "aligned_fields": self.aligned_fields, "rate": self.rate,
                "per_field": self.per_field, "unaligned_messages": len(self.unaligned),
                "unaligned": self.unaligned[:limit] if limit is not None else self.unaligned}


def align_dataset(dataset, *, redo: bool = False, include_uncertain: bool = True, progress=None,
                  chunk_size: int = 2000) -> AlignReport:
    """Fill ``labels.spans`` of every labelled message of ``dataset`` (a ``Dataset``).

    Labels that already hold spans (from an annotation tool, or an earlier run) are kept unless
    ``redo``. ``progress(n)`` is called after each chunk. Spans are written per chunk, so a killed
    run keeps what it finished and the next run completes the rest.
    """
    per_field: dict[str, dict[str, int]] = {}
    unaligned: list[dict[str, Any]] = []
    labels = aligned_labels = kept = fields = aligned_fields = 0
    pending: dict[int, dict[str, Any]] = {}
    for row in _labelled_rows(dataset, chunk_size):
        labels += 1
        if row.spans is not None and not redo:
            kept += 1
            continue
        if row.uncertain and not include_uncertain:
            continue
        result = align_label(row.text, row.label or {})
        pending[row.label_id] = result.spans
        fields += len(result.expected)
        aligned_fields += len(result.expected) - len(result.missing)
        aligned_labels += not result.missing
        for item in result.expected:
            field = item.split("[", 1)[0]
            counts = per_field.setdefault("action_price" if field == "actions" else field, {"aligned": 0, "missing": 0})
            counts["missing" if item in result.missing else "aligned"] += 1
        if result.missing:
            unaligned.append({"message_id": row.id, "id": row.source_id, "kind": row.kind,
                              "missing": result.missing, "text": row.text[:200]})
        if len(pending) >= chunk_size:
            dataset.set_many_spans(pending)
            if progress:
                progress(len(pending))
            pending = {}
    if pending:
        dataset.set_many_spans(pending)
        if progress:
            progress(len(pending))
    return AlignReport(labels, aligned_labels, kept, fields, aligned_fields, per_field, unaligned)


def _labelled_rows(dataset, chunk_size: int):
    # Read in pages of ids, so no read cursor stays open while spans are written back.
    ids = [r[0] for r in dataset.db.execute("SELECT DISTINCT message_id FROM labels ORDER BY message_id")]
    for i in range(0, len(ids), chunk_size):
        yield from dataset.rows(ids=ids[i:i + chunk_size], only_labelled=True)
