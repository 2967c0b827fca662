"""Train the ``llm`` parser (SmolLM2-135M-Instruct, LoRA) on the real corpus's train split and
measure it: valid-JSON rate, exact match and fields on the test split and on a held-out provider,
and p50 latency. ``python -m benchmarks.train_llm [--max-steps 30] [--json]``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc


def run(corpus: Path, max_steps: int, batch_size: int, lr: float, lora_r: int, workspace: Path,
        model: str | None = None, lora_layers: int | None = None, max_length: int = 384) -> dict:
    from signalos.modelstore import ModelStore
    from signalos_transformers.llm import LlmParser, to_result
    from signalos_transformers.train_llm import LlmHyper, train

    td, files = tc.splits(corpus)
    store = ModelStore(workspace)
    hyper = LlmHyper(max_steps=max_steps, batch_size=batch_size, lr=lr, lora_r=lora_r, lora_alpha=2 * lora_r,
                     validate_n=20, lora_layers=lora_layers, max_length=max_length)
    ref, wall = tc.train_or_load(store, model, lambda: train(
        td, store, hyper=hyper, progress=lambda e, n, r: print(f"{e} {n} {r}", file=sys.stderr, flush=True)))
    parser = LlmParser(None, {"workspace": str(workspace), "model": ref.version})
    report = tc.model_report(ref, wall, td)
    for split, rows in (("test", td.test), ("holdout", td.holdout)):
        t1 = time.perf_counter()
        answers = parser.generate([r.text for r in rows])
        gen_s = time.perf_counter() - t1
        preds, valid = [], 0
        for r, (answer, p) in zip(rows, answers):
            res, why = to_result(answer, parser.calibration(p))
            valid += why != "invalid json" and not why.startswith("schema")
            preds.append({**res.to_schema(), "id": r.id} if res is not None else {"id": r.id})
        figures = tc.score_predictions(files[split], preds, f"llm-{split}")
        figures["valid_json_rate"] = round(valid / max(1, len(rows)), 4)
        figures["accepted_rate"] = round(sum(1 for p in preds if "kind" in p) / max(1, len(rows)), 4)
        figures["batched_ms_per_message"] = round(gen_s * 1000 / max(1, len(rows)), 1)
        report[split] = figures
    report["latency_single"] = tc.latency(tc.parse_ms(parser, [r.text for r in list(td.test)[:10]]))
    return report


def main(argv=None) -> int:
    ap = tc.argument_parser(__doc__)
    ap.add_argument("--max-steps", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lora-r", type=int, default=16)
    ap.add_argument("--lora-layers", type=int, default=None, help="adapt only the top N layers")
    ap.add_argument("--max-length", type=int, default=384)
    args = tc.parse_args(ap, argv)
    report = run(args.corpus, args.max_steps, args.batch_size, args.lr, args.lora_r, args.workspace, args.model,
                 args.lora_layers, args.max_length)
    tc.print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
