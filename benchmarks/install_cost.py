"""What the README's first command costs: ``pip install .`` in a fresh virtual environment, with
the mypyc compile (``SIGNALOS_COMPILE=1``) and without it (``SIGNALOS_COMPILE=0``).

``python -m benchmarks.install_cost [--runs 2] [--json]``

Each run makes a new venv in a temporary directory and installs a fresh snapshot of the
repository's committed files (``git archive HEAD``: what a user clones). The dependencies come from pip's
cache after the first run, so the difference between the two modes is the compile itself. Wall
time and CPU time (user + system of pip and every process it started) are both reported: on a
loaded machine the wall time measures the neighbours too, the CPU time much less so. Minutes per
run: not part of ``python -m benchmarks --all``'s quick set on purpose, but runnable by one command.
"""
from __future__ import annotations

import argparse
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


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def snapshot(dest: Path) -> Path:
    """The committed tree of the repository, as a user's clone has it."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", "HEAD"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def install_once(work: Path, compile_mode: str) -> dict:
    """One fresh venv, one fresh copy of the sources and one ``pip install .``; its wall and CPU
    seconds. The copy is fresh each time: mypyc leaves its C files and cache beside the sources
    (``build/``, ``.mypy_cache``), and a second build there reuses them."""
    stamp = time.monotonic_ns()
    src = snapshot(work / f"src-{stamp}")
    venv = work / f"venv-{compile_mode}-{stamp}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SIGNALOS_COMPILE"] = compile_mode
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "."],
                          cwd=src, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    out = {"mode": compile_mode, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "exit_status": proc.returncode}
    if proc.returncode:
        out["error"] = (proc.stderr.strip().splitlines() or ["?"])[-1]
    else:
        check = subprocess.run([str(venv / "bin" / "python"), "-c", "import signalos; print(signalos.compiled())"],
                               capture_output=True, text=True)
        out["compiled"] = check.stdout.strip() == "True"
    subprocess.run(["rm", "-rf", str(venv), str(src)], check=False)
    return out


def _stats(values: list[float]) -> dict:
    return {"min": min(values), "median": round(statistics.median(values), 1), "runs": values} if values else {}


def run(runs: int = 2) -> dict:
    with tempfile.TemporaryDirectory(prefix="signalos-install-") as tmp:
        # One uncounted install first, so pip's cache holds the dependencies for every counted run.
        warm = install_once(Path(tmp), "0")
        results: dict[str, list] = {"0": [], "1": []}
        for _ in range(runs):
            for mode in ("0", "1"):  # interleaved, so a change of load hits both modes alike
                results[mode].append(install_once(Path(tmp), mode))
    report: dict = {"benchmark": "install_cost", "machine": machine(), "warm_up": warm, "runs": results}
    for mode, name in (("0", "python"), ("1", "compiled")):
        ok = [r for r in results[mode] if not r["exit_status"]]
        report[name] = {"wall_s": _stats([r["wall_s"] for r in ok]), "cpu_s": _stats([r["cpu_s"] for r in ok])}
    if report["python"]["cpu_s"] and report["compiled"]["cpu_s"]:
        report["compile_cost"] = {
            "wall_s": round(report["compiled"]["wall_s"]["median"] - report["python"]["wall_s"]["median"], 1),
            "cpu_s": round(report["compiled"]["cpu_s"]["median"] - report["python"]["cpu_s"]["median"], 1)}
    return report


def human(report: dict) -> None:
    print(f"pip install . in a fresh venv (dependencies from pip's cache), {len(report['runs']['1'])} runs each")
    for name in ("python", "compiled"):
        r = report[name]
        if not r["wall_s"]:
            print(f"  {name:9s} failed: {[x.get('error') for x in report['runs']['0' if name == 'python' else '1']]}")
            continue
        print(f"  {name:9s} wall min {r['wall_s']['min']:6.1f} s, median {r['wall_s']['median']:6.1f} s · "
              f"CPU min {r['cpu_s']['min']:6.1f} s, median {r['cpu_s']['median']:6.1f} s")
    if "compile_cost" in report:
        c = report["compile_cost"]
        print(f"  the compile adds {c['wall_s']:.0f} s wall, {c['cpu_s']:.0f} s CPU (medians)")
    note = busy_note(report["machine"])
    if note:
        print(note)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2, help="installs per mode (default 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    report = run(args.runs)
    emit(report, args.json, human)
    return 0 if report["python"]["wall_s"] and report["compiled"]["wall_s"] else 1


if __name__ == "__main__":
    sys.exit(main())
