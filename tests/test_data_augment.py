"""`signalos data augment`: augmenter plugins that keep labels true and spans in place."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import signalos_augment
import signalos_regex
from signalos.dataset.augment import (AugmentError, Edit, Example, apply_edits, augment_examples, copy_rng,
                                      label_problems)
from signalos.dataset.repository import Dataset
from signalos.dataset.synth import synth_records
from signalos.dataset.vocab import LANGUAGES
from signalos.evaluation.scoring import score_row
from signalos.hookspecs import hookimpl
from signalos.normalize import default_symbols, normalize_text, parse_number
from signalos.testing import make_host, run_cli

ROOT = Path(__file__).resolve().parents[1]
BUILT_INS = ("case", "punctuation", "spacing", "emoji", "reprice", "symbol-alias", "keyword-language", "layout",
             "keyword-synonym")


def _examples() -> list[Example]:
    rows = [json.loads(line) for line in (ROOT / "examples" / "data" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows += list(synth_records(600, seed=5))
    return [Example(r["text"], r["label"], r.get("spans") or None, r.get("provider"), r.get("language"))
            for r in rows if not r.get("uncertain") and not r.get("multi")]


@pytest.fixture(scope="module")
def host():
    return make_host(signalos_regex, signalos_augment)


@pytest.fixture(scope="module")
def read_right(host):
    """The examples the regex parser reads right before augmentation."""
    return [ex for ex in _examples() if score_row(ex.label, host.parse(ex.text).result.to_schema()).exact]


def test_the_built_ins_are_registered(host):
    assert sorted(e.name for e in host.augmenters) == sorted(BUILT_INS)
    assert {e.plugin for e in host.augmenters} == {"signalos_augment"}


def test_apply_edits_moves_spans_with_the_text():
    ex = Example("GOLD BUY 2345 SL 2335", {"kind": "noise"},
                 {"symbol": [[0, 4]], "entry": [[9, 13]], "stop_loss": [[17, 21]]})
    new = apply_edits(ex, [Edit(0, 0, "🔥 "), Edit(9, 13, "2400.5"), Edit(13, 14, "  "), Edit(21, 21, " ✅")])
    assert new.text == "🔥 GOLD BUY 2400.5  SL 2335 ✅"
    assert {k: [new.text[s:e] for s, e in v] for k, v in new.spans.items()} == \
        {"symbol": ["GOLD"], "entry": ["2400.5"], "stop_loss": ["2335"]}
    with pytest.raises(ValueError):
        apply_edits(ex, [Edit(0, 5, "x"), Edit(3, 6, "y")])


@pytest.mark.parametrize("name", BUILT_INS)
def test_each_built_in_keeps_labels_valid_and_readable(host, read_right, name):
    """Every derived example validates as well as its source did, its spans fit its text, and the
    regex parser still reads most of them to their (new) labels."""
    made = right = 0
    for item in augment_examples(host, enumerate(read_right), names=[name], factor=2.0, seed=1):
        ex, src = item.example, read_right[item.source]
        assert ex.text != src.text
        assert set(label_problems(ex.label)) <= set(label_problems(src.label)), (src.text, ex.text, ex.label)
        assert all(0 <= s < e <= len(ex.text) for v in (ex.spans or {}).values() for s, e in v)
        made += 1
        right += score_row(ex.label, host.parse(ex.text).result.to_schema()).exact
    # (keyword-synonym leaves a message of a language without word lists alone: the synthetic
    # messages are written in every language the tables have a file for)
    eligible = [ex for ex in read_right if name != "keyword-synonym" or (ex.language or "en") in LANGUAGES]
    assert made >= len(eligible) * 0.3, (made, len(eligible))
    assert right / made >= 0.9, (name, right, made)  # measured: 0.98 to 1.0 for each augmenter


def test_spans_still_point_at_the_values(host, read_right):
    symbols = default_symbols()
    checked = 0
    for item in augment_examples(host, enumerate(read_right), factor=3.0, seed=2):
        ex = item.example
        if ex.label["kind"] != "signal" or not ex.spans:
            continue
        (s, e), = ex.spans["symbol"]
        assert symbols.canonical(ex.text[s:e]) == ex.label["symbol"], (item.augmenter, ex)
        if ex.label["stop_loss"] is not None:
            (s, e), = ex.spans["stop_loss"]
            assert parse_number(normalize_text(ex.text[s:e])) == ex.label["stop_loss"], (item.augmenter, ex)
        tps = [parse_number(normalize_text(ex.text[s:e])) for s, e in ex.spans.get("take_profits", [])]
        assert tps == ex.label["take_profits"], (item.augmenter, ex)
        checked += 1
    assert checked > 300


def _one(host, name: str, text: str, label: dict, seed: int = 0) -> list[Example]:
    return host.component("augmenters", name).augment(Example(text, label), random.Random(seed))


GOLD = {"kind": "signal", "symbol": "XAUUSD", "direction": "sell", "order_type": None, "entry": [4785.0, 4790.0],
        "stop_loss": 4800.0, "take_profits": [4770.0, 4760.0], "leverage": None, "stop_loss_pips": None,
        "take_profit_pips": []}


def test_reprice_moves_every_price_by_one_factor_in_the_same_writing(host):
    text = "SELL GOLD 4785-90\nSL 4800\nTP1 4770\nTP2 4760"
    for seed in range(5):
        (new,) = _one(host, "reprice", text, GOLD, seed)
        label = new.label
        factor = label["stop_loss"] / 4800
        assert 0.85 <= factor <= 1.15 and abs(factor - 1) > 0.01
        assert label["take_profits"] == [round(4770 * factor), round(4760 * factor)] or \
            all(abs(a - b * factor) <= 1 for a, b in zip(label["take_profits"], (4770, 4760)))
        assert not label_problems(label)
        head = new.text.split("\n")[0]
        assert "." not in head and head.count("-") == 1  # still a shorthand range of whole numbers
        assert score_row(label, host.parse(new.text).result.to_schema()).exact, new.text
    eurusd = {"kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None, "entry": [1.085],
              "stop_loss": 1.082, "take_profits": [1.09], "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}
    (new,) = _one(host, "reprice", "EURUSD AL ۱٫۰۸۵۰ SL 1,0820 TP 1.0900", eurusd)
    a, b, c = new.text.split()[2], new.text.split()[4], new.text.split()[6]
    assert all(ch in "۰۱۲۳۴۵۶۷۸۹٫" for ch in a) and len(a) == 6  # Persian digits, four decimals
    assert "," in b and len(b) == 6 and "." in c and len(c) == 6


def test_symbol_alias_names_the_same_instrument(host):
    made = _one(host, "symbol-alias", "SELL GOLD 4785-90\nSL 4800\nTP1 4770\nTP2 4760", GOLD)
    written = {ex.text.split()[1] for ex in made}
    assert {"XAUUSD", "XAU/USD"} <= written and "GOLD" not in written
    assert all(ex.label == GOLD for ex in made)


def test_keyword_language_writes_a_language_the_parser_reads(host):
    text = "GOLD SELL 4785-90\nSL 4800\nTP1 4770\nTP2 4760"
    langs = set()
    for seed in range(12):
        (new,) = _one(host, "keyword-language", text, GOLD, seed)
        assert "SELL" not in new.text and "SL" not in new.text.split() or new.language != "en"
        assert new.language in LANGUAGES
        langs.add(new.language)
        assert score_row(GOLD, host.parse(new.text).result.to_schema()).exact, new.text
    assert len(langs) >= 5


def test_keyword_synonym_names_the_fields_with_other_words_of_the_same_language(host):
    text = "GOLD SELL 4785-90\nSL 4800\nTP1 4770\nTP2 4760"
    written = set()
    for seed in range(12):
        made = _one(host, "keyword-synonym", text, GOLD, seed)
        for new in made:
            assert new.language == "en" and new.label == GOLD
            assert score_row(GOLD, host.parse(new.text).result.to_schema()).exact, new.text
            written.add(new.text)
    assert len(written) >= 4  # several ways of writing the same call
    english = LANGUAGES["en"]
    assert any(w in t for t in written for w in english.stop_loss if w != "SL")


def test_layout_turns_one_line_into_a_block_and_back(host):
    line = "GOLD SELL 4785-90 SL 4800 TP1 4770 TP2 4760"
    (block,) = _one(host, "layout", line, GOLD)
    assert block.text.count("\n") == 3
    (back,) = _one(host, "layout", block.text, GOLD)
    assert "\n" not in back.text


def test_runs_repeat_with_the_same_seed(host, read_right):
    first = [(i.source, i.augmenter, i.example.text) for i in augment_examples(host, enumerate(read_right[:80]), seed=3)]
    again = [(i.source, i.augmenter, i.example.text) for i in augment_examples(host, enumerate(read_right[:80]), seed=3)]
    assert first == again and len(first) == 80
    other = [i.example.text for i in augment_examples(host, enumerate(read_right[:80]), seed=4)]
    assert other != [t for _, _, t in first]
    assert copy_rng(3, "x", 0).random() == copy_rng(3, "x", 0).random()


def test_factor_sets_how_many_copies(host, read_right):
    sources = read_right[:60]
    assert sum(1 for _ in augment_examples(host, enumerate(sources), factor=1.0)) == 0
    assert sum(1 for _ in augment_examples(host, enumerate(sources), factor=3.0)) == 120
    half = sum(1 for _ in augment_examples(host, enumerate(sources), factor=1.5))
    assert 15 <= half <= 45
    with pytest.raises(AugmentError):
        list(augment_examples(host, enumerate(sources), factor=0.5))


# --- a third party's augmenter, picked by name from the CLI -----------------------------------------

class Shout:
    name = "shout"

    def __init__(self, host, options):
        self.marks = options.get("marks", "!!!")

    def augment(self, example, rng):
        return [apply_edits(example, [Edit(len(example.text), len(example.text), " " + self.marks)])]


class Broken:
    name = "broken"

    def __init__(self, host, options):
        pass

    def augment(self, example, rng):
        raise RuntimeError("boom")


class ShoutPlugin:
    name = "test-shout"

    @hookimpl
    def register_augmenters(self, register, host):
        register("shout", Shout)
        register("broken", Broken)


def _train_workspace(path: Path) -> Dataset:
    ds = Dataset.open(path)
    rows = [{"text": r["text"], "provider": r["provider"], "language": r["language"], "label": r["label"],
             "spans": r["spans"], "split": "train" if i % 5 else "test"}
            for i, r in enumerate(synth_records(100, seed=9))]
    ds.add_messages(rows, ds.add_batch("test"))
    return ds


def test_a_plugin_augmenter_is_picked_by_name_from_the_cli(tmp_path):
    ds = _train_workspace(tmp_path)
    train = ds.count(split="train")
    result = run_cli(["data", "augment", "--augmenter", "shout", "--json", "--workspace", str(tmp_path)],
                     ShoutPlugin(), signalos_augment)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["by_augmenter"] == {"shout": train} and report["added"] == train
    derived = list(ds.rows(split="train"))[train:]
    assert derived and all(r.text.endswith(" !!!") and r.origin == "augmented" and r.split == "train"
                           and r.augmented_from and r.label_source == "augment:shout" for r in derived)
    assert ds.count(split="test") == 100 - train  # nothing derived ever lands outside train
    again = json.loads(run_cli(["data", "augment", "--augmenter", "shout", "--json", "--workspace", str(tmp_path)],
                               ShoutPlugin(), signalos_augment).stdout)
    assert again["added"] == 0 and again["already_there"] == train


def test_cli_built_ins_add_true_rows_once(tmp_path):
    ds = _train_workspace(tmp_path)
    args = ["data", "augment", "--factor", "2", "--seed", "5", "--json", "--workspace", str(tmp_path)]
    report = json.loads(run_cli(args, signalos_augment).stdout)
    assert report["added"] > 50 and set(report["by_augmenter"]) <= set(BUILT_INS)
    rows = [r for r in ds.rows() if r.origin == "augmented"]
    assert len(rows) == report["added"]
    assert all(r.split == "train" and not label_problems(r.label) and r.label_source.startswith("augment:") for r in rows)
    assert json.loads(run_cli(args, signalos_augment).stdout)["added"] == 0


def test_cli_names_an_unknown_augmenter_and_survives_a_broken_one(tmp_path):
    _train_workspace(tmp_path)
    bad = run_cli(["data", "augment", "--augmenter", "nope", "--workspace", str(tmp_path)], ShoutPlugin(), signalos_augment)
    assert bad.exit_code != 0 and "nope" in str(bad.exception or bad.output)
    result = run_cli(["data", "augment", "--augmenter", "broken", "--augmenter", "shout", "--json",
                      "--workspace", str(tmp_path)], ShoutPlugin())
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["by_augmenter"] == {"shout": report["sources"]}
    assert report["errors"] and "boom" in report["errors"][0]


def test_an_installed_plugin_is_picked_through_signalos_load_plugins(tmp_path, monkeypatch):
    """The way a third party's package is used: its module named in SIGNALOS_LOAD_PLUGINS."""
    from typer.testing import CliRunner

    from signalos.cli import build_app

    (tmp_path / "shout_plugin.py").write_text(
        "from signalos.dataset.augment import Edit, apply_edits\n"
        "from signalos.hookspecs import hookimpl\n\n"
        "class Shout:\n"
        "    name = 'shout'\n"
        "    def __init__(self, host, options):\n"
        "        pass\n"
        "    def augment(self, example, rng):\n"
        "        return [apply_edits(example, [Edit(0, 0, 'LOUD ')])]\n\n"
        "@hookimpl\n"
        "def register_augmenters(register, host):\n"
        "    register('shout', Shout)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SIGNALOS_LOAD_PLUGINS", "shout_plugin,signalos_augment")
    ds = _train_workspace(tmp_path / "ws")
    result = CliRunner().invoke(build_app(), ["data", "augment", "-a", "shout", "--json", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_augmenter"] == {"shout": ds.count(split="train", include_augmented=False)}
    assert all(r.text.startswith("LOUD ") for r in ds.rows() if r.origin == "augmented")
