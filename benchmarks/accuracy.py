"""Accuracy of a pipeline on a labelled JSON Lines file, scored by SCHEMA.md's rules.

    python benchmarks/accuracy.py [FILE.jsonl] [--pipeline NAME] [--config signalos.toml]
                                  [--keep-uncertain] [--worst 15] [--json]

FILE defaults to ``../shared/corpus/real.jsonl`` beside the repository when it exists, else
``examples/data/messages.jsonl``. Scoring is ``signalos.evaluation.scoring``, the same rules as
``signalos eval``, so the figures here and there agree.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, emit, machine
from signalos.errors import SignalosError

# How much a wrong answer would cost a copier: trading on noise or on a wrong side or stop is
# worse than missing a signal, which is worse than a wrong secondary field.
SEVERITY = {"traded noise": 5, "wrong side or stop": 4, "wrong levels": 3, "missed signal": 2,
            "wrong kind": 2, "wrong actions": 1}


def default_corpus() -> Path:
    real = REPO_ROOT.parent / "shared" / "corpus" / "real.jsonl"
    return real if real.is_file() else REPO_ROOT / "examples" / "data" / "messages.jsonl"


def classify_failure(verdict) -> str:
    """Name what went wrong with one message that the scorer did not count as an exact match."""
    lk, pk = verdict.kind, verdict.pred_kind
    if lk != "signal" and pk == "signal":
        return "traded noise"
    if lk == "signal" and pk != "signal":
        return "missed signal"
    if lk != pk:
        return "wrong kind"
    if lk == "update":
        return "wrong actions"
    if not (verdict.fields.get("direction", True) and verdict.fields.get("stop_loss", True)):
        return "wrong side or stop"
    return "wrong levels"


def run(path: Path, pipeline: str | None = None, config: str | None = None,
        keep_uncertain: bool = False, worst: int = 15, with_predictions: bool = False) -> dict:
    """Parse every labelled message of ``path`` and score the answers; ``with_predictions`` adds
    each answer (``{"id", ...schema}``) under ``predictions``, for another scorer."""
    from signalos.evaluation import data, scoring
    from signalos.host import Host

    labelled = data.load_labelled(path, keep_uncertain=keep_uncertain)
    host = Host(config)
    chain = host.chain(pipeline)
    verdicts, failures, predictions = [], [], []
    answered_by, errors, not_accepted = Counter(), Counter(), 0
    by_provider: dict[str, Counter] = {}
    start = time.perf_counter()
    for row in labelled.rows:
        outcome = host.parse(row.text, pipeline=pipeline)
        pred = outcome.result.to_schema()
        verdict = scoring.score_row(row.label, pred)
        verdicts.append(verdict)
        predictions.append({"id": row.id, **pred})
        counts = by_provider.setdefault(row.provider or "-", Counter())
        counts["n"] += 1
        counts["exact"] += verdict.exact
        answered_by[outcome.result.parser or "none"] += 1
        not_accepted += not outcome.result.accepted
        for attempt in outcome.attempts:
            if attempt.error:
                errors[attempt.parser] += 1
        if not verdict.exact:
            failures.append({"id": row.id, "problem": classify_failure(verdict),
                             "wrong_fields": [f for f, ok in verdict.fields.items() if not ok] if verdict.kind_ok else [],
                             "text": row.text, "label": row.label, "predicted": pred})
    elapsed = time.perf_counter() - start
    failures.sort(key=lambda f: -SEVERITY[f["problem"]])  # stable: file order within a severity
    return {
        "benchmark": "accuracy", "file": str(path), "pipeline": chain.pipeline.name,
        "parsers": list(chain.pipeline.parsers), "keep_uncertain": keep_uncertain,
        "skipped_uncertain": labelled.skipped_uncertain,
        "bad_lines": [p.to_dict() for p in labelled.problems],
        **scoring.summarize(verdicts),
        "n_failures": len(failures),
        "failure_kinds": dict(Counter(f["problem"] for f in failures).most_common()),
        "answered_by": dict(answered_by), "not_accepted": not_accepted,
        "parser_errors": dict(errors), "seconds": round(elapsed, 3),
        "worst_failures": failures[:worst], "machine": machine(),
        "by_provider": {p: {"n": c["n"], "exact": round(c["exact"] / c["n"], 4)}
                        for p, c in sorted(by_provider.items(), key=lambda kv: -kv[1]["n"])},
        **({"predictions": predictions} if with_predictions else {}),
    }


def corpus_files() -> list[Path]:
    """The labelled files of ``../shared/corpus`` beside the repository that exist."""
    folder = REPO_ROOT.parent / "shared" / "corpus"
    return [folder / name for name in ("real.jsonl", "real-2.jsonl") if (folder / name).is_file()]


def reference_figures(path: Path, predictions: list[dict], keep_uncertain: bool = False) -> dict | None:
    """``../shared/score.py`` (the reference scorer) on the same parses; None without it."""
    import importlib.util

    script = REPO_ROOT.parent / "shared" / "score.py"
    if not script.is_file():
        return None
    spec = importlib.util.spec_from_file_location("shared_score", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score(module.read_jsonl(path), predictions, keep_uncertain=keep_uncertain)


def eval_cli_figures(path: Path, pipeline: str | None = None, keep_uncertain: bool = False) -> dict:
    """``signalos eval --data FILE --json`` (not recorded) on the same file, as a subprocess."""
    import json
    import subprocess

    cmd = [sys.executable, "-m", "signalos", "eval", "--data", str(path), "--json", "--no-store",
           *(["--chain", pipeline] if pipeline else []), *(["--keep-uncertain"] if keep_uncertain else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        return json.loads(lines[-1] if lines[-1].startswith("{") else proc.stdout)["summary"]
    except (IndexError, ValueError, KeyError, TypeError):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise SignalosError(f"signalos eval on {path} gave no figures (exit {proc.returncode}): {tail}") from None


def run_files(paths: list[Path], pipeline: str | None = None, keep_uncertain: bool = False,
              cli: bool = True) -> dict:
    """Accuracy on each file separately, each checked against ``score.py`` on the same parses
    and against ``signalos eval`` on the same file: exact match and kind accuracy must agree."""
    files = []
    for path in paths:
        r = run(path, pipeline, keep_uncertain=keep_uncertain, worst=0, with_predictions=True)
        figures = {"file": str(path), "n": r["n"], "exact_match": r["exact_match"],
                   "kind_accuracy": r["kind_accuracy"], "by_kind": r["by_kind"], "by_provider": r["by_provider"],
                   "skipped_uncertain": r["skipped_uncertain"], "agreement": {}}
        checks = {"score.py": reference_figures(path, r["predictions"], keep_uncertain)}
        if cli:
            checks["signalos eval"] = eval_cli_figures(path, pipeline, keep_uncertain=keep_uncertain)
        for name, other in checks.items():
            if other is None:
                figures["agreement"][name] = "not run: ../shared/score.py is missing"
                continue
            theirs = (other["n"], round(other["exact_match"], 4), round(other["kind_accuracy"], 4))
            ours = (r["n"], round(r["exact_match"], 4), round(r["kind_accuracy"], 4))
            figures["agreement"][name] = "agrees" if theirs == ours else \
                f"DISAGREES: n/exact/kind {ours} here, {theirs} there"
        files.append(figures)
    disagree = [f"{Path(f['file']).name}: {name}" for f in files for name, v in f["agreement"].items()
                if v.startswith("DISAGREES")]
    report = {"benchmark": "accuracy_by_file", "pipeline": pipeline, "files": files, "machine": machine()}
    if disagree:
        report["error"] = "scorers disagree: " + "; ".join(disagree)
    return report


def print_files(r: dict) -> None:
    print("accuracy by file (uncertain skipped; cross-checked with ../shared/score.py and signalos eval)")
    if not r["files"]:
        print("  no labelled corpus file (../shared/corpus/real.jsonl, real-2.jsonl): nothing scored")
    for f in r["files"]:
        print(f"  {Path(f['file']).name}  n={f['n']}  exact_match={f['exact_match']:.3f}  "
              f"kind_accuracy={f['kind_accuracy']:.3f}  ({f['skipped_uncertain']} uncertain skipped)")
        for kind, v in f["by_kind"].items():
            print(f"    {kind:7s} n={v['n']:4d}  exact={v['exact']:.3f}  kind_ok={v['kind_ok']:.3f}")
        print("    exact by provider:")
        for provider, v in f["by_provider"].items():
            print(f"      {v['exact']:.3f}  n={v['n']:4d}  {provider}")
        print("    " + ", ".join(f"{name}: {v}" for name, v in f["agreement"].items()))
    if "error" in r:
        print(f"  ERROR: {r['error']}")


def _short(text: str, width: int = 110) -> str:
    one_line = " ⏎ ".join(part.strip() for part in text.splitlines() if part.strip())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def print_human(r: dict) -> None:
    print(f"accuracy  {r['file']}  pipeline={r['pipeline']} ({', '.join(r['parsers'])})")
    print(f"  n={r['n']}  exact_match={r['exact_match']:.3f}  kind_accuracy={r['kind_accuracy']:.3f}"
          f"  ({r['seconds']:.2f} s, {r['not_accepted']} not accepted, "
          f"{r['skipped_uncertain']} uncertain skipped)")
    for bad in r["bad_lines"]:
        print(f"  BAD LINE {bad['line']}: {bad['error']}")
    for kind, v in r["by_kind"].items():
        print(f"  {kind:7s} n={v['n']:4d}  exact={v['exact']:.3f}  kind_ok={v['kind_ok']:.3f}")
    if r["signal_fields"]:
        print("  signal fields:  " + "  ".join(f"{k}={v:.3f}" for k, v in r["signal_fields"].items()))
    if r["optional_fields"]:
        print("  optional:       " + "  ".join(f"{k}={v:.3f}" for k, v in r["optional_fields"].items()))
    print("  confusion (label->predicted): "
          + ", ".join(f"{k}={v}" for k, v in r["confusion"].items()))
    print("  answered by: " + ", ".join(f"{k}={v}" for k, v in r["answered_by"].items()))
    if r["parser_errors"]:
        print("  PARSER ERRORS: " + ", ".join(f"{k}={v}" for k, v in r["parser_errors"].items()))
    if r["failure_kinds"]:
        print("  failures: " + ", ".join(f"{k}={v}" for k, v in r["failure_kinds"].items()))
    if r["worst_failures"]:
        print(f"  worst {len(r['worst_failures'])} failures:")
    for f in r["worst_failures"]:
        fields = f" [{', '.join(f['wrong_fields'])}]" if f["wrong_fields"] else ""
        print(f"    {f['id']}  {f['problem']}{fields}: {f['label']['kind']} -> {f['predicted'].get('kind')}")
        print(f"      text: {_short(f['text'])}")
        for field in f["wrong_fields"]:
            print(f"      {field}: expected {f['label'].get(field)!r}, got {f['predicted'].get(field)!r}")
        if f["problem"] == "wrong actions":
            types = [[a.get("type") for a in obj.get("actions") or []] for obj in (f["label"], f["predicted"])]
            print(f"      actions: expected {types[0]}, got {types[1]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/accuracy.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", type=Path, help="labelled JSON Lines (default: the real corpus or the example data)")
    ap.add_argument("--pipeline", help="pipeline name from the configuration (default: the default pipeline)")
    ap.add_argument("--config", help="signalos.toml to use")
    ap.add_argument("--keep-uncertain", action="store_true", help="score messages labelled uncertain too")
    ap.add_argument("--worst", type=int, default=15, help="how many failures to list (default 15)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    path = args.file or default_corpus()
    if not path.is_file():
        print(f"no labelled file at {path}", file=sys.stderr)
        return 2
    try:
        report = run(path, args.pipeline, args.config, args.keep_uncertain, args.worst)
    except SignalosError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    emit(report, args.json, print_human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
