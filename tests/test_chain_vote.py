"""Pipelines with ``fallback = "vote"``: when the first parser is unsure, every parser answers and
the answer most of them agree on wins. Also the regex parser's own doubt (numbers it left out)."""
from __future__ import annotations

import pytest

from signalos.config import Config
from signalos.errors import ConfigError
from signalos.models import ParseResult
from signalos.testing import make_host, parser_plugin
from signalos.vote import agree, majority

SIGNAL = dict(kind="signal", symbol="XAUUSD", direction="buy", entry=[2350], stop_loss=2340, take_profits=[2360])


def signal(confidence=0.9, **changes) -> ParseResult:
    return ParseResult(**{**SIGNAL, **changes}, confidence=confidence)


def answering(name, result):
    return parser_plugin(name, lambda message: result)


def vote_host(*plugins, threshold=0.7, quorum=2, fallback="vote"):
    names = [p.parser_name for p in plugins]
    config = {"pipelines": {"default": {"parsers": names, "threshold": threshold, "fallback": fallback,
                                        "quorum": quorum}}}
    return make_host(*plugins, config=config)


def test_agree_compares_what_would_be_traded():
    assert agree(signal(0.9), signal(0.2, entry=[2350.0000001], leverage=10))  # tolerance; leverage not core
    assert not agree(signal(), signal(stop_loss=2339))
    assert not agree(signal(), signal(take_profits=[2360, 2370]))
    assert not agree(signal(), ParseResult.noise())


def test_majority_counts_each_answer_once_and_needs_a_quorum():
    a, b = signal(0.5), signal(0.95, stop_loss=2330)
    assert majority([a, b, signal(0.6)]) == (0, [0, 2])
    assert majority([b, a, signal(0.6)]) == (1, [1, 2])  # two against one beats a higher confidence
    assert majority([a, b]) is None  # no answer reaches a quorum of two
    assert majority([a, b], quorum=1) == (1, [1])  # a tie of one each: the larger confidence


def test_when_the_first_parser_is_sure_nothing_else_runs():
    calls = []
    second = parser_plugin("second", lambda m: calls.append(m) or signal(0.9, stop_loss=2330))
    outcome = vote_host(answering("first", signal(0.9)), second).parse("x")
    assert outcome.result.parser == "first" and outcome.result.accepted
    assert calls == [] and len(outcome.attempts) == 1


def test_a_parser_saying_not_mine_does_not_open_a_vote():
    calls = []
    later = parser_plugin("later", lambda m: calls.append(m) or signal(0.9, stop_loss=2330))
    outcome = vote_host(parser_plugin("acme", lambda m: None), answering("rules", signal(0.9)), later,
                        answering("other", signal(0.9, stop_loss=2330))).parse("x")
    assert outcome.result.parser == "rules" and outcome.result.accepted
    assert calls == [] and [a.parser for a in outcome.attempts] == ["acme", "rules"]


def test_an_unsure_first_answer_confirmed_by_another_parser_wins_over_a_confident_dissent():
    outcome = vote_host(answering("rules", signal(0.5)), answering("encoder", signal(0.95, stop_loss=2330)),
                        answering("ner", signal(0.6))).parse("x")
    assert outcome.result.parser == "rules" and outcome.result.accepted
    assert outcome.result.stop_loss == 2340
    assert [a.parser for a in outcome.attempts] == ["rules", "encoder", "ner"]  # everyone was asked
    winner = outcome.attempts[0]
    assert winner.accepted and "rules, ner" in winner.reason
    assert not outcome.attempts[1].accepted


def test_two_learned_parsers_agreeing_overrule_an_unsure_first_parser():
    outcome = vote_host(answering("rules", signal(0.5)), answering("ner", signal(0.6, entry=[2348, 2350])),
                        answering("encoder", signal(0.8, entry=[2348, 2350]))).parse("x")
    assert outcome.result.parser == "ner" and outcome.result.accepted
    assert list(outcome.result.entry) == [2348, 2350]


def test_invalid_answers_do_not_vote():
    bad = signal(0.9, stop_loss=2400)  # a buy's stop above its entry: fails validation
    outcome = vote_host(answering("a", bad), answering("b", bad), answering("c", signal(0.4)),
                        answering("d", signal(0.45))).parse("x")
    assert outcome.result.stop_loss == 2340 and outcome.result.parser == "c"
    assert outcome.result.accepted
    assert [a.accepted for a in outcome.attempts] == [False, False, True, False]


def test_without_a_majority_the_first_accepted_answer_still_wins():
    outcome = vote_host(answering("rules", signal(0.5)), answering("encoder", signal(0.95, stop_loss=2330)),
                        answering("ner", signal(0.6, stop_loss=2335))).parse("x")
    assert outcome.result.parser == "encoder" and outcome.result.accepted


def test_without_a_majority_or_an_accepted_answer_the_first_sound_answer_is_returned_unaccepted():
    # everyone unsure and no two agree: the rules' answer (first in the pipeline) stands, not the
    # more confident learned ones; an invalid first answer gives way to the first sound one
    plugins = (answering("rules", signal(0.5)), answering("encoder", signal(0.65, stop_loss=2330)),
               answering("ner", signal(0.6, stop_loss=2335)))
    host = vote_host(*plugins)
    for outcome in (host.parse("x"), host.parse_many(["x"])[0]):
        assert outcome.result.parser == "rules" and outcome.result.stop_loss == 2340
        assert not outcome.result.accepted
        assert [a.parser for a in outcome.attempts] == ["rules", "encoder", "ner"]
    bad = signal(0.5, stop_loss=2400)  # a buy's stop above its entry
    outcome = vote_host(answering("rules", bad), *plugins[1:]).parse("x")
    assert outcome.result.parser == "encoder" and not outcome.result.accepted


def test_a_quorum_still_beats_the_first_parser_when_nobody_is_sure():
    outcome = vote_host(answering("rules", signal(0.5)), answering("encoder", signal(0.6, stop_loss=2330)),
                        answering("ner", signal(0.55, stop_loss=2330))).parse("x")
    assert outcome.result.parser == "encoder" and outcome.result.stop_loss == 2330 and outcome.result.accepted


def test_first_fallback_is_unchanged():
    outcome = vote_host(answering("rules", signal(0.5)), answering("encoder", signal(0.95, stop_loss=2330)),
                        answering("ner", signal(0.5)), fallback="first").parse("x")
    assert outcome.result.parser == "encoder"
    assert len(outcome.attempts) == 2


@pytest.mark.parser_errors
def test_a_crashing_parser_is_recorded_and_the_vote_goes_on():
    def boom(message):
        raise RuntimeError("model file damaged")

    outcome = vote_host(answering("rules", signal(0.5)), parser_plugin("broken", boom),
                        answering("ner", signal(0.6))).parse("x")
    assert outcome.result.parser == "rules" and outcome.result.accepted
    assert outcome.attempts[1].error and "damaged" in outcome.attempts[1].error


@pytest.mark.parametrize("table, message", [
    ({"fallback": "majority"}, r"\[pipelines.p\] fallback: expected one of first, vote, got 'majority'"),
    ({"quorum": 0}, r"\[pipelines.p\] quorum: expected a whole number"),
    ({"quorum": "2"}, r"\[pipelines.p\] quorum: expected a whole number"),
])
def test_bad_vote_options_are_config_errors(table, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_dict({"pipelines": {"p": {"parsers": ["regex"], **table}}})


# --- the regex parser's doubt ----------------------------------------------------------------------

def regex_parse(text):
    from signalos.host import Host

    return Host(Config(), load_entrypoints=True).parser("regex").parse(text)


def test_regex_says_when_it_left_a_price_out():
    result = regex_parse("GOLD (POSITION)\nBUY @ 1342 / BEST 1336\nTP 1 1349\nTP 2 1357\nSL 1321")
    assert result.kind == "signal"
    assert any("not read: 1336" in w for w in result.warnings)
    assert result.confidence <= 0.5


@pytest.mark.parametrize("text", [
    "GOLD BUY NOW 2350 SL 2340 TP1 2360 TP2 2370",
    "EURUSD SELL 1.0850\nSL 1.0900 (50 pips)\nTP1 1.0800 +50\nTP2 1.0750 +100\nRisk 1%",
    "BTC/USDT LONG 20x\nEntry 64000\nSL 62000\nTP 66000",
])
def test_regex_is_sure_when_every_price_is_read(text):
    result = regex_parse(text)
    assert result.kind == "signal"
    assert not any("not read" in w for w in result.warnings)
    assert result.confidence > 0.7


# --- grounding: a learned parser may not invent values ----------------------------------------------

def test_an_invented_symbol_or_price_is_ungrounded():
    from signalos.validate import grounded, ungrounded

    text = "SELL 0.7145\nTP 0.7120\nSL 0.7190"
    invented = ParseResult(kind="signal", symbol="XAUUSD", direction="sell", entry=[0.7145], stop_loss=0.719,
                           take_profits=[0.712])
    assert ungrounded(invented, text) == ["symbol XAUUSD is not written in the message"]
    assert grounded(invented, text) is None
    wrong_price = signal(take_profits=[2361])
    assert ungrounded(wrong_price, "GOLD BUY 2350 SL 2340 TP 2360") == ["2361 is not written in the message"]


@pytest.mark.parametrize("result, text", [
    (signal(entry=[2348, 2350]), "Gold buy 2348-50 sl 2340 tp 2360"),  # a shorthand range
    (signal(entry=[2350.3]), "Buy Gold\n@2350\n.3 Sl 2340 Tp 2360"),  # a number broken over lines
    (signal(symbol="BUSDT", entry=[0.1772], stop_loss=0.17, take_profits=[0.18]),
     "Идея на B/USDT LONG Вход: 0.1772 стоп 0.17 TP 0.18"),  # a one-letter crypto base
    (signal(symbol="EURUSD", entry=[1.085], stop_loss=1.08, take_profits=[1.09]), "eur/usd buy 1,0850 sl 1.08 tp 1.09"),
    (ParseResult(kind="update", actions=[{"type": "breakeven"}]), "move SL to entry"),
])
def test_values_written_in_the_message_are_grounded(result, text):
    from signalos.validate import ungrounded

    assert ungrounded(result, text) == []


def test_the_llm_answer_reader_rejects_invented_values():
    pytest.importorskip("signalos_transformers")
    from signalos_transformers.llm import to_result

    # AUDUSD fits the prices (the validator passes it) but the message never names it
    answer = ('{"kind":"signal","symbol":"AUDUSD","direction":"sell","entry":[0.7145],"stop_loss":0.719,'
              '"take_profits":[0.712]}')
    assert to_result(answer, 0.9)[0] is not None  # without the message nothing can be checked
    result, why = to_result(answer, 0.9, text="SELL 0.7145\nTP 0.7120\nSL 0.7190")
    assert result is None and why.startswith("ungrounded: symbol AUDUSD")


# --- batches: Chain.parse_many gives parse's answers, one call per batch-capable parser ---------------

class BatchParser:
    """Answers a batch at once, like the llm parser; counts its calls."""

    def __init__(self, answer):
        self.answer = answer
        self.batches: list[int] = []

    def parse(self, message):
        return self.parse_many([message])[0]

    def parse_many(self, messages):
        self.batches.append(len(messages))
        return [self.answer(m) for m in messages]


def batch_plugin(name, component):
    from signalos.hookspecs import hookimpl

    class Plugin:
        parser_name = name

        @hookimpl
        def register_parsers(self, register, host):
            register(name, lambda host, options: component)

    return Plugin()


def rules(message):
    if "unsure" in message.text:
        return signal(0.5)
    if "noise" in message.text:
        return None
    return signal(0.9)


@pytest.mark.parametrize("fallback", ["first", "vote"])
def test_parse_many_gives_the_answers_of_parse_and_batches_what_reaches_a_batch_parser(fallback):
    learned = BatchParser(lambda m: signal(0.8, entry=[2348, 2350]))
    plugins = (parser_plugin("rules", rules), batch_plugin("learned", learned),
               answering("ner", signal(0.6, entry=[2348, 2350])))
    host = vote_host(*plugins, fallback=fallback)
    texts = ["sure 1", "unsure 1", "noise", "sure 2", "unsure 2"]
    one_by_one = [host.parse(t) for t in texts]
    learned.batches.clear()
    batched = host.parse_many(texts)
    assert learned.batches == [3]  # the two unsure messages and the one rules did not answer
    for a, b in zip(one_by_one, batched):
        assert a.result.to_dict() == b.result.to_dict()
        assert [(x.parser, x.accepted, x.reason) for x in a.attempts] == \
            [(x.parser, x.accepted, x.reason) for x in b.attempts]


@pytest.mark.parser_errors
def test_a_batch_call_that_raises_is_an_error_attempt_of_each_message():
    class Broken(BatchParser):
        def parse_many(self, messages):
            raise RuntimeError("CUDA out of memory")

    host = vote_host(answering("rules", signal(0.5)), batch_plugin("llm", Broken(None)), fallback="first")
    outcomes = host.parse_many(["a", "b"])
    assert [o.attempts[1].error for o in outcomes] == ["RuntimeError: CUDA out of memory"] * 2
    assert all(o.result.parser == "rules" and not o.result.accepted for o in outcomes)
    assert len(host.errors) == 1  # one failure, recorded once


def test_parse_and_eval_take_a_fallback_for_any_chain(tmp_path):
    import json

    from signalos.evaluation.run import resolve_chain
    from signalos.testing import run_cli

    plugins = (answering("rules", signal(0.5)), answering("encoder", signal(0.95, stop_loss=2330)),
               answering("ner", signal(0.6)))
    config = {"pipelines": {"default": {"parsers": ["rules", "encoder", "ner"], "threshold": 0.7}}}
    first = run_cli(["parse", "x", "--json"], *plugins, config=config)
    voted = run_cli(["parse", "x", "--json", "--fallback", "vote"], *plugins, config=config)
    assert json.loads(first.stdout)["stop_loss"] == 2330 and json.loads(voted.stdout)["stop_loss"] == 2340
    bad = run_cli(["parse", "x", "--fallback", "majority"], *plugins, config=config)
    assert bad.exit_code != 0 and "fallback must be one of first, vote" in str(bad.exception)

    host = make_host(*plugins, config=config)
    chain = resolve_chain(host, "default", fallback="vote")
    assert chain.pipeline.fallback == "vote" and chain.pipeline.threshold == 0.7
    assert resolve_chain(host, "rules,ner").pipeline.fallback == "first"
