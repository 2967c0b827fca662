"""Span alignment: ``align_label`` on the number and symbol formats channels write, and
``signalos data align`` filling ``labels.spans``."""
from __future__ import annotations

import json

import pytest

from signalos.dataset.align import align_dataset, align_label
from signalos.dataset.repository import Dataset

import data_prep_support as support


def signal(**kw):
    base = {"kind": "signal", "symbol": None, "direction": None, "order_type": None, "entry": [],
            "stop_loss": None, "take_profits": [], "leverage": None, "stop_loss_pips": None,
            "take_profit_pips": []}
    base.update(kw)
    return base


def texts(text, result):
    """The written characters of every aligned value, by item name."""
    return {item: text[a:b] for item, (a, b) in result.items.items()}


def test_a_plain_signal_gets_every_field():
    text = "XAUUSD BUY NOW 2412\nSL 2404\nTP1 2418\nTP2 2425"
    r = align_label(text, signal(symbol="XAUUSD", direction="buy", order_type="market", entry=[2412],
                                 stop_loss=2404, take_profits=[2418, 2425]))
    assert r.missing == []
    assert texts(text, r) == {"symbol": "XAUUSD", "direction": "BUY", "order_type": "NOW", "entry[0]": "2412",
                              "stop_loss": "2404", "take_profits[0]": "2418", "take_profits[1]": "2425"}
    assert r.spans["take_profits"] == [[text.index("2418"), text.index("2418") + 4],
                                       [text.index("2425"), text.index("2425") + 4]]


@pytest.mark.parametrize("written, canonical", [
    ("GOLD", "XAUUSD"), ("XAU", "XAUUSD"), ("ЗОЛОТО", "XAUUSD"), ("طلا", "XAUUSD"), ("XAU/USD", "XAUUSD"),
    ("#BTC/USDT", "BTCUSDT"), ("BTC-USDT", "BTCUSDT"), ("EURUSD.m", "EURUSD"), ("DAX", "GER40"),
    ("$ETH", "ETH"), ("#MDX", "MDX"),
])
def test_symbols_are_found_through_aliases_and_separators(written, canonical):
    text = f"{written} buy 100\nSL 90"
    r = align_label(text, signal(symbol=canonical, direction="buy", entry=[100], stop_loss=90))
    assert "symbol" not in r.missing
    assert text[slice(*r.items["symbol"])] == written.lstrip("#$")


def test_a_base_only_label_matches_the_pair_written():
    text = "BTCUSDT long 65000"
    r = align_label(text, signal(symbol="BTC", direction="buy", entry=[65000]))
    assert texts(text, r)["symbol"] == "BTCUSDT" and r.missing == []


@pytest.mark.parametrize("word, direction", [("Long", "buy"), ("купить", "buy"), ("خرید", "buy"),
                                             ("SHORT", "sell"), ("Продажа", "sell"), ("BOUGHT", "buy")])
def test_direction_words_in_any_language(word, direction):
    text = f"EURUSD {word} 1.0850"
    r = align_label(text, signal(symbol="EURUSD", direction=direction, entry=[1.085]))
    assert texts(text, r)["direction"] == word


@pytest.mark.parametrize("written, value", [
    ("27,400", 27400), ("1,0850", 1.085), ("2345.50", 2345.5), ("30K", 30000), ("2,345.50", 2345.5),
    ("0.00002150", 0.0000215),
])
def test_number_formats(written, value):
    text = f"BTCUSDT buy {written}"
    r = align_label(text, signal(symbol="BTCUSDT", direction="buy", entry=[value]))
    assert texts(text, r)["entry[0]"] == written


def test_dax_with_a_dot_as_thousands_separator():
    text = "DAX sell 19.450 SL 19.520"
    r = align_label(text, signal(symbol="GER40", direction="sell", entry=[19450], stop_loss=19520))
    assert texts(text, r) == {"symbol": "DAX", "direction": "sell", "entry[0]": "19.450", "stop_loss": "19.520"}


def test_a_space_as_thousands_separator():
    text = "US30 buy 42 350 sl 42 100"
    r = align_label(text, signal(symbol="US30", direction="buy", entry=[42350], stop_loss=42100))
    assert texts(text, r)["entry[0]"] == "42 350" and texts(text, r)["stop_loss"] == "42 100"


@pytest.mark.parametrize("written, values, short", [
    ("4785-90", [4785, 4790], "90"), ("4795-05", [4795, 4805], "05"), ("163.40-60", [163.4, 163.6], "60"),
    ("0.00002150 - 2180", [0.0000215, 0.0000218], "2180"),
])
def test_shorthand_ranges_carry_the_full_value_on_the_short_token(written, values, short):
    text = f"GOLD buy {written} sl 1"
    r = align_label(text, signal(symbol="XAUUSD", direction="buy", entry=values, stop_loss=1))
    assert texts(text, r)["entry[1]"] == short
    assert r.missing == []


def test_a_price_continued_on_the_next_line():
    text = "Buy Gold \n@2196\n.4-2192.4\nSl :2188.9\nTp1 :2201.6"
    r = align_label(text, signal(symbol="XAUUSD", direction="buy", entry=[2192.4, 2196.4], stop_loss=2188.9,
                                 take_profits=[2201.6]))
    assert r.missing == []
    assert texts(text, r)["entry[1]"] == "2196\n.4"
    assert texts(text, r)["entry[0]"] == "2192.4"


def test_persian_digits_keep_their_offsets():
    text = "یورو خرید @ ۱.۰۷۲۵\nحد ضرر ۱.۰۶۹۰\nتی پی ۱.۰۷۶۰، ۱.۰۸۱۵"
    r = align_label(text, signal(symbol="EURUSD", direction="buy", entry=[1.0725], stop_loss=1.069,
                                 take_profits=[1.076, 1.0815]))
    assert r.missing == []
    assert texts(text, r)["stop_loss"] == "۱.۰۶۹۰" and texts(text, r)["take_profits[1]"] == "۱.۰۸۱۵"


def test_a_value_written_twice_goes_to_the_copy_after_its_label():
    # 2350 is both "the level to watch" and the stop: the stop's span is the one after "SL"
    text = "Gold sell below 2350\nEntry 2345\nSL 2350\nTP 2330"
    r = align_label(text, signal(symbol="XAUUSD", direction="sell", entry=[2345], stop_loss=2350,
                                 take_profits=[2330]))
    assert r.items["stop_loss"][0] == text.index("SL 2350") + 3


def test_targets_keep_their_order_and_ordinals_are_not_prices():
    text = "EURUSD sell 1.0900\nTP 1 1.0850\nTP 2 1.0800\nTP 3 1.0750\nSL 1.0950"
    r = align_label(text, signal(symbol="EURUSD", direction="sell", entry=[1.09], stop_loss=1.095,
                                 take_profits=[1.085, 1.08, 1.075]))
    assert [text[a:b] for a, b in r.spans["take_profits"]] == ["1.0850", "1.0800", "1.0750"]


def test_glued_words_and_numbers():
    text = "LTCUSDT SHORTLeverage : 5xEntry : 71.5 - 74Targets : 69.2 66Stoploss : 77"
    r = align_label(text, signal(symbol="LTCUSDT", direction="sell", entry=[71.5, 74], stop_loss=77,
                                 take_profits=[69.2, 66], leverage=5))
    assert r.missing == []
    assert texts(text, r)["direction"] == "SHORT" and texts(text, r)["leverage"] == "5"


def test_target_number_glued_to_its_ordinal():
    text = "EURAUD Buy 1.64250\nTp1.1.64610\nTP21.65020\nSL 1.63700"
    r = align_label(text, signal(symbol="EURAUD", direction="buy", entry=[1.6425], stop_loss=1.637,
                                 take_profits=[1.6461, 1.6502]))
    assert texts(text, r)["take_profits[0]"] == "1.64610" and texts(text, r)["take_profits[1]"] == "1.65020"


def test_a_comma_separated_list_without_spaces():
    text = "CHFJPY Sell @171.420,171.800\nTP:170.950,170.300\nSL:172.250"
    r = align_label(text, signal(symbol="CHFJPY", direction="sell", entry=[171.42, 171.8], stop_loss=172.25,
                                 take_profits=[170.95, 170.3]))
    assert r.missing == []


def test_the_side_and_the_order_type_never_share_characters():
    text = "NZDCAD buy stop 0.8342\nTp 0.8395\nSl 0.8301"
    r = align_label(text, signal(symbol="NZDCAD", direction="buy", order_type="stop", entry=[0.8342],
                                 stop_loss=0.8301, take_profits=[0.8395]))
    assert texts(text, r)["direction"] == "buy" and texts(text, r)["order_type"] == "stop"


def test_leverage_and_pips():
    text = "ETHUSDT long 3000 lev x20\nSL 30 pips"
    r = align_label(text, signal(symbol="ETHUSDT", direction="buy", entry=[3000], leverage=20, stop_loss_pips=30))
    assert texts(text, r)["leverage"] == "20" and texts(text, r)["stop_loss_pips"] == "30"


def test_what_is_not_written_is_reported_missing():
    text = "XAUUSD Entry: 2150 SL: 2141 TP: 2163 2170"
    r = align_label(text, signal(symbol="XAUUSD", direction="buy", entry=[2150], stop_loss=2141,
                                 take_profits=[2163, 2170, 2177]))
    assert r.missing == ["direction", "take_profits[2]"]
    assert len(r.spans["take_profits"]) == 2 and not r.complete


def test_updates_align_their_symbol_and_prices_and_noise_has_nothing():
    text = "EURUSD move SL to 1.0900"
    r = align_label(text, {"kind": "update", "symbol": "EURUSD",
                           "actions": [{"type": "move_sl", "price": 1.09, "percent": None, "tp": None}]})
    assert texts(text, r) == {"symbol": "EURUSD", "actions[0].price": "1.0900"}
    assert r.spans["action_price"] == [[18, 24]]
    assert align_label("good morning", {"kind": "noise"}).expected == []


def test_hostile_input_does_not_raise():
    for text in ["", "\x00" * 50, "1" * 5000, "-" * 3000 + "5", "SL" * 2000, "۱" * 1000, "STOP" * 3000,
                 ("GOLD buy 1.5 " * 3000), "\n.1" * 2000, "1-2-3-4-" * 1000]:
        got = align_label(text, signal(symbol="EURUSD", direction="buy", entry=[1.0], stop_loss=2.0))
        # every value looked for is found or named missing; what is found lies in the text
        assert sorted(got.expected) == sorted([*got.items, *got.missing]) and "symbol" in got.missing
        assert all(0 <= s < e <= len(text) for spans in got.spans.values() for s, e in spans)


def test_align_dataset_fills_spans_and_keeps_existing_ones(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    support.add_rows(ds, support.labelled_rows())
    report = align_dataset(ds)
    assert report.labels == len(support.labelled_rows()) and report.kept == 0
    assert 0.9 < report.rate < 1.0 and report.unaligned[0]["missing"] == ["direction"]
    first = next(ds.rows(only_labelled=True))
    assert first.spans["symbol"] == [[0, 6]]
    again = align_dataset(ds)
    assert again.kept == again.labels and again.fields == 0
    assert align_dataset(ds, redo=True).fields == report.fields


def test_cli_align_json(tmp_path):
    ws = tmp_path / "ws"
    support.add_rows(Dataset.open(ws), support.labelled_rows())
    result = support.cli(["data", "align", "--json", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["rate"] > 0.9 and out["labels"] == len(support.labelled_rows())
    assert {"id", "missing", "text"} <= set(out["unaligned"][0])
    human = support.cli(["data", "align", "--redo", "--workspace", str(ws)])
    assert human.exit_code == 0 and "aligned" in human.stdout and "not aligned" in human.stdout


def test_a_half_pipette_and_dropped_hundreds():
    text = "NZDJPY BUY @ 92.417½ SL 91.880"
    r = align_label(text, signal(symbol="NZDJPY", direction="buy", entry=[92.4175], stop_loss=91.88))
    assert texts(text, r)["entry[0]"] == "92.417½"
    # "301 and 297 buy, stop 94, targets 5, 9": the last digits of 294, 305, 309
    text = "GOLD 301 - 297 buy\nstop 94\ntp 5, 9"
    r = align_label(text, signal(symbol="XAUUSD", direction="buy", entry=[297, 301], stop_loss=294,
                                 take_profits=[305, 309]))
    assert r.missing == [] and texts(text, r)["stop_loss"] == "94" and texts(text, r)["take_profits[1]"] == "9"


def test_a_space_typed_for_the_decimal_point():
    text = "GBPUSD SELL NOW 1.27340\nT.p 1\n1 26910\nS.l\n1.27800"
    r = align_label(text, signal(symbol="GBPUSD", direction="sell", entry=[1.2734], stop_loss=1.278,
                                 take_profits=[1.2691]))
    assert r.missing == [] and texts(text, r)["take_profits[0]"] == "1 26910"
