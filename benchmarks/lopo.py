"""Leave one provider out: for every provider of the real corpus with at least ``--min-messages``
certain messages, train the ``spacy-ner`` parser (``--parser transformer``: the encoder) without
that provider and score, on that provider's messages, regex alone, the learned parser alone and
the chain ``regex -> <learned>`` (threshold 0.7, ``fallback = "vote"``, regex flags its own doubt:
the documented settings). ``--parser llm`` LoRA-tunes Gemma 3 270M per fold (``--llm-steps``
steps; ``--llm-base DIR`` reuses a base already converted by an earlier run).
``python -m benchmarks.lopo [--parser spacy-ner|transformer|llm] [--min-messages 25] [--provider NAME]... [--jobs N] [--json]``;
``--jobs N`` runs N folds at once, each in its own process (one torch thread each).

Each fold trains on every other provider's rows of the train and test splits (``--seed``, 0 by
default; the test split scores nothing here) topped up with synthetic messages to ``--messages``;
its validation split (other providers only) picks the best epoch and calibrates the confidence.
The held-out provider's rows never reach training. Uncertain rows are left out everywhere, as
``benchmarks/train_common.py`` does. The rule parser's tables were written while reading these
files, so the regex column is regex *after tuning on them*, not regex on an unseen channel.

Each fold also reports the chain's ceiling (``ceiling``): of regex's wrong messages, those it was
unsure of (not accepted, so the chain asks spaCy) against those it was confidently wrong about (no
parser after it is asked), and the points a perfect second parser would add (``max_points``).
Workspaces go to ``$SIGNALOS_BENCH_DIR/lopo`` (outside the repository).
"""
from __future__ import annotations

import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import train_common as tc

THRESHOLD = 0.7
LEARNED = ("spacy-ner", "transformer", "llm")  # the learned parser a run trains per fold (``--parser``)


def chains(learned: str = "spacy-ner") -> dict[str, tuple[list[str], str]]:
    """What each fold scores: regex alone, the learned parser alone, and the chain of both."""
    return {"regex": (["regex"], "first"), learned: ([learned], "first"), "chain": (["regex", learned], "vote")}


def providers(corpus: Path, min_messages: int) -> list[tuple[str, int]]:
    """Providers with at least ``min_messages`` certain, readable rows, most first."""
    from signalos.training.data import read_file

    td = read_file(corpus, seed=0)
    counts = Counter(ex.provider for ex in (*td.train, *td.validation, *td.test) if ex.provider)
    return [(p, n) for p, n in counts.most_common() if n >= min_messages]


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_fold(corpus: Path, provider: str, root: Path, messages: int, epochs: int | None, seed: int = 0,
             spacy: dict | None = None, learned: str = "spacy-ner", llm: dict | None = None) -> dict:
    import shutil

    import attrs

    from signalos.host import Host
    from signalos.modelstore import ModelStore
    from signalos.onboarding import slug
    from signalos.training.data import read_file, synthetic_examples
    from signalos_spacy.train import SpacyHyper, train

    ws = root / slug(provider)
    if ws.exists():
        shutil.rmtree(ws)
    ws.mkdir(parents=True)
    td = read_file(corpus, seed=seed, holdout_provider=provider)
    real = list(td.train) + list(td.test)
    td = attrs.evolve(td, train=tuple(real + synthetic_examples(max(0, messages - len(real)), seed)), test=())
    held = td.write_split("holdout", ws / "holdout.jsonl")
    store = ModelStore(ws)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    t0 = time.perf_counter()
    if learned == "transformer":  # the trainer's defaults (12 epochs), as `signalos train transformer`
        from signalos_transformers.train_encoder import EncoderHyper
        from signalos_transformers.train_encoder import train as train_encoder

        ref = train_encoder(td, store, hyper=EncoderHyper(seed=seed, **({"epochs": epochs} if epochs else {})))
    elif learned == "llm":
        from signalos_transformers.train_llm import LlmHyper
        from signalos_transformers.train_llm import train as train_llm

        options = dict(llm or {})
        base = options.pop("base", None)
        ref = train_llm(td, store, base=base, hyper=LlmHyper(seed=seed, **options))
    else:
        hyper = SpacyHyper(epochs=epochs or SpacyHyper().epochs, seed=seed)
        ref = train(td, store, hyper=attrs.evolve(hyper, **(spacy or {})))
    wall = time.perf_counter() - t0
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
    store.close()
    options = {"workspace": str(ws), "model": ref.version}
    if learned == "llm":  # the llm's answers come from batched generation
        options["batch_size"] = 16
    host = Host({"pipelines": {"default": {"parsers": ["regex"]}}, "workspace": str(ws),
                 "parsers": {"regex": {"doubt": True}, learned: options}})
    out = {"provider": provider, "learned": learned, "messages": len(td.holdout), "train_rows": len(td.train), "real_train_rows": len(real),
           "validation_rows": len(td.validation), "model": ref.spec, "train_wall_s": round(wall, 1),
           "train_cpu_s": round(cpu, 1), "epochs_run": len(ref.manifest.epochs),
           "best_epoch": ref.manifest.metrics.get("best_epoch", ref.manifest.metrics.get("best_step")),
           "validation_exact": (ref.manifest.metrics.get("validation") or {}).get("exact")}
    for name, (parsers, fallback) in chains(learned).items():
        host.use_pipeline(name, parsers, THRESHOLD, fallback=fallback)
        scored = tc.score_chain(host, held, name)
        out[name] = scored["exact_match"]
        out[f"{name}_kind_accuracy"] = scored["kind_accuracy"]
    out["chain_vs_regex"], out["ceiling"] = differences(host, td.holdout, learned)
    out["peak_rss_mb"] = _peak_rss_mb()
    if learned == "llm":  # the base copied into this fold's workspace (1 GB) is not needed again
        shutil.rmtree(ws / "models" / ".bases", ignore_errors=True)
    c = out["ceiling"]
    print(f"{provider} ({out['messages']} msgs): regex {out['regex']:.3f} {learned} {out[learned]:.3f} "
          f"chain {out['chain']:.3f}; regex wrong {c['regex_wrong']} ({c['unsure_wrong']} unsure, "
          f"{c['confident_wrong']} confident: at most +{c['max_points']:.1f} points) "
          f"(train {wall:.0f} s wall, {cpu:.0f} s CPU, best epoch {out['best_epoch']})",
          file=sys.stderr, flush=True)
    return out


def differences(host, rows, learned_parser: str = "spacy-ner") -> tuple[dict, dict]:
    """The messages the chain reads otherwise than regex alone: gained (chain right, regex wrong)
    and lost, each by how the chain chose: spaCy's answer accepted (sure enough, or a majority),
    or no answer accepted and the chain's fallback returned (the first sound answer in pipeline
    order: regex's when it validates, else spaCy's when that does).

    And the ceiling of this chain on these messages: the chain asks spaCy only where regex's
    answer is not accepted, so of regex's wrong messages only those it was unsure of (not
    accepted: below the threshold or invalid) can be mended by any learned parser; the ones it
    was confidently wrong about cannot. ``max_points`` is what a perfect second parser would add
    to regex's exact match; ``unsure_right`` are regex's right answers the chain puts at risk
    (spaCy, when accepted, overrules them). ``*_learned_right`` / ``*_learned_wrong``: how spaCy
    alone reads those two groups (what a perfect threshold on its confidence could make of it)."""
    from signalos.training.metrics import exact_flags

    texts, labels = [r.text for r in rows], [r.label for r in rows]
    regex_out = host.parse_many(texts, pipeline="regex")
    regex = exact_flags(labels, [o.result for o in regex_out])
    outcomes = host.parse_many(texts, pipeline="chain")
    chain = exact_flags(labels, [o.result for o in outcomes])
    out = {"gained": Counter(), "lost": Counter()}
    for r_ok, c_ok, o in zip(regex, chain, outcomes):
        if r_ok != c_ok:
            how = ("accepted " if o.result.accepted else "none accepted, ") + (o.result.parser or "?")
            out["gained" if c_ok else "lost"][how] += 1
    learned = exact_flags(labels, [o.result for o in host.parse_many(texts, pipeline=learned_parser)])
    sure = [o.result.accepted for o in regex_out]
    n = len(rows)
    rows4 = list(zip(regex, sure, learned))
    ceiling = {"regex_wrong": sum(not ok for ok in regex),
               "unsure_wrong": sum(not ok and not s for ok, s, _ in rows4),
               "confident_wrong": sum(not ok and s for ok, s, _ in rows4),
               "unsure_right": sum(ok and not s for ok, s, _ in rows4),
               "unsure_wrong_learned_right": sum(not ok and not s and lr for ok, s, lr in rows4),
               "unsure_right_learned_wrong": sum(ok and not s and not lr for ok, s, lr in rows4)}
    ceiling["max_points"] = round(100 * ceiling["unsure_wrong"] / n, 2) if n else 0.0
    ceiling["max_chain"] = round((sum(regex) + ceiling["unsure_wrong"]) / n, 4) if n else 0.0
    return {k: dict(v) for k, v in out.items()}, ceiling


def summary(folds: list[dict], learned: str = "spacy-ner") -> dict:
    """Mean (over providers, each counting once) and pooled (over messages) exact match."""
    n = sum(f["messages"] for f in folds)
    out = {"providers": len(folds), "messages": n}
    for name in chains(learned):
        vals = [f[name] for f in folds]
        out[name] = {"mean": round(statistics.fmean(vals), 4), "median": round(statistics.median(vals), 4),
                     "min": round(min(vals), 4),
                     "pooled": round(sum(f[name] * f["messages"] for f in folds) / n, 4)}
    for side in ("gained", "lost"):
        total: Counter = Counter()
        for f in folds:
            total.update(f.get("chain_vs_regex", {}).get(side, {}))
        out[f"chain_{side}"] = dict(total)
    out["chain_minus_regex_points"] = round(100 * (out["chain"]["mean"] - out["regex"]["mean"]), 2)
    # the best any learned parser could do behind regex in this chain (see ``differences``)
    ceil = [f["ceiling"] for f in folds if "ceiling" in f]
    if ceil:
        out["ceiling"] = {key: sum(c[key] for c in ceil)
                          for key in ("regex_wrong", "unsure_wrong", "confident_wrong", "unsure_right",
                            "unsure_wrong_learned_right", "unsure_right_learned_wrong")}
        out["ceiling"]["max_points_mean"] = round(statistics.fmean(c["max_points"] for c in ceil), 2)
        out["ceiling"]["max_points_pooled"] = round(100 * out["ceiling"]["unsure_wrong"] / n, 2)
        out["ceiling"]["max_chain_mean"] = round(statistics.fmean(c["max_chain"] for c in ceil), 4)
        out["ceiling"]["plus_3_reachable"] = out["ceiling"]["max_points_mean"] >= 3
    out["target_chain_plus_3"] = "meets target" if out["chain_minus_regex_points"] >= 3 else "BELOW TARGET"
    return out


def run(corpus: Path, min_messages: int, only: list[str] | None, messages: int, epochs: int | None,
        spacy: dict | None = None, seed: int = 0, learned: str = "spacy-ner", jobs: int = 1,
        llm: dict | None = None) -> dict:
    chosen = providers(corpus, min_messages)
    if only:
        chosen = [(p, n) for p, n in chosen if p in only]
    root = tc.SCRATCH / "lopo"
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    args = [(corpus, p, root, messages, epochs, seed, spacy, learned, llm) for p, _ in chosen]
    if jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn: a fork of a process that loaded torch may hang in its thread pools
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            folds = list(pool.map(run_fold, *zip(*args)))
    else:
        folds = [run_fold(*a) for a in args]
    return {**tc.header(), "date": time.strftime("%Y-%m-%d"), "corpus": str(corpus), "min_messages": min_messages,
            "messages": messages, "epochs": epochs, "spacy": spacy or "default", "seed": seed,
            "threshold": THRESHOLD,
            "learned": learned, "jobs": jobs, "llm": llm if learned == "llm" else None, "chain": f"regex -> {learned}, fallback vote, regex doubt on",
            "note": "regex's tables were tuned on these files: its figures are after tuning",
            "wall_s": round(time.perf_counter() - t0, 1), "peak_rss_mb": _peak_rss_mb(),
            "folds": folds, "summary": summary(folds, learned) if folds else {}}


def main(argv=None) -> int:
    import argparse

    from signalos_spacy.train import NER_MODELS, TEXTCAT_MODELS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help="default: real.jsonl + real-2.jsonl of ../shared/corpus")
    ap.add_argument("--min-messages", type=int, default=25)
    ap.add_argument("--provider", action="append", help="only this provider (repeatable)")
    ap.add_argument("--messages", type=int, default=1000, help="train rows per fold, topped up with synthetic ones")
    ap.add_argument("--parser", choices=LEARNED, default="spacy-ner", help="the learned parser to train per fold")
    ap.add_argument("--epochs", type=int, help="default: the trainer's (spacy-ner 10, transformer 12)")
    ap.add_argument("--textcat", choices=TEXTCAT_MODELS, help="spacy-ner's kind classifier (default: the trainer's)")
    ap.add_argument("--ner", choices=NER_MODELS, help="spacy-ner's fields model (default: the trainer's)")
    ap.add_argument("--width", type=int, help="spacy-ner's CNN width (default: the trainer's)")
    ap.add_argument("--depth", type=int, help="spacy-ner's CNN layers (default: the trainer's)")
    ap.add_argument("--window", type=int, help="spacy-ner's CNN window (default: the trainer's)")
    ap.add_argument("--seed", type=int, default=0, help="the split of the other providers, synthetic rows, training")
    ap.add_argument("--jobs", type=int, default=1, help="folds run at once, each in its own process")
    ap.add_argument("--llm-base", default=None, help="llm: gemma3 (default), smollm2, a model directory or .gguf")
    ap.add_argument("--llm-steps", type=int, default=60, help="llm: optimiser steps of 8 messages a fold")
    ap.add_argument("--llm-lora-layers", type=int, default=6, help="llm: adapt only the top N layers")
    ap.add_argument("--llm-max-length", type=int, default=256)
    ap.add_argument("--llm-validate-n", type=int, default=16)
    ap.add_argument("--no-regex-reading", dest="regex_reading", action="store_false",
                    help="llm: train without the regex parser's draft in the prompt")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    llm = {"base": args.llm_base, "max_steps": args.llm_steps, "lora_layers": args.llm_lora_layers,
           "max_length": args.llm_max_length, "validate_n": args.llm_validate_n, "regex_reading": args.regex_reading}
    spacy = {k: getattr(args, k) for k in ("textcat", "ner", "width", "depth", "window") if getattr(args, k) is not None}
    report = run(args.corpus or tc.default_corpus(), args.min_messages, args.provider, args.messages, args.epochs,
                 spacy, args.seed, args.parser, args.jobs, llm)
    tc.print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
