"""``signalos serve``: the HTTP JSON API (needs ``pip install 'signalos[serve]'``)."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional

import typer

from signalos.cli import common


def register(app: typer.Typer) -> None:
    """Add ``signalos serve`` to ``app``."""
    app.command("serve")(serve_command)


def serve_command(
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1; "
                                                            "0.0.0.0 for every interface)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port (default 8000; 0 picks a free one)."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p",
                                           help="The pipeline of requests that name none (default: the config's)."),
    token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN",
                                        help="Require 'Authorization: Bearer TOKEN' (also $SIGNALOS_SERVE_TOKEN, "
                                             "\\[serve] token). Off by default."),
    max_body: Optional[int] = typer.Option(None, "--max-body", metavar="BYTES",
                                           help="Largest request body (default 1 MiB)."),
    max_batch: Optional[int] = typer.Option(None, "--max-batch", metavar="N",
                                            help="Most messages in one batch request (default 1000)."),
    threads: Optional[int] = typer.Option(None, "--threads", metavar="N",
                                          help="Threads parsing for slow pipelines (default 8; a pipeline "
                                               "averaging under \\[serve] inline_ms is parsed on the event loop); "
                                               "0 parses everything on the event loop."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", metavar="N",
                                          help="Processes serving the port (default 1): Python parses on one core "
                                               "per process."),
    log: Optional[bool] = typer.Option(None, "--log/--no-log",
                                       help="Write every parse to the workspace's parse log (default: on)."),
    access_log: Optional[bool] = typer.Option(None, "--access-log/--no-access-log",
                                              help="One line per request on stderr (default: off)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line when listening and one when stopped."),
) -> None:
    """Serve the parsers over HTTP: POST /v1/parse, /v1/parse/batch; /metrics, /healthz, /readyz, /docs.

    \b
      signalos serve --config examples/serve/signalos.toml
      curl -s localhost:8000/v1/parse -d '{"text": "GOLD BUY 2342 SL 2335 TP 2350"}'

    Stops on SIGTERM or Ctrl-C after the requests in flight, writing every queued parse-log row.
    """
    from signalos.serve import require

    require()
    from signalos.serve.runner import run
    from signalos.serve.service import Service, ServeSettings

    host_obj = common.make_host()
    settings = ServeSettings.resolve(host_obj.config, host=host, port=port, pipeline=pipeline, token=token,
                                     max_body_bytes=max_body, max_batch=max_batch, threads=threads, log=log,
                                     access_log=access_log, workers=workers)
    service = Service(host_obj, settings)
    service.start()  # a model that cannot load fails here, before the port is taken

    def started(url: str) -> None:
        info = {"event": "started", "url": url, "pid": os.getpid(), "workers": settings.workers, "docs": f"{url}/docs",
                "default_pipeline": host_obj.config.pipeline().name,
                "parse_log": str(service.log.db_path) if service.log is not None else None,
                "token": bool(settings.token), "experiments": _experiments(service)}
        if as_json:
            _line(info)
        else:
            typer.echo(f"signalos serve: listening on {url} (docs {url}/docs; pipeline {info['default_pipeline']}; "
                       f"parse log {info['parse_log'] or 'off'}; token {'on' if settings.token else 'off'})")
            typer.echo("Stop with Ctrl-C or SIGTERM: requests in flight finish and the parse log is written.")

    if settings.workers > 1:
        from signalos.serve.runner import run_workers

        service.close()  # it has shown that everything starts; each worker starts its own
        state = common._current_context().find_object(common.CliState)
        summary = run_workers(settings, state.config if state else None, settings.workers, on_started=started,
                              report_json=as_json)
        if as_json:
            _line({"event": "stopped", **summary})
        else:
            typer.echo(f"signalos serve: stopped {settings.workers} workers")
        return
    summary = run(service, on_started=started)
    log_stats = summary.get("parse_log") or {}
    if as_json:
        _line({"event": "stopped", **summary})
    else:
        written = log_stats.get("written")
        typer.echo("signalos serve: stopped" + (f"; parse log rows written: {written}" if written is not None else ""))
    if log_stats and not log_stats.get("flushed", True):
        common.warn("the parse log could not write every row before the timeout")
        raise typer.Exit(1)


def _experiments(service: Any) -> list[str]:
    return [e.name for e in service.router.experiments()] if service.router is not None else []


def _line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
