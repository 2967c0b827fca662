"""Shared fixtures. The ``signalos_host`` fixture is the one ``signalos.testing`` ships."""
from __future__ import annotations

import pytest

import toy_plugin as toy_plugin_module
from signalos.testing import ENV_VARS, signalos_host  # noqa: F401 (a fixture)

PARSER_ERRORS = "parser_errors"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{PARSER_ERRORS}: the test makes parsers raise on purpose, so the "
                                       "errors hosts record during it do not fail it")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # The suite must not depend on SIGNALOS_* variables of the shell that runs it.
    for var in (*ENV_VARS, "SIGNALOS_RETRAIN"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _no_parser_errors(request, monkeypatch):
    """Fail a test during which any host recorded a parser error (a parser raised while parsing).

    The chain contains such an exception and answers anyway, so without this check a parser
    bug that raises on every message passes every test that only looks at the answers. A test
    that makes a parser raise on purpose says so with ``@pytest.mark.parser_errors``."""
    from signalos.host import Host

    recorded: list[str] = []
    real = Host.record_error

    def record_error(self, component, plugin, exc, tb="", *, stage="other"):
        if stage == "parse":
            recorded.append(f"parser {component!r} (plugin {plugin!r}): {type(exc).__name__}: {exc}\n{tb}")
        real(self, component, plugin, exc, tb, stage=stage)

    monkeypatch.setattr(Host, "record_error", record_error)
    yield
    if recorded and request.node.get_closest_marker(PARSER_ERRORS) is None:
        more = f"\n(and {len(recorded) - 1} more)" if len(recorded) > 1 else ""
        pytest.fail(f"a parser raised during this test (recorded in host.errors; mark the test "
                    f"@pytest.mark.{PARSER_ERRORS} if it is meant to):\n{recorded[0]}{more}", pytrace=False)


@pytest.fixture
def toy_plugin():
    """The plugin module registering the parser ``toy`` (see tests/toy_plugin.py)."""
    return toy_plugin_module
