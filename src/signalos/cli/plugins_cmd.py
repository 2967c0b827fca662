"""``signalos plugins``: which plugins are installed and what each registered."""
from __future__ import annotations

import typer

from signalos.cli import common


def register(app: typer.Typer) -> None:
    """Add ``signalos plugins`` to ``app``."""
    app.command("plugins")(plugins_command)


def plugins_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List the installed plugins, their hooks and the components they registered."""
    info = common.make_host().plugins_info()
    if as_json:
        common.print_json(info)
        return
    from rich.console import Console
    from rich.text import Text

    table = common.table("plugin", "version", "hooks", "components")
    for plugin in info:
        dist = plugin["dist"]
        version = f"{dist['name']} {dist['version']}" if dist else "-"
        components = "\n".join(f"{kind}: {', '.join(names)}" for kind, names in plugin["components"].items())
        table.add_row(Text(plugin["name"]), Text(version), "\n".join(plugin["hooks"]), Text(components or "-"))
    Console().print(table)
