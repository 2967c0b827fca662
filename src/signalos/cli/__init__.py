"""The ``signalos`` command line: one module per command group, assembled here.

Errors derived from SignalosError print one line and exit 1; set ``SIGNALOS_RAISE_ERRORS=1`` for
the traceback.
"""
from __future__ import annotations

import os
import sys

import typer

from signalos.errors import SignalosError


def build_app(host_factory=None) -> typer.Typer:
    """The root Typer app with the built-in commands, then every plugin's ``register_commands``.

    ``host_factory(config_path)`` replaces ``Host(config_path)`` for the commands and for
    ``register_commands``: tests pass ``lambda cfg: signalos.testing.make_host(plugin)``.
    """
    from signalos.cli import (ab_cmd, archive_cmd, channel_cmd, common, data_cmd, eval_cmd, models_cmd, monitor_cmd,
                              new_plugin_cmd, parse, plugins_cmd, serve_cmd, train_cmd)

    _help_width()
    # add_completion: `signalos --install-completion` / `--show-completion` for bash, zsh, fish, PowerShell
    app = typer.Typer(name="signalos", no_args_is_help=True, add_completion=True,
                      help="Trading-signal messages in, validated structured orders out.",
                      context_settings={"obj": common.CliState(host_factory=host_factory)})
    app.callback()(common.root_callback)
    for module in (parse, plugins_cmd, eval_cmd, data_cmd, models_cmd, train_cmd, ab_cmd, monitor_cmd, channel_cmd,
                   serve_cmd, archive_cmd, new_plugin_cmd):
        module.register(app)
    host = common.plugin_host_for_commands(host_factory)
    if host is not None:
        # One call per plugin, so a plugin that fails here is named and the others still add
        # their commands: a broken plugin must not take the whole CLI down with it.
        for impl in host.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(app=app, host=host)
            except Exception as exc:
                common.warn(f"plugin {impl.plugin_name!r} failed in register_commands: "
                            f"{type(exc).__name__}: {exc}")
    _no_flag_placeholders()
    return app


def _help_width() -> None:
    """--help written to a file or a pipe is not cut at rich's default of 80 columns; typer reads
    its width from ``TERMINAL_WIDTH`` once, at import, so it is set here when that is unset."""
    from typer import rich_utils

    from signalos.cli.common import HELP_WIDTH

    if not sys.stdout.isatty() and not os.environ.get("TERMINAL_WIDTH") and not os.environ.get("COLUMNS"):
        rich_utils.MAX_WIDTH = HELP_WIDTH


def _no_flag_placeholders() -> None:
    """An on/off flag (``--json``, ``--help``) takes no value, so its help shows no ``<bool>``.
    Typer draws one for every boolean option and offers no setting, so its help-only method is
    wrapped once per process; parsing is untouched."""
    from typer.core import TyperOption

    drawn = TyperOption.display_type_rich
    if getattr(drawn, "_signalos_flags", False):
        return

    def display_type_rich(self, ctx):
        if self.is_flag and self.metavar is None:
            return None
        return drawn(self, ctx)

    display_type_rich._signalos_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    try:
        app = build_app()
        app(args=argv, prog_name="signalos", standalone_mode=True)
    except SignalosError as exc:
        if os.environ.get("SIGNALOS_RAISE_ERRORS") == "1":
            raise
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
