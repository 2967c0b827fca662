"""The A/B router's figures: false positives and power of the sequential rule, the parse log under
four writing processes, and what logging costs a parse.

    python -m benchmarks.ab_simulation [--runs 200] [--processes 4] [--per-process 5000] [--json]

- A/A: one version twice, looked at 20 times as data arrives (500 outcomes per arm per look),
  200 runs: how often the always-valid rule declares a winner, and how often a fixed-horizon
  z-test would if peeked at on every look.
- Power: 85 % vs 88 % success, the same 20 looks: how often and how early the rule finds it.
- Concurrency: N processes each log M parses into one workspace at once: rows found, rows lost.
- Overhead: ``Host.parse`` alone, then routed through the ``ab`` router with the parse log, then
  ``Host.parse`` with the ``ParseLogger`` plugin, on the same messages (CPU time per parse).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, emit, machine
from benchmarks.messages import traffic

WORKER = r"""
import json, sys, time
from pathlib import Path
from signalos.models import Message
from signalos.parselog import ParseLog
from signalos.testing import make_host
import signalos_regex

workspace, n, worker, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
texts = json.loads(Path(sys.argv[5]).read_text())
host = make_host(signalos_regex)
log = ParseLog.for_workspace(workspace)
outcomes = [host.parse(t) for t in texts]  # parse first: the race is about the writes
while not go.exists():
    time.sleep(0.005)
t0 = time.perf_counter()
for i in range(n):
    log.log_parse(Message(texts[i % len(texts)], chat_id=worker, user_id=f"u{i}"), outcomes[i % len(outcomes)])
log.close()
print(json.dumps({**log.stats, "seconds": time.perf_counter() - t0}))
"""


def sequential_figures(runs: int, seed: int = 2026) -> dict:
    import numpy as np

    from signalos import abstats

    aa = abstats.simulate_aa(runs=runs, looks=20, n_per_look=500, rate=0.85, tau=0.02, seed=seed)
    rng = np.random.default_rng(seed + 1)
    first_looks = []
    for _ in range(runs):
        s = np.cumsum(rng.binomial(500, [0.85, 0.88], size=(20, 2)), axis=0)
        p = 1.0
        for k in range(20):
            n = 500 * (k + 1)
            p = abstats.msprt_proportions(int(s[k, 0]), n, int(s[k, 1]), n, tau=0.02, previous_p=p)["p_value"]
            if p < 0.05:
                first_looks.append(k + 1)
                break
    return {
        "aa_runs": runs, "looks": 20, "outcomes_per_arm": 10_000,
        "aa_sequential_false_positive_rate": aa["sequential_false_positive_rate"],
        "aa_naive_peeking_false_positive_rate": aa["naive_peeking_false_positive_rate"],
        "power_runs": runs, "power_rates": [0.85, 0.88],
        "power_detected_rate": len(first_looks) / runs,
        "power_median_look": statistics.median(first_looks) if first_looks else None,
        "power_median_outcomes_per_arm": 500 * statistics.median(first_looks) if first_looks else None,
        "fixed_horizon_n_per_arm": abstats.min_sample_size(0.85, 0.03)["n_a"],
    }


def concurrency(processes: int, per_process: int) -> dict:
    from signalos.parselog import ParseLog

    workspace = Path(tempfile.mkdtemp(prefix="signalos-parselog-"))
    try:
        ParseLog.for_workspace(workspace)
        texts = workspace / "texts.json"
        texts.write_text(json.dumps(traffic(500, REPO_ROOT)))
        go = workspace / "go"
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(workspace), str(per_process), f"w{k}", str(go),
                                   str(texts)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for k in range(processes)]
        time.sleep(3.0)  # every worker has imported and parsed its texts
        t0 = time.perf_counter()
        go.write_text("go")
        stats = []
        for p in procs:
            out, err = p.communicate(timeout=600)
            if p.returncode != 0:
                raise RuntimeError(err[-2000:])
            stats.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.perf_counter() - t0
        conn = sqlite3.connect(workspace / "signalos.db")
        rows = conn.execute("SELECT count(*) FROM parse_log").fetchone()[0]
        distinct = conn.execute("SELECT count(DISTINCT parse_uid) FROM parse_log").fetchone()[0]
        per_worker = dict(conn.execute("SELECT chat_id, count(*) FROM parse_log GROUP BY chat_id").fetchall())
        conn.close()
        expected = processes * per_process
        return {"processes": processes, "per_process": per_process, "expected_rows": expected, "rows": rows,
                "distinct_parse_uids": distinct, "lost": expected - rows, "per_worker": per_worker,
                "wall_seconds": round(wall, 2), "rows_per_second": round(rows / wall) if wall else None,
                "busy_retries": sum(s["busy_retries"] for s in stats), "batches": sum(s["batches"] for s in stats),
                "max_batch": max(s["max_batch"] for s in stats), "spilled": sum(s["spilled"] for s in stats)}
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def overhead(n: int) -> dict:
    import signalos_ab
    import signalos_regex

    from signalos.models import Message
    from signalos.parselog import ParseLogger
    from signalos.testing import make_host

    texts = traffic(n, REPO_ROOT)
    messages = [Message(t, user_id=f"u{i % 1000}", chat_id="bench") for i, t in enumerate(texts)]
    workspace = Path(tempfile.mkdtemp(prefix="signalos-overhead-"))
    try:
        config = {"workspace": str(workspace), "pipelines": {"default": {"parsers": ["regex"]},
                                                             "again": {"parsers": ["regex"]}}}
        host = make_host(signalos_regex, signalos_ab, config=config)
        signalos_ab.start(host, "bench", {"a": "default", "b": "again"})
        logger = ParseLogger(workspace)
        logged_host = make_host(signalos_regex, logger, config=config)
        for m in messages[:500]:
            host.parse(m)
            logged_host.parse(m)

        def cpu_us(fn) -> float:
            t0 = time.process_time()  # all threads: the writer's work is counted too
            for m in messages:
                fn(m)
            return (time.process_time() - t0) / len(messages) * 1e6

        def wall_us(fn) -> float:
            t0 = time.perf_counter()
            for m in messages:
                fn(m)
            return (time.perf_counter() - t0) / len(messages) * 1e6

        router = signalos_ab.router(host)
        plain = min(cpu_us(host.parse) for _ in range(2))
        routed = min(cpu_us(router.parse) for _ in range(2))
        router.flush()
        with_logger = min(cpu_us(logged_host.parse) for _ in range(2))
        logger.log.flush()
        plain_wall, routed_wall = wall_us(host.parse), wall_us(router.parse)
        router.flush()
        # The caller's cost of one log call: queueing only, the row is built and written later.
        outcome = host.parse(messages[0])
        log = router.log
        t0 = time.perf_counter()
        for m in messages:
            log.log_parse(m, outcome)
        enqueue_us = (time.perf_counter() - t0) / len(messages) * 1e6
        router.close()
        logger.close()
        return {"messages": n, "host_parse_cpu_us": round(plain, 1), "routed_and_logged_cpu_us": round(routed, 1),
                "parse_logger_cpu_us": round(with_logger, 1),
                "routed_overhead_pct": round(100 * (routed / plain - 1), 1),
                "parse_logger_overhead_pct": round(100 * (with_logger / plain - 1), 1),
                "host_parse_wall_us": round(plain_wall, 1), "routed_and_logged_wall_us": round(routed_wall, 1),
                "log_call_us": round(enqueue_us, 2)}
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def run(runs: int = 200, processes: int = 4, per_process: int = 5000, overhead_n: int = 5000) -> dict:
    return {"benchmark": "ab", "machine": machine(), "sequential": sequential_figures(runs),
            "concurrency": concurrency(processes, per_process), "overhead": overhead(overhead_n)}


def print_human(r: dict) -> None:
    s, c, o = r["sequential"], r["concurrency"], r["overhead"]
    print(f"A/A, {s['aa_runs']} runs x {s['looks']} looks: winner declared in {s['aa_sequential_false_positive_rate']:.1%} "
          f"(always-valid mSPRT; target <= 5 %), {s['aa_naive_peeking_false_positive_rate']:.1%} with a peeked z-test")
    print(f"85 % vs 88 %: found in {s['power_detected_rate']:.0%} of runs, median after "
          f"{s['power_median_outcomes_per_arm']} outcomes per arm (fixed horizon: {s['fixed_horizon_n_per_arm']})")
    print(f"parse log, {c['processes']} processes x {c['per_process']}: {c['rows']} of {c['expected_rows']} rows "
          f"({c['lost']} lost, {c['distinct_parse_uids']} distinct), {c['wall_seconds']} s, "
          f"{c['rows_per_second']} rows/s, {c['busy_retries']} busy retries, largest batch {c['max_batch']}")
    print(f"overhead per parse (CPU, all threads): Host.parse {o['host_parse_cpu_us']} us; routed + logged "
          f"{o['routed_and_logged_cpu_us']} us (+{o['routed_overhead_pct']} %); ParseLogger "
          f"{o['parse_logger_cpu_us']} us (+{o['parse_logger_overhead_pct']} %); one log call costs the caller "
          f"{o['log_call_us']} us")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ab_simulation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--per-process", type=int, default=5000)
    ap.add_argument("--overhead-n", type=int, default=5000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    os.environ.pop("SIGNALOS_WORKSPACE", None)
    report = run(args.runs, args.processes, args.per_process, args.overhead_n)
    emit(report, args.json, print_human)
    ok = (report["concurrency"]["lost"] == 0 and report["sequential"]["aa_sequential_false_positive_rate"] <= 0.05)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
