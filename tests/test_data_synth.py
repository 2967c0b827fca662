"""`signalos data synth`: seeded synthetic messages whose labels are exactly right."""
from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest

import signalos_regex
from signalos.dataset.augment import label_problems
from signalos.dataset.repository import Dataset
from signalos.dataset.synth import SynthError, synth_records
from signalos.dataset.vocab import LANGUAGES, all_languages
from signalos.evaluation.scoring import score_row, summarize
from signalos.normalize import default_symbols, load_tables, normalize_text, parse_number, phrase_key
from signalos.testing import make_host, run_cli

N = 3000


@pytest.fixture(scope="module")
def records():
    return list(synth_records(N, seed=7))


def test_every_label_validates_against_the_schema(records):
    problems = [(r["text"], label_problems(r["label"])) for r in records if label_problems(r["label"])]
    assert not problems, problems[:5]
    for r in records:
        assert r["origin"] == "synthetic" and r["language"] in all_languages() and not r["multi"] and not r["uncertain"]
        label = r["label"]
        if label["kind"] == "signal":
            assert label["entry"] == sorted(label["entry"])
            assert not (label["stop_loss"] is not None and label["stop_loss_pips"] is not None)
            assert not (label["take_profits"] and label["take_profit_pips"])


def test_all_kinds_languages_and_markets_are_there(records):
    kinds = Counter(r["label"]["kind"] for r in records)
    assert kinds["signal"] > N * 0.5 and kinds["update"] > N * 0.15 and kinds["noise"] > N * 0.08
    assert {r["language"] for r in records} == set(all_languages())  # the language files of the tables too
    signals = [r["label"] for r in records if r["label"]["kind"] == "signal"]
    symbols = {s["symbol"] for s in signals}
    assert {"XAUUSD", "EURUSD", "US30", "BTCUSDT", "BTC"} <= symbols
    assert {s["order_type"] for s in signals} == {"market", "limit", "stop", None}
    assert any(s["leverage"] for s in signals) and any(s["stop_loss_pips"] for s in signals)
    assert any(len(s["entry"]) == 2 for s in signals) and any(not s["entry"] for s in signals)
    actions = Counter(a["type"] for r in records if r["label"]["kind"] == "update" for a in r["label"]["actions"])
    assert set(actions) == {"breakeven", "move_sl", "modify_tp", "close", "close_partial", "cancel", "tp_hit",
                            "sl_hit", "other"}


def test_spans_point_at_what_the_label_says(records):
    symbols = default_symbols()
    for r in records:
        text, label, spans = r["text"], r["label"], r["spans"]
        if label.get("symbol"):
            (s, e), = spans["symbol"]
            assert symbols.canonical(text[s:e]) == label["symbol"], r
        if label["kind"] != "signal":
            continue
        if label["stop_loss"] is not None:
            (s, e), = spans["stop_loss"]
            assert parse_number(normalize_text(text[s:e])) == label["stop_loss"], r
        written = [parse_number(normalize_text(text[s:e])) for s, e in spans.get("take_profits", [])]
        assert written == label["take_profits"], r
        entry = [parse_number(normalize_text(text[s:e])) for s, e in spans.get("entry", [])]
        assert len(entry) == len(label["entry"]), r
        if len(entry) == 1 or (len(entry) == 2 and entry[1] > entry[0] / 3):  # not the short end of "4785-90"
            assert entry == label["entry"], r


def test_the_same_seed_gives_the_same_messages():
    a = list(synth_records(500, seed=11))
    assert a == list(synth_records(500, seed=11))
    assert a[:200] == list(synth_records(200, seed=11))
    assert [r["text"] for r in a] != [r["text"] for r in synth_records(500, seed=12)]


def test_languages_can_be_chosen_and_unknown_ones_are_refused():
    recs = list(synth_records(300, seed=1, languages=["ru", "fa"]))
    assert {r["language"] for r in recs} <= {"ru", "fa", "en"}  # updates without a ru/fa template are English
    assert Counter(r["language"] for r in recs)["en"] < 30
    with pytest.raises(SynthError, match="unknown language 'xx'"):
        synth_records(10, languages=["en", "xx"])


def test_every_word_is_one_the_keyword_table_knows():
    kw = load_tables("keywords")
    tables = {"buy": kw["direction"]["buy"], "sell": kw["direction"]["sell"], "market": kw["order_type"]["market"],
              "limit": kw["order_type"]["limit"], "entry": kw["labels"]["entry"], "stop_loss": kw["labels"]["stop_loss"],
              "take_profit": kw["labels"]["take_profit"], "take_profit_n": kw["labels"]["take_profit"],
              "leverage": kw["labels"]["leverage"]}
    keys = {field: {phrase_key(w) for w in words if not w.startswith("re:")} for field, words in tables.items()}
    for lang, words in LANGUAGES.items():
        for field, known in keys.items():
            for word in getattr(words, field):
                assert phrase_key(word.replace("{i}", "")) in known, (lang, field, word)


def test_the_regex_parser_reads_synthetic_messages():
    """The figure of the issue's closing note: the built-in parser on 2,000 synthetic messages.
    Misses are the parser's known gaps (an "@" after a spaced target number, "a/b" zones written
    in full, a broker suffix like ".m" before the entry), not wrong labels."""
    host = make_host(signalos_regex)
    recs = list(synth_records(2000, seed=21))
    res = summarize(score_row(r["label"], host.parse(r["text"]).result.to_schema()) for r in recs)
    assert res["kind_accuracy"] >= 0.98, res
    assert res["exact_match"] >= 0.9, res


def test_generation_streams_and_a_larger_n_extends_a_smaller_one():
    # Records come one at a time (a billion asked, five taken, the rest never built), and asking
    # for more gives the same first records. Its speed is a figure of benchmarks/unit_speed.py.
    first = list(itertools.islice(synth_records(10**9, seed=3), 5))
    assert [r["text"] for r in first] == [r["text"] for r in synth_records(5, seed=3)]
    assert [r["text"] for r in synth_records(5, seed=4)] != [r["text"] for r in first]


def test_cli_writes_a_file(tmp_path):
    out = tmp_path / "synth.jsonl"
    result = run_cli(["data", "synth", "--n", "50", "--seed", "3", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 50 and all(r["origin"] == "synthetic" for r in lines)
    assert [r["text"] for r in lines] == [r["text"] for r in synth_records(50, seed=3)]
    assert json.loads(result.stdout)["generated"] == 50


def test_cli_imports_into_the_workspace_once(tmp_path):
    ws = tmp_path / "ws"
    first = run_cli(["data", "synth", "--n", "200", "--languages", "en,ru", "--workspace", str(ws), "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["added"] > 150 and report["added"] + report["already_there"] == 200
    again = json.loads(run_cli(["data", "synth", "--n", "200", "--languages", "en,ru", "--workspace", str(ws),
                                "--json"]).stdout)
    assert again["added"] == 0
    rows = list(Dataset.open(ws).rows())
    assert len(rows) == report["added"]
    assert all(r.origin == "synthetic" and r.label_source == "synth" and r.label for r in rows)
    assert any(r.spans for r in rows)


def test_cli_names_an_unknown_language(tmp_path):
    result = run_cli(["data", "synth", "--n", "5", "--languages", "en,xx", "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code != 0
    assert "unknown language 'xx'" in str(result.exception or result.output)
