"""Time per parse on hostile text: huge, binary, deeply nested, backtracking bait.

    python benchmarks/hostile.py [--pipeline NAME] [--repeat 3] [--json]

Every case of ``benchmarks/messages.py:hostile_cases`` is parsed ``repeat`` times after a
warm-up; the requirement is that no single parse takes over 50 ms and none raises. Both wall
time and the thread's CPU time are reported: on a busy machine only the second is the parser's.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import busy_note, emit, machine, percentile, verdict
from benchmarks.messages import hostile_cases
from signalos.errors import SignalosError

LIMIT_MS = 50.0


def run(pipeline: str | None = None, repeat: int = 3) -> dict:
    from signalos.host import Host

    host = Host()
    for text in ("GOLD BUY NOW 2350 SL 2340 TP 2360", "TP1 hit", "hello"):  # compile, build the chain
        host.parse(text, pipeline=pipeline)
    cases, all_ms, all_cpu_ms = [], [], []
    for name, text in hostile_cases():
        times, cpu_times, error, kind = [], [], None, None
        for _ in range(repeat):
            c0, t0 = time.thread_time(), time.perf_counter()
            try:
                outcome = host.parse(text, pipeline=pipeline)
            except Exception as exc:  # Host.parse must never raise: report it, keep measuring
                error = "".join(traceback.format_exception_only(exc)).strip()
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.thread_time() - c0) * 1000)
            if error:
                break
            kind = outcome.result.kind
        all_ms += times
        all_cpu_ms += cpu_times
        cases.append({"name": name, "chars": len(text), "max_ms": round(max(times), 3),
                      "min_ms": round(min(times), 3), "max_cpu_ms": round(max(cpu_times), 3),
                      "kind": kind, "error": error})
    return {
        "benchmark": "hostile", "pipeline": pipeline or "default", "repeat": repeat,
        "n_cases": len(cases), "n_parses": len(all_ms),
        "max_ms": round(max(all_ms), 3), "p99_ms": round(percentile(all_ms, 99), 3),
        "p50_ms": round(percentile(all_ms, 50), 3),
        "max_cpu_ms": round(max(all_cpu_ms), 3), "p99_cpu_ms": round(percentile(all_cpu_ms, 99), 3),
        "limit_ms": LIMIT_MS,
        "over_limit": [c["name"] for c in cases if c["max_ms"] > LIMIT_MS],
        "over_limit_cpu": [c["name"] for c in cases if c["max_cpu_ms"] > LIMIT_MS],
        "raised": [c["name"] for c in cases if c["error"]],
        "cases": sorted(cases, key=lambda c: -c["max_ms"]), "machine": machine(),
    }


def print_human(r: dict) -> None:
    print(f"hostile  pipeline={r['pipeline']}  {r['n_cases']} cases x {r['repeat']}")
    print(f"  max {r['max_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  p50 {r['p50_ms']:.3f} ms   "
          f"limit {r['limit_ms']:.0f} ms per parse  {verdict(r['max_ms'], r['limit_ms'], higher_is_better=False)}")
    print(f"  CPU time: max {r['max_cpu_ms']:.2f} ms  p99 {r['p99_cpu_ms']:.2f} ms   "
          f"{verdict(r['max_cpu_ms'], r['limit_ms'], higher_is_better=False)}")
    if busy_note(r["machine"]):
        print(busy_note(r["machine"]))
    print(f"  over the limit: {', '.join(r['over_limit']) or 'none'}  (CPU time: {', '.join(r['over_limit_cpu']) or 'none'})")
    print(f"  raised: {', '.join(r['raised']) or 'none'}")
    print("  slowest cases:")
    for c in r["cases"][:10]:
        extra = f"  RAISED {c['error']}" if c["error"] else f"  -> {c['kind']}"
        print(f"    {c['name']:24s} {c['chars']:>9,} chars  max {c['max_ms']:8.2f} ms  min {c['min_ms']:8.2f} ms"
              f"  CPU max {c['max_cpu_ms']:8.2f} ms{extra}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/hostile.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--pipeline", help="pipeline name (default: the default pipeline)")
    ap.add_argument("--repeat", type=int, default=3, help="parses per case (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    try:
        report = run(args.pipeline, max(1, args.repeat))
    except SignalosError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    emit(report, args.json, print_human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
