"""Shared CLI plumbing: the root options, building the host, reporting errors."""
from __future__ import annotations

import os
from typing import Optional

import typer

from signalos import __version__

STATE: dict = {"config": None}


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
    from signalos.host import Host

    return Host(STATE.get("config"))


def plugin_host_for_commands():
    """A host used only to let plugins add commands; a broken plugin must not hide ``--help``."""
    if os.environ.get("SIGNALOS_NO_PLUGIN_COMMANDS") == "1":
        return None
    try:
        from signalos.host import Host

        return Host(os.environ.get("SIGNALOS_CONFIG"))
    except Exception:
        return None
