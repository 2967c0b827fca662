"""Train the ``transformer`` parser (all-MiniLM-L6-v2, token classification) with the defaults of
``signalos train transformer`` (12 epochs, lr 2e-4, 128 tokens, batches of about one length, the
regex tables' word classes as token types, the real train split topped up to 1,000 messages with
synthetic ones in every language of the keyword tables) and measure it on the test split and a
held-out provider: exact match, fields, exact on the non-English test rows (MiniLM is English and
uncased, and maps emoji, CJK and most non-Latin letters to [UNK]), p50 latency, size, training
time (target <= 6 min). ``python -m benchmarks.train_transformer [--json]``.

On a machine other jobs share, ``SIGNALOS_TORCH_THREADS=1`` trains about three times faster than
torch's default of one thread per core (2026-12-04, 2 cores, load 2-5: 6 epochs took 437.6 s on
one thread, 1,307 s on two). On the two cores alone, torch's default is the faster: the 12
epochs took 333 s with two threads (2026-12-05, load below 2: 27 s an epoch) against 534 s on one
thread beside another job. Batching messages of about one length (``EncoderHyper.group_by_length``)
cut an epoch from about 70 s to 27 s of one core, so 12 epochs train in 5.3 minutes
(docs/training.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc
from benchmarks._util import verdict


def run(corpus: Path, epochs: int | None, workspace: Path, model: str | None = None, messages: int = 1000,
        lr: float = 2e-4, max_length: int = 128) -> dict:
    from signalos.modelstore import ModelStore
    from signalos.training.data import synthetic_examples
    from signalos_transformers.encoder import EncoderParser
    from signalos_transformers.train_encoder import EncoderHyper, train

    import attrs

    td, files = tc.splits(corpus)
    if messages > len(td.train):
        td = attrs.evolve(td, train=td.train + tuple(synthetic_examples(messages - len(td.train))))
    store = ModelStore(workspace)
    ref, wall = tc.train_or_load(store, model, lambda: train(
        td, store, hyper=EncoderHyper(**({"epochs": epochs} if epochs else {}), lr=lr, max_length=max_length),
        progress=lambda e, n, r: e == "epoch" and print(r, file=sys.stderr, flush=True)))
    parser = EncoderParser(None, {"workspace": str(workspace), "model": ref.version})
    report = tc.model_report(ref, wall, td, epochs=ref.manifest.epochs, train_messages=len(td.train),
                             time_verdict=verdict(wall, 360, higher_is_better=False))
    return {**report, **tc.score_splits(parser, td, files, "transformer"),
            "test_by_language": tc.exact_by_language(parser, td.test)}


def main(argv=None) -> int:
    ap = tc.argument_parser(__doc__)
    ap.add_argument("--epochs", type=int, help="default: the trainer's (EncoderHyper)")
    ap.add_argument("--messages", type=int, default=1000, help="train rows: the real ones topped up with synthetic")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--max-length", type=int, default=128)
    args = tc.parse_args(ap, argv)
    report = run(args.corpus, args.epochs, args.workspace, args.model, args.messages, args.lr, args.max_length)
    tc.print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
