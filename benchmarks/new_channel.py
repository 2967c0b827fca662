"""The new-channel curve: for each provider of the real corpus with at least ``--min-messages``
certain messages, onboard it as a new channel (``signalos.onboarding``) and label k = 10, 20, 40
of its messages, the ones the triage queues first (``--order random``: random ones); measure exact match on the rest of that
provider's messages for the chain before (regex) and the chain after (the provider's pipeline:
its adapted model and regex). ``python -m benchmarks.new_channel [--k 10 20 40] [--json]``.

No evaluated provider is ever trained on before its k labels: the general model every channel is
adapted from is trained once on synthetic messages and the providers too small to be evaluated
(fewer than ``--min-messages``), and the general rows mixed into each adaptation are every other
provider's. The curve is the one a channel nobody has seen would get. The texts are read in place; the workspaces go to a
scratch directory (``SIGNALOS_BENCH_DIR``).

``--words unknown``: each evaluated provider's label and direction words are replaced, in every
one of its messages, by invented words no table holds (``benchmarks.channel_words.invent``:
``stop loss`` -> ``zorp lim``, ``buy`` -> ``gorra``): a channel whose vocabulary nobody wrote
down, with its real layouts and numbers, where the chain starts low. That is where the issue's
"90% at k = 20 where the chain started below 70%" can be measured: no provider as written starts
below 70%, the tables having been written while reading them.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc

FILES = ("real.jsonl", "real-2.jsonl")


def corpus_rows(folder: Path) -> list[dict]:
    rows = []
    for name in FILES:
        path = folder / name
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                if not obj.get("uncertain"):
                    rows.append(obj)
    return rows


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def run_provider(provider: str, rows: list[dict], others: list[dict], ks: list[int], root: Path, base: Path,
                 order: str = "queue", seed: int = 0, synthetic: int = 400) -> dict:
    from signalos.host import Host
    from signalos.onboarding import Channel, LearnOptions, slug

    ws = root / slug(provider)
    if ws.exists():
        import shutil

        shutil.rmtree(ws)
    ws.mkdir(parents=True)
    host = Host({"pipelines": {"default": {"parsers": ["regex"]}}, "workspace": str(ws)})
    channel = Channel(host, provider, ws)
    # every other provider is the general data (labelled, verified); this one arrives unlabelled
    general_file = _jsonl(ws / "general.jsonl", [{k: v for k, v in r.items() if k != "split"} for r in others])
    from signalos.dataset.importers import import_file

    import_file(channel.dataset, general_file, verified=True)
    channel.import_file(_jsonl(ws / "channel.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows]))
    t0 = time.perf_counter()
    triage = channel.triage()
    triage_s = time.perf_counter() - t0
    queue = [json.loads(line) for line in _queue(channel, ws)]
    if order == "random":
        import random

        random.Random(seed).shuffle(queue)
    by_text = {r["text"]: r for r in rows}
    out = {"provider": provider, "messages": len(rows), "order": order,
           "before_all": round(channel.exact(["regex"], _examples(rows, provider)), 4),
           "triage": {k: triage[k] for k in ("accepted", "queued")}, "triage_s": round(triage_s, 1), "k": {}}
    labelled: list[dict] = []
    for k in ks:
        if k >= len(rows):
            continue
        # a person labels the next messages of the queue (here: the corpus labels, verified)
        for entry in queue[len(labelled):k]:
            labelled.append(entry)
            gold = by_text[entry["text"]]
            channel.dataset.add_label(entry["message_id"], gold["label"], "human", verified=True)
        t0 = time.perf_counter()
        report = channel.learn(LearnOptions(min_labels=k, holdout=0.0, base=str(base), seed=seed, synthetic=synthetic))
        learn_s = time.perf_counter() - t0
        seen = {e["text"] for e in labelled}
        rest = [r for r in rows if r["text"] not in seen]
        rest_ex = _examples(rest, provider)
        before = channel.exact(["regex"], rest_ex)
        # the chain as the written pipeline runs it: its regex parser reads the learned words
        after = channel.exact(report["evaluated_as"], rest_ex, words=report["words"])
        model = next(p for p in report["evaluated_as"] if p.startswith(channel.name))
        alone = channel.exact([model], rest_ex, threshold=0.0)
        out["k"][k] = {"rest": len(rest_ex), "before": round(before, 4), "after": round(after, 4),
                       "model_alone": round(alone, 4), "pipeline": report["pipeline"],
                       "channel_first": report["channel_first"], "rules_on_labelled": report["exact"]["rules_on_train"],
                       "learn_s": round(learn_s, 1), "model": report["model"]}
        print(f"{provider} k={k}: before {before:.3f} after {after:.3f} (model alone {alone:.3f}, "
              f"{'model first' if report['channel_first'] else 'rules first'}, learn {learn_s:.0f} s)",
              file=sys.stderr, flush=True)
    return out


def train_general(rows: list[dict], root: Path, synthetic: int, epochs: int, seed: int = 0,
                  shape: dict | None = None) -> tuple[Path, dict]:
    """The general model of every channel: synthetic messages and the rows given (the providers
    too small to be evaluated), trained once."""
    from signalos.modelstore import ModelStore
    from signalos.onboarding import train_base
    from signalos.training.data import _example, synthetic_examples

    store = ModelStore(root / "general")
    general = [ex for ex in (_example(r, "train") for r in rows) if ex is not None] + synthetic_examples(synthetic, seed)
    t0 = time.perf_counter()
    ref = train_base(store, general, seed=seed, epochs=epochs, **(shape or {}))
    info = {"model": ref.spec, "rows": len(general), "real_rows": len(rows), "synthetic": synthetic, "epochs": epochs,
            "shape": {k: ref.manifest.hyperparameters.get(k) for k in ("ner", "width", "depth", "window", "textcat")},
            "train_s": round(time.perf_counter() - t0, 1),
            "validation_exact": (ref.manifest.metrics.get("validation") or {}).get("exact")}
    print(f"general model: {info}", file=sys.stderr, flush=True)
    return ref.path, info


def _queue(channel, ws: Path) -> list[str]:
    out = ws / "queue.jsonl"
    channel.review_file(out)
    return out.read_text(encoding="utf-8").splitlines()


def _examples(rows: list[dict], provider: str):
    from signalos.training.data import _example

    out = []
    for r in rows:
        ex = _example({**r, "provider": provider}, "test")
        if ex is not None:
            out.append(ex)
    return out


def run(folder: Path, ks: list[int], min_messages: int, only: list[str] | None, synthetic: int,
        base_epochs: int, order: str = "queue", words: str = "as_written", shape: dict | None = None) -> dict:
    rows = corpus_rows(folder)
    by_provider: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_provider[r.get("provider") or ""].append(r)
    if words == "unknown":
        from benchmarks.channel_words import invent

        # the evaluated channel writes its own words; the others (its general data) as written
        by_provider = defaultdict(list, {p: [{**r, "text": invent(r["text"])} for r in rs] if len(rs) >= min_messages
                                         else rs for p, rs in by_provider.items()})
    chosen = [p for p, rs in sorted(by_provider.items(), key=lambda kv: -len(kv[1])) if len(rs) >= min_messages]
    small = [r for r in rows if len(by_provider[r.get("provider") or ""]) < min_messages]
    if only:
        chosen = [p for p in chosen if p in only]
    root = tc.SCRATCH / "new_channel"
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base, general = train_general(small, root, synthetic, base_epochs, shape=shape)
    report = {**tc.header(), "date": time.strftime("%Y-%m-%d"), "files": list(FILES), "ks": ks, "order": order,
              "words": words, "min_messages": min_messages, "general": general, "providers": {}}
    for p in chosen:
        others = [r for r in rows if r.get("provider") != p]
        report["providers"][p] = run_provider(p, by_provider[p], others, ks, root, base, order, synthetic=synthetic)
    report["summary"] = summary(report["providers"], ks)
    report["wall_s"] = round(time.perf_counter() - t0, 1)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def summary(providers: dict, ks: list[int]) -> dict:
    """Mean exact before/after per k, and the providers whose chain started below 70%."""
    out = {}
    for k in ks:
        got = [v["k"][k] for v in providers.values() if k in v["k"]]
        if not got:
            continue
        low = [v["k"][k] for v in providers.values() if k in v["k"] and v["before_all"] < 0.7]
        out[k] = {"providers": len(got), "before": round(sum(g["before"] for g in got) / len(got), 4),
                  "after": round(sum(g["after"] for g in got) / len(got), 4),
                  "started_below_70": {"providers": len(low),
                                       "before": round(sum(g["before"] for g in low) / len(low), 4) if low else None,
                                       "after": round(sum(g["after"] for g in low) / len(low), 4) if low else None}}
    return out


def main(argv=None) -> int:
    import argparse

    from signalos_spacy.train import NER_MODELS, TEXTCAT_MODELS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus-dir", type=Path, default=tc.REPO_ROOT.parent / "shared" / "corpus")
    ap.add_argument("--k", type=int, nargs="+", default=[10, 20, 40])
    ap.add_argument("--min-messages", type=int, default=25,
                    help="certain messages a provider needs (default 25, the providers of benchmarks.lopo)")
    ap.add_argument("--provider", action="append", help="only this provider (repeatable)")
    ap.add_argument("--synthetic", type=int, default=400, help="synthetic messages in each general model")
    ap.add_argument("--base-epochs", type=int, default=8)
    # the general model's shape; each unset one is that of signalos.onboarding.BASE_SHAPE
    ap.add_argument("--ner", choices=NER_MODELS, help="the general model's fields model (default: BASE_SHAPE's)")
    ap.add_argument("--width", type=int, help="the general model's CNN width (default: BASE_SHAPE's)")
    ap.add_argument("--depth", type=int, help="its CNN layers (default: BASE_SHAPE's)")
    ap.add_argument("--window", type=int, help="its CNN window (default: BASE_SHAPE's)")
    ap.add_argument("--textcat", choices=TEXTCAT_MODELS, help="its kind classifier (default: BASE_SHAPE's)")
    ap.add_argument("--order", choices=("queue", "random"), default="queue",
                    help="which messages are labelled first: the triage queue's (the product's) or random ones")
    ap.add_argument("--words", choices=("as_written", "unknown"), default="as_written",
                    help="the evaluated channels' label and side words as written, or replaced by invented ones")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = run(args.corpus_dir, sorted(args.k), args.min_messages, args.provider, args.synthetic, args.base_epochs,
                 args.order, args.words, {k: getattr(args, k) for k in ("ner", "width", "depth", "window", "textcat")
                                          if getattr(args, k) is not None})
    tc.print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
