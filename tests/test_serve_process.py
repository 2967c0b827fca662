"""``signalos serve`` as its own process, as the README starts it: the example configuration, the
examples' clients (curl, Node's fetch), SIGTERM writing every parse, start-up errors as one line."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from serve_support import needs_serve, rows

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "examples" / "serve" / "signalos.toml"


def signalos(*args: str) -> list[str]:
    return [sys.executable, "-m", "signalos", *args]


class Server:
    """``signalos --config CONFIG serve --port 0 --json`` in a subprocess, its URL read from the
    first line it prints."""

    def __init__(self, workspace: Path, *args: str, config: Path = EXAMPLE_CONFIG, env: dict | None = None):
        self.env = {**os.environ, "SIGNALOS_WORKSPACE": str(workspace), **(env or {})}
        self.proc = subprocess.Popen(signalos("--config", str(config), "serve", "--port", "0", "--json", *args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the server did not start: {self.proc.stderr.read()}")
        self.started = json.loads(line)
        self.url = self.started["url"]

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, list[dict], str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=120)
        return self.proc.returncode, [json.loads(x) for x in out.splitlines() if x.strip()], err


@needs_serve
def test_sigterm_stops_after_writing_every_parse_and_exits_0(tmp_path):
    import httpx

    server = Server(tmp_path)
    try:
        assert server.started["event"] == "started" and server.started["token"] is False
        with httpx.Client(base_url=server.url) as c:
            uids = [c.post("/v1/parse", json={"text": f"GOLD BUY {2300 + i} SL 2290 TP 2320"}).json()["parse_uid"]
                    for i in range(30)]
            batch = c.post("/v1/parse/batch", json={"messages": [{"text": "EURUSD sell 1.09 sl 1.1 tp 1.08"}] * 20})
            uids += [a["parse_uid"] for a in batch.json()["results"]]
    finally:
        status, lines, err = server.stop()
    assert status == 0, err
    assert lines[-1]["event"] == "stopped" and lines[-1]["parse_log"]["flushed"] is True
    assert sorted(r["parse_uid"] for r in rows(tmp_path, "SELECT parse_uid FROM parse_log")) == sorted(uids)
    assert rows(tmp_path, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"


@needs_serve
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_shell_example_client_parses_through_the_server(tmp_path):
    server = Server(tmp_path, "--token", "tok-123")
    try:
        script = str(ROOT / "examples" / "serve" / "client.sh")
        denied = subprocess.run(["bash", script, server.url], capture_output=True, text=True, timeout=60)
        assert denied.returncode != 0 and "401" in denied.stderr + denied.stdout
        done = subprocess.run(["bash", script, server.url], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "SIGNALOS_SERVE_TOKEN": "tok-123"})
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert '"symbol":"XAUUSD"' in done.stdout.replace(" ", "") and '"kind":"update"' in done.stdout.replace(" ", "")


@needs_serve
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_node_example_client_parses_with_builtin_fetch(tmp_path):
    server = Server(tmp_path)
    try:
        done = subprocess.run(["node", str(ROOT / "examples" / "serve" / "client.mjs"), server.url],
                              capture_output=True, text=True, timeout=60)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    answers = [json.loads(x) for x in done.stdout.splitlines()]
    assert [a["id"] for a in answers] == [1, "a", "b", "c"]
    assert answers[0]["symbol"] == "BTCUSDT" and answers[0]["stop_loss"] == 62900 and answers[0]["accepted"]
    assert [a["kind"] for a in answers[1:]] == ["signal", "update", "noise"]
    assert answers[2]["actions"] == ["close_partial"]


def test_the_systemd_unit_runs_the_command_the_docs_describe():
    unit = (ROOT / "examples" / "serve" / "signalos-serve.service").read_text(encoding="utf-8")
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start.split()[-1] == "serve" and exec_start.split("=", 1)[1].split()[0].endswith("/signalos")
    assert "KillSignal=SIGTERM" in unit and "[Install]" in unit
    assert "signalos-serve.service" in (ROOT / "docs" / "serving.md").read_text(encoding="utf-8")


@needs_serve
def test_a_pipeline_that_cannot_start_is_one_line_and_exit_1_before_listening(tmp_path):
    config = tmp_path / "signalos.toml"
    config.write_text('[pipelines.default]\nparsers = ["no-such-parser"]\n', encoding="utf-8")
    done = subprocess.run(signalos("--config", str(config), "serve", "--port", "0"), capture_output=True, text=True,
                          timeout=120, env={**os.environ, "SIGNALOS_WORKSPACE": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and "no-such-parser" in done.stderr
    assert "Traceback" not in done.stderr and "listening" not in done.stdout


@needs_serve
def test_a_wrong_serve_setting_names_the_key(tmp_path):
    config = tmp_path / "signalos.toml"
    config.write_text('[serve]\nport = "eighty"\n', encoding="utf-8")
    done = subprocess.run(signalos("--config", str(config), "serve"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "[serve] port: expected a port number" in done.stderr


def test_without_the_serve_extra_the_command_names_it(monkeypatch):
    import importlib.util

    from signalos.testing import run_cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    result = run_cli(["serve"])
    assert result.exit_code == 1
    assert "fastapi is not installed: pip install 'signalos[serve]'" in str(result.exception)


@needs_serve
def test_several_workers_share_the_port_sum_their_metrics_and_write_every_parse(tmp_path):
    import httpx

    from serve_support import total

    server = Server(tmp_path, "--workers", "2")
    try:
        assert server.started["workers"] == 2
        uids: list[str] = []
        # a fresh connection per request, until both workers have parsed (a parse_uid starts
        # with its process's prefix); the kernel hands each connection to one of them
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=server.url, timeout=60, limits=fresh) as c:
            while len(uids) < 200 and (len(uids) < 30 or len({u[:16] for u in uids}) < 2):
                uids.append(c.post("/v1/parse", json={"text": "GOLD BUY 2300 SL 2290 TP 2320"}).json()["parse_uid"])
            scrapes = [c.get("/metrics").text for _ in range(10)]
    finally:
        status, lines, err = server.stop()
    assert status == 0, err
    assert len({u[:16] for u in uids}) == 2, "one worker answered every connection"
    # whichever worker answers the scrape, the counters are those of both
    assert {total(t, "signalos_parses_total") for t in scrapes} == {len(uids)}
    assert [x["event"] for x in lines].count("worker_stopped") == 2 and lines[-1]["event"] == "stopped"
    assert sorted(r["parse_uid"] for r in rows(tmp_path, "SELECT parse_uid FROM parse_log")) == sorted(uids)


@needs_serve
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers through Linux's /proc")
def test_workers_whose_supervisor_is_killed_stop_by_themselves_writing_their_parses(tmp_path):
    import time

    import httpx

    server = Server(tmp_path, "--workers", "2")
    workers = [p.parent.name for p in Path("/proc").glob("[0-9]*/stat")
               if p.read_text().rsplit(")", 1)[-1].split()[1] == str(server.proc.pid)]
    workers = [pid for pid in workers if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(workers) == 2
    with httpx.Client(base_url=server.url, timeout=60) as c:
        uids = [c.post("/v1/parse", json={"text": "GOLD BUY 2300 SL 2290 TP 2320"}).json()["parse_uid"]
                for _ in range(20)]
    server.proc.kill()  # the supervisor alone, as kill -9 of its pid does
    server.proc.communicate(timeout=60)

    def running(pid: str) -> bool:  # a zombie has exited: only an init that does not reap keeps it
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + 120
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if running(pid)]
    for pid in left:  # a failing run must not leave them serving
        os.kill(int(pid), signal.SIGKILL)
    assert not left, "orphaned workers are still running"
    assert sorted(r["parse_uid"] for r in rows(tmp_path, "SELECT parse_uid FROM parse_log")) == sorted(uids)


@pytest.mark.skipif(not hasattr(__import__("socket"), "SO_REUSEPORT"), reason="SO_REUSEPORT: Linux and the BSDs")
def test_workers_listen_on_sockets_of_their_own_and_the_parent_only_holds_the_port():
    # run_workers: the kernel spreads connections over the workers' sockets (SO_REUSEPORT); the
    # parent's socket is bound, never listening, so no connection waits on it unanswered
    import socket

    from signalos.serve.runner import _listen

    held = _listen("127.0.0.1", 0, reuse_port=True)
    port = held.getsockname()[1]
    probe = socket.socket()
    try:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens yet
        workers = [_listen("127.0.0.1", port, reuse_port=True, listen=True) for _ in range(2)]
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(32)]
        for w in workers:
            w.setblocking(False)
        accepted = []
        for w in workers:
            n = 0
            while True:
                try:
                    conn, _ = w.accept()
                except BlockingIOError:
                    break
                conn.close()
                n += 1
            accepted.append(n)
        assert sum(accepted) == 32 and min(accepted) > 0, accepted  # both workers were handed connections
        for c in clients + workers:
            c.close()
    finally:
        probe.close()
        held.close()
