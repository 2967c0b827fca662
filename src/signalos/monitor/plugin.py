"""The built-in ``alert_raised`` handler: every alert goes to the ``alerts`` table of the
workspace the monitor read, and to the ``signalos.monitor`` logger.

Registered through the ``monitor`` entry point like any third-party plugin; a plugin posting
alerts to a chat implements the same hook beside it.
"""
from __future__ import annotations

import json
import logging

from signalos.hookspecs import hookimpl

logger = logging.getLogger("signalos.monitor")
LOG_LEVELS = {"warning": logging.WARNING, "critical": logging.ERROR}


@hookimpl(trylast=True)
def alert_raised(alert, host) -> None:
    level = logging.INFO if alert.event == "resolved" else LOG_LEVELS.get(alert.severity, logging.WARNING)
    logger.log(level, "alert %s %s: %s", alert.key, alert.event, alert.message)
    from signalos.store import Workspace

    ws = Workspace(alert.workspace) if alert.workspace else Workspace.for_host(host)
    try:
        record(ws.db, alert)
    finally:
        ws.close()


def record(db, alert) -> None:
    """Insert the incident's row on its first event; later events update it in place."""
    metrics = json.dumps(alert.metrics, ensure_ascii=False)
    details = json.dumps({"event": alert.event, "opened_at": alert.opened_at}, ensure_ascii=False)
    with db.conn:
        db.execute(
            "INSERT INTO alerts (key, created_at, updated_at, closed_at, status, severity, provider, metrics, message, "
            "window_start, window_end, events, source, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET updated_at = excluded.updated_at, closed_at = excluded.closed_at, "
            "status = excluded.status, severity = excluded.severity, metrics = excluded.metrics, "
            "message = excluded.message, window_end = excluded.window_end, events = alerts.events + 1, "
            "details = excluded.details",
            [alert.key, alert.opened_at, alert.closed_at or alert.opened_at, alert.closed_at, alert.status,
             alert.severity, alert.provider, metrics, alert.message, alert.window_start, alert.window_end,
             alert.source, details])
