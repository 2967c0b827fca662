"""Every hook is documented with its exact signature, and signalos calls every hook as its spec says."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from signalos import hookspecs
from signalos.hookspecs import hookimpl

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


class EveryHook:
    """A plugin implementing every hook, recording each call and the arguments it was given."""

    name = "every-hook"

    def __init__(self):
        self.calls: dict[str, dict] = {}

    @hookimpl
    def register_parsers(self, register, host):
        self.calls["register_parsers"] = {"register": register, "host": host}

    @hookimpl
    def register_augmenters(self, register, host):
        self.calls["register_augmenters"] = {"register": register, "host": host}

    @hookimpl
    def register_evaluators(self, register, host):
        self.calls["register_evaluators"] = {"register": register, "host": host}

    @hookimpl
    def register_routers(self, register, host):
        self.calls["register_routers"] = {"register": register, "host": host}

    @hookimpl
    def register_deployers(self, register, host):
        self.calls["register_deployers"] = {"register": register, "host": host}

    @hookimpl
    def register_commands(self, app, host):
        self.calls["register_commands"] = {"app": app, "host": host}

    @hookimpl
    def parse_completed(self, message, result, host):
        self.calls["parse_completed"] = {"message": message, "result": result, "host": host}

    @hookimpl
    def alert_raised(self, alert, host):
        self.calls["alert_raised"] = {"alert": alert, "host": host}


def test_signalos_calls_every_hook_with_the_arguments_of_its_spec():
    # A hook is tested when signalos calls it, not when its name appears in a test file: start a
    # host, build the CLI, parse, raise an alert, and each hook must have been called, with the
    # arguments its spec names. A new hook fails here until this scenario calls it.
    import typer

    import signalos_regex
    from signalos.cli import build_app
    from signalos.models import Message, ParseResult
    from signalos.monitor.alerts import Alert
    from signalos.testing import make_host

    recorder = EveryHook()
    assert {n for n in vars(EveryHook) if n in HOOKS} == set(HOOKS), "EveryHook must implement every hook"
    host = make_host(recorder, signalos_regex)
    build_app(host_factory=lambda config_path: host)
    outcome = host.parse(Message("EURUSD BUY 1.0850 SL 1.0820 TP 1.0900", provider="docs"))
    alert = Alert(key="k", event="opened", status="open", severity="warning", provider="docs", metrics={},
                  message="m", window_start="a", window_end="b", opened_at="a")
    host.emit_alert_raised(alert)

    assert set(recorder.calls) == set(HOOKS)
    for name, kwargs in recorder.calls.items():
        assert list(kwargs) == list(inspect.signature(HOOKS[name]).parameters), name
        assert kwargs["host"] is host, name
    for name in ("register_parsers", "register_augmenters", "register_evaluators", "register_routers",
                 "register_deployers"):
        assert callable(recorder.calls[name]["register"]), name
    assert isinstance(recorder.calls["register_commands"]["app"], typer.Typer)
    completed = recorder.calls["parse_completed"]
    assert completed["message"].provider == "docs" and isinstance(completed["result"], ParseResult)
    assert completed["result"].to_schema() == outcome.result.to_schema()
    assert recorder.calls["alert_raised"]["alert"] is alert


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hookspec_has_a_docstring(name):
    assert (HOOKS[name].__doc__ or "").strip()
