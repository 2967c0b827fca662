"""Load on ``signalos serve`` over loopback: requests/s, latency, CPU per request, a mixed run with a
deploy and an A/B experiment, and kill -9 under load.

    python benchmarks/serve_load.py [--requests 20000] [--connections 64] [--rate 2000]
        [--batch-messages 50000] [--batch-size 500] [--mixed-s 30] [--mixed-rate 300]
        [--kill-after-s 5] [--workers N] [--threads N] [--skip single,batch,mixed,kill] [--json]

Each part starts ``python -m signalos serve --port 0`` (this interpreter, so the installed build:
compiled or pure Python, as the report says) in its own process and workspace, with the parse
log on, and speaks HTTP/1.1 keep-alive to it from this process. The client is a small asyncio
one written for this (pre-encoded requests, responses read by Content-Length), so that on a
2-core machine it takes little of the CPU the server needs; its CPU time is reported too.

- **single**: one message per request. Closed loop: ``--connections`` connections each send
  their next request when the answer to the last one is back (as fast as the server goes);
  latency is each request's round trip. Open loop: requests are sent at ``--rate`` per second
  over the same connections and latency is counted from when each request was due (so a server
  that falls behind shows it, instead of slowing the client down with it). CPU per request is
  the server process's user + system time over the requests answered. Afterwards the server is
  stopped with SIGTERM and every ``parse_uid`` answered must be in ``parse_log``.
- **batch**: ``POST /v1/parse/batch`` with ``--batch-size`` messages a request, ``--batch-connections`` (4);
  messages/s and CPU per message.
- **mixed** (``--mixed-s`` seconds, default 30; the issue's figure is 600): user-keyed single
  requests routed by a running A/B experiment (control: the regex chain; treatment: a spaCy
  model at ``@production`` first, then regex), keyless requests, batches, /metrics scrapes and
  malformed requests (which must get 400), at ``--mixed-rate`` requests/s. Halfway the
  ``production`` alias moves to a second trained version, as a deploy from another process
  does. Reported: requests that failed (a transport error or a status other than the expected
  one), parse-log rows lost (answered parse_uids missing after the graceful stop), and the time
  from the move until /metrics says the new version serves, against the alias check interval.
  Needs spaCy (``signalos[spacy]``) for the models; without it the run has no deploy.
- **kill**: closed-loop load, then ``kill -9`` of the server after ``--kill-after-s`` seconds.
  Reported: ``PRAGMA integrity_check`` and the answered rows missing from ``parse_log``, against
  the parse log's documented window (``max_queue + batch_size`` rows).

Targets (issue 14): single >= 2,000 requests/s and p99 <= 20 ms at 64 connections; batch >=
15,000 messages/s; mixed: 0 failed requests, 0 rows lost, the new version served within the
alias check interval; kill: integrity ok, lost rows within the window.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._util import REPO_ROOT, busy_note, emit, machine, percentile, verdict
from benchmarks.messages import traffic

RPS_TARGET = 2_000
P99_TARGET_MS = 20.0
BATCH_TARGET = 15_000
WARMUP = 1_000
UID = re.compile(rb'"parse_uid": "([0-9a-f]+)"')
PARTS = ("single", "batch", "mixed", "kill")


# the client ------------------------------------------------------------------------------------

def http_request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def parse_request(text: str, **keys: Any) -> bytes:
    return http_request("POST", "/v1/parse", json.dumps({"text": text, **keys}).encode())


def batch_request(texts: list[str], users: list[str] | None = None) -> bytes:
    messages = [{"text": t, **({"user_id": u} if users else {})} for t, u in zip(texts, users or texts)]
    return http_request("POST", "/v1/parse/batch", json.dumps({"messages": messages}).encode())


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        return status, (await self.reader.readexactly(length) if length else b"")

    def close(self) -> None:
        self.writer.close()


class Tally:
    """What the client saw: latencies, statuses, answered parse_uids, failures."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.uids: list[bytes] = []
        self.failed = 0  # transport errors and unexpected statuses
        self.errors: dict[str, int] = {}

    def answer(self, status: int, body: bytes, seconds: float, expected: int = 200) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 200:
            self.uids.extend(UID.findall(body))
        if status != expected:
            self.fail(f"HTTP {status} (expected {expected}): {body[:120]!r}")

    def fail(self, why: str) -> None:
        self.failed += 1
        self.errors[why] = self.errors.get(why, 0) + 1


async def closed_loop(port: int, requests: Iterable[bytes], connections: int, tally: Tally) -> float:
    """Send ``requests`` over ``connections`` connections, each sending its next request when the
    last answer is back; returns the wall time."""
    it = iter(requests)

    async def worker() -> None:
        conn = await Connection.open(port)
        try:
            for raw in it:
                t0 = time.perf_counter()
                try:
                    status, body = await conn.send(raw)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    tally.fail(f"{type(exc).__name__}")
                    return
                tally.answer(status, body, time.perf_counter() - t0)
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - start


async def open_loop(port: int, requests: list[tuple[bytes, int]], connections: int, rate: float, tally: Tally,
                    on_tick=None) -> float:
    """Send request k at ``start + k / rate`` on connection ``k % connections``; a request whose
    connection is still busy waits, and its latency counts from when it was due. ``requests`` are
    (raw, expected status); ``on_tick(elapsed)`` is awaited every 0.1 s."""
    start = time.perf_counter() + 0.05
    done = asyncio.Event()

    async def worker(i: int) -> None:
        conn = await Connection.open(port)
        try:
            for k in range(i, len(requests), connections):
                due = start + k / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                raw, expected = requests[k]
                try:
                    status, body = await conn.send(raw)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    tally.fail(f"{type(exc).__name__}")
                    conn.close()
                    conn = await Connection.open(port)
                    continue
                tally.answer(status, body, time.perf_counter() - due, expected)
        finally:
            conn.close()

    async def ticker() -> None:
        while not done.is_set():
            await asyncio.sleep(0.1)
            if on_tick is not None:
                await on_tick(time.perf_counter() - start)

    tick = asyncio.create_task(ticker())
    await asyncio.gather(*(worker(i) for i in range(connections)))
    done.set()
    await tick
    return time.perf_counter() - start


def run_async(coro):
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


# the server ------------------------------------------------------------------------------------

class Server:
    """``python -m signalos serve --port 0 --json`` in a subprocess with its own workspace."""

    def __init__(self, workspace: Path, config: Path, args: list[str], env: dict[str, str] | None = None):
        self.workspace = workspace
        self.env = {**os.environ, "SIGNALOS_WORKSPACE": str(workspace), **(env or {})}
        # its own process group: kill() ends the server and its workers together, as a crash of
        # the machine's service would
        self.proc = subprocess.Popen([sys.executable, "-m", "signalos", "--config", str(config), "serve", "--port",
                                      "0", "--json", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=self.env, cwd=REPO_ROOT, start_new_session=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"signalos serve did not start: {self.proc.stderr.read()[-2000:]}")
        self.info = json.loads(line)
        self.port = int(self.info["url"].rsplit(":", 1)[1])
        atexit.register(self._end)  # a benchmark that fails or is interrupted leaves no server behind

    def _end(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the server process and its workers so far (Linux /proc)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that ended meanwhile
                continue
            if stat.parent.name == str(self.proc.pid) or fields[1] == str(self.proc.pid):
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> dict[str, Any]:
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=300)
        lines = [json.loads(x) for x in out.splitlines() if x.strip().startswith("{")]
        return {"exit_status": self.proc.returncode, **(lines[-1] if lines else {}), "stderr": err[-1000:]}

    def kill(self) -> None:
        """kill -9 of the server and every worker process, at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)


def logged_uids(workspace: Path) -> set[bytes]:
    conn = sqlite3.connect(workspace / "signalos.db")
    try:
        return {r[0].encode() for r in conn.execute("SELECT parse_uid FROM parse_log WHERE parse_uid IS NOT NULL")}
    finally:
        conn.close()


def integrity(workspace: Path) -> str:
    conn = sqlite3.connect(workspace / "signalos.db")
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def write_config(path: Path, extra: str = "") -> Path:
    path.write_text('[pipelines.default]\nparsers = ["regex"]\n\n[routers.ab]\nrefresh_s = 1\n' + extra,
                    encoding="utf-8")
    return path


def latency_summary(latencies: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in latencies]
    return {"p50_ms": round(percentile(ms, 50), 2), "p90_ms": round(percentile(ms, 90), 2),
            "p99_ms": round(percentile(ms, 99), 2), "max_ms": round(max(ms, default=0.0), 2)}


# the parts -------------------------------------------------------------------------------------

def bench_single_and_batch(work: Path, args, texts: list[str], parts: set[str]) -> dict[str, Any]:
    ws = work / "single"
    server = Server(ws, write_config(work / "single.toml"), args.server_args)
    out: dict[str, Any] = {}
    uids: list[bytes] = []
    try:
        warm = Tally()
        run_async(closed_loop(server.port, [parse_request(t) for t in texts[:WARMUP]], 8, warm))
        uids += warm.uids
        if "single" in parts:
            requests = [parse_request(t) for t in texts[:args.requests]]
            tally, cpu0, c0 = Tally(), server.cpu_seconds(), time.process_time()
            wall = run_async(closed_loop(server.port, requests, args.connections, tally))
            cpu, client_cpu = server.cpu_seconds() - cpu0, time.process_time() - c0
            n = len(tally.latencies)
            closed = {"requests": n, "connections": args.connections, "wall_s": round(wall, 2),
                      "requests_per_s": round(n / wall, 1), **latency_summary(tally.latencies),
                      "server_cpu_s": round(cpu, 2), "server_cpu_ms_per_request": round(cpu / max(n, 1) * 1000, 3),
                      "client_cpu_s": round(client_cpu, 2), "failed": tally.failed, "errors": tally.errors}
            uids += tally.uids
            tally, cpu0 = Tally(), server.cpu_seconds()
            timed = [(raw, 200) for raw in requests]
            wall = run_async(open_loop(server.port, timed, args.connections, args.rate, tally))
            cpu = server.cpu_seconds() - cpu0
            n = len(tally.latencies)
            opened = {"requests": n, "offered_per_s": args.rate, "achieved_per_s": round(n / wall, 1),
                      **latency_summary(tally.latencies), "server_cpu_ms_per_request": round(cpu / max(n, 1) * 1000, 3),
                      "failed": tally.failed, "errors": tally.errors}
            uids += tally.uids
            out["single"] = {"closed_loop": closed, "open_loop": opened}
        if "batch" in parts:
            size = args.batch_size
            requests = [batch_request([texts[(i + j) % len(texts)] for j in range(size)])
                        for i in range(0, args.batch_messages, size)]
            tally, cpu0 = Tally(), server.cpu_seconds()
            wall = run_async(closed_loop(server.port, requests, args.batch_connections, tally))
            cpu = server.cpu_seconds() - cpu0
            messages = len(tally.uids)
            out["batch"] = {"messages": messages, "batch_size": size, "connections": args.batch_connections,
                            "wall_s": round(wall, 2),
                            "messages_per_s": round(messages / wall, 1), **latency_summary(tally.latencies),
                            "server_cpu_us_per_message": round(cpu / max(messages, 1) * 1e6, 1),
                            "failed": tally.failed}
            uids += tally.uids
    finally:
        stopped = server.stop()
    logged = logged_uids(ws)
    out["shutdown"] = {"exit_status": stopped.get("exit_status"), "answered": len(uids),
                       "rows_lost": sum(1 for u in uids if u not in logged)}
    return out


def train_versions(ws: Path) -> str | None:
    """Two spaCy NER versions (0.1.0 at production, 0.2.0) trained on the example data; why not, or None."""
    try:
        import spacy  # noqa: F401
    except ImportError:
        return "spaCy is not installed (pip install 'signalos[spacy]'): the mixed run has no deploy"
    env = {**os.environ, "SIGNALOS_WORKSPACE": str(ws)}
    data = REPO_ROOT / "examples" / "data" / "messages.jsonl"
    for version, alias in (("0.1.0", ["--alias", "production"]), ("0.2.0", [])):
        done = subprocess.run([sys.executable, "-m", "signalos", "train", "spacy", "--data", str(data), "--epochs", "2",
                               "--version", version, *alias, "--json"], env=env, capture_output=True, text=True,
                              cwd=REPO_ROOT)
        if done.returncode != 0:
            return f"training spacy-ner {version} failed: {done.stderr.strip()[-300:]}"
    return None


def bench_mixed(work: Path, args, texts: list[str]) -> dict[str, Any]:
    ws = work / "mixed"
    ws.mkdir(parents=True)
    note = train_versions(ws)
    env = {"SIGNALOS_WORKSPACE": str(ws)}
    treatment = "regex" if note else "spacy-ner@production,regex"
    config = write_config(work / "mixed.toml")
    start = subprocess.run([sys.executable, "-m", "signalos", "--config", str(config), "ab", "start", "mixed",
                            "-v", "control=default", "-v", f"treatment={treatment}"],
                           env={**os.environ, **env}, capture_output=True, text=True, cwd=REPO_ROOT)
    if start.returncode != 0:
        raise RuntimeError(f"ab start failed: {start.stderr.strip()}")
    check_s = float(os.environ.get("SIGNALOS_ALIAS_CHECK_S", 2.0))
    rng = random.Random(14)
    requests: list[tuple[bytes, int]] = []
    kinds = {"routed": 0, "keyless": 0, "batch": 0, "metrics": 0, "bad": 0}
    total = int(args.mixed_s * args.mixed_rate)
    for i in range(total):
        roll = rng.random()
        text = texts[i % len(texts)]
        if roll < 0.70:
            requests.append((parse_request(text, user_id=f"user-{rng.randrange(500)}"), 200)); kinds["routed"] += 1
        elif roll < 0.80:
            requests.append((parse_request(text), 200)); kinds["keyless"] += 1
        elif roll < 0.90:
            batch = [texts[(i + j) % len(texts)] for j in range(10)]
            requests.append((batch_request(batch, [f"user-{rng.randrange(500)}" for _ in batch]), 200))
            kinds["batch"] += 1
        elif roll < 0.95:
            requests.append((http_request("GET", "/metrics"), 200)); kinds["metrics"] += 1
        else:
            requests.append((http_request("POST", "/v1/parse", b'{"text": '), 400)); kinds["bad"] += 1
    server = Server(ws, config, args.server_args)
    moved: dict[str, Any] = {"at_s": None, "served_after_s": None}
    state = {"polling": False}

    async def on_tick(elapsed: float) -> None:
        if note or state["polling"]:
            return
        if moved["at_s"] is None and elapsed >= args.mixed_s / 2:
            from signalos.modelstore import ModelStore

            store = ModelStore(ws)  # the deploy, as another process makes it
            store.set_alias("spacy-ner", "production", "0.2.0", reason="serve_load benchmark")
            store.close()
            moved["at_s"], moved["t"] = elapsed, time.perf_counter()
        if moved["at_s"] is not None and moved["served_after_s"] is None:
            state["polling"] = True
            try:
                conn = await Connection.open(server.port)
                status, body = await conn.send(http_request("GET", "/metrics"))
                conn.close()
                served = [line for line in body.splitlines()
                          if line.startswith(b"signalos_model_version_info{") and b'model="spacy-ner"' in line]
                if served and all(b'version="0.2.0"' in line for line in served):
                    moved["served_after_s"] = round(time.perf_counter() - moved.pop("t"), 2)
            finally:
                state["polling"] = False

    tally, cpu0 = Tally(), server.cpu_seconds()
    try:
        wall = run_async(open_loop(server.port, requests, args.connections, args.mixed_rate, tally, on_tick))
        cpu = server.cpu_seconds() - cpu0
    finally:
        stopped = server.stop()
    logged = logged_uids(ws)
    lost = sum(1 for u in tally.uids if u not in logged)
    conn = sqlite3.connect(ws / "signalos.db")
    variants = dict(conn.execute("SELECT variant, count(*) FROM parse_log WHERE experiment = 'mixed' GROUP BY variant"))
    served = dict(conn.execute("SELECT parser, count(*) FROM parse_log WHERE parser LIKE 'spacy-ner@%' GROUP BY parser"))
    conn.close()
    return {"duration_s": round(wall, 1), "requests": len(tally.latencies), "by_kind": kinds,
            "offered_per_s": args.mixed_rate, "achieved_per_s": round(len(tally.latencies) / wall, 1),
            **latency_summary(tally.latencies), "server_cpu_s": round(cpu, 1), "failed": tally.failed,
            "errors": tally.errors, "statuses": tally.statuses, "rows_answered": len(tally.uids), "rows_lost": lost,
            "variants": variants, "answers_by_model_version": served, "alias_check_s": check_s,
            "alias_moved_at_s": moved["at_s"], "new_version_served_after_s": moved["served_after_s"],
            "note": note, "exit_status": stopped.get("exit_status"), "integrity": integrity(ws)}


def bench_kill(work: Path, args, texts: list[str]) -> dict[str, Any]:
    ws = work / "kill"
    server = Server(ws, write_config(work / "kill.toml"), args.server_args)
    tally = Tally()
    killed = False

    def requests():  # until the kill
        for raw in itertools.cycle([parse_request(t) for t in texts[:5_000]]):
            if killed:
                return
            yield raw

    async def load_then_kill() -> None:
        nonlocal killed
        task = asyncio.ensure_future(closed_loop(server.port, requests(), args.connections, tally))
        await asyncio.sleep(args.kill_after_s)
        server.kill()  # in the middle of requests and of parse-log batches
        killed = True
        await task

    run_async(load_then_kill())
    server.proc.communicate(timeout=60)
    max_queue = int(os.environ.get("SIGNALOS_PARSE_LOG_MAX_QUEUE", 2000))
    window = max_queue + 1000
    logged = logged_uids(ws)
    lost = sum(1 for u in tally.uids if u not in logged)
    return {"answered_before_kill": len(tally.uids), "in_flight_failed": tally.failed, "rows_logged": len(logged),
            "rows_lost": lost, "window": window, "within_window": lost <= window, "integrity": integrity(ws),
            "exit_signal": -server.proc.returncode if server.proc.returncode else 0}


# report ----------------------------------------------------------------------------------------

def run(args) -> dict[str, Any]:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise SystemExit("serve_load: the serve extra is not installed: pip install 'signalos[serve]'") from None
    parts = set(PARTS) - set(filter(None, (args.skip or "").split(",")))
    args.server_args = ["--threads", str(args.threads)] if args.threads is not None else []
    args.server_args += ["--workers", str(args.workers)]
    texts = traffic(max(args.requests, 5_000) + WARMUP, REPO_ROOT)
    report: dict[str, Any] = {"machine": machine(), "threads": args.threads, "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="signalos-serve-load-") as tmp:
        work = Path(tmp)
        if parts & {"single", "batch"}:
            report.update(bench_single_and_batch(work, args, texts, parts))
        if "mixed" in parts:
            report["mixed"] = bench_mixed(work, args, texts)
        if "kill" in parts:
            report["kill"] = bench_kill(work, args, texts)
    report["machine"]["load_1min_after"] = round(os.getloadavg()[0], 2)
    return report


def human(r: dict[str, Any]) -> None:
    m = r["machine"]
    print(f"signalos serve under load (python {m['python']}, {m['cpus']} CPUs, "
          f"{'compiled' if m['compiled'] else 'pure Python'}, load {m['load_1min']} before, "
          f"{m['load_1min_after']} after; {r['workers']} worker process(es), threads {r['threads'] or 'default'})")
    if "single" in r:
        c, o = r["single"]["closed_loop"], r["single"]["open_loop"]
        print(f"  one message per request, {c['connections']} connections, closed loop: {c['requests_per_s']:,.0f} "
              f"requests/s ({verdict(c['requests_per_s'], RPS_TARGET)} {RPS_TARGET:,}), p50 {c['p50_ms']} ms, "
              f"p99 {c['p99_ms']} ms ({verdict(c['p99_ms'], P99_TARGET_MS, False)} {P99_TARGET_MS:g})")
        print(f"    server CPU {c['server_cpu_ms_per_request']} ms per request ({c['server_cpu_s']} s for "
              f"{c['requests']:,}); client CPU {c['client_cpu_s']} s; failed {c['failed']}")
        print(f"  open loop at {o['offered_per_s']:,} requests/s offered: {o['achieved_per_s']:,.0f} achieved, p50 "
              f"{o['p50_ms']} ms, p90 {o['p90_ms']} ms, p99 {o['p99_ms']} ms "
              f"({verdict(o['p99_ms'], P99_TARGET_MS, False)} {P99_TARGET_MS:g}); failed {o['failed']}")
    if "batch" in r:
        b = r["batch"]
        print(f"  batch of {b['batch_size']}: {b['messages_per_s']:,.0f} messages/s "
              f"({verdict(b['messages_per_s'], BATCH_TARGET)} {BATCH_TARGET:,}), server CPU "
              f"{b['server_cpu_us_per_message']} µs per message, p99 {b['p99_ms']} ms per request")
    if "shutdown" in r:
        s = r["shutdown"]
        print(f"  SIGTERM: exit status {s['exit_status']}, {s['answered']:,} parses answered, "
              f"{s['rows_lost']} missing from parse_log")
    if "mixed" in r:
        x = r["mixed"]
        print(f"  mixed, {x['duration_s']} s at {x['offered_per_s']} requests/s ({x['achieved_per_s']} achieved): "
              f"{x['requests']:,} requests {x['by_kind']}, failed {x['failed']}, rows lost {x['rows_lost']} of "
              f"{x['rows_answered']:,}, p99 {x['p99_ms']} ms")
        print(f"    variants {x['variants']}; answers by model version {x['answers_by_model_version']}")
        if x["note"]:
            print(f"    {x['note']}")
        else:
            print(f"    alias moved at {x['alias_moved_at_s']:.1f} s; new version served after "
                  f"{x['new_version_served_after_s']} s (alias check interval {x['alias_check_s']} s); "
                  f"integrity {x['integrity']}; exit status {x['exit_status']}")
        if x["errors"]:
            print(f"    errors: {x['errors']}")
    if "kill" in r:
        k = r["kill"]
        print(f"  kill -9 under load: integrity {k['integrity']}; {k['answered_before_kill']:,} answered, "
              f"{k['rows_lost']} missing from parse_log (window {k['window']:,}: "
              f"{'within' if k['within_window'] else 'OVER'}); {k['in_flight_failed']} requests in flight failed")
    note = busy_note(m)
    if note:
        print(note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests of each single-message run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rate", type=float, default=float(RPS_TARGET), help="open-loop requests/s")
    parser.add_argument("--batch-messages", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batch-connections", type=int, default=4,
                        help="connections of the batch run (each worker process takes the ones it accepts)")
    parser.add_argument("--mixed-s", type=float, default=30.0, help="seconds of the mixed run (the issue's: 600)")
    parser.add_argument("--mixed-rate", type=float, default=300.0, help="requests/s of the mixed run")
    parser.add_argument("--kill-after-s", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=None, help="the server's --threads (default: its own)")
    parser.add_argument("--workers", type=int, default=1, help="the server's --workers (processes)")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {', '.join(PARTS)}")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args)
    emit(report, args.json, human)
    failed = [part for part in ("mixed", "kill") if part in report and
              (report[part].get("integrity") != "ok" or (part == "mixed" and (report[part]["failed"] or
                                                                           report[part]["rows_lost"])))]
    failed += ["shutdown"] if report.get("shutdown", {}).get("rows_lost") else []
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
