"""An update's actions carry their price, percent and target number through the learned parsers'
entities: the spans they are trained on (``entities_for``) and the reading of predicted entities
back into actions (``result_from_entities`` / ``fill_actions``)."""
from __future__ import annotations

from signalos.models import Action
from signalos.training.spans import ENTITY_LABELS, entities_for, fill_actions, kind_class, result_from_entities


def _round_trip(text: str, label: dict) -> list[dict]:
    # the actions from the class: which actions an update has is tests/test_action_words.py's
    ents = entities_for(text, label)
    res = result_from_entities(text, kind_class(label), ents, parser="t", confidence=1.0, action_words=False)
    return [a.to_schema() for a in res.actions]


def test_action_labels_are_entities():
    assert {"ACTION_PRICE", "ACTION_TP", "ACTION_PERCENT"} <= set(ENTITY_LABELS)


def test_target_number_and_price_round_trip():
    text = "EURCAD target 2 reached ✅ now stop to 1.46120"
    label = {"kind": "update", "symbol": "EURCAD",
             "actions": [{"type": "tp_hit", "tp": 2}, {"type": "move_sl", "price": 1.4612}]}
    ents = entities_for(text, label)
    assert ("ACTION_TP", "2") in {(lab, text[s:e]) for s, e, lab in ents}
    assert ("ACTION_PRICE", "1.46120") in {(lab, text[s:e]) for s, e, lab in ents}
    assert _round_trip(text, label) == [
        {"type": "tp_hit", "price": None, "percent": None, "tp": 2},
        {"type": "move_sl", "price": 1.4612, "percent": None, "tp": None}]


def test_percent_round_trip_and_glued_target():
    text = "take 30% off here, TP1 done"
    label = {"kind": "update", "actions": [{"type": "close_partial", "percent": 30}, {"type": "tp_hit", "tp": 1}]}
    assert _round_trip(text, label) == [
        {"type": "close_partial", "price": None, "percent": 30.0, "tp": None},
        {"type": "tp_hit", "price": None, "percent": None, "tp": 1}]


def test_a_number_inside_a_price_is_not_a_target_number():
    # "1" of 1.0830 is no target number, and an integer not after a word is not taken either
    text = "1.0830 hit, 1 down"
    label = {"kind": "update", "actions": [{"type": "tp_hit", "tp": 1}]}
    assert not [e for e in entities_for(text, label) if e[2] == "ACTION_TP"]


def test_values_go_to_the_likeliest_action():
    # one price: the stop being moved takes it, not the hit reported before it
    text = "hit, SL 95.10"
    ents = [(8, 13, "ACTION_PRICE")]
    acts = fill_actions(text, [Action(type="tp_hit"), Action(type="move_sl")], ents)
    assert [a.price for a in acts] == [None, 95.1]
    # no action takes a percent: dropped, never put on a cancel
    assert fill_actions("cancel 50%", [Action(type="cancel")], [(7, 9, "ACTION_PERCENT")])[0].percent is None
    # a target number must be a small whole number
    assert fill_actions("TP 2.5", [Action(type="tp_hit")], [(3, 6, "ACTION_TP")])[0].tp is None
