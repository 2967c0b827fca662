"""Start-up: ``signalos --help`` and a one-message ``signalos parse`` as a user runs them.

``python -m benchmarks.startup [--runs 7] [--python PATH] [--json]``

Each command runs ``--runs`` times as a fresh process (after one uncounted run that writes the
byte-code cache, as ``pip install`` does at install time); reported: wall and CPU time (user +
system), min and median, against the target of 0.5 s, beside the bare interpreter's start. Also
how many modules the command imported, and the heavy ones among them (none is the goal). On a
loaded machine the wall time includes waiting for a core: the CPU time is the code's own cost.
``--python`` measures another interpreter's signalos (a compiled build's venv).
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

from benchmarks._util import busy_note, emit, machine

TARGET_S = 0.5
MESSAGE = "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360"
HEAVY = ("numpy", "scipy", "sqlite_utils", "torch", "transformers", "spacy", "datasketch", "pandas",
         "pyarrow", "dask", "distributed", "fastapi", "uvicorn", "starlette", "multiprocessing",
         "concurrent.futures")

# The CLI's own entry point, run so that the modules it loaded can be listed at exit.
_MAIN = """
import atexit, json, os, sys
def _modules():
    with open(os.environ["BENCH_MODULES"], "w") as fh:
        json.dump(sorted(sys.modules), fh)
atexit.register(_modules)
from signalos.cli import main
main()
"""

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "signalos --help": ["-c", _MAIN, "--help"],
    "signalos parse TEXT": ["-c", _MAIN, "parse", MESSAGE],
    "signalos parse TEXT --json": ["-c", _MAIN, "parse", MESSAGE, "--json"],
}


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(python: str, args: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run([python, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    return wall, cpu


def run(runs: int = 7, python: str = sys.executable) -> dict:
    report: dict = {"benchmark": "startup", "machine": machine(), "python": python, "runs": runs,
                    "target_s": TARGET_S, "commands": {}}
    with tempfile.TemporaryDirectory(prefix="signalos-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SIGNALOS_CONFIG")}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")  # the byte code, kept out of the sources
        env["BENCH_MODULES"] = str(Path(tmp) / "modules.json")
        cwd = str(Path(tmp))  # no signalos.toml or workspace of the caller's
        compiled = subprocess.run([python, "-c", "import signalos; print(signalos.compiled())"],
                                  capture_output=True, text=True, env=env, cwd=cwd).stdout.strip() == "True"
        report["compiled"] = compiled
        for name, args in COMMANDS.items():
            run_once(python, args, env, cwd)  # writes the byte-code cache
            modules = json.loads(Path(env["BENCH_MODULES"]).read_text()) if name != "python -c pass" else []
            Path(env["BENCH_MODULES"]).unlink(missing_ok=True)
            walls, cpus = [], []
            for _ in range(runs):
                wall, cpu = run_once(python, args, env, cwd)
                walls.append(wall)
                cpus.append(cpu)
            report["commands"][name] = {
                "wall_s": {"min": round(min(walls), 3), "median": round(statistics.median(walls), 3)},
                "cpu_s": {"min": round(min(cpus), 3), "median": round(statistics.median(cpus), 3)},
                "modules": len(modules),
                "heavy_modules": sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY),
            }
    report["load_after"] = machine()["load_1min"]
    return report


def human(report: dict) -> None:
    build = "compiled" if report["compiled"] else "pure Python"
    print(f"start-up, {build}, {report['runs']} runs each (min / median), target {report['target_s']} s; "
          f"load {report['machine']['load_1min']} -> {report['load_after']} on {report['machine']['cpus']} CPUs")
    for name, r in report["commands"].items():
        mark = "" if name.startswith("python") else (
            "  meets target" if r["wall_s"]["median"] <= report["target_s"] else
            "  meets target in CPU time" if r["cpu_s"]["median"] <= report["target_s"] else "  OVER TARGET")
        heavy = f", heavy: {', '.join(r['heavy_modules'])}" if r["heavy_modules"] else ""
        modules = f"  {r['modules']} modules{heavy}" if r["modules"] else ""
        print(f"  {name:28s} wall {r['wall_s']['min']:.3f} / {r['wall_s']['median']:.3f} s   "
              f"CPU {r['cpu_s']['min']:.3f} / {r['cpu_s']['median']:.3f} s{mark}{modules}")
    note = busy_note(report["machine"])
    if note:
        print(note)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    ap.add_argument("--python", default=sys.executable, help="interpreter whose signalos to run")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    report = run(args.runs, args.python)
    emit(report, args.json, human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
