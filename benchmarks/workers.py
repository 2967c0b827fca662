"""``signalos parse --input --workers N``: speed from 1 to N worker processes, and peak memory.

``python -m benchmarks.workers [--lines 30000] [--workers N] [--runs 3] [--big 3000000 | --skip-big]
[--python PATH] [--json]``

Runs the real command (``signalos parse --input FILE --json > /dev/null``) as a child process,
on input made by repeating the example messages of ``examples/data/messages.jsonl`` (and, when
``/work/shared/corpus`` is there, the corpus texts too, read at run time). For each worker count:
wall time and CPU time (user + system of the command and its workers), min and median of
``--runs`` runs, interleaved so a change of load hits every count alike. Then, with the host
already started, the CPU of the same lines in one process, through a pool of one worker (the
pool's own cost) and of N (what N processes at once cost on these cores). On a machine other jobs
share, wall times measure them too: the CPU figures say what the pool itself costs (the CPU of N
workers against one), and from them, with the command's start-up CPU (measured on a one-line
input; it does not spread over the workers), the speedup N idle cores would give on this input
(``idle_speedup_estimate``) and on a long one (``asymptotic_speedup_estimate``).

Peak memory: the largest resident set of the parent and of any worker (``ru_maxrss``) at
``--lines`` and at ``--big`` lines; flat from 30k to 3M lines is what streaming promises.
``--python`` runs another interpreter's signalos (a compiled build's venv).
"""
from __future__ import annotations

import argparse
import json
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

from benchmarks._util import REPO_ROOT, busy_note, emit, machine

EXAMPLES = REPO_ROOT / "examples" / "data" / "messages.jsonl"
CORPUS = Path("/work/shared/corpus")

# Runs the CLI in this child and writes its own and its children's (the workers') peak RSS.
_WRAPPER = """
import json, os, resource, sys
from signalos.cli import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
with open(os.environ["BENCH_RUSAGE"], "w") as fh:
    json.dump({"parent_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, fh)
sys.exit(code)
"""


# The pool's own cost, start-up left out: the same lines in this process, then through a pool of
# 1 and of N workers (each with the parent's started host), CPU of the parent and its workers.
_POOL = """
import json, os, resource, sys
from signalos import Host
from signalos.cli import parallel
from signalos.cli.parse import stream_jsonl
from signalos.workers import HostRecipe, WorkerPool
mode, path = sys.argv[1], sys.argv[2]
host = Host()
name = host.chain().pipeline.name
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
out = open(os.devnull, "w")
before = cpu()
with open(path, encoding="utf-8") as lines:
    if mode == "0":
        stream_jsonl(host, lines, out, pipeline=name, warn=lambda _: None)
    else:
        with WorkerPool(HostRecipe.of(host), int(mode), inherit=host, pipelines=(name,)) as pool:
            jobs = ((first, block, {"pipeline": name}) for first, block in parallel.chunks(lines))
            for text, _, _, _ in pool.imap(parallel._jsonl_chunk, jobs):
                out.write(text)
print(json.dumps({"cpu_s": cpu() - before}))
"""


def pool_cost(python: str, path: Path, workers: int, runs: int) -> dict:
    """CPU seconds of parsing ``path`` with the host already started: in one process (0), through
    a pool of 1 worker, and of ``workers``; min of ``runs``. The first difference is what the
    pool costs; the second, what running N workers at once costs on this machine's cores."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    modes = ["0", "1", str(workers)] if workers > 1 else ["0", "1"]
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(runs):
        for mode in modes:
            out = subprocess.run([python, "-c", _POOL, mode, str(path)], capture_output=True, text=True, env=env,
                                 check=True)
            cpu[mode].append(json.loads(out.stdout.strip().splitlines()[-1])["cpu_s"])
    best = {m: min(v) for m, v in cpu.items()}
    report = {"in_process_cpu_s": round(best["0"], 3), "pool_1_cpu_s": round(best["1"], 3),
              "pool_overhead": round(best["1"] / best["0"] - 1, 3)}
    if workers > 1:
        report[f"pool_{workers}_cpu_s"] = round(best[str(workers)], 3)
        report["concurrency_cost"] = round(best[str(workers)] / best["1"] - 1, 3)
    return report


def texts(source: str) -> list[dict]:
    """The messages to repeat: the bundled examples, or the corpus files' texts."""
    if source == "examples":
        paths = [EXAMPLES]
    else:
        paths = sorted(CORPUS.glob("*.jsonl"))
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                out.append({"text": obj["text"], "provider": obj.get("provider")})
    return out


def write_input(path: Path, messages: list[dict], n: int) -> None:
    # Each message encoded once; a line is its id and that encoding, so writing 3M lines is cheap.
    encoded = [json.dumps(m, ensure_ascii=False)[1:] for m in messages]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f'{{"id": "b{i}", {encoded[i % len(encoded)]}\n')


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(python: str, path: Path, workers: int, tmp: Path) -> dict:
    rusage = tmp / "rusage.json"
    env = {**os.environ, "BENCH_RUSAGE": str(rusage)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte-code cached
    cmd = [python, "-c", _WRAPPER, "parse", "--input", str(path), "--json", "--workers", str(workers)]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    with open(os.devnull, "w") as devnull:
        proc = subprocess.run(cmd, stdout=devnull, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(cmd[3:])} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    peaks = json.loads(rusage.read_text())
    return {"wall_s": wall, "cpu_s": cpu, "parent_mb": peaks["parent_kb"] / 1024,
            "worker_mb": peaks["worker_kb"] / 1024}


def _stats(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3)}


def measure(python: str, path: Path, n: int, counts: list[int], runs: int, tmp: Path, startup_cpu: float) -> dict:
    per: dict[int, list[dict]] = {w: [] for w in counts}
    for _ in range(runs):
        for w in counts:
            per[w].append(run_once(python, path, w, tmp))
    out: dict = {"lines": n, "by_workers": {}}
    for w, rs in per.items():
        wall, cpu = [r["wall_s"] for r in rs], [r["cpu_s"] for r in rs]
        out["by_workers"][str(w)] = {
            "wall_s": _stats(wall), "cpu_s": _stats(cpu),
            "messages_per_s": round(n / min(wall)), "messages_per_cpu_s": round(n / min(cpu)),
            "peak_parent_mb": round(max(r["parent_mb"] for r in rs), 1),
            "peak_worker_mb": round(max(r["worker_mb"] for r in rs), 1) if w > 1 else None,
        }
    one, many = out["by_workers"][str(counts[0])], out["by_workers"][str(counts[-1])]
    if len(counts) > 1:
        w = counts[-1]
        out["speedup_wall"] = {"min": round(one["wall_s"]["min"] / many["wall_s"]["min"], 2),
                               "median": round(one["wall_s"]["median"] / many["wall_s"]["median"], 2)}
        # What N idle cores would give: the command's start-up (imports, building the chain) is
        # serial, the rest of the N-worker run's CPU is spread over N cores (Amdahl), against the
        # one-worker run's CPU. "asymptotic" leaves the start-up out: an input long enough.
        cpu1, cpu_n, start = one["cpu_s"]["min"], many["cpu_s"]["min"], startup_cpu
        out["cpu_overhead"] = round(cpu_n / cpu1, 3)
        out["idle_speedup_estimate"] = round(cpu1 / (start + (cpu_n - start) / w), 2)
        out["asymptotic_speedup_estimate"] = round(w * (cpu1 - start) / (cpu_n - start), 2)
    return out


def run(lines: int = 30000, workers: int | None = None, runs: int = 3, big: int = 3_000_000,
        python: str = sys.executable, corpus: bool = True) -> dict:
    workers = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    counts = [1, workers] if workers > 1 else [1]
    report: dict = {"benchmark": "workers", "machine": machine(), "python": python, "workers": workers,
                    "compiled": _compiled(python), "runs": runs}
    with tempfile.TemporaryDirectory(prefix="signalos-workers-") as tmp_name:
        tmp = Path(tmp_name)
        one_line = tmp / "one.jsonl"
        write_input(one_line, texts("examples"), 1)
        startup = [run_once(python, one_line, 1, tmp)["cpu_s"] for _ in range(runs)]
        report["startup_cpu_s"] = round(min(startup), 3)  # the command on a one-line input
        sources = ["examples"] + (["corpus"] if corpus and CORPUS.is_dir() else [])
        for source in sources:
            path = tmp / f"{source}.jsonl"
            write_input(path, texts(source), lines)
            report[source] = measure(python, path, lines, counts, runs, tmp, report["startup_cpu_s"])
            report[source]["pool_cost"] = pool_cost(python, path, workers, runs)
            path.unlink()
        if big:
            path = tmp / "big.jsonl"
            write_input(path, texts("examples"), big)
            r = run_once(python, path, workers, tmp)
            path.unlink()
            report["big"] = {"lines": big, "workers": workers, "wall_s": round(r["wall_s"], 1),
                             "cpu_s": round(r["cpu_s"], 1), "messages_per_s": round(big / r["wall_s"]),
                             "peak_parent_mb": round(r["parent_mb"], 1), "peak_worker_mb": round(r["worker_mb"], 1)}
    report["machine_after"] = machine()["load_1min"]
    return report


def _compiled(python: str) -> bool:
    out = subprocess.run([python, "-c", "import signalos; print(signalos.compiled())"], capture_output=True, text=True)
    return out.stdout.strip() == "True"


def human(report: dict) -> None:
    build = "compiled" if report["compiled"] else "pure Python"
    print(f"signalos parse --input FILE --json > /dev/null, {build}, {report['runs']} runs per count "
          f"(min / median), load {report['machine']['load_1min']} -> {report['machine_after']} on "
          f"{report['machine']['cpus']} CPUs")
    for source in ("examples", "corpus"):
        if source not in report:
            continue
        r = report[source]
        print(f"  {r['lines']:,} lines repeating the {'example messages' if source == 'examples' else 'corpus texts'}:")
        for w, v in r["by_workers"].items():
            worker = f", worker {v['peak_worker_mb']:.0f} MB" if v["peak_worker_mb"] else ""
            print(f"    {w} worker{'s' if w != '1' else ' '}: wall {v['wall_s']['min']:6.2f} / {v['wall_s']['median']:6.2f} s"
                  f"  CPU {v['cpu_s']['min']:6.2f} / {v['cpu_s']['median']:6.2f} s  {v['messages_per_s']:7,} msg/s"
                  f"  peak RSS parent {v['peak_parent_mb']:.0f} MB{worker}")
        if "speedup_wall" in r:
            print(f"    speedup (wall) {r['speedup_wall']['min']}x min, {r['speedup_wall']['median']}x median; "
                  f"CPU of {report['workers']} workers / 1: {r['cpu_overhead']}x; on {report['workers']} idle "
                  f"cores that gives {r['idle_speedup_estimate']}x with the {report['startup_cpu_s']} s start-up, "
                  f"{r['asymptotic_speedup_estimate']}x on a long input")
        if "pool_cost" in r:
            c = r["pool_cost"]
            line = (f"    started host, CPU: in process {c['in_process_cpu_s']} s, pool of 1 {c['pool_1_cpu_s']} s "
                    f"(pool overhead {100 * c['pool_overhead']:+.1f}%)")
            if "concurrency_cost" in c:
                n = report["workers"]
                line += (f", pool of {n} {c[f'pool_{n}_cpu_s']} s "
                         f"({100 * c['concurrency_cost']:+.1f}% for running at once on these cores)")
            print(line)
    if "big" in report:
        b = report["big"]
        print(f"  {b['lines']:,} lines, {b['workers']} workers: wall {b['wall_s']} s, CPU {b['cpu_s']} s, "
              f"{b['messages_per_s']:,} msg/s, peak RSS parent {b['peak_parent_mb']:.0f} MB, "
              f"worker {b['peak_worker_mb']:.0f} MB")
    note = busy_note(report["machine"])
    if note:
        print(note)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=30000, help="lines of the timed runs (default 30,000)")
    ap.add_argument("--workers", type=int, default=None, help="the N of 1 vs N (default: the cores)")
    ap.add_argument("--runs", type=int, default=3, help="runs per worker count (default 3)")
    ap.add_argument("--big", type=int, default=3_000_000, help="lines of the one memory run (default 3,000,000)")
    ap.add_argument("--skip-big", action="store_true", help="leave out the big memory run (minutes)")
    ap.add_argument("--no-corpus", action="store_true", help="only the example messages")
    ap.add_argument("--python", default=sys.executable, help="interpreter whose signalos to run")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    report = run(args.lines, args.workers, args.runs, 0 if args.skip_big else args.big, args.python,
                 not args.no_corpus)
    emit(report, args.json, human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
