"""Train the ``transformer`` parser (all-MiniLM-L6-v2, token classification) on the real corpus's
train split and measure it on the test split and a held-out provider: exact match, fields,
p50 latency, size, training time. ``python -m benchmarks.train_transformer [--epochs 4] [--json]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc


def run(corpus: Path, epochs: int, workspace: Path, model: str | None = None, synthetic: int = 0,
        lr: float = 1e-4, max_length: int = 160) -> dict:
    import signalos_transformers
    from signalos.modelstore import ModelStore
    from signalos.testing import make_host
    from signalos.training.data import synthetic_examples
    from signalos_transformers.encoder import EncoderParser
    from signalos_transformers.train_encoder import EncoderHyper, train

    td, files = tc.splits(corpus)
    if synthetic:
        import attrs

        td = attrs.evolve(td, train=td.train + tuple(synthetic_examples(synthetic)))
    store = ModelStore(workspace)
    t0 = time.perf_counter()
    if model is None:
        ref = train(td, store, hyper=EncoderHyper(epochs=epochs, lr=lr, max_length=max_length),
                    progress=lambda e, n, r: e == "epoch" and print(r, file=sys.stderr, flush=True))
    else:
        ref = store.resolve(model)
    wall = time.perf_counter() - t0
    parser = EncoderParser(None, {"workspace": str(workspace), "model": ref.version})
    host = make_host(signalos_transformers)
    report = {**tc.header(), "model": ref.spec, "train_wall_s": round(wall, 1),
              "training_seconds": ref.manifest.training_seconds, "size_bytes": ref.manifest.size_bytes,
              "data": td.describe(), "epochs": ref.manifest.epochs, "validation": ref.manifest.metrics.get("validation")}
    for split, rows in (("test", td.test), ("holdout", td.holdout)):
        preds, timings = tc.predictions_of(parser, rows)
        report[split] = tc.score_predictions(host, files[split], preds, f"transformer-{split}")
        report[split]["latency_single"] = tc.latency(timings)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--synthetic", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-length", type=int, default=160)
    ap.add_argument("--workspace", type=Path, default=tc.SCRATCH / "ws")
    ap.add_argument("--model", help="evaluate this registered version instead of training one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = run(args.corpus or tc.default_corpus(), args.epochs, args.workspace, args.model, args.synthetic,
                 args.lr, args.max_length)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
