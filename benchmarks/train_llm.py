"""Train the ``llm`` parser (Gemma 3 270M + LoRA by default) on the train split of the real corpus
files (``real.jsonl`` and ``real-2.jsonl`` together) plus synthetic messages in many languages,
and measure it: exact match and fields on the test split (evaluation engine), the valid-JSON and
accepted rates, latency batched and one message at a time, training wall and CPU time, peak
memory. ``--holdout PROVIDER`` trains without that provider and scores it too (leave one
provider out); ``--unconstrained N`` also decodes N test messages without the schema constraint,
to show what it costs and what it saves.

``python -m benchmarks.train_llm [--max-steps 60] [--holdout P] [--json]``; give each held-out
provider its own ``SIGNALOS_BENCH_DIR``.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc

CORPUS_FILES = ("real.jsonl", "real-2.jsonl")


def combined_corpus(first: Path) -> Path:
    """Both corpus files as one labelled file in the scratch directory (never the repository)."""
    out = tc.SCRATCH / "real+real-2.jsonl"
    tc.SCRATCH.mkdir(parents=True, exist_ok=True)
    parts = [first.parent / name for name in CORPUS_FILES if (first.parent / name).is_file()] or [first]
    out.write_text("".join(p.read_text(encoding="utf-8").rstrip("\n") + "\n" for p in parts), encoding="utf-8")
    return out


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run(args) -> dict:
    import attrs

    from signalos.modelstore import ModelStore
    from signalos.training.data import synthetic_examples
    from signalos_transformers.llm import LlmParser, to_result
    from signalos_transformers.train_llm import LlmHyper, train

    td, files = tc.splits(combined_corpus(args.corpus), holdout=args.holdout)
    if args.synthetic:
        td = attrs.evolve(td, train=td.train + tuple(synthetic_examples(args.synthetic, seed=args.seed)))
    store = ModelStore(args.workspace)
    hyper = LlmHyper(max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr, lora_r=args.lora_r,
                     lora_alpha=2 * args.lora_r, validate_n=args.validate_n, lora_layers=args.lora_layers,
                     max_length=args.max_length, seed=args.seed, regex_reading=args.regex_reading)
    cpu0 = cpu_seconds()
    ref, wall = tc.train_or_load(store, args.model, lambda: train(
        td, store, base=args.base, hyper=hyper,
        progress=lambda e, n, r: print(f"{e} {n} {r}", file=sys.stderr, flush=True)))
    report = tc.model_report(ref, wall, td, train_cpu_s=round(cpu_seconds() - cpu0, 1),
                             base=ref.manifest.extra.get("base_dir"), hyperparameters=ref.manifest.hyperparameters)
    parser = LlmParser(None, {"workspace": str(args.workspace), "model": ref.version, "batch_size": args.eval_batch})
    # --test-limit scores the first N rows of each split (a loaded CPU decodes ~2 messages a minute)
    test_rows, hold_rows = list(td.test)[: args.test_limit or None], list(td.holdout)[: args.test_limit or None]
    if args.test_limit:
        td = attrs.evolve(td, test=tuple(test_rows), holdout=tuple(hold_rows))
        files = {k: td.write_split(k, tc.SCRATCH / f"{k}-first{args.test_limit}.jsonl") for k in files}
    splits = [("test", td.test)] + ([("holdout", td.holdout)] if td.holdout else [])
    for split, rows in splits:
        t1, c1 = time.perf_counter(), cpu_seconds()
        answers = parser.generate([r.text for r in rows])
        gen_s, gen_cpu = time.perf_counter() - t1, cpu_seconds() - c1
        preds, valid, sound = [], 0, 0
        for r, (answer, p) in zip(rows, answers):
            res, why = to_result(answer, parser.calibration(p), text=r.text)
            valid += why != "invalid json" and not why.startswith("schema")
            sound += why == "ok"
            preds.append({**res.to_schema(), "id": r.id} if res is not None else {"id": r.id})
        figures = tc.score_predictions(files[split], preds, f"llm-{split}")
        figures["valid_json_rate"] = round(valid / max(1, len(rows)), 4)
        figures["answered_rate"] = round(sum(1 for p in preds if "kind" in p) / max(1, len(rows)), 4)
        figures["accepted_rate"] = round(sound / max(1, len(rows)), 4)  # passing validation too
        figures["batched_ms_per_message"] = round(gen_s * 1000 / max(1, len(rows)), 1)
        figures["batched_cpu_ms_per_message"] = round(gen_cpu * 1000 / max(1, len(rows)), 1)
        report[split] = figures
    sample = [r.text for r in list(td.test)[: args.single]]
    report["latency_single"] = tc.latency(tc.parse_ms(parser, sample))
    if args.unconstrained:
        rows = list(td.test)[: args.unconstrained]
        free = LlmParser(None, {"workspace": str(args.workspace), "model": ref.version,
                                "batch_size": args.eval_batch, "constrained": False})
        out = {}
        for name, p in (("constrained", parser), ("unconstrained", free)):
            t1 = time.perf_counter()
            answers = p.generate([r.text for r in rows])
            ms = (time.perf_counter() - t1) * 1000 / max(1, len(rows))
            whys = [to_result(a, 1.0, text=r.text)[1] for r, (a, _) in zip(rows, answers)]
            out[name] = {"ms_per_message": round(ms, 1), "n": len(rows),
                         "valid_json": sum(w != "invalid json" and not w.startswith("schema") for w in whys),
                         "accepted": sum(w == "ok" for w in whys)}
        report["constraint_cost"] = out
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def main(argv=None) -> int:
    ap = tc.argument_parser(__doc__)
    ap.add_argument("--base", default="gemma3", help="gemma3, smollm2, a model directory or a .gguf file")
    ap.add_argument("--holdout", default=None, help="leave this provider out of training and score it")
    ap.add_argument("--synthetic", type=int, default=600, help="synthetic messages added to the train split")
    ap.add_argument("--max-steps", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lora-r", type=int, default=16)
    ap.add_argument("--lora-layers", type=int, default=6, help="adapt only the top N layers")
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--validate-n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-regex-reading", dest="regex_reading", action="store_false",
                    help="train without the regex parser's draft in the prompt")
    ap.add_argument("--eval-batch", type=int, default=16)
    ap.add_argument("--single", type=int, default=5, help="messages parsed one at a time for the latency")
    ap.add_argument("--unconstrained", type=int, default=0, metavar="N")
    ap.add_argument("--test-limit", type=int, default=0, metavar="N", help="score only the first N rows of each split")
    args = tc.parse_args(ap, argv)
    tc.print_report(run(args), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
