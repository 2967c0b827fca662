"""The regex parser's cost a message in counts that do not depend on the machine's load.

    python -m benchmarks.instructions [--tree DIR] [--python PYTHON] [--callgrind] [--json]

Two counts over one workload, each a pass after a warm-up pass, divided by the texts:
- **bytecodes**: the bytecode instructions the interpreter executes (``sys.settrace`` with
  ``f_trace_opcodes``), per function too. Deterministic; pure Python only (a compiled build
  runs no bytecode in its compiled modules). Takes about a minute.
- **instructions** (``--callgrind``): the machine instructions, counted by ``valgrind
  --tool=callgrind``: the pass minus a run without it. Pure or compiled (``--python`` of a
  virtual environment holding ``pip install .``). A few minutes; needs valgrind.

``--tree DIR`` measures the code of another checkout (``git worktree add DIR 764fc65``, or a
``git archive`` unpacked): its ``src`` and ``plugins`` go first on ``PYTHONPATH``. Compare two
trees with the same ``--python``. Repeated callgrind runs of one tree differ by a few tenths of a
percent (string hashing is randomised per process); bytecode counts do not differ.

The workload: both labelled corpus files and 1,500 texts of each unlabelled export of
``../shared/corpus`` (read at run time, never copied here), or, without them, the bundled example
messages and generated ones.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (the child does): make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, emit

CORPUS = REPO_ROOT.parent / "shared" / "corpus"
EXPORT_SAMPLE = 1_500


def workload() -> tuple[list[str], str]:
    """The texts, and where they came from."""
    import random

    files = [CORPUS / "real.jsonl", CORPUS / "real-2.jsonl"]
    exports = sorted((CORPUS / "unlabelled").glob("*.jsonl")) if (CORPUS / "unlabelled").is_dir() else []
    if all(f.is_file() for f in files):
        texts: list[str] = []
        for f in files:
            texts += [json.loads(line)["text"] for line in f.open(encoding="utf-8") if line.strip()]
        for f in exports:
            rows = [json.loads(line)["text"] for line in f.open(encoding="utf-8") if line.strip()]
            random.Random(0).shuffle(rows)
            texts += rows[:EXPORT_SAMPLE]
        return texts, f"{CORPUS} (2 labelled files, {len(exports)} exports x {EXPORT_SAMPLE})"
    from benchmarks.messages import traffic

    return traffic(5_000, REPO_ROOT, seed=0), "bundled example and generated messages"


def _child(mode: str, passes: int) -> None:
    """Runs in the measured interpreter: warm up, then ``passes`` passes, counting when asked."""
    from signalos_regex.parser import RegexParser

    texts, _ = workload()
    parser = RegexParser()
    for text in texts:
        parser.parse(text)
    if mode == "callgrind":
        for _ in range(passes):
            for text in texts:
                parser.parse(text)
        return
    counts: dict[str, int] = {}

    def trace(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            key = f"{Path(code.co_filename).name}:{code.co_name}"
            counts[key] = counts.get(key, 0) + 1
        return trace

    sys.settrace(trace)
    for text in texts:
        parser.parse(text)
    sys.settrace(None)
    print(json.dumps({"texts": len(texts), "counts": counts}))


def _env(tree: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if tree is not None:
        paths = [str(tree / "src"), str(tree / "plugins")]
        env["PYTHONPATH"] = os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def bytecodes(python: str, tree: Path | None) -> dict:
    out = subprocess.run([python, __file__, "--child", "bytecodes", "1"], env=_env(tree), capture_output=True,
                         text=True, check=True, cwd=tree or REPO_ROOT)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    n = data["texts"]
    top = sorted(data["counts"].items(), key=lambda kv: -kv[1])[:12]
    return {"texts": n, "bytecodes_per_message": round(sum(data["counts"].values()) / n, 1),
            "by_function": {k: round(v / n, 1) for k, v in top}}


def instructions(python: str, tree: Path | None) -> dict:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind): run without --callgrind for bytecodes")

    def run(passes: int) -> int:
        out = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", python, __file__,
                              "--child", "callgrind", str(passes)], env=_env(tree), capture_output=True, text=True,
                             cwd=tree or REPO_ROOT)
        found = re.search(r"Collected\s*:\s*(\d+)", out.stderr)
        if out.returncode != 0 or found is None:
            raise SystemExit(f"callgrind run failed: {out.stderr[-2000:]}")
        return int(found.group(1))

    n = len(workload()[0])
    without, with_pass = run(0), run(1)
    return {"texts": n, "instructions_per_message": round((with_pass - without) / n)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, help="a checkout whose src/ and plugins/ to measure instead of the installed code")
    ap.add_argument("--python", default=sys.executable, help="the interpreter (a virtual environment's, e.g. a compiled install)")
    ap.add_argument("--callgrind", action="store_true", help="also count machine instructions with valgrind")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return 0
    tree = args.tree.resolve() if args.tree else None
    report: dict = {"tree": str(tree or REPO_ROOT), "python": args.python, "workload": workload()[1]}
    report["bytecodes"] = bytecodes(args.python, tree)
    if args.callgrind:
        report["callgrind"] = instructions(args.python, tree)

    def human(r: dict) -> None:
        print(f"tree {r['tree']}, python {r['python']}\nworkload: {r['workload']}")
        b = r["bytecodes"]
        print(f"bytecodes a message: {b['bytecodes_per_message']:,} over {b['texts']:,} texts "
              "(0 in compiled modules: compare pure builds)")
        for name, count in b["by_function"].items():
            print(f"  {count:9,.1f}  {name}")
        if "callgrind" in r:
            print(f"machine instructions a message (callgrind): {r['callgrind']['instructions_per_message']:,}")

    emit(report, args.json, human)
    return 0


if __name__ == "__main__":
    sys.exit(main())
