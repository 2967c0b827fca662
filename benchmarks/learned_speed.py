"""Inference speed of the learned parsers: batched throughput and one-at-a-time latency.

    python -m benchmarks.learned_speed [--json] [--runs 3] [--only spacy,transformer,llm]
        [--llm-workspace DIR --llm-model VERSION] [--llm-compare] [--spacy-processes N] [--threads N]
        [--spacy-workspace DIR --spacy-model VERSION]

For each parser: messages/s through ``parse_many`` (the batched path) with the CPU milliseconds a
message (``time.process_time``, every thread of the process), and the p50 of ``parse`` one
message at a time; min and median over ``--runs`` runs, with the load average at each run.
The messages are a fixed mix of the corpus texts, read at run time from ../shared/corpus
(``real.jsonl`` then ``real-2.jsonl``, every k-th line; never copied into the repository), or the
bundled examples when the corpus is absent.

Which models. The speed of the spaCy pipeline and of the encoder does not depend on the values
of their weights, only on their shape: the spaCy pipeline is ``train.blank_pipeline`` with the
trainer's default ``SpacyHyper`` (initialised on a few made-up examples, not trained), and the
encoder is all-MiniLM-L6-v2 with the trainer's token-classification head (random), both built
exactly as the trainers build them. The LLM is Gemma 3 270M (the default base) with a LoRA
adapter: a trained one from ``--llm-workspace`` when given (or found in the training benchmark's
workspace), else an untrained adapter of the default shape (r=16, every linear layer), which
merged is the base model itself. Its speed depends on the weights through the answers' length:
the report gives the tokens generated per message, the decoder's forward passes and ms a token,
so figures from an untrained adapter say what they measure.

Targets (issue 15, 2 cores, CPU): spaCy >= 2,000 messages/s batched, the encoder <= 15 ms a
message, the LLM <= 0.5 s a message batched.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, busy_note, emit, machine, percentile, verdict
from signalos.errors import SignalosError

TARGETS = {"spacy": ("msgs_per_s", 2000.0, True), "transformer": ("ms_per_msg", 15.0, False),
           "llm": ("ms_per_msg", 500.0, False)}
PARSERS = ("spacy", "transformer", "llm")
SCRATCH = Path(os.environ.get("SIGNALOS_BENCH_DIR") or Path("/tmp") / "signalos-bench")


def corpus_texts(n: int) -> tuple[list[str], str]:
    """``n`` texts spread evenly over the corpus (both files), or over the bundled examples."""
    folder = REPO_ROOT.parent / "shared" / "corpus"
    texts: list[str] = []
    for name in ("real.jsonl", "real-2.jsonl"):
        path = folder / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(json.loads(line)["text"])
    source = "../shared/corpus (real.jsonl + real-2.jsonl)"
    if not texts:
        from benchmarks.messages import traffic

        texts, source = traffic(max(n, 200), REPO_ROOT), "bundled examples + generated messages"
    step = max(1, len(texts) // n) if len(texts) >= n else 1
    picked = texts[::step][:n]
    while len(picked) < n:  # fewer texts than asked: cycle
        picked += picked[: n - len(picked)]
    return picked, source


def load_now() -> float:
    return round(os.getloadavg()[0], 2)


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of the process, result) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def forget_readings() -> None:
    """Empty the cache of the regex parser's readings of texts (``signalos_regex.features``) that
    the learned parsers' features read: each run then reads every message as a new one, as a
    channel's messages come (the runs repeat the same texts)."""
    features = sys.modules.get("signalos_regex.features")
    if features is not None:
        features.default_reader().read.cache_clear()


def measure(parser, texts: list[str], single: list[str], runs: int, batch_note: str = "") -> dict[str, Any]:
    """Batched throughput and single-message latency over ``runs`` runs (after a warm-up); every
    run reads the messages afresh (``forget_readings``)."""
    parser.parse_many(texts[: min(len(texts), 8)])  # load the model and warm caches
    batched, singles = [], []
    for _ in range(runs):
        forget_readings()
        load = load_now()
        wall, cpu, _ = timed(lambda: parser.parse_many(texts))
        batched.append({"wall_s": wall, "cpu_s": cpu, "load": load})
        lat, lat_cpu = [], []
        forget_readings()
        for text in single:
            w, c, _ = timed(lambda t=text: parser.parse(t))
            lat.append(w * 1000)
            lat_cpu.append(c * 1000)
        singles.append({"p50_ms": percentile(lat, 50), "p50_cpu_ms": percentile(lat_cpu, 50), "load": load_now()})
    n = len(texts)
    walls = [b["wall_s"] for b in batched]
    cpus = [b["cpu_s"] for b in batched]
    p50s = [s["p50_ms"] for s in singles]
    return {
        "messages": n, "single_messages": len(single), "runs": runs,
        "msgs_per_s": {"max": round(n / min(walls), 1), "median": round(n / statistics.median(walls), 1)},
        "ms_per_msg": {"min": round(1000 * min(walls) / n, 3), "median": round(1000 * statistics.median(walls) / n, 3)},
        "cpu_ms_per_msg": {"min": round(1000 * min(cpus) / n, 3), "median": round(1000 * statistics.median(cpus) / n, 3)},
        "single_p50_ms": {"min": round(min(p50s), 3), "median": round(statistics.median(p50s), 3)},
        "single_p50_cpu_ms": {"min": round(min(s["p50_cpu_ms"] for s in singles), 3),
                              "median": round(statistics.median(s["p50_cpu_ms"] for s in singles), 3)},
        "loads": [b["load"] for b in batched], "note": batch_note,
    }


# --- the parsers, built as their trainers build them ----------------------------------------

def spacy_parser(workspace: Path | None = None, version: str | None = None):
    """A trained spacy-ner model of ``workspace`` (its rules' kind prior and decoding included,
    which cost time of their own), else the untrained pipeline of the trainer's defaults."""
    if workspace is not None:
        from signalos_spacy.parser import SpacyParser

        parser = SpacyParser(None, {"workspace": str(workspace), **({"model": version} if version else {})})
        hyper = parser._load() and parser._ref.manifest.hyperparameters
        return parser, (f"trained {parser._ref.spec} (ner {hyper.get('ner', 'transition')}, width {hyper.get('width')}, "
                        f"depth {hyper.get('depth')}, textcat {hyper.get('textcat')}, kind prior {parser.kind_prior})")
    from spacy.training import Example as SpacyExample

    from signalos.training.spans import ENTITY_LABELS
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SINGLE_CLASSES, SpacyHyper, blank_pipeline

    classes = sorted(SINGLE_CLASSES)
    nlp = blank_pipeline(list(ENTITY_LABELS), classes, SpacyHyper())
    made_up = [("gold buy 2300 sl 2290 tp 2310", [(0, 4, "SYMBOL"), (5, 8, "DIRECTION")], "signal"),
               ("close all trades now", [], "update:close"), ("good morning everyone", [], "noise")]
    examples = []
    for text, ents, cls in made_up:
        doc = nlp.make_doc(text)
        ref = doc.copy()
        ref.ents = [s for s in (doc.char_span(a, b, label=lab) for a, b, lab in ents) if s is not None]
        ref.cats = {c: float(c == cls) for c in classes}
        examples.append(SpacyExample(doc, ref))
    nlp.initialize(lambda: examples)
    return SpacyParser.from_pipeline(nlp), "blank_pipeline(SpacyHyper()) initialised, untrained (speed depends on shape only)"


def encoder_parser():
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from signalos_transformers.common import default_encoder, require_transformers, set_threads
    from signalos_transformers.encoder import EncoderParser, tag_names
    from signalos_transformers.train_encoder import EncoderHyper

    require_transformers()
    set_threads(None, default=1)  # as a parser loading its model
    base = default_encoder()
    names = tag_names(["noise", "signal", "update:close", "update:move_sl", "update:breakeven", "update:tp_hit"])
    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForTokenClassification.from_pretrained(
        str(base), num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)}, ignore_mismatched_sizes=True)
    model.eval()
    max_length = EncoderHyper().max_length
    return (EncoderParser.from_model(model, tok, max_length=max_length),
            f"all-MiniLM-L6-v2 + a random token-classification head, max_length {max_length}")


def find_trained_llm(workspace: Path | None, version: str | None) -> tuple[Path, str] | None:
    from signalos.modelstore import ModelStore

    candidates = [workspace] if workspace else [SCRATCH / "ws"]
    for ws in candidates:
        if ws is None or not (ws / "models" / "llm").is_dir():
            continue
        store = ModelStore(ws)
        try:
            ref = store.resolve(f"llm@{version}" if version else "llm", verify=False)
        except Exception:
            continue
        finally:
            store.close()
        return ws, ref.version
    return None


def llm_parser(workspace: Path | None, version: str | None, batch_size: int):
    from signalos_transformers.llm import LlmParser

    found = find_trained_llm(workspace, version)
    if found:
        ws, ver = found
        parser = LlmParser(None, {"workspace": str(ws), "model": ver, "batch_size": batch_size})
        parser._load()
        return parser, f"trained adapter llm@{ver} from {ws} on Gemma 3 270M"
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from signalos.modelstore import ModelStore
    from signalos_transformers.common import require_transformers, set_threads
    from signalos_transformers.train_llm import LlmHyper, prepare_base

    require_transformers(peft=True)
    set_threads(None, default=1)  # as a parser loading its model
    store = ModelStore(SCRATCH / "learned-speed-ws")
    try:
        base = prepare_base(None, store)  # de-quantised once into the scratch workspace
    finally:
        store.close()
    h = LlmHyper()
    tok = AutoTokenizer.from_pretrained(str(base))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    lora = LoraConfig(r=h.lora_r, lora_alpha=h.lora_alpha, lora_dropout=h.lora_dropout, target_modules="all-linear",
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lora).merge_and_unload().eval()
    parser = LlmParser.from_model(model, tok, batch_size=batch_size)
    parser._model = parser._prepare(model)
    return parser, ("untrained LoRA adapter of the default shape on Gemma 3 270M (= the base model): answer "
                    "lengths are the base model's, not a trained model's")


def llm_extra(parser, texts: list[str], compare: bool) -> dict[str, Any]:
    """Tokens written per message and the decoder's own counters, from one more batched pass;
    with ``compare``, the reference decoder (``generate`` + the schema's logits processor) on the
    same model and texts: its time, and how many answers the two decoders write alike."""
    from signalos_transformers.llm import LlmParser

    wall, cpu, answers = timed(lambda: parser.generate(texts))
    stats = dict(getattr(parser, "last_stats", {}) or {})
    parser.parse_many(texts)
    tokens = stats.get("tokens", 0)
    out: dict[str, Any] = {"reasons": _count(parser.last_reasons), **stats}
    if tokens:
        out["tokens_per_msg"] = round(tokens / len(texts), 1)
        out["ms_per_token"] = round(1000 * wall / tokens, 2)
        out["cpu_ms_per_token"] = round(1000 * cpu / tokens, 2)
    if compare and parser.jump_forward:
        ref = LlmParser.from_model(parser._model, parser._tokenizer, calibration=parser.calibration,
                                   batch_size=parser.batch_size, max_new_tokens=parser.max_new_tokens,
                                   jump_forward=False)
        load = load_now()
        rwall, rcpu, ref_answers = timed(lambda: ref.generate(texts))
        same = sum(a == b for (a, _), (b, _) in zip(answers, ref_answers))
        out["reference"] = {"ms_per_msg": round(1000 * rwall / len(texts), 1),
                            "cpu_ms_per_msg": round(1000 * rcpu / len(texts), 1), "load": load,
                            "same_answers": same, "of": len(texts), **ref.last_stats,
                            "max_confidence_diff": max(abs(a - b) for (_, a), (_, b) in zip(answers, ref_answers)),
                            "differing": [[a, b] for (a, _), (b, _) in zip(answers, ref_answers) if a != b][:5]}
    return out


def _count(values: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        key = v.split(":")[0]
        out[key] = out.get(key, 0) + 1
    return out


def run(args) -> dict[str, Any]:
    if args.threads:
        os.environ["SIGNALOS_TORCH_THREADS"] = str(args.threads)
    report: dict[str, Any] = {"machine": machine(), "runs": args.runs, "parsers": {}}
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    for name in only:
        if name not in PARSERS:
            raise SystemExit(f"unknown parser {name!r}: one of {', '.join(PARSERS)}")
        try:
            report["parsers"][name] = measure_parser(name, args)
        except (ImportError, SignalosError) as exc:  # a missing extra or base model: say so, measure the rest
            report["parsers"][name] = {"skipped": f"{type(exc).__name__}: {exc}"}
        print(f"  {name}: done", file=sys.stderr)
    report["load_end"] = load_now()
    return report


def measure_parser(name: str, args) -> dict[str, Any]:
    """The figures of one parser (``spacy``, ``transformer`` or ``llm``)."""
    started = time.perf_counter()
    if name == "spacy":
        parser, built = spacy_parser(args.spacy_workspace, args.spacy_model)
        parser.options["processes"] = args.spacy_processes
        built += f", processes {args.spacy_processes}"
        texts, source = corpus_texts(args.spacy_messages)
    elif name == "transformer":
        parser, built = encoder_parser()
        texts, source = corpus_texts(args.encoder_messages)
    else:
        parser, built = llm_parser(args.llm_workspace, args.llm_model, args.llm_batch)
        texts, source = corpus_texts(args.llm_messages)
    threads = None
    if name != "spacy":
        import torch

        from signalos_transformers.common import set_threads

        set_threads(None, default=1)  # as a parser loading its model
        threads = torch.get_num_threads()
    single = texts[: args.single if name != "llm" else args.llm_single]
    figures = measure(parser, texts, single, args.runs)
    figures.update(model=built, texts=source, torch_threads=threads)
    if name == "llm":
        figures.update(llm_extra(parser, texts, args.llm_compare), batch_size=parser.batch_size)
    key, target, higher = TARGETS[name]
    value = figures[key]["max" if higher else "min"]
    figures["target"] = {"figure": key, "value": target, "verdict": verdict(value, target, higher)}
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def human(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"Learned parsers' inference ({m['cpus']} CPUs, load {m['load_1min']} at start, "
          f"{report['load_end']} at the end; min / median of {report['runs']} runs)")
    for name, f in report["parsers"].items():
        if "skipped" in f:
            print(f"\n{name}: skipped ({f['skipped']})")
            continue
        threads = f"; torch threads {f['torch_threads']}" if f["torch_threads"] else ""
        print(f"\n{name}: {f['model']}; {f['messages']} messages from {f['texts']}{threads}")
        print(f"  batched: {f['msgs_per_s']['max']} / {f['msgs_per_s']['median']} msgs/s, "
              f"{f['ms_per_msg']['min']} / {f['ms_per_msg']['median']} ms a message, "
              f"CPU {f['cpu_ms_per_msg']['min']} / {f['cpu_ms_per_msg']['median']} ms a message (loads {f['loads']})")
        print(f"  one at a time ({f['single_messages']} messages): p50 {f['single_p50_ms']['min']} / "
              f"{f['single_p50_ms']['median']} ms, CPU {f['single_p50_cpu_ms']['min']} / {f['single_p50_cpu_ms']['median']} ms")
        if "tokens_per_msg" in f:
            print(f"  {f['tokens_per_msg']} tokens a message, {f['ms_per_token']} ms a token "
                  f"(CPU {f['cpu_ms_per_token']}); decoder: { {k: v for k, v in f.items() if k in ('forward_passes', 'forced_tokens', 'chosen_tokens')} }; "
                  f"answers: {f['reasons']}")
        if "reference" in f:
            r = f["reference"]
            print(f"  reference decoder (generate + logits processor): {r['ms_per_msg']} ms a message "
                  f"(CPU {r['cpu_ms_per_msg']}, load {r['load']}, {r['forward_passes']} forward passes); "
                  f"same answers {r['same_answers']} of {r['of']}, largest confidence difference "
                  f"{r['max_confidence_diff']:.2g}")
        t = f["target"]
        print(f"  target {t['figure']} {'>=' if t['figure'] == 'msgs_per_s' else '<='} {t['value']}: {t['verdict']}")
    note = busy_note(m)
    if note:
        print(note)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.learned_speed", description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(PARSERS), help="comma-separated: spacy,transformer,llm")
    ap.add_argument("--spacy-messages", type=int, default=1000)
    ap.add_argument("--spacy-workspace", type=Path, default=None,
                    help="a workspace with a trained spacy-ner model (default: the untrained default shape)")
    ap.add_argument("--spacy-model", default=None, help="its version (default: the latest)")
    ap.add_argument("--spacy-processes", type=int, default=1, help="the spacy-ner 'processes' option")
    ap.add_argument("--encoder-messages", type=int, default=256)
    ap.add_argument("--llm-messages", type=int, default=32)
    ap.add_argument("--single", type=int, default=50, help="messages parsed one at a time (spaCy, encoder)")
    ap.add_argument("--llm-single", type=int, default=3, help="messages the LLM parses one at a time")
    ap.add_argument("--llm-batch", type=int, default=16)
    ap.add_argument("--llm-workspace", type=Path, default=None, help="a workspace with a trained llm model")
    ap.add_argument("--llm-model", default=None, help="its version (default: the latest)")
    ap.add_argument("--llm-compare", action="store_true",
                    help="also run the reference decoder on the same texts: its time and how many answers agree")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: SIGNALOS_TORCH_THREADS, else 1, as the parsers)")
    args = ap.parse_args(argv)
    report = run(args)
    emit(report, args.json, human)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
