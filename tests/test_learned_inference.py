"""The learned parsers' fast inference paths write what the plain paths write.

The llm's jump-forward decoder (``jump_decode``) against the reference ``generate`` with the
schema's logits processor, on a tiny random Llama built from a config (tests/tiny_models.py):
same answers, same confidences, fewer forward passes. The example texts are written here.
"""
from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from learned_support import LLM_TEXTS, tiny_corpus  # noqa: E402
from signalos_transformers.llm import LlmParser, compact_label, prompt  # noqa: E402
from tiny_models import tiny_causal_lm  # noqa: E402

TEXTS = [
    *LLM_TEXTS,
    "move stop to entry on gold",
    "XAUUSD sell 2401 2405 sl 2410 tp 2395 2390 2385 2380",
    "",
    "tp1 hit +40 pips on GBPJPY, close 50% now",
]


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root = tmp_path_factory.mktemp("llm-inference")
    torch.manual_seed(0)
    rows = tiny_corpus(64, seed=2)
    base = tiny_causal_lm(root / "base", [prompt(r["text"]) + compact_label(r["label"]) for r in rows] + TEXTS)
    model = AutoModelForCausalLM.from_pretrained(str(base)).eval()
    # the fresh random model writes one kind for every message; shaken by seeded noise it writes
    # signals and updates, short and long answers (checked by the last test)
    noise = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for weights in model.parameters():
            weights.add_(torch.randn(weights.shape, generator=noise) * 3.0 * weights.std().clamp(min=0.02))
    return model, AutoTokenizer.from_pretrained(str(base)), [r["text"] for r in rows[:6]] + TEXTS


def _answers(model, tok, texts, **options):
    parser = LlmParser.from_model(model, tok, **options)
    return parser.generate(texts), parser.last_stats


@pytest.mark.parametrize("batch_size,max_new_tokens", [(4, 160), (1, 160), (16, 12)])
def test_jump_forward_writes_the_reference_decoders_answers(tiny_llm, batch_size, max_new_tokens):
    model, tok, texts = tiny_llm
    ref, ref_stats = _answers(model, tok, texts, batch_size=batch_size, max_new_tokens=max_new_tokens,
                              jump_forward=False)
    fast, stats = _answers(model, tok, texts, batch_size=batch_size, max_new_tokens=max_new_tokens)
    assert [a for a, _ in fast] == [a for a, _ in ref]
    assert [c for _, c in fast] == pytest.approx([c for _, c in ref], rel=1e-4, abs=1e-6)
    # the same tokens, in fewer forward passes
    assert stats["tokens"] == ref_stats["tokens"] and stats["chosen_tokens"] == ref_stats["chosen_tokens"]
    assert stats["forward_passes"] < ref_stats["forward_passes"]


def test_the_fixture_exercises_choices_cut_offs_and_several_kinds(tiny_llm):
    """Guards the identity test above against a model that always writes one short answer."""
    model, tok, texts = tiny_llm
    full, _ = _answers(model, tok, texts, batch_size=8, max_new_tokens=160)
    cut, _ = _answers(model, tok, texts, batch_size=16, max_new_tokens=12)
    kinds = {a.split('"')[3] for a, _ in full if not a.endswith("…")}
    assert {"signal", "update"} <= kinds, kinds
    assert len({a for a, _ in full}) >= 6
    assert any(a.endswith("…") for a, _ in cut) and any(not a.endswith("…") for a, _ in cut)
    assert len({round(c, 3) for _, c in full}) > 3


# --- the encoder: batches by token length give the answers of arrival-order batches ----------

@pytest.fixture(scope="module")
def tiny_encoder_parser(tmp_path_factory):
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from signalos_transformers.encoder import EncoderParser, tag_names
    from tiny_models import tiny_encoder

    path = tiny_encoder(tmp_path_factory.mktemp("encoder") / "base")
    names = tag_names(["noise", "signal", "update:close", "update:move_sl"])
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(
        str(path), num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)}, ignore_mismatched_sizes=True).eval()
    with torch.no_grad():  # a sharper random head: several kinds and many entities to compare
        model.classifier.weight.normal_(0.0, 1.0)
    return EncoderParser.from_model(model, AutoTokenizer.from_pretrained(str(path)), max_length=64)



def test_the_encoder_reads_each_text_with_the_rules_once_however_many_it_is_given(tmp_path, monkeypatch):
    # as spaCy's (below): token types with the rules' reading, and a kind that leans on their class
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from signalos_regex.features import feature_classes
    from signalos_transformers.encoder import EncoderParser, tag_names
    from signalos_transformers.train_encoder import widen_token_types
    from tiny_models import tiny_encoder

    path = tiny_encoder(tmp_path / "base")
    names = tag_names(["noise", "signal"])
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(
        str(path), num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)}, ignore_mismatched_sizes=True).eval()
    assert widen_token_types(model, feature_classes(reading=True))
    parser = EncoderParser.from_model(model, AutoTokenizer.from_pretrained(str(path)), max_length=32)
    parser.kind_prior = 1.0
    read, texts = _counting_reads(monkeypatch)
    assert len(parser.raw_many(texts)) == len(texts)
    assert len(read) == len(set(read)) == len(texts)


def _counting_reads(monkeypatch) -> tuple[list[str], list[str]]:
    """The texts the rules' reader parses from now on (its cache emptied), and more distinct
    texts than its cache holds."""
    from signalos_regex.features import READ_CACHE, default_reader

    reader = default_reader()
    reader.read.cache_clear()
    read: list[str] = []
    real = reader.parser.parse
    monkeypatch.setattr(reader.parser, "parse", lambda text: read.append(text) or real(text))
    return read, [f"gold buy {2000 + i} sl {1990 + i}" for i in range(READ_CACHE + 100)]


def _reference_raw(parser, texts, batch_size):
    """The encoder's batching before length sorting: arrival order, padded per batch, tags
    picked by ``decode`` from the full probability rows."""
    import torch

    from signalos_transformers.encoder import decode

    id2label = {int(k): v for k, v in parser._model.config.id2label.items()}
    out = []
    for i in range(0, len(texts), batch_size):
        chunk = list(texts[i:i + batch_size])
        enc = parser._tokenizer(chunk, return_offsets_mapping=True, return_special_tokens_mask=True,
                                truncation=True, max_length=parser.max_length, padding=True, return_tensors="pt")
        offsets, special = enc.pop("offset_mapping").tolist(), enc.pop("special_tokens_mask").tolist()
        with torch.inference_mode():
            probs = torch.softmax(parser._model(**enc).logits, dim=-1).tolist()
        for j in range(len(chunk)):
            kind_cls, kind_p, ents, least = decode(probs[j], offsets[j], special[j], id2label)
            out.append((kind_cls, min(kind_p, least), ents))
    return out


def test_encoder_batches_by_length_give_arrival_order_answers(tiny_encoder_parser):
    parser = tiny_encoder_parser
    # long and short messages interleaved, so sorting moves them and the padding differs
    texts = [t if i % 3 else t + " " + " ".join(TEXTS[:4]) for i, t in enumerate(TEXTS * 3)]
    parser.batch_size = 4
    fast = parser.raw_many(texts)
    ref = _reference_raw(parser, texts, 4)
    assert [(k, e) for k, _, e in fast] == [(k, e) for k, _, e in ref]
    assert [c for _, c, _ in fast] == pytest.approx([c for _, c, _ in ref], rel=1e-5)
    assert len({tuple(e) for _, _, e in fast}) > 10 and sum(len(e) for _, _, e in fast) > len(texts)
    # one at a time (no padding at all) agrees too
    alone = [parser.raw_many([t])[0] for t in texts[:8]]
    assert [(k, e) for k, _, e in alone] == [(k, e) for k, _, e in fast[:8]]
    assert parser.raw_many([]) == []


# --- spaCy: one pipeline per process, shared by threads; processes give the same answers -----

def _register_spacy(ws):
    """An initialised (untrained) pipeline of the trainer's shape, registered as spacy-ner."""
    from spacy.training import Example as SpacyExample

    from signalos.modelstore import Manifest, ModelStore
    from signalos.training.spans import ENTITY_LABELS
    from signalos_spacy.train import SINGLE_CLASSES, blank_pipeline

    classes = sorted(SINGLE_CLASSES)
    nlp = blank_pipeline(list(ENTITY_LABELS), classes)
    examples = []
    for text, cls in (("gold buy 2300 sl 2290", "signal"), ("close all now", "update:close"), ("hello", "noise")):
        doc = nlp.make_doc(text)
        ref = doc.copy()
        ref.cats = {c: float(c == cls) for c in classes}
        examples.append(SpacyExample(doc, ref))
    nlp.initialize(lambda: examples)
    store = ModelStore(ws)
    try:
        staging = store.staging_dir("spacy-ner")
        nlp.to_disk(staging / "pipeline")
        return store.commit(staging, Manifest(name="spacy-ner", version="", kind="spacy-ner"))
    finally:
        store.close()


def test_spacy_pipeline_loads_once_per_process_and_threads_share_it(tmp_path, monkeypatch):
    pytest.importorskip("spacy")
    import gc
    from concurrent.futures import ThreadPoolExecutor

    import signalos_spacy.parser as sp

    _register_spacy(tmp_path / "ws")
    loads = []
    real = sp.load_pipeline
    monkeypatch.setattr(sp, "load_pipeline", lambda ref: loads.append(ref) or real(ref))
    texts = TEXTS * 4
    first = sp.SpacyParser(None, {"workspace": str(tmp_path / "ws")})
    serial = [r.to_dict() if r else None for r in first.parse_many(texts)]
    assert len(loads) == 1 and serial[TEXTS.index("")]["kind"] == "noise"  # an empty message in a batch

    def work(_):
        parser = sp.SpacyParser(None, {"workspace": str(tmp_path / "ws")})  # a parser per thread, as hosts make them
        return parser, [r.to_dict() if r else None for r in parser.parse_many(texts)]

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(work, range(16)))
    assert len(loads) == 1  # every parser got the one pipeline
    assert len({id(p._nlp) for p, _ in done}) == 1
    assert all(answers == serial for _, answers in done)
    # held weakly: once no parser holds it, the next parser loads it again
    del done, first
    gc.collect()
    sp.SpacyParser(None, {"workspace": str(tmp_path / "ws")}).parse("gold buy")
    assert len(loads) == 2



def test_spacy_reads_each_text_with_the_rules_once_however_many_it_is_given(tmp_path, monkeypatch):
    # its tokenizer reads the rules' reading of the numbers, and its kind leans on the rules'
    # class: both from the reader's cache, which holds READ_CACHE texts; a call of more texts
    # than that must not read them all again
    pytest.importorskip("spacy")
    from signalos_spacy.parser import SpacyParser

    _register_spacy(tmp_path / "ws")
    parser = SpacyParser(None, {"workspace": str(tmp_path / "ws")})
    parser._load()
    parser.kind_prior = 1.0  # as a trained model that chose to lean on the rules' kind
    read, texts = _counting_reads(monkeypatch)
    results = parser.parse_many(texts)
    assert len(results) == len(texts) and all(r is not None for r in results)
    assert len(read) == len(set(read)) == len(texts)


def test_spacy_processes_give_the_same_answers(tmp_path):
    pytest.importorskip("spacy")
    from signalos_spacy.parser import SpacyParser

    _register_spacy(tmp_path / "ws")
    texts = [f"{t} #{i}" for i, t in enumerate(TEXTS * 6)]
    one = SpacyParser(None, {"workspace": str(tmp_path / "ws"), "batch_size": 8}).parse_many(texts)
    two = SpacyParser(None, {"workspace": str(tmp_path / "ws"), "batch_size": 8, "processes": 2}).parse_many(texts)
    assert [r.to_dict() if r else None for r in two] == [r.to_dict() if r else None for r in one]


def test_torch_parsers_share_one_loaded_model_and_each_reads_its_manifest(tmp_path, monkeypatch):
    import gc

    from transformers import AutoTokenizer

    import signalos_transformers.encoder as enc
    from signalos.modelstore import Manifest, ModelStore
    from signalos_transformers.common import register_trained

    monkeypatch.delenv("SIGNALOS_TORCH_THREADS", raising=False)
    from transformers import AutoModelForTokenClassification

    from tiny_models import tiny_encoder

    store = ModelStore(tmp_path / "ws")
    try:
        path = tiny_encoder(tmp_path / "base")
        names = enc.tag_names(["noise", "signal"])
        model = AutoModelForTokenClassification.from_pretrained(
            str(path), num_labels=len(names), id2label=dict(enumerate(names)),
            label2id={n: i for i, n in enumerate(names)}, ignore_mismatched_sizes=True)
        register_trained(store, "transformer", "model", model, AutoTokenizer.from_pretrained(str(path)), alias=None,
                         manifest=lambda: Manifest(name="transformer", version="", kind="transformer",
                                                   hyperparameters={"max_length": 48}))
    finally:
        store.close()
    loads = []
    real = enc.load_encoder
    monkeypatch.setattr(enc, "load_encoder", lambda *a: loads.append(a) or real(*a))
    parsers = [enc.EncoderParser(None, {"workspace": str(tmp_path / "ws")}) for _ in range(3)]
    answers = [p.parse_many(TEXTS) for p in parsers]
    assert len(loads) == 1 and len({id(p._model) for p in parsers}) == 1
    assert all(p.max_length == 48 for p in parsers)  # the manifest's setting, on every parser
    assert answers[0] == answers[1] == answers[2]
    import torch

    assert torch.get_num_threads() == 1  # one intra-op thread unless SIGNALOS_TORCH_THREADS says otherwise
    del parsers, answers
    gc.collect()
    enc.EncoderParser(None, {"workspace": str(tmp_path / "ws")}).parse("gold buy 2300")
    assert len(loads) == 2  # no parser held it: freed, loaded again


def test_jump_forward_with_eager_attention_writes_the_same_answers(tiny_llm):
    """The eager attention reads an additive float mask where sdpa reads a boolean one."""
    model, tok, texts = tiny_llm
    model.config._attn_implementation = "eager"
    try:
        ref, _ = _answers(model, tok, texts, batch_size=4, max_new_tokens=160, jump_forward=False)
        fast, _ = _answers(model, tok, texts, batch_size=4, max_new_tokens=160)
    finally:
        model.config._attn_implementation = "sdpa"
    assert [a for a, _ in fast] == [a for a, _ in ref]
