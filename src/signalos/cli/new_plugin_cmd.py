"""``signalos new-plugin NAME``: write a new provider-parser plugin package with its tests."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from signalos.cli import common


def register(app: typer.Typer) -> None:
    """Add ``signalos new-plugin`` to ``app``."""
    app.command("new-plugin")(new_plugin_command)


def new_plugin_command(
    name: str = typer.Argument(..., metavar="NAME", help="The parser's component name, e.g. gold-room."),
    directory: Optional[Path] = typer.Option(None, "--dir", "-d", metavar="DIR",
                                             help="Where to write it (default: ./signalos-NAME)."),
    marker: Optional[str] = typer.Option(None, "--marker", metavar="WORD",
                                         help="The word the channel's messages start with (default: NAME in "
                                              "capitals)."),
    title: Optional[str] = typer.Option(None, "--title", help="The channel's name in the docs."),
    force: bool = typer.Option(False, "--force", help="Write into a directory that is not empty."),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write a new provider-parser plugin: pyproject.toml with the entry point, the parser, its
    tests (they pass as generated), a signalos.toml trying it before regex, and a README.

    \b
    signalos new-plugin gold-room
    cd signalos-gold-room && pytest -q && pip install -e '.[test]'
    """
    from signalos.scaffold import plugin_names, write_plugin

    names = plugin_names(name, marker, title)
    target = directory or Path(names.dist)
    files = write_plugin(names, target, force=force)
    summary = {"component": names.component, "package": names.package, "distribution": names.dist,
               "marker": names.marker, "directory": str(target), "files": [str(f) for f in files]}
    if as_json:
        common.print_json(summary)
        return
    typer.echo(f"wrote the {names.component} parser plugin in {target}:")
    for f in files:
        typer.echo(f"  {f}")
    typer.echo(f"next: cd {target} && pytest -q && pip install -e '.[test]'   (then: signalos plugins)")
