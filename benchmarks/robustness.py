"""Layouts nobody wrote rules for: the corpus's messages rewritten by each augmenter, read again.

    python benchmarks/robustness.py [--augmenter NAME]... [--pipeline NAME] [--copies 3] [--seed 0] [--show N] [--json]

An augmenter rewrites a labelled message without changing what it says (``case``: in lower,
upper or title case; ``layout``: a block on one line joined by spaces or bars, a line a label;
``emoji``, ``spacing``, ``punctuation``, ``symbol-alias``, ``reprice``, ``keyword-language``).
A channel nobody has seen writes the same calls in such ways, so a parser that reads a message
and misreads its rewriting reads a layout, not a class of messages. For each augmenter: how many
rewritings (up to ``--copies`` a message), the share read exactly, and, of the rewritings whose
source message the parser reads right, the share still read right ("kept": the figure to watch;
the rest are the source's own misreadings). ``--show N`` prints N misread rewritings of messages
read right (a corpus text is printed, never written to the repository).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import emit
from benchmarks.train_common import default_corpus


def run(names: list[str] | None, pipeline: str | None, copies: int, seed: int, show: int) -> dict:
    from signalos.dataset.augment import Example, augmenters_for, copy_rng
    from signalos.evaluation.data import load_labelled
    from signalos.host import Host
    from signalos.training.metrics import exact_flags

    host = Host()
    rows = load_labelled(default_corpus()).rows  # uncertain rows left out
    start = time.perf_counter()

    def read(texts: list[str]) -> list:
        return [host.parse(t, pipeline=pipeline).result for t in texts]

    source_right = exact_flags([r.label for r in rows], read([r.text for r in rows]))
    report: dict = {"messages": len(rows), "source_exact": round(sum(source_right) / max(1, len(rows)), 4),
                    "copies": copies, "seed": seed, "augmenters": {}}
    for component in augmenters_for(host, names):
        texts, labels, right_before = [], [], []
        errors = 0
        for row, right in zip(rows, source_right):
            example = Example(row.text, row.label, None, row.provider, row.language)
            try:
                made = component.augment(example, copy_rng(seed, row.text, 0))
            except Exception:  # an augmenter that fails on a message rewrites nothing of it
                errors += 1
                continue
            for new in [m for m in made if m.text != row.text][:copies]:
                texts.append(new.text)
                labels.append(new.label)
                right_before.append(right)
        answers = read(texts)
        flags = exact_flags(labels, answers)
        of_right = [f for f, r in zip(flags, right_before) if r]
        misread = [{"text": t, "label": lab, "got": a.to_schema()}
                   for t, lab, a, f, r in zip(texts, labels, answers, flags, right_before) if r and not f]
        report["augmenters"][component.name] = {
            "rewritten": len(texts), "exact": round(sum(flags) / max(1, len(flags)), 4),
            "of_read_right": len(of_right), "kept": round(sum(of_right) / max(1, len(of_right)), 4),
            "lost": len(misread), "errors": errors, "misread": misread[:show]}
    cells = [a for a in report["augmenters"].values() if a["of_read_right"]]
    lost = sum(a["lost"] for a in cells)
    total = sum(a["of_read_right"] for a in cells)
    report["kept_pooled"] = round(1 - lost / total, 4) if total else None
    report["seconds"] = round(time.perf_counter() - start, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--augmenter", action="append", help="an augmenter's name (repeatable; default: every one)")
    ap.add_argument("--pipeline", default=None, help="pipeline name from the configuration (default: the default one)")
    ap.add_argument("--copies", type=int, default=3, help="rewritings a message at most (default 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=0, help="misread rewritings to print per augmenter")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not default_corpus().is_file():
        print(f"no corpus at {default_corpus()}: this benchmark reads real channel messages", file=sys.stderr)
        return 1
    report = run(args.augmenter, args.pipeline, args.copies, args.seed, args.show)

    def human(r: dict) -> None:
        print(f"{r['messages']} messages, {r['source_exact']:.1%} read exactly as written")
        print(f"{'augmenter':18s} {'rewritten':>9s} {'exact':>7s} {'kept':>7s} {'lost':>5s}")
        for name, a in r["augmenters"].items():
            print(f"{name:18s} {a['rewritten']:>9d} {a['exact']:>7.1%} {a['kept']:>7.1%} {a['lost']:>5d}")
            for m in a["misread"]:
                print(f"    {m['text'][:160]!r}")
                print(f"      label {m['label']}")
                print(f"      got   {m['got']}")
        print(f"kept, pooled: {r['kept_pooled']:.2%}; {r['seconds']} s")

    emit(report, args.json, human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
