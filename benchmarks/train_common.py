"""What the training benchmarks share: their common options, the split of the real corpus,
training (or loading) a model, scoring a learned parser on the test split and on a held-out
provider with the evaluation engine, and p50 latency.

The corpus is ``--corpus`` (default ``../shared/corpus/real.jsonl`` and ``real-2.jsonl`` together); the split
files and the workspace go to a scratch directory outside the repository (``SIGNALOS_BENCH_DIR``).
The provider held out is ``ebrahimkhodadadi/SignalTrader`` unless ``SIGNALOS_BENCH_HOLDOUT`` names
another; give each held-out provider its own ``SIGNALOS_BENCH_DIR``, as the models differ.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._util import REPO_ROOT, machine, percentile

DEFAULT_HOLDOUT = os.environ.get("SIGNALOS_BENCH_HOLDOUT") or "ebrahimkhodadadi/SignalTrader"
SCRATCH = Path(os.environ.get("SIGNALOS_BENCH_DIR") or Path(tempfile.gettempdir()) / "signalos-bench")


def default_corpus() -> Path:
    """``$SIGNALOS_CORPUS``, else ``real.jsonl`` and ``real-2.jsonl`` of ../shared/corpus read as one
    file (written to the scratch directory: a corpus text never enters the repository)."""
    if os.environ.get("SIGNALOS_CORPUS"):
        return Path(os.environ["SIGNALOS_CORPUS"])
    folder = REPO_ROOT.parent / "shared" / "corpus"
    parts = [p for p in (folder / "real.jsonl", folder / "real-2.jsonl") if p.is_file()]
    if len(parts) < 2:
        return folder / "real.jsonl"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    both = SCRATCH / "real+real-2.jsonl"
    text = "".join(p.read_text(encoding="utf-8").rstrip("\n") + "\n" for p in parts)
    if not both.is_file() or both.read_text(encoding="utf-8") != text:
        both.write_text(text, encoding="utf-8")
    return both


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's parser, described by its docstring's first paragraph, taking ``--corpus``;
    the benchmark adds its own options, then ``parse_args`` the shared rest."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None)
    return ap


def parse_args(ap: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Add the options every training benchmark ends with (``--workspace``, ``--model``,
    ``--json``; last, so ``--help`` lists the benchmark's own first) and parse ``argv``;
    ``--corpus`` defaults to ``default_corpus()``."""
    ap.add_argument("--workspace", type=Path, default=SCRATCH / "ws")
    ap.add_argument("--model", help="evaluate this registered version instead of training one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.corpus = args.corpus or default_corpus()
    return args


def print_report(report: dict[str, Any], as_json: bool) -> None:
    """The report on stdout: one line with ``--json``, indented otherwise."""
    print(json.dumps(report, ensure_ascii=False, indent=None if as_json else 2))


def splits(corpus: Path, holdout: str | None = DEFAULT_HOLDOUT, seed: int = 0):
    """The training data and the labelled files of its test split and held-out provider."""
    from signalos.training.data import read_file

    td = read_file(corpus, seed=seed, holdout_provider=holdout)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    files = {"test": td.write_split("test", SCRATCH / "test.jsonl")}
    if td.holdout:
        files["holdout"] = td.write_split("holdout", SCRATCH / "holdout.jsonl")
    return td, files


def train_or_load(store, model: str | None, train: Callable[[], Any]) -> tuple[Any, float]:
    """The registered version ``model`` or, when it is None, the version ``train()`` registers;
    and the wall-clock seconds that took."""
    t0 = time.perf_counter()
    ref = train() if model is None else store.resolve(model)
    return ref, time.perf_counter() - t0


def model_report(ref, wall: float, td, **extra: Any) -> dict[str, Any]:
    """A report's head: the machine, the model, what training it cost, the data; ``extra``
    figures go just before the validation scores."""
    m = ref.manifest
    return {**header(), "model": ref.spec, "train_wall_s": round(wall, 1), "training_seconds": m.training_seconds,
            "size_bytes": m.size_bytes, "data": td.describe(), **extra, "validation": m.metrics.get("validation")}


def score_splits(parser, td, files: dict[str, Path], name: str) -> dict[str, Any]:
    """The test and held-out figures of ``parser``, which parses in a batch: the evaluation
    engine's, and the latency of one-at-a-time parsing."""
    out = {}
    for split, rows in (("test", td.test), ("holdout", td.holdout)):
        preds, timings = predictions_of(parser, rows)
        out[split] = score_predictions(files[split], preds, f"{name}-{split}")
        out[split]["latency_single"] = latency(timings)
    return out


def score_predictions(data_file: Path, predictions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Figures of the evaluation engine for parses made in a batch (``signalos eval --predictions``)."""
    import signalos_eval
    from signalos.evaluation import evaluate_labelled
    from signalos.testing import make_host

    host = make_host(signalos_eval)  # scoring needs the evaluators, not the parser
    pred_file = SCRATCH / f"pred-{name}-{data_file.stem}.jsonl"
    pred_file.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions), encoding="utf-8")
    payload = evaluate_labelled(host, data_file, predictions=pred_file, store=False)
    return summarize(payload)


def score_chain(host, data_file: Path, chain: str) -> dict[str, Any]:
    from signalos.evaluation import evaluate_labelled

    payload = evaluate_labelled(host, data_file, chain=chain, store=False)
    out = summarize(payload)
    lat = (payload["evaluators"].get("latency") or {})
    out["latency"] = {k: v for k, v in lat.items() if k in ("p50_ms", "p95_ms", "mean_ms")} if isinstance(lat, dict) else {}
    return out


def summarize(payload: dict[str, Any]) -> dict[str, Any]:
    s = payload["summary"]
    fields = payload["evaluators"].get("fields") or {}
    return {"n": payload["data"]["evaluated"], "exact_match": s.get("exact_match"),
            "kind_accuracy": s.get("kind_accuracy"), "summary": s, "fields": fields}


def predictions_of(parser, rows, batch: bool = True) -> tuple[list[dict[str, Any]], list[float]]:
    """Each row's parse as a prediction line (a miss is ``{}``) and the per-message milliseconds
    of one-at-a-time parsing (measured on the first 50 rows when ``batch``)."""
    texts = [r.text for r in rows]
    results = parser.parse_many(texts) if batch else [parser.parse(t) for t in texts]
    preds = [({**res.to_schema(), "id": r.id} if res is not None else {"id": r.id}) for r, res in zip(rows, results)]
    return preds, parse_ms(parser, texts[:50])


def exact_by_language(parser, rows) -> dict[str, Any]:
    """Exact match of ``parser`` per language of ``rows``, and over every row not in English."""
    from signalos.training.metrics import exact_flags

    flags = exact_flags([r.label for r in rows], parser.parse_many([r.text for r in rows]))
    groups: dict[str, list[bool]] = {}
    for row, ok in zip(rows, flags):
        groups.setdefault(row.language or "und", []).append(ok)
        if (row.language or "und") != "en":
            groups.setdefault("not_en", []).append(ok)
    return {lang: {"n": len(v), "exact": round(sum(v) / len(v), 4)} for lang, v in sorted(groups.items())}


def parse_ms(parser, texts: list[str]) -> list[float]:
    """The milliseconds ``parser.parse`` takes on each of ``texts``, one at a time."""
    timings = []
    for t in texts:
        t0 = time.perf_counter()
        parser.parse(t)
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def latency(timings: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(timings, 50), 2), "p95_ms": round(percentile(timings, 95), 2),
            "n": len(timings)}


def header() -> dict[str, Any]:
    return {"machine": machine()}
