"""The training core without any ML library: splits, entities, assembling results, calibration."""
from __future__ import annotations

import json

import pytest

from learned_support import write_corpus
from signalos.errors import SignalosError
from signalos.training import calibration
from signalos.training.data import hash_split, read_file
from signalos.training.metrics import EarlyStopping, entity_scores
from signalos.training.spans import entities_for, kind_class, result_from_entities


def test_file_splits_keep_split_keys_hold_out_a_provider_and_hash_the_assignment(tmp_path):
    path = write_corpus(tmp_path / "c.jsonl", 48)
    td = read_file(path, seed=1)
    assert len(td.train) + len(td.validation) + len(td.test) == 48
    assert all(ex.split == "validation" for ex in td.validation)
    held = read_file(path, seed=1, holdout_provider="p1")
    assert held.holdout and all(ex.provider == "p1" for ex in held.holdout)
    assert not any(ex.provider == "p1" for ex in held.train + held.validation + held.test)
    assert held.split_hash != td.split_hash and read_file(path, seed=1).split_hash == td.split_hash
    with pytest.raises(SignalosError, match="no row"):
        read_file(path, holdout_provider="nobody")
    assert hash_split("r1", 0) == hash_split("r1", 0)


def test_uncertain_rows_are_left_out(tmp_path):
    rows = [json.loads(line) for line in write_corpus(tmp_path / "c.jsonl", 8).read_text().splitlines()]
    rows[0]["uncertain"] = True
    (tmp_path / "u.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    td = read_file(tmp_path / "u.jsonl")
    assert "t000" not in {ex.id for ex in td.train + td.validation + td.test}


def test_entities_from_label_and_back():
    text = "GOLD BUY NOW @ 2310 - 2305\nSL: 2300\nTP1: 2320\nTP2: 2330"
    label = {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "order_type": "market",
             "entry": [2305.0, 2310.0], "stop_loss": 2300.0, "take_profits": [2320.0, 2330.0],
             "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}
    ents = entities_for(text, label)
    labels = [lab for _, _, lab in ents]
    assert labels.count("ENTRY") == 2 and labels.count("TAKE_PROFIT") == 2 and "BUY" in labels
    result = result_from_entities(text, "signal", ents, parser="t", confidence=0.9)
    assert result.to_schema() == label
    # a range's second half tagged as a target is read as the entry it continues
    wrong = [(s, e, "TAKE_PROFIT" if text[s:e] == "2305" else lab) for s, e, lab in ents]
    assert result_from_entities(text, "signal", wrong, parser="t", confidence=0.9).entry == (2305.0, 2310.0)


def test_entities_read_decimals_carried_to_the_next_line():
    # an export put ".6" on the line below "2281"
    text = "Buy Gold \n@2281\n.6-2277.6\nSl :2274.1\nTp1 :2286\nTp2 :2290.5"
    at = text.index
    ents = [(at("Buy"), at("Buy") + 3, "BUY"), (at("Gold"), at("Gold") + 4, "SYMBOL"),
            (at("2281"), at("2281") + 4, "ENTRY"), (at("2277.6"), at("2277.6") + 6, "TAKE_PROFIT"),
            (at("2274.1"), at("2274.1") + 6, "STOP_LOSS"), (at("2286"), at("2286") + 4, "TAKE_PROFIT"),
            (at("2290.5"), len(text), "TAKE_PROFIT")]
    result = result_from_entities(text, "signal", ents, parser="t", confidence=0.9)
    # "2281" takes its decimals, and the range it then makes with 2277.6 is one entry
    assert result.entry == (2277.6, 2281.6)
    assert result.take_profits == (2286.0, 2290.5)
    assert result.stop_loss == 2274.1


def test_a_signal_without_a_tagged_symbol_takes_the_first_pair_the_message_names():
    text = "swing idea NZDCHF sell now 0.5412\nSL : 0.5448\nTP1: 0.5361"
    at = text.index
    ents = [(at("sell"), at("sell") + 4, "SELL"), (at("0.5412"), at("0.5412") + 6, "ENTRY"),
            (at("0.5448"), at("0.5448") + 6, "STOP_LOSS"), (at("0.5361"), at("0.5361") + 6, "TAKE_PROFIT")]
    result = result_from_entities(text, "signal", ents, parser="t", confidence=0.9)
    assert result.symbol == "NZDCHF" and result.spans["symbol"] == ((at("NZDCHF"), at("NZDCHF") + 6),)
    # a message that names no symbol gets none: nothing is invented
    bare = "sell now 0.5412 SL 0.5448 TP 0.5361"
    ents = [(0, 4, "SELL"), (9, 15, "ENTRY"), (19, 25, "STOP_LOSS"), (29, 35, "TAKE_PROFIT")]
    assert result_from_entities(bare, "signal", ents, parser="t", confidence=0.9).symbol is None


def test_a_target_is_never_read_as_shorthand_of_the_stop_before_it():
    text = "GOLD SELL 2318 SL 2326.45 TP1 2310 TP2 2303"
    at = text.index
    ents = [(at("SELL"), at("SELL") + 4, "SELL"), (at("2318"), at("2318") + 4, "ENTRY"),
            (at("2326.45"), at("2326.45") + 7, "STOP_LOSS"), (at("2310"), at("2310") + 4, "TAKE_PROFIT"),
            (at("2303"), at("2303") + 4, "TAKE_PROFIT")]
    result = result_from_entities(text, "signal", ents, parser="t", confidence=0.9)
    assert result.take_profits == (2310.0, 2303.0) and result.stop_loss == 2326.45
    # within one label a shortened second end is still read whole: "4785-90"
    ranged = result_from_entities("buy 4785-90", "signal", [(0, 3, "BUY"), (4, 8, "ENTRY"), (9, 11, "ENTRY")],
                                  parser="t", confidence=0.9)
    assert ranged.entry == (4785.0, 4790.0)


def test_a_signal_of_which_no_field_reads_is_noise():
    text = "\x00" * 10 + "🚀" * 20  # a model's "signal" class, and a "symbol" no table can name
    result = result_from_entities(text, "signal", [(0, 10, "SYMBOL")], parser="t", confidence=0.9)
    assert result.kind == "noise"
    one_level = result_from_entities("sl 2300", "signal", [(3, 7, "STOP_LOSS")], parser="t", confidence=0.9)
    assert one_level.kind == "signal" and one_level.stop_loss == 2300.0  # a field read: a signal to validate


def test_kind_classes_carry_update_action_types():
    label = {"kind": "update", "symbol": None, "actions": [{"type": "tp_hit"}, {"type": "breakeven"}]}
    assert kind_class(label) == "update:tp_hit,breakeven"
    res = result_from_entities("TP1 hit, SL to BE", "update:tp_hit,breakeven", [], parser="t", confidence=1)
    assert [a.type for a in res.actions] == ["tp_hit", "breakeven"]
    assert result_from_entities("hi", "noise", [], parser="t", confidence=1).kind == "noise"


def test_isotonic_calibration_is_monotone_and_serialisable():
    raw = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 0.95]
    ok = [False, False, True, False, True, True, True, True]
    cal = calibration.fit(raw, ok)
    values = [cal(x) for x in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert values == sorted(values) and 0 <= values[0] < values[-1] <= 1
    again = calibration.Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again(0.75) == cal(0.75)
    assert calibration.Calibration()(0.42) == 0.42


def test_metrics_and_early_stopping():
    assert entity_scores([[(0, 1, "A")]], [[(0, 1, "A"), (2, 3, "B")]])["ents_p"] == 0.5
    stop = EarlyStopping(patience=2)
    assert stop.step(1, 0.5) and not stop.step(2, 0.4) and not stop.should_stop
    stop.step(3, 0.3)
    assert stop.should_stop and stop.best_epoch == 1
