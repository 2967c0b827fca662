"""Train the ``spacy-ner`` parser on the real corpus's train split (topped up with synthetic
messages to ``--messages``, 1,000 by default) and measure: training time (target < 60 s), saved
size (target < 20 MB), exact match and fields on the test split and a held-out provider, p50
latency. ``python -m benchmarks.train_spacy [--messages 1000] [--ner tagger|transition] [--width N] [--depth N]
[--window N] [--textcat bow|ensemble] [--json]`` (each shape option: the trainer's default unless given).
"""
from __future__ import annotations

import resource
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc
from benchmarks._util import verdict


def run(corpus: Path, messages: int, epochs: int, workspace: Path, model: str | None = None,
        shape: dict | None = None) -> dict:
    import attrs

    from signalos.modelstore import ModelStore
    from signalos.training.data import synthetic_examples
    from signalos_spacy.parser import SpacyParser
    from signalos_spacy.train import SpacyHyper, train

    td, files = tc.splits(corpus)
    real = len(td.train)
    if messages > real:
        td = attrs.evolve(td, train=td.train + tuple(synthetic_examples(messages - real)))
    else:
        td = attrs.evolve(td, train=td.train[:messages])
    store = ModelStore(workspace)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    ref, wall = tc.train_or_load(store, model, lambda: train(
        td, store, hyper=SpacyHyper(epochs=epochs, **(shape or {})),
        progress=lambda e, n, r: print(r, file=sys.stderr, flush=True)))
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
    parser = SpacyParser(None, {"workspace": str(workspace), "model": ref.version})
    report = {**tc.header(), "model": ref.spec, "train_messages": len(td.train), "real_train_messages": real,
              "train_wall_s": round(wall, 1), "train_cpu_s": round(cpu, 1), "training_seconds": ref.manifest.training_seconds,
              "time_verdict": verdict(wall, 60, higher_is_better=False),
              "size_bytes": ref.manifest.size_bytes, "size_verdict": verdict(ref.manifest.size_bytes, 20e6, False),
              "epochs_run": len(ref.manifest.epochs), "best_epoch": ref.manifest.metrics.get("best_epoch"),
              "validation": ref.manifest.metrics.get("validation"), "data": td.describe()}
    return {**report, **tc.score_splits(parser, td, files, "spacy"), "test_by_language": tc.exact_by_language(parser, td.test)}


def main(argv=None) -> int:
    from signalos_spacy.train import NER_MODELS, TEXTCAT_MODELS

    ap = tc.argument_parser(__doc__)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--textcat", choices=TEXTCAT_MODELS, help="the kind classifier (default: the trainer's)")
    ap.add_argument("--window", type=int, help="tokens each side each CNN layer reads (default: the trainer's)")
    ap.add_argument("--ner", choices=NER_MODELS, help="the fields' model (default: the trainer's)")
    ap.add_argument("--width", type=int, help="the NER CNN's width (default: the trainer's)")
    ap.add_argument("--depth", type=int, help="the NER CNN's layers (default: the trainer's)")
    args = tc.parse_args(ap, argv)
    shape = {k: getattr(args, k) for k in ("ner", "width", "depth", "window", "textcat") if getattr(args, k) is not None}
    report = run(args.corpus, args.messages, args.epochs, args.workspace, args.model, shape)
    tc.print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
