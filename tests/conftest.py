"""Shared fixtures. The ``signalos_host`` fixture is the one ``signalos.testing`` ships."""
from __future__ import annotations

import pytest

import toy_plugin as toy_plugin_module
from signalos.testing import ENV_VARS, signalos_host  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # The suite must not depend on SIGNALOS_* variables of the shell that runs it.
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def toy_plugin():
    """The plugin module registering the parser ``toy`` (see tests/toy_plugin.py)."""
    return toy_plugin_module
