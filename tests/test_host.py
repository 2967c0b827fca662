"""The host and its chain: fallback, threshold, validation, plugin errors, configuration."""
from __future__ import annotations

import pytest

from signalos.errors import ConfigError, ParserError
from signalos.models import Message, ParseResult
from signalos.testing import make_host, parser_plugin

GOOD = ParseResult(kind="signal", symbol="EURUSD", direction="buy", entry=[1.085], stop_loss=1.082,
                   take_profits=[1.088, 1.091], confidence=0.9)
# A buy whose stop is above its entry: it must not be accepted.
UNSOUND = ParseResult(kind="signal", symbol="EURUSD", direction="buy", entry=[1.085], stop_loss=1.09,
                      take_profits=[1.088], confidence=0.99)


def pipeline(*parsers, **options):
    return {"pipelines": {"default": {"parsers": list(parsers), **options}}}


def answer(result):
    return lambda message: result


def boom(message):
    raise RuntimeError("parser exploded")


def test_parse_accepts_a_plain_string_and_a_message(toy_plugin):
    host = make_host(toy_plugin, config=pipeline("toy"))
    text = "SIG EURUSD buy 1.0850 sl 1.0820 tp 1.0880 1.0910"
    for message in (text, Message(text, provider="acme")):
        result = host.parse(message).result
        assert result.to_schema() == {
            "kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None,
            "entry": [1.085], "stop_loss": 1.082, "take_profits": [1.088, 1.091], "leverage": None,
            "stop_loss_pips": None, "take_profit_pips": [],
        }
        assert result.parser == "toy" and result.accepted


@pytest.mark.parser_errors
def test_a_raising_parser_does_not_stop_the_chain():
    host = make_host(parser_plugin("boom", boom), parser_plugin("good", answer(GOOD)),
                     config=pipeline("boom", "good"))
    outcome = host.parse("anything")
    assert outcome.result.parser == "good" and outcome.result.accepted
    failed, answered = outcome.attempts
    assert (failed.parser, failed.plugin, failed.reason) == ("boom", "test-boom", "error")
    assert failed.error == "RuntimeError: parser exploded"
    assert answered.accepted and answered.reason == "accepted"
    assert [(e.component, e.plugin) for e in host.errors] == [("boom", "test-boom")]
    assert "parser exploded" in host.errors[0].traceback


def test_on_error_raise_stops_with_the_plugin_named():
    host = make_host(parser_plugin("boom", boom), parser_plugin("good", answer(GOOD)),
                     config=pipeline("boom", "good", on_error="raise"))
    with pytest.raises(ParserError) as info:
        host.parse("anything")
    assert "'boom'" in str(info.value) and "test-boom" in str(info.value)
    assert isinstance(info.value.cause, RuntimeError)


def test_no_answer_falls_back_to_the_next_parser():
    host = make_host(parser_plugin("mine", answer(None)), parser_plugin("good", answer(GOOD)),
                     config=pipeline("mine", "good"))
    outcome = host.parse("x")
    assert [a.reason for a in outcome.attempts] == ["no answer", "accepted"]
    assert outcome.result.parser == "good"


def test_low_confidence_falls_back_and_threshold_is_configurable():
    low_result = ParseResult.noise(confidence=0.3)
    plugins = (parser_plugin("low", answer(low_result)), parser_plugin("good", answer(GOOD)))
    outcome = make_host(*plugins, config=pipeline("low", "good", threshold=0.5)).parse("x")
    assert outcome.attempts[0].reason == "confidence 0.30 below 0.50"
    assert outcome.result.parser == "good"

    outcome = make_host(*plugins, config=pipeline("low", "good", threshold=0.2)).parse("x")
    assert outcome.result.parser == "low" and len(outcome.attempts) == 1


def test_unsound_result_is_rejected_with_its_problems():
    host = make_host(parser_plugin("unsound", answer(UNSOUND)), parser_plugin("good", answer(GOOD)),
                     config=pipeline("unsound", "good"))
    outcome = host.parse("x")
    assert outcome.attempts[0].reason.startswith("invalid: buy with stop loss 1.09 not below entry")
    assert outcome.result.parser == "good"


def test_nothing_accepted_returns_the_first_sound_answer_marked_not_accepted():
    low = ParseResult.noise(confidence=0.2)
    host = make_host(parser_plugin("unsound", answer(UNSOUND)), parser_plugin("low", answer(low)),
                     config=pipeline("unsound", "low"))
    result = host.parse("x").result
    # the answer that validates, though less confident than the one that does not
    assert result.parser == "low" and not result.accepted
    # only unsound answers: the first, its problems in its warnings
    host = make_host(parser_plugin("unsound", answer(UNSOUND)), config=pipeline("unsound"))
    result = host.parse("x").result
    assert result.parser == "unsound" and not result.accepted
    assert any("stop loss" in w for w in result.warnings)


def test_no_parser_answering_gives_noise_not_accepted():
    host = make_host(parser_plugin("mine", answer(None)), config=pipeline("mine"))
    result = host.parse("x").result
    assert result.kind == "noise" and not result.accepted
    assert result.warnings == ("no parser answered",)


def test_a_parser_returning_the_wrong_type_is_an_error_attempt():
    host = make_host(parser_plugin("wrong", answer("signal!")), parser_plugin("good", answer(GOOD)),
                     config=pipeline("wrong", "good"))
    outcome = host.parse("x")
    assert outcome.attempts[0].error == "returned str, not ParseResult"
    assert outcome.result.parser == "good"


def test_schema_dict_from_a_test_parser_is_read():
    plugin = parser_plugin("dict", lambda m: {"kind": "update", "symbol": "XAUUSD",
                                              "actions": [{"type": "breakeven"}]}, confidence=0.7)
    result = make_host(plugin, config=pipeline("dict")).parse("x").result
    assert result.to_schema() == {"kind": "update", "symbol": "XAUUSD", "actions": [
        {"type": "breakeven", "price": None, "percent": None, "tp": None}]}
    assert result.confidence == 0.7


def test_named_pipelines_and_use_pipeline():
    config = {"default_pipeline": "fast", "pipelines": {
        "fast": {"parsers": ["good"]}, "careful": {"parsers": ["mine", "good"], "threshold": 0.95}}}
    host = make_host(parser_plugin("mine", answer(None)), parser_plugin("good", answer(GOOD)), config=config)
    assert host.parse("x").pipeline == "fast"
    careful = host.parse("x", pipeline="careful")
    assert careful.pipeline == "careful" and not careful.result.accepted  # 0.9 < 0.95
    adhoc = host.use_pipeline("adhoc", ["mine", "good"])
    assert adhoc.pipeline.parsers == ("mine", "good")
    assert host.parse("x", pipeline="adhoc").result.accepted
    with pytest.raises(ConfigError, match="unknown pipeline 'nope'; configured: adhoc, careful, default, fast"):
        host.parse("x", pipeline="nope")


@pytest.mark.parametrize("table, message", [
    ({"parsers": []}, "non-empty list"),
    ({"parsers": ["regex"], "threshold": 2}, "between 0 and 1"),
    ({"parsers": ["regex"], "on_error": "ignore"}, "on_error"),
])
def test_bad_pipeline_config_is_a_config_error(table, message):
    with pytest.raises(ConfigError, match=message):
        make_host(config={"pipelines": {"default": table}})


def test_config_file_is_read(tmp_path, toy_plugin):
    path = tmp_path / "signalos.toml"
    path.write_text('[pipelines.default]\nparsers = ["toy"]\nthreshold = 0.8\n\n[parsers.toy]\nmode = "strict"\n')
    host = make_host(toy_plugin, config=str(path))
    assert host.config.pipeline().threshold == 0.8
    assert host.config.options("parsers", "toy") == {"mode": "strict"}
    assert host.parse("UPD EURUSD close").result.kind == "update"


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        make_host(config=str(tmp_path / "nope.toml"))


@pytest.mark.parametrize("text", ["", " ", "\x00\xff", "9" * 100_000, "SL " * 10_000, "\ud800"])
def test_the_chain_never_raises_on_odd_text(text, toy_plugin):
    import signalos_regex

    host = make_host(toy_plugin, signalos_regex, config=pipeline("toy", "regex"))
    outcome = host.parse(text)
    # none of these is an order: both parsers answer (neither raised), the last says noise
    assert [(a.parser, a.error) for a in outcome.attempts] == [("toy", None), ("regex", None)]
    assert (outcome.result.kind, outcome.result.parser) == ("noise", "regex")
    assert list(host.errors) == []


def test_signalos_host_fixture_builds_an_isolated_host(signalos_host, toy_plugin):
    host = signalos_host(toy_plugin, config=pipeline("toy"))
    assert host.parsers.names() == ["toy"]
    assert host.parse("UPD EURUSD close").result.actions[0].type == "close"
