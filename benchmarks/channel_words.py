"""A channel's words learned from k labelled messages (``signalos train words``), per provider.

    python -m benchmarks.channel_words [--k 10 20] [--min-messages 25] [--seed 0] [--json]

For every provider with at least ``--min-messages`` certain messages in ``../shared/corpus``
(``real.jsonl`` + ``real-2.jsonl`` read at run time, or ``$SIGNALOS_CORPUS``): k of its messages (seeded shuffle) are the
labelled ones, the rest are held back; the regex parser reads the held-back messages with the
tables alone and with the words learned from the k. Twice:

- **as written**: the tables were written while reading these providers, so there is little to
  learn, and the figure says whether learning ever costs anything;
- **unknown words**: the channel's label and direction words are replaced, consistently and in
  every message, by invented words no table holds (``stop loss`` → ``zorp lim``, ``tp`` →
  ``kv``, ``buy`` → ``gorra``...): a channel whose vocabulary nobody wrote down, with its real
  layouts and numbers. Update phrases change too ("kv1 hit"): learned where the k messages show
  one twice.
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import emit
from benchmarks.train_common import default_corpus

# the vocabulary of a channel nobody wrote tables for: invented words, longest phrases first
INVENTED = [
    (r"\bstop[\s-]*loss\b", "zorp lim"), (r"\bstoploss\b", "zorplim"), (r"\bsl\b", "zorp"),
    (r"\btake[\s-]*profit\b", "kvel"), (r"\btp", "kv"), (r"\btargets?\b", "kvel"), (r"\bentry\b", "vanta"),
    (r"\bbuy\b", "gorra"), (r"\bsell\b", "vendix"), (r"\blong\b", "gorra"), (r"\bshort\b", "vendix"),
]


def invent(text: str) -> str:
    for pattern, word in INVENTED:
        text = re.sub(pattern, word, text, flags=re.IGNORECASE)
    return text


def _rows() -> dict[str, list[dict]]:
    """The certain labelled rows of the corpus (``train_common.default_corpus``), by provider."""
    from signalos.evaluation.data import load_labelled

    by: dict[str, list[dict]] = defaultdict(list)
    for row in load_labelled(default_corpus()).rows:  # uncertain rows left out
        if row.provider:
            by[row.provider].append({"text": row.text, "label": row.label})
    return by


def run(ks: list[int], min_messages: int, seed: int) -> dict:
    from signalos_regex.learn import Tables, exact_share, learn_channel_words

    builtin = Tables()
    tables = builtin.lexicon()
    providers = {p: rs for p, rs in _rows().items() if len(rs) >= min_messages}
    out: dict = {"providers": {}, "k": ks, "seed": seed}
    start = time.perf_counter()
    learn_seconds: list[float] = []
    for provider, rows in sorted(providers.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        per: dict = {"messages": len(rows)}
        for mode in ("as_written", "unknown_words"):
            examples = [(invent(r["text"]) if mode == "unknown_words" else r["text"], r["label"]) for r in rows]
            random.Random(seed).shuffle(examples)
            for k in ks:
                train, held = examples[:k], examples[k:]
                t0 = time.perf_counter()
                learned = learn_channel_words(train)
                learn_seconds.append(time.perf_counter() - t0)
                per[f"{mode}@{k}"] = {
                    "held_back": len(held),
                    "tables": round(exact_share(held, tables), 4),
                    "learned": round(exact_share(held, builtin.lexicon(learned.words)), 4),
                    "words": [f"{w.section}.{w.field}={w.phrase}" for w in learned.words],
                }
        out["providers"][provider] = per
    out["mean"] = means(out["providers"], ks)
    out["seconds"] = round(time.perf_counter() - start, 1)
    out["learn_seconds_median"] = round(statistics.median(learn_seconds), 2) if learn_seconds else None
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def means(providers: dict, ks: list[int]) -> dict:
    """Per mode and k, the providers' mean exact with the tables alone and with the learned words,
    and how many read worse; a provider with nothing held back at that k has no figure (not 0%)."""
    out: dict = {}
    for mode in ("as_written", "unknown_words"):
        for k in ks:
            key = f"{mode}@{k}"
            cells = [p[key] for p in providers.values() if p[key]["held_back"]]
            out[key] = {"providers": len(cells),
                        "tables": round(statistics.mean(c["tables"] for c in cells), 4) if cells else None,
                        "learned": round(statistics.mean(c["learned"] for c in cells), 4) if cells else None,
                        "worse": sum(c["learned"] < c["tables"] for c in cells)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, nargs="+", default=[10, 20])
    ap.add_argument("--min-messages", type=int, default=25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not default_corpus().is_file():
        print(f"no corpus at {default_corpus()}: this benchmark reads real channel messages", file=sys.stderr)
        return 1
    report = run(args.k, args.min_messages, args.seed)

    def human(r: dict) -> None:
        cols = [f"{m}@{k}" for m in ("as_written", "unknown_words") for k in r["k"]]
        print("exact on each provider's held-back messages: tables alone -> with the learned words")
        print(f"{'provider':38s} " + " ".join(f"{c:>22s}" for c in cols))
        for provider, per in r["providers"].items():
            cells = " ".join(f"{per[c]['tables']:>10.1%} -> {per[c]['learned']:>7.1%}" for c in cols)
            print(f"{provider[:38]:38s} {cells}")
        cells = " ".join(f"{r['mean'][c]['tables'] or 0:>10.1%} -> {r['mean'][c]['learned'] or 0:>7.1%}" for c in cols)
        print(f"{'mean':38s} {cells}")
        print("providers with messages held back: " + ", ".join(f"{c} {r['mean'][c]['providers']}" for c in cols))
        print("providers read worse with the learned words: "
              + ", ".join(f"{c} {r['mean'][c]['worse']}" for c in cols))
        print(f"{r['seconds']} s; learning {r['learn_seconds_median']} s a channel (median); peak RSS {r['peak_rss_mb']} MB")

    emit(report, args.json, human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
