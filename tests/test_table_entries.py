"""benchmarks/table_entries.py: which table entries decide at most one message, and corpus quotes.

Everything here is synthetic: a keyword table and messages written for these tests, no corpus text.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# the benchmarks directory is not an installed package: import it from the checkout
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._quotes import corpus_needles, find_quotes
from benchmarks.table_entries import Decider, Entry, Message, Tables, run

KEYWORDS = {
    "direction": {"buy": ["buy", "purchase"], "sell": ["sell"]},
    "labels": {"entry": ["entry"], "stop_loss": ["sl"], "take_profit": ["tp"]},
    "updates": {"close": ["re:\\bshut\\s+everything\\b"]},
}
SYMBOLS = {"aliases": {"XAUUSD": ["gold"]}, "currencies": {"codes": ["EUR", "USD"]}}

# "purchase" is the only direction word of m1; "sell" is that of three messages (calls without a
# stop: with a stop and a target the levels alone would give the side and the entry between them)
MESSAGES = {
    "m1": ("Gold purchase 2000 tp 2010", {"kind": "signal", "symbol": "XAUUSD", "direction": "buy",
                                          "entry": [2000], "take_profits": [2010]}),
    "m2": ("Gold sell 2000 tp 1990", {"kind": "signal", "symbol": "XAUUSD", "direction": "sell",
                                      "entry": [2000], "take_profits": [1990]}),
    "m3": ("EURUSD sell 1.1 tp 1.0", {"kind": "signal", "symbol": "EURUSD", "direction": "sell",
                                      "entry": [1.1], "take_profits": [1.0]}),
    "m4": ("Gold sell 1900 tp 1890", {"kind": "signal", "symbol": "XAUUSD", "direction": "sell",
                                      "entry": [1900], "take_profits": [1890]}),
    "m5": ("Shut everything", {"kind": "update", "symbol": None, "actions": [{"type": "close"}]}),
    "m6": ("nothing to see here", {"kind": "noise"}),
}


def tables(**extra_files) -> Tables:
    return Tables(KEYWORDS, SYMBOLS, {"keywords.toml": KEYWORDS, "symbols.toml": SYMBOLS, **extra_files})


def messages() -> list[Message]:
    return [Message.of(mid, "tiny.jsonl", text, label) for mid, (text, label) in MESSAGES.items()]


def entry(path: tuple[str, ...], value: str, file: str = "keywords.toml") -> Entry:
    return Entry(file, path, value)


@pytest.fixture(scope="module")
def decided():
    t = tables()
    decider = Decider(t, messages())
    return decider, {d.entry.key(): d for d in decider.decide(t.entries())}


def test_an_entry_that_decides_one_message_names_it(decided):
    _, by_key = decided
    assert by_key[entry(("direction", "buy"), "purchase").key()].decides == ("m1",)
    assert by_key[entry(("updates", "close"), "re:\\bshut\\s+everything\\b").key()].decides == ("m5",)


def test_an_entry_that_decides_three_messages_counts_them(decided):
    _, by_key = decided
    assert set(by_key[entry(("direction", "sell"), "sell").key()].decides) == {"m2", "m3", "m4"}


def test_removing_the_entry_really_changes_the_parse(decided):
    decider, _ = decided
    m1 = next(m for m in messages() if m.id == "m1")
    assert decider.baseline["m1"]["direction"] == "buy"
    without = decider.answers_without(entry(("direction", "buy"), "purchase"), "keywords", [m1])
    assert without["m1"] != decider.baseline["m1"]
    # the same answer as a parser built from a table that never held the word
    from signalos.normalize import SymbolTable
    from signalos_regex.lexicon import Lexicon
    from signalos_regex.parser import RegexParser

    parser = RegexParser()
    keywords = {**KEYWORDS, "direction": {"buy": ["buy"], "sell": ["sell"]}}
    parser.lexicon = Lexicon(keywords, SymbolTable(SYMBOLS))
    assert parser.parse(m1.text).to_schema() == without["m1"]


def test_an_entry_no_message_holds_decides_nothing(decided):
    _, by_key = decided
    d = by_key[entry(("direction", "buy"), "buy").key()]
    assert d.decides == () and d.note == "no corpus message holds it"


def test_the_prefilter_misses_no_changed_message(decided):
    decider, _ = decided
    t = tables()
    homes = {e.key(): t.home(e) for e in t.entries()}
    assert decider.verify(t.entries(), homes) == []


def test_a_copy_in_a_language_file_makes_the_shared_one_redundant():
    lang = {"direction": {"buy": ["purchase"]}}
    keywords = {**KEYWORDS}
    t = Tables(keywords, SYMBOLS, {"keywords.toml": KEYWORDS, "symbols.toml": SYMBOLS, "languages/xx.toml": lang})
    decisions = {(d.entry.file, d.entry.value): d for d in Decider(t, messages()).decide(t.entries())}
    shared = decisions[("keywords.toml", "purchase")]
    assert shared.decides == () and shared.note == "also in languages/xx.toml"
    assert decisions[("languages/xx.toml", "purchase")].entry.language == "xx"


def _write_corpus(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps({"id": mid, "text": text, "label": label}) + "\n"
                            for mid, (text, label) in MESSAGES.items()), encoding="utf-8")
    return path


def test_the_check_fails_on_an_unexplained_entry_and_passes_once_explained(tmp_path):
    corpus = _write_corpus(tmp_path)
    report = run([corpus], quotes=False, tables=tables(), classes={})
    listed = {r["entry"]: r for r in report["entries"]["shared_at_most_one"]}
    assert "purchase" in listed and listed["purchase"]["decides"] == ["m1"]
    assert "sell" not in listed
    assert "purchase" in {r["entry"] for r in report["entries"]["unexplained"]}
    assert report["failed"]

    explained = {e.key(): "a class of words" for e in tables().entries()}
    report = run([corpus], quotes=False, tables=tables(), classes=explained)
    assert report["entries"]["unexplained"] == [] and not report["failed"]


def test_a_missing_corpus_is_said_and_passes(tmp_path):
    report = run([tmp_path / "absent.jsonl"], tables=tables(), classes={})
    assert report["corpus_missing"] and not report["failed"]


def test_the_quote_finder_finds_a_planted_quote(tmp_path):
    texts = {"q1": "Silver buy 24.10 stop 23.80\ntake profit 24.60 and 25.00 later",
             "q2": "a line that every message shares, thirty chars plus\nx",
             "q3": "a line that every message shares, thirty chars plus\ny",
             "q4": "a line that every message shares, thirty chars plus\nz"}
    needles = corpus_needles(texts)
    (tmp_path / "planted.py").write_text(
        'first = 1\ntext = "silver BUY 24.10   stop 23.80\\ntake profit 24.60 and 25.00 later"\n', encoding="utf-8")
    (tmp_path / "common.md").write_text("a line that every message shares, thirty chars plus\n", encoding="utf-8")
    (tmp_path / "clean.md").write_text("Silver buy 24.20 stop 23.70\n", encoding="utf-8")
    found = find_quotes(tmp_path, needles, ["planted.py", "common.md", "clean.md"])
    assert [(q.file, q.line, q.ids, q.whole_message) for q in found] == [("planted.py", 2, ("q1",), True)]
