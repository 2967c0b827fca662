"""``signalos serve``: the chain as an HTTP JSON API, for bots written in any language.

    signalos serve --config signalos.toml            # http://127.0.0.1:8000, docs at /docs

A FastAPI application (:mod:`signalos.serve.api`) on uvicorn around a :class:`Service`
(:mod:`signalos.serve.service`: parse, route through the A/B router, log, count), with Prometheus
metrics (:mod:`signalos.serve.metrics`). Needs the ``serve`` extra: ``pip install 'signalos[serve]'``.
docs/serving.md has the API, the metrics, the webhooks and a systemd unit.

Embedding it in another ASGI server:

    from signalos import Host
    from signalos.serve import Service, create_app
    app = create_app(Service(Host("signalos.toml")))
"""
from __future__ import annotations

from typing import Any

from signalos.errors import MissingDependencyError

EXTRA = "serve"
REQUIRED = ("fastapi", "uvicorn", "prometheus_client")


def require() -> None:
    """Raise MissingDependencyError naming the extra when a package of ``signalos[serve]`` is missing."""
    import importlib.util

    for module in REQUIRED:
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError(module.replace("_", "-"), EXTRA)


def __getattr__(name: str) -> Any:
    # imported on use, so `import signalos.serve` works (and says what is missing) without the extra
    if name in ("Service", "ServeSettings", "RequestError"):
        from signalos.serve import service

        return getattr(service, name)
    if name == "create_app":
        require()
        from signalos.serve.api import create_app

        return create_app
    if name == "run":
        from signalos.serve.runner import run

        return run
    raise AttributeError(name)


__all__ = ["EXTRA", "RequestError", "ServeSettings", "Service", "create_app", "require", "run"]
