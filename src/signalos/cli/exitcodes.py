"""Exit statuses the CLI shares beyond 0 (done) and 1 (a one-line error): scripts test them.

``3`` means the command did its work but some input was not taken in full: a line of a file was
skipped (not JSON, no text, not valid Unicode) or a label on it was dropped. Each such line was
named on stderr (and in ``--json`` output); every other line was processed. ``2`` stays Click's
usage error.
"""
from __future__ import annotations

import typer

LINES_SKIPPED = 3


def exit_if_skipped(problems: int) -> None:
    """End the command with status 3 when ``problems`` lines were skipped (or kept in part)."""
    if problems:
        raise typer.Exit(LINES_SKIPPED)
