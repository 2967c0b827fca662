"""Start-up stays light: loading every installed plugin and building the CLI imports no heavy library.

Each plugin registers its components by name and imports its machinery when a component is first
built; a bot that only parses with the regex chain never loads numpy, the database or torch.
"""
import json
import subprocess
import sys

HEAVY = ("numpy", "scipy", "sqlite_utils", "torch", "transformers", "spacy", "datasketch")


def test_cli_and_host_start_without_heavy_imports():
    code = (
        "import json, sys\n"
        "from signalos.cli import build_app\n"
        "from signalos import Host\n"
        "build_app(); Host().parse('GOLD BUY NOW @2342-2345 SL 2335 TP1 2350')\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
