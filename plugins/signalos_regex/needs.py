"""Write ``data/pattern_needs.json``: what every ``re:`` entry of the package's own tables needs in
a text (``patterns.analyse_required_strings``), so that building the parser does not parse them
again in every process. Run after editing a keyword table:

    python -m signalos_regex.needs          # rewrites plugins/signalos_regex/data/pattern_needs.json
    python -m signalos_regex.needs --check  # exit 1 when the file is missing an entry or out of date
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from signalos_regex.lexicon import builtin_patterns
from signalos_regex.patterns import NEEDS_FILE, NEEDS_VERSION, analyse_required_strings, table_source

PATH = Path(__file__).resolve().parent / "data" / NEEDS_FILE


def computed() -> dict[str, list[list[str]]]:
    """Every built-in pattern's clauses, each clause's strings sorted, in the analysis's order."""
    out: dict[str, list[list[str]]] = {}
    for pattern in sorted(builtin_patterns()):
        source = table_source(pattern)
        out[source] = [sorted(clause) for clause in analyse_required_strings(source)]
    return out


def stale(on_disk: dict[str, list[list[str]]]) -> list[str]:
    """The built-in patterns the file lacks or answers otherwise (compared as sets of clauses)."""
    out = []
    for source, clauses in computed().items():
        known = on_disk.get(source)
        if known is None or {frozenset(c) for c in known} != {frozenset(c) for c in clauses}:
            out.append(source)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="check the file instead of writing it")
    args = ap.parse_args(argv)
    if args.check:
        try:
            on_disk = json.loads(PATH.read_text(encoding="utf-8")).get("needs", {})
        except (OSError, ValueError):
            on_disk = {}
        missing = stale(on_disk)
        for source in missing[:20]:
            print(f"stale or missing: {source}", file=sys.stderr)
        if missing:
            print(f"{len(missing)} patterns; run: python -m signalos_regex.needs", file=sys.stderr)
        return 1 if missing else 0
    needs = computed()
    PATH.parent.mkdir(parents=True, exist_ok=True)
    # one pattern a line, so that a table's edit shows as the lines of its patterns
    lines = [f"{json.dumps(source, ensure_ascii=False)}: {json.dumps(clauses, ensure_ascii=False)}"
             for source, clauses in sorted(needs.items())]
    PATH.write_text(f'{{"version": {NEEDS_VERSION}, "needs": {{\n' + ",\n".join(lines) + "\n}}\n", encoding="utf-8")
    print(f"wrote {len(needs)} patterns' needs to {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
