"""Every hook is documented with its exact signature, and every hook has a test."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from signalos import hookspecs

ROOT = Path(__file__).parent.parent
HOOKS = {name: fn for name, fn in vars(hookspecs).items() if hasattr(fn, f"{hookspecs.PROJECT}_spec")}


def documented_signatures() -> dict[str, str]:
    """``## hook_name`` headings of docs/plugin_hooks.md and the first code line under each."""
    text = (ROOT / "docs" / "plugin_hooks.md").read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(r"^## (\w+)\n+```python\n(.+?)\n", text, re.MULTILINE):
        found[match.group(1)] = match.group(2)
    return found


def test_hooks_were_found():
    assert {"register_parsers", "register_commands", "parse_completed"} <= set(HOOKS)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_is_documented_with_its_signature(name):
    docs = documented_signatures()
    assert name in docs, f"docs/plugin_hooks.md has no '## {name}' section with its signature"
    assert docs[name] == name + str(inspect.signature(HOOKS[name]))


def test_no_documented_hook_is_gone():
    assert set(documented_signatures()) <= set(HOOKS)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_has_a_test(name):
    this = Path(__file__).name
    sources = [p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py") if p.name != this]
    assert any(re.search(rf"\b{name}\b", src) for src in sources), f"no test mentions the hook {name}"


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hookspec_has_a_docstring(name):
    assert (HOOKS[name].__doc__ or "").strip()
