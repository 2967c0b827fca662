"""What the serve tests share: a skip when the ``serve`` extra is missing, a real server on a free
loopback port, and reading the workspace's tables."""
from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

import pytest

MISSING = [m for m in ("fastapi", "uvicorn", "prometheus_client", "httpx") if importlib.util.find_spec(m) is None]
SKIP_REASON = (f"{', '.join(MISSING)} not installed: the serve tests need pip install 'signalos[serve,test]'"
               if MISSING else "")
needs_serve = pytest.mark.skipif(bool(MISSING), reason=SKIP_REASON)

SIGNAL_TEXT = "SIG EURUSD buy 1.0850 sl 1.0820 tp 1.0880 1.0910"
UPDATE_TEXT = "UPD EURUSD close"


def serve(host, **settings: Any):
    """A running server (``signalos.serve.runner.Running``) for ``host``: a context manager whose
    exit shuts it down as SIGTERM would."""
    from signalos.serve.runner import start_in_thread
    from signalos.serve.service import ServeSettings, Service

    service = Service(host, ServeSettings.resolve(host.config, **settings))
    service.start()
    return start_in_thread(service)


def client(running, **kw: Any):
    import httpx

    return httpx.Client(base_url=running.url, timeout=30.0, **kw)


def rows(workspace: Path, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
    conn = sqlite3.connect(Path(workspace) / "signalos.db")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text``."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise AssertionError(f"no sample {name} {labels}")


def total(text: str, name: str) -> float:
    """The sum of every sample ``name`` of the Prometheus text ``text``, whatever its labels."""
    from prometheus_client.parser import text_string_to_metric_families

    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == name)
