"""Run the benchmarks: ``python -m benchmarks [--n 20000] [--corpus FILE] [--skip-cli] [--skip-entries] [--all] [--json]``.

By default the parse-path benchmarks, two minutes or so: accuracy (on each corpus file too,
cross-checked with ../shared/score.py and ``signalos eval``), throughput, hostile text, and the
table-entry and corpus-quote check (``table_entries.py``). With
``--all``, every other benchmark module of this directory afterwards (dataset, evaluation and
training benchmarks, which take minutes), each in its own process with its default options.
Prints each benchmark's figures in turn; with ``--json``, one object holding each report. A
benchmark that cannot run (no labelled file, the CLI failing) says why and the others still run;
the exit status is then 1.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import accuracy, hostile, table_entries, throughput
from benchmarks._util import emit
from signalos.errors import SignalosError


CORE = ("accuracy", "accuracy_by_file", "throughput", "hostile", "table_entries")
NOT_BENCHMARKS = ("__init__", "__main__", "messages")


def other_benchmarks() -> list[str]:
    """Modules of this directory runnable as ``python -m benchmarks.NAME``, beyond the core three;
    found by their ``__main__`` guard so a new benchmark joins ``--all`` without an edit here.
    Training benchmarks go last: they are the slowest."""
    names = []
    for path in sorted(Path(__file__).parent.glob("*.py")):
        name = path.stem
        if name.startswith("_") or name in CORE or name in NOT_BENCHMARKS:
            continue
        if 'if __name__ == "__main__"' in path.read_text(encoding="utf-8"):
            names.append(name)
    return sorted(names, key=lambda n: (n.startswith("train_"), n))


def run_module(name: str, as_json: bool) -> dict:
    """Run ``python -m benchmarks.NAME`` from the repository root; in JSON mode its last line is
    its report, otherwise its output goes straight to the terminal."""
    cmd = [sys.executable, "-m", f"benchmarks.{name}", *(["--json"] if as_json else [])]
    root = Path(__file__).resolve().parent.parent
    if not as_json:
        print(f"{name}  ({' '.join(cmd[1:])})", flush=True)
        code = subprocess.run(cmd, cwd=root).returncode
        return {"benchmark": name, "exit_status": code} | ({"error": f"exit status {code}"} if code else {})
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        report = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"benchmark": name, "error": f"exit status {proc.returncode}: {tail}"}
    if proc.returncode:
        report = {"report": report, "error": f"exit status {proc.returncode}"}
    return report


def _entries_check(report: dict) -> dict:
    """The table-entry check fails the run when an entry is unexplained or a quote is found."""
    if report.get("failed"):
        entries, quotes = report.get("entries", {}), report.get("quotes", {})
        report["error"] = (f"{len(entries.get('unexplained', []))} unexplained table entries, "
                           f"{len(quotes.get('found', []))} corpus quotes in tracked files")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="messages for the throughput runs (default 20000)")
    ap.add_argument("--corpus", type=Path, help="labelled JSON Lines for accuracy (default: as accuracy.py)")
    ap.add_argument("--pipeline", help="pipeline name (default: the default pipeline)")
    ap.add_argument("--skip-cli", action="store_true",
                    help="leave out the CLI throughput run and the signalos eval cross-check")
    ap.add_argument("--skip-entries", action="store_true",
                    help="leave out the table-entry and corpus-quote check (a minute on 2 cores)")
    ap.add_argument("--all", action="store_true",
                    help="then run every other benchmark of the directory too (minutes: training)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    reports, failed = {}, False
    steps = [
        ("accuracy", lambda: accuracy.run(args.corpus or accuracy.default_corpus(), args.pipeline),
         accuracy.print_human),
        ("accuracy_by_file", lambda: accuracy.run_files([args.corpus] if args.corpus else accuracy.corpus_files(),
                                                        args.pipeline, cli=not args.skip_cli),
         accuracy.print_files),
        ("throughput", lambda: throughput.run(args.n, args.pipeline, cli=not args.skip_cli),
         throughput.print_human),
        ("hostile", lambda: hostile.run(args.pipeline), hostile.print_human),
    ]
    if not args.skip_entries:
        steps.append(("table_entries", lambda: _entries_check(table_entries.run()), table_entries.print_human))
    for name, run, human in steps:
        try:
            report = run()
        except (SignalosError, OSError) as exc:
            report = {"benchmark": name, "error": f"{type(exc).__name__}: {exc}"}
        failed |= "error" in report or "error" in report.get("cli", {})
        reports[name] = report
        if not args.json:
            if "error" in report and set(report) <= {"benchmark", "error"}:
                print(f"{name}  not run: {report['error']}")
            else:
                human(report)  # a check that ran and failed shows what it found, then why it fails
                if "error" in report:
                    print(f"{name}  FAILED: {report['error']}")
            print()
    for name in other_benchmarks() if args.all else []:
        report = run_module(name, args.json)
        failed |= "error" in report
        reports[name] = report
        if not args.json:
            print()
    if args.json:
        emit(reports, True, None)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
