"""The parse log's loss window (issue 13): bounded and configurable on kill -9, nothing acknowledged
lost in durable mode, and a row SQLite refuses spilled to the unwritten file instead of dropped."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from signalos.models import ParseResult
from signalos.parselog import MAX_QUEUE, SPILL_FILE, ParseLog

NOISE = ParseResult(kind="noise", parser="t")

WRITER = """
import sys
from signalos.models import ParseResult
from signalos.parselog import ParseLog
log = ParseLog.for_workspace(sys.argv[1], busy_timeout_ms=50)
for i in range(int(sys.argv[2])):
    log.log_parse(f"message {i}", ParseResult(kind="noise", parser="t"))
    print(i + 1, flush=True)  # this call returned: the caller believes the parse is logged
print("done", flush=True)
"""


def _count(ws) -> int:
    conn = sqlite3.connect(ws / "signalos.db")
    try:
        return conn.execute("SELECT count(*) FROM parse_log").fetchone()[0]
    finally:
        conn.close()


def _killed_writer(ws, n: int, env: dict[str, str]) -> tuple[int, int]:
    """Log ``n`` parses in a process while the database is locked, kill -9 it once it stops
    advancing (or has finished); returns (calls that returned, rows in the database)."""
    ParseLog.for_workspace(ws).close()  # the schema exists before the lock is taken
    holder = sqlite3.connect(ws / "signalos.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long transaction elsewhere: the writer cannot commit
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALOS_PARSE_LOG")} | env
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(ws), str(n)], stdout=subprocess.PIPE, text=True,
                            env=env)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        last, still = -1, 0.0
        while still < 1.5 and (not seen or seen[-1] != "done\n"):
            time.sleep(0.1)
            still = still + 0.1 if len(seen) == last else 0.0
            last = len(seen)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    reader.join(timeout=10)
    returned = max((int(line) for line in seen if line.strip().isdigit()), default=0)
    return returned, _count(ws)


def test_kill_9_loses_at_most_max_queue_plus_one_batch(tmp_path):
    returned, written = _killed_writer(tmp_path, 12_000, {})
    assert returned - written <= MAX_QUEUE + 1000
    assert returned < 12_000  # the caller was held back instead of queueing everything


def test_the_loss_window_is_configurable(tmp_path):
    returned, written = _killed_writer(tmp_path, 5_000, {"SIGNALOS_PARSE_LOG_MAX_QUEUE": "50"})
    assert returned - written <= 50 + 50  # the writer holds at most what the queue held


def test_durable_mode_commits_each_row_before_the_call_returns(tmp_path):
    log = ParseLog.for_workspace(tmp_path, durable=True)
    for i in range(5):
        log.log_parse(f"message {i}", NOISE)
        assert _count(tmp_path) == i + 1
    log.close()


def test_durable_mode_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_PARSE_LOG_DURABLE", "1")
    log = ParseLog.for_workspace(tmp_path)
    log.log_parse("one", NOISE)
    assert log.durable and _count(tmp_path) == 1
    log.close()


def test_a_text_with_a_lone_surrogate_is_spilled_and_its_batch_written(tmp_path):
    log = ParseLog.for_workspace(tmp_path)
    for i in range(10):
        log.log_parse("GOLD buy \ud800 now" if i == 4 else f"message {i}", NOISE)
    log.close()
    assert _count(tmp_path) == 9
    assert log.stats["spilled"] == 1 and log.errors
    (line,) = (tmp_path / SPILL_FILE).read_text(encoding="ascii").splitlines()
    spilled = json.loads(line)
    assert spilled["table"] == "parse_log" and spilled["row"]["text"] == "GOLD buy \ud800 now"


def test_a_row_that_cannot_be_built_is_spilled_not_dropped(tmp_path):
    class Broken:  # not a ParseResult: parse_row cannot read it
        pass

    log = ParseLog.for_workspace(tmp_path)
    log.log_parse("fine", NOISE)
    log.log_parse("broken outcome", Broken())
    log.close()
    assert _count(tmp_path) == 1
    spilled = [json.loads(line) for line in (tmp_path / SPILL_FILE).read_text().splitlines()]
    assert [s["row"]["text"] for s in spilled] == ["broken outcome"]


@pytest.mark.parametrize("bad", [{"text": "x", "created_at": 2 ** 70}, {"text": "x", "created_at": ["a list"]}])
def test_one_unbindable_row_among_many_is_the_only_one_spilled(tmp_path, bad):
    log = ParseLog.for_workspace(tmp_path)
    for i in range(50):
        log.log_row("parse_log", bad if i == 30 else {"text": f"row {i}", "created_at": "now"})
    log.close()
    assert _count(tmp_path) == 49 and log.stats["spilled"] == 1
