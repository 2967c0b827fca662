"""Production monitoring: rolling windows over ``parse_log``, alerts with hysteresis through the
``alert_raised`` hook, retraining triggers, and an HTML report.

    from signalos.monitor import Monitor
    result = Monitor(host).check()        # what `signalos monitor check` runs
"""
from __future__ import annotations

from signalos.monitor.alerts import Alert, AlertEngine, MetricState
from signalos.monitor.config import DEFAULT_METRICS, MetricSpec, MonitorConfig
from signalos.monitor.core import Monitor
from signalos.monitor.metrics import ALL, window_metrics

__all__ = ["ALL", "Alert", "AlertEngine", "DEFAULT_METRICS", "MetricSpec", "MetricState", "Monitor", "MonitorConfig",
           "window_metrics"]
