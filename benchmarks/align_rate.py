"""How many label values ``align_label`` finds in their messages, read from a labelled file.

    python benchmarks/align_rate.py [FILE.jsonl] [--keep-uncertain] [--all-kinds] [--show 40] [--json]

FILE defaults to ``../shared/corpus/real.jsonl`` beside the repository when it exists, else
``examples/data/messages.jsonl``. The headline is the issue's measure: the values of the certain
signals (symbol, direction, each entry, the stop, each target, leverage) that get a span. The
file is read where it lies; nothing of it is copied.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, emit, machine

# The fields the "95% of the certain signal fields" counts.
HEADLINE_FIELDS = ("symbol", "direction", "entry", "stop_loss", "take_profits", "leverage")


def default_corpus() -> Path:
    real = REPO_ROOT.parent / "shared" / "corpus" / "real.jsonl"
    return real if real.is_file() else REPO_ROOT / "examples" / "data" / "messages.jsonl"


def run(path: Path, keep_uncertain: bool = False, all_kinds: bool = False) -> dict:
    from signalos.dataset.align import align_label

    per_field: dict[str, Counter] = {}
    unaligned: list[dict] = []
    messages = 0
    start = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            label = row.get("label") or {}
            if row.get("uncertain") and not keep_uncertain:
                continue
            if label.get("kind") != "signal" and not all_kinds:
                continue
            messages += 1
            result = align_label(row["text"], label)
            for item in result.expected:
                field = item.split("[", 1)[0]
                per_field.setdefault(field, Counter())["aligned" if item not in result.missing else "missing"] += 1
            if result.missing:
                unaligned.append({"id": row.get("id"), "missing": result.missing, "text": row["text"][:160]})
    elapsed = time.perf_counter() - start
    head = [per_field.get(f, Counter()) for f in HEADLINE_FIELDS]
    total = sum(c["aligned"] + c["missing"] for c in head)
    aligned = sum(c["aligned"] for c in head)
    everything = sum(c["aligned"] + c["missing"] for c in per_field.values())
    return {
        "benchmark": "align_rate", "file": str(path), "messages": messages,
        "headline_fields": list(HEADLINE_FIELDS), "fields": total, "aligned": aligned,
        "rate": round(aligned / total, 4) if total else None,
        "rate_all_fields": round(sum(c["aligned"] for c in per_field.values()) / everything, 4) if everything else None,
        "per_field": {f: dict(c) for f, c in sorted(per_field.items())},
        "missing_by_field": dict(Counter(m.split("[", 1)[0] for u in unaligned for m in u["missing"])),
        "unaligned": unaligned, "ms_per_message": round(1000 * elapsed / max(messages, 1), 3),
        "machine": machine(),
    }


def print_human(report: dict, show: int = 40) -> None:
    print(f"align rate  {report['file']}  ({report['messages']} messages)")
    print(f"  certain signal fields with a span: {report['aligned']}/{report['fields']} = {report['rate']:.2%}"
          f"  (all fields incl. order_type and pips: {report['rate_all_fields']:.2%})")
    for field, c in report["per_field"].items():
        n = c.get("aligned", 0) + c.get("missing", 0)
        print(f"  {field:<18} {c.get('aligned', 0):>5}/{n:<5}")
    print(f"  {report['ms_per_message']} ms per message")
    print(f"  not aligned ({len(report['unaligned'])} messages):")
    for u in report["unaligned"][:show]:
        print(f"    {u['id']}: {', '.join(u['missing'])}  | {u['text']!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", type=Path, default=None)
    ap.add_argument("--keep-uncertain", action="store_true", help="count rows labelled uncertain too")
    ap.add_argument("--all-kinds", action="store_true", help="align updates too (symbol, action prices)")
    ap.add_argument("--show", type=int, default=40, help="unaligned messages to list (default 40)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    report = run(args.file or default_corpus(), args.keep_uncertain, args.all_kinds)
    emit(report, args.json, lambda r: print_human(r, args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
