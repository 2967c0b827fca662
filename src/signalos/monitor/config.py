"""The ``[monitor]`` table of signalos.toml: windows, thresholds, hysteresis, templates, retraining.

    [monitor]
    window = "15m"            # width of one window (s, m, h, d; or seconds)
    min_sample = 30           # a window with fewer parses decides nothing
    consecutive = 3           # K: windows in a row past a level to open, and past `clear` to close
    lookback = "7d"           # how far back the first check and the report look
    group_by = "provider"     # one alert per provider incident; "metric": one per provider and metric
    overall = true            # also watch all providers together

    [monitor.thresholds.success_rate]
    warning = 0.90            # below: warning; below critical: critical
    critical = 0.75
    clear = 0.93              # an open alert closes after K windows at or above this

    [monitor.providers.acme.success_rate]   # a provider's own levels, over the defaults
    warning = 0.80

    [monitor.templates]
    min_count = 3             # a template counts once seen this often (one-off chatter never does)
    baseline = "1d"           # templates of a provider's first day are its baseline, never new
    recent = "6h"             # a template first seen this recently is new

    [monitor.retrain]
    command = "signalos train spacy --json"
    timeout = "2h"
    cooldown = "6h"
    quality_metrics = ["success_rate"]
    quality_severity = "warning"
    feedback_items = 50
    new_template = true
    alias = "candidate"
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import ConfigError

SEVERITIES = ("warning", "critical")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_s(value: Any, what: str) -> int:
    """Seconds from ``900``, ``"15m"``, ``"2h"``, ``"1d"``; a ConfigError naming ``what`` otherwise."""
    if isinstance(value, bool):
        raise ConfigError(f"[monitor] {what}: expected a duration such as '15m', got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(f"[monitor] {what}: expected a duration such as '15m', '2h' or '1d', got {value!r}")
        seconds = float(m[1]) * _UNITS[m[2]]
    if seconds <= 0:
        raise ConfigError(f"[monitor] {what}: must be positive, got {value!r}")
    return int(round(seconds))


@attrs.frozen
class MetricSpec:
    """One watched metric: which way is bad and its three levels.

    ``bad = "low"``: a value below ``warning`` is a warning, below ``critical`` critical, and an
    open alert clears at ``clear`` or above; ``bad = "high"`` mirrors it. ``alert = False`` keeps
    the metric in status and charts only.
    """

    name: str
    label: str
    bad: str
    warning: float | None = None
    critical: float | None = None
    clear: float | None = None
    sample: str = "n"  # which count is the metric's sample: n, answered or signals
    alert: bool = True
    unit: str = ""

    def level(self, value: float | None) -> str:
        """``critical``, ``warning``, ``clear`` or ``hold`` (between warning and clear)."""
        if value is None or not self.alert or self.warning is None:
            return "hold"
        low = self.bad == "low"
        past = (lambda v, x: v < x) if low else (lambda v, x: v > x)
        if self.critical is not None and past(value, self.critical):
            return "critical"
        if past(value, self.warning):
            return "warning"
        clear = self.warning if self.clear is None else self.clear
        if (value >= clear) if low else (value <= clear):
            return "clear"
        return "hold"

    def with_table(self, table: dict[str, Any], where: str) -> MetricSpec:
        known = {"warning", "critical", "clear", "alert"}
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"[{where}]: unknown keys {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        changes: dict[str, Any] = {}
        for key in ("warning", "critical", "clear"):
            if key in table:
                v = table[key]
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise ConfigError(f"[{where}] {key}: expected a number, got {v!r}")
                changes[key] = None if v is None else float(v)
        if "alert" in table:
            changes["alert"] = bool(table["alert"])
        spec = attrs.evolve(self, **changes)
        spec.check(where)
        return spec

    def check(self, where: str) -> None:
        if self.warning is None:
            return
        worse = (lambda a, b: a <= b) if self.bad == "low" else (lambda a, b: a >= b)
        if self.critical is not None and not worse(self.critical, self.warning):
            raise ConfigError(f"[{where}]: critical {self.critical} must be {'below' if self.bad == 'low' else 'above'} "
                              f"warning {self.warning}")
        if self.clear is not None and worse(self.clear, self.warning) and self.clear != self.warning:
            raise ConfigError(f"[{where}]: clear {self.clear} must be {'at or above' if self.bad == 'low' else 'at or below'} "
                              f"warning {self.warning}")


# The defaults: a channel parser that answers 9 in 10 messages is healthy; one that falls back,
# hesitates or meets unknown instruments often has met a format it was not built for.
DEFAULT_METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("success_rate", "success rate", "low", 0.90, 0.75, 0.93),
    MetricSpec("fallback_rate", "fallback rate", "high", 0.30, 0.50, 0.25, sample="answered"),
    MetricSpec("mean_confidence", "mean confidence", "low", 0.60, 0.40, 0.65),
    MetricSpec("latency_p50_ms", "latency p50", "high", alert=False, unit="ms"),
    MetricSpec("latency_p95_ms", "latency p95", "high", 1000.0, 5000.0, 800.0, unit="ms"),
    MetricSpec("warning_rate", "validation-warning rate", "high", 0.20, 0.40, 0.15),
    MetricSpec("unknown_symbol_rate", "unknown-symbol rate", "high", 0.10, 0.25, 0.07, sample="signals"),
    MetricSpec("new_template_share", "share in new templates", "high", 0.30, 0.60, 0.15),
    MetricSpec("new_templates", "new templates", "high", alert=False),
)}


@attrs.frozen
class TemplateConfig:
    min_count: int = 3
    baseline_s: int = 86400
    recent_s: int = 6 * 3600


@attrs.frozen
class RetrainConfig:
    command: tuple[str, ...] = ()
    timeout_s: int = 2 * 3600
    cooldown_s: int = 6 * 3600
    quality_metrics: tuple[str, ...] = ("success_rate",)
    quality_severity: str = "warning"
    feedback_items: int = 50
    new_template: bool = True
    alias: str | None = "candidate"


@attrs.frozen
class MonitorConfig:
    """Everything the monitor reads from ``[monitor]``; ``MonitorConfig()`` is the defaults."""

    window_s: int = 900
    min_sample: int = 30
    consecutive: int = 3
    lookback_s: int = 7 * 86400
    group_by: str = "provider"
    overall: bool = True
    metrics: dict[str, MetricSpec] = attrs.field(factory=lambda: dict(DEFAULT_METRICS))
    providers: dict[str, dict[str, MetricSpec]] = attrs.field(factory=dict)
    templates: TemplateConfig = TemplateConfig()
    retrain: RetrainConfig = RetrainConfig()
    base_dir: Path = attrs.field(factory=Path.cwd)

    def spec(self, scope: str, metric: str) -> MetricSpec:
        """The levels of ``metric`` for a provider (its own table when it has one) or ``*``."""
        return self.providers.get(scope, {}).get(metric) or self.metrics[metric]

    @classmethod
    def for_host(cls, host) -> MonitorConfig:
        cfg = host.config
        return cls.from_table(cfg.section("monitor"), base_dir=cfg.base_dir)

    @classmethod
    def from_table(cls, table: dict[str, Any] | None, base_dir: Path | None = None) -> MonitorConfig:
        table = dict(table or {})
        known = {"window", "min_sample", "consecutive", "lookback", "group_by", "overall", "thresholds",
                 "providers", "templates", "retrain"}
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"[monitor]: unknown keys {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        kw: dict[str, Any] = {"base_dir": base_dir or Path.cwd()}
        if "window" in table:
            kw["window_s"] = duration_s(table["window"], "window")
        if "lookback" in table:
            kw["lookback_s"] = duration_s(table["lookback"], "lookback")
        for key in ("min_sample", "consecutive"):
            if key in table:
                v = table[key]
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise ConfigError(f"[monitor] {key}: expected a positive whole number, got {v!r}")
                kw[key] = v
        if "group_by" in table:
            if table["group_by"] not in ("provider", "metric"):
                raise ConfigError(f"[monitor] group_by: 'provider' or 'metric', got {table['group_by']!r}")
            kw["group_by"] = table["group_by"]
        if "overall" in table:
            kw["overall"] = bool(table["overall"])
        metrics = dict(DEFAULT_METRICS)
        for name, sub in _tables(table.get("thresholds"), "monitor.thresholds").items():
            _metric(name, "monitor.thresholds")
            metrics[name] = metrics[name].with_table(sub, f"monitor.thresholds.{name}")
        kw["metrics"] = metrics
        providers: dict[str, dict[str, MetricSpec]] = {}
        for provider, sub in _tables(table.get("providers"), "monitor.providers").items():
            where = f"monitor.providers.{provider}"
            providers[provider] = {name: metrics[_metric(name, where)].with_table(t, f"{where}.{name}")
                                   for name, t in _tables(sub, where).items()}
        kw["providers"] = providers
        if "templates" in table:
            kw["templates"] = _templates(table["templates"])
        if "retrain" in table:
            kw["retrain"] = _retrain(table["retrain"])
        return cls(**kw)


def _tables(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(f"[{where}]: expected a table of tables")
    return value


def _metric(name: str, where: str) -> str:
    if name not in DEFAULT_METRICS:
        raise ConfigError(f"[{where}.{name}]: unknown metric; known: {', '.join(DEFAULT_METRICS)}")
    return name


def _templates(t: Any) -> TemplateConfig:
    t = _table(t, "monitor.templates", {"min_count", "baseline", "recent"})
    kw: dict[str, Any] = {}
    if "min_count" in t:
        if isinstance(t["min_count"], bool) or not isinstance(t["min_count"], int) or t["min_count"] < 1:
            raise ConfigError(f"[monitor.templates] min_count: expected a positive whole number, got {t['min_count']!r}")
        kw["min_count"] = t["min_count"]
    if "baseline" in t:
        kw["baseline_s"] = 0 if t["baseline"] in (0, "0") else duration_s(t["baseline"], "templates.baseline")
    if "recent" in t:
        kw["recent_s"] = duration_s(t["recent"], "templates.recent")
    return TemplateConfig(**kw)


def _retrain(t: Any) -> RetrainConfig:
    t = _table(t, "monitor.retrain", {"command", "timeout", "cooldown", "quality_metrics", "quality_severity",
                                      "feedback_items", "new_template", "alias"})
    kw: dict[str, Any] = {}
    cmd = t.get("command")
    if cmd is not None:
        if isinstance(cmd, str):
            kw["command"] = tuple(shlex.split(cmd))
        elif isinstance(cmd, list) and all(isinstance(c, str) for c in cmd):
            kw["command"] = tuple(cmd)
        else:
            raise ConfigError("[monitor.retrain] command: a command line or a list of arguments")
    if "timeout" in t:
        kw["timeout_s"] = duration_s(t["timeout"], "retrain.timeout")
    if "cooldown" in t:
        kw["cooldown_s"] = 0 if t["cooldown"] in (0, "0") else duration_s(t["cooldown"], "retrain.cooldown")
    if "quality_metrics" in t:
        qm = t["quality_metrics"]
        if not isinstance(qm, list):
            raise ConfigError("[monitor.retrain] quality_metrics: a list of metric names")
        kw["quality_metrics"] = tuple(_metric(m, "monitor.retrain.quality_metrics") for m in qm)
    if "quality_severity" in t:
        if t["quality_severity"] not in SEVERITIES:
            raise ConfigError(f"[monitor.retrain] quality_severity: one of {', '.join(SEVERITIES)}")
        kw["quality_severity"] = t["quality_severity"]
    if "feedback_items" in t:
        v = t["feedback_items"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ConfigError(f"[monitor.retrain] feedback_items: a whole number (0 turns it off), got {v!r}")
        kw["feedback_items"] = v
    if "new_template" in t:
        kw["new_template"] = bool(t["new_template"])
    if "alias" in t:
        kw["alias"] = t["alias"] or None
    return RetrainConfig(**kw)


def _table(value: Any, where: str, known: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"[{where}]: expected a table")
    unknown = set(value) - known
    if unknown:
        raise ConfigError(f"[{where}]: unknown keys {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return value
