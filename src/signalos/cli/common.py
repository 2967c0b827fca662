"""Shared CLI plumbing: the root options, building the host, reporting errors, writing HTML reports."""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import attrs
import typer

from signalos import __version__
from signalos.errors import SignalosError

if TYPE_CHECKING:
    from signalos.host import Host


@attrs.define
class CliState:
    """What one CLI app knows across its commands: the root ``--config`` and, when ``build_app``
    was given one, the factory tests use to run commands with their own plugins. It lives in the
    click context of the app, never in a module global, so two apps in one process (two tests)
    never see each other's plugins."""

    host_factory: Callable[[str | None], Host] | None = None
    config: str | None = None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"signalos {__version__}")
        raise typer.Exit()


def root_callback(
    ctx: typer.Context,
    config: Optional[str] = typer.Option(None, "--config", "-c", envvar="SIGNALOS_CONFIG",
                                         help="signalos.toml to use (default: ./signalos.toml when present)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Trading-signal messages in, validated structured orders out."""
    ctx.ensure_object(CliState).config = config


def _current_context():
    try:
        from typer._click.globals import get_current_context  # typer 0.2x ships its own click
    except ImportError:
        from click import get_current_context
    return get_current_context(silent=True)


def make_host() -> Host:
    """The host for a command, from ``--config`` / ``SIGNALOS_CONFIG`` / ``./signalos.toml``."""
    ctx = _current_context()
    state = (ctx.find_object(CliState) if ctx is not None else None) or CliState()
    if state.host_factory is not None:
        host = state.host_factory(state.config)
    else:
        from signalos.host import Host

        host = Host(state.config)
    host.error_listeners.append(ErrorReporter())
    return host


class ErrorReporter:
    """Prints each error the host records (a parser that raised, a failed alias reload) on
    stderr as it happens, once per distinct error: the messages still get answers, so without
    it a parser failing on every message would only show as a run of noise."""

    LIMIT = 50

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, recorded: Any) -> None:
        key = (recorded.stage, recorded.component, recorded.error)
        if key in self.seen or len(self.seen) > self.LIMIT:
            return
        self.seen.add(key)
        if len(self.seen) > self.LIMIT:
            warn(f"more than {self.LIMIT} different errors; the others are not shown")
            return
        plugin = f" (plugin {recorded.plugin})" if recorded.plugin else ""
        sys.stderr.write(f"error: {recorded.stage}: {recorded.component}{plugin} raised {recorded.error}\n")
        sys.stderr.flush()


def plugin_host_for_commands(host_factory: Callable[[str | None], Host] | None = None) -> Host | None:
    """A host used only to let plugins add commands; a broken plugin must not hide ``--help``."""
    if os.environ.get("SIGNALOS_NO_PLUGIN_COMMANDS") == "1":
        return None
    try:
        if host_factory is not None:
            return host_factory(os.environ.get("SIGNALOS_CONFIG"))
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


def write_html_report(path: Path, payload: dict[str, Any], render: Callable[[dict[str, Any]], str]) -> None:
    """Write ``render(payload)`` to ``path`` and note the file in ``payload["report"]``; a file
    that cannot be written is a one-line error naming it, not a traceback."""
    try:
        path.write_text(render(payload), encoding="utf-8")
    except OSError as exc:
        raise SignalosError(f"cannot write the report {path}: {exc.strerror or exc}") from None
    payload["report"] = str(path)


def progress_bar(console: Any = None, *, show: bool = True, bar: bool = True, transient: bool = True) -> Any:
    """A rich progress display on stderr, drawn only on a terminal and when ``show``: the task's
    description, then a bar with done/total and the time left, or (``bar=False``, for work of
    unknown size) a spinner and the time spent. Add tasks with ``progress_task``."""
    from rich.console import Console
    from rich.progress import (
        BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
    )

    console = console or Console(stderr=True)
    columns = [TextColumn("[progress.description]{task.description}")]
    columns += [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()] if bar else [SpinnerColumn(),
                                                                                     TimeElapsedColumn()]
    return Progress(*columns, console=console, transient=transient, disable=not (show and console.is_terminal))


def progress_task(progress: Any, description: str, total: int | None) -> Callable[[int], None]:
    """Add a task to ``progress``; returns ``advance(k)``."""
    task = progress.add_task(description, total=total)
    return lambda k: progress.advance(task, k)


# Written to a file or a pipe, output is not wrapped at rich's default of 80 columns: tables take
# the width they need (they never expand), so a log or a `| less` shows every column whole.
WIDE = 1000
# --help written to a file or a pipe: wide enough that no option name, type or help is cut.
HELP_WIDTH = 120


def console(*, stderr: bool = False) -> Any:
    """A rich console for the CLI's tables and text: the terminal's width on a terminal (or
    ``COLUMNS`` when set), else ``WIDE``."""
    from rich.console import Console

    out = Console(stderr=stderr)
    if not out.is_terminal and not os.environ.get("COLUMNS"):
        out = Console(stderr=stderr, width=WIDE)
    return out


def table(*columns: str, title: str | None = None, **options: Any) -> Any:
    """The CLI's table style: a rule under the head and no vertical rules (readable in 80
    columns), a bold title on the left."""
    from rich import box
    from rich.table import Table

    return Table(*columns, title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold", **options)
