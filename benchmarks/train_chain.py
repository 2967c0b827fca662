"""The chain with learned parsers, measured by the evaluation engine (``signalos eval``) on the
real corpus's test split and on a held-out provider: regex alone, each learned parser alone, and
``regex -> spacy-ner -> transformer -> llm``, once taking the first sound answer and once with
``fallback = "vote"`` (when regex is unsure, every parser answers and the majority wins). Uses the models registered in ``--workspace`` (run
the ``train_*`` benchmarks first). ``python -m benchmarks.train_chain [--json]``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc

FULL = "regex,spacy-ner,transformer,llm"
# name: (parsers, fallback)
CHAINS = {
    "regex": ("regex", "first"),
    "spacy-ner": ("spacy-ner", "first"),
    "transformer": ("transformer", "first"),
    "llm": ("llm", "first"),
    "regex,spacy-ner": ("regex,spacy-ner", "first"),
    "full": (FULL, "first"),
    "full-vote": (FULL, "vote"),
}


def run(corpus: Path, workspace: Path, chains: list[str], threshold: float) -> dict:
    from signalos.host import Host

    os.environ["SIGNALOS_WORKSPACE"] = str(workspace)
    _, files = tc.splits(corpus)
    host = Host({"pipelines": {"default": {"parsers": ["regex"]}}, "parsers": {"regex": {"doubt": True}}})
    report = {**tc.header(), "threshold": threshold, "workspace": str(workspace), "chains": {}}
    for name in chains:
        spec, fallback = CHAINS.get(name, (name, "first"))
        host.use_pipeline(name, spec.split(","), threshold, fallback=fallback)
        out = {"parsers": spec, "fallback": fallback}
        for split, f in files.items():
            out[split] = tc.score_chain(host, f, name)
            print(f"{name} ({spec}, fallback {fallback}) {split}: exact {out[split]['exact_match']}",
                  file=sys.stderr, flush=True)
        report["chains"][name] = out
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--workspace", type=Path, default=tc.SCRATCH / "ws")
    ap.add_argument("--chain", action="append", help="a chain name of CHAINS or parser names a,b (repeatable)")
    ap.add_argument("--threshold", type=float, default=0.7,
                    help="acceptance threshold of every chain (default 0.7: regex's unsure answers, 0.5, fall through)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = run(args.corpus or tc.default_corpus(), args.workspace, args.chain or list(CHAINS), args.threshold)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
