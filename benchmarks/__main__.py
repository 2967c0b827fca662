"""Run every benchmark: ``python -m benchmarks [--n 20000] [--corpus FILE] [--skip-cli] [--json]``.

Prints each benchmark's figures in turn; with ``--json``, one object holding each report. A
benchmark that cannot run (no labelled file, the CLI failing) says why and the others still run;
the exit status is then 1.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import accuracy, hostile, throughput
from benchmarks._util import emit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="messages for the throughput runs (default 20000)")
    ap.add_argument("--corpus", type=Path, help="labelled JSON Lines for accuracy (default: as accuracy.py)")
    ap.add_argument("--pipeline", help="pipeline name (default: the default pipeline)")
    ap.add_argument("--skip-cli", action="store_true", help="leave out the CLI throughput run")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    reports, failed = {}, False
    steps = [
        ("accuracy", lambda: accuracy.run(args.corpus or accuracy.default_corpus(), args.pipeline),
         accuracy.print_human),
        ("throughput", lambda: throughput.run(args.n, args.pipeline, cli=not args.skip_cli),
         throughput.print_human),
        ("hostile", lambda: hostile.run(args.pipeline), hostile.print_human),
    ]
    for name, run, human in steps:
        try:
            report = run()
        except (SystemExit, OSError) as exc:  # accuracy exits with a message when it cannot score
            report = {"benchmark": name, "error": str(exc)}
        failed |= "error" in report or "error" in report.get("cli", {})
        reports[name] = report
        if not args.json:
            if "error" in report:
                print(f"{name}  not run: {report['error']}")
            else:
                human(report)
            print()
    if args.json:
        emit(reports, True, None)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
