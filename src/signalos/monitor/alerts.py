"""Alerts with hysteresis: per-metric state machines, grouped into one incident per provider.

Each (scope, metric) walks the windows in time order. A window whose sample is below
``min_sample`` decides nothing. The metric *breaches* after ``consecutive`` (K) windows in a row
past its warning level (critical when K of them were past critical), and recovers only after K
windows in a row back past its ``clear`` level; a window between the two levels breaks both
streaks. So a metric flapping around its level never opens anything, and one that dips for a
single window does not close an open alert.

Breaching metrics of one provider form one incident, one alert: it opens with the first metric,
escalates when the severity rises, and resolves when the last metric has recovered
(``group_by = "metric"`` keeps one incident per metric instead). The all-providers scope does not
open an incident for a metric that an open provider incident already carries: one broken channel
is one alert, not two.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from signalos.monitor.config import MonitorConfig
from signalos.monitor.metrics import ALL, sample_of
from signalos.monitor.timeutil import iso

STATES = ("ok", "warning", "critical")
EVENTS = ("opened", "escalated", "resolved")


@attrs.frozen
class Alert:
    """One change of an alert, as ``alert_raised`` receives it.

    ``key`` is stable for the incident, so a handler can update what it posted when the same
    incident escalates or resolves. ``provider`` is None for all providers together. ``metrics``
    maps each metric the incident carries to its latest ``value``, the ``worst`` value while the
    incident was open, ``state``, ``warning``, ``critical``, ``clear``, ``bad`` ("low" or "high"),
    ``label`` and ``unit``.
    """

    key: str
    event: str
    status: str
    severity: str
    provider: str | None
    metrics: dict[str, dict[str, Any]]
    message: str
    window_start: str
    window_end: str
    opened_at: str
    closed_at: str | None = None
    workspace: str | None = None
    source: str = "monitor"

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class MetricState:
    """The hysteresis memory of one (scope, metric)."""

    state: str = "ok"
    bad_streak: int = 0
    critical_streak: int = 0
    clear_streak: int = 0
    value: float | None = None
    window_start: int | None = None

    def step(self, level: str, k: int) -> str | None:
        """Feed one window's level (``critical``, ``warning``, ``clear``, ``hold``); returns the
        transition (``opened``, ``escalated``, ``resolved``) or None."""
        if level in ("warning", "critical"):
            self.bad_streak += 1
            self.critical_streak = self.critical_streak + 1 if level == "critical" else 0
            self.clear_streak = 0
        elif level == "clear":
            self.clear_streak += 1
            self.bad_streak = self.critical_streak = 0
        else:
            self.bad_streak = self.critical_streak = self.clear_streak = 0
        if self.state == "ok":
            if self.bad_streak >= k:
                self.state = "critical" if self.critical_streak >= k else "warning"
                return "opened"
        elif self.clear_streak >= k:
            self.state = "ok"
            return "resolved"
        elif self.state == "warning" and self.critical_streak >= k:
            self.state = "critical"
            return "escalated"
        return None


@attrs.define
class Incident:
    key: str
    scope: str
    severity: str
    metrics: dict[str, dict[str, Any]]
    opened_window: int
    last_window: int
    opened_at: str
    status: str = "open"
    closed_window: int | None = None
    closed_at: str | None = None


def _worse(bad: str, a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    if not values:
        return None
    return min(values) if bad == "low" else max(values)


def _scope_label(scope: str) -> str:
    return "all providers" if scope == ALL else (f"provider {scope}" if scope else "messages with no provider")


def _fmt(value: float | None, unit: str) -> str:
    """A figure as an alert line shows it: milliseconds, a count, or a percentage."""
    if value is None:
        return "-"
    return f"{value:.0f} ms" if unit == "ms" else f"{value:.3g}" if abs(value) >= 1.5 else f"{100 * value:.1f}%"


class AlertEngine:
    """Walks windows of metrics through the state machines; keeps incidents; yields Alerts."""

    def __init__(self, cfg: MonitorConfig, states: dict[tuple[str, str], MetricState],
                 incidents: dict[str, Incident], *, workspace: str | None, decided_at: str):
        self.cfg = cfg
        self.states = states
        self.incidents = incidents  # group -> open incident
        self.workspace = workspace
        self.decided_at = decided_at
        self.alerts: list[Alert] = []
        self.closed: list[Incident] = []

    def _group(self, scope: str, metric: str) -> str:
        return scope if self.cfg.group_by == "provider" else f"{scope}\x1f{metric}"

    def run(self, rows: list[dict[str, Any]]) -> list[Alert]:
        """Feed metric rows (``window_metrics``, oldest first); provider scopes go before ``*``
        within a window so the all-providers scope sees which provider incidents are open."""
        by_window: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_window.setdefault(r["window_start"], []).append(r)
        for start in sorted(by_window):
            for row in sorted(by_window[start], key=lambda r: (r["scope"] == ALL, r["scope"])):
                self._window(row)
        return self.alerts

    def _window(self, row: dict[str, Any]) -> None:
        scope, start = row["scope"], row["window_start"]
        changed: dict[str, list[str]] = {}
        for metric in self.cfg.metrics:
            spec = self.cfg.spec(scope, metric)
            if not spec.alert or spec.warning is None:
                continue
            value = row.get(metric)
            if value is None or sample_of(row, spec) < self.cfg.min_sample:
                continue
            st = self.states.setdefault((scope, metric), MetricState())
            st.value, st.window_start = value, start
            st.step(spec.level(value), self.cfg.consecutive)
            changed.setdefault(self._group(scope, metric), []).append(metric)
        for group, metrics in changed.items():
            self._settle(group, scope, start, metrics)

    def _breaching(self, scope: str, metrics: list[str]) -> dict[str, dict[str, Any]]:
        out = {}
        for metric in metrics:
            st = self.states.get((scope, metric))
            if st is None or st.state == "ok":
                continue
            spec = self.cfg.spec(scope, metric)
            out[metric] = {"value": st.value, "state": st.state, "warning": spec.warning, "critical": spec.critical,
                           "clear": spec.clear, "bad": spec.bad, "label": spec.label, "unit": spec.unit}
        return out

    def _covered_by_providers(self, metric: str) -> bool:
        return any(inc.scope != ALL and metric in inc.metrics for inc in self.incidents.values())

    def _settle(self, group: str, scope: str, start: int, touched: list[str]) -> None:
        members = [m for m in self.cfg.metrics if self._group(scope, m) == group]
        breaching = self._breaching(scope, members)
        incident = self.incidents.get(group)
        if incident is None:
            if scope == ALL:
                breaching = {m: v for m, v in breaching.items() if not self._covered_by_providers(m)}
            if not breaching:
                return
            severity = "critical" if any(v["state"] == "critical" for v in breaching.values()) else "warning"
            key = "mon-" + hashlib.sha256(f"{group}|{start}".encode()).hexdigest()[:12]
            breaching = {m: {**v, "worst": v["value"]} for m, v in breaching.items()}
            incident = Incident(key, scope, severity, breaching, start, start, self.decided_at)
            self.incidents[group] = incident
            self._emit(incident, "opened", start)
            return
        incident.last_window = start
        if breaching:
            # Metrics that recovered stay listed with their last figures until the incident closes.
            merged = dict(incident.metrics)
            for m, v in breaching.items():
                merged[m] = {**v, "worst": _worse(v["bad"], (merged.get(m) or {}).get("worst"), v["value"])}
            for m in merged:
                if m not in breaching:
                    merged[m] = {**merged[m], "state": "ok"}
            incident.metrics = merged
            severity = "critical" if any(v["state"] == "critical" for v in breaching.values()) else "warning"
            if severity == "critical" and incident.severity == "warning":
                incident.severity = "critical"
                self._emit(incident, "escalated", start)
            return
        incident.metrics = {m: {**v, "state": "ok",
                                "value": self.states[(scope, m)].value if (scope, m) in self.states else v["value"]}
                            for m, v in incident.metrics.items()}
        incident.status, incident.closed_window, incident.closed_at = "resolved", start, self.decided_at
        del self.incidents[group]
        self.closed.append(incident)
        self._emit(incident, "resolved", start)

    def _emit(self, inc: Incident, event: str, start: int) -> None:
        provider = None if inc.scope == ALL else inc.scope
        parts = [f"{v['label']} {_fmt(v['value'], v.get('unit', ''))}"
                 + ("" if v["state"] == "ok" else f" ({'below' if v['bad'] == 'low' else 'above'} "
                    f"{_fmt(v['critical'] if v['state'] == 'critical' else v['warning'], v.get('unit', ''))})")
                 for v in inc.metrics.values()]
        verb = {"opened": inc.severity, "escalated": "critical now", "resolved": "resolved"}[event]
        message = f"[{verb}] {_scope_label(inc.scope)}: " + "; ".join(parts)
        self.alerts.append(Alert(
            key=inc.key, event=event, status=inc.status, severity=inc.severity, provider=provider,
            metrics=json.loads(json.dumps(inc.metrics)), message=message, window_start=iso(start),
            window_end=iso(start + self.cfg.window_s), opened_at=inc.opened_at, closed_at=inc.closed_at,
            workspace=self.workspace))
