"""How fast a large dataset goes through import, dedup and split, and how big its database gets.

    python benchmarks/dataset_speed.py [--n 100000] [--seed 7] [--cli] [--keep DIR] [--json]

Generates ``n`` labelled synthetic messages (``signalos.dataset.synth``; a small generator of its
own when that module is missing), writes them to a JSON Lines file in a temporary directory, then
times ``import_file``, ``dedup_dataset`` and ``split_dataset`` through the Python API on a fresh
workspace, and reports the database size. With ``--cli`` the same three steps run again through
``signalos data import|dedup|split --json`` on a second workspace.

Each synthetic record is given a channel message id, as a Telegram export would have: channels
repost texts, and the reposts must reach dedup as messages (a file without ids would have them
collapsed at import by their natural key). Targets (issue 4): under 60 s for the three steps,
database under 200 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import emit, machine, verdict

TARGET_SECONDS = 60.0
TARGET_DB_MB = 200.0


def _fallback_records(n: int, seed: int):
    # Only used when signalos.dataset.synth is not installed: a few layouts, enough for timing.
    rng = random.Random(seed)
    layouts = ["{s} {d} now @ {e}\nSL: {sl}\nTP1: {t1}\nTP2: {t2}", "{d} {s} {e}\nstop {sl}\ntarget {t1}",
               "#{s} {d} entry {e} sl {sl} tp {t1} {t2}", "{s} {d} limit {e} | SL {sl} | TP {t1}"]
    for i in range(n):
        price = round(rng.uniform(1000, 3000), 1)
        sign = 1 if rng.random() < 0.5 else -1
        d = "buy" if sign > 0 else "sell"
        label = {"kind": "signal", "symbol": "XAUUSD", "direction": d, "order_type": None, "entry": [price],
                 "stop_loss": round(price - sign * 10, 1), "take_profits": [round(price + sign * 10, 1),
                                                                            round(price + sign * 20, 1)],
                 "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}
        text = rng.choice(layouts).format(s=rng.choice(["XAUUSD", "GOLD"]), d=d.upper(), e=price,
                                          sl=label["stop_loss"], t1=label["take_profits"][0],
                                          t2=label["take_profits"][1])
        yield {"id": f"fb{i}", "text": text, "provider": f"bench-{i % 7}", "language": "en",
               "origin": "synthetic", "label": label}


def generate(path: Path, n: int, seed: int) -> dict:
    """Write ``n`` records to ``path``; returns what was written and how."""
    try:
        from signalos.dataset.synth import synth_records

        records, generator = synth_records(n, seed=seed), "signalos.dataset.synth"
    except ModuleNotFoundError:
        records, generator = _fallback_records(n, seed), "benchmark fallback"
    start = time.perf_counter()
    with open(path, "w", encoding="utf-8") as fh:
        for i, rec in enumerate(records):
            rec.setdefault("message_id", str(i))
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return {"generator": generator, "records": n, "file_mb": round(path.stat().st_size / 1e6, 1),
            "seconds": round(time.perf_counter() - start, 2)}


def _db_mb(ws: Path) -> float:
    # the WAL is part of the database until it is checkpointed
    return round(sum(p.stat().st_size for p in ws.glob("signalos.db*")) / 1e6, 1)


def _load() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def run_api(data: Path, ws: Path, seed: int) -> dict:
    from signalos.dataset.dedup import dedup_dataset
    from signalos.dataset.importers import import_file
    from signalos.dataset.repository import Dataset
    from signalos.dataset.split import split_dataset

    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name, fn):
        # CPU time beside wall time: on a shared machine the wall clock also counts other
        # processes, while CPU time is what the step costs (SQLite here is single-threaded)
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        timings[name] = round(time.perf_counter() - t, 2)
        cpu[name] = round(time.process_time() - c, 2)
        return out

    ds = Dataset.open(ws)
    imported = timed("import", lambda: import_file(ds, data))
    dedup = timed("dedup", lambda: dedup_dataset(ds))
    split = timed("split", lambda: split_dataset(ds, seed=seed))
    ds.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ds.db.close()
    return {
        "seconds": timings, "total_seconds": round(sum(timings.values()), 2), "cpu_seconds": cpu,
        "total_cpu_seconds": round(sum(cpu.values()), 2), "load_average": _load(), "db_mb": _db_mb(ws),
        "import": {"added": imported.added, "skipped": imported.skipped, "problems": len(imported.problems)},
        "dedup": {k: v for k, v in dedup.to_dict().items() if k != "biggest"},
        "split": {"counts": split.counts, "split_hash": split.split_hash, "strata": split.strata},
    }


def run_cli(data: Path, ws: Path, seed: int) -> dict:
    timings: dict[str, float] = {}
    env = {**os.environ, "SIGNALOS_NO_PLUGIN_COMMANDS": "1"}
    for step, args in (("import", ["import", str(data)]), ("dedup", ["dedup"]),
                       ("split", ["split", "--seed", str(seed)])):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "signalos", "data", *args, "--json", "--workspace", str(ws)],
                              capture_output=True, text=True, env=env)
        timings[step] = round(time.perf_counter() - t, 2)
        if proc.returncode != 0:
            return {"error": f"signalos data {step} failed: {proc.stderr.strip()[-300:]}", "seconds": timings}
    return {"seconds": timings, "total_seconds": round(sum(timings.values()), 2), "db_mb": _db_mb(ws)}


def run(n: int = 100_000, seed: int = 7, cli: bool = False, keep: Path | None = None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="signalos-dataset-speed-"))
    try:
        data = tmp / "synthetic.jsonl"
        report = {"benchmark": "dataset_speed", "n": n, "seed": seed, "generate": generate(data, n, seed),
                  "api": run_api(data, tmp / "ws-api", seed), "machine": machine(),
                  "targets": {"total_seconds": TARGET_SECONDS, "db_mb": TARGET_DB_MB}}
        if cli:
            report["cli"] = run_cli(data, tmp / "ws-cli", seed)
        if keep:
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_human(r: dict) -> None:
    g, api = r["generate"], r["api"]
    print(f"dataset speed  {r['n']} messages ({g['generator']}, {g['file_mb']} MB JSONL in {g['seconds']} s)")
    s = api["seconds"]
    print(f"  API: import {s['import']} s, dedup {s['dedup']} s, split {s['split']} s = {api['total_seconds']} s  "
          f"{verdict(api['total_seconds'], TARGET_SECONDS, higher_is_better=False)}")
    c = api["cpu_seconds"]
    print(f"       CPU time: import {c['import']} s, dedup {c['dedup']} s, split {c['split']} s = "
          f"{api['total_cpu_seconds']} s  (load average {api['load_average']} on {r['machine']['cpus']} CPUs)")
    print(f"  database {api['db_mb']} MB  {verdict(api['db_mb'], TARGET_DB_MB, higher_is_better=False)}")
    imp, d, sp = api["import"], api["dedup"], api["split"]
    print(f"  import: {imp['added']} added, {imp['skipped']} skipped, {imp['problems']} problems")
    print(f"  dedup: {d['duplicates']} exact duplicates, {d['templates']} templates, {d['clusters']} clusters "
          f"({d['clustered_messages']} messages), {d['near_merges']} near merges; stages {d['seconds']}")
    print(f"  split: {sp['counts']}  hash {sp['split_hash'][:16]}")
    if "cli" in r:
        c = r["cli"]
        if "error" in c:
            print(f"  CLI: {c['error']}")
        else:
            cs = c["seconds"]
            print(f"  CLI: import {cs['import']} s, dedup {cs['dedup']} s, split {cs['split']} s = "
                  f"{c['total_seconds']} s, database {c['db_mb']} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="messages to generate (default 100000)")
    ap.add_argument("--seed", type=int, default=7, help="generator and split seed (default 7)")
    ap.add_argument("--cli", action="store_true", help="also time the three steps through the CLI")
    ap.add_argument("--keep", type=Path, help="copy the generated file and workspaces here")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    report = run(args.n, args.seed, args.cli, args.keep)
    emit(report, args.json, print_human)
    api = report["api"]
    return 0 if api["total_seconds"] < TARGET_SECONDS and api["db_mb"] < TARGET_DB_MB else 1


if __name__ == "__main__":
    sys.exit(main())
