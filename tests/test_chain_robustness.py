"""The chain survives broken parsers: each failure is recorded in the attempts and the next parser
answers. Every parser here is a test plugin on a host without entry points."""
from __future__ import annotations

import json
import math
import time

import pytest

from signalos.errors import ConfigError, ParserError
from signalos.hookspecs import hookimpl
from signalos.models import Action, Message, ParseResult
from signalos.testing import make_host, parser_plugin

# the parsers here raise on purpose: the errors they leave in host.errors are what is tested
pytestmark = pytest.mark.parser_errors

GOOD_TEXT = "GOLD BUY 2350 SL 2340 TP 2360 2370"


def good_parse(message):
    return ParseResult(kind="signal", symbol="XAUUSD", direction="buy", entry=[2350],
                       stop_loss=2340, take_profits=[2360, 2370], confidence=0.9)


def pipeline(*parsers: str, threshold: float = 0.5, on_error: str = "continue") -> dict:
    return {"pipelines": {"default": {"parsers": list(parsers), "threshold": threshold,
                                      "on_error": on_error}}}


def host_with(*plugins, **pipeline_options):
    names = [p.parser_name for p in plugins]
    return make_host(*plugins, config=pipeline(*names, **pipeline_options))


def assert_good_answer(outcome):
    assert outcome.result.parser == "good"
    assert outcome.result.accepted
    assert outcome.result.to_schema()["stop_loss"] == 2340.0
    assert outcome.attempts[-1].parser == "good" and outcome.attempts[-1].accepted


# parsers that raise ----------------------------------------------------------------------------

class Boom(Exception):
    pass


def raising_parse(message):
    raise Boom("kaput")


def test_a_raising_parser_is_recorded_and_the_next_answers():
    host = host_with(parser_plugin("broken", raising_parse, plugin_name="broken-plugin"),
                     parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    first = outcome.attempts[0]
    assert (first.parser, first.plugin, first.accepted, first.reason) == ("broken", "broken-plugin", False, "error")
    assert first.error == "Boom: kaput"
    assert first.result is None and first.elapsed_ms >= 0
    # the host keeps the traceback for whoever debugs the plugin
    recorded = host.errors[-1]
    assert (recorded.component, recorded.plugin, recorded.error) == ("broken", "broken-plugin", "Boom: kaput")
    assert "raising_parse" in recorded.traceback


@pytest.mark.parametrize("exc", [
    ValueError("bad number"), KeyError("tp"), IndexError("list index out of range"),
    ZeroDivisionError("division by zero"), RecursionError("maximum recursion depth exceeded"),
    MemoryError(), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
], ids=lambda e: type(e).__name__)
def test_any_exception_of_a_parser_is_contained(exc):
    def parse(message):
        raise exc

    host = host_with(parser_plugin("broken", parse), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    assert outcome.attempts[0].error.startswith(type(exc).__name__)


def test_a_parser_whose_factory_raises_stops_the_pipeline_at_start():
    # a parser that cannot be built would answer nothing on every message: a start-up error
    class FactoryFails:
        name = "factory-fails"
        parser_name = "unbuildable"

        @hookimpl
        def register_parsers(self, register, host):
            def factory(host, options):
                raise RuntimeError("model file missing")

            register("unbuildable", factory)

    host = host_with(FactoryFails(), parser_plugin("good", good_parse))
    with pytest.raises(ConfigError, match="parser 'unbuildable' cannot start: RuntimeError: model file missing"):
        host.parse(GOOD_TEXT)
    assert list(host.errors) == []


def test_every_parser_raising_gives_unaccepted_noise_with_every_attempt():
    host = host_with(parser_plugin("one", raising_parse), parser_plugin("two", raising_parse))
    outcome = host.parse(GOOD_TEXT)
    assert outcome.result.kind == "noise"
    assert not outcome.result.accepted
    assert outcome.result.warnings == ("no parser answered",)
    assert [a.parser for a in outcome.attempts] == ["one", "two"]
    assert all(a.reason == "error" for a in outcome.attempts)
    assert len(host.errors) == 2


def test_on_error_raise_stops_with_a_parser_error_naming_plugin_and_component():
    host = host_with(parser_plugin("broken", raising_parse, plugin_name="broken-plugin"),
                     parser_plugin("good", good_parse), on_error="raise")
    with pytest.raises(ParserError) as info:
        host.parse(GOOD_TEXT)
    assert info.value.plugin == "broken-plugin" and info.value.component == "broken"
    assert isinstance(info.value.cause, Boom)
    assert "'broken'" in str(info.value) and "broken-plugin" in str(info.value)


def test_a_failing_parse_completed_listener_never_reaches_the_caller():
    class BadListener:
        name = "bad-listener"

        @hookimpl
        def parse_completed(self, message, result, host):
            raise RuntimeError("log full")

    host = make_host(parser_plugin("good", good_parse), BadListener(), config=pipeline("good"))
    assert_good_answer(host.parse(GOOD_TEXT))
    assert host.errors[-1].plugin == "bad-listener"
    assert host.errors[-1].error == "RuntimeError: log full"


# parsers that return garbage -------------------------------------------------------------------

class GarbagePlugin:
    """Registers a parser returning ``value`` as is, bypassing the schema-dict conversion of
    ``signalos.testing``: a plugin written without that helper can return anything."""

    def __init__(self, value):
        self.value = value
        self.name = "garbage-plugin"
        self.parser_name = "garbage"

    @hookimpl
    def register_parsers(self, register, host):
        value = self.value

        class Parser:
            def parse(self, message):
                return value

        register("garbage", lambda host, options: Parser())


@pytest.mark.parametrize("value", [
    "signal", 42, 0.9, True, ["XAUUSD", "buy"], ("signal",), {"kind": "signal"}, b"\x00",
    object(), ParseResult, Action("close"), Message("GOLD BUY"),
], ids=lambda v: type(v).__name__)
def test_a_parser_returning_garbage_is_recorded_and_the_next_answers(value):
    host = host_with(GarbagePlugin(value), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    first = outcome.attempts[0]
    assert first.reason == "error" and not first.accepted and first.result is None
    assert "not ParseResult" in first.error


def test_a_parser_returning_none_means_not_mine():
    host = host_with(parser_plugin("shy", lambda m: None), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    assert outcome.attempts[0].reason == "no answer" and outcome.attempts[0].error is None


def test_a_dict_breaking_the_schema_is_an_error_not_an_answer():
    # signalos.testing reads a dict with ParseResult.from_schema, which raises on a bad kind
    host = host_with(parser_plugin("sloppy", lambda m: {"kind": "trade"}), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    assert outcome.attempts[0].reason == "error" and "kind" in outcome.attempts[0].error


# slow parsers ----------------------------------------------------------------------------------

def test_a_slow_parser_is_timed_and_the_chain_goes_on():
    def slow_parse(message):
        time.sleep(0.05)
        return ParseResult(kind="signal", symbol="XAUUSD", direction="buy", entry=[2350],
                           stop_loss=2340, take_profits=[2360], confidence=0.1)

    host = host_with(parser_plugin("slow", slow_parse), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    slow = outcome.attempts[0]
    assert slow.elapsed_ms >= 45  # sleep may wake a little early on some clocks
    assert slow.reason.startswith("confidence 0.10 below 0.50")
    assert outcome.elapsed_ms >= slow.elapsed_ms


def test_a_slow_parser_that_answers_well_is_accepted_and_the_rest_never_run():
    calls = []

    def slow_good(message):
        time.sleep(0.02)
        return good_parse(message)

    def later(message):
        calls.append(message)
        return None

    host = make_host(parser_plugin("good", slow_good), parser_plugin("later", later),
                     config=pipeline("good", "later"))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    assert len(outcome.attempts) == 1 and calls == []


# parsers that return unsound levels ------------------------------------------------------------

def signal(**overrides):
    fields = dict(kind="signal", symbol="XAUUSD", direction="buy", entry=[2350], stop_loss=2340,
                  take_profits=[2360, 2370], confidence=0.95)
    fields.update(overrides)
    return ParseResult(**fields)


INVALID = {
    "buy-stop-above-entry": signal(stop_loss=2360),
    "buy-target-below-entry": signal(take_profits=[2340, 2370], stop_loss=2330),
    "sell-stop-below-entry": signal(direction="sell", stop_loss=2340, take_profits=[2340]),
    "targets-not-monotonic": signal(take_profits=[2370, 2360]),
    "buy-target-inside-entry-zone": signal(entry=[2340, 2365], stop_loss=2330),
    "sell-target-inside-entry-zone": signal(direction="sell", entry=[2335, 2360], stop_loss=2370,
                                            take_profits=[2340, 2320]),
    "pips-read-as-price": signal(take_profits=[2360, 30]),
    "magnitude-off": signal(entry=[23500], stop_loss=2340, take_profits=[2360]),
    "zero-price": signal(stop_loss=0),
    "negative-price": signal(entry=[-2350]),
    "no-symbol": signal(symbol=None),
    "no-direction": signal(direction=None),
    "update-without-actions": ParseResult(kind="update", symbol="XAUUSD", confidence=0.95),
}


@pytest.mark.parametrize("bad", list(INVALID.values()), ids=list(INVALID))
def test_invalid_levels_are_rejected_and_the_next_parser_answers(bad):
    host = host_with(parser_plugin("bad", lambda m: bad), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    first = outcome.attempts[0]
    assert first.reason.startswith("invalid: ") and not first.accepted
    assert first.result is not None and first.result.warnings  # the problems travel with it


@pytest.mark.parametrize("bad", list(INVALID.values()), ids=list(INVALID))
def test_invalid_levels_alone_are_returned_unaccepted_with_warnings(bad):
    host = host_with(parser_plugin("bad", lambda m: bad))
    outcome = host.parse(GOOD_TEXT)
    assert not outcome.result.accepted
    assert outcome.result.parser == "bad"
    assert outcome.result.warnings and outcome.attempts[0].reason.startswith("invalid: ")


def test_a_target_at_the_far_edge_of_the_entry_zone_is_sound():
    from signalos.validate import validate

    assert validate(signal(entry=[2340, 2360], stop_loss=2330)) == []
    assert validate(signal(direction="sell", entry=[2340, 2360], stop_loss=2370, take_profits=[2340, 2320])) == []


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf],
                         ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("field", ["entry", "stop_loss", "take_profits"])
def test_non_finite_levels_are_never_accepted(field, value):
    # NaN compares false with everything, so an ordering check alone lets it through; a bot that
    # trades on it would send a NaN stop. The answer must fall to the next parser.
    bad = signal(**{field: [value] if field != "stop_loss" else value})
    host = host_with(parser_plugin("bad", lambda m: bad), parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    assert not outcome.attempts[0].accepted


def test_unaccepted_the_sound_unsure_answer_beats_a_confident_invalid_one():
    # nothing is accepted: the answer returned is the one that validates, though less confident
    low = signal(confidence=0.2)
    invalid = signal(stop_loss=2360, confidence=0.4)
    host = host_with(parser_plugin("low", lambda m: low), parser_plugin("invalid", lambda m: invalid),
                     parser_plugin("broken", raising_parse))
    outcome = host.parse(GOOD_TEXT)
    assert outcome.result.parser == "low" and outcome.result.stop_loss == 2340 and not outcome.result.accepted
    assert [a.reason.split(":")[0].split(" ")[0] for a in outcome.attempts] == ["confidence", "invalid", "error"]
    # with only invalid answers, the first of them in pipeline order, though less confident
    worse = signal(stop_loss=2365, confidence=0.2)
    host = host_with(parser_plugin("worse", lambda m: worse), parser_plugin("invalid", lambda m: invalid))
    assert host.parse(GOOD_TEXT).result.parser == "worse"


def test_unaccepted_the_first_sound_answer_in_pipeline_order_wins_not_the_most_confident():
    # the pipeline's order is the user's order of trust: an unsure later parser does not overrule
    # an unsure earlier one, however confident it says it is
    first = signal(confidence=0.3)
    later = signal(stop_loss=2330, confidence=0.45)
    host = host_with(parser_plugin("broken", raising_parse), parser_plugin("shy", lambda m: None),
                     parser_plugin("rules", lambda m: first), parser_plugin("learned", lambda m: later))
    for outcome in (host.parse(GOOD_TEXT), host.parse_many([GOOD_TEXT])[0]):
        assert outcome.result.parser == "rules" and outcome.result.stop_loss == 2340
        assert not outcome.result.accepted
        assert [a.accepted for a in outcome.attempts] == [False] * 4


# the record of attempts ------------------------------------------------------------------------

def test_attempts_serialise_to_json_whatever_went_wrong():
    host = host_with(parser_plugin("broken", raising_parse), GarbagePlugin(object()),
                     parser_plugin("shy", lambda m: None), parser_plugin("bad", lambda m: INVALID["zero-price"]),
                     parser_plugin("good", good_parse))
    outcome = host.parse(GOOD_TEXT)
    assert_good_answer(outcome)
    data = json.loads(json.dumps(outcome.to_dict(with_attempts=True), allow_nan=False))
    assert [a["parser"] for a in data["attempts"]] == ["broken", "garbage", "shy", "bad", "good"]
    assert [a["accepted"] for a in data["attempts"]] == [False, False, False, False, True]
    assert all(a["elapsed_ms"] >= 0 for a in data["attempts"])


def test_two_hosts_with_broken_plugins_do_not_share_errors():
    broken = host_with(parser_plugin("broken", raising_parse), parser_plugin("good", good_parse))
    clean = host_with(parser_plugin("good", good_parse))
    broken.parse(GOOD_TEXT)
    clean.parse(GOOD_TEXT)
    assert len(broken.errors) == 1 and len(clean.errors) == 0


def test_the_error_log_is_bounded():
    host = host_with(parser_plugin("broken", raising_parse), parser_plugin("good", good_parse))
    for _ in range(host.errors.maxlen + 50):
        host.parse("x")
    assert len(host.errors) == host.errors.maxlen
