"""Running the API on uvicorn until SIGTERM or Ctrl-C, then shutting down gracefully.

On the signal uvicorn stops accepting connections, lets the requests in flight finish (for at
most ``[serve] shutdown_timeout_s``), then the application's shutdown closes the service: every
queued parse-log row is written and queued webhooks are delivered. The process then exits 0.
"""
from __future__ import annotations

import contextlib
import math
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from signalos.errors import SignalosError
from signalos.serve import require
from signalos.serve.service import Service


def run(service: Service, *, on_started: Callable[[str], None] | None = None,
        sockets: list[socket.socket] | None = None) -> dict[str, Any]:
    """Serve ``service`` on ``[serve] host:port`` (or ``sockets``) until told to stop; returns
    what closing the service wrote. ``on_started(url)`` is called once the socket listens."""
    require()
    import uvicorn

    from signalos.serve.api import create_app

    settings = service.settings
    config = uvicorn.Config(
        create_app(service), host=settings.host, port=settings.port, lifespan="on", log_level="warning",
        access_log=settings.access_log, server_header=False,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_s),
    )
    server = _server(config, on_started)
    freeze_startup_heap()
    try:
        with _signals_end_the_server():
            server.run(sockets=sockets)
    except SystemExit as exc:  # uvicorn exits when it cannot bind or start
        raise SignalosError(f"the server could not start on {settings.host}:{settings.port} "
                            f"(uvicorn exit status {exc.code}; its error is above)") from None
    return getattr(service, "summary", {}) or {}


def freeze_startup_heap() -> int:
    """Move every object alive now (tables, compiled patterns, models, the app) out of the
    garbage collector's reach, as long-running Python servers do (``gc.freeze``): they live as
    long as the process, and each full collection would walk them all again. Under load the
    collector otherwise took about a tenth of a batch request's CPU time (``benchmarks/serve_load.py``).
    Returns how many objects were frozen."""
    import gc

    gc.collect()  # what is garbage already goes first, rather than staying forever
    gc.freeze()
    return gc.get_freeze_count()


def _server(config: Any, on_started: Callable[[str], None] | None) -> Any:
    """uvicorn's Server, telling ``on_started`` the URL it listens on (port 0 picks a free one)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if on_started is not None and self.started and self.servers:
                host, port = self.servers[0].sockets[0].getsockname()[:2]
                on_started(f"http://{_url_host(host)}:{port}")

    return Server(config)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@contextlib.contextmanager
def _signals_end_the_server() -> Iterator[None]:
    # uvicorn handles SIGINT/SIGTERM itself, and after its graceful shutdown raises the signal
    # again with the handlers it found: these do nothing, so the process exits 0 instead of dying
    # of the signal (or printing a KeyboardInterrupt) once everything is written.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Running:
    """A server running in a thread of this process (see ``start_in_thread``)."""

    def __init__(self, server: Any, thread: threading.Thread, url: str, service: Service):
        self.server, self.thread, self.url, self.service = server, thread, url, service

    def stop(self, timeout: float = 60.0) -> dict[str, Any]:
        """Shut down as on SIGTERM (requests in flight finish, the service closes); returns what
        closing the service wrote."""
        self.server.should_exit = True
        self.thread.join(timeout)
        return self.service.summary

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def start_in_thread(service: Service, *, host: str = "127.0.0.1", port: int = 0, timeout: float = 60.0) -> Running:
    """Serve ``service`` from a background thread of this process (a bot that also answers HTTP,
    a test): returns once it listens, on ``port`` (0: a free one)."""
    require()
    import uvicorn

    from signalos.serve.api import create_app

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(create_app(service), lifespan="on", log_level="warning", access_log=service.settings.access_log,
                            server_header=False, timeout_graceful_shutdown=math.ceil(service.settings.shutdown_timeout_s))
    urls: list[str] = []
    server = _server(config, urls.append)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="signalos-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not urls:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise SignalosError(f"the server did not start on {host}:{port}")
        time.sleep(0.01)
    return Running(server, thread, urls[0], service)


# several processes ------------------------------------------------------------------------------

def run_workers(settings: Any, config_path: str | None, workers: int, *, on_started: Callable[[str], None] | None = None,
                report_json: bool = False) -> dict[str, Any]:
    """Serve from ``workers`` processes sharing one listening socket (Python parses on one core per
    process). Each worker builds its own host from ``config_path`` and its own service (parse-log
    writer, router, metrics); ``/metrics`` sums the counters and histograms of every worker
    (prometheus-client's multiprocess mode). On SIGTERM or Ctrl-C each worker shuts down
    gracefully, as one server does; a worker that dies is replaced. With ``report_json`` each
    worker prints a JSON line (``"event": "worker_stopped"``) once it has closed its service."""
    import multiprocessing
    import os
    import shutil
    import tempfile

    require()
    metrics_dir = tempfile.mkdtemp(prefix="signalos-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # inherited by the workers
    # Where the system has SO_REUSEPORT (Linux), each worker listens on a socket of its own bound
    # to the same port, and the kernel spreads new connections over them; the parent only holds
    # the port (bound, not listening: it is never handed a connection). One socket shared by
    # every worker lets whichever accepts first take a burst of connections, and a few
    # keep-alive clients then all land on one worker (benchmarks/serve_load.py: 6,000 against
    # 16,000 batch messages/s on 2 workers, from run to run).
    per_worker = hasattr(socket, "SO_REUSEPORT")
    sock = _listen(settings.host, settings.port, reuse_port=per_worker)
    host, port = sock.getsockname()[:2]
    listening: socket.socket | tuple[str, int] = (settings.host, port) if per_worker else sock
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no thread of ours is forked
    spec = {"config": config_path, "options": _options_dict(settings.options), "json": report_json}

    def spawn() -> Any:
        ready = context.Event()
        process = context.Process(target=_worker_main, args=(listening, spec, ready), name="signalos-serve-worker")
        process.start()
        process.ready = ready
        return process

    processes = [spawn() for _ in range(workers)]
    for process in processes:  # "started" means every worker answers
        while not process.ready.wait(0.1):
            if not process.is_alive():
                for other in processes:
                    other.kill()
                sock.close()
                raise SignalosError(f"a worker could not start (exit status {process.exitcode}); its error is above")
    if on_started is not None:
        on_started(f"http://{_url_host(host)}:{port}")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    replaced = 0
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if not process.is_alive():
                    if process.exitcode == _STARTUP_FAILURE:
                        raise SignalosError("a worker could not start; its error is above")
                    replaced += 1
                    processes[i] = spawn()  # a crash of one worker must not take the service down
    finally:
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            process.join(settings.shutdown_timeout_s + 60)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return {"workers": workers, "replaced": replaced, "exit_codes": [p.exitcode for p in processes]}


_STARTUP_FAILURE = 3


def _stop_when_orphaned(server: Any) -> None:
    """Shut the worker down gracefully when its supervisor is gone (killed with -9, crashed): a
    worker left alone would go on holding the port and a core with nobody to stop it."""
    import os

    parent = os.getppid()

    def watch() -> None:
        while not server.should_exit:
            if os.getppid() != parent:
                server.should_exit = True
                return
            time.sleep(1.0)

    threading.Thread(target=watch, name="signalos-serve-orphan-watch", daemon=True).start()


def _listen(host: str, port: int, *, reuse_port: bool = False, listen: bool | None = None) -> socket.socket:
    """A socket bound to ``host:port``; listening unless ``listen`` is False. With ``reuse_port``
    (SO_REUSEPORT) other sockets of this user may bind the same port, and then, by default, this
    one only holds the port (the workers' sockets listen)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SignalosError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if listen if listen is not None else not reuse_port:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _options_dict(options: Any) -> dict[str, Any]:
    import attrs

    return {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.asdict(options).items()}


def _worker_main(listening: socket.socket | tuple[str, int], spec: dict[str, Any], ready: Any) -> None:
    """One worker process: its own host and service, serving until SIGTERM on the shared socket,
    or on a socket of its own bound to the port (``(host, port)``: SO_REUSEPORT)."""
    import sys

    import uvicorn

    from signalos.errors import SignalosError as Error
    from signalos.host import Host
    from signalos.options import ServeOptions
    from signalos.serve.api import create_app
    from signalos.serve.service import ServeSettings

    try:
        service = Service(Host(spec["config"]), ServeSettings(ServeOptions(**spec["options"])))
        service.start()
        # its own socket only now: the kernel hands it connections once it can answer them
        sock = listening if isinstance(listening, socket.socket) else \
            _listen(listening[0], listening[1], reuse_port=True, listen=True)
    except Error as exc:
        sys.stderr.write(f"Error: {exc}\n")
        sys.exit(_STARTUP_FAILURE)
    settings = service.settings
    config = uvicorn.Config(create_app(service), lifespan="on", log_level="warning", access_log=settings.access_log,
                            server_header=False, timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_s))
    server = _server(config, lambda url: ready.set())
    freeze_startup_heap()
    _stop_when_orphaned(server)
    with _signals_end_the_server():
        server.run(sockets=[sock])
    if spec.get("json"):
        import json
        import os

        sys.stdout.write(json.dumps({"event": "worker_stopped", "pid": os.getpid(), **service.summary}, default=str) + "\n")
        sys.stdout.flush()
