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
    try:
        with _signals_end_the_server():
            server.run(sockets=sockets)
    except SystemExit as exc:  # uvicorn exits when it cannot bind or start
        raise SignalosError(f"the server could not start on {settings.host}:{settings.port} "
                            f"(uvicorn exit status {exc.code}; its error is above)") from None
    return getattr(service, "summary", {}) or {}


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
