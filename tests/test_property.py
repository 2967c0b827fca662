"""Property tests of the installed default chain (the regex parser from its entry point).

On any text at all, ``Host.parse`` never raises, answers a SCHEMA.md v1 object that survives a
JSON round trip, keeps the chain's promises (an accepted signal validates), and never runs away
(an alarm turns a hang into a failure). How fast it is, the 50 ms limit on the hostile set
(``benchmarks/messages.py``) among it, is measured by ``benchmarks/hostile.py`` and
``benchmarks/unit_speed.py``, not here: a wall-clock limit in a test fails on a busy machine.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import random
import re
import signal
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalos.host import Host
from signalos.testing import ENV_VARS
from signalos.models import (ACTION_TYPES, DIRECTIONS, KINDS, ORDER_TYPES, SIGNAL_KEYS, UPDATE_KEYS,
                             Message, ParseResult)
from signalos.validate import validate


def _load_messages():
    # The hostile set and the synthetic signals are shared with benchmarks/hostile.py; loaded by
    # path because the benchmarks directory is not an installed package.
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "messages.py"
    spec = importlib.util.spec_from_file_location("signalos_bench_messages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MESSAGES = _load_messages()
HOSTILE = dict(MESSAGES.hostile_cases())
# A parse still running after this long has run away (catastrophic backtracking), whatever else
# the machine is doing: a normal parse of these texts takes well under a millisecond.
HANG_S = 60.0
CANONICAL_SYMBOL = re.compile(r"[A-Z0-9]+")


# the schema checker ----------------------------------------------------------------------------

def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _price(value) -> bool:
    return _number(value) and value > 0


def schema_problems(obj, *, complete: bool = True) -> list[str]:
    """Everything that makes ``obj`` break SCHEMA.md v1; ``[]`` when it is a valid object.

    ``complete=False`` is for an answer the chain did not accept: a signal may then lack its
    symbol or direction (that is why it was refused), but every value present keeps its type.
    """
    if not isinstance(obj, dict):
        return [f"not an object: {type(obj).__name__}"]
    kind = obj.get("kind")
    if kind not in KINDS:
        return [f"kind {kind!r}"]
    expected = {"noise": ("kind",), "update": UPDATE_KEYS, "signal": SIGNAL_KEYS}[kind]
    if set(obj) != set(expected):
        return [f"{kind} keys {sorted(obj)} != {sorted(expected)}"]
    problems = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    def symbol_ok(sym, required: bool) -> bool:
        if sym is None:
            return not required
        return isinstance(sym, str) and CANONICAL_SYMBOL.fullmatch(sym) is not None

    if kind == "update":
        check(symbol_ok(obj["symbol"], False), f"symbol {obj['symbol']!r} is not canonical")
        check(isinstance(obj["actions"], list), "actions is not a list")
        for action in obj["actions"] if isinstance(obj["actions"], list) else []:
            if not isinstance(action, dict) or set(action) != {"type", "price", "percent", "tp"}:
                problems.append(f"action {action!r}")
                continue
            check(action["type"] in ACTION_TYPES, f"action type {action['type']!r}")
            check(action["price"] is None or _price(action["price"]), f"action price {action['price']!r}")
            check(action["percent"] is None or (_number(action["percent"]) and 0 < action["percent"] <= 100),
                  f"action percent {action['percent']!r}")
            tp = action["tp"]
            check(tp is None or (isinstance(tp, int) and not isinstance(tp, bool) and tp >= 0), f"action tp {tp!r}")
    elif kind == "signal":
        check(symbol_ok(obj["symbol"], complete), f"symbol {obj['symbol']!r}")
        check(obj["direction"] in DIRECTIONS or (not complete and obj["direction"] is None),
              f"direction {obj['direction']!r}")
        check(obj["order_type"] is None or obj["order_type"] in ORDER_TYPES, f"order_type {obj['order_type']!r}")
        entry = obj["entry"]
        check(isinstance(entry, list) and all(_price(p) for p in entry), f"entry {entry!r}")
        check(isinstance(entry, list) and entry == sorted(entry), f"entry not ascending: {entry!r}")
        check(obj["stop_loss"] is None or _price(obj["stop_loss"]), f"stop_loss {obj['stop_loss']!r}")
        tps = obj["take_profits"]
        check(isinstance(tps, list) and all(_price(p) for p in tps), f"take_profits {tps!r}")
        check(obj["leverage"] is None or _price(obj["leverage"]), f"leverage {obj['leverage']!r}")
        check(obj["stop_loss_pips"] is None or (_number(obj["stop_loss_pips"]) and obj["stop_loss_pips"] >= 0),
              f"stop_loss_pips {obj['stop_loss_pips']!r}")
        pips = obj["take_profit_pips"]
        check(isinstance(pips, list) and all(_number(p) and p >= 0 for p in pips), f"take_profit_pips {pips!r}")
    return problems


def test_the_schema_checker_rejects_what_it_should():
    good = ParseResult(kind="signal", symbol="XAUUSD", direction="buy", entry=[2350], stop_loss=2340,
                       take_profits=[2360]).to_schema()
    assert schema_problems(good) == []
    assert schema_problems({"kind": "noise"}) == []
    assert schema_problems({"kind": "update", "symbol": None, "actions": []}) == []
    broken = [
        {**good, "extra": 1}, {**good, "entry": [2351.0, 2350.0]}, {**good, "stop_loss": math.nan},
        {**good, "take_profits": [math.inf]}, {**good, "symbol": "xau/usd"}, {**good, "direction": "long"},
        {**good, "leverage": True}, {**good, "order_type": "now"}, {**good, "entry": [0.0]},
        {"kind": "noise", "symbol": None}, {"kind": "spam"}, [],
        {"kind": "update", "symbol": None, "actions": [{"type": "moon", "price": None, "percent": None, "tp": None}]},
        {"kind": "update", "symbol": None, "actions": [{"type": "close", "price": None, "percent": 150, "tp": None}]},
        {"kind": "update", "symbol": None, "actions": [{"type": "tp_hit"}]},
    ]
    for obj in broken:
        assert schema_problems(obj), obj
    assert schema_problems({**good, "symbol": None}, complete=False) == []


# the properties --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def host():
    """The host a user gets: installed plugins from entry points, default configuration."""
    with pytest.MonkeyPatch.context() as mp:  # not the shell's SIGNALOS_* plugin selection
        for var in ENV_VARS:
            mp.delenv(var, raising=False)
        h = Host({})
    assert "regex" in h.parsers and h.chain().pipeline.parsers == ("regex",)
    for text in ("GOLD BUY NOW 2350 SL 2340 TP 2360", "TP1 hit", "hello", HOSTILE["rtl-persian"]):
        h.parse(text)  # compile patterns and fill caches once, before the properties run
    return h


def check_outcome(host: Host, text: str, outcome) -> None:
    """Every promise the chain makes about one answer."""
    result = outcome.result
    schema = result.to_schema()
    problems = schema_problems(schema, complete=result.accepted)
    assert not problems, f"schema broken for {text[:80]!r}: {problems}"
    # what `signalos parse --json` prints must be strict JSON and read back the same
    assert json.loads(json.dumps(schema, allow_nan=False)) == schema
    json.dumps(outcome.to_dict(with_attempts=True), allow_nan=False)
    assert ParseResult.from_schema(schema).to_schema() == schema
    assert math.isfinite(result.confidence) and 0.0 <= result.confidence <= 1.0
    pipeline = host.chain().pipeline
    assert outcome.attempts and [a.parser for a in outcome.attempts] == list(pipeline.parsers[:len(outcome.attempts)])
    if result.accepted:
        assert validate(result) == [], f"accepted but invalid for {text[:80]!r}"
        assert result.confidence >= pipeline.threshold and result.parser in pipeline.parsers
    for field, spans in result.spans.items():
        for span in spans:
            start, end = span
            assert 0 <= start <= end <= len(text), f"span {field} {span} outside a text of {len(text)}"


class ParseHung(BaseException):
    """Raised by the alarm inside a parse that runs away; a BaseException so that the chain,
    which contains every Exception of a parser, lets it through."""


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_S):
    """Turn a parse that never ends (catastrophic backtracking) into a failure, not a hung suite."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise ParseHung(f"parse still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def guarded_parse(host: Host, text: str | Message):
    with hang_guard():
        return host.parse(text)


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=2000)
WORDS = [
    "BUY", "SELL", "buy", "sell", "LONG", "SHORT", "Buy Limit", "sell stop", "NOW", "CMP", "at market",
    "GOLD", "XAUUSD", "Xauusd", "EUR/USD", "#BTC/USDT", "$ETH", "US30", "DAX", "BTC", "XBT", "oil",
    "SL", "Sl:", "Stop loss", "TP", "TP1", "TP2:", "TP 3", "Target", "Entry", "Entry zone", "@",
    "pips", "points", "%", "x", "20x", "Cross 10x", "Leverage", "BE", "breakeven", "close", "half",
    "cancel", "delete", "hit", "stopped out", "risk free", "move", "to", "runner", "open", "hold",
    "стоп", "тейк", "ЗОЛОТО", "покупка", "в б/у", "خرید", "فروش", "طلا", "حد ضرر", "AHORA", "ORO",
    "✅", "❌", "🚀", "🔥", "(", ")", "[", "]", "-", "–", "/", ":", ",", ".", "...", "K", "k",
    "\n", " ", "  ", "\t", "|", "RR 1:3", "(-3%)", "(30 pips)", "if", "not", "don't", "we may",
]


def _number_text(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


numbers = st.one_of(
    st.builds(_number_text, st.floats(0, 1e6, allow_nan=False), st.integers(0, 8)),
    st.integers(0, 10**40).map(str),
    st.builds(lambda a, b: f"{a}-{b}", st.integers(0, 99999), st.integers(0, 999)),
    st.integers(0, 99999).map(lambda n: str(n).translate(MESSAGES.PERSIAN_DIGITS)),
    st.sampled_from(["0", "-5", "1e308", "1e999", "inf", "nan", "NaN", "Infinity", "0.000000001",
                     "27,400", "1,0850", "19.450", "42 350", "30K", ".1", "1.", "00001"]),
)
signal_like = st.lists(st.one_of(st.sampled_from(WORDS), numbers), max_size=80).map(" ".join)


@st.composite
def mangled_signals(draw):
    """A generated signal, then edits: a slice deleted, repeated, or foreign text inserted."""
    text = MESSAGES.synthetic_signal(random.Random(draw(st.integers(0, 10**9))))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 20)))
        edit = draw(st.sampled_from(["delete", "repeat", "insert"]))
        if edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "repeat":
            text = text[:j] + text[i:j] * draw(st.integers(2, 50)) + text[j:]
        else:
            text = text[:i] + draw(st.one_of(st.sampled_from(WORDS), numbers, any_text.map(lambda s: s[:20]))) + text[i:]
    return text


@PROPERTY_SETTINGS
@given(text=any_text)
def test_any_unicode_text(host, text):
    check_outcome(host, text, guarded_parse(host, text))


@PROPERTY_SETTINGS
@given(text=st.text(st.characters(exclude_categories=("Cs",), max_codepoint=0x7F), max_size=2000)
       .map(lambda s: s.replace("a", "\x00")))
def test_ascii_with_nul_bytes(host, text):
    check_outcome(host, text, guarded_parse(host, text))


@PROPERTY_SETTINGS
@given(text=signal_like)
def test_signal_like_word_salad(host, text):
    check_outcome(host, text, guarded_parse(host, text))


@PROPERTY_SETTINGS
@given(text=mangled_signals())
def test_mangled_signals(host, text):
    check_outcome(host, text, guarded_parse(host, text))


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(signal_like, mangled_signals()))
def test_parsing_is_deterministic_and_a_message_equals_its_text(host, text):
    first = guarded_parse(host, text).result
    again = guarded_parse(host, Message(text, provider="some-channel", chat_id="1")).result
    assert first.to_dict() == again.to_dict()


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10**9), copies=st.integers(2, 4), sep=st.sampled_from(["\n", "\n\n", "\n➖➖➖\n"]))
def test_a_signal_pasted_several_times_reads_as_the_first(host, seed, copies, sep):
    # SCHEMA.md: a message calling several signals is answered with the first. A bot must not
    # place one order per copy of a repeated paste.
    text = MESSAGES.synthetic_signal(random.Random(seed))
    once = guarded_parse(host, text).result
    repeated = guarded_parse(host, sep.join([text] * copies)).result
    assert repeated.to_schema() == once.to_schema()


def test_synthetic_signals_are_answered_with_valid_schema(host):
    # Clean generated signals, so the checks above also meet accepted signals once the regex
    # parser reads them (before that, every answer is noise and this is only a smoke test).
    rng = random.Random(11)
    for _ in range(300):
        text = MESSAGES.synthetic_signal(rng)
        check_outcome(host, text, guarded_parse(host, text))


# the hostile set -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_never_raises_and_answers_the_schema(host, name):
    text = HOSTILE[name]
    check_outcome(host, text, guarded_parse(host, text))
