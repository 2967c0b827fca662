"""Tests of the acme-channel parser, built on the helpers signalos ships for plugin authors."""
from pathlib import Path

import pytest

import signalos_acme_channel
from signalos.testing import make_host, parser_plugin, signalos_host  # noqa: F401 (a fixture)

CONFIG = str(Path(__file__).parent.parent / "signalos.toml")


@pytest.fixture
def host(signalos_host):
    return signalos_host(signalos_acme_channel, config={"pipelines": {"default": {"parsers": ["acme-channel"]}}})


def test_buy_signal(host):
    text = "ACME ▲ EURUSD | in 1.0850 | stop 1.0820 | targets 1.0880 / 1.0910"
    result = host.parse(text).result
    assert result.to_schema() == {
        "kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None,
        "entry": [1.085], "stop_loss": 1.082, "take_profits": [1.088, 1.091], "leverage": None,
        "stop_loss_pips": None, "take_profit_pips": [],
    }
    assert result.parser == "acme-channel" and result.accepted
    assert [text[a:b] for a, b in result.spans["take_profits"]] == ["1.0880", "1.0910"]
    assert [text[a:b] for a, b in result.spans["stop_loss"]] == ["1.0820"]


def test_sell_zone_and_market_order(host):
    sell = host.parse("ACME ▼ XAU/USD | in 2348-2345 | stop 2356 | targets 2330 / 2320").result
    assert (sell.symbol, sell.direction, sell.entry, sell.take_profits) == ("XAUUSD", "sell", (2345, 2348), (2330, 2320))
    market = host.parse("ACME ▲ BTCUSDT | in market | stop 61200 | targets 64000").result
    assert (market.order_type, market.entry, market.stop_loss) == ("market", (), 61200)


def test_close_update(host):
    result = host.parse("ACME ✖ EURUSD | closed").result
    assert result.to_schema() == {"kind": "update", "symbol": "EURUSD", "actions": [
        {"type": "close", "price": None, "percent": None, "tp": None}]}


def test_an_unsound_acme_channel_signal_is_not_accepted(host):
    # A buy whose stop is above its entry: the chain's validator refuses it.
    result = host.parse("ACME ▲ EURUSD | in 1.0850 | stop 1.0900 | targets 1.0880").result
    assert not result.accepted and any("stop loss" in w for w in result.warnings)


@pytest.mark.parametrize("text", ["EURUSD buy 1.0850", "ACME newsletter out today", "", "▲▼✖"])
def test_other_messages_are_not_mine(host, text):
    outcome = host.parse(text)
    assert outcome.attempts[0].reason == "no answer"


def test_first_in_a_pipeline_before_another_parser(signalos_host):
    # A stand-in for the built-in regex parser, so this test does not depend on what it reads.
    fallback = parser_plugin("regex", lambda message: {"kind": "noise"})
    host = signalos_host(signalos_acme_channel, fallback, config=CONFIG)
    assert host.parse("ACME ▼ GBPUSD | in 1.2710 | stop 1.2750 | targets 1.2650").result.parser == "acme-channel"
    assert host.parse("good morning traders").result.parser == "regex"


def test_confidence_option(signalos_host):
    config = {"pipelines": {"default": {"parsers": ["acme-channel"]}},
              "parsers": {"acme-channel": {"confidence": 0.6}}}
    host = signalos_host(signalos_acme_channel, config=config)
    assert host.parse("ACME ✖ EURUSD").result.confidence == 0.6
