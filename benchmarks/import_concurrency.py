"""Concurrent writers on one workspace: importers beside each other and beside parse-log writers.

    python benchmarks/import_concurrency.py [--importers 8] [--n 25000] [--loggers 0] [--log-n 20000]
                                            [--chunk-size 1000] [--keep DIR] [--json]

Writes one JSON Lines file of ``--n`` distinct messages per importer (generated here: a counter
in every text, so no two messages share a natural key), starts every ``signalos data import`` at
once as its own process on one fresh workspace, with ``--loggers`` processes logging ``--log-n``
parses each through ``signalos.parselog.ParseLog`` beside them, then counts what the database
kept. Nothing may be lost: the target is ``messages == importers x n``, every importer exiting 0
and every logged parse in ``parse_log``. Wall time is reported, but it measures the machine
(every writer waits for one write lock), not a target.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import emit, machine

_LOGGER = """
import sys
from signalos.models import ParseResult
from signalos.parselog import ParseLog
ws, worker, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = ParseLog.for_workspace(ws)
for i in range(n):
    log.log_parse(f"logger {worker} message {i}", ParseResult(kind="noise", parser="bench"))
log.close(timeout=600)
print(log.stats["written"], log.stats["spilled"], flush=True)
"""


def write_file(path: Path, worker: int, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"w{worker}-{i}", "text": f"XAUUSD buy {2000 + i % 500} sl 1990 "
                                 f"tp 2100 worker {worker} number {i}", "provider": f"bench-{worker}"}) + "\n")
    return path


def run(importers: int, n: int, loggers: int, log_n: int, chunk_size: int, keep: str | None) -> dict:
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="signalos-concurrency-"))
    root.mkdir(parents=True, exist_ok=True)
    ws = root / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    files = [write_file(root / f"in-{w}.jsonl", w, n) for w in range(importers)]
    env = {**os.environ, "SIGNALOS_NO_PLUGIN_COMMANDS": "1"}
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "signalos", "data", "import", str(f), "--json",
                               "--chunk-size", str(chunk_size), "--workspace", str(ws)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)
             for f in files]
    procs += [subprocess.Popen([sys.executable, "-c", _LOGGER, str(ws), str(w), str(log_n)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)
              for w in range(loggers)]
    outs = [(p.wait(), *p.communicate()) for p in procs]
    wall = time.perf_counter() - started
    failures = [{"exit": rc, "stderr": err.strip().splitlines()[-3:]} for rc, _, err in outs if rc != 0]
    conn = sqlite3.connect(ws / "signalos.db")
    try:
        kept = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        logged = conn.execute("SELECT count(*) FROM parse_log").fetchone()[0]
        batches = conn.execute("SELECT count(*) FROM batches WHERE finished_at IS NOT NULL").fetchone()[0]
    finally:
        conn.close()
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return {"importers": importers, "messages_each": n, "expected": importers * n, "kept": kept,
            "lost": importers * n - kept, "finished_batches": batches, "loggers": loggers,
            "logged_expected": loggers * log_n, "logged": logged, "failed_processes": failures,
            "wall_s": round(wall, 2), "ok": kept == importers * n and logged == loggers * log_n and not failures,
            "machine": machine()}


def _human(r: dict) -> None:
    print(f"{r['importers']} importers x {r['messages_each']:,} messages: {r['kept']:,} of {r['expected']:,} kept "
          f"({r['lost']:,} lost), {r['finished_batches']} batches finished, in {r['wall_s']} s")
    if r["loggers"]:
        print(f"{r['loggers']} parse-log writers: {r['logged']:,} of {r['logged_expected']:,} rows written")
    for f in r["failed_processes"]:
        print(f"  a writer exited {f['exit']}: {' | '.join(f['stderr'])}")
    print("OK: nothing lost" if r["ok"] else "FAILED: rows lost or a writer failed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--importers", type=int, default=8)
    ap.add_argument("--n", type=int, default=25_000, help="messages per importer")
    ap.add_argument("--loggers", type=int, default=0, help="parse-log writer processes beside the importers")
    ap.add_argument("--log-n", type=int, default=20_000, help="parses logged by each writer")
    ap.add_argument("--chunk-size", type=int, default=1000)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary directory)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report = run(args.importers, args.n, args.loggers, args.log_n, args.chunk_size, args.keep)
    emit(report, args.json, _human)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
