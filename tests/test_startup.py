"""Start-up stays light: loading every installed plugin and building the CLI imports no heavy library.

Each plugin registers its components by name and imports its machinery when a component is first
built; a bot that only parses with the regex chain never loads numpy, the database or torch. The
commands a user runs most (``signalos --help``, a one-message ``signalos parse``) are checked as
the real command, in a fresh process: which modules it loaded, not how long it took (that is
``benchmarks/startup.py``'s job).
"""
import json
import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sqlite_utils", "torch", "transformers", "spacy", "datasketch", "pandas", "pyarrow",
         "dask", "distributed")
# Loaded only by the commands that use them: the worker pool (parse --input, eval), archives on
# Dask, the learned parsers' modules (until one is built), evaluation, the dataset and its database.
LAZY = ("multiprocessing", "concurrent.futures", "signalos.workers", "signalos.cli.parallel", "signalos.dask",
        "signalos_transformers.encoder", "signalos_transformers.llm", "signalos_spacy.parser",
        "signalos.evaluation", "signalos.dataset", "signalos.store")

# The CLI's entry point, listing at exit what the command imported.
RUN_CLI = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print('MODULES ' + json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
    "from signalos.cli import main\n"
    "main()\n"
)


def loaded(modules, names):
    """The modules of ``modules`` that are one of ``names`` or inside one of them."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def cli_modules(*args):
    out = subprocess.run([sys.executable, "-c", RUN_CLI, *args], capture_output=True, text=True, check=True)
    line = [x for x in out.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return json.loads(line.removeprefix("MODULES "))


def test_cli_and_host_start_without_heavy_imports():
    code = (
        "import json, sys\n"
        "from signalos.cli import build_app\n"
        "from signalos import Host\n"
        "build_app(); Host().parse('GOLD BUY NOW @2342-2345 SL 2335 TP1 2350')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded(modules, HEAVY + LAZY) == []
    assert "signalos_regex.parser" in modules  # the parser that did parse is there, of course


def test_help_loads_no_parser_machinery():
    modules = cli_modules("--help")
    assert loaded(modules, HEAVY + LAZY) == []
    assert "signalos.cli.archive_cmd" in modules  # every command is listed: its module is read


def test_one_message_parse_loads_only_the_regex_chain():
    modules = cli_modules("parse", "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350", "--json")
    assert loaded(modules, HEAVY + LAZY) == []
    assert "signalos_regex.parser" in modules


def test_spacy_is_imported_without_torch_which_stays_importable():
    # thinc imports torch whenever it is installed (about 1.1 s here); the spaCy parser hides it
    # while importing spaCy, and torch imports as usual afterwards
    pytest.importorskip("spacy")
    code = ("import sys\n"
            "from signalos_spacy.parser import _require_spacy\n"
            "_require_spacy()\n"
            "print('torch' in sys.modules, sys.modules.get('torch', 0) is None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"], out
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    code += "import torch\nprint(torch.tensor([2.0]).sum().item())\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "2.0"], out
    # asked to, it imports spaCy as thinc wants, torch with it
    env = {**os.environ, "SIGNALOS_SPACY_WITH_TORCH": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout.split()
    assert out[0] == "True", out
