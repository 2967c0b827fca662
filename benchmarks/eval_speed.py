"""Speed of ``signalos eval``: 10,000 labelled messages through the regex chain and every built-in
evaluator, in-process (phase by phase) and as a real ``signalos eval`` process.

    python benchmarks/eval_speed.py [--n 10000] [--data FILE.jsonl] [--chain regex] [--skip-cli] [--json]

The messages are the certain rows of ``../shared/corpus/real.jsonl`` (read in place, repeated to
``--n``) when it is there, else generated labelled signals, updates and noise. Target: the whole
evaluation of 10,000 messages in under 10 s on one core.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, emit, machine, verdict

TARGET_S = 10.0
REAL = REPO_ROOT.parent / "shared" / "corpus" / "real.jsonl"
SYMBOLS = [("XAUUSD", 2350.0, 1.0, 2), ("EURUSD", 1.085, 0.001, 5), ("USDJPY", 151.2, 0.1, 3),
           ("US30", 39200.0, 20.0, 0), ("BTCUSDT", 64000.0, 300.0, 1)]


def generated_rows(n: int, seed: int = 11) -> list[dict]:
    """Labelled messages written from templates: about 70% signals, 20% updates, 10% noise."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        x = rng.random()
        if x < 0.7:
            sym, base, step, dec = rng.choice(SYMBOLS)
            buy = rng.random() < 0.5
            sign = 1 if buy else -1
            entry = round(base * rng.uniform(0.97, 1.03), dec)
            sl = round(entry - sign * step * rng.randint(3, 8), dec)
            tps = [round(entry + sign * step * k * rng.randint(2, 4), dec) for k in (1, 2, 3)]
            text = (f"{sym} {'BUY' if buy else 'SELL'} NOW @ {entry}\nSL {sl}\n"
                    + "\n".join(f"TP{k} {tp}" for k, tp in enumerate(tps, 1)))
            label = {"kind": "signal", "symbol": sym, "direction": "buy" if buy else "sell", "order_type": "market",
                     "entry": [entry], "stop_loss": sl, "take_profits": tps, "leverage": None,
                     "stop_loss_pips": None, "take_profit_pips": []}
        elif x < 0.9:
            k = rng.randint(1, 3)
            text = f"TP{k} hit ✅"
            label = {"kind": "update", "symbol": None,
                     "actions": [{"type": "tp_hit", "price": None, "percent": None, "tp": k}]}
        else:
            text = rng.choice(["Good morning traders!", "Weekly results: +420 pips", "Join our VIP channel"])
            label = {"kind": "noise"}
        rows.append({"id": f"g{i:05d}", "text": text, "provider": f"gen{i % 5}", "language": "en",
                     "label": label, "uncertain": False})
    return rows


def corpus_rows(path: Path, n: int) -> list[dict]:
    base = [r for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
            if not r.get("uncertain")]
    return [{**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-{i}"} for i in range(n)]


def run(n: int = 10_000, data: Path | None = None, chain: str = "regex", cli: bool = True) -> dict:
    from signalos.evaluation import load_labelled, run_chain
    from signalos.evaluation.history import save_run
    from signalos.evaluation.report import render_html
    from signalos.evaluation.run import resolve_chain, run_evaluators, select_evaluators
    from signalos.host import Host
    from signalos.store import Workspace

    if data is not None:
        source = str(data)
        rows = corpus_rows(data, n)
    elif REAL.is_file():
        source = f"{REAL} (certain rows, repeated)"
        rows = corpus_rows(REAL, n)
    else:
        source = "generated"
        rows = generated_rows(n)
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labelled.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        t_all = time.perf_counter()
        host = Host()
        t = time.perf_counter()
        labelled = load_labelled(path)
        phases["load"] = time.perf_counter() - t
        ch = resolve_chain(host, chain)
        ch.parse("warm up")  # builds the parser once, outside the timed parse
        t = time.perf_counter()
        ev_run = run_chain(host, ch, labelled)
        phases["parse"] = time.perf_counter() - t
        per_evaluator = {}
        results = {}
        for name in select_evaluators(host, None):
            t = time.perf_counter()
            results.update(run_evaluators(host, ev_run, [name]))
            per_evaluator[name] = round(time.perf_counter() - t, 4)
        phases["evaluators"] = sum(per_evaluator.values())
        t = time.perf_counter()
        summary = ev_run.summary()
        ws = Workspace(Path(tmp) / "ws")
        save_run(ws.db, ev_run, chain, results, summary)
        ws.close()
        phases["store"] = time.perf_counter() - t
        t = time.perf_counter()
        payload = {"chain": {"spec": chain, **ev_run.describe()}, "data": labelled.to_dict(), "summary": summary,
                   "evaluators": results, "run_id": None}
        html = render_html(payload)
        phases["report"] = time.perf_counter() - t
        total = time.perf_counter() - t_all
        report = {
            "benchmark": "eval_speed", "messages": len(ev_run.items), "chain": chain, "source": source,
            "total_s": round(total, 3), "phases_s": {k: round(v, 4) for k, v in phases.items()},
            "evaluators_s": per_evaluator, "messages_per_s": round(len(ev_run.items) / total, 1),
            "report_bytes": len(html.encode()), "exact_match": summary["exact_match"],
            "target_s": TARGET_S, "verdict": verdict(total, TARGET_S, higher_is_better=False),
            "machine": machine(),
        }
        if cli:
            report["cli"] = bench_cli(path, Path(tmp), chain)
    return report


def bench_cli(path: Path, tmp: Path, chain: str) -> dict:
    """The same evaluation as a user runs it: a fresh process, JSON out, an HTML report, stored."""
    script = Path(sys.executable).parent / "signalos"
    cmd = [str(script)] if script.exists() else [shutil.which("signalos") or "signalos"]
    cmd += ["eval", "--data", str(path), "--chain", chain, "--json", "--workspace", str(tmp / "cli-ws"),
            "--report", str(tmp / "report.html")]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    out = json.loads(proc.stdout)
    return {"total_s": round(wall, 3), "messages": out["summary"]["n"],
            "verdict": verdict(wall, TARGET_S, higher_is_better=False)}


def print_human(r: dict) -> None:
    print(f"eval_speed  {r['messages']} messages, chain {r['chain']}, from {r['source']}")
    print(f"  in-process total {r['total_s']:.2f} s ({r['messages_per_s']:.0f} messages/s)  "
          f"target < {r['target_s']:.0f} s: {r['verdict']}")
    print("  phases: " + ", ".join(f"{k} {v:.3f} s" for k, v in r["phases_s"].items()))
    print("  evaluators: " + ", ".join(f"{k} {v:.3f} s" for k, v in r["evaluators_s"].items()))
    print(f"  exact match {r['exact_match']:.4f}; HTML report {r['report_bytes'] / 1024:.0f} KiB")
    cli = r.get("cli")
    if cli:
        if "error" in cli:
            print(f"  signalos eval process: not run: {cli['error']}")
        else:
            print(f"  signalos eval process (start-up, parse, evaluate, store, report): {cli['total_s']:.2f} s: "
                  f"{cli['verdict']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="messages to evaluate (default 10000)")
    ap.add_argument("--data", type=Path, help="labelled JSON Lines to repeat (default: the shared corpus or generated)")
    ap.add_argument("--chain", default="regex", help="pipeline or parser names (default regex)")
    ap.add_argument("--skip-cli", action="store_true", help="leave out the signalos eval process run")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    report = run(args.n, args.data, args.chain, cli=not args.skip_cli)
    emit(report, args.json, print_human)
    return 0 if report["verdict"] == "meets target" else 1


if __name__ == "__main__":
    sys.exit(main())
