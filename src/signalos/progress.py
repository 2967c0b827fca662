"""Progress of long training runs: a bar on a terminal, plain lines elsewhere, epochs as a table.

Training loops report through one callback, ``progress(event, step, figures)``: ``"step"`` with
the optimiser steps (or epochs) done, ``"epoch"`` with that epoch's figures. ``TrainingProgress``
is that callback for the CLI. On a terminal it draws a rich bar on stderr and prints each epoch
as a row of a table above it; when stderr is a file or a pipe (``nohup``, CI, ``2>log``) it
prints plain lines instead, as ``spacy train`` does: a line at each tenth of the work and the
same epoch table, so a 20-minute run is never silent and its log reads without ANSI codes:
while it runs, what libraries write to a stderr that is no terminal (Hugging Face's load report
colours its heading whatever the stream) passes through ``PlainStderr``.
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence
from typing import IO, Any

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# The figures shown, in this order, when an epoch reports them: (key, heading, width).
EPOCH_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("loss", "loss", 9),
    ("eval_loss", "val loss", 9),
    ("ents_f", "ents F", 7),
    ("exact", "exact", 7),
    ("kind_acc", "kind acc", 8),
    ("valid_json", "valid JSON", 10),
    ("seconds", "seconds", 8),
)


def _cell(value: Any, width: int) -> str:
    if isinstance(value, bool) or value is None:
        text = "-" if value is None else str(value)
    elif isinstance(value, float):
        text = f"{value:.4f}" if abs(value) < 1000 else f"{value:.0f}"
    else:
        text = str(value)
    return text.rjust(width)


class EpochTable:
    """Epoch rows as a fixed-width text table: the head once (with the columns the first epoch
    reported), then one row per epoch."""

    def __init__(self, columns: Sequence[tuple[str, str, int]] = EPOCH_COLUMNS):
        self.all_columns = tuple(columns)
        self.columns: tuple[tuple[str, str, int], ...] | None = None

    def lines(self, epoch: Any, figures: dict[str, Any]) -> list[str]:
        """The lines to print for one epoch: the head and a rule before the first row."""
        out = []
        if self.columns is None:
            self.columns = tuple(c for c in self.all_columns if c[0] in figures)
            head = "epoch".rjust(5) + "".join("  " + title.rjust(w) for _, title, w in self.columns)
            out += [head, "-" * len(head)]
        out.append(str(epoch).rjust(5) + "".join("  " + _cell(figures.get(k), w) for k, _, w in self.columns))
        return out


class TrainingProgress:
    """The ``progress(event, step, figures)`` callback of a training run, shown on ``stream``
    (stderr). ``total`` is the number of steps the ``"step"`` events count to. ``terminal``
    forces the bar on or off (default: whether ``stream`` is a terminal). Use it as a context
    manager so the bar is closed."""

    def __init__(self, total: int, label: str, *, stream: IO[str] | None = None, terminal: bool | None = None,
                 quiet: bool = False):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = _is_terminal(self.stream) if terminal is None else terminal
        self.quiet = quiet
        self.table = EpochTable()
        self.started = time.monotonic()
        self._shown_tenth = 0
        self._progress = None
        self._task = None
        self._stderr: Any = None

    def __enter__(self) -> TrainingProgress:
        self.started = time.monotonic()
        if not self.terminal and self.stream is sys.stderr:
            self._stderr, sys.stderr = sys.stderr, PlainStderr(sys.stderr)
            self.stream = sys.stderr
        if self.quiet:
            return self
        if self.terminal:
            from rich.console import Console

            from signalos.cli.common import progress_bar  # the CLI's own bar: description, done/total, time left

            self._progress = progress_bar(Console(file=self.stream, force_terminal=True), transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=self.total)
        else:
            self._line(f"{self.label}: 0/{self.total} steps")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None
        elif not self.quiet and exc[0] is None:
            self._line(f"{self.label}: done in {_clock(time.monotonic() - self.started)}")
        if self._stderr is not None:
            sys.stderr, self._stderr = self._stderr, None

    def __call__(self, event: str, step: int, figures: dict[str, Any]) -> None:
        if self.quiet:
            return
        if event in ("epoch", "step"):
            self._advance(int(step))
        if event == "epoch":
            for line in self.table.lines(figures.get("epoch", step), figures):
                self._print(line)

    def _advance(self, step: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=step)
            return
        tenth = min(10, step * 10 // self.total)
        if tenth > self._shown_tenth:
            self._shown_tenth = tenth
            elapsed = time.monotonic() - self.started
            left = elapsed / step * (self.total - step) if step else 0.0
            self._line(f"{self.label}: {step}/{self.total} steps ({tenth * 10}%), {_clock(elapsed)} elapsed, "
                       f"about {_clock(left)} left")

    def _print(self, line: str) -> None:
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            self._line(line)

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


class PlainStderr:
    """A text stream that drops ANSI escape codes before writing to ``target``. A logging
    handler made while it stands in for ``sys.stderr`` keeps it, and keeps writing plain text."""

    def __init__(self, target: IO[str]):
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(_ANSI.sub("", text))
        return len(text)

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"
