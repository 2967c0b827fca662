"""Training progress: plain lines when stderr is not a terminal, epochs as a table."""
from __future__ import annotations

import io

from signalos.progress import EpochTable, TrainingProgress


def test_plain_lines_and_an_epoch_table_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with TrainingProgress(20, "training x", stream=out) as progress:
        for step in range(1, 21):
            progress("step", step, {})
            if step % 10 == 0:
                progress("epoch", step // 10, {"epoch": step // 10, "loss": 1.0 / step, "ents_f": 0.5 + step / 100,
                                               "seconds": 1.5, "unshown": 3})
    lines = out.getvalue().splitlines()
    assert lines[0] == "training x: 0/20 steps"
    steps = [line for line in lines if "steps (" in line]
    assert [s.split(": ")[1].split(" steps")[0] for s in steps] == [f"{2 * k}/20" for k in range(1, 11)]
    head = lines.index(next(line for line in lines if line.split()[:1] == ["epoch"]))
    assert lines[head].split() == ["epoch", "loss", "ents", "F", "seconds"]
    assert set(lines[head + 1]) == {"-"}
    rows = [line.split() for line in lines[head + 2:] if line.split()[0].isdigit()]
    assert rows == [["1", "0.1000", "0.6000", "1.5000"], ["2", "0.0500", "0.7000", "1.5000"]]
    assert lines[-1].startswith("training x: done in 0:00:0")
    assert "\x1b[" not in out.getvalue()


def test_the_table_keeps_the_columns_of_its_first_row():
    table = EpochTable()
    first = table.lines(1, {"loss": 2.0, "exact": 0.25})
    later = table.lines(2, {"loss": 1.0, "exact": 0.5, "kind_acc": 0.9})
    assert len(first) == 3 and len(later) == 1
    assert later[0].split() == ["2", "1.0000", "0.5000"]
    assert len(first[0]) == len(first[2]) == len(later[0])  # columns line up


def test_quiet_prints_nothing():
    out = io.StringIO()
    with TrainingProgress(5, "x", stream=out, quiet=True) as progress:
        progress("epoch", 1, {"loss": 1.0})
    assert out.getvalue() == ""


def test_what_libraries_write_to_a_plain_stderr_loses_its_colour_codes(monkeypatch):
    import logging
    import sys

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with TrainingProgress(1, "x") as progress:
        handler = logging.StreamHandler()  # made as a library makes its own, on sys.stderr
        handler.stream.write("\x1b[1mBertModel LOAD REPORT\x1b[0m from: here\n")
        progress("epoch", 1, {"loss": 1.0})
    assert sys.stderr is err
    handler.stream.write("\x1b[31mlater\x1b[0m\n")
    text = err.getvalue()
    assert "BertModel LOAD REPORT from: here" in text and "later" in text and "\x1b" not in text
