"""`signalos data export`: schema JSONL, Hugging Face BIO tags, spaCy DocBin; the span→token conversion."""
from __future__ import annotations

import json

import pytest

from signalos.dataset import Dataset
from signalos.dataset.tokens import BIO_LABELS, bio_tags, tokenize
from signalos.testing import run_cli

TEXT = "XAUUSD SELL @2416-19\nSL:2423\nTP1@2409"
LABEL = {"kind": "signal", "symbol": "XAUUSD", "direction": "sell", "order_type": None,
         "entry": [2416.0, 2419.0], "stop_loss": 2423.0, "take_profits": [2409.0], "leverage": None,
         "stop_loss_pips": None, "take_profit_pips": []}
SPANS = {"symbol": [[0, 6]], "direction": [[7, 11]], "entry": [[13, 17], [18, 20]], "stop_loss": [[24, 28]],
         "take_profits": [[33, 37]]}


def _words(text):
    return [text[s:e] for s, e in tokenize(text)]


def test_tokenizer_splits_glued_fields():
    assert _words("SL:167.60") == ["SL", ":", "167.60"]
    assert _words("@0.8773") == ["@", "0.8773"]
    assert _words("TP1@3000") == ["TP", "1", "@", "3000"]
    assert _words("4785-90 27,400") == ["4785", "-", "90", "27,400"]
    assert _words("LONGLeverage ⭐️GOLD XAUUSDm") == ["LONG", "Leverage", "⭐", "\ufe0f", "GOLD", "XAUUSDm"]
    assert _words("۲۳۰۰.۵ طلا") == ["۲۳۰۰.۵", "طلا"]


def test_bio_tags_from_spans_count_what_is_not_on_token_boundaries():
    tokens, tags, stats = bio_tags(TEXT, SPANS)
    tagged = [(TEXT[s:e], t) for (s, e), t in zip(tokens, tags) if t != "O"]
    assert tagged == [("XAUUSD", "B-symbol"), ("SELL", "B-direction"), ("2416", "B-entry"), ("19", "B-entry"),
                      ("2423", "B-stop_loss"), ("2409", "B-take_profit")]
    assert (stats.total, stats.exact, stats.expanded, stats.dropped) == (6, 6, 0, 0)
    # a span ending inside a token is widened to the token, and counted
    _, tags, stats = bio_tags("XAUUSDm buy", {"symbol": [[0, 6]], "order_type": [[8, 11]]})
    assert tags[0] == "B-symbol" and (stats.expanded, stats.untagged) == (1, {"order_type": 1})
    # two fields on one token: the second cannot be tagged, and is counted as dropped
    _, tags, stats = bio_tags("XAUUSDSELL 1", {"symbol": [[0, 6]], "direction": [[6, 10]]}, row_id="x")
    assert stats.dropped == 1 and stats.rows_with_loss == ["x"]
    _, tags, _ = bio_tags("GOLD buy 2300.50 now", {"entry": [[9, 16]], "symbol": [[0, 4]]})
    assert tags == ["B-symbol", "O", "B-entry", "O"]


@pytest.fixture
def workspace(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    batch = ds.add_batch("import")
    ds.add_messages([
        {"text": TEXT, "provider": "p", "language": "en", "label": LABEL, "spans": SPANS, "extra": {"id": "a1"}},
        {"text": "good morning traders", "provider": "p", "label": {"kind": "noise"}},
        {"text": "GOLD buy 1990 sl 1980", "provider": "p", "label": dict(LABEL, symbol="XAUUSD", direction="buy",
                                                                           entry=[1990.0], stop_loss=1980.0,
                                                                           take_profits=[])},
        {"text": "no label here", "provider": "p"},
    ], batch)
    ds.set_split({1: "train", 2: "validation", 3: "test"})
    return tmp_path / "ws"


def _export(ws, out, *args):
    result = run_cli(["data", "export", "--out", str(out), "--workspace", str(ws), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_jsonl_export_is_the_corpus_line_with_spans_and_split(workspace, tmp_path):
    report = _export(workspace, tmp_path / "out", "--format", "jsonl")
    assert report["rows"] == {"train": 1, "validation": 1, "test": 1}
    line = json.loads((tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8"))
    assert line["id"] == "a1" and line["label"] == LABEL and line["spans"] == SPANS and line["split"] == "train"
    report = _export(workspace, tmp_path / "all", "--format", "jsonl", "--include-unlabelled")
    assert report["rows"]["unsplit"] == 1


def test_hf_export_writes_bio_tags_and_labels(workspace, tmp_path):
    report = _export(workspace, tmp_path / "hf", "--format", "hf", "--split", "train")
    assert report["rows"] == {"train": 1} and report["span_figures"]["exact"] == 6
    line = json.loads((tmp_path / "hf" / "train.jsonl").read_text(encoding="utf-8"))
    assert line["kind"] == "signal" and len(line["tokens"]) == len(line["ner_tags"]) == len(line["offsets"])
    assert set(line["ner_tags"]) <= set(BIO_LABELS)
    assert json.loads((tmp_path / "hf" / "labels.json").read_text())["ner_tags"] == list(BIO_LABELS)


def test_rows_without_spans_are_aligned_or_left_out_and_counted(workspace, tmp_path):
    report = _export(workspace, tmp_path / "hf", "--format", "hf")
    try:
        import signalos.dataset.align  # noqa: F401
    except ImportError:
        assert report["left_out_without_spans"]["count"] == 1
    else:
        assert report["aligned_on_the_fly"] == 1 and report["rows"]["test"] == 1


def test_spacy_export_builds_docbins(workspace, tmp_path):
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    report = _export(workspace, tmp_path / "sp", "--format", "spacy")
    assert report["rows"]["train"] == 1
    docs = list(DocBin().from_disk(tmp_path / "sp" / "train.spacy").get_docs(spacy.blank("xx").vocab))
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("XAUUSD", "symbol"), ("SELL", "direction"), ("2416", "entry"), ("19", "entry"), ("2423", "stop_loss"),
        ("2409", "take_profit")]
    assert docs[0].cats["signal"] == 1.0 and docs[0].text == TEXT


def test_spacy_export_without_spacy_names_the_extra(workspace, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "spacy", None)
    result = run_cli(["data", "export", "--format", "spacy", "--out", str(tmp_path / "x"), "--workspace",
                      str(workspace)])
    assert result.exit_code != 0
    assert "pip install 'signalos[spacy]'" in str(result.exception) + result.output


def test_unknown_format_is_one_line_error(workspace, tmp_path):
    result = run_cli(["data", "export", "--format", "parquet", "--out", str(tmp_path / "x"), "--workspace",
                      str(workspace)])
    assert result.exit_code != 0


@pytest.mark.parametrize("text", ["  two  spaces\n\nand lines \n", "\nXAUUSD\n2416\n", "", "x"])
def test_spacy_doc_rebuilds_the_text_exactly(text):
    spacy = pytest.importorskip("spacy")
    from signalos.dataset.tokens import spacy_doc

    spans = {"symbol": [[1, 7]], "entry": [[8, 12]]} if text.startswith("\nXAUUSD") else {}
    doc, stats = spacy_doc(spacy.blank("xx"), text, spans)
    assert doc.text == text
    assert [(e.start_char, e.end_char) for e in doc.ents] == [tuple(v[0]) for v in spans.values()]
