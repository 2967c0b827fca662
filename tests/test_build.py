"""The compiled build: setup.py's module list and what the interpreter actually imported."""
from __future__ import annotations

import ast
import importlib
from importlib.machinery import ExtensionFileLoader
from pathlib import Path

import signalos

REPO = Path(__file__).resolve().parent.parent


def native_modules() -> list[str]:
    """Module names of ``NATIVE_MODULES`` in setup.py (read, not run: running it builds)."""
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    paths = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "NATIVE_MODULES")
    return [str(Path(p).with_suffix("")).split("/", 1)[1].replace("/", ".") for p in paths]


def test_every_native_module_is_a_source_file():
    names = native_modules()
    assert "signalos_regex.parser" in names and "signalos.normalize" in names
    for name in names:
        top, _, rest = name.partition(".")
        base = REPO / ("src" if top == "signalos" else "plugins")
        assert (base / top / (rest.replace(".", "/") + ".py")).is_file(), name


def test_the_hot_modules_are_all_compiled_or_all_python():
    compiled = {name: isinstance(importlib.import_module(name).__loader__, ExtensionFileLoader)
                for name in native_modules()}
    assert len(set(compiled.values())) == 1, compiled
    assert signalos.compiled() is next(iter(compiled.values()))
