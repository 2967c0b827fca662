"""Speed of the default chain: in-process through ``Host.parse``, and through ``signalos parse``.

    python benchmarks/throughput.py [--n 20000] [--pipeline NAME] [--skip-cli] [--json]

The messages are the example dataset's texts (when present) and generated signals, updates and
noise (``benchmarks/messages.py``). Both figures are one process on one core, of the installed
signalos: compiled by ``pip install .`` where a C compiler is found, pure Python in an editable
install (the report says which).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, busy_note, emit, machine, percentile, verdict
from benchmarks.messages import traffic
from signalos.errors import SignalosError

API_TARGET = 20_000  # messages/s through Host.parse
CLI_TARGET = 5_000  # messages/s through `signalos parse --input FILE --json`
WARMUP = 500


def bench_api(texts: list[str], pipeline: str | None = None) -> dict:
    """Messages/s and per-call latency of ``Host.parse`` over ``texts``, after a warm-up."""
    from signalos.host import Host

    host = Host()
    for text in texts[:WARMUP]:  # compile patterns, build the chain, fill caches
        host.parse(text, pipeline=pipeline)
    latencies = []
    clock = time.perf_counter
    cpu_start = time.process_time()
    start = clock()
    for text in texts:
        t0 = clock()
        host.parse(text, pipeline=pipeline)
        latencies.append(clock() - t0)
    wall = clock() - start
    cpu = time.process_time() - cpu_start
    slowest = max(range(len(texts)), key=latencies.__getitem__)
    return {
        "n": len(texts), "seconds": round(wall, 4), "messages_per_s": round(len(texts) / wall, 1),
        "cpu_seconds": round(cpu, 4), "messages_per_cpu_s": round(len(texts) / cpu, 1) if cpu else None,
        "p50_ms": round(percentile(latencies, 50) * 1000, 4),
        "p99_ms": round(percentile(latencies, 99) * 1000, 4),
        "max_ms": round(max(latencies) * 1000, 4),
        "slowest_text": texts[slowest][:200],
        "target_messages_per_s": API_TARGET,
    }


def _cli_command() -> list[str]:
    # The console script users run; the same entry point through the interpreter when the
    # script is not installed beside it (a source checkout on PYTHONPATH).
    script = Path(sys.executable).parent / "signalos"
    if script.is_file():
        return [str(script)]
    found = shutil.which("signalos")
    return [found] if found else [sys.executable, "-c", "from signalos.cli import main; main()"]


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # not on Windows: no CPU figure there
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_cli(texts: list[str], workdir: Path, pipeline: str | None) -> tuple[float, float]:
    """Wall and CPU seconds of one ``signalos parse --input FILE --json`` over ``texts``; checks
    it answered every line so a failing command never reads as a fast one."""
    src = workdir / f"in-{len(texts)}.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": f"m{i}", "text": text}, ensure_ascii=False) + "\n")
    cmd = [*_cli_command(), "parse", "--input", str(src), "--json"]
    if pipeline:
        cmd += ["--pipeline", pipeline]
    out = workdir / "out.jsonl"
    with out.open("wb") as stdout:
        cpu0, t0 = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE)  # same cwd, same signalos.toml
        wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{' '.join(cmd[-4:])} exited {proc.returncode}: {err[-1] if err else ''}")
    with out.open("rb") as f:
        answered = sum(1 for line in f if line.strip())
    if answered != len(texts):
        raise RuntimeError(f"signalos parse answered {answered} lines for {len(texts)} messages")
    return wall, cpu


def bench_cli(texts: list[str], pipeline: str | None = None, repeat: int = 3) -> dict:
    """Messages/s of the CLI's JSON Lines path, with and without interpreter start-up.

    Start-up is the wall time of a 10-message run; the best of ``repeat`` runs is kept for both,
    since on a shared machine the noise only ever adds time."""
    with tempfile.TemporaryDirectory(prefix="signalos-bench-") as tmp:
        workdir = Path(tmp)
        startup, startup_cpu = min(_run_cli(texts[:10], workdir, pipeline) for _ in range(repeat))
        wall, cpu = min(_run_cli(texts, workdir, pipeline) for _ in range(repeat))
    n = len(texts)
    steady, steady_cpu = wall - startup, cpu - startup_cpu
    return {
        "n": n, "seconds": round(wall, 4), "startup_seconds": round(startup, 4),
        "cpu_seconds": round(cpu, 4), "startup_cpu_seconds": round(startup_cpu, 4),
        "messages_per_s": round(n / wall, 1),
        "messages_per_s_excluding_startup": round(n / steady, 1) if steady > 0 else None,
        "messages_per_cpu_s": round(n / cpu, 1) if cpu > 0 else None,
        "messages_per_cpu_s_excluding_startup": round(n / steady_cpu, 1) if steady_cpu > 0 else None,
        "command": " ".join([Path(_cli_command()[0]).name, "parse", "--input", "FILE", "--json"]),
        "target_messages_per_s": CLI_TARGET,
    }


def run(n: int = 20_000, pipeline: str | None = None, cli: bool = True) -> dict:
    texts = traffic(n, REPO_ROOT)
    report = {"benchmark": "throughput", "pipeline": pipeline or "default", "n": n,
              "api": bench_api(texts, pipeline), "machine": machine()}
    if cli:
        try:
            report["cli"] = bench_cli(texts, pipeline)
        except (RuntimeError, OSError) as exc:
            report["cli"] = {"error": str(exc), "target_messages_per_s": CLI_TARGET}
    return report


def print_human(r: dict) -> None:
    api = r["api"]
    build = "compiled by mypyc" if r["machine"].get("compiled") else "pure Python (editable install, or no C compiler)"
    print(f"throughput  pipeline={r['pipeline']}  n={r['n']}  ({r['machine']['cpus']} CPUs, "
          f"Python {r['machine']['python']}, regex chain {build})")
    if busy_note(r["machine"]):
        print(busy_note(r["machine"]))
    print(f"  API  Host.parse: {api['messages_per_s']:>10,.0f} msg/s   target >= {API_TARGET:,}  "
          f"{verdict(api['messages_per_s'], API_TARGET)}")
    if api["messages_per_cpu_s"]:
        print(f"       per CPU second: {api['messages_per_cpu_s']:,.0f} msg/s")
    print(f"       latency p50 {api['p50_ms']:.3f} ms  p99 {api['p99_ms']:.3f} ms  max {api['max_ms']:.3f} ms")
    cli = r.get("cli")
    if cli is None:
        return
    if "error" in cli:
        print(f"  CLI  not measured: {cli['error']}")
        return
    print(f"  CLI  {cli['command']}: {cli['messages_per_s']:>10,.0f} msg/s   target >= {CLI_TARGET:,}  "
          f"{verdict(cli['messages_per_s'], CLI_TARGET)}")
    steady = cli["messages_per_s_excluding_startup"]
    if steady:
        print(f"       excluding start-up ({cli['startup_seconds']:.2f} s): {steady:,.0f} msg/s")
    if cli["messages_per_cpu_s"]:
        print(f"       per CPU second: {cli['messages_per_cpu_s']:,.0f} msg/s, excluding start-up "
              f"({cli['startup_cpu_seconds']:.2f} CPU s): {cli['messages_per_cpu_s_excluding_startup'] or 0:,.0f} msg/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/throughput.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="messages per run (default 20000)")
    ap.add_argument("--pipeline", help="pipeline name (default: the default pipeline)")
    ap.add_argument("--skip-cli", action="store_true", help="measure the Python API only")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.n < 20:
        ap.error("--n must be at least 20")
    try:
        report = run(args.n, args.pipeline, cli=not args.skip_cli)
    except SignalosError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    emit(report, args.json, print_human)
    return 0 if "error" not in report.get("cli", {}) else 1


if __name__ == "__main__":
    sys.exit(main())
