"""Production monitoring: rolling windows over ``parse_log``, alerts with hysteresis through the
``alert_raised`` hook, retraining triggers, and an HTML report.

    from signalos.monitor import Monitor
    result = Monitor(host).check()        # what `signalos monitor check` runs

Names are imported on first use: the built-in alert handler (``signalos.monitor.plugin``) loads
with every host and must not pull the database and numpy into every command.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Alert": "alerts", "AlertEngine": "alerts", "MetricState": "alerts", "DEFAULT_METRICS": "config",
    "MetricSpec": "config", "MonitorConfig": "config", "Monitor": "core", "ALL": "metrics",
    "window_metrics": "metrics",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"signalos.monitor.{module}"), name)
