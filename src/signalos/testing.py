"""Helpers for testing signalos plugins, used by signalos's own tests and by plugin authors.

    from signalos.testing import make_host, parser_plugin, signalos_host  # noqa: F401 (fixture)

    def test_my_parser(signalos_host):
        host = signalos_host(my_plugin, config={"pipelines": {"default": {"parsers": ["mine"]}}})
        assert host.parse("...").result.parser == "mine"

A host built here loads no installed plugins: only those passed in, so a test sees exactly the
plugins it names, whatever else is installed.

pytest is imported only when the ``signalos_host`` fixture is asked for: ``make_host`` and the
plugin helpers serve examples and scripts too, which run after a plain ``pip install .`` that
does not install pytest.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from signalos.config import Config
from signalos.hookspecs import hookimpl
from signalos.host import Host
from signalos.models import Message, ParseResult

ParseFn = Callable[[Message], "ParseResult | dict | None"]

# Environment variables that change which plugins load or which config is read; a test should not
# depend on the shell it runs in.
ENV_VARS = ("SIGNALOS_LOAD_PLUGINS", "SIGNALOS_DISABLED_PLUGINS", "SIGNALOS_CONFIG", "SIGNALOS_WORKSPACE")


def make_host(*plugins: object, config: Config | dict | str | None = None) -> Host:
    """A host with exactly ``plugins`` (modules or objects with ``@hookimpl`` functions) and no
    entry points. ``config=None`` means the built-in defaults, never ``./signalos.toml``."""
    return Host(Config() if config is None else config, load_entrypoints=False, plugins=plugins)


class FunctionParser:
    """A parser component around a plain function: ``parse_fn(message)`` returns a ParseResult,
    a schema dict (read with ``ParseResult.from_schema``) or None for "not mine"."""

    def __init__(self, parse_fn: ParseFn, confidence: float):
        self.parse_fn = parse_fn
        self.confidence = confidence

    def parse(self, message: Message) -> ParseResult | None:
        out = self.parse_fn(message)
        if isinstance(out, dict):
            return ParseResult.from_schema(out, confidence=self.confidence)
        return out


class ParserPlugin:
    """A plugin object registering one parser, as ``parser_plugin`` builds it."""

    def __init__(self, name: str, parse_fn: ParseFn, *, plugin_name: str | None = None,
                 confidence: float = 1.0):
        self.parser_name = name
        self.name = plugin_name or f"test-{name}"  # the plugin manager's name for this plugin
        self.parse_fn = parse_fn
        self.confidence = confidence

    @hookimpl
    def register_parsers(self, register, host):
        register(self.parser_name, lambda host, options: FunctionParser(self.parse_fn, self.confidence))

    def __repr__(self) -> str:
        return f"<ParserPlugin {self.name}: parser {self.parser_name!r}>"


def parser_plugin(name: str, parse_fn: ParseFn, *, plugin_name: str | None = None,
                  confidence: float = 1.0) -> ParserPlugin:
    """A plugin that registers a parser ``name`` calling ``parse_fn(message)``.

    ``parse_fn`` may return a ParseResult, a SCHEMA.md dict (given ``confidence``) or None.
    The plugin is named ``test-NAME`` unless ``plugin_name`` says otherwise.
    """
    return ParserPlugin(name, parse_fn, plugin_name=plugin_name, confidence=confidence)


def run_cli(args: Sequence[str], *plugins: object, config: Config | dict | str | None = None,
            input: str | None = None) -> Any:
    """Run the ``signalos`` CLI in-process with only ``plugins`` installed; returns Click's
    ``Result`` (``exit_code``, ``stdout``, ``stderr``). Plugin commands from ``register_commands``
    are there too."""
    from typer.testing import CliRunner

    from signalos.cli import build_app

    def factory(config_path: str | None) -> Host:
        return make_host(*plugins, config=config_path if config is None else config)

    return CliRunner().invoke(build_app(host_factory=factory), list(args), input=input)


def _signalos_host(monkeypatch) -> Callable[..., Host]:
    """Fixture: ``signalos_host(*plugins, config=None)`` builds a host as ``make_host`` does, with the
    ``SIGNALOS_*`` plugin and config variables of the calling shell cleared."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return make_host


def __getattr__(name: str) -> Any:
    # The fixture is built on first access (``from signalos.testing import signalos_host``), so that
    # importing this module needs no pytest; it is kept in the module so every import gets one object.
    if name == "signalos_host":
        import pytest

        fixture = pytest.fixture(name="signalos_host")(_signalos_host)
        globals()[name] = fixture
        return fixture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class AlertRecorder:
    """A plugin that keeps every alert the monitor raises (the ``alert_raised`` event)."""

    name = "alert-recorder"

    def __init__(self) -> None:
        self.alerts: list[Any] = []

    @hookimpl
    def alert_raised(self, alert, host):
        self.alerts.append(alert)
