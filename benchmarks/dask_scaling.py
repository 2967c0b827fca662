"""Archives on Dask: parsing a partitioned archive on 1 and 2 Dask workers, against
``signalos parse --input --workers N`` on the same lines.

``python -m benchmarks.dask_scaling [--files 8] [--lines 5000] [--runs 3] [--json]``

The archive is ``--files`` JSON Lines files of ``--lines`` lines each, made by repeating the
example messages of ``examples/data/messages.jsonl``. Each Dask run parses all of it with
``signalos.dask.parse_archive`` on a ``distributed.LocalCluster`` of N worker processes (one
thread each) started beforehand, so the figures are those of a running cluster; the cluster's
start is reported apart. The same lines, as one file, go through ``signalos parse --input FILE
--json --workers N`` (a fresh process each run, start-up included). Reported: wall time min and
median of ``--runs`` runs, CPU time (the workers' own, read from each worker, plus this process,
which holds the scheduler), messages per second, the speedup from 1 to 2 workers, and Dask's
wall time over the worker pool's. Needs ``signalos[dask]``.
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import busy_note, emit, machine
from benchmarks.workers import texts, write_input


def _own_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _worker_cpu() -> float:  # run on each Dask worker
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _stats(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3)}


def dask_runs(archive: Path, out: Path, n_workers: int, runs: int) -> dict:
    from distributed import Client, LocalCluster

    from signalos import Host
    from signalos.dask import parse_archive

    t0 = time.perf_counter()
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        started = time.perf_counter() - t0
        host = Host()
        walls, cpus, messages, first = [], [], 0, 0.0
        for k in range(runs + 1):  # the first run, counted apart, builds each worker's host
            before = sum(client.run(_worker_cpu).values()) + _own_cpu()
            t = time.perf_counter()
            report = parse_archive(str(archive), str(out / f"run{k}"), host, client=client)
            wall = time.perf_counter() - t
            cpu = sum(client.run(_worker_cpu).values()) + _own_cpu() - before
            messages = report["messages"]
            if k:
                walls.append(wall)
                cpus.append(cpu)
            else:
                first = wall
    return {"workers": n_workers, "cluster_start_s": round(started, 2), "first_run_s": round(first, 2),
            "cold_s": round(started + first, 2), "wall_s": _stats(walls), "cpu_s": _stats(cpus),
            "messages": messages, "messages_per_s": round(messages / min(walls))}


def _command(path: Path, n_workers: int) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cmd = [sys.executable, "-m", "signalos", "parse", "--input", str(path), "--json", "--workers", str(n_workers)]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    with open(os.devnull, "w") as devnull:
        subprocess.run(cmd, stdout=devnull, env=env, check=True)
    return time.perf_counter() - t0, _children_cpu() - cpu0


def pool_runs(path: Path, n_lines: int, n_workers: int, runs: int, startup_s: float) -> dict:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = _command(path, n_workers)
        walls.append(wall)
        cpus.append(cpu)
    # less the command's own start-up (a one-line input), to set against a running cluster
    warm = max(min(walls) - startup_s, 1e-9)
    return {"workers": n_workers, "wall_s": _stats(walls), "cpu_s": _stats(cpus), "warm_s": round(warm, 3),
            "messages_per_s": round(n_lines / min(walls)), "warm_messages_per_s": round(n_lines / warm)}


def run(files: int = 8, lines: int = 5000, runs: int = 3) -> dict:
    from signalos.dask import require_dask

    require_dask()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    report: dict = {"benchmark": "dask_scaling", "machine": machine(), "files": files, "lines_per_file": lines,
                    "runs": runs}
    messages = texts("examples")
    with tempfile.TemporaryDirectory(prefix="signalos-dask-") as tmp_name:
        tmp = Path(tmp_name)
        archive = tmp / "archive"
        archive.mkdir()
        for f in range(files):
            write_input(archive / f"part-{f:03d}.jsonl", messages[f:] + messages[:f], lines)
        whole = tmp / "all.jsonl"
        with whole.open("w", encoding="utf-8") as fh:
            for f in range(files):
                fh.write((archive / f"part-{f:03d}.jsonl").read_text(encoding="utf-8"))
        one_line = tmp / "one.jsonl"
        write_input(one_line, messages, 1)
        startup = min(_command(one_line, 1)[0] for _ in range(runs))
        report["pool_startup_s"] = round(startup, 3)
        report["dask"] = {str(n): dask_runs(archive, tmp / f"out{n}", n, runs) for n in (1, 2)}
        report["pool"] = {str(n): pool_runs(whole, files * lines, n, runs, startup) for n in (1, 2)}
    d, p = report["dask"], report["pool"]
    report["dask_speedup"] = round(d["1"]["wall_s"]["min"] / d["2"]["wall_s"]["min"], 2)
    report["pool_speedup"] = round(p["1"]["wall_s"]["min"] / p["2"]["wall_s"]["min"], 2)
    # Dask on a running cluster against the pool's command less its start-up; and both from cold
    report["dask_over_pool_warm"] = {n: round(d[n]["wall_s"]["min"] / p[n]["warm_s"], 2) for n in ("1", "2")}
    report["dask_over_pool_cold"] = {n: round(d[n]["cold_s"] / p[n]["wall_s"]["min"], 2) for n in ("1", "2")}
    report["load_after"] = machine()["load_1min"]
    return report


def human(report: dict) -> None:
    n = report["files"] * report["lines_per_file"]
    print(f"{n:,} messages in {report['files']} JSON Lines files, {report['runs']} runs (min / median); "
          f"load {report['machine']['load_1min']} -> {report['load_after']} on {report['machine']['cpus']} CPUs")
    for name, label in (("dask", "Dask LocalCluster"), ("pool", "parse --workers")):
        for w, r in report[name].items():
            extra = (f"  (then: cluster start {r['cluster_start_s']} s and first run {r['first_run_s']} s)"
                     if name == "dask" else f"  ({r['warm_s']:.2f} s less start-up)")
            print(f"  {label:18s} {w} worker{'s' if w != '1' else ' '}: wall {r['wall_s']['min']:6.2f} / "
                  f"{r['wall_s']['median']:6.2f} s  CPU {r['cpu_s']['min']:6.2f} / {r['cpu_s']['median']:6.2f} s  "
                  f"{r['messages_per_s']:7,} msg/s{extra}")
    warm, cold = report["dask_over_pool_warm"], report["dask_over_pool_cold"]
    print(f"  1 -> 2 workers: Dask {report['dask_speedup']}x, parse --workers {report['pool_speedup']}x")
    print(f"  Dask's wall time over the pool's: running cluster vs the command less its "
          f"{report['pool_startup_s']} s start-up {warm['1']}x (1 worker), {warm['2']}x (2); "
          f"from cold {cold['1']}x, {cold['2']}x")
    note = busy_note(report["machine"])
    if note:
        print(note)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=8, help="partitions of the archive (default 8)")
    ap.add_argument("--lines", type=int, default=5000, help="lines per partition (default 5,000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs each (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    emit(run(args.files, args.lines, args.runs), args.json, human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
