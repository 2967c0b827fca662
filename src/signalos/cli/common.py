"""Shared CLI plumbing: the root options, building the host, reporting errors."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional

import typer

from signalos import __version__

# Per-process CLI state: the root ``--config`` and, when ``build_app`` was given one, the factory
# that tests use to run commands with their own plugins instead of the installed ones.
STATE: dict = {"config": None, "host_factory": None}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"signalos {__version__}")
        raise typer.Exit()


def root_callback(
    config: Optional[str] = typer.Option(None, "--config", "-c", envvar="SIGNALOS_CONFIG",
                                         help="signalos.toml to use (default: ./signalos.toml when present)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Trading-signal messages in, validated structured orders out."""
    STATE["config"] = config


def make_host():
    """The host for a command, from ``--config`` / ``SIGNALOS_CONFIG`` / ``./signalos.toml``."""
    factory = STATE.get("host_factory")
    if factory is not None:
        return factory(STATE.get("config"))
    from signalos.host import Host

    return Host(STATE.get("config"))


def plugin_host_for_commands():
    """A host used only to let plugins add commands; a broken plugin must not hide ``--help``."""
    if os.environ.get("SIGNALOS_NO_PLUGIN_COMMANDS") == "1":
        return None
    try:
        factory = STATE.get("host_factory")
        if factory is not None:
            return factory(os.environ.get("SIGNALOS_CONFIG"))
        from signalos.host import Host

        return Host(os.environ.get("SIGNALOS_CONFIG"))
    except Exception:
        return None


def print_json(data: Any) -> None:
    """Pretty JSON on stdout, non-ASCII text kept as written (Persian, Cyrillic, emoji)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def warn(text: str) -> None:
    """One warning line on stderr, kept apart from the data on stdout."""
    sys.stderr.write(f"warning: {text}\n")
    sys.stderr.flush()
