"""The README's test command, run twice in a row while CPU-bound burners keep every core busy.

    python benchmarks/suite_under_load.py                 # one burner per core, two runs: minutes
    python benchmarks/suite_under_load.py --runs 3 --burners 4 --json
    python benchmarks/suite_under_load.py -- tests/test_cli.py -x   # arguments after -- go to pytest

A test that passes on an idle machine and fails on a busy one depends on time: a wall-clock
limit, a timeout shorter than the work, a race that the idle scheduler happens to win. This runs
``pytest -q -p no:cacheprovider`` (the README's command, without the cache a second run would
read) with ``--burners`` processes spinning in pure Python beside it, and prints each run's exit
status, pytest's summary line, the tests that failed and the wall time. It exits 0 only when
every run passed.

Burners are this script's own children and are stopped by their pid when it ends, however it
ends (they also stop by themselves when this process is gone, checking their parent every few
hundred milliseconds). Figures measure the machine too: other jobs already running add to the
load, which the report gives as the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, emit, machine  # noqa: E402

# Spin in pure Python; leave when the parent that started us is gone (os.getppid changes).
BURNER = """
import os, sys
parent = int(sys.argv[1])
while os.getppid() == parent:
    n = 0
    for i in range(2_000_000):
        n += i * i
"""
SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|error|errors|skipped|xfailed|xpassed|deselected|warnings?)\b.*?)\s*=*$")


def start_burners(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BURNER, str(os.getpid())], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]


def stop_burners(burners: list[subprocess.Popen]) -> None:
    """Stop each burner by its pid: terminate, then kill one that did not leave."""
    for p in burners:
        if p.poll() is None:
            p.terminate()
    for p in burners:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_suite(pytest_args: list[str], log: Path | None) -> dict[str, Any]:
    """One run of pytest in the repository root; its exit status, summary, failures and time."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    seconds = round(time.perf_counter() - started, 1)
    lines = proc.stdout.splitlines()
    if log is not None:
        log.write_text(proc.stdout, encoding="utf-8")
    summary = next((m.group(1) for line in reversed(lines) if (m := SUMMARY.match(line.strip()))), "")
    failed = [line.split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return {"command": " ".join(["pytest", *cmd[3:]]), "exit_code": proc.returncode, "passed": proc.returncode == 0,
            "summary": summary, "failed": failed, "seconds": seconds, "log": str(log) if log else None}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    ap = argparse.ArgumentParser(prog="benchmarks/suite_under_load.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2, help="runs of the test suite, one after the other (default 2)")
    ap.add_argument("--burners", type=int, default=os.cpu_count() or 1,
                    help="CPU-bound processes beside the suite (default: one per core)")
    ap.add_argument("--log-dir", type=Path, help="write each run's whole pytest output here (run-1.log, ...)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.burners < 0:
        ap.error("--runs must be at least 1 and --burners at least 0")
    if args.log_dir:
        args.log_dir.mkdir(parents=True, exist_ok=True)

    # SIGTERM (a CI timeout, kill PID) ends the runs through the finally below, burners included
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    report: dict[str, Any] = {"benchmark": "suite_under_load", "burners": args.burners, "pytest_args": extra,
                              "load_before": machine()["load_1min"], "runs": []}
    burners = start_burners(args.burners)
    report["burner_pids"] = [p.pid for p in burners]
    try:
        for n in range(1, args.runs + 1):
            print(f"suite under load: run {n} of {args.runs} with {args.burners} burners ...", file=sys.stderr, flush=True)
            log = args.log_dir / f"run-{n}.log" if args.log_dir else None
            run = run_suite(extra, log)
            report["runs"].append(run)
            print(f"suite under load: run {n}: exit {run['exit_code']}, {run['summary'] or 'no summary'}, "
                  f"{run['seconds']} s", file=sys.stderr, flush=True)
    finally:
        report["load_after"] = machine()["load_1min"]
        stop_burners(burners)
    report["burners_left"] = [p.pid for p in burners if p.poll() is None]
    report["machine"] = machine()
    report["all_passed"] = all(r["passed"] for r in report["runs"])
    emit(report, args.json, print_human)
    return 0 if report["all_passed"] else 1


def print_human(r: dict[str, Any]) -> None:
    print(f"suite under load: {len(r['runs'])} runs of pytest -q -p no:cacheprovider "
          f"{' '.join(r['pytest_args'])}".rstrip() + f" beside {r['burners']} CPU burners "
          f"(load average {r['load_before']} before, {r['load_after']} at the end, {r['machine']['cpus']} CPUs)")
    for n, run in enumerate(r["runs"], 1):
        verdict = "PASSED" if run["passed"] else "FAILED"
        print(f"  run {n}: {verdict} exit {run['exit_code']}  {run['summary'] or '(no summary line)'}  "
              f"{run['seconds']:.1f} s")
        for name in run["failed"]:
            print(f"    {name}")
    print("  every run passed" if r["all_passed"] else "  NOT every run passed")
    if r["burners_left"]:
        print(f"  burners still running: {r['burners_left']}")


if __name__ == "__main__":
    sys.exit(main())
