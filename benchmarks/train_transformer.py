"""Train the ``transformer`` parser (all-MiniLM-L6-v2, token classification) on the real corpus's
train split and measure it on the test split and a held-out provider: exact match, fields,
p50 latency, size, training time. ``python -m benchmarks.train_transformer [--epochs 4] [--json]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc


def run(corpus: Path, epochs: int, workspace: Path, model: str | None = None, synthetic: int = 0,
        lr: float = 1e-4, max_length: int = 160) -> dict:
    from signalos.modelstore import ModelStore
    from signalos.training.data import synthetic_examples
    from signalos_transformers.encoder import EncoderParser
    from signalos_transformers.train_encoder import EncoderHyper, train

    td, files = tc.splits(corpus)
    if synthetic:
        import attrs

        td = attrs.evolve(td, train=td.train + tuple(synthetic_examples(synthetic)))
    store = ModelStore(workspace)
    ref, wall = tc.train_or_load(store, model, lambda: train(
        td, store, hyper=EncoderHyper(epochs=epochs, lr=lr, max_length=max_length),
        progress=lambda e, n, r: e == "epoch" and print(r, file=sys.stderr, flush=True)))
    parser = EncoderParser(None, {"workspace": str(workspace), "model": ref.version})
    report = tc.model_report(ref, wall, td, epochs=ref.manifest.epochs)
    return {**report, **tc.score_splits(parser, td, files, "transformer")}


def main(argv=None) -> int:
    ap = tc.argument_parser(__doc__)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--synthetic", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-length", type=int, default=160)
    args = tc.parse_args(ap, argv)
    report = run(args.corpus, args.epochs, args.workspace, args.model, args.synthetic, args.lr, args.max_length)
    tc.print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
